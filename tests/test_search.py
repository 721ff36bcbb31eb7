"""The search index: what Pagefind is given, when it runs again, and what a failure does."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import post, write_site
from test_serve import request, wait_for

import blogsite.build
import blogsite.search
from blogsite.build import BuildOptions
from blogsite.serve import LiveSite, Preview, ServeOptions

SITE = {
    "blogsite.yaml": "title: 搜索\nlanguage: zh-CN\n",
    "content/about.md": post("关于", body="关于这个站点。"),
    "content/posts/a.md": post(
        "滑动窗口", "2024-01-01", "用滑动窗口求最小覆盖子串。", tags=["算法"]
    ),
    "content/posts/b/index.md": post("图", "2024-01-02", "![示意图](fig.svg)\n\n卷积的感受野。"),
    "content/posts/b/fig.svg": '<svg xmlns="http://www.w3.org/2000/svg"/>',
    "content/posts/c.md": post("草稿", "2024-01-03", "不该被搜到。", draft=True),
}


def page_counts(entry: dict) -> list[int]:
    """Pages indexed, per language, from Pagefind's `pagefind-entry.json`."""
    return [language["page_count"] for language in entry["languages"].values()]


def entry(public: Path) -> dict:
    return json.loads((public / "pagefind/pagefind-entry.json").read_text())


def test_posts_and_pages_are_indexed_not_listings(make_site) -> None:
    site = make_site(SITE)
    assert site.build().code == 0
    # Two posts and About: not the index, tags, archives, search or 404 pages, no draft.
    assert page_counts(entry(site.public)) == [3]
    assert list(entry(site.public)["languages"]) == ["zh-cn"]
    assert (site.public / "pagefind/pagefind-ui.js").is_file()
    search = site.html("search/")
    assert search.select_one("#search")["data-bundle"] == "/pagefind/"


def test_an_edit_reindexes_every_page_not_just_the_rendered_ones(make_site) -> None:
    """After an edit, most pages come from the last build's folder, not from the render;
    the index must still hold them all."""
    site = make_site(SITE)
    assert site.build().code == 0
    site.write(
        "content/posts/a.md",
        post("滑动窗口", "2024-01-01", "用滑动窗口求最小覆盖子串，再加一句。", tags=["算法"]),
    )
    assert site.build().code == 0
    assert page_counts(entry(site.public)) == [3]


def test_result_images_and_links_work_from_the_search_page() -> None:
    pages = blogsite.search.searchable(
        {
            "posts/b/index.html": b'<main data-pagefind-body><img src="fig.svg"></main>',
            "tags/x/index.html": b"<main>listing</main>",
        },
        "/blog/",
    )
    assert pages == {
        "posts/b/index.html": b'<main data-pagefind-body><img src="/blog/posts/b/fig.svg"></main>'
    }


def test_no_change_rebuild_reuses_the_index(make_site, monkeypatch: pytest.MonkeyPatch) -> None:
    site = make_site(SITE)
    assert site.build().code == 0
    before = {p: p.stat().st_ino for p in (site.public / "pagefind").rglob("*") if p.is_file()}

    def refuse(_pages: object) -> None:
        raise AssertionError("Pagefind ran although no indexed page changed")

    monkeypatch.setattr(blogsite.build, "make_index", refuse)
    again = site.build()
    assert again.code == 0 and again.err == ""
    after = {p: p.stat().st_ino for p in (site.public / "pagefind").rglob("*") if p.is_file()}
    assert after == before  # the same files, linked into the new output
    # A change to a page that is not indexed (a tag listing's template) needs no new index.
    site.write("templates/tag.html", '{% extends "base.html" %}{% block main %}x{% endblock %}')
    assert site.build().code == 0
    # A changed post does.
    monkeypatch.undo()
    site.write("content/posts/a.md", post("滑动窗口", "2024-01-01", "改过的正文。"))
    assert site.build().code == 0
    changed = {p for p in (site.public / "pagefind").rglob("*") if p.is_file()}
    assert changed != set(before)  # Pagefind names its files by their content


def test_pagefind_failure_is_one_line_and_fails_only_under_strict(
    make_site, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = make_site(SITE)

    async def broken(_site: Path, _bundle: Path) -> None:
        raise OSError("pagefind binary not found")

    monkeypatch.setattr(blogsite.search, "_run_pagefind", broken)
    run = site.build()
    assert run.code == 0
    assert run.err == (
        "search: Pagefind could not index the site (pagefind binary not found); "
        "built without search\n"
    )
    assert (site.public / "index.html").is_file()
    assert not (site.public / "pagefind").exists()
    before = {p: p.read_bytes() for p in site.public.rglob("*") if p.is_file()}
    strict = site.build("--strict")
    assert strict.code == 1 and "Traceback" not in strict.err
    assert "search: Pagefind could not index the site" in strict.err
    assert {p: p.read_bytes() for p in site.public.rglob("*") if p.is_file()} == before


def test_no_search_skips_indexing(make_site, monkeypatch: pytest.MonkeyPatch) -> None:
    site = make_site(SITE)
    monkeypatch.setattr(blogsite.build, "make_index", None)  # would fail if called
    assert site.build("--no-search").code == 0
    assert not (site.public / "pagefind").exists()
    assert site.html("search/").select_one("#search") is not None


def test_live_site_takes_an_index_only_for_the_build_it_was_made_from() -> None:
    first = {"index.html": b"1"}
    live = LiveSite(first)
    second = {"index.html": b"2"}
    live.publish(second, style_only=False)
    assert live.add({"pagefind/pagefind.js": b"old"}, built_from=first) is False
    assert "pagefind/pagefind.js" not in live.snapshot.outputs
    epoch = live.snapshot.epoch
    assert live.add({"pagefind/pagefind.js": b"new"}, built_from=second) is True
    assert live.snapshot.outputs["pagefind/pagefind.js"] == b"new"
    assert live.snapshot.epoch == epoch  # no reload for an index


@pytest.fixture
def preview(tmp_path: Path) -> Iterator[Preview]:
    root = write_site(tmp_path / "site", SITE)
    options = ServeOptions(BuildOptions(source=root, drafts=True), port=0)
    running = Preview(options, say=lambda _: None)
    running.start()
    yield running
    running.stop()


def test_serve_indexes_each_build_after_publishing_it(preview: Preview) -> None:
    def served_entry() -> dict | None:
        status, _, body = request(preview, "/pagefind/pagefind-entry.json")
        return json.loads(body) if status == 200 else None

    wait_for(lambda: served_entry() is not None, timeout=30)
    languages = served_entry()["languages"]  # type: ignore[index]
    # Drafts are shown while previewing, so the draft is indexed too.
    assert [language["page_count"] for language in languages.values()] == [4]
    source = preview.build_options.source / "content/posts/d.md"
    source.write_text(post("新文章", "2024-01-04", "新的正文。"), encoding="utf-8")
    wait_for(lambda: request(preview, "/posts/d/")[0] == 200, timeout=10)
    wait_for(
        lambda: (
            [v["page_count"] for v in (served_entry() or {"languages": {}})["languages"].values()]
            == [5]
        ),
        timeout=30,
    )
