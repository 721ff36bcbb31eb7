"""The shared vocabulary of the build: what each stage takes and returns."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from html import escape
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote

from blogsite.config import Config
from blogsite.errors import Diagnostic
from blogsite.fonts import NO_MATH, MathText

Kind = Literal["post", "page"]
SkipReason = Literal["draft", "future"]


class ReadOnly(Mapping[str, Any]):
    """A mapping templates can read but not change; unlike `MappingProxyType`, it pickles
    (posts cross to the render pool's processes and into the build cache)."""

    __slots__ = ("_data",)

    def __init__(self, data: Mapping[str, Any]) -> None:
        self._data = dict(data)

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        return f"ReadOnly({self._data!r})"

    def __getstate__(self) -> dict[str, Any]:
        return self._data

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._data = state


@dataclass(frozen=True)
class Source:
    """One Markdown file as read from disk."""

    path: Path  # the site folder as the command named it, joined with the file's place
    kind: Kind
    name: str  # file stem, or the bundle's folder name
    bundle: Path | None  # folder whose other files are published beside the page
    text: str

    @property
    def shown(self) -> str:
        """The path for messages, relative to the current folder when `--source` was."""
        return self.path.as_posix()


@dataclass(frozen=True)
class FrontMatter:
    title: str
    date: datetime
    updated: datetime | None
    tags: tuple[str, ...]
    summary: str | None
    draft: bool
    slug: str
    toc: bool | None
    extra: Mapping[str, Any]
    body: str
    body_line: int  # the file's line number of the body's first line


@dataclass(frozen=True)
class MarkupSettings:
    """What besides the body changes the Markdown step's output; part of its cache key."""

    summary_length: int = 150
    language: str = "en"
    root_path: str = "/"  # the site's path on its host: `/x` in a link becomes `/blog/x`
    macros: tuple[tuple[str, str], ...] = ()  # the site's TeX macros (`math: macros:`)
    linkify: bool = True  # bare URLs and e-mail addresses become links


@dataclass(frozen=True)
class Heading:
    level: int
    id: str
    html: str  # inner HTML of the heading (may hold MathML)


@dataclass(frozen=True)
class Rendered:
    """The Markdown step's result for one body: pure function of the body and `MarkupSettings`."""

    html: str
    more_html: str | None  # what stands before `<!--more-->`, if the body has the marker
    auto_summary_html: str
    toc: tuple[Heading, ...]
    han_chars: int
    latin_words: int
    diagnostics: tuple[Diagnostic, ...] = ()
    # What the math font must draw for `html`, `more_html` and `auto_summary_html`.
    math: MathText = NO_MATH
    more_math: MathText = NO_MATH
    summary_math: MathText = NO_MATH
    # `more_html` and `auto_summary_html` as plain text, for descriptions.
    more_text: str = ""
    summary_text: str = ""
    # Each link's and image's URL as written and as in `html`, with its line in the file.
    links: tuple[tuple[str, str, int], ...] = ()
    # The runnable blocks' digest and outcomes (`execute.Outcome`), when there are any.
    runs: tuple[str, tuple[Any, ...]] | None = None

    @property
    def reading_minutes(self) -> int:
        """≈ 400 Han characters or 200 Latin words a minute; at least one."""
        return max(1, math.ceil(self.han_chars / 400 + self.latin_words / 200))


@dataclass(frozen=True)
class Post:
    """A post or standalone page, ready for templates."""

    source: Source
    meta: FrontMatter
    path: str  # URL path below the site root, ending in `/`: `posts/two-sum/`
    rendered: Rendered
    assets: tuple[Path, ...] = ()
    # Of everything the post was made from (its file, its render's inputs, its path), so a
    # page that shows it can tell whether it changed; "" when not known.
    digest: str = ""

    @property
    def kind(self) -> Kind:
        return self.source.kind

    @property
    def slug(self) -> str:
        return self.meta.slug

    @property
    def title(self) -> str:
        return self.meta.title

    @property
    def date(self) -> datetime:
        return self.meta.date

    @property
    def updated(self) -> datetime | None:
        return self.meta.updated

    @property
    def tags(self) -> tuple[str, ...]:
        return self.meta.tags

    @property
    def extra(self) -> Mapping[str, Any]:
        return self.meta.extra

    @property
    def content(self) -> str:
        return self.rendered.html

    @property
    def toc(self) -> tuple[Heading, ...]:
        return self.rendered.toc

    @property
    def show_toc(self) -> bool:
        """An explicit `toc:` wins; otherwise posts with three or more headings get one."""
        if self.meta.toc is not None:
            return self.meta.toc and bool(self.toc)
        return len(self.toc) >= 3

    @property
    def reading_minutes(self) -> int:
        return self.rendered.reading_minutes

    @property
    def has_math(self) -> bool:
        return "<math" in self.rendered.html

    @property
    def has_code(self) -> bool:
        """Whether the page shows highlighted code (it then loads the code colours)."""
        return 'class="highlight' in self.rendered.html

    @property
    def excerpt(self) -> str:
        """The index entry's excerpt: `<!--more-->`, else `summary`, else automatic; as HTML."""
        if self.rendered.more_html is not None:
            return self.rendered.more_html
        if self.meta.summary is not None:
            return f"<p>{escape(self.meta.summary)}</p>"
        return self.rendered.auto_summary_html

    @property
    def excerpt_math(self) -> MathText:
        """What the math font must draw for `excerpt`."""
        if self.rendered.more_html is not None:
            return self.rendered.more_math
        if self.meta.summary is not None:
            return NO_MATH
        return self.rendered.summary_math

    @property
    def description(self) -> str:
        """The excerpt as one line of plain text, for `<meta name=description>` and previews."""
        # The plain texts were made with the render (`plain_text` of each excerpt).
        if self.meta.summary:
            return self.meta.summary
        if self.rendered.more_html is not None:
            return self.rendered.more_text
        return "" if self.meta.summary is not None else self.rendered.summary_text


@dataclass(frozen=True)
class IndexPage:
    """One page of a paginated list of posts: "Latest updates", or one tag's posts."""

    number: int  # 1-based
    total: int
    posts: tuple[Post, ...]
    base: str = ""  # the list's first page: "" for the index, `tags/<name>/` for a tag

    @property
    def path(self) -> str:
        return page_path(self.number, self.base)

    @property
    def prev_path(self) -> str | None:
        return page_path(self.number - 1, self.base) if self.number > 1 else None

    @property
    def next_path(self) -> str | None:
        return page_path(self.number + 1, self.base) if self.number < self.total else None

    @property
    def has_math(self) -> bool:
        """Whether any excerpt on this page shows a formula (the math font is then preloaded)."""
        return any("<math" in post.excerpt for post in self.posts)

    @property
    def has_code(self) -> bool:
        return any('class="highlight' in post.excerpt for post in self.posts)

    @property
    def numbers(self) -> list[tuple[int, str]]:
        return [(n, page_path(n, self.base)) for n in range(1, self.total + 1)]


def paginate(posts: tuple[Post, ...], per_page: int, base: str = "") -> tuple[IndexPage, ...]:
    """Split `posts` into pages of `per_page`; an empty list still has its first page."""
    total = max(1, -(-len(posts) // per_page))
    return tuple(
        IndexPage(n, total, posts[(n - 1) * per_page : n * per_page], base)
        for n in range(1, total + 1)
    )


def site_url(root_path: str, path: str) -> str:
    """The root-relative URL of a site path (`posts/中文/` → `/blog/posts/%E4%B8%AD%E6%96%87/`)."""
    return root_path + quote(path.lstrip("/"), safe="/")


def page_path(number: int, base: str = "") -> str:
    """URL path of page `number` of a list whose first page is `base` (the site root: "")."""
    return base if number == 1 else f"{base}page/{number}/"


def tag_path(name: str) -> str:
    """URL path of a tag's page; `/ \\ ? # %` and spaces become `-`, and it is never `.` or `..`."""
    slug = re.sub(r"[/\\?#%\s]+", "-", name).strip("-.")
    return f"tags/{slug or 'tag'}/"


@dataclass(frozen=True)
class Tag:
    name: str
    path: str  # `tags/<name>/`
    posts: tuple[Post, ...]  # newest first
    pages: tuple[IndexPage, ...]  # paginated like the index


@dataclass(frozen=True)
class Year:
    """One year of the archives."""

    year: int
    posts: tuple[Post, ...]  # newest first


@dataclass(frozen=True)
class Skipped:
    """A source left out of this build, and why (`--drafts`, `--future` bring it in)."""

    path: str
    reason: SkipReason


@dataclass(frozen=True)
class Site:
    """Everything the templates need, after sorting and pagination."""

    config: Config
    posts: tuple[Post, ...]  # newest first
    pages: tuple[Post, ...]  # standalone pages such as About
    index_pages: tuple[IndexPage, ...]
    tags: tuple[Tag, ...]
    # Neighbours are kept as paths, not object references, so posts stay plain values.
    older: Mapping[str, str] = field(default_factory=dict)
    newer: Mapping[str, str] = field(default_factory=dict)
    related: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    years: tuple[Year, ...] = ()  # the archives, newest year first
    skipped: tuple[Skipped, ...] = ()

    @cached_property
    def post_at(self) -> Mapping[str, Post]:
        """Each post by the path it is published at (`posts/a/`)."""
        return {post.path: post for post in self.posts}
