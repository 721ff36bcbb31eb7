"""The commands notes reach for: the probe's failures are exactly the README's list, and the
rewrites for what math-core lacks (`split`, `\\substack`, `\\mathds`, a display `\\tag`)
give the structure they stand for."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup
from conftest import REPO
from markup_helpers import render
from math_probe import PROBE, failing

from blogsite.mathml import rewrite


def readme_unsupported() -> set[str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    block = text.split("<!-- math-unsupported -->")[1].split("<!-- /math-unsupported -->")[0]
    return set(re.findall(r"^- `([^`]+)`", block, re.MULTILINE))


def test_the_probe_fails_exactly_where_the_readme_says() -> None:
    assert len(PROBE) == 96
    names = {name for name, _, _ in PROBE}
    listed = readme_unsupported()
    assert listed <= names, listed - names  # the README names probe entries
    assert set(failing()) == listed


def test_split_lays_out_as_aligned_rows_under_one_number() -> None:
    html = render(
        "$$\n\\begin{equation}\\begin{split} a &= b \\\\ &= c \\end{split}\\end{equation}\n$$\n"
    ).html
    assert "math error" not in html
    soup = BeautifulSoup(html, "html.parser")
    numbers = [t.get_text() for t in soup.find_all("mtext") if re.fullmatch(r"\(\d+\)", t.text)]
    assert numbers == ["(1)"]
    inner = soup.find("mtable").find("mtable")  # the split's rows, inside the equation's row
    assert inner is not None and len(inner.find_all("mtr")) == 2


def test_substack_stacks_its_lines_under_the_operator() -> None:
    soup = BeautifulSoup(render("$$\\sum_{\\substack{i<j\\\\k}} x$$").html, "html.parser")
    under = soup.find("munder") or soup.find("msub")
    assert under is not None
    rows = under.find_all("mtr")
    assert [r.get_text() for r in rows] == ["i<j", "k"]


def test_rewrites_leave_other_tex_alone_and_keep_braces() -> None:
    assert rewrite("x^2") == "x^2"
    assert rewrite("\\mathds{1}") == "\\mathbb{1}"
    nested = rewrite("\\substack{a_{1} \\\\ \\{b\\}}")
    assert nested == "\\begin{subarray}{c}a_{1} \\\\ \\{b\\}\\end{subarray}"
    assert rewrite("\\substack{a") == "\\substack{a"  # unbalanced: math-core says so
    assert rewrite("x \\tag{A}", display=True).startswith("\\begin{equation*}")
    assert rewrite("x \\tag{A}") == "x \\tag{A}"  # inline: no environment is put around it


def test_a_display_tag_shows_its_label_and_a_display_label_is_numbered() -> None:
    body = "$$\nx = 1 \\tag{A}\n$$\n\n$$\ny = 2 \\label{eq:y}\n$$\n\n见 \\eqref{eq:y}。\n"
    html = render(body).html
    assert "math error" not in html
    soup = BeautifulSoup(html, "html.parser")
    texts = [t.get_text() for t in soup.find_all("mtext")]
    assert "(A)" in texts and "(1)" in texts
    assert soup.find("a", class_="eqref").get_text() == "(1)"


def test_ref_inside_a_formula_links_to_the_bare_number() -> None:
    body = (
        "$$\n\\begin{equation} a \\label{eq:a} \\end{equation}\n$$\n\n"
        "由 $y = \\ref{eq:a}$ 与 $\\ref{eq:none}$ 可知。\n"
    )
    rendered = render(body)
    soup = BeautifulSoup(rendered.html, "html.parser")
    links = [(a["href"], a.get_text()) for a in soup.select("math a")]
    target = soup.find(id=links[0][0][1:])
    assert links == [(links[0][0], "1")] and target is not None  # one link: the unknown is text
    assert [d.message.split(";")[0] for d in rendered.diagnostics] == [
        "unknown equation label 'eq:none'"
    ]
