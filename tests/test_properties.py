"""Property tests on open-ended input: any Markdown body renders to balanced HTML, and
any front matter is either accepted or refused with the project's own error.

Fixed seed (derandomize) and a bounded number of examples, so CI time is fixed."""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import ZoneInfo

import html5lib
from bs4 import BeautifulSoup
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markup_helpers import formulas, render

from blogsite.content import parse_front_matter
from blogsite.errors import BlogsiteError
from blogsite.model import Source

PROPERTY = settings(
    max_examples=300, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck)
)
# Elements with no end tag, in HTML and in the MathML the renderer writes.
VOID = {
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
    "track", "wbr", "mspace",
}  # fmt: skip


class Balance(HTMLParser):
    """Every element opened is closed, in order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.mismatched: list[tuple[str, list[str]]] = []

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag not in VOID:
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        if self.open and self.open[-1] == tag:
            self.open.pop()
        else:
            self.mismatched.append((tag, list(self.open)))


def balanced(html: str) -> bool:
    checker = Balance()
    checker.feed(html)
    checker.close()
    return not checker.open and not checker.mismatched


# Pieces of Markdown that interact: delimiters, math, code fences, links, CJK punctuation.
PIECES = st.sampled_from(
    [
        "*", "_", "`", "$", "$$", "\\(", "\\)", "\\[", "\\]", "[", "]", "(", ")", "!", "<",
        ">", "#", "- ", "1. ", "|", "\n", "\n\n", "  ", "x", "中文", "，", "。", "```",
        ":::", "~~", "^", "{", "}", "\\", "&", "<!--more-->", "https://a.b/c", "---",
        "[^1]", "<b>", "</b>", "\\frac{a}{b}", "=", "+",
    ]
)  # fmt: skip


def html5_errors(html: str) -> list[object]:
    """What an HTML5 parser (html5lib, as browsers parse) finds wrong in a fragment."""
    parser = html5lib.HTMLParser(namespaceHTMLElements=False)
    parser.parseFragment(html, container="div")
    return list(parser.errors)


# The author's own HTML (`<b>`, `</b>`, or `<` and `>` pieces that meet as a tag) is kept
# as written, right or wrong; everything else the renderer writes must be faultless.
RAW_HTML = re.compile(r"<(?!!--more-->)[a-zA-Z/!?]")


@PROPERTY
@given(st.lists(PIECES, max_size=40).map("".join))
def test_any_body_renders_to_balanced_html(body: str) -> None:
    rendered = render(body)  # never raises: math errors are diagnostics
    raw_html = bool(RAW_HTML.search(body))
    for html in (rendered.html, rendered.more_html or "", rendered.auto_summary_html):
        if not raw_html:
            assert balanced(html), (body, html)
            assert html5_errors(html) == [], (body, html, html5_errors(html))


def test_the_html5_check_sees_what_a_browser_would_repair() -> None:
    assert html5_errors("<p>a <em>b</em> &amp; <math><mi>x</mi></math></p>") == []
    assert html5_errors("<p><em>a</p></em>") != []
    assert html5_errors("<p>a &notanentity b <div></span>") != []


# Long prose with entities, inline and display math, and code: the automatic excerpt
# must cut it between pieces, never inside one.
PROSE = st.sampled_from(
    [
        "中文句子，写得长一些才会被截断。", "Some English words here. ", "$x^2+y^2$",
        "$\\frac{a}{b}$", "&amp;", "&lt;", "&#x4e2d;", "&copy;", "A&B", "`a<b>&c`", "**粗体**",
        "\n\n", "\n\n$$\\sum_i x_i$$\n\n", "[链接](/a/)", "这是一个很长很长的句子" * 3,
    ]
)  # fmt: skip


@PROPERTY
@given(st.lists(PROSE, min_size=1, max_size=60).map("".join))
def test_an_excerpt_never_cuts_a_tag_an_entity_or_a_formula(body: str) -> None:
    rendered = render(body)
    summary = rendered.auto_summary_html
    assert html5_errors(summary) == [], (body, summary)
    assert balanced(summary), (body, summary)
    # Every `&` starts a whole entity.
    assert all(
        re.match(r"&(?:#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);", summary[m.start() :])
        for m in re.finditer("&", summary)
    ), (body, summary)
    # Every formula shown is one of the post's own formulas, whole.
    whole = {str(f) for f in formulas(BeautifulSoup(rendered.html, "html.parser"))}
    for formula in formulas(BeautifulSoup(summary, "html.parser")):
        assert str(formula) in whole, (body, str(formula))


def test_the_balance_check_sees_a_misnested_or_unclosed_element() -> None:
    assert balanced("<p>a<em>b</em><br><math><mi>x</mi></math></p>")
    assert not balanced("<p><em>a</p></em>")
    assert not balanced("<p>a")


SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
    st.dates().map(date.isoformat),
    st.datetimes().map(datetime.isoformat),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=6,
)
KEYS = st.sampled_from(["title", "date", "updated", "tags", "summary", "draft", "slug", "toc"])


@PROPERTY
@given(st.dictionaries(KEYS | st.text(max_size=8), VALUES, max_size=8))
def test_any_front_matter_is_accepted_or_refused_with_our_error(front: dict) -> None:
    # JSON is YAML: any mapping of these values can be written as front matter.
    text = "---\n" + json.dumps(front, ensure_ascii=False) + "\n---\n正文。\n"
    source = Source(Path("content/posts/p.md"), "post", "p", None, text)
    try:
        meta = parse_front_matter(source, ZoneInfo("Asia/Shanghai"))
    except BlogsiteError as exc:
        assert str(exc).startswith("content/posts/p.md:"), str(exc)
    else:
        assert meta.title and meta.date.tzinfo is not None


# Titles and tags as an author might write them, with characters that need escaping.
NAMES = st.text(
    st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from("<>&\"'`$#/\\"),
    min_size=1,
    max_size=12,
).filter(lambda name: name.strip())


@settings(max_examples=12, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(title=NAMES, tag=NAMES)
def test_any_title_or_tag_keeps_every_output_well_formed(
    tmp_path_factory, title: str, tag: str
) -> None:
    from xml.etree import ElementTree

    from blogsite.build import BuildOptions, build

    site = tmp_path_factory.mktemp("names")
    (site / "content/posts").mkdir(parents=True)
    (site / "blogsite.yaml").write_text("title: t\nbase_url: https://example.org/\n")
    front = {"title": title, "date": "2024-01-01", "tags": [tag]}
    text = "---\n" + json.dumps(front, ensure_ascii=False) + "\n---\n正文。\n"
    (site / "content/posts/p.md").write_text(text, encoding="utf-8")
    try:
        build(BuildOptions(source=site, search=False, cache=False))
    except BlogsiteError:
        return  # refused with our own error: a tag whose page would clash, say
    public = site / "public"
    for page in public.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert balanced(html), page
        parser = html5lib.HTMLParser(namespaceHTMLElements=False)
        parser.parse(html)
        assert parser.errors == [], (page, parser.errors)
        for script in BeautifulSoup(html, "html.parser").select(
            'script[type="application/ld+json"]'
        ):
            json.loads(script.string)
    for feed in (public / "atom.xml", public / "sitemap.xml"):
        ElementTree.fromstring(feed.read_bytes())
    post = BeautifulSoup((public / "posts/p/index.html").read_text(encoding="utf-8"), "html.parser")
    assert post.find("h1").get_text() == title.strip()
    assert tag.strip() in [a.get_text() for a in post.select(".tags a")]
