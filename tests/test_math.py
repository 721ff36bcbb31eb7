"""Math in Markdown: what becomes MathML, what stays text, and errors with their line."""

import pytest
from markup_helpers import render, soup, text_outside_math_and_code

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
    assert len(html.find_all("math")) == 3


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


@pytest.mark.parametrize(("opener", "closer"), [("\\(", "\\)"), ("\\[", "\\]"), ("$$", "$$")])
def test_unclosed_formulas_are_reported_and_shown(opener: str, closer: str) -> None:
    body = f"第一行\n\n开头 {opener}x + y 没有结尾"
    rendered = render(body)
    assert [(d.line, d.message.split(";")[0]) for d in rendered.diagnostics] == [
        (5 + 2, "math error: a formula is not closed")
    ]
    assert f"add `{closer}`" in rendered.diagnostics[0].message
    assert f"{opener}x + y" in soup(body).get_text()
