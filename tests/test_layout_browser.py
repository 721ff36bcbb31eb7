"""The bundled blog laid out by Chromium with a real Chinese font: on a phone, a tablet
and a desktop, no page scrolls sideways, and no line starts with closing punctuation or
ends with opening punctuation next to a formula."""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from conftest import CHROMIUM_ARGS, REPO, find_chromium, find_cjk_font
from layout import overflow, punctuation_at_line_edges
from playwright.sync_api import Browser, sync_playwright

from blogsite.cli import main

pytestmark = pytest.mark.browser


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def blog(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """(URL, folder) of the bundled blog, built and served on 127.0.0.1."""
    find_cjk_font()  # measuring Chinese text drawn with a fallback font proves nothing
    public = tmp_path_factory.mktemp("layout") / "public"
    assert main(["build", "-q", "--no-search", "--source", str(REPO), "--output", str(public)]) == 0
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(public)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", public
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=find_chromium(), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def pages(public: Path, *, posts_only: bool = False) -> list[str]:
    """Every HTML page a reader reaches (or every post), as paths below the site."""
    found = sorted(
        path.relative_to(public).as_posix().removesuffix("index.html")
        for path in public.rglob("index.html")
    )
    return [page for page in found if page.startswith("posts/")] if posts_only else found


@pytest.mark.parametrize("width", [360, 768, 1280])
def test_no_page_is_wider_than_the_screen(
    browser: Browser, blog: tuple[str, Path], width: int
) -> None:
    base, public = blog
    page = browser.new_page(viewport={"width": width, "height": 800})
    too_wide = {}
    for path in pages(public):
        page.goto(base + path)
        page.evaluate("document.fonts.ready.then(() => true)")
        if (extra := overflow(page)) > 0:
            too_wide[path] = width + extra
    page.close()
    assert too_wide == {}


@pytest.mark.parametrize("width", [360, 1280])
def test_punctuation_never_parts_from_a_formula(
    browser: Browser, blog: tuple[str, Path], width: int
) -> None:
    base, public = blog
    page = browser.new_page(viewport={"width": width, "height": 800})
    found = {}
    measured = 0
    for path in pages(public, posts_only=True):
        page.goto(base + path)
        page.evaluate("document.fonts.ready.then(() => true)")
        edges = punctuation_at_line_edges(page)
        measured += edges["boxes"]
        if edges["starts"] or edges["ends"]:
            found[path] = edges["starts"] + edges["ends"]
    page.close()
    assert measured > 20_000  # the walk really saw the posts' text
    assert found == {}
