"""Search in Chromium: the header's box, the /search/ page and Pagefind's Chinese index.

The bundled blog is built once per base URL and served over HTTP on 127.0.0.1, under
`/blog/` and at the root, as a static host would.
"""

from __future__ import annotations

import functools
import shutil
import threading
import time
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
from conftest import REPO
from playwright.sync_api import Browser, Page

from blogsite.cli import main

pytestmark = pytest.mark.browser

# Each query and the post a reader means by it: the one search must list first.
QUERIES = {
    "滑动窗口": "76. 最小覆盖子串",
    "投机解码": "投机解码（Speculative Decoding）",
    "卷积": "空洞卷积（Dilated / Atrous Convolution）",
    "精度": "混合精度训练",
    "MIoU": "语义分割评价指标：PA、MPA 与 MIoU",
    "FlashAttention": "FlashAttention 原理",
}


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module", params=["/blog/", "/"], ids=["sub-path", "root"])
def site_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The bundled blog built for, and served at, `http://127.0.0.1:PORT{prefix}`."""
    prefix: str = request.param
    served = tmp_path_factory.mktemp("host")
    handler = functools.partial(_Quiet, directory=str(served))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    url = f"http://127.0.0.1:{server.server_address[1]}{prefix}"
    output = served / prefix.strip("/") if prefix != "/" else served / "site"
    assert (
        main(["build", "-q", "--source", str(REPO), "--output", str(output), "--base-url", url])
        == 0
    )
    if prefix == "/":  # the host's root is the site itself
        for entry in output.iterdir():
            shutil.move(str(entry), served / entry.name)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield url
    server.shutdown()
    server.server_close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1100, "height": 800})
    opened = context.new_page()
    errors: list[str] = []
    opened.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    opened.on("pageerror", lambda exc: errors.append(str(exc)))
    opened.on(
        "response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None
    )
    yield opened
    assert errors == [], errors  # no page may log an error
    context.close()


def search_from_header(page: Page, start: str, words: str) -> None:
    page.goto(start)
    box = page.locator("header form[role=search] input[type=search]")
    box.fill(words)
    box.press("Enter")
    page.wait_for_url("**/search/?q=*")


def first_result(page: Page) -> str:
    link = page.locator(".pagefind-ui__result-link").first
    link.wait_for(timeout=15_000)
    return link.inner_text().strip()


def test_header_box_finds_the_post_a_reader_means(page: Page, site_url: str) -> None:
    search_from_header(page, site_url + "posts/rope/", "滑动窗口")
    assert first_result(page) == QUERIES["滑动窗口"]
    href = page.locator(".pagefind-ui__result-link").first.get_attribute("href")
    assert href == urlsplit(site_url).path + "posts/lc76-minimum-window-substring/"
    # The result is a working link into this site, under its prefix.
    page.locator(".pagefind-ui__result-link").first.click()
    page.wait_for_load_state()
    assert page.url.startswith(site_url + "posts/lc76-minimum-window-substring/")
    assert page.locator("h1").inner_text() == QUERIES["滑动窗口"]


@pytest.mark.parametrize("words", list(QUERIES))
def test_each_query_puts_the_right_post_first(page: Page, site_url: str, words: str) -> None:
    page.goto(f"{site_url}search/?q={words}")
    assert first_result(page) == QUERIES[words]


# Made of characters no post holds. (A Latin nonsense word is not: with a Chinese index,
# Pagefind falls back to the word's first letters, and `qzxjvwk` finds the `q` in formulas.)
NONSENSE = "喵呜喵呜"


def test_nonsense_shows_no_results(page: Page, site_url: str) -> None:
    search_from_header(page, site_url, NONSENSE)
    message = page.locator(".pagefind-ui__message")
    message.wait_for(timeout=15_000)
    deadline = time.monotonic() + 10
    while NONSENSE not in message.inner_text() and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert NONSENSE in message.inner_text()
    assert page.locator(".pagefind-ui__result").count() == 0
