"""Bare URLs and e-mail addresses become links that end where Chinese begins; escaped
brackets that open no formula are plain escapes; a fence's info string is decoded."""

from __future__ import annotations

from dataclasses import replace

import pytest
from bs4 import BeautifulSoup
from markup_helpers import SETTINGS, render

ARXIV = "https://arxiv.org/abs/2205.14135"


def links(body: str, **settings: object) -> list[tuple[str, str]]:
    html = render(body, replace(SETTINGS, **settings) if settings else SETTINGS).html
    return [(a["href"], a.get_text()) for a in BeautifulSoup(html, "html.parser").find_all("a")]


def text(body: str) -> str:
    return BeautifulSoup(render(body).html, "html.parser").get_text().strip()


WIKI = "https://en.wikipedia.org/wiki/Rope_(data_structure)"


@pytest.mark.parametrize(
    ("body", "href", "shown"),
    [
        (f"见{ARXIV}。下一句", ARXIV, ARXIV),  # no space on either side
        (f"论文（{ARXIV}）很好", ARXIV, ARXIV),  # full-width brackets
        (f"见“{ARXIV}”一文", ARXIV, ARXIV),
        (f"论文「{ARXIV}」、代码【https://x.org/a】", ARXIV, ARXIV),
        (f"See {ARXIV}.", ARXIV, ARXIV),  # the sentence's full stop is not the URL's
        (f"See ({ARXIV}), then", ARXIV, ARXIV),  # nor a ) that it does not open
        (f"{ARXIV}，再看", ARXIV, ARXIV),
        (f"{WIKI} 里", WIKI, WIKI),  # a ) that it opens is its own
        ("代码在 www.example.com/repo。", "http://www.example.com/repo", "www.example.com/repo"),
        ("写信到 someone@example.com。", "mailto:someone@example.com", "someone@example.com"),
    ],
)
def test_a_bare_url_links_itself_and_stops_where_chinese_begins(
    body: str, href: str, shown: str
) -> None:
    assert links(body)[0] == (href, shown)
    assert text(body) == body  # every character still shows, once


def test_urls_in_code_math_links_and_html_are_left_alone() -> None:
    body = (
        f"`{ARXIV}` 与 $\\text{{{ARXIV}}}$ 与 [论文]({ARXIV}) 与 <{ARXIV}> 与 "
        f'<a href="{ARXIV}">{ARXIV}</a>\n\n```\n{ARXIV}\n```\n'
    )
    # Only the Markdown link, the autolink and the raw one: three, none added.
    assert links(body) == [(ARXIV, "论文"), (ARXIV, ARXIV), (ARXIV, ARXIV)]


def test_file_names_are_not_links_and_a_setting_turns_linking_off() -> None:
    assert links("main.py 和 README.md 与 numpy.linalg") == []  # GFM links only www.
    assert links(f"见{ARXIV}。", linkify=False) == []


@pytest.mark.parametrize(
    ("body", "shown"),
    [
        ("\\[not a link](/foo)", "[not a link](/foo)"),
        ("转义 \\( 括号", "转义 ( 括号"),
        ("数组 \\[1, 2\\] 的和", "数组 [1, 2] 的和"),  # mid-line: brackets, not math
        ("文献 \\[1\\] 指出", "文献 [1] 指出"),  # a citation is safe
        ("a \\[\\\\\\] b", "a [\\] b"),
        ("f\\(x\\) 和 nums\\[i\\]", "f(x) 和 nums[i]"),  # after a letter: escapes
    ],
)
def test_escaped_brackets_that_open_no_formula_are_plain_escapes(body: str, shown: str) -> None:
    rendered = render(body)
    assert "<math" not in rendered.html
    assert text(body) == shown
    assert rendered.diagnostics == ()


@pytest.mark.parametrize(
    ("body", "display"),
    [
        ("\\[ x^2 \\]", True),  # a paragraph of its own
        ("前文\n\\[\nx = 1\n\\]\n后文", True),  # lines of its own inside a paragraph
        ("行内 \\(x^2\\) 公式", False),
        ("(\\(x\\))", False),
    ],
)
def test_brackets_that_do_open_a_formula(body: str, display: bool) -> None:
    soup = BeautifulSoup(render(body).html, "html.parser")
    (formula,) = soup.find_all("math")
    assert (formula.get("display") == "block") is display


def test_a_fence_info_string_is_decoded_before_it_is_shown() -> None:
    soup = BeautifulSoup(render('``` f&ouml;&ouml; title="a&amp;b"\nx\n```\n').html, "html.parser")
    assert soup.select_one(".code-lang").get_text() == "föö"
    assert soup.select_one("code")["class"] == ["language-föö"]
    assert soup.select_one(".code-title").get_text() == "a&b"
