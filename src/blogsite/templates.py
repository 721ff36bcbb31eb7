"""Jinja2: the theme's environment and `render_site`, which turns a `Site` into HTML files."""

from __future__ import annotations

import traceback
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import jinja2

from blogsite.errors import TemplateError
from blogsite.feeds import FEED, absolute_content, feeds, sitemap_rows
from blogsite.model import Site, site_url, tag_path

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


def make_environment(template_dirs: list[Path]) -> jinja2.Environment:
    """Templates are looked up in order: the site's own first, then the default theme."""
    env = jinja2.Environment(
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


def render_site(env: jinja2.Environment, site: Site) -> dict[str, bytes]:
    """Every page, feed and listing of the site, keyed by its path below the output folder."""
    root = site.config.root_path
    language = site.config.language
    strings = STRINGS["zh" if language.lower().startswith("zh") else "en"]

    def url(path: str) -> str:
        """Root-relative URL for a site path, so sub-path deploys keep their prefix."""
        return site_url(root, path)

    # `base_url` without a host (left out) means no absolute URL is known.
    has_host = bool(urlsplit(site.config.base_url).netloc)

    def abs_url(path: str) -> str | None:
        """Absolute URL for a site path (canonical links, feeds), or None without a host."""
        return urljoin(site.config.base_url, url(path)) if has_host else None

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
        "feed_content": lambda post: absolute_content(abs_url, post),
    }

    outputs: dict[str, bytes] = {}
    for name, path, context in _pages(site, has_host):
        key = path + "index.html" if path.endswith("/") or not path else path
        outputs[key] = _render(env, name, {**common, "page_path": path, **context})
    return outputs


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
            "description": post.description,
        }
        yield "post.html", post.path, context
    for page in site.pages:
        yield "page.html", page.path, {"post": page, "description": page.description}
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
    try:
        return env.get_template(name).render(context).encode("utf-8")
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
