"""Property tests on open-ended input: any Markdown body renders to balanced HTML, and
any front matter is either accepted or refused with the project's own error.

Fixed seed (derandomize) and a bounded number of examples, so CI time is fixed."""

from __future__ import annotations

import json
from datetime import date, datetime
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markup_helpers import render

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


@PROPERTY
@given(st.lists(PIECES, max_size=40).map("".join))
def test_any_body_renders_to_balanced_html(body: str) -> None:
    rendered = render(body)  # never raises: math errors are diagnostics
    raw_html = "<b>" in body or "</b>" in body  # the author's own HTML is kept as written
    for html in (rendered.html, rendered.more_html or "", rendered.auto_summary_html):
        assert raw_html or balanced(html), (body, html)


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

    from bs4 import BeautifulSoup

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
        for script in BeautifulSoup(html, "html.parser").select(
            'script[type="application/ld+json"]'
        ):
            json.loads(script.string)
    for feed in (public / "atom.xml", public / "sitemap.xml"):
        ElementTree.fromstring(feed.read_bytes())
    post = BeautifulSoup((public / "posts/p/index.html").read_text(encoding="utf-8"), "html.parser")
    assert post.find("h1").get_text() == title.strip()
    assert tag.strip() in [a.get_text() for a in post.select(".tags a")]
