"""Front matter read independently of the generator, with PyYAML, to test builds against sources."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import yaml

from blogsite.cli import main


@dataclass(frozen=True)
class Front:
    slug: str
    folder: Path
    source: str  # the Markdown file's text
    title: str
    date: datetime
    updated: datetime | None
    tags: tuple[str, ...]

    @property
    def path(self) -> str:
        """Root-relative URL below the site root: `posts/<slug>/`, percent-encoded."""
        return f"posts/{quote(self.slug)}/"


def read_config(root: Path) -> dict[str, Any]:
    """The site's `blogsite.yaml` (empty when there is none)."""
    path = root / "blogsite.yaml"
    return (yaml.safe_load(path.read_text("utf-8")) or {}) if path.is_file() else {}


def moment(value: Any, tz: ZoneInfo) -> datetime:
    """A front-matter date as an aware datetime; one without a zone is read in `tz`."""
    if not isinstance(value, datetime):
        value = (
            datetime.combine(value, time())
            if isinstance(value, date)
            else datetime.fromisoformat(str(value))
        )
    return value if value.tzinfo else value.replace(tzinfo=tz)


def site_posts(root: Path) -> list[Front]:
    """The published posts of the site at `root`, newest first (same moment: by title)."""
    tz = ZoneInfo(read_config(root).get("timezone", "UTC"))
    found = []
    for path in sorted((root / "content/posts").rglob("*.md")):
        text = path.read_text("utf-8")
        header = re.match(r"---\n(.*?)\n---\n", text, re.S)
        assert header, f"{path}: no front matter"
        data = yaml.safe_load(header[1])
        if data.get("draft"):
            continue
        name = path.parent.name if path.name == "index.md" else path.stem
        post = Front(
            slug=str(data.get("slug") or name),
            folder=path.parent,
            source=text,
            title=str(data["title"]).strip(),
            date=moment(data["date"], tz),
            updated=moment(data["updated"], tz) if data.get("updated") else None,
            tags=tuple(dict.fromkeys(str(tag).strip() for tag in data.get("tags") or [])),
        )
        if post.date <= datetime.now(tz):
            found.append(post)
    by_title = sorted(found, key=lambda p: p.title)
    return sorted(by_title, key=lambda p: p.date, reverse=True)


def front_matter(**fields: object) -> str:
    """Front matter whose strings and lists are JSON, which is valid YAML for any text."""
    lines = [
        f"{key}: {value}"
        if key in ("date", "updated")
        else f"{key}: {json.dumps(value, ensure_ascii=False)}"
        for key, value in fields.items()
    ]
    return "---\n" + "\n".join(lines) + "\n---\n"


def build_site(root: Path, out: Path, base_url: str) -> Path:
    """The site at `root` built into `out` with `base_url` and no search index: what the tests
    compare with the front matter."""
    args = ["build", "--source", str(root), "--output", str(out), "--base-url", base_url]
    assert main([*args, "--no-search", "--quiet"]) == 0
    return out
