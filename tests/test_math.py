"""Math in Markdown: what becomes MathML, what stays text, and errors with their line."""

import re

import pytest
from bs4 import BeautifulSoup
from conftest import REPO
from markup_helpers import formulas, render, soup, text_outside_math_and_code

from blogsite.mathml import MathError, break_points, render_inline_pieces, render_math

# (Markdown, number of <math> elements, text that must remain outside math and code)
CASES = [
    ("It costs $5 and $10 today.", 0, "$5 and $10"),
    ("从 $5 涨到了 $x$。", 1, "从 $5 涨到了"),
    ("$a_1 * b_2 * c_3$ and $x_i$", 2, "and"),
    ("\\$ is a dollar, $y$ is math", 1, "$ is a dollar"),
    ("`$x$` and `\\(y\\)` are code", 0, "are code"),
    ("inline \\(\\frac{a}{b}\\) here", 1, "inline"),
    ("\\[ \\sum_i x_i \\]", 1, ""),
    ("$$\n\\int_0^1 f(x)\\,dx\n$$", 1, ""),
    ("before\n$$\nE = mc^2\n$$\nafter", 1, "before"),
    ("a line\n$$x^2$$", 1, "a line"),
    ("\\begin{align}\na &= b \\\\\nc &= d\n\\end{align}", 1, ""),
    ("- item $a_i$\n- item $b_j$", 2, "item"),
    ("> quote $\\alpha$", 1, "quote"),
    ("| a | b |\n|---|---|\n| $x^2$ | $\\vert y \\vert$ |", 2, "a"),
    ("```\n$x$ and \\(y\\)\n```", 0, ""),
    ("$ x $ has spaces", 0, "$ x $ has spaces"),
    ("$\\text{中文} \\mathbb{R}$", 1, ""),
    ("*em* $a*b*c$ *em*", 1, "em"),
    ("$$\n\\begin{aligned} a &= b \\\\ c &= d \\end{aligned}\n$$", 1, ""),
    ("\\\\(not math\\\\)", 0, "\\(not math\\)"),
]


@pytest.mark.parametrize(("body", "count", "kept"), CASES)
def test_math_delimiters(body: str, count: int, kept: str) -> None:
    html = soup(body)
    assert len(html.find_all("math")) == count
    rest = text_outside_math_and_code(html)
    assert kept in rest
    # No delimiter survives outside code where a formula was found.
    if count:
        assert "$$" not in rest and "\\(" not in rest and "\\[" not in rest


def test_emphasis_markers_inside_math_stay_math() -> None:
    html = soup("$\\mathcal{L}_{\\text{cls}} = -\\sum_{c} y_c \\log p_c$ and $a_b$ then $c_d$")
    assert html.find("em") is None
    assert len(formulas(html)) == 3


def test_display_math_is_block_and_inline_is_not() -> None:
    html = soup("inline $x$\n\n$$\ny\n$$")
    block = html.find("div", class_="math-display")
    assert block is not None and block.math["display"] == "block"
    assert html.p.math.get("display") is None


def test_invalid_tex_keeps_source_and_reports_line() -> None:
    body = "第一行\n\n第三行 $\\frac{a$ 结束\n\n$$\n\\badcommand{x}\n$$\n"
    rendered = render(body)
    html = soup(body)
    errors = html.find_all("code", class_="math-error")
    assert [e.get_text() for e in errors] == ["\\frac{a", "\\badcommand{x}"]
    lines = [d.line for d in rendered.diagnostics]
    # first_line is 5 in these tests: body line 3 → file line 7; the bad command is on body line 6.
    assert lines == [7, 10]
    assert all(d.message.startswith("math error: ") for d in rendered.diagnostics)
    assert "Unknown command" in rendered.diagnostics[1].message


def test_math_error_in_multiline_formula_points_at_its_line() -> None:
    rendered = render("$$\na + b\n\\\\\n\\nosuch\n$$\n")
    assert [d.line for d in rendered.diagnostics] == [5 + 3]


@pytest.mark.parametrize("body", ["nums\\[i\\] 和 f\\(x\\)", "a_1\\[0\\]"])
def test_escaped_brackets_after_a_word_are_not_math(body: str) -> None:
    html = soup(body)
    assert html.find("math") is None
    assert "[" in html.get_text() or "(" in html.get_text()
    assert render(body).diagnostics == ()


def test_an_unclosed_display_formula_is_reported_and_shown() -> None:
    body = "第一行\n\n开头 $$x + y 没有结尾"
    rendered = render(body)
    assert [(d.line, d.message.split(";")[0]) for d in rendered.diagnostics] == [
        (5 + 2, "math error: a formula is not closed")
    ]
    assert "add `$$`" in rendered.diagnostics[0].message
    assert "$$x + y" in soup(body).get_text()


@pytest.mark.parametrize("opener", ["\\(", "\\["])
def test_an_escaped_bracket_that_is_never_closed_is_an_escape(opener: str) -> None:
    # As in CommonMark: `\(` and `\[` that open no formula show the bracket alone.
    body = f"第一行\n\n开头 {opener}x + y 没有结尾"
    assert render(body).diagnostics == ()
    assert f"开头 {opener[1]}x + y 没有结尾" in soup(body).get_text()


@pytest.mark.parametrize(
    ("tex", "kinds"),
    [
        ("a = b + c", ["relation", "binary"]),
        ("a = -b", ["relation"]),  # a sign, not a subtraction
        ("x^{-1} - y", ["binary"]),
        ("f(x, y) \\le g", ["comma", "relation"]),
        ("\\left( a + b \\right) = c", ["relation"]),  # never inside \left…\right
        ("\\frac{a + b}{c}", []),  # nor inside braces
        ("\\begin{cases} a = 1 \\end{cases}", []),
        ("a \\cdot b \\to c", ["binary", "relation"]),
        ("a = ", []),  # nothing after it to break before
        ("{a = b", []),  # unbalanced: whole, so math-core reports it
    ],
)
def test_break_points_are_top_level_operators(tex: str, kinds: list[str]) -> None:
    assert [kind for _, kind in break_points(tex)] == kinds


def _leaves(mathml: str) -> list[str]:
    """The formula's symbols in order, without the spacing attributes pieces change."""
    return [
        element.get_text()
        for element in BeautifulSoup(mathml, "html.parser").find_all(["mi", "mn", "mo", "mtext"])
    ]


def test_every_inline_formula_of_the_blog_cuts_into_the_same_symbols() -> None:
    formulas_tex = set()
    for path in (REPO / "content").rglob("*.md"):
        body = path.read_text(encoding="utf-8")
        formulas_tex.update(re.findall(r"(?<![$\\\\])\$([^$\n]+?)\$(?!\$)", body))
    cut = 0
    for tex in sorted(formulas_tex):
        try:
            whole = render_math(tex.strip(), False)
        except MathError:
            continue
        pieces = render_inline_pieces(tex.strip())
        cut += len(pieces) > 1
        assert _leaves("".join(pieces)) == _leaves(whole), tex
        assert all(piece.startswith("<math") for piece in pieces)
    assert cut > 20  # the blog's long formulas really were cut


def test_long_inline_formula_becomes_one_element_of_wrappable_pieces() -> None:
    html = soup("设 $a = b_1 + b_2 + b_3 + b_4 + b_5$ 成立")
    (formula,) = formulas(html)
    assert formula.name == "span" and len(formula.find_all("math")) == 6
    assert len(formula.find_all("wbr")) == 5
    # The operator that ends a piece keeps the space it has inside the whole formula.
    assert [mo.get("rspace") for mo in formula.find_all("mo")] == ["0.2778em"] + ["0.2222em"] * 4


@pytest.mark.parametrize(
    ("markdown", "kept"),
    [
        ("值为 $x$，于是", "x，"),
        ("见（$x$）。", "（x）。"),
        ("“$x$”", "“x”"),
        ("长式 $a = b_1 + b_2 + b_3 + b_4 + b_5$。", "b5。"),
    ],
)
def test_chinese_punctuation_stays_with_the_formula(markdown: str, kept: str) -> None:
    html = soup(markdown)
    together = [span.get_text() for span in html.find_all("span", class_="nobr")]
    assert together == [kept], together
    # Nothing is lost or doubled: the paragraph reads the same.
    assert html.get_text().count("。") == markdown.count("。")
