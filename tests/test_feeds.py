"""Atom feeds and robots.txt: the bundled blog's feeds read back with feedparser and ElementTree,
checked against the posts' own front matter."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit

import feedparser
import pytest
from bs4 import BeautifulSoup
from conftest import REPO
from frontmatter import Front, build_site, front_matter, read_config, site_posts

BASE = "https://example.org/blog/"
ROOT = urlsplit(BASE).path  # `/blog/`: where root-relative links start
ATOM = "{http://www.w3.org/2005/Atom}"
XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"
FEED_SIZE = 20
URL_ATTRS = ("href", "src", "poster")

# --- the bundled blog's posts --------------------------------------------------------------


def post_url(post: Front) -> str:
    """The post's absolute URL below the base URL."""
    return BASE + post.path


SITE_CONFIG = read_config(REPO)
POSTS = site_posts(REPO)
BY_URL = {post_url(post): post for post in POSTS}


@pytest.fixture(scope="module")
def public(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled blog, built once for this module with an absolute base URL."""
    return build_site(REPO, tmp_path_factory.mktemp("feeds") / "public", BASE)


@pytest.fixture(scope="module")
def site_feed(public: Path) -> feedparser.FeedParserDict:
    return parse_feed(public / "atom.xml")


@pytest.fixture(scope="module")
def contents(public: Path) -> dict[str, str]:
    """Each entry's content in the site feed, as the raw XML holds it, by the entry's link."""
    root = ET.parse(public / "atom.xml").getroot()
    return {
        entry.find(f"{ATOM}link[@rel='alternate']").get("href"): entry.find(f"{ATOM}content").text
        for entry in root.iter(f"{ATOM}entry")
    }


@pytest.fixture(scope="module")
def bodies(contents: dict[str, str]) -> dict[str, BeautifulSoup]:
    return {link: BeautifulSoup(html, "html.parser") for link, html in contents.items()}


def head(path: Path) -> BeautifulSoup:
    """The parsed `<head>` of a built page (the body is not needed, and is large)."""
    return BeautifulSoup(path.read_text("utf-8").split("</head>", 1)[0], "html.parser")


def parse_feed(path: Path) -> feedparser.FeedParserDict:
    """feedparser's view of a feed, with its own URL resolution off so it cannot hide ours."""
    feed = feedparser.parse(path.read_bytes(), resolve_relative_uris=False, sanitize_html=False)
    assert not feed.bozo, f"{path}: {feed.get('bozo_exception')}"
    assert feed.version == "atom10"
    return feed


def output_file(public: Path, url: str) -> Path:
    """The built file an absolute or root-relative URL of the site names."""
    path = unquote(urlsplit(url).path)
    assert path.startswith(ROOT), url
    rel = path[len(ROOT) :]
    return public / rel / "index.html" if rel == "" or rel.endswith("/") else public / rel


def content_urls(body: BeautifulSoup) -> list[str]:
    """Every URL in an entry's HTML: href, src, poster and each srcset candidate."""
    urls = []
    for tag in body.find_all(True):
        urls += [tag[name] for name in URL_ATTRS if tag.has_attr(name)]
        if tag.has_attr("srcset"):
            urls += [part.strip().split(" ")[0] for part in tag["srcset"].split(",")]
    return urls


# --- the site's feed -----------------------------------------------------------------------


def test_site_feed_holds_the_twenty_newest_posts_in_order(public: Path, site_feed) -> None:
    assert len(POSTS) > FEED_SIZE, "the bundled blog should have more posts than the feed holds"
    feed = site_feed
    newest = POSTS[:FEED_SIZE]
    assert len(feed.entries) == FEED_SIZE
    assert [entry.link for entry in feed.entries] == [post_url(post) for post in newest]
    assert [entry.title for entry in feed.entries] == [post.title for post in newest]
    for entry, post in zip(feed.entries, newest, strict=True):
        assert entry.id == post_url(post)
        assert datetime.fromisoformat(entry.published) == post.date
        assert datetime.fromisoformat(entry.updated) == (post.updated or post.date)
        assert tuple(tag.term for tag in entry.tags) == post.tags
    published = [datetime.fromisoformat(entry.published) for entry in feed.entries]
    assert published == sorted(published, reverse=True)
    assert datetime.fromisoformat(feed.feed.updated) == max(p.updated or p.date for p in newest)
    assert feed.feed.title == SITE_CONFIG["title"]


def test_site_feed_content_is_full_html_with_mathml(
    public: Path, site_feed, contents, bodies
) -> None:
    assert any("<math" in entry.content[0].value for entry in site_feed.entries)
    for entry in site_feed.entries:
        (content,) = entry.content
        assert content.type == "text/html"
        assert content.value == contents[entry.link].strip()  # feedparser and ElementTree agree
        body = bodies[entry.link]
        # Full content, not an excerpt: every section heading and formula of the post is there.
        page = BeautifulSoup(output_file(public, entry.link).read_text("utf-8"), "html.parser")
        headings = [h.get("id") for h in page.select(".content :is(h2, h3, h4)")]
        assert [h.get("id") for h in body.find_all(["h2", "h3", "h4"])] == headings
        assert len(body.find_all("math")) == len(page.select(".content math"))


def test_every_url_in_the_site_feed_is_absolute_below_the_base_url(
    public: Path, site_feed, bodies
) -> None:
    root = ET.parse(public / "atom.xml").getroot()
    feed_urls = [el.get("href") for el in root.iter(f"{ATOM}link")]
    feed_urls += [el.text for el in root.iter(f"{ATOM}id")]
    feed_urls += [el.get(XML_BASE) for el in root.iter() if el.get(XML_BASE) is not None]
    feed_urls += [el.get("scheme") for el in root.iter(f"{ATOM}category")]
    assert feed_urls and all(url and url.startswith(BASE) for url in feed_urls), feed_urls
    seen = 0
    for link, body in bodies.items():
        post = BY_URL[link]
        for url in content_urls(body):
            seen += 1
            parts = urlsplit(url)
            assert parts.scheme in ("http", "https") and parts.netloc, (link, url)
            # Only links the author wrote out in full may lead elsewhere.
            if url not in post.source:
                assert url.startswith(BASE), (link, url)
    assert seen > len(bodies), "the feed's content should hold links and images"
    # feedparser reads the same links.
    assert all(link.href.startswith(BASE) for link in site_feed.feed.links)
    for entry in site_feed.entries:
        assert all(link.href.startswith(BASE) for link in entry.links)


def test_bundle_images_in_the_feed_point_at_the_posts_folder(public: Path, bodies) -> None:
    images = 0
    for link, body in bodies.items():
        post = BY_URL[link]
        for img in body.find_all("img"):
            images += 1
            src = img["src"]
            assert src.startswith(post_url(post)), (post_url(post), src)
            built = output_file(public, src)
            assert built.is_file(), src
            original = post.folder / unquote(src[len(post_url(post)) :])
            assert built.read_bytes() == original.read_bytes()
    assert images >= 1


def test_every_page_links_to_the_site_feed(public: Path) -> None:
    pages = sorted(public.rglob("*.html"))
    assert pages
    for page in pages:
        links = head(page).select('link[rel="alternate"][type="application/atom+xml"]')
        hrefs = [link["href"] for link in links]
        assert f"{ROOT}atom.xml" in hrefs, page
        for href in hrefs:
            assert output_file(public, href).is_file(), (page, href)


# --- tag feeds --------------------------------------------------------------------------------


def tag_pages(public: Path) -> dict[str, Path]:
    """Each tag named on /tags/, with its page."""
    soup = BeautifulSoup((public / "tags/index.html").read_text("utf-8"), "html.parser")
    return {a.contents[0].strip(): output_file(public, a["href"]) for a in soup.select("main li a")}


def test_each_tag_has_a_feed_of_exactly_its_posts(public: Path) -> None:
    pages = tag_pages(public)
    assert set(pages) == {tag for post in POSTS for tag in post.tags}
    on_disk = sorted(public.glob("tags/**/atom.xml"))
    assert len(on_disk) == len(pages)
    for name, page in pages.items():
        alternates = head(page).select('link[rel="alternate"][type="application/atom+xml"]')
        (own,) = [link["href"] for link in alternates if link["href"] != f"{ROOT}atom.xml"]
        path = output_file(public, own)
        assert path.parent == page.parent and path.name == "atom.xml"
        feed = parse_feed(path)
        expected = [post for post in POSTS if name in post.tags][:FEED_SIZE]
        assert [entry.link for entry in feed.entries] == [post_url(post) for post in expected], name
        for entry in feed.entries:
            assert name in [tag.term for tag in entry.tags]
        (self_link,) = [link.href for link in feed.feed.links if link.rel == "self"]
        assert self_link.startswith(BASE) and output_file(public, self_link) == path
        assert name in feed.feed.title


# --- special characters ---------------------------------------------------------------------

NASTY_TITLE = """<b>"Q&A"</b> & 'single' 5 < 6 > 4 ]]> &amp; 😀 数学"""
NASTY_TAG = 'C&C "引号" <x>'


def test_special_characters_in_a_title_keep_the_feed_valid(make_site) -> None:
    site = make_site(
        {
            "blogsite.yaml": f"title: {json.dumps('站 & <站>', ensure_ascii=False)}\n",
            "content/posts/nasty.md": front_matter(
                title=NASTY_TITLE, date="2024-03-01", tags=[NASTY_TAG], summary="a < b & c"
            )
            + "正文 $x<y$ 与 `<code>`。\n",
        }
    )
    run = site.build("--base-url", BASE, "--no-search")
    assert run.code == 0, run.err
    for rel in (
        "atom.xml",
        *[p.relative_to(site.public).as_posix() for p in site.public.glob("tags/*/atom.xml")],
    ):
        root = ET.parse(site.public / rel).getroot()  # raises if not well-formed
        (entry,) = root.iter(f"{ATOM}entry")
        assert entry.find(f"{ATOM}title").text == NASTY_TITLE
        assert entry.find(f"{ATOM}summary").text == "a < b & c"
        assert [c.get("term") for c in entry.iter(f"{ATOM}category")] == [NASTY_TAG]
        feed = parse_feed(site.public / rel)
        assert feed.entries[0].title == NASTY_TITLE
        assert [tag.term for tag in feed.entries[0].tags] == [NASTY_TAG]
    assert len(list(site.public.glob("tags/*/atom.xml"))) == 1
    assert parse_feed(site.public / "atom.xml").feed.title == "站 & <站>"


# --- no host, no feeds; robots.txt ----------------------------------------------------------

SMALL_SITE = {
    "blogsite.yaml": "title: 小站\n",
    "content/posts/a.md": front_matter(title="A", date="2024-01-01", tags=["x", "y"]),
    "content/posts/b.md": front_matter(title="B", date="2024-01-02", tags=["x"]),
}


def atom_links(public: Path) -> list[str]:
    found = []
    for page in public.rglob("*.html"):
        found += [link["href"] for link in head(page).select('link[type="application/atom+xml"]')]
    return found


@pytest.mark.parametrize("base_url", [None, "/"])
def test_without_a_host_there_are_no_feeds_and_no_sitemap(make_site, base_url) -> None:
    site = make_site(SMALL_SITE)
    run = site.build("--no-search", *(["--base-url", base_url] if base_url else []))
    assert run.code == 0, run.err
    assert list(site.public.rglob("*.xml")) == []
    assert atom_links(site.public) == []
    assert not any("Atom" in a.get_text() for a in site.html("").select("footer a"))
    robots = (site.public / "robots.txt").read_text("utf-8")
    assert "User-agent" in robots
    assert "sitemap" not in robots.lower()


def test_with_a_host_robots_txt_names_the_sitemap(make_site) -> None:
    site = make_site(SMALL_SITE)
    assert site.build("--base-url", BASE, "--no-search").code == 0
    lines = (site.public / "robots.txt").read_text("utf-8").splitlines()
    assert [line for line in lines if line.lower().startswith("sitemap:")] == [
        f"Sitemap: {BASE}sitemap.xml"
    ]
    assert (site.public / "sitemap.xml").is_file()
    assert {p.relative_to(site.public).as_posix() for p in site.public.rglob("atom.xml")} == {
        "atom.xml",
        "tags/x/atom.xml",
        "tags/y/atom.xml",
    }
    assert len(atom_links(site.public)) >= len(list(site.public.rglob("*.html")))


@pytest.mark.parametrize("base_url", [None, BASE])
def test_a_sites_own_robots_txt_replaces_the_generated_one(make_site, base_url) -> None:
    own = "User-agent: *\nDisallow: /drafts/\n"
    site = make_site({**SMALL_SITE, "static/robots.txt": own})
    run = site.build("--no-search", *(["--base-url", base_url] if base_url else []))
    assert run.code == 0, run.err
    assert (site.public / "robots.txt").read_text("utf-8") == own
