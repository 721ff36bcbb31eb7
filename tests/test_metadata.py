"""What a page tells machines: meta description, canonical link, Open Graph, JSON-LD, and the
anchors that give each section of a post an address."""

from __future__ import annotations

import itertools
import json
import re
import xml.etree.ElementTree as ET
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
from bs4 import BeautifulSoup
from conftest import REPO
from frontmatter import Front, build_site, front_matter, site_posts
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

BASE = "https://example.org/blog/"
ROOT = urlsplit(BASE).path
ATOM = "{http://www.w3.org/2005/Atom}"

POSTS = site_posts(REPO)


@pytest.fixture(scope="module")
def public(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled blog, built once for this module with an absolute base URL."""
    return build_site(REPO, tmp_path_factory.mktemp("metadata") / "public", BASE)


def parse(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text("utf-8"), "html.parser")


def built(public: Path, post: Front) -> BeautifulSoup:
    return parse(public / unquote(post.path) / "index.html")


def built_head(public: Path, post: Front) -> BeautifulSoup:
    """Only the `<head>` of a post's page: what this file's metadata tests read."""
    text = (public / unquote(post.path) / "index.html").read_text("utf-8")
    return BeautifulSoup(text.split("</head>", 1)[0], "html.parser")


def meta(soup: BeautifulSoup, key: str) -> list[str]:
    """Contents of the `<meta>` tags with this `property` or `name`."""
    found = soup.find_all("meta", attrs={"property": key}) + soup.find_all(
        "meta", attrs={"name": key}
    )
    return [tag["content"] for tag in found]


def json_ld(soup: BeautifulSoup) -> list[Any]:
    return [
        json.loads(script.string)
        for script in soup.find_all("script", attrs={"type": "application/ld+json"})
    ]


def index_entries(public: Path) -> dict[str, BeautifulSoup]:
    """Each post's entry on the index pages, by its path below the site root."""
    entries: dict[str, BeautifulSoup] = {}
    page: Path | None = public / "index.html"
    while page is not None:
        soup = parse(page)
        for entry in soup.select("main article.entry"):
            entries[entry.find("h2").find("a")["href"].removeprefix(ROOT)] = entry
        following = soup.select_one("nav.pagination a[rel=next]")
        page = None
        if following is not None:
            page = public / unquote(following["href"].removeprefix(ROOT)) / "index.html"
    return entries


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


# --- a post whose excerpt holds a formula -----------------------------------------------------


def test_post_head_metadata_with_math_in_the_excerpt(public: Path) -> None:
    entries = index_entries(public)
    assert list(entries) == [post.path for post in POSTS]
    post = next(p for p in POSTS if entries[p.path].select_one(".excerpt math") is not None)
    excerpt = entries[post.path].select_one(".excerpt")
    soup = built(public, post)
    url = BASE + post.path

    (description,) = meta(soup, "description")
    assert description
    for forbidden in ("<", ">", "\\", "$"):
        assert forbidden not in description, forbidden
    visible = excerpt.get_text()
    for name in {tag.name for math in excerpt.find_all("math") for tag in math.find_all(True)}:
        if not re.search(rf"\b{name}\b", visible):
            assert not re.search(rf"\b{name}\b", description), name
    assert "math" not in description.lower() or "math" in visible.lower()
    # The excerpt's own text, formulas as their symbols (the description may be cut short).
    assert squeeze(visible).startswith(squeeze(description).removesuffix("…"))
    assert meta(soup, "og:description") == [description]

    assert [link["href"] for link in soup.select('link[rel="canonical"]')] == [url]
    assert meta(soup, "og:url") == [url]
    assert meta(soup, "og:type") == ["article"]
    assert meta(soup, "og:title") == [post.title]
    assert meta(soup, "twitter:card")
    (published,) = meta(soup, "article:published_time")
    assert datetime.fromisoformat(published) == post.date
    modified = meta(soup, "article:modified_time")
    assert [datetime.fromisoformat(m) for m in modified] == ([post.updated] if post.updated else [])
    assert meta(soup, "article:tag") == list(post.tags)

    (data,) = json_ld(soup)
    assert data["@type"] == "BlogPosting"
    assert data["headline"] == post.title
    assert datetime.fromisoformat(data["datePublished"]) == post.date
    assert data["url"] == url
    assert data["description"] == description


def test_every_bundled_post_has_its_own_metadata(public: Path) -> None:
    for post in POSTS:
        soup = built_head(public, post)
        url = BASE + post.path
        assert [link["href"] for link in soup.select('link[rel="canonical"]')] == [url]
        assert meta(soup, "og:url") == [url]
        assert meta(soup, "og:title") == [post.title]
        assert meta(soup, "og:type") == ["article"]
        (published,) = meta(soup, "article:published_time")
        assert datetime.fromisoformat(published) == post.date
        assert meta(soup, "article:tag") == list(post.tags)
        (data,) = json_ld(soup)
        assert (data["@type"], data["headline"]) == ("BlogPosting", post.title)
        assert data["keywords"] == list(post.tags)
        (description,) = meta(soup, "description")
        assert "<" not in description and "\\" not in description and "$" not in description
    index = parse(public / "index.html")
    assert meta(index, "og:type") == ["website"]
    assert json_ld(index) == []
    assert [link["href"] for link in index.select('link[rel="canonical"]')] == [BASE]


def test_updated_posts_say_when_they_were_modified(make_site) -> None:
    site = make_site(
        {
            "blogsite.yaml": "timezone: Asia/Shanghai\n",
            "content/posts/edited.md": front_matter(
                title="改过", date="2024-01-02", updated="2024-03-04T05:06:07+08:00", tags=["x"]
            )
            + "正文。\n",
            "content/posts/plain.md": front_matter(title="没改", date="2024-01-01") + "正文。\n",
        }
    )
    assert site.build("--base-url", "https://example.org/", "--no-search").code == 0
    edited, plain = site.html("posts/edited/"), site.html("posts/plain/")
    updated = datetime.fromisoformat("2024-03-04T05:06:07+08:00")
    assert [datetime.fromisoformat(m) for m in meta(edited, "article:modified_time")] == [updated]
    assert meta(plain, "article:modified_time") == []
    assert datetime.fromisoformat(json_ld(edited)[0]["dateModified"]) == updated
    plain_data = json_ld(plain)[0]
    assert plain_data["dateModified"] == plain_data["datePublished"]
    # Without a host there is no absolute URL to give.
    assert site.build("--no-search").code == 0
    edited = site.html("posts/edited/")
    assert edited.select('link[rel="canonical"]') == [] and meta(edited, "og:url") == []
    (data,) = json_ld(edited)
    assert "url" not in data and data["headline"] == "改过"


# --- heading anchors --------------------------------------------------------------------------


def check_anchors(content: BeautifulSoup) -> int:
    """Each h2–h4 ends with `<a class="anchor" href="#id">#</a>`; returns how many there are."""
    headings = content.find_all(["h2", "h3", "h4"])
    ids = [heading.get("id") for heading in headings]
    assert all(ids) and len(set(ids)) == len(ids), ids
    for heading in headings:
        last = heading.contents[-1]
        assert getattr(last, "name", None) == "a", heading
        assert "anchor" in last.get("class", []), heading
        assert last["href"] == "#" + heading["id"]
        assert last.get_text() == "#"
        assert len(heading.select("a.anchor")) == 1
    assert len(content.select("a.anchor")) == len(headings)
    return len(headings)


def test_headings_of_every_bundled_post_end_with_an_anchor(public: Path) -> None:
    total = 0
    for post in POSTS:
        content = built(public, post).select_one("article.post .content")
        total += check_anchors(content)
    assert total >= len(POSTS)


def test_excerpts_on_list_pages_have_no_anchors(public: Path) -> None:
    lists = [public / "index.html", *public.glob("page/*/index.html")]
    lists += public.glob("tags/**/index.html")
    excerpts = 0
    for page in lists:
        for excerpt in parse(page).select("article.entry .excerpt"):
            excerpts += 1
            assert excerpt.select("a.anchor") == [], page
    assert excerpts >= 2 * len(POSTS)


def test_a_heading_before_the_more_mark_has_no_anchor_in_the_excerpt(make_site) -> None:
    body = "## 前言\n\n开头 $x$。\n\n### 小节\n\n更多。\n\n<!--more-->\n\n## 正文\n\n内容。\n"
    site = make_site({"content/posts/h.md": front_matter(title="H", date="2024-01-01") + body})
    assert site.build("--no-search").code == 0
    excerpt = site.html("").select_one("article.entry .excerpt")
    assert [h.get_text() for h in excerpt.find_all(["h2", "h3"])] == ["前言", "小节"]
    assert excerpt.select("a.anchor") == []
    assert excerpt.find("math") is not None
    content = site.html("posts/h/").select_one(".content")
    assert check_anchors(content) == 3


# --- any title and summary keep the head well-formed ------------------------------------------


def yaml_holds(char: str) -> bool:
    """Characters a JSON string (written as YAML) carries through unchanged, and XML allows."""
    code = ord(char)
    if char in "\t\n\r":
        return True
    return code >= 0x20 and not 0x7F <= code <= 0x9F and char not in "\ufffe\uffff"


CHARS = st.characters(blacklist_categories=("Cs",)).filter(yaml_holds)
# Arbitrary text, with pieces that mean something to HTML, XML, JSON or TeX mixed in often.
MARKUP = ["<", ">", "&", '"', "'", "\\", "$", "</title>", "<b>", "&amp;", "&#x41;", "]]>"]
MARKUP += ["<!--", "</script>", "\\u003c", "{{", "%}", "\r\n", " ", "😀", "中文"]
TEXT = st.lists(st.one_of(st.sampled_from(MARKUP), st.text(CHARS, max_size=6)), max_size=8).map(
    "".join
)
SITE_TITLE = "站点"
_examples = itertools.count()


def read_back(text: str) -> str:
    """What an HTML or XML parser reads back: every line end (CR LF, CR) becomes LF."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(title=TEXT.filter(lambda text: text.strip()), summary=TEXT)
def test_any_title_and_summary_keep_the_head_well_formed(make_site, title, summary) -> None:
    site = make_site(
        {
            "blogsite.yaml": f"title: {SITE_TITLE}\n",
            "content/posts/p.md": front_matter(title=title, date="2024-01-01", summary=summary)
            + "正文。\n",
        },
        name=f"example-{next(_examples)}",
    )
    run = site.build("--base-url", "https://example.org/", "--no-search")
    assert run.code == 0, run.err
    shown, described = title.strip(), summary.strip()
    # Parsers turn CR into LF (HTML and XML alike); JSON-LD keeps it, being JSON.
    parsed_title, parsed_summary = read_back(shown), read_back(described)
    soup = site.html("posts/p/")
    (page_title,) = soup.find_all("title")
    assert page_title.get_text() == f"{parsed_title} · {SITE_TITLE}"
    assert soup.find("h1").get_text() == parsed_title
    assert meta(soup, "og:title") == [parsed_title]
    assert meta(soup, "og:type") == ["article"]
    assert meta(soup, "og:url") == ["https://example.org/posts/p/"]
    assert meta(soup, "description") == ([parsed_summary] if described else [])
    (data,) = json_ld(soup)
    assert data["@type"] == "BlogPosting"
    assert data["headline"] == shown
    assert data["description"] == described
    root = ET.parse(site.public / "atom.xml").getroot()  # raises if not well-formed
    (entry,) = root.iter(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}title") == parsed_title
    assert entry.findtext(f"{ATOM}summary") == parsed_summary


# --- control characters ---------------------------------------------------------------------


@pytest.mark.parametrize("field", ["title", "summary"])
def test_a_control_character_in_front_matter_never_breaks_the_feed(make_site, field) -> None:
    """YAML carries `\\x01` (JSON writes it as `\\u0001`) but XML 1.0 cannot hold it at all.

    The build may refuse the post, naming its file; if it builds, the feed must stay XML.
    """
    fields = {"title": "标题", "date": "2024-01-01", field: "前\x01后"}
    site = make_site({"content/posts/p.md": front_matter(**fields) + "正文。\n"})
    run = site.build("--base-url", "https://example.org/", "--no-search")
    if run.code != 0:
        assert "p.md" in run.err
        return
    ET.parse(site.public / "atom.xml")  # raises if not well-formed
