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
from blogsite.model import Site, site_url, tag_path

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
    """Every HTML file of the site, keyed by its path below the output folder."""
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

    posts_by_path = {post.path: post for post in site.posts}
    common: dict[str, Any] = {
        "site": site,
        "config": site.config,
        "url": url,
        "abs_url": abs_url,
        "tag_url": lambda name: url(tag_path(name)),
        "t": strings,
        "now": datetime.now(site.config.tzinfo),
    }

    outputs: dict[str, bytes] = {}
    for name, path, context in _pages(site, posts_by_path):
        outputs[path + "index.html" if path.endswith("/") or not path else path] = _render(
            env, name, {**common, "page_path": path, **context}
        )
    return outputs


def _pages(site: Site, posts_by_path: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(template, output path, context) for each page the site has."""
    for index_page in site.index_pages:
        yield "index.html", index_page.path, {"index_page": index_page}
    for post in site.posts:
        yield (
            "post.html",
            post.path,
            {
                "post": post,
                "older": posts_by_path.get(site.older.get(post.path, "")),
                "newer": posts_by_path.get(site.newer.get(post.path, "")),
            },
        )
    for page in site.pages:
        yield "page.html", page.path, {"post": page}
    yield "tags.html", "tags/", {}
    for tag in site.tags:
        yield "tag.html", tag.path, {"tag": tag}
    yield "404.html", "404.html", {}


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
