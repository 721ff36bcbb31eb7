"""What readers' tools read besides pages: the Atom feeds' entries, the sitemap's rows, and
HTML whose URLs work with no page around it (feed readers have no base URL)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

from blogsite.model import IndexPage, Post, Site
from blogsite.urls import absolutize

FEED_ENTRIES = 20
FEED = "atom.xml"


@dataclass(frozen=True)
class Feed:
    """One Atom feed: the whole site's, or one tag's."""

    path: str  # `atom.xml`, `tags/<name>/atom.xml`
    title: str
    page: str  # the HTML page the feed follows: the index, or the tag's page
    posts: tuple[Post, ...]  # newest first, at most FEED_ENTRIES

    @property
    def updated(self) -> datetime | None:
        return max((last_modified(post) for post in self.posts), default=None)


def feeds(site: Site) -> Iterator[Feed]:
    """The site's feed, then one per tag."""
    yield Feed(FEED, site.config.title, "", site.posts[:FEED_ENTRIES])
    for tag in site.tags:
        title = f"{site.config.title}: {tag.name}"
        yield Feed(tag.path + FEED, title, tag.path, tag.posts[:FEED_ENTRIES])


def last_modified(post: Post) -> datetime:
    return post.updated or post.date


@dataclass(frozen=True)
class SitemapRow:
    path: str
    lastmod: datetime | None


def sitemap_rows(site: Site) -> list[SitemapRow]:
    """Every page a reader can reach (not the 404 page), with when it last changed."""

    def newest(pages: tuple[IndexPage, ...]) -> Iterator[SitemapRow]:
        for page in pages:
            yield SitemapRow(page.path, max(map(last_modified, page.posts), default=None))

    newest_post = max(map(last_modified, site.posts), default=None)
    rows = [*newest(site.index_pages)]
    rows += [SitemapRow(post.path, last_modified(post)) for post in (*site.posts, *site.pages)]
    rows.append(SitemapRow("tags/", newest_post))
    for tag in site.tags:
        rows += newest(tag.pages)
    rows.append(SitemapRow("archives/", newest_post))
    return rows


def absolute_content(abs_url: Callable[[str], str | None], post: Post) -> str:
    """The post's HTML for a feed, every URL absolute (or as it is with no known host)."""
    page = abs_url(post.path)
    return absolutize(post.content, page) if page else post.content
