"""Parse YAML mappings with the line of each key, so errors can name the line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from blogsite.errors import BlogsiteError, ContentError

# The C loader is ~7x faster on front matter; fall back where libyaml is missing.
_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BaseLoader):  # type: ignore[misc,valid-type]
    """Safe loading, but an impossible date (`2024-13-45`) stays a string to be reported."""


def _timestamp(loader: Any, node: yaml.Node) -> Any:
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError:
        return loader.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)


def load_mapping(
    text: str, path: Path | str, first_line: int = 1, error: type[BlogsiteError] = ContentError
) -> tuple[dict[str, Any], dict[str, int]]:
    """Parse `text` as a YAML mapping; return it and the 1-based line of each top-level key.

    `first_line` is the line of `text`'s first line in the file it came from.
    """
    try:
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        line, message = _describe(exc, text)
        raise error(path, first_line + line, message) from None
    except yaml.YAMLError as exc:
        raise error(path, first_line, f"YAML error: {exc}") from None
    if data is None:
        return {}, {}
    if not isinstance(data, dict):
        raise error(path, first_line, "expected `key: value` lines, found a single value or list")
    lines: dict[str, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key_node, _ in node.value:
            lines[str(key_node.value)] = first_line + key_node.start_mark.line
    return {str(k): v for k, v in data.items()}, lines


# An unclosed bracket or quote is noticed lines later, where its end should have been:
# those errors name the line that opened it (PyYAML's context mark).
_OPENED_AT = {
    "while parsing a flow sequence": "the `[` on this line is never closed; add `]`",
    "while parsing a flow mapping": "the `{` on this line is never closed; add `}`",
    "while scanning a quoted scalar": "the quote that starts on this line is never closed",
    "while parsing a flow node": "the `[` or `{` on this line is never closed",
}


def _describe(exc: yaml.MarkedYAMLError, text: str) -> tuple[int, str]:
    """(0-based line, message) for a YAML syntax error, at the mistake rather than past it."""
    opened = _OPENED_AT.get(exc.context or "")
    if opened is not None and exc.context_mark is not None:
        return exc.context_mark.line, f"YAML error: {opened}"
    mark = exc.problem_mark or exc.context_mark
    line = mark.line if mark else 0
    problem = exc.problem or exc.context or "invalid YAML"
    hint = "check the syntax of this line"
    if "mapping values are not allowed" in problem:
        lines = text.splitlines()
        source = lines[line] if line < len(lines) else ""
        hint = (
            'quote a value that contains `: `, like `title: "a: b"`'
            if source.count(": ") > 1
            else "check the indentation of this line against the line above"
        )
    return line, f"YAML error: {problem}; {hint}"
