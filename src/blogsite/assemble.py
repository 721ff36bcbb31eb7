"""Assemble: drop drafts and future posts, sort, paginate, group by tag → `Site`."""

from __future__ import annotations

import bisect
import hashlib
from collections.abc import Sequence
from datetime import datetime
from itertools import groupby, pairwise
from typing import Any

from blogsite.config import Config
from blogsite.errors import ContentError, Diagnostic, collect
from blogsite.model import Post, Site, Skipped, SkipReason, Tag, Year, paginate, tag_path

# First path segments the generator itself publishes; a standalone page may not take them.
RESERVED = frozenset(
    {"posts", "page", "tags", "archives", "search", "pagefind", "css", "js", "fonts"}
)


def skip_reason(post: Post, *, drafts: bool, future: bool, now: datetime) -> SkipReason | None:
    """Why a post is left out of this build, or None if it is published."""
    if post.meta.draft and not drafts:
        return "draft"
    if not future and post.date > now:
        return "future"
    return None


def assemble(
    config: Config,
    posts: Sequence[Post],
    *,
    drafts: bool,
    future: bool,
    now: datetime,
    memo: dict[str, Any] | None = None,
) -> Site:
    """Build the `Site` from rendered posts and pages; reports clashing URLs.

    `memo` keeps the related posts of the last call, reused while no post's path, date or
    tags changed (the search is the costliest part of assembling a large site).
    """
    reasons = [skip_reason(post, drafts=drafts, future=future, now=now) for post in posts]
    shown = [post for post, reason in zip(posts, reasons, strict=True) if reason is None]
    skipped = tuple(
        Skipped(post.source.shown, reason)
        for post, reason in zip(posts, reasons, strict=True)
        if reason is not None
    )
    _check_unique_paths(shown)
    # Newest first; posts of the same moment by title, so the order never depends on the disk.
    by_title = sorted((post for post in shown if post.kind == "post"), key=lambda post: post.title)
    articles = sorted(by_title, key=lambda post: post.date, reverse=True)
    pages = tuple(sorted((post for post in shown if post.kind == "page"), key=lambda p: p.path))
    index_pages = paginate(tuple(articles), config.paginate)
    by_tag: dict[str, list[Post]] = {}
    for post in articles:
        for tag in post.tags:
            by_tag.setdefault(tag, []).append(post)
    tags = tuple(
        Tag(
            name=name,
            path=tag_path(name),
            posts=tuple(tagged),
            pages=paginate(tuple(tagged), config.paginate, tag_path(name)),
        )
        for name, tagged in sorted(by_tag.items(), key=lambda item: (-len(item[1]), item[0]))
    )
    _check_tag_paths(tags)
    older = {a.path: b.path for a, b in pairwise(articles)}
    newer = {b.path: a.path for a, b in pairwise(articles)}
    return Site(
        config=config,
        posts=tuple(articles),
        pages=pages,
        index_pages=index_pages,
        tags=tags,
        older=older,
        newer=newer,
        related=_related(articles, memo if memo is not None else {}),
        years=tuple(
            Year(year, tuple(group))
            # The year as the site's readers count it, whatever offset a date was written in.
            for year, group in groupby(articles, lambda p: p.date.astimezone(config.tzinfo).year)
        ),
        skipped=skipped,
    )


RELATED = 3


def _related(posts: Sequence[Post], memo: dict[str, Any]) -> dict[str, tuple[str, ...]]:
    hasher = hashlib.blake2b(digest_size=16)
    for post in posts:
        hasher.update(f"{post.path}\0{post.date.isoformat()}\0{post.tags}\0".encode())
    key = hasher.hexdigest()
    if memo.get("key") != key:
        memo["key"], memo["related"] = key, related_posts(posts)
    return memo["related"]


def related_posts(posts: Sequence[Post]) -> dict[str, tuple[str, ...]]:
    """Up to three other posts for each post: most shared tags first, then nearest in date.

    Posts that share no tag are not related; ties keep the newer post first. Posts are
    grouped by their set of tags, so a post looks at the few groups it shares most with,
    and in each only at the posts nearest its date: no post is compared with every other.
    """
    newer = {id(post): -index for index, post in enumerate(reversed(posts))}
    groups: dict[frozenset[str], list[Post]] = {}
    for post in posts:
        groups.setdefault(frozenset(post.tags), []).append(post)
    for members in groups.values():
        members.sort(key=lambda p: p.date)
    levels: dict[frozenset[str], list[list[list[Post]]]] = {}
    related: dict[str, tuple[str, ...]] = {}
    for post in posts:
        mine = frozenset(post.tags)
        if mine not in levels:
            levels[mine] = _levels(mine, groups)

        def key(other: Post, post: Post = post) -> tuple[object, ...]:
            return (abs(other.date - post.date), newer[id(other)], other.path)

        found: list[Post] = []
        for level in levels[mine]:
            near = [other for members in level for other in _nearest(members, post)]
            found += sorted(near, key=key)[: RELATED - len(found)]
            if len(found) == RELATED:
                break
        related[post.path] = tuple(other.path for other in found)
    return related


def _levels(
    tags: frozenset[str], groups: dict[frozenset[str], list[Post]]
) -> list[list[list[Post]]]:
    """The groups that share tags with `tags`, gathered by how many, most first."""
    by_shared: dict[int, list[list[Post]]] = {}
    for other, members in groups.items():
        if shared := len(tags & other):
            by_shared.setdefault(shared, []).append(members)
    return [by_shared[n] for n in sorted(by_shared, reverse=True)]


def _nearest(members: list[Post], post: Post) -> list[Post]:
    """The members (sorted by date) that may be among the `RELATED` nearest to `post`:
    that many on each side of its date, and any tied with the farthest of them."""
    start = bisect.bisect_left(members, post.date, key=lambda p: p.date)
    picked: list[Post] = []
    for step, first in ((-1, start - 1), (1, start)):
        taken: list[Post] = []
        i = first
        while 0 <= i < len(members):
            other = members[i]
            i += step
            if other is post:
                continue
            gap = abs(other.date - post.date)
            if len(taken) >= RELATED and gap > abs(taken[-1].date - post.date):
                break
            taken.append(other)
        picked += taken
    return picked


def _check_tag_paths(tags: Sequence[Tag]) -> None:
    seen: dict[str, Tag] = {}
    for tag in tags:
        other = seen.setdefault(tag.path, tag)
        if other is not tag:
            raise ContentError(
                tag.posts[0].source.shown,
                None,
                f"tags `{other.name}` and `{tag.name}` would share the page /{tag.path}; "
                "spell them the same way",
            )


def _check_unique_paths(posts: Sequence[Post]) -> None:
    """Every page that two posts would share, and every page a page may not take."""
    seen: dict[str, Post] = {}
    errors = []
    for post in posts:
        first_segment = post.path.split("/", 1)[0]
        if post.kind == "page" and first_segment in RESERVED:
            errors.append(
                Diagnostic(
                    post.source.shown,
                    None,
                    f"a page cannot be published at /{post.path}: `{first_segment}/` is used "
                    "by the site itself; rename the file or set another `slug:`",
                )
            )
            continue
        other = seen.get(post.path)
        if other is not None:
            errors.append(
                Diagnostic(
                    post.source.shown,
                    None,
                    f"slug `{post.slug}` is also used by {other.source.shown}; "
                    "give one of them a different `slug:` in its front matter",
                )
            )
            continue
        seen[post.path] = post
    collect(errors)
