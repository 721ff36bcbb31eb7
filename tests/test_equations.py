r"""Numbered equations through a post: `\label`, `\eqref` and `\ref` (in prose and in
formulas), their warnings, ids that never repeat on a page (excerpts on index and tag pages
too), the site's math macros from blogsite.yaml and a post's own `\newcommand`."""

from __future__ import annotations

import re
import shutil
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote

import html5lib
import pytest
from bs4 import BeautifulSoup
from conftest import REPO, Run, Site, post
from markup_helpers import render

from blogsite.cli import main

# Small sites: no Pagefind, no cache folder left in the temporary site.
FAST = ("--no-cache", "--no-search")
NUMBER = re.compile(r"^\(.*\)$")


def build(site: Site, *args: str) -> Run:
    return site.build(*FAST, *args)


def lines(run: Run) -> list[str]:
    return [line for line in run.err.splitlines() if line.strip()]


def line_of(text: str, needle: str) -> int:
    """The 1-based line of `text` holding `needle`, which must stand on exactly one line."""
    found = [n for n, line in enumerate(text.splitlines(), 1) if needle in line]
    assert len(found) == 1, f"{needle!r} is on lines {found}"
    return found[0]


def unknown(label: str) -> str:
    return f"unknown equation label '{label}'; give an equation `\\label{{{label}}}`"


def labelled(page: BeautifulSoup) -> dict[str, str]:
    """{id: number shown} for each labelled cell of a numbered equation."""
    return {cell["id"]: cell.mtext.get_text() for cell in page.select("math mtd[id]")}


def shown_numbers(page: BeautifulSoup) -> list[list[str]]:
    """For each display formula in order, the equation numbers it shows (`(1)`, `(A)`)."""
    return [
        [text.get_text() for text in block.find_all("mtext") if NUMBER.match(text.get_text())]
        for block in page.select(".content .math-display")
    ]


def duplicate_ids(public: Path) -> dict[str, list[str]]:
    """{page: ids written more than once on it} over every HTML page of a build."""
    found = {}
    for page in sorted(public.rglob("*.html")):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        counts = Counter(tag["id"] for tag in soup.find_all(id=True))
        twice = sorted(name for name, count in counts.items() if count > 1)
        if twice:
            found[page.relative_to(public).as_posix()] = twice
    return found


def check(site: Site) -> Run:
    """`blogsite check` of the site, in-process."""
    site.capsys.readouterr()
    code = main(["check", "--source", str(site.root), "--no-cache"])
    captured = site.capsys.readouterr()
    return Run(code, captured.out, captured.err)


# --- 1. numbering --------------------------------------------------------------------------

NUMBERED = r"""
Intro.

\begin{equation}
a = 1 \label{eq:one}
\end{equation}

$$\begin{equation}
b = 2 \label{eq:two}
\end{equation}$$

\begin{align}
c &= 3 \label{eq:three} \\
d &= 4 \notag
\end{align}

$$\begin{equation*}
e = 5
\end{equation*}$$

\begin{equation}
f = 6 \tag{A} \label{eq:tagged}
\end{equation}

\begin{gather}
g = 7 \label{eq:four} \\
h = 8 \nonumber
\end{gather}
"""


def test_numbers_run_through_the_post_in_document_order(make_site: Callable[..., Site]) -> None:
    site = make_site({"content/posts/numbered.md": post("Numbered", body=NUMBERED)})
    result = build(site)
    assert result.code == 0 and lines(result) == [], result.err
    page = site.html("posts/numbered/")
    assert labelled(page) == {
        "numbered-eq:one": "(1)",
        "numbered-eq:two": "(2)",
        "numbered-eq:three": "(3)",
        "numbered-eq:tagged": "(A)",
        "numbered-eq:four": "(4)",
    }
    # The \notag'd and \nonumber'd rows, `equation*` and the tag take no number.
    assert shown_numbers(page) == [["(1)"], ["(2)"], ["(3)"], [], ["(A)"], ["(4)"]]
    rows = page.select(".content .math-display")[2].find_all("mtr")
    assert len(rows) == 2 and rows[1].find("mtext") is None


def test_a_tag_must_be_ascii_as_the_readme_says() -> None:
    """math-core refuses `\\tag{★}`: the README says tags are ASCII. If a new math-core
    takes it, this fails, and the README's sentence goes."""
    rendered = render("\\begin{equation}\nf = 6 \\tag{★} \\label{eq:star}\n\\end{equation}\n")
    assert [d.message for d in rendered.diagnostics] == [
        "math error: Expected non-special ASCII characters in string literal."
    ]
    readme = " ".join((REPO / "README.md").read_text(encoding="utf-8").split())
    assert "ASCII only: math-core refuses `\\tag{★}`" in readme


# --- 2. references -------------------------------------------------------------------------

# <!--more-->: the automatic summary's own bug stays out (see the summary tests below).
REFERENCES = r"""
Intro.

<!--more-->

Before: \eqref{eq:later} and \ref{eq:later}.

\begin{equation}
a = b \label{eq:first}
\end{equation}

\begin{equation}
c = d \label{eq:later}
\end{equation}

After: \eqref{eq:later} and \ref{eq:first}, in a formula $x = \eqref{eq:first}$, and

$$
y = \eqref{eq:later}
$$
"""


def test_references_link_to_their_equation_and_show_its_number(
    make_site: Callable[..., Site],
) -> None:
    site = make_site({"content/posts/refs.md": post("Refs", body=REFERENCES)})
    result = build(site)
    assert result.code == 0 and lines(result) == [], result.err
    page = site.html("posts/refs/")
    content = page.select_one(".content")
    links = [(a["href"], a.get_text()) for a in content.find_all("a")]
    assert links == [
        ("#refs-eq:later", "(2)"),  # forward
        ("#refs-eq:later", "2"),  # \ref: the bare number
        ("#refs-eq:later", "(2)"),  # backward
        ("#refs-eq:first", "1"),
        ("#refs-eq:first", "(1)"),  # inside an inline formula
        ("#refs-eq:later", "(2)"),  # inside a display formula
    ]
    prose = content.select("a.eqref")
    assert len(prose) == 4 and all(a.find_parent("math") is None for a in prose)
    assert len([a for a in content.find_all("a") if a.find_parent("math")]) == 2
    for href, text in links:
        target = page.find(id=href.removeprefix("#"))
        assert target is not None, href
        assert target.name == "mtd" and target.mtext.get_text() == f"({text.strip('()')})"


# --- 3. warnings ---------------------------------------------------------------------------

UNKNOWN = r"""
\begin{equation}
a = b \label{eq:a}
\end{equation}

Known \eqref{eq:a}, and unknown
in prose \eqref{eq:nope} on a paragraph's second line.

Inline $x = \eqref{eq:gone}$ here.

$$ y = \eqref{eq:lost} $$
"""


def test_unknown_labels_are_warned_at_their_line(make_site: Callable[..., Site]) -> None:
    text = post("Unknown", body=UNKNOWN)
    site = make_site({"content/posts/unknown.md": text})
    shown = site.root / "content/posts/unknown.md"
    result = build(site)
    assert result.code == 0, result.err
    for label in ("eq:nope", "eq:gone", "eq:lost"):
        expected = f"{shown}:{line_of(text, '{' + label + '}')}: {unknown(label)}"
        assert expected in lines(result), result.err
    assert "eq:a" not in result.err
    content = site.html("posts/unknown/").select_one(".content")
    assert [a.get_text() for a in content.select("a.eqref")] == ["(1)"]
    assert content.select_one(".eqref-missing").get_text() == r"\eqref{eq:nope}"

    strict = build(site, "--strict")
    assert strict.code == 1
    assert f"{shown}:{line_of(text, '{eq:nope}')}: {unknown('eq:nope')}" in lines(strict)
    assert "Traceback" not in strict.err


def test_an_unknown_label_in_a_formula_is_warned_once_and_at_the_post(
    make_site: Callable[..., Site],
) -> None:
    text = post("Unknown", body="Inline $x = \\eqref{eq:gone}$ here.\n")
    site = make_site(
        {
            "blogsite.yaml": "title: T\nbase_url: https://example.org/\n",
            "content/posts/unknown.md": text,
        }
    )
    result = build(site)
    shown = site.root / "content/posts/unknown.md"
    assert lines(result) == [f"{shown}:{line_of(text, 'eq:gone')}: {unknown('eq:gone')}"]


def test_an_unknown_label_in_a_long_formula_is_warned_at_its_own_line() -> None:
    body = "Text.\n\n$$\nu\n= v\n+ \\eqref{eq:yy}\n$$\n"
    rendered = render(body)
    # render() starts the body at line 5; `\eqref` is on body line 5 (0-based).
    assert [(d.line, d.message) for d in rendered.diagnostics] == [(5 + 5, unknown("eq:yy"))]


def test_a_label_used_twice_is_warned(make_site: Callable[..., Site]) -> None:
    body = (
        "\\begin{equation}\na = 1 \\label{eq:a}\n\\end{equation}\n\n"
        "Then\n\n$$\\begin{equation} b = 2 \\label{eq:a} \\end{equation}$$\n"
    )
    text = post("Twice", body=body)
    site = make_site({"content/posts/twice.md": text})
    result = build(site)
    assert result.code == 0
    shown = site.root / "content/posts/twice.md"
    assert lines(result) == [
        f"{shown}:{line_of(text, 'b = 2')}: equation label 'eq:a' is used twice in this post; "
        "give each equation its own"
    ]
    assert build(site, "--strict").code == 1


# --- 4. ids across pages: excerpts on index and tag pages ----------------------------------

EXCERPTED = r"""
Intro of {name}: see \eqref{{eq:b}} below, and $x = \eqref{{eq:a}}$.

\begin{{equation}}
a = b \label{{eq:a}}
\end{{equation}}

<!--more-->

\begin{{equation}}
c = d \label{{eq:b}}
\end{{equation}}

Later \eqref{{eq:a}} and \eqref{{eq:b}}.
"""


def test_excerpts_of_two_posts_with_the_same_labels_keep_ids_unique(
    make_site: Callable[..., Site],
) -> None:
    site = make_site(
        {
            "blogsite.yaml": "title: T\nbase_url: https://example.org/\n",
            "content/posts/alpha.md": post(
                "Alpha", "2024-01-01", EXCERPTED.format(name="alpha"), tags=["shared"]
            ),
            "content/posts/beta.md": post(
                "Beta", "2024-01-02", EXCERPTED.format(name="beta"), tags=["shared"]
            ),
        }
    )
    result = build(site, "--strict")
    assert result.code == 0 and lines(result) == [], result.err
    public = site.public
    assert (public / "atom.xml").is_file()
    assert duplicate_ids(public) == {}

    alpha = set(labelled(site.html("posts/alpha/")))
    beta = set(labelled(site.html("posts/beta/")))
    assert alpha == {"alpha-eq:a", "alpha-eq:b"} and beta == {"beta-eq:a", "beta-eq:b"}

    for listing in ("", "tags/shared/"):
        page = site.html(listing)
        excerpts = page.select(".excerpt")
        assert len(excerpts) == 2
        # The equations above <!--more--> stand in the excerpts, with their own ids.
        assert set(labelled(page)) == {"alpha-eq:a", "beta-eq:a"}
        links = {a["href"]: a.get_text() for a in page.select(".excerpt a[href*='-eq:']")}
        for name in ("alpha", "beta"):
            assert links[f"/posts/{name}/#{name}-eq:b"] == "(2)"  # below <!--more-->
            assert links[f"/posts/{name}/#{name}-eq:a"] == "(1)"  # inside a formula
        assert not page.select(".excerpt a[href^='#']")

    checked = check(site)
    assert checked.code == 0, checked.err
    assert lines(checked) == []


def test_a_summary_links_its_references_to_the_post(make_site: Callable[..., Site]) -> None:
    body = "By $x = \\eqref{eq:a}$ we see.\n\n\\begin{equation}\na \\label{eq:a}\n\\end{equation}\n"
    site = make_site({"content/posts/sum.md": post("Sum", body=body, tags=["t"])})
    result = build(site, "--strict")
    assert result.code == 0, result.err
    hrefs = [a["href"] for a in site.html("").select(".excerpt a")]
    assert hrefs == ["/posts/sum/#sum-eq:a"]


def test_a_summary_keeps_a_reference_written_in_prose(make_site: Callable[..., Site]) -> None:
    body = "See \\eqref{eq:a} here.\n\n\\begin{equation}\na \\label{eq:a}\n\\end{equation}\n"
    site = make_site({"content/posts/sum.md": post("Sum", body=body)})
    assert build(site).code == 0
    assert "See (1) here." in site.html("").select_one(".excerpt").get_text()


def test_a_reference_in_a_heading_does_not_nest_links_in_the_contents(
    make_site: Callable[..., Site],
) -> None:
    body = (
        "\\begin{equation}\na \\label{eq:a}\n\\end{equation}\n\n"
        "## Proof of \\eqref{eq:a}\n\nText.\n\n## Other\n\nMore.\n"
    )
    site = make_site({"content/posts/toc.md": post("Toc", body=body, toc=True)})
    assert build(site).code == 0
    html = (site.public / "posts/toc/index.html").read_text(encoding="utf-8")
    page = BeautifulSoup(html, "html.parser")
    assert page.select(".toc a")  # the contents are there
    assert [a for a in page.find_all("a") if a.find_parent("a")] == []
    parser = html5lib.HTMLParser(namespaceHTMLElements=False)
    parser.parse(html)
    assert parser.errors == []


def test_references_work_in_a_post_with_a_chinese_slug(make_site: Callable[..., Site]) -> None:
    body = "See \\eqref{eq:a}.\n\n\\begin{equation}\na \\label{eq:a}\n\\end{equation}\n"
    site = make_site({"content/posts/连续.md": post("CJK", body=body)})
    result = build(site, "--strict")
    assert result.code == 0, result.err
    page = site.html("posts/连续/")
    link = page.select_one("a.eqref")
    assert link.get_text() == "(1)"
    fragment = link["href"].removeprefix("#")
    assert (page.find(id=fragment) or page.find(id=unquote(fragment))) is not None


# --- 5. the bundled blog -------------------------------------------------------------------


def test_no_page_of_the_bundled_blog_repeats_an_id(make_site: Callable[..., Site]) -> None:
    site = make_site({"blogsite.yaml": ""})  # replaced by the blog's own just below
    for name in ("blogsite.yaml", "content", "templates", "static"):
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, site.root / name, dirs_exist_ok=True)
        elif source.is_file():
            shutil.copy(source, site.root / name)
    result = build(site, "--strict")
    assert result.code == 0, result.err
    assert len(list(site.public.rglob("*.html"))) > 40
    assert duplicate_ids(site.public) == {}


# --- 6. macros -----------------------------------------------------------------------------

MACRO_CONFIG = 'title: T\nmath:\n  macros:\n    RR: "\\\\mathbb{R}"\n    \\CC: "\\\\mathbb{C}"\n'

DEFINES = r"""
We write $\newcommand{\vv}{\mathbf{v}} \vv \in \RR^n$ first.

Then inline $\vv + \vv \in \CC^n$ and

$$
\vv \cdot \vv
$$
"""


def test_site_and_post_macros(make_site: Callable[..., Site]) -> None:
    other = post("Other", "2024-01-02", "Plain $\\RR$ text.\n\nHere $\\vv$ is unknown.\n")
    site = make_site(
        {
            "blogsite.yaml": MACRO_CONFIG,
            "content/posts/defines.md": post("Defines", body=DEFINES),
            "content/posts/other.md": other,
        }
    )
    result = build(site)
    assert result.code == 0
    shown = site.root / "content/posts/other.md"
    line = line_of(other, "$\\vv$")
    assert lines(result) == [f'{shown}:{line}: math error: Unknown command "\\vv".']

    content = site.html("posts/defines/").select_one(".content")
    paragraphs = content.find_all("p")
    assert "ℝ" in paragraphs[0].get_text() and "𝐯" in paragraphs[0].get_text()
    assert paragraphs[1].get_text().count("𝐯") == 2 and "ℂ" in paragraphs[1].get_text()
    display = content.select_one(".math-display")
    assert display.get_text().count("𝐯") == 2
    assert not content.select(".math-error")

    content = site.html("posts/other/").select_one(".content")
    assert "ℝ" in content.find("math").get_text()  # a site macro in a post without batching
    assert content.select_one("code.math-error").get_text() == "\\vv"
    assert "𝐯" not in content.get_text()


def test_a_bad_site_macro_stops_the_build(make_site: Callable[..., Site]) -> None:
    config = 'title: T\nmath:\n  macros:\n    \\bad: "\\\\frac{"\n'
    site = make_site({"blogsite.yaml": config, "content/posts/a.md": post("A")})
    result = build(site)
    assert result.code == 1
    assert "Traceback" not in result.err
    assert lines(result) == [
        f"{site.root / 'blogsite.yaml'}:{line_of(config, 'math:')}: math macro `\\bad` "
        "('\\\\frac{'): Expected closing token \"}\", but reached end of input; fix its TeX"
    ]
    assert not (site.public / "posts/a/index.html").exists()


@pytest.mark.parametrize(
    "math",
    [
        "math: {macro: 1}",
        "math: 5",
        "math: {macros: [1]}",
        "math: {macros: {a1: x}}",
        "math: {macros: {RR: [1]}}",
    ],
)
def test_a_bad_math_setting_is_an_error_at_its_line(
    make_site: Callable[..., Site], math: str
) -> None:
    config = f"title: T\nlanguage: en\n{math}\n"
    site = make_site({"blogsite.yaml": config, "content/posts/a.md": post("A")})
    result = build(site)
    assert result.code == 1
    assert "Traceback" not in result.err
    assert len(lines(result)) == 1
    assert lines(result)[0].startswith(f"{site.root / 'blogsite.yaml'}:3: "), result.err
    assert "macros" in result.err


def test_a_site_macro_may_take_an_argument(make_site: Callable[..., Site]) -> None:
    config = 'title: T\nmath:\n  macros:\n    norm: "\\\\left\\\\| #1 \\\\right\\\\|"\n'
    body = "The norm $\\norm{x}$.\n"
    site = make_site({"blogsite.yaml": config, "content/posts/a.md": post("A", body=body)})
    result = build(site)
    assert result.code == 0, result.err
    assert "‖" in site.html("posts/a/").select_one(".content math").get_text()


# --- 7. posts without numbering keep their line breaks --------------------------------------

LONG = r"$f(x) = a_1 x + a_2 x^2 + a_3 x^3 + \RR$"


def test_long_inline_formulas_still_wrap(make_site: Callable[..., Site]) -> None:
    numbered = (
        f"Long {LONG} here.\n\n\\begin{{equation}}\na \\label{{eq:a}}\n\\end{{equation}}\n\n"
        "See \\eqref{eq:a}.\n"
    )
    site = make_site(
        {
            "blogsite.yaml": 'title: T\nmath:\n  macros:\n    RR: "\\\\mathbb{R}"\n',
            "content/posts/plain.md": post("Plain", body=f"Long {LONG} here.\n"),
            "content/posts/numbered.md": post("Numbered", "2024-01-02", numbered),
        }
    )
    result = build(site)
    assert result.code == 0 and lines(result) == [], result.err
    for name in ("plain", "numbered"):
        paragraph = site.html(f"posts/{name}/").select_one(".content p")
        wrapped = paragraph.select_one("span.math-inline")
        assert wrapped is not None, name
        pieces = wrapped.find_all("math")
        assert len(pieces) >= 4, name
        assert "ℝ" in pieces[-1].get_text()
