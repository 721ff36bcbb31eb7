"""The bundled blog laid out by Chromium with a real Chinese font: on a phone, a tablet
and a desktop, no page scrolls sideways, and no line starts with closing punctuation or
ends with opening punctuation next to a formula."""

from __future__ import annotations

import functools
import shutil
import threading
import time
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup
from conftest import REPO, find_cjk_font
from layout import low_contrast, overflow, punctuation_at_line_edges
from playwright.sync_api import Browser, Page, Route
from pngpixels import rgb_pixels

from blogsite.cli import main

pytestmark = pytest.mark.browser


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def blog(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """(URL, folder) of the bundled blog, built and served on 127.0.0.1, with one more post
    that shows every kind of code token (it is not part of the blog: a copy gets it)."""
    find_cjk_font()  # measuring Chinese text drawn with a fallback font proves nothing
    folder = tmp_path_factory.mktemp("layout")
    site = folder / "site"
    for name in ("content", "templates", "static", "blogsite.yaml"):
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, site / name)
        elif source.is_file():
            shutil.copy(source, site / name)
    (site / "content/posts/code.md").write_text(CODE_POST, encoding="utf-8")
    public = folder / "public"
    assert main(["build", "-q", "--no-search", "--source", str(site), "--output", str(public)]) == 0
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(public)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", public
    server.shutdown()
    server.server_close()


def pages(public: Path, *, posts_only: bool = False) -> list[str]:
    """Every HTML page a reader reaches (or every post), as paths below the site."""
    found = sorted(
        path.relative_to(public).as_posix().removesuffix("index.html")
        for path in public.rglob("index.html")
    )
    return [page for page in found if page.startswith("posts/")] if posts_only else found


def visit(page: Page, url: str) -> None:
    """Open `url` and wait for its fonts: before they load, the layout is not final."""
    page.goto(url)
    page.evaluate("document.fonts.ready.then(() => true)")


@pytest.mark.parametrize("width", [360, 768, 1280])
def test_no_page_is_wider_than_the_screen(
    browser: Browser, blog: tuple[str, Path], width: int
) -> None:
    base, public = blog
    page = browser.new_page(viewport={"width": width, "height": 800})
    too_wide = {}
    for path in pages(public):
        visit(page, base + path)
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
        visit(page, base + path)
        edges = punctuation_at_line_edges(page)
        measured += edges["boxes"]
        if edges["starts"] or edges["ends"]:
            found[path] = edges["starts"] + edges["ends"]
    page.close()
    assert measured > 20_000  # the walk really saw the posts' text
    assert found == {}


def test_every_image_has_its_size(blog: tuple[str, Path]) -> None:
    _, public = blog
    images = [
        img
        for path in public.rglob("*.html")
        for img in BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser").find_all("img")
    ]
    assert len(images) >= 20
    assert [img["src"] for img in images if not (img.get("width") and img.get("height"))] == []


_LAYOUT_SHIFTS = """
window.__shift = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) if (!entry.hadRecentInput) window.__shift += entry.value;
}).observe({type: "layout-shift", buffered: true});
"""


def test_a_post_with_diagrams_does_not_move_while_it_loads(
    browser: Browser, blog: tuple[str, Path]
) -> None:
    base, _ = blog
    context = browser.new_context(viewport={"width": 360, "height": 800})
    page = context.new_page()
    page.add_init_script(_LAYOUT_SHIFTS)

    def late(route: Route) -> None:
        # A slow network: fonts and scripts arrive after the first paint, as on a phone.
        time.sleep(0.3)
        route.continue_()

    page.route("**/*.{js,woff2}", late)
    page.goto(base + "posts/flash-attention/")
    page.evaluate("document.fonts.ready.then(() => true)")
    # Lazy images load as they come into view: scroll down the whole page.
    height = page.evaluate("document.documentElement.scrollHeight")
    for _ in range(0, height, 600):
        page.mouse.wheel(0, 600)
        page.wait_for_timeout(50)
    page.wait_for_timeout(300)
    assert page.evaluate("[...document.images].every(img => img.complete)")
    assert page.evaluate("window.__shift") <= 0.01
    context.close()


def _near_white_share(png: bytes) -> float:
    pixels = rgb_pixels(png)
    return sum(1 for r, g, b in pixels if min(r, g, b) > 225) / len(pixels)


def test_diagrams_are_not_white_panels_in_dark_mode(
    browser: Browser, blog: tuple[str, Path]
) -> None:
    base, public = blog
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme="dark")
    page = context.new_page()
    white, seen = {}, 0
    for path in pages(public, posts_only=True):
        page.goto(base + path)
        for image in page.locator("article .content img").all():
            image.scroll_into_view_if_needed()
            page.wait_for_function(
                "img => img.complete && img.naturalWidth > 0", arg=image.element_handle()
            )
            seen += 1
            share = _near_white_share(image.screenshot())
            if share > 0.5:
                white[f"{path} {image.get_attribute('src')}"] = round(share, 2)
    context.close()
    assert seen >= 20
    assert white == {}


def test_reading_details_on_a_phone(browser: Browser, blog: tuple[str, Path]) -> None:
    """Code at body size, touch-sized links, the footer at the bottom, the current page."""
    base, _ = blog
    page = browser.new_page(viewport={"width": 360, "height": 800})
    page.goto(base + "posts/lc76-minimum-window-substring/")
    px = "el => parseFloat(getComputedStyle(el).fontSize)"
    body = page.locator("body").evaluate(px)
    assert page.locator(".code-block code").first.evaluate(px) >= 0.9 * body
    heights = page.locator(".tags a, header nav ul a").evaluate_all(
        "els => els.map(el => el.getBoundingClientRect().height)"
    )
    assert heights and min(heights) >= 32
    page.goto(base + "archives/")
    current = page.locator('header nav a[aria-current="page"]')
    assert current.count() == 1 and current.get_attribute("href") == "/archives/"
    page.goto(base + "404.html")
    footer_bottom = page.locator(".site-footer").evaluate("el => el.getBoundingClientRect().bottom")
    assert abs(footer_bottom - 800) <= 1
    page.close()


def test_scrolling_boxes_are_reachable_by_keyboard(blog: tuple[str, Path]) -> None:
    _, public = blog
    html = (public / "posts/segmentation-metrics/index.html").read_text(encoding="utf-8")
    content = BeautifulSoup(html, "html.parser").select_one("article .content")
    boxes = content.select("pre, .math-display, table")
    assert len(boxes) >= 5
    assert [box.name for box in boxes if box.get("tabindex") != "0"] == []


def test_print_leaves_out_navigation(browser: Browser, blog: tuple[str, Path]) -> None:
    base, _ = blog
    page = browser.new_page()
    page.goto(base + "posts/rope/")
    page.emulate_media(media="print")
    hidden = ".site-search, .toc, .post-nav, header nav ul"
    shown = page.locator(hidden).evaluate_all(
        "els => els.filter(el => getComputedStyle(el).display !== 'none').length"
    )
    assert shown == 0
    assert page.locator("article .content").is_visible()
    page.close()


def test_contents_fold_on_a_phone_and_follow_the_reader_on_a_wide_screen(
    browser: Browser, blog: tuple[str, Path]
) -> None:
    base, _ = blog
    post = "posts/lc76-minimum-window-substring/"
    phone = browser.new_page(viewport={"width": 360, "height": 800})
    phone.goto(base + post)
    assert phone.locator(".toc details").get_attribute("open") is None
    assert not phone.locator(".toc ol").is_visible()
    assert phone.locator(".toc").evaluate("el => el.getBoundingClientRect().height") < 60
    phone.close()

    wide = browser.new_page(viewport={"width": 1280, "height": 800})
    wide.goto(base + post)
    assert wide.locator(".toc ol").is_visible()
    toc = wide.locator(".toc").evaluate("el => el.getBoundingClientRect().toJSON()")
    text = wide.locator("article .content").evaluate("el => el.getBoundingClientRect().toJSON()")
    assert toc["left"] >= text["right"]  # beside the text, in the margin
    assert toc["right"] <= 1280
    # It stays in view, and marks the section being read.
    heading = wide.locator("article .content h2").nth(2)
    heading.scroll_into_view_if_needed()
    wide.mouse.wheel(0, 200)
    wide.wait_for_timeout(300)
    assert wide.locator(".toc").evaluate("el => el.getBoundingClientRect().top") >= 0
    current = wide.locator('.toc a[aria-current="true"]')
    assert current.count() == 1
    above = wide.locator("article .content h2, article .content h3").evaluate_all(
        "els => els.filter(e => e.getBoundingClientRect().top < innerHeight / 3).map(e => e.id)"
    )
    assert current.get_attribute("href") == "#" + above[-1]  # the last heading passed
    wide.close()


def _background(page: Page, selector: str = "body") -> str:
    return page.locator(selector).first.evaluate("el => getComputedStyle(el).backgroundColor")


def test_the_theme_switch_overrides_the_system_and_remembers(
    browser: Browser, blog: tuple[str, Path]
) -> None:
    base, _ = blog
    light = "rgb(255, 255, 255)"
    context = browser.new_context(color_scheme="light")
    page = context.new_page()
    page.goto(base + "posts/rope/")
    assert _background(page) == light  # the system's setting, with no choice made
    code_light = page.locator(".highlight").first.evaluate(
        "el => getComputedStyle(el).backgroundColor"
    )
    page.locator(".theme-toggle").click()
    dark = _background(page)
    assert dark != light and page.evaluate("document.documentElement.dataset.theme") == "dark"
    assert (
        page.locator(".highlight").first.evaluate("el => getComputedStyle(el).backgroundColor")
        != code_light
    )
    page.goto(base + "archives/")  # remembered on the next page, before it paints
    assert _background(page) == dark
    page.locator(".theme-toggle").click()  # back to what the system says: the choice is forgotten
    assert _background(page) == light
    assert page.evaluate("localStorage.getItem('blogsite-theme')") is None
    context.close()
    system_dark = browser.new_context(color_scheme="dark")
    page = system_dark.new_page()
    page.goto(base)
    assert _background(page) != light
    system_dark.close()


# Every kind of token Pygments colours, on highlighted lines with line numbers.
CODE_POST = """---
title: Code
date: 2024-01-01
---

Text `inline` and a [link](#x).

```python linenos hl_lines="1-12" title="all.py"
# comment 中文注释
import os  # comment
@decorator
class Foo(Base):
    \"\"\"Docstring.\"\"\"
    def bar(self, x: int = 1) -> str:
        s = f"value {x!r} \\n" + 'single' + r"raw"
        return None if x else True and not False or 0x1F + 1.5e3
print(len([i for i in range(10)]), sorted({1: 2}))
x = y @ z; a += b; c <<= 2; d != e; ~f; g ** h
try: pass
except Exception: raise
```

```cpp linenos hl_lines="2"
#include <vector>
// comment
int main() { std::vector<int> v{1, 2}; return v.size() > 0 ? 1 : 0; } /* block */
```
"""

CONTRAST_PAGES = (
    "posts/code/",
    "",
    "posts/lc42-trapping-rain-water/",
    "posts/lc200-number-of-islands/",
    "posts/speculative-decoding/",
    "posts/rope/",
    "tags/",
    "archives/",
    "about/",
    "404.html",
)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_all_text_reads_at_wcag_aa_contrast(
    browser: Browser, blog: tuple[str, Path], scheme: str
) -> None:
    """Every text colour against what is behind it, from the final CSS, ≥ 4.5:1: code
    tokens on highlighted lines and line numbers included."""
    base, public = blog
    for page_path in CONTRAST_PAGES:
        assert (public / (page_path or "index.html")).exists() or (public / page_path).is_dir()
    context = browser.new_context(color_scheme=scheme, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    failing = {}
    highlighted = 0
    for page_path in CONTRAST_PAGES:
        page.goto(base + page_path)
        highlighted += page.locator(".line.hl").count()
        for where, ratio in low_contrast(page).items():
            failing[f"{page_path} {where}"] = ratio
    context.close()
    assert highlighted > 0  # the pages hold highlighted lines to check
    assert failing == {}


def test_the_index_page_weighs_at_most_60_kb(browser: Browser, blog: tuple[str, Path]) -> None:
    """Everything the first index page fetches, uncompressed: page, styles, scripts, fonts."""
    base, _ = blog
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    fetched: dict[str, int] = {}
    page.on("response", lambda r: fetched.__setitem__(r.url, len(r.body())) if r.ok else None)
    page.goto(base)
    page.evaluate("document.fonts.ready.then(() => true)")
    page.wait_for_load_state("networkidle")
    page.close()
    assert any(url.endswith("latinmodern-math-excerpts.woff2") for url in fetched)  # math shown
    assert not any(url.endswith(("latinmodern-math.woff2", "code.css")) for url in fetched)
    assert sum(fetched.values()) <= 60_000, fetched


def test_every_post_with_math_loads_a_math_font_of_at_most_60_kb(
    browser: Browser, blog: tuple[str, Path]
) -> None:
    """Each post of the bundled blog fetches the math font only if it shows a formula, and
    then a cut of at most 60 KB, which has loaded by the time the fonts are ready."""
    base, public = blog
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    fonts: set[str] = set()
    page.on("requestfinished", lambda r: fonts.add(urlsplit(r.url).path.lstrip("/")))
    with_math = 0
    for path in pages(public, posts_only=True):
        fonts.clear()
        visit(page, base + path)
        page.wait_for_load_state("networkidle")
        has_math = page.locator("math").count() > 0
        with_math += has_math
        fetched = {name for name in fonts if "latinmodern-math" in name}
        assert bool(fetched) == has_math, (path, fonts)
        assert sum((public / name).stat().st_size for name in fetched) <= 60_000, (path, fetched)
        if has_math:
            loaded = page.evaluate("document.fonts.check('16px \"Blogsite Math\"')")
            assert loaded, path
    page.close()
    assert with_math >= 10  # the blog's notes are full of formulas
