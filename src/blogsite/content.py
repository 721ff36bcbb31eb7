"""Find the site's Markdown sources and read their front matter."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from blogsite.errors import ContentError, collect
from blogsite.model import FrontMatter, Kind, ReadOnly, Source
from blogsite.yamltext import load_mapping

CONTENT_DIR = "content"
POSTS_DIR = "posts"
# Both endings editors and other generators use for Markdown; a bundle's page is `index.*`.
MARKDOWN_SUFFIXES = (".md", ".markdown")
BUNDLE_INDEXES = tuple(f"index{suffix}" for suffix in MARKDOWN_SUFFIXES)

# Files editors, systems and git's empty-folder habit leave behind; never content, never published.
_LEFTOVER = re.compile(
    r"(~$|\.sw[a-p]$|\.tmp$|^4913$|^#.*#$|^\.#|^Thumbs\.db$|^\.DS_Store$|^\.gitkeep$)"
)
_FENCE = re.compile(r"^(---|\.\.\.)\s*$")
# C0 and C1 controls other than tab, line feed and carriage return; XML 1.0 forbids them.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_BAD_SLUG = re.compile(r"[/\\?#%\s\x00-\x1f\x7f]|^\.|^$")
_KNOWN = ("title", "date", "updated", "tags", "summary", "draft", "slug", "toc")


def is_editor_leftover(name: str) -> bool:
    """True for editor and system leftovers (`.#a.md`, `a.md~`, `.a.md.swp`, `4913`)."""
    return bool(_LEFTOVER.search(name))


def is_ignored(name: str) -> bool:
    """True for files that are never sources: hidden ones and editor leftovers."""
    return name.startswith(".") or is_editor_leftover(name)


def discover(site_dir: Path) -> list[Source]:
    """Every post and standalone page under `site_dir/content`, in a stable order."""
    content = site_dir / CONTENT_DIR
    if not content.is_dir():
        raise ContentError(
            site_dir, None, f"no `{CONTENT_DIR}/` folder here; is --source the site's folder?"
        )
    found, errors = [], []
    for path, kind, bundle in sorted(_walk(content), key=lambda item: item[0]):
        try:
            found.append(_read(site_dir, path, kind, bundle))
        except ContentError as exc:  # read on: the build names every bad file at once
            errors.append(exc.diagnostic)
    collect(errors)
    return found


def _walk(content: Path) -> Iterator[tuple[Path, Kind, Path | None]]:
    posts = content / POSTS_DIR
    for path in content.iterdir():
        if is_ignored(path.name) or path == posts:
            continue
        if path.is_file() and path.suffix in MARKDOWN_SUFFIXES:
            yield path, "page", None
        elif path.is_dir() and (index := bundle_index(path)) is not None:
            yield index, "page", path
    if posts.is_dir():
        yield from _walk_posts(posts)


def _walk_posts(folder: Path) -> Iterator[tuple[Path, Kind, Path | None]]:
    for path in folder.iterdir():
        if is_ignored(path.name):
            continue
        if path.is_dir():
            if (index := bundle_index(path)) is not None:
                yield index, "post", path
            else:
                yield from _walk_posts(path)
        elif path.suffix in MARKDOWN_SUFFIXES:
            yield path, "post", None


def bundle_index(folder: Path) -> Path | None:
    """The page of a bundle folder (`index.md` or `index.markdown`), if it is one."""
    for name in BUNDLE_INDEXES:
        if (folder / name).is_file():
            return folder / name
    return None


def _read(site_dir: Path, path: Path, kind: Kind, bundle: Path | None) -> Source:
    shown = path.as_posix()
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ContentError(shown, None, f"cannot read the file: {exc.strerror}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ContentError(shown, line, "not valid UTF-8; save the file as UTF-8") from None
    name = bundle.name if bundle is not None else path.stem
    return Source(path=path, kind=kind, name=name, bundle=bundle, text=text)


def split_front_matter(source: Source) -> tuple[str, str, int]:
    """(YAML text, body, line of the body's first line); YAML starts on line 2."""
    lines = source.text.splitlines(keepends=True)
    if not lines or not _FENCE.match(lines[0]) or lines[0].startswith("..."):
        raise ContentError(
            source.shown,
            1,
            "missing front matter: start the file with a `---` line, "
            "then `title:` and `date:`, then another `---` line",
        )
    for number, line in enumerate(lines[1:], start=2):
        if _FENCE.match(line):
            return "".join(lines[1 : number - 1]), "".join(lines[number:]), number + 1
    raise ContentError(source.shown, 1, "front matter is not closed: add a `---` line after it")


def parse_front_matter(source: Source, tz: ZoneInfo) -> FrontMatter:
    """Validate the front matter; dates without a zone are read in `tz`."""
    yaml_text, body, body_line = split_front_matter(source)
    data, lines = load_mapping(yaml_text, source.shown, first_line=2)

    def fail(key: str | None, message: str) -> ContentError:
        return ContentError(source.shown, lines.get(key, 1) if key else 1, message)

    title = data.get("title")
    if title is None or (isinstance(title, str) and not title.strip()):
        raise fail("title", "missing `title` in front matter; add a line `title: Your title`")
    if isinstance(title, list | dict):
        raise fail("title", "`title` must be text; quote it if it contains `:` or `#`")
    if "date" not in data or data["date"] is None:
        raise fail(None, "missing `date` in front matter; add a line such as `date: 2024-05-01`")
    published = _to_datetime(data["date"], tz)
    if published is None:
        raise fail("date", _date_message("date", data["date"]))
    updated = None
    if data.get("updated") is not None:
        updated = _to_datetime(data["updated"], tz)
        if updated is None:
            raise fail("updated", _date_message("updated", data["updated"]))
    tags = data.get("tags") or []
    if not isinstance(tags, list):
        raise fail("tags", "`tags` must be a list; write `tags: [a, b]` or one `- tag` per line")
    if any(isinstance(tag, list | dict) or tag is None for tag in tags):
        raise fail(
            "tags", "each tag must be a single word or phrase, like `tags: [LeetCode, 动态规划]`"
        )
    summary = data.get("summary")
    if summary is not None and not isinstance(summary, str):
        raise fail("summary", "`summary` must be text")
    # Feeds are XML, which cannot hold control characters: refuse them where they enter.
    for key, value in (("title", title), ("summary", summary), *(("tags", t) for t in tags)):
        if isinstance(value, str) and (bad := _CONTROL.search(value)):
            raise fail(key, f"`{key}` holds the control character U+{ord(bad[0]):04X}; remove it")
    slug = str(data["slug"]).strip() if data.get("slug") is not None else source.name
    if (problem := check_slug(slug)) is not None:
        raise fail("slug", problem)
    for key in ("draft", "toc"):
        if key in data and not isinstance(data[key], bool | None):
            raise fail(key, f"`{key}` must be `true` or `false`")
    return FrontMatter(
        title=str(title).strip(),
        date=published,
        updated=updated,
        tags=tuple(dict.fromkeys(str(tag).strip() for tag in tags if str(tag).strip())),
        summary=summary.strip() if isinstance(summary, str) else None,
        draft=bool(data.get("draft", False)),
        slug=slug,
        toc=data.get("toc"),
        extra=ReadOnly({k: v for k, v in data.items() if k not in _KNOWN}),
        body=body,
        body_line=body_line,
    )


def check_slug(slug: str) -> str | None:
    """Why `slug` cannot name a post's URL, or None if it can."""
    if _BAD_SLUG.search(slug):
        return f"`slug` {slug!r} cannot hold `/`, `\\`, `?`, `#`, `%` or spaces"
    return None


def _to_datetime(value: Any, tz: ZoneInfo) -> datetime | None:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time())
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    else:
        return None
    return moment.replace(tzinfo=tz) if moment.tzinfo is None else moment


def _date_message(key: str, value: Any) -> str:
    return (
        f"`{key}` is not a date: {value!r}; "
        f"write it like `{key}: 2024-05-01` or `{key}: 2024-05-01T09:30:00+08:00`"
    )
