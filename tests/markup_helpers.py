"""Render Markdown the way the build does, for unit tests of the Markdown step."""

from __future__ import annotations

from bs4 import BeautifulSoup

from blogsite.markup import MarkupSettings, make_markdown, render_markdown
from blogsite.model import Rendered

SETTINGS = MarkupSettings(summary_length=150, language="zh-CN")
MD = make_markdown(SETTINGS)


def render(body: str, settings: MarkupSettings = SETTINGS) -> Rendered:
    md = MD if settings == SETTINGS else make_markdown(settings)
    return render_markdown(md, body, path="post.md", first_line=5, settings=settings)


def soup(body: str) -> BeautifulSoup:
    return BeautifulSoup(render(body).html, "html.parser")


def text_outside_math_and_code(html_soup: BeautifulSoup) -> str:
    for element in html_soup.find_all(["math", "code", "pre"]):
        element.decompose()
    return html_soup.get_text()


def formulas(html_soup: BeautifulSoup) -> list:
    """Each formula once: a `<math>`, or the `.math-inline` span of one cut into pieces."""
    return [
        element
        for element in html_soup.find_all(["math", "span"])
        if (element.name == "span" and "math-inline" in (element.get("class") or []))
        or (element.name == "math" and element.find_parent(class_="math-inline") is None)
    ]
