"""The Markdown step: CommonMark extensions, heading ids, TOC, excerpts, reading time."""

from urllib.parse import unquote

import pytest
from bs4 import BeautifulSoup
from markup_helpers import render, soup

from blogsite.markup import (
    MarkupSettings,
    is_balanced,
    make_markdown,
    parse_fence_info,
    parse_line_set,
    render_markdown,
    slugify,
)


def test_gfm_extensions() -> None:
    html = soup(
        "| a | b |\n|---|:-:|\n| 1 | 2 |\n\n~~old~~ new\n\n- [x] done\n- [ ] todo\n\n"
        "note[^1]\n\n[^1]: 脚注内容\n"
    )
    assert [th.get_text() for th in html.find_all("th")] == ["a", "b"]
    assert html.find("s").get_text() == "old"
    boxes = html.find_all("input", type="checkbox")
    assert [box.has_attr("checked") for box in boxes] == [True, False]
    assert html.find("section", class_="footnotes").get_text().strip().startswith("脚注内容")


def test_raw_html_passes_through() -> None:
    html = soup('<div class="custom"><b>bold</b></div>\n\ntext <kbd>Ctrl</kbd>')
    assert html.find("div", class_="custom").b.get_text() == "bold"
    assert html.find("kbd").get_text() == "Ctrl"


@pytest.mark.parametrize("kind", ["note", "tip", "warning"])
def test_admonitions(kind: str) -> None:
    html = soup(f"::: {kind} 小心\n内容 **粗体**\n:::\n")
    aside = html.find("aside", class_=kind)
    assert aside is not None
    assert aside.find(class_="admonition-title").get_text() == "小心"
    assert aside.find("strong").get_text() == "粗体"


def test_admonition_default_title_follows_language() -> None:
    zh = soup("::: tip\nx\n:::\n").find(class_="admonition-title").get_text()
    en_render = render("::: tip\nx\n:::\n", MarkupSettings(language="en"))
    assert zh == "提示"
    assert '<p class="admonition-title">Tip</p>' in en_render.html


def test_heading_ids_keep_chinese_and_are_unique() -> None:
    html = soup("## 滑动窗口\n\n## 滑动窗口\n\n### Two Pointers 双指针!\n\n## $O(n)$ 解法\n")
    ids = [h["id"] for h in html.find_all(["h2", "h3"])]
    assert ids[:3] == ["滑动窗口", "滑动窗口-1", "two-pointers-双指针"]
    assert len(set(ids)) == len(ids)
    assert all(ids)


@pytest.mark.parametrize(
    ("title", "slug"),
    [("滑动窗口", "滑动窗口"), ("A  B", "a-b"), ("C++ 实现", "c-实现"), ("!!!", "section")],
)
def test_slugify(title: str, slug: str) -> None:
    assert slugify(title) == slug


def test_toc_lists_h2_to_h4_with_ids() -> None:
    rendered = render("# h1\n\n## 一\n\n### 二\n\n#### 三\n\n##### 四\n")
    assert [(h.level, h.id, h.html) for h in rendered.toc] == [
        (2, "一", "一"),
        (3, "二", "二"),
        (4, "三", "三"),
    ]


def test_images_are_lazy() -> None:
    img = soup("![示意图](fig.svg)").find("img")
    assert (img["src"], img["alt"], img["loading"]) == ("fig.svg", "示意图", "lazy")


def test_more_marker_splits_excerpt() -> None:
    rendered = render("开头一段 $x$。\n\n<!--more-->\n\n后文。\n")
    assert rendered.more_html is not None
    assert "开头一段" in rendered.more_html and "<math " in rendered.more_html
    assert "后文" not in rendered.more_html
    assert "后文" in rendered.html


def test_no_more_marker() -> None:
    assert render("只有一段。").more_html is None


def test_reading_time_counts_han_characters_and_skips_code() -> None:
    prose = "字" * 800  # two minutes of Chinese
    code = "```python\n" + "x = 1\n" * 2000 + "```\n"
    rendered = render(f"{prose}\n\n{code}")
    assert rendered.han_chars == 800
    assert rendered.latin_words < 5
    assert rendered.reading_minutes == 2
    assert render("word " * 400).reading_minutes == 2


def test_auto_summary_skips_code_and_images_and_renders_math() -> None:
    body = "![图](a.png)\n\n```python\nsecret_code()\n```\n\n设 $x_i$ 为输入。" + "内容很多。" * 60
    html = render(body).auto_summary_html
    assert "secret_code" not in html and "<img" not in html
    # Rendered, not shown as TeX: the source is only in the attribute copying reads.
    assert "<math " in html and "$" not in BeautifulSoup(html, "html.parser").get_text()
    assert html.endswith("…</p>")


def test_fence_info_parsing() -> None:
    assert parse_fence_info('python title="a b.py" linenos hl_lines="2-4"') == (
        "python",
        {"title": "a b.py", "linenos": "", "hl_lines": "2-4"},
    )
    assert parse_fence_info("") == ("", {})
    assert parse_fence_info('py title="unclosed') == ("py", {"title": '"unclosed'})
    assert parse_line_set("2-4 7,9", 10) == {2, 3, 4, 7, 9}
    assert parse_line_set("x, 3-", 10) == frozenset()
    # Ranges are clipped to the block, so a typo cannot ask for millions of lines.
    assert parse_line_set("0-2 5-30000000", 6) == {1, 2, 5, 6}


def test_fenced_code_with_options() -> None:
    html = soup(
        '```python title="solution.py" linenos hl_lines="2-3"\na = 1\nb = 2\nc = 3\nd = 4\n```\n'
    )
    figure = html.find("figure", class_="code-block")
    assert figure.find(class_="code-title").get_text() == "solution.py"
    assert figure.find(class_="code-lang").get_text() == "python"
    assert "linenos" in figure.pre["class"]
    lines = figure.find_all("span", class_="line")
    assert [("hl" in line["class"]) for line in lines] == [False, True, True, False]
    assert [line.get_text() for line in lines] == ["a = 1", "b = 2", "c = 3", "d = 4"]
    assert figure.find(attrs={"style": True}) is None


def test_excerpt_has_no_heading_ids_or_footnote_marks() -> None:
    rendered = render("## 思路\n\n要点[^1]。\n\n<!--more-->\n\n后文\n\n[^1]: 注\n")
    assert rendered.more_html is not None
    excerpt = BeautifulSoup(rendered.more_html, "html.parser")
    assert excerpt.find("h2").get("id") is None
    assert excerpt.find("sup") is None and "要点" in excerpt.get_text()
    # The post page itself keeps both.
    page = BeautifulSoup(rendered.html, "html.parser")
    assert page.find("h2")["id"] == "思路" and page.find("sup", class_="footnote-ref")


def test_contents_entries_hold_no_links() -> None:
    rendered = render("## [链接](https://example.org) 标题[^1]\n\n[^1]: 注\n")
    assert rendered.toc[0].html == "链接 标题"


def test_marker_alone_falls_back_to_other_excerpts() -> None:
    assert render("<!--more-->\n\n正文。").more_html is None


def test_excerpt_that_would_leave_html_open_falls_back() -> None:
    rendered = render('<div class="box">\n\n开头。\n\n<!--more-->\n\n后文。\n\n</div>\n')
    assert rendered.more_html is None
    assert "开头" in rendered.auto_summary_html


@pytest.mark.parametrize(
    ("html", "balanced"),
    [
        ("<p>a<br>b<img src=x></p>", True),
        ("<p><math><mi>x</mi><mspace/></math></p>", True),
        ('<div class="box">\n<p>intro</p>', False),
        ("<p>a</div>", False),
    ],
)
def test_is_balanced(html: str, balanced: bool) -> None:
    assert is_balanced(html) is balanced


def test_links_from_the_site_root_get_the_sub_path() -> None:
    settings = MarkupSettings(summary_length=150, language="zh-CN", root_path="/blog/")
    body = (
        "[a](/posts/a/) ![i](/img/x.png) [b](b/) [c](#c) [d](//cdn.example.org/x) "
        '[e](mailto:me@example.org) [f](https://example.org/) <a href="/raw/">raw</a>'
    )
    page = BeautifulSoup(render(body, settings).html, "html.parser")
    hrefs = [a["href"] for a in page.find_all("a")]
    assert hrefs == [
        "/blog/posts/a/",
        "b/",
        "#c",
        "//cdn.example.org/x",
        "mailto:me@example.org",
        "https://example.org/",
        "/raw/",  # raw HTML is the author's own
    ]
    assert page.find("img")["src"] == "/blog/img/x.png"


def test_the_excerpt_resolves_relative_links_against_the_post() -> None:
    body = "![图](fig.svg) [上一篇](../y/) [小结](#小结) [根](/about/)\n\n<!--more-->\n\n## 小结\n"
    url = "/blog/posts/%E4%B8%AD%E6%96%87/"
    settings = MarkupSettings(summary_length=150, language="zh-CN", root_path="/blog/")
    rendered = render_markdown(
        make_markdown(settings), body, path="a.md", first_line=1, settings=settings, url=url
    )
    excerpt = BeautifulSoup(rendered.more_html or "", "html.parser")
    assert excerpt.find("img")["src"] == url + "fig.svg"
    # markdown-it percent-encodes link targets; browsers decode a fragment to find its id.
    assert [unquote(a["href"]) for a in excerpt.find_all("a")] == [
        "/blog/posts/y/",
        unquote(url) + "#小结",
        "/blog/about/",
    ]
    # The post's own page keeps its relative links: they work there.
    page = BeautifulSoup(rendered.html, "html.parser")
    assert page.find("img")["src"] == "fig.svg"
    assert [unquote(a["href"]) for a in page.find_all("a")][:2] == ["../y/", "#小结"]
