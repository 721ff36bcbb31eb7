"""Run the Python code blocks of a bundled post, so tests check what the post teaches."""

from __future__ import annotations

import typing
from pathlib import Path

from markdown_it import MarkdownIt

CONTENT = Path(__file__).resolve().parents[1] / "content"


def post_path(slug: str) -> Path:
    """The source file of the bundled post `slug` (a bundle or a single file)."""
    for candidate in (CONTENT / "posts" / slug / "index.md", CONTENT / "posts" / f"{slug}.md"):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"no post {slug!r} under {CONTENT / 'posts'}")


def python_blocks(text: str) -> list[tuple[int, str]]:
    """(first line, code) of each ```python block that is not marked `norun`."""
    body_offset = 0
    if text.startswith("---\n"):
        end = text.find("\n---\n", 4)
        if end != -1:
            body_offset = text.count("\n", 0, end + 5)
            text = text[end + 5 :]
    blocks = []
    for token in MarkdownIt("commonmark").parse(text):
        words = token.info.split()
        if (
            token.type == "fence"
            and words
            and words[0] in ("python", "py")
            and "norun" not in words
        ):
            assert token.map is not None
            blocks.append((body_offset + token.map[0] + 2, token.content))
    return blocks


def load_post_code(slug: str, text: str | None = None) -> dict[str, object]:
    """Execute the post's Python blocks in order in one namespace and return it.

    The namespace starts with `typing`'s names, as on LeetCode's judge, so a
    solution written in the judge's form (`List[int]` without an import) runs.
    `text` replaces the file's contents, so a test can run a deliberately broken copy.
    """
    path = post_path(slug)
    source = path.read_text(encoding="utf-8") if text is None else text
    namespace: dict[str, object] = {name: getattr(typing, name) for name in typing.__all__}
    namespace["__name__"] = f"post_{slug.replace('-', '_')}"
    blocks = python_blocks(source)
    if not blocks:
        raise AssertionError(f"{path}: no runnable ```python block")
    for line, code in blocks:
        # Pad with newlines so a traceback points at the line in the post.
        exec(compile("\n" * (line - 1) + code, str(path), "exec"), namespace)
    return namespace


def load_broken_post_code(slug: str, old: str, new: str) -> dict[str, object]:
    """The post's namespace after replacing `old` (which must occur exactly once) by `new`."""
    text = post_path(slug).read_text(encoding="utf-8")
    found = text.count(old)
    if found != 1:
        raise AssertionError(
            f"post {slug!r}: expected {old!r} exactly once in {post_path(slug)}, found {found}"
        )
    return load_post_code(slug, text=text.replace(old, new))
