"""Parse YAML mappings with the line of each key, so errors can name the line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from blogsite.errors import ContentError

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
    text: str, path: Path | str, first_line: int = 1, error: type[ContentError] = ContentError
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
        mark = exc.problem_mark or exc.context_mark
        line = first_line + mark.line if mark else first_line
        problem = exc.problem or exc.context or "invalid YAML"
        raise error(path, line, f"YAML error: {problem}; check the syntax of this line") from None
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
