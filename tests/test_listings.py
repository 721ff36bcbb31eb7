"""Lists of posts: the sitemap, tag pages, the archives and related posts, checked against the
front matter the posts were built from."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit
from zoneinfo import ZoneInfo

import pytest
from bs4 import BeautifulSoup
from conftest import REPO
from frontmatter import Front, build_site, front_matter, read_config, site_posts

BASE = "https://example.org/blog/"
ROOT = urlsplit(BASE).path
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
NOT_LISTED = {"404.html", "search/index.html"}

# --- front matter ----------------------------------------------------------------------------


def post_file(**fields: object) -> str:
    """A post's whole file: front matter (see `front_matter`) and a one-line body."""
    return front_matter(**fields) + "正文。\n"


# --- reading built pages ----------------------------------------------------------------------


def output_file(public: Path, url: str, root: str = ROOT) -> Path:
    """The built file a URL of the site names (`x/` → `x/index.html`)."""
    path = unquote(urlsplit(url).path)
    assert path.startswith(root), url
    rel = path[len(root) :]
    return public / rel / "index.html" if rel == "" or rel.endswith("/") else public / rel


def parse(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text("utf-8"), "html.parser")


def entry_paths(page: BeautifulSoup, root: str = ROOT) -> list[str]:
    """The posts a list page shows, as paths below the site root."""
    hrefs = [a["href"] for a in page.select("main article.entry h2 a")]
    assert all(href.startswith(root) for href in hrefs), hrefs
    return [href[len(root) :] for href in hrefs]


def walk_pages(public: Path, first: Path, root: str = ROOT) -> list[BeautifulSoup]:
    """A paginated list from its first page on, following each page's `rel=next` link."""
    pages, path = [], first
    while True:
        page = parse(path)
        pages.append(page)
        following = page.select_one("nav.pagination a[rel=next]")
        if following is None:
            return pages
        path = output_file(public, following["href"], root)
        assert len(pages) < 100


def tag_links(public: Path, root: str = ROOT) -> dict[str, tuple[Path, int]]:
    """Each tag on /tags/ with its page and the count shown beside it."""
    return {
        a.contents[0].strip(): (
            output_file(public, a["href"], root),
            int(a.select_one(".count").get_text()),
        )
        for a in parse(public / "tags/index.html").select("main li a")
    }


# --- the bundled blog -------------------------------------------------------------------------

POSTS = site_posts(REPO)
PAGINATE = read_config(REPO).get("paginate", 12)


@pytest.fixture(scope="module")
def public(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled blog, built once for this module with an absolute base URL."""
    return build_site(REPO, tmp_path_factory.mktemp("listings") / "public", BASE)


def sitemap(public: Path) -> dict[str, str | None]:
    """The sitemap's rows: loc → lastmod (None when absent)."""
    root = ET.parse(public / "sitemap.xml").getroot()
    assert root.tag == f"{SITEMAP}urlset"
    rows = [
        (url.findtext(f"{SITEMAP}loc"), url.findtext(f"{SITEMAP}lastmod"))
        for url in root.iter(f"{SITEMAP}url")
    ]
    locs = [loc for loc, _ in rows]
    assert len(locs) == len(set(locs)), "a page is listed twice"
    return dict(rows)


def test_sitemap_lists_every_html_page_and_only_existing_ones(public: Path) -> None:
    rows = sitemap(public)
    listed = set()
    for loc in rows:
        assert loc.startswith(BASE), loc
        path = output_file(public, loc)
        assert path.is_file(), loc
        listed.add(path.relative_to(public).as_posix())
    pages = {p.relative_to(public).as_posix() for p in public.rglob("*.html")}
    assert pages >= NOT_LISTED
    assert listed == pages - NOT_LISTED


def test_sitemap_lastmod_of_posts_is_updated_or_date(public: Path) -> None:
    rows = sitemap(public)
    for post in POSTS:
        lastmod = rows[BASE + post.path]
        assert lastmod is not None, post.slug
        assert datetime.fromisoformat(lastmod) == (post.updated or post.date), post.slug


def test_sitemap_lastmod_uses_updated_when_given(make_site) -> None:
    site = make_site(
        {
            "blogsite.yaml": "timezone: Asia/Shanghai\n",
            "content/posts/edited.md": post_file(
                title="改过", date="2024-01-01T08:00:00", updated="2024-05-06T07:08:09+02:00"
            ),
            "content/posts/plain.md": post_file(title="没改", date="2024-02-01"),
            "content/about.md": post_file(title="关于", date="2023-01-01"),
        }
    )
    assert site.build("--base-url", "https://example.org/", "--no-search").code == 0
    rows = sitemap(site.public)
    posts = site_posts(site.root)
    assert [p.slug for p in posts] == ["plain", "edited"]
    for post in posts:
        lastmod = datetime.fromisoformat(rows[f"https://example.org/{post.path}"])
        assert lastmod == (post.updated or post.date)
    assert datetime.fromisoformat(rows["https://example.org/about/"]) == datetime.fromisoformat(
        "2023-01-01T00:00:00+08:00"
    )
    # The index changed when its newest post did.
    assert datetime.fromisoformat(rows["https://example.org/"]) == max(
        p.updated or p.date for p in posts
    )


def test_tags_page_lists_every_tag_with_its_count(public: Path) -> None:
    tags = tag_links(public)
    expected = {tag for post in POSTS for tag in post.tags}
    assert set(tags) == expected
    for name, (page, count) in tags.items():
        assert count == sum(name in post.tags for post in POSTS), name
        assert page.is_file(), name


def test_tag_pages_list_exactly_the_posts_with_that_tag(public: Path) -> None:
    for name, (first, _) in tag_links(public).items():
        expected = [post.path for post in POSTS if name in post.tags]
        pages = walk_pages(public, first)
        shown = [path for page in pages for path in entry_paths(page)]
        assert shown == expected, name
        sizes = [len(entry_paths(page)) for page in pages]
        assert all(size == PAGINATE for size in sizes[:-1]) and 1 <= sizes[-1] <= PAGINATE
        for page in pages:
            assert page.select_one(".breadcrumb a")["href"] == f"{ROOT}tags/"
            assert page.select("main article.entry .excerpt")


def test_archives_group_every_post_under_its_year_newest_first(public: Path) -> None:
    check_archives(parse(public / "archives/index.html"), POSTS, ROOT)


def check_archives(page: BeautifulSoup, posts: list[Front], root: str) -> None:
    sections = page.select("main section.archive-year")
    years = [int(section.find("h2").contents[0].strip()) for section in sections]
    expected_years = sorted({post.date.year for post in posts}, reverse=True)
    assert years == expected_years
    for year, section in zip(years, sections, strict=True):
        hrefs = [a["href"] for a in section.select("li a")]
        assert hrefs == [root + p.path for p in posts if p.date.year == year], year
        assert int(section.select_one("h2 .count").get_text()) == len(hrefs)


def test_archives_span_several_years(make_site) -> None:
    dates = ["2022-03-01", "2024-12-31T23:00:00", "2023-06-01", "2024-01-01T00:30:00", "2022-12-31"]
    files = {
        f"content/posts/p{i}.md": post_file(title=f"第{i}篇", date=day, tags=["共同"])
        for i, day in enumerate(dates)
    }
    site = make_site({"blogsite.yaml": "timezone: Asia/Shanghai\n", **files})
    assert site.build("--no-search").code == 0
    check_archives(site.html("archives/"), site_posts(site.root), "/")


def test_archives_years_stay_in_order_with_mixed_utc_offsets(make_site) -> None:
    """Dates written with different offsets near New Year: each year is one section.

    A post belongs to its year as written or as seen in the site's time zone; either way
    no year may appear twice, years go newest first, and posts within a year newest first.
    """
    site = make_site(
        {
            "blogsite.yaml": "timezone: Asia/Shanghai\n",
            # 2024-12-31T17:00Z
            "content/posts/a.md": post_file(title="A", date="2025-01-01T01:00:00+08:00"),
            # 2024-12-31T20:00Z: newer than A, but written in the year before
            "content/posts/b.md": post_file(title="B", date="2024-12-31T20:00:00+00:00"),
            # 2024-12-31T10:00Z
            "content/posts/c.md": post_file(title="C", date="2024-12-31T10:00:00+00:00"),
        }
    )
    assert site.build("--no-search").code == 0
    posts = {f"/{p.path}": p for p in site_posts(site.root)}
    sections = site.html("archives/").select("main section.archive-year")
    years = [int(section.find("h2").contents[0].strip()) for section in sections]
    assert years == sorted(set(years), reverse=True), f"year sections: {years}"
    shown = []
    for year, section in zip(years, sections, strict=True):
        group = [posts[a["href"]] for a in section.select("li a")]
        for post in group:
            assert year in (post.date.year, post.date.astimezone(ZoneInfo("Asia/Shanghai")).year)
        assert [p.date for p in group] == sorted((p.date for p in group), reverse=True)
        shown += group
    assert sorted(p.slug for p in shown) == sorted(p.slug for p in posts.values())


# --- tag pagination -------------------------------------------------------------------------


def test_tag_pages_paginate_like_the_index(make_site) -> None:
    files = {
        f"content/posts/p{i}.md": post_file(
            title=f"文章{i}", date=f"2024-02-{i + 1:02d}", tags=["共同", f"单{i}"]
        )
        for i in range(5)
    }
    site = make_site({"blogsite.yaml": "paginate: 2\n", **files})
    assert site.build("--no-search").code == 0
    posts = site_posts(site.root)
    tags = tag_links(site.public, "/")
    first, count = tags["共同"]
    assert count == len(posts) == 5
    assert first == site.public / "tags/共同/index.html"
    pages = walk_pages(site.public, first, "/")
    assert [entry_paths(page, "/") for page in pages] == [
        [p.path for p in posts[i : i + 2]] for i in range(0, len(posts), 2)
    ]
    # Pages 2 and 3 live below the tag's page, like the index's /page/2/; there is no page 1.
    assert (site.public / "tags/共同/page/2/index.html").is_file()
    assert (site.public / "tags/共同/page/3/index.html").is_file()
    assert not (site.public / "tags/共同/page/4").exists()
    assert not (site.public / "tags/共同/page/1").exists()
    base = "/" + quote("tags/共同/")
    for number, page in enumerate(pages, start=1):
        numbers = [a["href"] for a in page.select("nav.pagination ol a")]
        assert numbers == [base, f"{base}page/2/", f"{base}page/3/"]
        current = page.select_one("nav.pagination a[aria-current=page]")
        assert current.get_text() == str(number)
        previous = page.select_one("nav.pagination a[rel=prev]")
        assert (previous is None) == (number == 1)
        assert page.select_one(".breadcrumb a")["href"] == "/tags/"
    assert pages[1].select_one("nav.pagination a[rel=prev]")["href"] == base
    # A tag with a single post has one page and no pagination.
    single = parse(tags["单0"][0])
    assert entry_paths(single, "/") == ["posts/p0/"]
    assert single.select_one("nav.pagination") is None


# --- related posts --------------------------------------------------------------------------

RELATED_SITE = {
    # The post whose related list is checked by hand below.
    "me": (["a", "b", "c"], "2024-06-15"),
    "three-far": (["a", "b", "c"], "2023-01-01"),  # most shared tags wins, however old
    "two-before": (["a", "b"], "2024-06-10"),  # 5 days before
    "two-after": (["b", "c"], "2024-06-20"),  # 5 days after: tie, the newer first
    "two-far": (["a", "c"], "2024-01-01"),  # two shared, but further away
    "one-close": (["c"], "2024-06-16"),  # one shared: behind every two-tag post
    "none-close": (["z"], "2024-06-15T01:00:00"),  # nothing shared: never related
    "alone": (["y"], "2024-03-01"),
}


def expected_related(post: Front, posts: list[Front]) -> list[str]:
    """The rule: most shared tags, then nearest in date, then newer; none without a shared tag."""
    candidates = [
        other for other in posts if other is not post and set(other.tags) & set(post.tags)
    ]
    candidates.sort(
        key=lambda o: (
            -len(set(o.tags) & set(post.tags)),
            abs(o.date - post.date),
            -o.date.timestamp(),
        )
    )
    return [other.path for other in candidates[:3]]


def related_paths(page: BeautifulSoup) -> list[str] | None:
    aside = page.select_one("aside.related")
    if aside is None:
        return None
    return [a["href"].removeprefix("/") for a in aside.select("li a")]


def test_related_posts_rank_by_shared_tags_then_date(make_site) -> None:
    files = {
        f"content/posts/{slug}.md": post_file(title=slug, date=day, tags=tags)
        for slug, (tags, day) in RELATED_SITE.items()
    }
    site = make_site(files)
    assert site.build("--no-search").code == 0
    assert related_paths(site.html("posts/me/")) == [
        "posts/three-far/",
        "posts/two-after/",
        "posts/two-before/",
    ]
    assert related_paths(site.html("posts/alone/")) is None
    posts = site_posts(site.root)
    for post in posts:
        shown = related_paths(site.html(post.path))
        expected = expected_related(post, posts)
        assert (shown or []) == expected, post.slug
        assert shown is None or 1 <= len(shown) <= 3
        for path in shown or []:
            other = next(p for p in posts if p.path == path)
            assert set(other.tags) & set(post.tags), (post.slug, path)
    # `none-close` shares no tag with `me`, though it is the nearest in date.
    assert "posts/none-close/" not in (related_paths(site.html("posts/me/")) or [])
    assert related_paths(site.html("posts/none-close/")) is None
