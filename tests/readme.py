"""The README's shell blocks, for the tests that keep it true."""

from __future__ import annotations

import re

from conftest import REPO

# A fence opens with 3+ backticks (maybe indented inside a list) and closes with as many.
_FENCE = re.compile(r"^(?P<indent> *)(?P<ticks>`{3,})(?P<lang>[\w-]*)[^\n]*\n", re.MULTILINE)


def fenced_blocks(text: str) -> list[tuple[str, str]]:
    """(language, body) of each top-level fenced block, in order; inner fences stay inside."""
    blocks, pos = [], 0
    while match := _FENCE.search(text, pos):
        indent, ticks = match["indent"], match["ticks"]
        close = re.compile(rf"^ {{0,{len(indent) + 3}}}{ticks}`*\s*$", re.MULTILINE)
        end = close.search(text, match.end())
        if end is None:
            break
        body = text[match.end() : end.start()]
        lines = [line.removeprefix(indent) for line in body.splitlines()]
        blocks.append((match["lang"], "\n".join(lines)))
        pos = end.end()
    return blocks


def shell_blocks() -> list[str]:
    """The README's `sh` blocks, in order."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    return [body.strip() for lang, body in fenced_blocks(readme) if lang == "sh"]


def setup_commands() -> tuple[str, str]:
    """The two set-up commands: install and build, then install the tests and run them."""
    install, test = shell_blocks()[:2]
    return install, test
