"""Jinja2: the theme's environment and `render_site`, which turns a `Site` into HTML files."""

from __future__ import annotations

import functools
import hashlib
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import jinja2
import jinja2.meta
import jinja2.nodes
import markupsafe

from blogsite.errors import TemplateError
from blogsite.feeds import FEED, absolute_content, feeds, sitemap_rows
from blogsite.model import Post, Site, site_url, tag_path
from blogsite.pool import forked_map

Environment = jinja2.Environment
# Below this many post pages to render, forking workers costs more than it saves: a page
# renders in about 0.5 ms, and forking two workers and sending the pages back costs
# about 50 ms (an estimate from the render pool's measurements, see `pool.py`).
PARALLEL_PAGES = 200
# A post's entry in the index and tag pages; themes call it as `entry(post)`.
ENTRY = "partials/entry.html"
# A site's own `static/robots.txt` replaces the generated one.
ROBOTS = "robots.txt"

STRINGS = {
    "en": {
        "older": "Previous post",
        "newer": "Next post",
        "previous_page": "Previous",
        "next_page": "Next",
        "pages": "Pages",
        "toc": "Contents",
        "minutes": "{n} min read",
        "updated": "Updated",
        "tags": "Tags",
        "tagged": "Posts tagged “{tag}”",
        "not_found": "Page not found",
        "not_found_text": "There is nothing at this address.",
        "home": "Home",
        "copy": "Copy",
        "copied": "Copied",
        "skip": "Skip to content",
        "no_posts": "No posts yet.",
        "archives": "Archives",
        "search": "Search",
        "all_tags": "All tags",
        "related": "Related posts",
        "search_unavailable": "Search is not available on this copy of the site.",
        "search_needs_js": "Search needs JavaScript.",
        "anchor": "Link to this section",
        "theme": "Switch between light and dark",
        "post_count": "{n} post",
        "posts_count": "{n} posts",
    },
    "zh": {
        "older": "上一篇",
        "newer": "下一篇",
        "previous_page": "上一页",
        "next_page": "下一页",
        "pages": "分页",
        "toc": "目录",
        "minutes": "约 {n} 分钟读完",
        "updated": "更新于",
        "tags": "标签",
        "tagged": "标签：{tag}",
        "not_found": "页面不存在",
        "not_found_text": "这个地址没有内容。",
        "home": "首页",
        "copy": "复制",
        "copied": "已复制",
        "skip": "跳到正文",
        "no_posts": "还没有文章。",
        "archives": "归档",
        "search": "搜索",
        "all_tags": "全部标签",
        "related": "相关文章",
        "search_unavailable": "这份站点没有搜索索引。",
        "search_needs_js": "搜索需要启用 JavaScript。",
        "anchor": "本节链接",
        "theme": "切换浅色或深色",
        "post_count": "{n} 篇文章",
        "posts_count": "{n} 篇文章",
    },
}


def make_environment(template_dirs: list[Path], bytecode: Path | None = None) -> jinja2.Environment:
    """Templates are looked up in order: the site's own first, then the default theme.

    `bytecode` is a folder where compiled templates are kept for the next run.
    """
    env = jinja2.Environment(
        bytecode_cache=jinja2.FileSystemBytecodeCache(str(bytecode)) if bytecode else None,
        loader=jinja2.FileSystemLoader([str(d) for d in template_dirs if d.is_dir()]),
        autoescape=jinja2.select_autoescape(["html", "xml"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["datefmt"] = _datefmt
    env.filters["isodate"] = lambda moment: moment.isoformat()
    return env


def _datefmt(moment: datetime, fmt: str = "%Y-%m-%d") -> str:
    return moment.strftime(fmt)


@dataclass
class RenderMemo:
    """What the last build rendered, by a digest of everything it showed."""

    # Pages: output path → (digest of the page's inputs, its bytes or the file holding them).
    pages: dict[str, tuple[str, bytes | Path]] = field(default_factory=dict)
    # Listing entries (`partials/entry.html`): digest of inputs → HTML.
    entries: dict[str, str] = field(default_factory=dict)
    # Posts' HTML for the feeds, with absolute URLs: digest of inputs → HTML.
    contents: dict[str, str] = field(default_factory=dict)
    # (digest of the templates, what each memoized template reads of `site` and `now`).
    readers: tuple[str, dict[str, Any]] = ("", {})


def render_site(
    env: jinja2.Environment, site: Site, memo: RenderMemo | None = None, workers: int = 1
) -> dict[str, bytes | Path]:
    """Every page, feed and listing of the site, keyed by its path below the output folder.

    A post or listing page whose inputs are all the same as in `memo` is taken from there,
    and so is each post's entry in the listings and its content in the feeds.
    `memo` is then updated to what this build rendered. With `workers` > 1, post pages
    are rendered by that many forked processes when there are at least `PARALLEL_PAGES`.
    """
    root = site.config.root_path
    language = site.config.language
    strings = STRINGS["zh" if language.lower().startswith("zh") else "en"]

    # Pages ask for the same few thousand URLs again and again: each is made once.
    @functools.cache
    def url(path: str) -> str:
        """Root-relative URL for a site path, so sub-path deploys keep their prefix."""
        return site_url(root, path)

    # `base_url` without a host (left out) means no absolute URL is known.
    has_host = bool(urlsplit(site.config.base_url).netloc)

    # `url` gives root-relative paths, which replace the whole path of `base_url`.
    origin = urljoin(site.config.base_url, "/").removesuffix("/")

    @functools.cache
    def abs_url(path: str) -> str | None:
        """Absolute URL for a site path (canonical links, feeds), or None without a host."""
        return origin + url(path) if has_host else None

    common: dict[str, Any] = {
        "site": site,
        "config": site.config,
        "url": url,
        "abs_url": abs_url,
        "tag_url": lambda name: url(tag_path(name)),
        "t": strings,
        "now": datetime.now(site.config.tzinfo),
        "description": site.config.description,
        "has_feed": has_host,
        "feed_path": FEED,
    }

    templates = _templates_digest(env) if memo is not None else ""
    inputs = None
    if memo is not None:
        if memo.readers[0] != templates:  # what each template reads, found once per version
            readers = {name: _reads(env, name, set()) for name in (*_MEMO_TEMPLATES, ENTRY)}
            memo.readers = (templates, readers)
        inputs = _PageInputs.of(site, common["now"], templates, memo.readers[1])
    entries: dict[str, str] = {}

    def entry(post: Post) -> markupsafe.Markup:
        """A post's entry in a listing: the same on the index and on each of its tags."""
        key = inputs.entry_key(post) if inputs is not None else None
        if key is None:  # nothing tells whether it changed
            return markupsafe.Markup(_render_text(env, ENTRY, {**common, "post": post}))
        if key not in entries:
            if memo is not None and key in memo.entries:
                entries[key] = memo.entries[key]
            else:
                entries[key] = _render_text(env, ENTRY, {**common, "post": post})
        return markupsafe.Markup(entries[key])

    def feed_content(post: Post) -> markupsafe.Markup:
        """The post's HTML with absolute URLs, escaped as the text of a feed's `<content>`:
        the same in the site's feed and in each of its tags', so made once."""
        if not post.digest:
            return markupsafe.escape(absolute_content(abs_url, post))
        key = _hash(["feed", site.config.base_url, post.digest])
        if key not in contents:
            found = memo.contents.get(key) if memo is not None else None
            if found is None:
                found = str(markupsafe.escape(absolute_content(abs_url, post)))
            contents[key] = found
        return markupsafe.Markup(contents[key])

    contents: dict[str, str] = {}
    common["entry"] = entry
    common["feed_content"] = feed_content
    outputs: dict[str, bytes | Path] = {}
    pages: dict[str, tuple[str, bytes | Path]] = {}
    # Post pages to render, (key, template, context, digest): many, and independent of
    # each other, so they are rendered by several processes when there are enough.
    todo: list[tuple[str, str, dict[str, Any], str | None]] = []
    for name, path, context in _pages(site, has_host):
        key = path + "index.html" if path.endswith("/") or not path else path
        digest = inputs.digest(name, path, context) if inputs is not None else None
        if digest is not None and memo is not None and memo.pages.get(key, ("",))[0] == digest:
            pages[key] = memo.pages[key]
            outputs[key] = pages[key][1]
            continue
        if "post" in context:  # its excerpt as plain text: worth making only for a render
            context["description"] = context["post"].description
        context = {**common, "page_path": path, **context}
        if name == "post.html":
            outputs[key] = b""  # keeps the order of the outputs
            todo.append((key, name, context, digest))
        else:
            outputs[key] = _render(env, name, context)
            if digest is not None:
                pages[key] = (digest, outputs[key])

    def render_post(i: int) -> bytes:
        return _render(env, todo[i][1], todo[i][2])

    workers = workers if len(todo) >= PARALLEL_PAGES else 1
    for (key, _, _, digest), page in zip(
        todo, forked_map(render_post, len(todo), workers), strict=True
    ):
        outputs[key] = page
        if digest is not None:
            pages[key] = (digest, page)
    if memo is not None:
        memo.pages = pages
        # Entries of listing pages taken whole from the memo were not asked for: keep those
        # of the posts still there, so the next listing that changes finds them.
        if inputs is not None:
            for post in site.posts:
                key = inputs.entry_key(post)
                if key is not None and key not in entries and key in memo.entries:
                    entries[key] = memo.entries[key]
        memo.entries = entries
        memo.contents = contents
    return outputs


# What a page of these templates shows besides what they read of `site` and `now`: its
# own context. Pages of any other template (the feeds) are rendered every time.
_MEMO_TEMPLATES = (
    "post.html", "index.html", "tag.html", "page.html", "tags.html", "archives.html",
    "search.html", "404.html", "sitemap.xml", "robots.txt",
)  # fmt: skip


@dataclass(frozen=True)
class _PageInputs:
    """What the pages of the memoized templates show besides their own context."""

    shared: dict[str, str]  # per template; left out: its pages are always rendered

    @classmethod
    def of(
        cls,
        site: Site,
        now: datetime,
        templates: str,
        readers: dict[str, dict[str, set[str]] | None],
    ) -> _PageInputs:
        """A template that passes `site` or `now` on whole (or names templates only known
        when it runs) has its pages made every time. One that reads more of the site than
        its pages and settings depends on every post. Listings also read what their
        entries (`entry(post)`, a call the template parser cannot follow) read."""
        common = [templates, repr(site.config), str(now.year)]
        narrow = _hash([*common, *(page.digest for page in site.pages)])
        every = _hash([narrow, *(post.digest for post in site.posts)])
        known = all(post.digest for post in (*site.posts, *site.pages))
        shared = {}
        for name in (*_MEMO_TEMPLATES, ENTRY):
            reads = readers.get(name)
            if name in ("index.html", "tag.html"):
                reads = _union(reads, readers.get(ENTRY))
            if reads is None or not known or not reads["now"] <= {"year"}:
                continue
            whole = name not in ("post.html", "index.html", "tag.html", "page.html", ENTRY)
            if whole or not reads["site"] <= {"pages", "config"}:
                shared[name] = _hash([name, every])
            else:
                shared[name] = _hash([name, narrow])
        return cls(shared)

    def entry_key(self, post: Post) -> str | None:
        """Of everything a post's listing entry shows; None if unknown."""
        if ENTRY not in self.shared or not post.digest:
            return None
        return _hash([self.shared[ENTRY], post.digest])

    def digest(self, name: str, path: str, context: dict[str, Any]) -> str | None:
        """Of everything a page of template `name` with `context` shows; None if unknown."""
        if name not in self.shared:
            return None
        posts: list[Any] = []
        extra = [path]
        if name in ("post.html", "page.html"):
            related = context.get("related", ())
            posts = [context["post"], context.get("older"), context.get("newer"), *related]
        elif name in ("index.html", "tag.html"):  # its posts, place, and the tag's size
            page, tag = context["index_page"], context.get("tag")
            posts = list(page.posts)
            extra += [str(page.number), str(page.total)]
            extra += [tag.name, str(len(tag.posts))] if tag is not None else []
        if not all(p is None or p.digest for p in posts):
            return None
        return _hash([self.shared[name], *extra, *(p.digest if p else "-" for p in posts)])


def _union(
    a: dict[str, set[str]] | None, b: dict[str, set[str]] | None
) -> dict[str, set[str]] | None:
    if a is None or b is None:
        return None
    return {key: a[key] | b[key] for key in a}


def _hash(parts: list[str]) -> str:
    hasher = hashlib.blake2b(digest_size=16)
    for part in parts:
        hasher.update(part.encode("utf-8", "surrogatepass") + b"\0")
    return hasher.hexdigest()


def _templates_digest(env: jinja2.Environment) -> str:
    """Every template file the environment can load, by name and bytes."""
    loader = env.loader
    assert isinstance(loader, jinja2.FileSystemLoader)
    parts = []
    for folder in loader.searchpath:
        for path in sorted(Path(folder).rglob("*")):
            if path.is_file():
                parts += [path.as_posix(), path.read_bytes().hex()]
    return _hash(parts)


def _reads(env: jinja2.Environment, name: str, seen: set[str]) -> dict[str, set[str]] | None:
    """The attributes of `site` and `now` that template `name` and those it extends,
    includes or imports read; None if it passes either on whole or names a template
    only known when it runs."""
    reads: dict[str, set[str]] = {"site": set(), "now": set()}
    if name in seen:
        return reads
    seen.add(name)
    try:
        source, _, _ = env.loader.get_source(env, name)  # type: ignore[union-attr]
        tree = env.parse(source)
    except jinja2.TemplateError:
        return None  # rendering it reports the problem
    wrapped = 0
    for node in tree.find_all(jinja2.nodes.Getattr):
        if isinstance(node.node, jinja2.nodes.Name) and node.node.name in reads:
            reads[node.node.name].add(node.attr)
            wrapped += 1
    names = sum(1 for n in tree.find_all(jinja2.nodes.Name) if n.name in reads)
    if names != wrapped:
        return None
    for other in jinja2.meta.find_referenced_templates(tree):
        if other is None:
            return None
        more = _reads(env, other, seen)
        if more is None:
            return None
        for key in reads:
            reads[key] |= more[key]
    return reads


def _pages(site: Site, has_host: bool) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(template, output path, context) for each file the templates make: one row each."""
    for index_page in site.index_pages:
        yield "index.html", index_page.path, {"index_page": index_page}
    for post in site.posts:
        context = {
            "post": post,
            "older": site.post_at.get(site.older.get(post.path, "")),
            "newer": site.post_at.get(site.newer.get(post.path, "")),
            "related": [site.post_at[path] for path in site.related.get(post.path, ())],
        }
        yield "post.html", post.path, context
    for page in site.pages:
        yield "page.html", page.path, {"post": page}
    yield "tags.html", "tags/", {}
    for tag in site.tags:
        for index_page in tag.pages:
            yield "tag.html", index_page.path, {"tag": tag, "index_page": index_page}
    yield "archives.html", "archives/", {}
    yield "search.html", "search/", {}
    yield "404.html", "404.html", {}
    # Feeds and the sitemap are made of absolute URLs: without a host there are none.
    if has_host:
        for feed in feeds(site):
            yield "atom.xml", feed.path, {"feed": feed}
        yield "sitemap.xml", "sitemap.xml", {"rows": sitemap_rows(site)}
    yield "robots.txt", ROBOTS, {}


def _render(env: jinja2.Environment, name: str, context: dict[str, Any]) -> bytes:
    return _render_text(env, name, context).encode("utf-8")


def _render_text(env: jinja2.Environment, name: str, context: dict[str, Any]) -> str:
    try:
        return env.get_template(name).render(context)
    except jinja2.TemplateNotFound as exc:
        raise TemplateError(
            f"templates/{exc.name}", None, "template not found; create it or restore the theme's"
        ) from None
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(
            exc.filename or name, exc.lineno, f"template syntax: {exc.message}"
        ) from None
    except Exception as exc:  # noqa: BLE001 - any error inside a template is the template's
        filename, line = _template_frame(exc, name)
        raise TemplateError(filename, line, f"template error: {exc}") from None


def _template_frame(exc: BaseException, name: str) -> tuple[str, int | None]:
    """The innermost template file and line in the traceback (Jinja rewrites frames to them)."""
    where: tuple[str, int | None] = (name, None)
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename.endswith((".html", ".xml", ".jinja")):
            where = (frame.filename, frame.lineno)
    return where
