"""Whole-site builds of fixture sites, checked on the parsed HTML they produce."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

import pytest
from conftest import post
from markup_helpers import formulas

from blogsite.build import BuildCache, BuildOptions, build_site
from blogsite.text import count_units

CONFIG = "title: 测试博客\nlanguage: zh-CN\ntimezone: Asia/Shanghai\n"
MATH_BODY = """
开头一段，设 $x_i$ 为输入，$\\mathcal{L}_{\\text{cls}} = -\\sum_c y_c \\log p_c$。

$$
\\operatorname{softmax}(z)_i = \\frac{e^{z_i}}{\\sum_j e^{z_j}}
$$

行内 \\(a^2 + b^2\\) 与块（`\\[` 只在一行开头才开始公式）
\\[ \\int_0^1 x\\,dx \\]

```python
price = "$5"  # $x$ stays code
```
"""


def many_posts(n: int) -> dict[str, str]:
    files = {"blogsite.yaml": CONFIG}
    for i in range(n):
        files[f"content/posts/p{i:02d}.md"] = post(
            f"文章 {i:02d}", f"2024-01-{i + 1:02d}", MATH_BODY, tags=["数学", f"t{i % 3}"]
        )
    return files


def titles(page) -> list[str]:
    return [a.get_text() for a in page.select("main article h2 a")]


@pytest.mark.parametrize("n", [13, 18, 24])
def test_index_is_paginated_by_twelve_newest_first(make_site, n: int) -> None:
    site = make_site(many_posts(n))
    assert site.build().code == 0
    first = site.html("")
    assert first.find("h1").get_text() == "Latest updates"
    assert titles(first) == [f"文章 {i:02d}" for i in range(n - 1, n - 13, -1)]
    second = site.html("page/2/")
    assert titles(second) == [f"文章 {i:02d}" for i in range(n - 13, -1, -1)]
    assert not (site.public / "page/3").exists()
    assert not (site.public / "page/1").exists()
    for page in (first, second):
        numbers = [a.get_text() for a in page.select("nav.pagination ol a")]
        assert numbers == ["1", "2"]
    assert first.select_one("nav.pagination a[rel=next]")["href"] == "/page/2/"
    assert second.select_one("nav.pagination a[rel=prev]")["href"] == "/"
    assert first.select_one("nav.pagination a[rel=prev]") is None


def test_index_entries_have_link_date_tags_and_excerpt(make_site) -> None:
    site = make_site(many_posts(13))
    site.build()
    entry = site.html("").select("main article")[0]
    link = entry.find("h2").find("a")
    assert link["href"] == "/posts/p12/"
    assert entry.find("time")["datetime"].startswith("2024-01-13T00:00:00+08:00")
    assert [a.get_text() for a in entry.select(".tags a")] == ["数学", "t0"]
    excerpt = entry.find(class_="excerpt")
    assert "开头一段" in excerpt.get_text()
    assert excerpt.find("math") is not None
    assert "$" not in excerpt.get_text()


def test_post_pages_have_math_and_no_raw_delimiters(make_site) -> None:
    site = make_site(many_posts(13))
    site.build()
    for i in range(13):
        page = site.html(f"posts/p{i:02d}/")
        content = page.find(class_="content")
        assert len(formulas(content)) == 5
        for code in content.find_all(["code", "pre"]):
            code.decompose()
        for math in content.find_all("math"):
            math.decompose()
        text = content.get_text()
        assert "$$" not in text and "\\(" not in text and "\\[" not in text and "$" not in text
    code = site.html("posts/p00/").find("pre")
    assert '"$5"' in code.get_text()


def test_post_page_parts(make_site) -> None:
    body = "## 一\n\n文字" + "很多字" * 300 + "\n\n## 二\n\n### 三\n\n内容\n"
    site = make_site(
        {
            "blogsite.yaml": CONFIG,
            "content/posts/old.md": post("旧文", "2024-01-01"),
            "content/posts/mid.md": post(
                "中间", "2024-02-01", body, updated="2024-03-05", tags=["a"]
            ),
            "content/posts/new.md": post("新文", "2024-03-01"),
        }
    )
    site.build()
    page = site.html("posts/mid/")
    assert page.find("h1").get_text() == "中间"
    times = [t["datetime"][:10] for t in page.select("article header time")]
    assert times == ["2024-02-01", "2024-03-05"]
    assert page.select_one(".reading-time").get_text() == "约 3 分钟读完"
    toc = [(a["href"], a.get_text()) for a in page.select("nav.toc a")]
    assert toc == [("#一", "一"), ("#二", "二"), ("#三", "三")]
    assert page.select_one("a.older")["href"] == "/posts/old/"
    assert page.select_one("a.newer")["href"] == "/posts/new/"
    assert site.html("posts/new/").select_one("a.newer") is None
    assert site.html("posts/old/").select_one("a.older") is None
    assert page.find("html")["lang"] == "zh-CN"


@pytest.mark.parametrize(
    ("headings", "toc_flag", "shown"),
    [(3, None, True), (2, None, False), (3, False, False), (2, True, True), (0, True, False)],
)
def test_toc_rule(make_site, headings: int, toc_flag: bool | None, shown: bool) -> None:
    body = "".join(f"## 标题{i}\n\n段落\n\n" for i in range(headings))
    front = {} if toc_flag is None else {"toc": toc_flag}
    site = make_site({"content/posts/a.md": post("A", "2024-01-01", body, **front)})
    site.build()
    assert (site.html("posts/a/").select_one("nav.toc") is not None) == shown


def test_excerpt_sources(make_site) -> None:
    long_text = "这是自动摘要的一句话。" * 40
    site = make_site(
        {
            "content/posts/more.md": post(
                "M", "2024-01-03", "摘要部分 $x$。\n\n<!--more-->\n\n正文部分。"
            ),
            "content/posts/summary.md": post(
                "S", "2024-01-02", "正文。", summary="'手写的 <摘要>'"
            ),
            "content/posts/auto.md": post("A", "2024-01-01", long_text),
        }
    )
    site.build()
    excerpts = {
        a.find("h2").get_text(): a.find(class_="excerpt")
        for a in site.html("").select("main article")
    }
    assert excerpts["M"].get_text().strip() == "摘要部分 x。"
    assert excerpts["M"].find("math") is not None
    assert excerpts["S"].get_text().strip() == "手写的 <摘要>"
    auto = excerpts["A"].get_text().strip()
    assert auto.endswith("。…")
    assert 90 <= sum(count_units(auto)) <= 150


def test_bundle_files_are_published_beside_the_post(make_site) -> None:
    svg = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>'
    site = make_site(
        {
            "content/posts/with-fig/index.md": post("图", "2024-01-01", "![示意](fig.svg)\n"),
            "content/posts/with-fig/fig.svg": svg,
            "content/posts/with-fig/data/table.csv": "a,b\n",
            "content/posts/with-fig/.fig.svg.swp": "junk",
        }
    )
    site.build()
    page_dir = site.public / "posts/with-fig"
    img = site.html("posts/with-fig/").find("img")
    assert (page_dir / img["src"]).read_text() == svg
    assert (page_dir / "data/table.csv").is_file()
    assert not (page_dir / ".fig.svg.swp").exists()
    assert not (page_dir / "index.md").exists()


def test_standalone_page_and_404_and_tags(make_site) -> None:
    site = make_site(
        {
            "blogsite.yaml": CONFIG,
            "content/about.md": post("关于", "2024-01-01", "这是关于页面。"),
            "content/posts/a.md": post("A", "2024-01-02", tags=["LeetCode", "哈希表"]),
            "content/posts/b.md": post("B", "2024-01-03", tags=["LeetCode"]),
        }
    )
    site.build()
    about = site.html("about/")
    assert about.find("h1").get_text() == "关于"
    assert "这是关于页面" in about.find("main").get_text()
    assert "/about/" in [a["href"] for a in site.html("").select("header nav a")]
    assert site.html("404.html").find("h1").get_text() == "页面不存在"
    tag = site.html("tags/LeetCode/")
    assert [a.get_text() for a in tag.select("main article.entry h2 a")] == ["B", "A"]
    assert tag.select_one(".breadcrumb a")["href"] == "/tags/"
    cloud = [a.contents[0].strip() for a in site.html("tags/").select("main li a")]
    assert cloud == ["LeetCode", "哈希表"]
    counts = [a.select_one(".count").get_text() for a in site.html("tags/").select("main li a")]
    assert counts == ["2", "1"]
    # Every tag link on the index leads to a page that exists.
    for a in site.html("").select(".tags a"):
        href = a["href"]
        assert (site.public / unquote(href).lstrip("/") / "index.html").is_file()


def test_drafts_and_future_posts(make_site) -> None:
    site = make_site(
        {
            "content/posts/draft.md": post("草稿", "2024-01-01", draft=True),
            "content/posts/future.md": post("未来", "2999-01-01"),
            "content/posts/now.md": post("现在", "2024-01-01"),
        }
    )
    site.build()
    assert titles(site.html("")) == ["现在"]
    assert not (site.public / "posts/draft").exists()
    site.build("--drafts", "--future")
    assert titles(site.html("")) == ["未来", "现在", "草稿"]


def test_site_template_overrides_default_and_sees_extra(make_site) -> None:
    site = make_site(
        {
            "content/posts/a.md": post("A", "2024-01-01", cover="pic.png"),
            "templates/post.html": '{% extends "base.html" %}{% block main %}'
            '<p id="cover">{{ post.extra.cover }}</p>{% endblock %}',
        }
    )
    site.build()
    page = site.html("posts/a/")
    assert page.find(id="cover").get_text() == "pic.png"
    assert page.find("header", class_="site-header") is not None  # base.html from the theme


def test_base_url_sub_path_prefixes_every_link(make_site) -> None:
    site = make_site(many_posts(13))
    site.build("--base-url", "https://example.org/blog/")
    for rel in ("", "page/2/", "posts/p00/", "tags/"):
        page = site.html(rel)
        links = [a["href"] for a in page.find_all("a") if a["href"].startswith("/")]
        links += [tag.get("href") or tag.get("src") for tag in page.find_all(["link", "script"])]
        links = [link for link in links if link]  # inline scripts (JSON-LD) have no URL
        assert links
        paths = [link.removeprefix("https://example.org") for link in links]
        assert all(path.startswith("/blog/") for path in paths), links


def test_second_build_writes_nothing_new(make_site) -> None:
    site = make_site(many_posts(13))
    first = site.build()
    assert re.search(r"\((\d+) written, 0 unchanged\)", first.out)
    again = site.build()
    assert "(0 written," in again.out
    before = {p: p.read_bytes() for p in site.public.rglob("*") if p.is_file()}
    site.write(
        "content/posts/p03.md", post("改过的", "2024-01-04", "新的正文。", tags=["数学", "t0"])
    )
    third = site.build("--no-search")
    written = int(re.search(r"\((\d+) written", third.out).group(1))
    after = {p: p.read_bytes() for p in site.public.rglob("*") if p.is_file()}
    changed = {p for p in after if before.get(p) != after[p]}
    # What it wrote is what changed: the post's page and the pages that show its title
    # (index, tags, archives, neighbours, related posts), nothing else.
    assert written == len(changed)
    assert 1 < written < len([p for p in after if p.suffix == ".html"])
    assert all("改过的" in p.read_text(encoding="utf-8") for p in changed), changed
    assert "改过的" in site.html("posts/p03/").find("h1").get_text()


def test_output_option_and_summary_line(make_site, tmp_path: Path) -> None:
    site = make_site(many_posts(2))
    out = tmp_path / "elsewhere" / "site"
    run = site.build("--output", str(out))
    assert run.code == 0
    assert (out / "index.html").is_file()
    assert re.fullmatch(
        r"Built 2 posts, \d+ HTML files, 3 tags, \d+ static files \(\d+ written, 0 unchanged\) "
        r"in [\d.]+ s → .+\n",
        run.out,
    )
    quiet = site.build("--output", str(out), "-q")
    assert quiet.out == "" and quiet.code == 0


def test_theme_files_are_published(make_site) -> None:
    site = make_site({"content/posts/a.md": post("A")})
    site.build()
    for rel in (
        "css/style.css",
        "css/code.css",
        "js/code-copy.js",
        "fonts/latinmodern-math.woff2",
        "fonts/GUST-FONT-LICENSE.txt",
    ):
        assert (site.public / rel).is_file(), rel
    css = (site.public / "css/style.css").read_text()
    assert "@font-face" in css and "latinmodern-math.woff2" in css


def test_symlinks_leading_outside_the_site_are_not_published(make_site, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("private")
    site = make_site({"content/posts/a/index.md": post("A"), "static/ok.txt": "ok"})
    (site.root / "static/leak.txt").symlink_to(secret)
    (site.root / "content/posts/a/leak.txt").symlink_to(secret)
    (site.root / "static/inside.txt").symlink_to(site.root / "static/ok.txt")
    (site.root / "static/linked-dir").symlink_to(tmp_path, target_is_directory=True)
    site.build()
    assert (site.public / "ok.txt").read_text() == "ok"
    assert (site.public / "inside.txt").read_text() == "ok"
    assert not (site.public / "leak.txt").exists()
    assert not (site.public / "posts/a/leak.txt").exists()
    assert not (site.public / "linked-dir").exists()


@pytest.mark.parametrize(
    ("tag", "path"),
    [
        ("../../escaped", "tags/escaped/"),
        ("..", "tags/tag/"),
        ("C#", "tags/C/"),
        ("a?b", "tags/a-b/"),
        ("LLM 推理", "tags/LLM-推理/"),
        ("C++", "tags/C++/"),
    ],
)
def test_tag_pages_stay_inside_the_site(make_site, tag: str, path: str) -> None:
    site = make_site(
        {"content/posts/a.md": f"---\ntitle: A\ndate: 2024-01-01\ntags: [{tag!r}]\n---\n"}
    )
    assert site.build().code == 0
    assert site.html(path).find("h1").get_text().endswith(f"“{tag}”")
    link = site.html("").select_one(".tags a")["href"]
    assert (site.public / unquote(link).lstrip("/") / "index.html").is_file()
    assert site.html("").find("h1").get_text() == "Latest updates"
    # Only the output, beside it the list of what the build wrote, and the build cache.
    assert sorted(p.name for p in site.root.iterdir()) == [
        ".blogsite-cache",
        ".public.blogsite-files",
        "content",
        "public",
    ]


def test_tags_that_share_a_page_are_reported(make_site) -> None:
    site = make_site(
        {
            "content/posts/a.md": post("A", tags=["a/b"]),
            "content/posts/b.md": post("B", tags=["a?b"]),
        }
    )
    run = site.build()
    assert run.code == 1 and "would share the page /tags/a-b/" in run.err


@pytest.mark.parametrize(
    ("files", "named"),
    [
        ({"content/err.md": post("E", slug="404.html")}, "content/err.md"),
        ({"static/posts": "a file where a folder must be"}, "static/posts"),
        ({"static/index.html": "<p>mine</p>"}, "static/index.html"),
    ],
)
def test_clashing_outputs_name_their_sources(make_site, files: dict[str, str], named: str) -> None:
    site = make_site({"content/posts/a.md": post("A"), **files})
    run = site.build()
    assert run.code == 1
    assert named in run.err and "Traceback" not in run.err
    assert ".public.new" not in run.err


def test_empty_slug_means_the_file_name(make_site) -> None:
    site = make_site({"content/posts/two-sum.md": post("A", slug="")})
    site.build()
    assert (site.public / "posts/two-sum/index.html").is_file()


def test_a_rebuild_renders_only_the_changed_post(make_site) -> None:
    site = make_site(many_posts(13))
    cache = BuildCache()
    options = BuildOptions(source=site.root)
    first = build_site(options, cache)
    assert cache.misses == 13
    site.write(
        "content/posts/p05.md", post("改了", "2024-01-06", "只改这一篇 $y$。", tags=["数学"])
    )
    second = build_site(options, cache)
    assert cache.misses == 14  # one body rendered again, twelve from the cache
    # ...yet every page around it is redone: the index and the neighbours show the new title.
    assert "改了".encode() in second.outputs["index.html"]
    assert "改了".encode() in second.outputs["posts/p04/index.html"]
    assert first.outputs["posts/p00/index.html"] == second.outputs["posts/p00/index.html"]
    assert len(cache.rendered) == 13  # the old render of p05 is forgotten


def test_canonical_links_carry_the_sub_path_only_when_the_host_is_known(make_site) -> None:
    site = make_site({"content/posts/a.md": post("A", tags=["深度学习"])})
    assert site.build("--base-url", "https://user.github.io/blog").code == 0
    for rel, expected in (
        ("", "https://user.github.io/blog/"),
        ("posts/a/", "https://user.github.io/blog/posts/a/"),
        (
            "tags/深度学习/",
            "https://user.github.io/blog/tags/%E6%B7%B1%E5%BA%A6%E5%AD%A6%E4%B9%A0/",
        ),
    ):
        assert site.html(rel).select_one("link[rel=canonical]")["href"] == expected
    assert site.html("404.html").select_one("link[rel=canonical]") is None
    assert site.build().code == 0
    assert site.html("posts/a/").select_one("link[rel=canonical]") is None
