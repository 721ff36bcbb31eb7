"""Deploy check: serve a build over real HTTP under `/blog/` (and at the root) and crawl it.

The server binds first (port 0) so the build can be given `--base-url http://127.0.0.1:PORT/…`.
It answers 404 for anything outside the prefix, like a host where the blog is one folder
among others. The crawl starts at the index, follows every same-host `<a href>`, and fetches
every stylesheet, script, icon, preload, image and every `url(…)` in the CSS. Each must answer
200 and stay below the prefix; listing pages (index, tags, 404), and the theme's parts of
every page, may use no relative URL, since those only work at the depth they were tried at.
"""

from __future__ import annotations

import contextlib
import mimetypes
import re
import threading
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path, PurePosixPath
from urllib.error import HTTPError
from urllib.parse import unquote, urldefrag, urljoin, urlsplit
from urllib.request import HTTPRedirectHandler, ProxyHandler, build_opener

import pytest
from bs4 import BeautifulSoup, Tag
from conftest import REPO, Site, post

from blogsite.cli import main

PREFIXES = pytest.mark.parametrize("prefix", ["/blog/", "/"], ids=["sub-path", "root"])
MATH_FONT = "fonts/latinmodern-math.woff2"
SKIPPED_SCHEMES = {"mailto", "tel", "javascript", "data", "about", "blob"}
CSS_URL = re.compile(r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)'"\s]*))\s*\)""")
CSS_IMPORT = re.compile(r"""@import\s+(?:"([^"]*)"|'([^']*)')""")
FIG_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20" viewBox="0 0 40 20">'
    '<rect width="40" height="20" fill="#4a8"/></svg>\n'
)


# --- the host ----------------------------------------------------------------------------


class _HostServer(ThreadingHTTPServer):
    daemon_threads = True
    prefix = "/"
    root: Path | None = None  # set once the build has written it


class _HostHandler(BaseHTTPRequestHandler):
    """A static host: `PREFIX…` maps to the output folder, everything else is 404."""

    server: _HostServer

    def do_GET(self) -> None:
        self._answer(with_body=True)

    def do_HEAD(self) -> None:
        self._answer(with_body=False)

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _answer(self, with_body: bool) -> None:
        path = unquote(urlsplit(self.path).path)
        prefix, root = self.server.prefix, self.server.root
        if root is None or not path.startswith(prefix):
            self._send(404, b"not part of the site\n", "text/plain", with_body)
            return
        rel = path[len(prefix) :]
        if rel == "" or rel.endswith("/"):
            rel += "index.html"
        target = root / rel
        inside = ".." not in PurePosixPath(rel).parts and target.resolve().is_relative_to(root)
        if not inside or not target.is_file():
            # Like GitHub Pages or Netlify: the site's own 404 page, whatever the depth.
            missing = root / "404.html"
            body = missing.read_bytes() if missing.is_file() else b"not found\n"
            self._send(404, body, "text/html; charset=utf-8", with_body)
            return
        kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        if kind.startswith("text/") or kind.endswith(("javascript", "+xml")):
            kind += "; charset=utf-8"
        self._send(200, target.read_bytes(), kind, with_body)

    def _send(self, status: int, body: bytes, kind: str, with_body: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if with_body:
            self.wfile.write(body)


@contextlib.contextmanager
def host(prefix: str) -> Iterator[_HostServer]:
    server = _HostServer(("127.0.0.1", 0), _HostHandler)
    server.prefix = prefix
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def base_url(server: _HostServer) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}{server.prefix}"


# --- the crawler -------------------------------------------------------------------------


class _NoRedirect(HTTPRedirectHandler):
    """A link that needs a redirect is not a 200: report it instead of following it."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


_OPENER = build_opener(ProxyHandler({}), _NoRedirect())


@dataclass
class Response:
    status: int
    kind: str
    body: bytes


def fetch(url: str) -> Response:
    try:
        with _OPENER.open(url, timeout=10) as response:
            return Response(response.status, response.headers.get_content_type(), response.read())
    except HTTPError as error:
        with error:
            return Response(error.code, error.headers.get_content_type(), error.read())


@dataclass
class Crawl:
    """What a crawl saw: every URL fetched, who referred to it and how, and what was wrong."""

    start: str
    prefix: str
    responses: dict[str, Response] = field(default_factory=dict)
    referrers: dict[str, list[str]] = field(default_factory=dict)
    kinds: dict[str, set[str]] = field(default_factory=dict)
    ids: dict[str, set[str]] = field(default_factory=dict)
    fragments: list[tuple[str, str, str]] = field(default_factory=list)  # (page, target, #id)
    problems: list[str] = field(default_factory=list)
    queue: deque[str] = field(default_factory=deque)

    @property
    def netloc(self) -> str:
        return urlsplit(self.start).netloc

    def rel(self, url: str) -> str:
        """The output file a same-host URL stands for (`…/posts/a/` → `posts/a/index.html`)."""
        path = unquote(urlsplit(url).path)[len(self.prefix) :]
        return path + "index.html" if path == "" or path.endswith("/") else path

    def ok(self) -> set[str]:
        """Output files fetched with status 200."""
        return {self.rel(url) for url, r in self.responses.items() if r.status == 200}

    def html_pages(self) -> set[str]:
        return {
            self.rel(url)
            for url, r in self.responses.items()
            if r.status == 200 and r.kind == "text/html"
        }

    def run(self) -> Crawl:
        self.refer(self.start, "the start", "<a href>")
        self.drain()
        # The 404 page is shown at any depth: every URL on it must work from deep below.
        missing = urljoin(self.start, "no/such/page/")
        response = fetch(missing)
        if response.status != 404 or response.kind != "text/html":
            self.problems.append(
                f"{missing}: expected the site's 404 page, got {response.status} {response.kind}"
            )
        else:
            self.read_html(missing, response.body, listing=True)
            self.drain()
        self.check_fragments()
        return self

    def drain(self) -> None:
        while self.queue:
            url = self.queue.popleft()
            response = self.responses[url] = fetch(url)
            if response.status != 200:
                where = ", ".join(self.referrers[url][:3])
                self.problems.append(f"{url}: HTTP {response.status} (referred to by {where})")
            elif response.kind == "text/html":
                self.read_html(url, response.body, listing=self.is_listing(url))
            elif response.kind == "text/css":
                self.read_css(url, response.body.decode("utf-8"))

    def is_listing(self, url: str) -> bool:
        """Pages made of pieces of other pages: index pages and tag lists."""
        rel = self.rel(url)
        return rel == "index.html" or rel.startswith(("page/", "tags/"))

    def refer(self, url: str, referrer: str, kind: str) -> None:
        page, _ = urldefrag(url)
        self.referrers.setdefault(page, []).append(referrer)
        self.kinds.setdefault(page, set()).add(kind)
        if page not in self.responses and page not in self.queue:
            self.queue.append(page)

    def read_html(self, url: str, body: bytes, listing: bool) -> None:
        soup = BeautifulSoup(body.decode("utf-8"), "html.parser")
        self.ids[url] = {str(tag["id"]) for tag in soup.find_all(id=True)} | {
            str(tag["name"]) for tag in soup.find_all("a", attrs={"name": True})
        }
        for tag in soup.find_all(True):
            for kind, raw in _references(tag):
                self.check(url, raw, kind, relative_ok=not listing and _in_content(tag))
            if tag.has_attr("style"):
                for raw in _css_urls(str(tag["style"])):
                    self.check(url, raw, "style url()", relative_ok=False)
        for style in soup.find_all("style"):
            for raw in _css_urls(style.get_text()):
                self.check(url, raw, "<style> url()", relative_ok=False)

    def read_css(self, url: str, text: str) -> None:
        # A stylesheet's relative URLs are resolved against the stylesheet, which does not move.
        for raw in _css_urls(text):
            self.check(url, raw, "css url()", relative_ok=True)

    def check(self, page: str, raw: str, kind: str, relative_ok: bool) -> None:
        where = f"{page} {kind} {raw!r}"
        raw = raw.strip()
        if not raw:
            self.problems.append(f"{where}: empty URL")
            return
        parts = urlsplit(raw)
        if parts.scheme.lower() in SKIPPED_SCHEMES:
            return
        if raw.startswith("#"):
            self.fragments.append((page, page, raw[1:]))
            return
        url = urljoin(page, raw)
        target = urlsplit(url)
        if target.netloc != self.netloc:
            if target.hostname in ("127.0.0.1", "localhost"):
                self.problems.append(f"{where}: points at another local server")
            return  # an external link: not ours to fetch
        if not target.path.startswith(self.prefix):
            self.problems.append(f"{where}: resolves to {target.path}, outside {self.prefix}")
            return
        if not parts.scheme and not raw.startswith("/") and not relative_ok:
            self.problems.append(
                f"{where}: a relative URL here only works at this page's depth; "
                f"it should start with {self.prefix}"
            )
        if target.fragment and kind == "<a href>":
            self.fragments.append((page, urldefrag(url)[0], target.fragment))
        self.refer(url, page, kind)

    def check_fragments(self) -> None:
        for page, target, fragment in self.fragments:
            if not fragment or target not in self.ids:
                continue  # not an HTML page; if it failed to load, that is reported already
            if fragment not in self.ids[target] and unquote(fragment) not in self.ids[target]:
                self.problems.append(
                    f"{page}: link to #{unquote(fragment)} on {target}, which has no such id"
                )


def _references(tag: Tag) -> Iterator[tuple[str, str]]:
    """(kind, URL) for every URL attribute of a tag that a browser would fetch or follow."""
    if tag.name in ("a", "area", "link") and tag.has_attr("href"):
        yield f"<{tag.name} href>", str(tag["href"])
    if tag.name == "form" and tag.has_attr("action"):
        yield "<form action>", str(tag["action"])
    for name in ("src", "poster"):
        if tag.has_attr(name):
            yield f"<{tag.name} {name}>", str(tag[name])
    if tag.name == "object" and tag.has_attr("data"):
        yield "<object data>", str(tag["data"])
    if tag.has_attr("srcset"):
        for candidate in str(tag["srcset"]).split(","):
            if candidate.strip():
                yield f"<{tag.name} srcset>", candidate.split()[0]


def _in_content(tag: Tag) -> bool:
    """Whether a tag is part of what the author wrote (a post's or page's body)."""
    return any("content" in (parent.get("class") or []) for parent in tag.parents)


def _css_urls(text: str) -> Iterator[str]:
    for pattern in (CSS_URL, CSS_IMPORT):
        for match in pattern.finditer(text):
            yield next(group for group in match.groups() if group is not None)


def unreachable(crawl: Crawl, public: Path) -> set[str]:
    """HTML files the build wrote that the crawl never reached (the 404 page is not linked)."""
    on_disk = {p.relative_to(public).as_posix() for p in public.rglob("*.html")}
    return on_disk - {"404.html"} - crawl.html_pages()


def crawl_build(server: _HostServer, public: Path) -> Crawl:
    """Serve `public` and crawl it from the index; fail on anything broken or unreachable."""
    server.root = public.resolve()
    crawl = Crawl(start=base_url(server), prefix=server.prefix).run()
    if crawl.problems:
        pytest.fail("\n".join(crawl.problems), pytrace=False)
    assert any(rel.startswith("posts/") for rel in crawl.html_pages()), "no post was reached"
    missed = unreachable(crawl, public)
    assert not missed, f"pages not reachable from the index: {sorted(missed)}"
    return crawl


def build(source: Path, output: Path, url: str) -> None:
    code = main(["build", "--source", str(source), "--output", str(output), "--base-url", url])
    assert code == 0, f"build of {source} failed"


# --- the sites ---------------------------------------------------------------------------


def _fixture_site() -> dict[str, str]:
    """Five posts on three index pages, a bundle with an image, Chinese tags, About, math."""
    bundle_body = """
        带图的文章，公式 $E = mc^2$ 在构建时渲染。

        <!--more-->

        ## 图示

        ![图](fig.svg)

        点开[原图](fig.svg)，或者看[上一篇](../a/)和[本页的小结](#小结)。[^1]

        ## 推导

        $$
        \\int_0^1 x^2 \\, dx = \\frac{1}{3}
        $$

        ## 小结

        完。

        [^1]: 脚注。
        """
    return {
        "blogsite.yaml": "title: 部署测试\nlanguage: zh-CN\npaginate: 2\n",
        "content/about.md": post(
            "关于",
            body="""
            这是独立页面，公式 $a^2 + b^2 = c^2$。

            [回到图示](../posts/x/#图示)，[从站点根写的链接](/posts/a/)。
            """,
        ),
        "content/posts/a.md": post(
            "勾股定理", "2024-01-01", "直角三角形满足 $a^2 + b^2 = c^2$。", tags=["数学", "C++"]
        ),
        "content/posts/b.md": post("第二篇", "2024-01-02", "正文二。", tags=["算法 笔记", "数学"]),
        "content/posts/第三篇.md": post("第三篇", "2024-01-03", "正文三。", tags=["深度学习"]),
        "content/posts/d.md": post("第四篇", "2024-01-04", "正文四。", tags=["深度学习", "数学"]),
        "content/posts/x/index.md": post(
            "图示与推导", "2024-01-05", bundle_body, tags=["深度学习", "图像"]
        ),
        "content/posts/x/fig.svg": FIG_SVG,
    }


# --- tests -------------------------------------------------------------------------------


@PREFIXES
def test_bundled_blog_crawls_clean(prefix: str, tmp_path: Path) -> None:
    with host(prefix) as server:
        public = tmp_path / "public"
        build(REPO, public, base_url(server))
        crawl = crawl_build(server, public)
    assert MATH_FONT in crawl.ok()
    assert "css url()" in crawl.kinds[urljoin(crawl.start, MATH_FONT)]
    bundle_images = {rel for rel in crawl.ok() if rel.startswith("posts/") and rel.endswith(".svg")}
    assert bundle_images, "no bundle image was fetched"


@PREFIXES
def test_fixture_site_crawls_clean(
    prefix: str, tmp_path: Path, make_site: Callable[..., Site]
) -> None:
    site = make_site(_fixture_site())
    with host(prefix) as server:
        public = tmp_path / "public"
        build(site.root, public, base_url(server))
        crawl = crawl_build(server, public)
    expected = {
        "index.html",
        "page/2/index.html",
        "page/3/index.html",
        "about/index.html",
        "tags/index.html",
        "tags/深度学习/index.html",
        "tags/数学/index.html",
        "tags/C++/index.html",
        "tags/算法-笔记/index.html",
        "posts/x/index.html",
        "posts/x/fig.svg",
        "posts/第三篇/index.html",
        "css/style.css",  # (no code.css: this site shows no code)
        "js/code-copy.js",
        "favicon.svg",
        MATH_FONT,
    }
    assert expected <= crawl.ok(), sorted(expected - crawl.ok())
    font = urljoin(crawl.start, MATH_FONT)
    assert {"css url()", "<link href>"} <= crawl.kinds[font], "font not preloaded and in the CSS"
    assert "<img src>" in crawl.kinds[urljoin(crawl.start, "posts/x/fig.svg")]
    x = urljoin(crawl.start, "posts/x/")
    assert {"图示", "小结"} <= crawl.ids[x]
    checked = {(target, unquote(fragment)) for _page, target, fragment in crawl.fragments}
    assert {(x, "图示"), (x, "小结")} <= checked, "the fragment links were not checked"


def test_excerpt_above_more_keeps_its_urls_working_on_index_pages(
    tmp_path: Path, make_site: Callable[..., Site]
) -> None:
    site = make_site(
        {
            "blogsite.yaml": "title: 摘要\npaginate: 1\n",
            "content/posts/x/index.md": post(
                "带图摘要",
                "2024-01-02",
                "开头的图 ![图](fig.svg)，见[另一篇](../y/)和[小结](#小结)。\n\n"
                "<!--more-->\n\n## 小结\n",
            ),
            "content/posts/x/fig.svg": FIG_SVG,
            "content/posts/y.md": post("另一篇", "2024-01-01"),
        }
    )
    with host("/blog/") as server:
        public = tmp_path / "public"
        build(site.root, public, base_url(server))
        crawl_build(server, public)


def test_the_crawl_reports_what_a_sub_path_deploy_would_break(
    tmp_path: Path, make_site: Callable[..., Site]
) -> None:
    """A theme with the usual mistakes: each must show up, or a clean crawl proves nothing."""
    broken_base = """<!doctype html>
<html><head><title>x</title>
<link rel="stylesheet" href="/css/style.css">
<script src="js/code-copy.js" defer></script>
</head><body>
<a href="{{ url('') }}">home</a> <a href="#nowhere">?</a> <a href="{{ url('posts/a') }}">a</a>
<img src="{{ url('missing.png') }}" alt="">
{% block main %}{% endblock %}
</body></html>
"""
    site = make_site(
        {
            "templates/base.html": broken_base,
            "content/about.md": post("About", body="Linked from nowhere."),
            "content/posts/a.md": post(
                # Raw HTML is the author's own: unlike a Markdown link, it is not rewritten.
                "A",
                body='<a href="/">home</a> and [b](../b/#no-such-id)',
            ),
            "content/posts/b.md": post("B", "2024-01-02"),
        }
    )
    with host("/blog/") as server:
        public = tmp_path / "public"
        build(site.root, public, base_url(server))
        server.root = public.resolve()
        crawl = Crawl(start=base_url(server), prefix=server.prefix).run()
        root = f"http://127.0.0.1:{server.server_address[1]}/"
        assert fetch(root + "css/style.css").status == 404, "the host serves outside /blog/"
        assert fetch(root + "blog/css/style.css").status == 200
    report = "\n".join(crawl.problems)
    start = crawl.start
    expected = [
        f"{start} <link href> '/css/style.css': resolves to /css/style.css, outside /blog/",
        f"{start} <script src> 'js/code-copy.js': a relative URL here only works",
        f"{start}posts/a/js/code-copy.js: HTTP 404",
        f"{start}: link to #nowhere on {start}, which has no such id",
        f"{start}posts/a: HTTP 404",
        f"{start}missing.png: HTTP 404",
        f"{start}posts/a/ <a href> '/': resolves to /, outside /blog/",
        f"{start}posts/a/: link to #no-such-id on {start}posts/b/, which has no such id",
        f"{start}no/such/page/ <script src> 'js/code-copy.js': a relative URL here only works",
    ]
    for problem in expected:
        assert problem in report, f"not reported: {problem}\nreport:\n{report}"
    # The broken theme has no navigation: About, the tag list, the archives and the search
    # page are linked from nowhere.
    assert unreachable(crawl, public) == {
        "about/index.html",
        "tags/index.html",
        "archives/index.html",
        "search/index.html",
    }
