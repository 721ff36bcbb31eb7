"""The default theme in a real browser: math font, narrow screens, code copying, dark mode.

One small site is built once and served over HTTP on 127.0.0.1; Debian's Chromium is driven
through Playwright (never a downloaded browser). Each test opens its own browser context.
"""

from __future__ import annotations

import functools
import itertools
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from conftest import CHROMIUM_ARGS, find_chromium, post, write_site
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, sync_playwright

from blogsite.cli import main

pytestmark = pytest.mark.browser

NARROW = {"width": 360, "height": 800}
CODE = (
    "def area(r):\n"
    "    pi = 3.14159\n"
    "\n"
    "    return pi * r * r  # a long comment that runs well past the width of a phone screen\n"
)
LONG_FORMULA = " + ".join(f"a_{{{k}}} x^{{{k}}}" for k in range(40))
SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="240" height="120" viewBox="0 0 240 120">'
    '<rect width="240" height="120" fill="#0b62c4"/><circle cx="60" cy="60" r="40" fill="#fff"/>'
    "</svg>\n"
)
MATH_BODY = (
    "Inline $x \\in \\mathbb{R}$ and $\\left( \\frac{a}{b} \\right)$ in a sentence.\n\n"
    "$$\n\\underbrace{x+y}_{n} = \\left( \\frac{a}{b} \\right)\n$$\n\n"
    f"$$\n{LONG_FORMULA}\n$$\n\n"
    f'```python linenos hl_lines="2" title="area.py"\n{CODE}```\n'
)
# Wide accents over three letters and over one, as the README describes them.
ACCENTS_BODY = (
    "宽 $\\widetilde{xyz}$，$\\widehat{xyz}$，$\\widecheck{xyz}$，$\\overline{xyz}$；"
    "单个字母 $\\widetilde{W}$。\n"
)
# Pages that every narrow-screen and no-external-request check visits.
PAGES = ("", "page/2/", "posts/math/", "posts/picture/", "tags/")


def _site_files() -> dict[str, str]:
    # One post a page: thirteen page links must wrap on a phone, not widen the page.
    files = {"blogsite.yaml": "title: Theme Test\nauthor: Tester\npaginate: 1\n"}
    for n in range(1, 12):
        files[f"content/posts/p{n:02d}.md"] = post(
            f"Plain post {n}", date=f"2024-01-{n:02d}", body=f"Body of post {n}.\n"
        )
    files["content/posts/math.md"] = post(
        "Math and code", date="2024-02-01", tags=["math"], body=MATH_BODY
    )
    files["content/posts/accents.md"] = post("Accents", date="2023-01-01", body=ACCENTS_BODY)
    files["content/posts/picture/index.md"] = post(
        "Picture",
        date="2024-02-02",
        body="A figure:\n\n![a diagram](diagram.svg)\n\n## A section\n\nText.\n",
    )
    files["content/posts/picture/diagram.svg"] = SVG
    return files


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@dataclass
class Served:
    base: str  # http://127.0.0.1:PORT
    browser: Browser
    public: Path


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    # `make_site` is function-scoped; the same helpers it uses write the site once per module.
    root = write_site(tmp_path_factory.mktemp("theme") / "site", _site_files())
    assert main(["build", "--source", str(root), "--quiet"]) == 0
    public = root / "public"
    assert (public / "page" / "2" / "index.html").is_file()  # 13 posts: two index pages
    handler = functools.partial(_QuietHandler, directory=str(public))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(executable_path=find_chromium(), args=CHROMIUM_ARGS)
    try:
        yield Served(f"http://127.0.0.1:{server.server_address[1]}", browser, public)
    finally:
        browser.close()
        playwright.stop()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@dataclass
class Tab:
    """A page in its own context, with every request and console message it produced."""

    base: str
    context: BrowserContext
    page: Page
    requests: list[str] = field(default_factory=list)
    console: list[ConsoleMessage] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def open(self, path: str) -> Page:
        response = self.page.goto(f"{self.base}/{path}")
        assert response is not None and response.status == 200, path
        self.page.wait_for_load_state("load")
        self.page.evaluate("document.fonts.ready.then(() => true)")
        return self.page


@pytest.fixture
def open_tab(served: Served) -> Iterator[Any]:
    contexts: list[BrowserContext] = []

    def make(color_scheme: str = "light", **options: Any) -> Tab:
        context = served.browser.new_context(viewport=NARROW, color_scheme=color_scheme, **options)
        contexts.append(context)
        tab = Tab(served.base, context, context.new_page())
        tab.page.on("request", lambda request: tab.requests.append(request.url))
        tab.page.on("console", lambda message: tab.console.append(message))
        tab.page.on("pageerror", lambda error: tab.errors.append(str(error)))
        return tab

    yield make
    for context in contexts:
        context.close()


def _platform_fonts(tab: Tab, selector: str) -> list[dict[str, Any]]:
    """The fonts Chromium actually used to draw the text of the first `selector` match."""
    cdp = tab.context.new_cdp_session(tab.page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    assert node, selector
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    cdp.detach()
    return fonts


def _box(page: Page, selector: str) -> dict[str, float]:
    box = page.evaluate(
        "s => { const e = document.querySelector(s);"
        " return e && e.getBoundingClientRect().toJSON() }",
        selector,
    )
    assert box is not None, selector
    return box


def _rgb(css: str) -> tuple[float, ...]:
    inside = css[css.index("(") + 1 : css.index(")")].replace("/", " ").replace(",", " ")
    return tuple(float(v) for v in inside.split()[:3])


def _contrast(a: str, b: str) -> float:
    def luminance(color: str) -> float:
        channels = [v / 255 for v in _rgb(color)]
        lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


# --- (a) math ---------------------------------------------------------------------------------


def test_math_font_is_loaded_and_used(open_tab: Any) -> None:
    tab = open_tab()
    page = tab.open("posts/math/")
    faces = page.evaluate("[...document.fonts].map(f => [f.family.replace(/\"/g, ''), f.status])")
    assert ["Blogsite Math", "loaded"] in faces
    assert page.evaluate("document.fonts.check('16px \"Blogsite Math\"')")
    # `check` is true for unknown families too; ask what actually drew the glyphs.
    for selector in ("math mi", "math mi:nth-of-type(2)", "munder mo"):
        fonts = _platform_fonts(tab, selector)
        assert fonts, selector
        assert all(f["familyName"] == "Latin Modern Math" and f["isCustomFont"] for f in fonts), (
            selector,
            fonts,
        )
    assert page.evaluate("document.querySelector('math mi:nth-of-type(2)').textContent") == "ℝ"


def test_math_elements_have_real_boxes_and_stretch(open_tab: Any) -> None:
    page = open_tab().open("posts/math/")
    boxes = page.evaluate(
        "[...document.querySelectorAll('math')].map(m => m.getBoundingClientRect().toJSON())"
    )
    assert len(boxes) == 4  # two inline, two display
    assert all(b["width"] > 0 and b["height"] > 0 for b in boxes), boxes
    plain = _box(page, "p math mi")
    underbrace = _box(page, ".math-display munder")
    assert underbrace["height"] > 1.5 * plain["height"], (underbrace, plain)
    # \left( grows to the fraction's height. (A stretched brace keeps its unstretched box
    # in Chromium, so its width cannot be measured this way.)
    paren = _box(page, "p math mrow > mo")
    fraction = _box(page, "p math mfrac")
    assert paren["height"] >= 0.9 * fraction["height"], (paren, fraction)


# --- (b) narrow screens -------------------------------------------------------------------------


def test_no_horizontal_page_overflow_at_360px(open_tab: Any) -> None:
    tab = open_tab()
    for path in PAGES:
        page = tab.open(path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= NARROW["width"], (path, width)
    page = tab.open("posts/math/")
    # The wide code and formula are really wider than the screen, and scroll in their boxes.
    for selector in ("figure.code-block pre", ".math-display:last-of-type"):
        inner = page.evaluate(
            """s => { const e = document.querySelector(s); const r = e.getBoundingClientRect();
                      e.scrollLeft = 50;
                      return {scroll: e.scrollWidth, client: e.clientWidth, left: e.scrollLeft,
                              right: r.right, overflow: getComputedStyle(e).overflowX} }""",
            selector,
        )
        assert inner["scroll"] > NARROW["width"], (selector, inner)
        assert inner["client"] < NARROW["width"], (selector, inner)
        assert inner["right"] <= NARROW["width"], (selector, inner)
        assert inner["left"] > 0 and inner["overflow"] == "auto", (selector, inner)


# --- (c) code blocks and copying ------------------------------------------------------------------


def test_copy_button_copies_code_without_line_numbers(open_tab: Any, served: Served) -> None:
    tab = open_tab()
    tab.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=served.base)
    page = tab.open("posts/math/")
    assert page.locator("figure.code-block").count() == 1
    button = page.locator("figure.code-block .copy-button")
    assert button.count() == 1
    assert button.text_content() == "Copy"
    # The line numbers are shown (CSS counters) …
    numbers = page.evaluate(
        "[...document.querySelectorAll('pre code .line')]"
        ".map(l => getComputedStyle(l, '::before').content)"
    )
    assert numbers == ["counter(line)"] * len(CODE.splitlines())
    # … the button sits inside the block without covering the language label.
    figure, label = _box(page, "figure.code-block"), _box(page, ".code-lang")
    label_text = page.evaluate(
        "(() => { const r = document.createRange();"
        " r.selectNodeContents(document.querySelector('.code-lang'));"
        " return r.getBoundingClientRect().toJSON() })()"
    )
    box = button.bounding_box()
    assert box is not None
    assert figure["left"] <= box["x"] and box["x"] + box["width"] <= figure["right"]
    assert label_text["right"] <= box["x"] or label["bottom"] <= box["y"], (label_text, box)

    button.click()
    assert page.evaluate("navigator.clipboard.readText()") == CODE
    page.wait_for_function("document.querySelector('.copy-button').textContent === 'Copied'")


def _copy(page: Page, script: str) -> str:
    """Select what `script` (a function of `range`) sets, press Ctrl+C, read the clipboard."""
    page.evaluate(
        "() => { const range = document.createRange(); (" + script + ")(range);"
        " const selection = window.getSelection();"
        " selection.removeAllRanges(); selection.addRange(range); }"
    )
    page.keyboard.press("Control+C")
    return page.evaluate("navigator.clipboard.readText()")


def test_a_copied_paragraph_holds_its_formulas_as_tex(open_tab: Any, served: Served) -> None:
    tab = open_tab()
    tab.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=served.base)
    page = tab.open("posts/math/")
    paragraph = "[...document.querySelectorAll('main p')].find(p => p.querySelector('math'))"
    assert page.evaluate(f"{paragraph}.querySelectorAll('math').length") == 2
    copied = _copy(page, f"r => r.selectNodeContents({paragraph})")
    assert copied == (
        "Inline $x \\in \\mathbb{R}$ and $\\left( \\frac{a}{b} \\right)$ in a sentence."
    )
    # A selection that starts inside a formula takes the whole formula.
    inside = (
        f"r => {{ const mi = {paragraph}.querySelector('math mi');"
        f" r.setStart(mi.firstChild, 0); r.setEnd({paragraph}.lastChild, 3); }}"
    )
    assert _copy(page, inside) == "$x \\in \\mathbb{R}$ and $\\left( \\frac{a}{b} \\right)$ in"
    # A display formula comes on lines of its own, between $$.
    display = (
        f"r => {{ r.setStartBefore({paragraph});"
        " r.setEndAfter(document.querySelector('.math-display')); }"
    )
    lines = _copy(page, display).split("\n")
    assert lines[0].startswith("Inline $x")
    assert lines[-1] == "$$\\underbrace{x+y}_{n} = \\left( \\frac{a}{b} \\right)$$", lines
    # Without a formula in the selection, the browser copies as it always does.
    heading = _copy(page, "r => r.selectNodeContents(document.querySelector('main h1'))")
    assert heading == "Math and code"


def test_wide_accents_stretch_as_the_readme_says(open_tab: Any) -> None:
    """Chromium stretches `\\widehat` and `\\overline` over a long base, but draws
    `\\widetilde` and `\\widecheck` at their own width: the README's warning."""
    page = open_tab().open("posts/accents/")
    page.evaluate("document.fonts.ready")
    ratios = page.evaluate(
        """[...document.querySelectorAll('main math')].map(m => {
              const accent = m.querySelector('mover > mo');
              const base = m.querySelector('mover > :first-child');
              return accent.getBoundingClientRect().width / base.getBoundingClientRect().width })"""
    )
    widetilde, _widehat, widecheck, _overline, one_letter = ratios
    # (Chromium gives the stretched `\\widehat` and `\\overline` a box of no width; the
    # screenshot in the closing note of the math issue shows them spanning `xyz`.)
    assert widetilde < 0.6 and widecheck < 0.6, ratios
    assert one_letter > 0.5, ratios  # over one letter it covers most of it


def test_screen_readers_get_each_formula_as_math(open_tab: Any) -> None:
    """Chromium exposes MathML to assistive technology as math with its structure (what
    screen readers read); no label hides that structure behind TeX."""
    page = open_tab().open("posts/math/")
    formulas = page.evaluate("document.querySelectorAll('main math').length")
    cdp = page.context.new_cdp_session(page)
    nodes = cdp.send("Accessibility.getFullAXTree")["nodes"]
    roles = [node.get("role", {}).get("value") for node in nodes]
    assert roles.count("MathMLMath") == formulas > 0
    assert "MathMLFraction" in roles and "MathMLIdentifier" in roles
    assert page.evaluate("[...document.querySelectorAll('main math[aria-label]')].length") == 0


def test_selected_code_has_no_line_numbers_or_blank_lines(open_tab: Any, served: Served) -> None:
    tab = open_tab()
    tab.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=served.base)
    page = tab.open("posts/math/")
    selected = page.evaluate(
        """() => { const range = document.createRange();
                   range.selectNodeContents(document.querySelector('pre code'));
                   const selection = window.getSelection();
                   selection.removeAllRanges(); selection.addRange(range);
                   return selection.toString() }"""
    )
    assert selected.rstrip("\n") == CODE.rstrip("\n")
    # What a reader gets with Ctrl+C is the same text.
    page.keyboard.press("Control+C")
    assert page.evaluate("navigator.clipboard.readText()").rstrip("\n") == CODE.rstrip("\n")
    # One line box per code line: consecutive lines touch, and only line 2 is highlighted.
    lines = page.evaluate(
        """[...document.querySelectorAll('pre code .line')].map(l => {
              const r = l.getBoundingClientRect(), text = document.createRange();
              text.selectNodeContents(l);
              return {top: r.top, bottom: r.bottom, bg: getComputedStyle(l).backgroundColor,
                      indent: text.getBoundingClientRect().left - r.left,
                      empty: !l.textContent} })"""
    )
    assert len(lines) == len(CODE.splitlines()) == 4
    # Every line starts at the left edge, however long it is (not centred like an image).
    assert len({round(line["indent"]) for line in lines if not line["empty"]}) == 1, lines
    for upper, lower in itertools.pairwise(lines):
        assert abs(lower["top"] - upper["bottom"]) < 1, lines
    # The empty third line still takes a full line's height.
    assert lines[2]["bottom"] - lines[2]["top"] == pytest.approx(
        lines[0]["bottom"] - lines[0]["top"], abs=1
    )
    backgrounds = [line["bg"] for line in lines]
    assert backgrounds[1] != backgrounds[0] and {backgrounds[0]} == {*backgrounds[2:]}, lines


# --- (d) dark mode ------------------------------------------------------------------------------


def _colours(page: Page) -> dict[str, Any]:
    return page.evaluate(
        """() => { const pre = document.querySelector('figure.code-block pre');
                   const tokens = [...pre.querySelectorAll('.line > span')]
                       .filter(s => s.textContent.trim())
                       .map(s => [s.className, getComputedStyle(s).color]);
                   return {body: getComputedStyle(document.body).backgroundColor,
                           text: getComputedStyle(document.body).color,
                           code: getComputedStyle(pre).backgroundColor, tokens} }"""
    )


def test_dark_mode_changes_page_and_code_colours(open_tab: Any) -> None:
    light = _colours(open_tab("light").open("posts/math/"))
    dark = _colours(open_tab("dark").open("posts/math/"))
    assert dark["body"] != light["body"]
    assert dark["code"] != light["code"]
    assert sum(_rgb(dark["body"])) < sum(_rgb(light["body"]))
    assert sum(_rgb(dark["code"])) < sum(_rgb(light["code"]))
    for scheme in (light, dark):
        assert _contrast(scheme["text"], scheme["body"]) >= 4.5, scheme
        assert scheme["tokens"], scheme
        for name, colour in scheme["tokens"]:
            assert _contrast(colour, scheme["code"]) >= 4.5, (name, colour, scheme["code"])


# --- (e) no outside requests, no console errors -------------------------------------------


def test_pages_stay_on_localhost_without_console_errors(open_tab: Any, served: Served) -> None:
    tab = open_tab()
    for path in PAGES:
        tab.open(path)
        tab.page.mouse.wheel(0, 5000)  # let lazy images load
        tab.page.wait_for_load_state("networkidle")
    assert tab.requests, "no requests were recorded"
    assert any(url.endswith("/fonts/latinmodern-math.woff2") for url in tab.requests)
    outside = [url for url in tab.requests if urlsplit(url).hostname != "127.0.0.1"]
    assert outside == []
    # The theme links its own icon, so the browser never falls back to a missing /favicon.ico.
    assert any(url.endswith("/favicon.svg") for url in tab.requests)
    errors = [
        (message.text, message.location.get("url"))
        for message in tab.console
        if message.type == "error"
    ]
    assert errors == []
    assert tab.errors == []


# --- (f) bundled images -------------------------------------------------------------------------


def test_bundled_svg_image_loads(open_tab: Any, served: Served) -> None:
    assert (served.public / "posts" / "picture" / "diagram.svg").is_file()
    page = open_tab().open("posts/picture/")
    image = page.locator(".content img")
    assert image.count() == 1
    assert image.get_attribute("src") == "diagram.svg"
    image.scroll_into_view_if_needed()
    page.wait_for_function("document.querySelector('.content img').complete")
    natural = page.evaluate("document.querySelector('.content img').naturalWidth")
    assert natural == 240
    assert image.bounding_box()["width"] > 0


def test_section_links_show_on_hover_and_keyboard_focus(open_tab: Any) -> None:
    tab = open_tab(has_touch=False)
    page = tab.open("posts/picture/")
    anchor = page.locator("h2#a-section a.anchor")
    opacity = "el => getComputedStyle(el).opacity"
    assert anchor.evaluate(opacity) == "0"
    page.locator("h2#a-section").hover()
    assert anchor.evaluate(opacity) == "1"
    page.mouse.move(0, 0)
    # Reachable by keyboard: Tab moves through the page's links until it lands on it.
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('anchor')"):
            break
    assert page.evaluate("document.activeElement.getAttribute('href')") == "#a-section"
    assert anchor.evaluate(opacity) == "1"


def test_only_pages_with_math_fetch_the_math_font(open_tab: Any, served: Served) -> None:
    font = "/fonts/latinmodern-math.woff2"
    plain = open_tab()
    plain.open("posts/picture/")  # a figure and a heading, no formula
    assert not [url for url in plain.requests if url.endswith(font)]
    with_math = open_tab()
    with_math.open("posts/math/")
    assert [url for url in with_math.requests if url.endswith(font)]
    assert (served.public / font.lstrip("/")).stat().st_size <= 60_000
