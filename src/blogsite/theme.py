"""Where the default theme (templates and static files) is, installed or in a source tree."""

from __future__ import annotations

from pathlib import Path

TEMPLATES = "templates"
STATIC = "static"


def default_theme_dir() -> Path:
    """The folder holding the default `templates/` and `static/`."""
    installed = Path(__file__).parent / "theme"
    if (installed / TEMPLATES).is_dir():
        return installed
    # An editable install or a source checkout: the theme is the repo's top level.
    source_tree = Path(__file__).resolve().parents[2]
    if (source_tree / TEMPLATES / "base.html").is_file():
        return source_tree
    raise FileNotFoundError("the default theme is missing; reinstall blogsite")
