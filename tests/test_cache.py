"""The build cache in `.blogsite-cache/`: what it saves a rebuild, and that it is never stale.

Every check compares real output: a build that used the cache must write exactly the files
whose bytes differ from the last build, and end with the same bytes as a fresh
`--no-cache` build of the same sources.
"""

from __future__ import annotations

import io
import pickle
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
from conftest import Run, Site, post
from fontTools.ttLib import TTFont

import blogsite.build
import blogsite.cache
import blogsite.cli
import blogsite.templates
from blogsite.build import BuildOptions, BuildResult, build
from blogsite.cache import CACHE_DIR, cache_file, stamp
from blogsite.cli import main
from blogsite.fonts import EXCERPT_MATH_FONT, MATH_FONT
from blogsite.output import checksum
from blogsite.theme import default_theme_dir

CONFIG = "title: Cache test\nlanguage: en\nbase_url: https://example.org/\n"
TAGS = [["alpha"], ["alpha", "beta"], ["beta"], ["beta", "gamma"], ["gamma"], ["alpha", "gamma"]]


def body(i: int, extra: str = "") -> str:
    return (
        f"Post number {i} says $x^{i + 2}$ and more.{extra}\n\n"
        f"```python\ndef f{i}(x):\n    return x * {i}\n```\n\nClosing words of post {i}.\n"
    )


def six_posts() -> dict[str, str]:
    """Six dated, tagged posts (so each has neighbours and related posts) and a page."""
    files = {
        "blogsite.yaml": CONFIG,
        "content/about.md": post("About", body="About me.\n"),
        "static/notes.txt": "first!\n",
    }
    for i, tags in enumerate(TAGS):
        files[f"content/posts/p{i}.md"] = post(
            f"Title {i}", f"2024-01-0{i + 1}", body(i), tags=tags
        )
    return files


def files_of(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def without_timestamp(font: bytes) -> bytes:
    """A woff2 font with its `head.modified` time zeroed, as uncompressed OpenType."""
    loaded = TTFont(io.BytesIO(font), recalcTimestamp=False)
    loaded["head"].modified = 0
    loaded.flavor = None
    out = io.BytesIO()
    loaded.save(out)
    return out.getvalue()


def differing(a: dict[str, bytes], b: dict[str, bytes]) -> list[str]:
    """The files whose bytes differ between two builds, or that only one has.

    The math font cuts are compared without the time fontTools stamps into them when they
    are made: that a cut made at another second has other bytes is its own bug, checked by
    `test_the_math_font_cut_does_not_depend_on_the_clock`, not a stale file.
    """
    found = sorted(set(a) ^ set(b))
    for rel in sorted(set(a) & set(b)):
        if a[rel] == b[rel]:
            continue
        fonts = (MATH_FONT, EXCERPT_MATH_FONT)
        if rel in fonts and without_timestamp(a[rel]) == without_timestamp(b[rel]):
            continue
        found.append(rel)
    return found


def stats_of(folder: Path) -> dict[str, tuple[int, int]]:
    """(inode, mtime) of every file: a file written again gets a new inode or mtime."""
    found = {}
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            st = p.stat()
            found[p.relative_to(folder).as_posix()] = (st.st_ino, st.st_mtime_ns)
    return found


def build_here(site: Site, **options: object) -> BuildResult:
    return build(BuildOptions(source=site.root, search=False, **options))  # type: ignore[arg-type]


def fresh_build(site: Site, name: str, **options: object) -> dict[str, bytes]:
    """The bytes of a `--no-cache` build of the site's sources into a folder of its own."""
    out = site.root.parent / name
    assert not out.exists()
    result = build_here(site, output=out, cache=False, **options)
    assert result.rendered == result.posts + len(list((site.root / "content").glob("*.md")))
    return files_of(out)


def post_pages(files: dict[str, bytes]) -> set[str]:
    return {rel for rel in files if rel.startswith("posts/") and rel.endswith("/index.html")}


def warnings(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("warning:")]


@pytest.fixture
def results(monkeypatch: pytest.MonkeyPatch) -> list[BuildResult]:
    """The `BuildResult` of every `blogsite build` run in-process (the CLI prints no
    count of rendered bodies)."""
    seen: list[BuildResult] = []
    real = blogsite.cli.build

    def spy(options: BuildOptions, **kwargs: object) -> BuildResult:
        result = real(options, **kwargs)  # type: ignore[arg-type]
        seen.append(result)
        return result

    monkeypatch.setattr(blogsite.cli, "build", spy)
    return seen


@pytest.fixture
def cli(results: list[BuildResult]) -> Callable[..., tuple[Run, BuildResult | None]]:
    def run(site: Site, *args: str) -> tuple[Run, BuildResult | None]:
        before = len(results)
        done = site.build("--no-search", *args)
        return done, results[-1] if len(results) > before else None

    return run


# 1. A build with nothing changed touches nothing.


def test_a_build_with_no_change_writes_and_renders_nothing(make_site) -> None:
    site = make_site(six_posts())
    first = build_here(site)
    assert first.rendered == 7 and first.written > 0 and first.unchanged == 0
    assert cache_file(site.root).is_file()
    files, stats = files_of(site.public), stats_of(site.public)
    manifest = (site.root / ".public.blogsite-files").stat()
    folder = site.public.stat()

    second = build_here(site)
    assert (second.written, second.rendered) == (0, 0)
    assert second.unchanged == len(files) == first.written
    assert files_of(site.public) == files
    assert stats_of(site.public) == stats
    assert site.public.stat().st_ino == folder.st_ino
    assert site.public.stat().st_mtime_ns == folder.st_mtime_ns
    assert (site.root / ".public.blogsite-files").stat().st_mtime_ns == manifest.st_mtime_ns


def test_builds_with_no_change_leave_the_cache_file_alone(make_site) -> None:
    """Nothing new to remember: the cache is not written again, and keeps what it holds
    (the memoized listing entries too, though the listing pages came whole from it)."""
    site = make_site(six_posts())
    build_here(site)
    cache = cache_file(site.root)
    saved = cache.read_bytes()
    for _ in range(2):
        assert build_here(site).rendered == 0
        assert cache.read_bytes() == saved


def test_the_cli_reports_the_same(make_site, cli) -> None:
    site = make_site(six_posts())
    run, result = cli(site)
    assert run.code == 0 and run.err == "" and result.rendered == 7
    run, result = cli(site)
    assert run.code == 0 and run.err == ""
    assert (result.written, result.rendered) == (0, 0)
    assert f"(0 written, {result.unchanged} unchanged)" in run.out


# 2. An edit rewrites exactly the files whose bytes change.


def edit_body(site: Site) -> None:
    site.write(
        "content/posts/p2.md", post("Title 2", "2024-01-03", body(2, " Edited."), tags=TAGS[2])
    )


def edit_title(site: Site) -> None:
    site.write("content/posts/p2.md", post("Renamed two", "2024-01-03", body(2), tags=TAGS[2]))


def add_post(site: Site) -> None:
    site.write("content/posts/p6.md", post("Title 6", "2024-01-07", body(6), tags=["alpha"]))


def edit_tags(site: Site) -> None:
    site.write("content/posts/p4.md", post("Title 4", "2024-01-05", body(4), tags=["alpha", "new"]))


def edit_date(site: Site) -> None:
    site.write("content/posts/p0.md", post("Title 0", "2024-02-01", body(0), tags=TAGS[0]))


def delete_post(site: Site) -> None:
    (site.root / "content/posts/p3.md").unlink()


def edit_static(site: Site) -> None:
    site.write("static/notes.txt", "second\n")  # the same size as before


def edit_page(site: Site) -> None:
    site.write("content/about.md", post("About us", body="About me.\n"))


EDITS = {
    "body": (edit_body, 1, {"posts/p2/index.html", "index.html", "atom.xml"}),
    "title": (
        edit_title,
        0,
        {"posts/p1/index.html", "posts/p2/index.html", "posts/p3/index.html", "index.html"},
    ),
    "new post": (add_post, 1, {"posts/p5/index.html", "posts/p6/index.html", "sitemap.xml"}),
    "tags": (edit_tags, 0, {"posts/p4/index.html", "tags/new/index.html"}),
    "date": (edit_date, 0, {"posts/p0/index.html", "posts/p1/index.html", "posts/p5/index.html"}),
    "delete": (delete_post, 0, {"posts/p2/index.html", "posts/p4/index.html"}),
    "page title": (edit_page, 0, {"about/index.html", "posts/p0/index.html"}),
    "static file": (edit_static, 0, {"notes.txt"}),
}


@pytest.mark.parametrize("name", EDITS)
def test_an_edit_rewrites_exactly_the_files_that_change(make_site, name: str) -> None:
    change, renders, among = EDITS[name]
    site = make_site(six_posts())
    build_here(site)
    before, stats = files_of(site.public), stats_of(site.public)
    change(site)
    result = build_here(site)
    assert result.rendered == renders
    after, restats = files_of(site.public), stats_of(site.public)
    # Nothing stale, nothing left over: the same bytes as a build without any cache.
    fresh = fresh_build(site, "fresh")
    assert differing(after, fresh) == []
    changed = {rel for rel in after if before.get(rel) != after[rel]}
    assert among <= changed, among - changed
    # Exactly those were written; every other file is the previous one, not a copy.
    rewritten = {rel for rel in after if stats.get(rel) != restats[rel]}
    assert rewritten == changed
    assert result.written == len(changed)
    assert result.unchanged == len(after) - len(changed)
    assert changed != set(after)


def test_a_title_edit_shows_on_its_neighbours_and_in_every_listing(make_site) -> None:
    site = make_site(six_posts())
    build_here(site)
    edit_title(site)
    build_here(site)
    assert "Renamed two" in site.html("posts/p1/").select_one("a.newer").get_text()
    assert "Renamed two" in site.html("posts/p3/").select_one("a.older").get_text()
    assert "Renamed two" in [a.get_text() for a in site.html("").select("main article h2 a")]
    for tag in TAGS[2]:
        assert "Renamed two" in site.html(f"tags/{tag}/").get_text()
    assert "Title 2" not in "".join(
        (site.public / rel).read_text(encoding="utf-8")
        for rel in files_of(site.public)
        if rel.endswith((".html", ".xml"))
    )


def test_the_stored_cache_holds_only_what_the_last_build_used(make_site) -> None:
    site = make_site(six_posts())
    build_here(site)
    for change in (edit_body, add_post, delete_post, edit_title):
        change(site)
        build_here(site)
    stored, problem = blogsite.cache.load(site.root)
    assert problem is None
    assert len(stored.rendered) == 7  # six posts and the page, not every version of them
    files = files_of(site.public)
    assert post_pages(files) <= set(stored.pages) <= set(files)
    assert "posts/p3/index.html" not in stored.pages
    # Pages are stored by the checksum of their bytes, which stay in the output folder.
    for rel, (_, page) in stored.pages.items():
        assert page == checksum(files[rel]), rel


def test_a_lost_or_edited_output_is_made_whole_from_the_cache(make_site) -> None:
    site = make_site(six_posts())
    build_here(site)
    files = files_of(site.public)
    (site.public / "posts/p1/index.html").write_text("edited by hand\n")
    (site.public / "posts/p2/index.html").unlink()
    result = build_here(site)
    assert (result.rendered, result.written) == (0, 2)
    assert files_of(site.public) == files
    shutil.rmtree(site.public)
    result = build_here(site)
    assert (result.rendered, result.written) == (0, len(files))
    assert files_of(site.public) == files


def test_a_base_url_override_changes_every_post_page(make_site) -> None:
    site = make_site(six_posts())
    build_here(site)
    other = "https://other.example/blog/"
    result = build_here(site, base_url=other)
    assert result.rendered == 7  # the links in the bodies carry the sub-path
    for rel in post_pages(files_of(site.public)):
        assert site.html(rel).select_one("link[rel=canonical]")["href"].startswith(other)
    assert differing(files_of(site.public), fresh_build(site, "fresh", base_url=other)) == []


def test_a_new_year_shows_on_every_post_page(make_site, monkeypatch) -> None:
    site = make_site(six_posts())
    build_here(site)

    class NewYear(datetime):
        @classmethod
        def now(cls, tz=None):  # type: ignore[override]
            return datetime(2099, 1, 1, 0, 0, 1, tzinfo=tz)

    monkeypatch.setattr(blogsite.templates, "datetime", NewYear)
    result = build_here(site)
    assert result.rendered == 0
    for rel in [*post_pages(files_of(site.public)), "index.html"]:
        assert "© 2099" in site.html(rel).select_one("footer").get_text(), rel


# 3. A template edit re-renders pages, not Markdown.


def test_template_edits_show_on_every_post_page_without_rendering_markdown(make_site) -> None:
    site = make_site(six_posts())
    build_here(site)
    before = files_of(site.public)
    posts = post_pages(before)
    assert len(posts) == 6

    # A post.html of the site's own, in front of the theme's.
    template = (
        '{% extends "base.html" %}{% block main %}<p id="marker">v1 {{ post.title }}</p>'
        "{% endblock %}"
    )
    site.write("templates/post.html", template)
    result = build_here(site)
    assert result.rendered == 0
    after = files_of(site.public)
    for rel in posts:
        assert site.html(rel).find(id="marker").get_text() == f"v1 Title {rel[7]}"
    assert {rel for rel in after if before[rel] != after[rel]} == posts
    assert result.written == 6

    # Edited in place, same size: only the bytes differ.
    site.write("templates/post.html", template.replace("v1", "v2"))
    result = build_here(site)
    assert result.rendered == 0 and result.written == 6
    for rel in posts:
        assert site.html(rel).find(id="marker").get_text() == f"v2 Title {rel[7]}"

    # The theme's base.html copied into the site, then edited.
    theme_base = default_theme_dir() / "templates" / "base.html"
    shutil.copy(theme_base, site.root / "templates" / "base.html")
    result = build_here(site)
    assert (result.rendered, result.written) == (0, 0)  # the same bytes as the theme's
    text = theme_base.read_text(encoding="utf-8")
    assert text.count("</footer>") == 1
    site.write("templates/base.html", text.replace("</footer>", '<p id="b">B</p></footer>'))
    result = build_here(site)
    assert result.rendered == 0
    for rel in [*posts, "index.html", "about/index.html", "tags/alpha/index.html"]:
        assert site.html(rel).find(id="b").get_text() == "B", rel
    assert differing(files_of(site.public), fresh_build(site, "fresh")) == []


# 4. The number of render processes does not change a byte.


def test_one_and_two_workers_build_the_same_bytes(make_site, tmp_path: Path, monkeypatch) -> None:
    files = {"blogsite.yaml": CONFIG}
    for i in range(64):
        files[f"content/posts/q{i:02d}.md"] = post(
            f"Post {i}", f"2024-{i % 12 + 1:02d}-{i % 28 + 1:02d}", body(i), tags=[f"t{i % 5}"]
        )
    site = make_site(files)
    calls: list[tuple[int, int]] = []
    real = blogsite.build.render_all

    def spy(jobs, settings, workers, *args, **kwargs):
        calls.append((len(jobs), workers))
        return real(jobs, settings, workers, *args, **kwargs)

    monkeypatch.setattr(blogsite.build, "render_all", spy)
    built = {}
    for workers in (1, 2):
        out = tmp_path / f"out{workers}"
        result = build_here(site, output=out, cache=False, workers=workers)
        assert result.rendered == 64
        built[workers] = files_of(out)
    assert calls == [(64, 1), (64, 2)]
    assert differing(built[1], built[2]) == []
    # Each post got its own body back, with its formula and code.
    for i in (0, 31, 63):
        page = built[2][f"posts/q{i:02d}/index.html"].decode()
        assert f"Closing words of post {i}." in page and "<math" in page
        assert f"f{i}" in page and "highlight" in page


# 5. A cache that cannot be trusted is dropped with one warning.


def truncated(path: Path) -> bytes:
    return path.read_bytes()[: path.stat().st_size // 2]


def foreign_object(path: Path) -> bytes:
    return pickle.dumps(("blogsite-cache", stamp())) + pickle.dumps({"rendered": {}})


def old_header(path: Path) -> bytes:
    return pickle.dumps(("blogsite-cache", (("format", "0"),))) + path.read_bytes()


DAMAGE = {
    "truncated": truncated,
    "garbage": lambda path: bytes(range(256)) * 8,
    "empty": lambda path: b"",
    "foreign object": foreign_object,
    "old header": old_header,
}


@pytest.mark.parametrize("kind", DAMAGE)
def test_a_damaged_cache_is_dropped_with_one_warning(make_site, cli, kind: str) -> None:
    site = make_site(six_posts())
    assert cli(site)[0].code == 0
    files = files_of(site.public)
    path = cache_file(site.root)
    path.write_bytes(DAMAGE[kind](path))
    run, result = cli(site)
    assert run.code == 0
    assert len(warnings(run.err)) == 1, run.err
    assert run.err.splitlines() == warnings(run.err)
    assert str(path) in run.err
    assert result.rendered == 7
    assert files_of(site.public) == files  # what the last build made, untouched
    assert differing(files, fresh_build(site, "fresh")) == []
    assert result.written == 0
    # The next build trusts the cache this one wrote.
    run, result = cli(site)
    assert (run.code, run.err, result.rendered) == (0, "", 0)


def test_a_cache_from_other_versions_is_dropped(make_site, cli, monkeypatch) -> None:
    site = make_site(six_posts())
    assert cli(site)[0].code == 0
    files = files_of(site.public)
    real = blogsite.cache.stamp
    monkeypatch.setattr(blogsite.cache, "stamp", lambda: (("format", "0"), ("blogsite", "0.0")))
    run, result = cli(site)
    assert run.code == 0
    [warning] = run.err.splitlines()
    assert warning.startswith("warning:") and str(cache_file(site.root)) in warning
    assert "other versions" in warning
    assert result.rendered == 7
    assert files_of(site.public) == files
    run, result = cli(site)  # saved under the new stamp: trusted by the same versions
    assert (run.err, result.rendered) == ("", 0)
    monkeypatch.setattr(blogsite.cache, "stamp", real)
    run, result = cli(site)
    assert "other versions" in run.err and result.rendered == 7


def test_a_cache_from_another_fonttools_is_not_trusted(make_site, cli, monkeypatch) -> None:
    """The cache holds math font cuts, which fontTools makes: its stamp must name the
    fontTools version as it names markdown-it-py's for the Markdown renders."""
    site = make_site(six_posts())
    assert cli(site)[0].code == 0
    real_version = blogsite.cache.version
    monkeypatch.setattr(
        blogsite.cache,
        "version",
        lambda name: "999.0" if name.lower() == "fonttools" else real_version(name),
    )
    blogsite.cache.stamp.cache_clear()
    try:
        run, result = cli(site)
    finally:
        monkeypatch.setattr(blogsite.cache, "version", real_version)
        blogsite.cache.stamp.cache_clear()
    assert "other versions" in run.err, "a cache of another fontTools' font cuts was trusted"
    assert result.rendered == 7


def test_a_cache_that_cannot_be_written_does_not_fail_the_build(make_site, cli) -> None:
    site = make_site(six_posts())
    (site.root / CACHE_DIR).write_text("in the way\n")
    run, result = cli(site)
    assert run.code == 0 and result.rendered == 7
    assert run.err.splitlines() == warnings(run.err)
    assert any("cannot write the build cache" in line for line in warnings(run.err)), run.err
    assert differing(files_of(site.public), fresh_build(site, "fresh")) == []


# 6. --no-cache neither reads nor writes it.


def test_no_cache_renders_everything_and_keeps_no_cache(make_site, cli) -> None:
    site = make_site(six_posts())
    for _ in range(2):
        run, result = cli(site, "--no-cache")
        assert (run.code, run.err, result.rendered) == (0, "", 7)
        assert not (site.root / CACHE_DIR).exists()
    # An existing cache is neither read nor written.
    cli(site)
    path = cache_file(site.root)
    saved = (path.read_bytes(), path.stat().st_mtime_ns)
    edit_body(site)
    run, result = cli(site, "--no-cache")
    assert result.rendered == 7
    assert (path.read_bytes(), path.stat().st_mtime_ns) == saved
    run, result = cli(site)
    assert result.rendered == 1 and result.written == 0  # public/ already has those bytes


def test_jobs_must_be_a_positive_number(make_site, capsys) -> None:
    site = make_site(six_posts())
    with pytest.raises(SystemExit) as exited:
        main(["build", "--source", str(site.root), "-j", "0"])
    assert exited.value.code == 2
    assert "not a number of processes" in capsys.readouterr().err


# 7. blogsite clean.


def test_clean_deletes_only_the_cache(make_site, cli, capsys) -> None:
    site = make_site(six_posts())
    cli(site)
    folder = site.root / CACHE_DIR
    assert cache_file(site.root).is_file()
    public, content = files_of(site.public), files_of(site.root / "content")
    stats = stats_of(site.public)
    capsys.readouterr()
    assert main(["clean", "--source", str(site.root)]) == 0
    out = capsys.readouterr()
    assert out.out == f"Deleted {folder}.\n" and out.err == ""
    assert not folder.exists()
    assert files_of(site.public) == public and stats_of(site.public) == stats
    assert files_of(site.root / "content") == content
    assert main(["clean", "--source", str(site.root)]) == 0
    out = capsys.readouterr()
    assert out.out == f"No build cache at {folder}; nothing to do.\n" and out.err == ""
    run, result = cli(site)
    assert result.rendered == 7 and result.written == 0 and run.err == ""


# 8. Builds racing on one cache leave it whole.


def test_racing_builds_leave_a_cache_the_next_build_trusts(make_site, cli, tmp_path) -> None:
    site = make_site(six_posts())
    command = [sys.executable, "-m", "blogsite", "build", "--source", str(site.root)]
    for round_ in range(3):
        site.write(
            "content/posts/p1.md",
            post("Title 1", "2024-01-02", body(1, f" Round {round_}."), tags=TAGS[1]),
        )
        racers = [
            subprocess.Popen(
                [*command, "--output", str(tmp_path / f"out{n}"), "-q", "--no-search"],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for n in range(2)
        ]
        for racer in racers:
            out, err = racer.communicate(timeout=120)
            assert (racer.returncode, out, err) == (0, "", "")
    assert differing(files_of(tmp_path / "out0"), files_of(tmp_path / "out1")) == []
    leftovers = [p.name for p in (site.root / CACHE_DIR).iterdir() if p.name.startswith(".")]
    assert leftovers == [".gitignore"]
    run, result = cli(site)
    assert (run.code, run.err, result.rendered) == (0, "", 0)
    assert differing(files_of(site.public), files_of(tmp_path / "out0")) == []


# 9. git does not see it.


def test_git_ignores_the_cache_folder(make_site) -> None:
    site = make_site(six_posts())
    git = ["git", "-C", str(site.root)]
    subprocess.run([*git, "init", "-q"], check=True)
    build_here(site)
    assert cache_file(site.root).is_file()
    status = subprocess.run(
        [*git, "status", "--porcelain", "--untracked-files=all", "--ignored=no"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert "content/posts/p0.md" in status  # the listing does show untracked files
    assert CACHE_DIR not in status
    subprocess.run([*git, "add", "-A"], check=True)
    tracked = subprocess.run(
        [*git, "ls-files"], check=True, capture_output=True, text=True
    ).stdout.splitlines()
    assert tracked and not [path for path in tracked if CACHE_DIR in path]


# 10. Templates that read the whole site never get a stale page.


LISTING = '<ul id="all">{% for p in site.posts %}<li>{{ p.title }}</li>{% endfor %}</ul>'
SITE_TEMPLATES = {
    "loop in post.html": {
        "templates/post.html": '{% extends "base.html" %}{% block main %}'
        + LISTING
        + "{% endblock %}",
    },
    "loop in an included partial": {
        "templates/post.html": '{% extends "base.html" %}{% block main %}'
        '{% include "partials/all.html" %}{% endblock %}',
        "templates/partials/all.html": LISTING,
    },
    "site passed to a macro": {
        "templates/post.html": '{% extends "base.html" %}{% from "macros.html" import all %}'
        "{% block main %}{{ all(site) }}{% endblock %}",
        "templates/macros.html": "{% macro all(s) %}"
        + LISTING.replace("site.posts", "s.posts")
        + "{% endmacro %}",
    },
    "site by subscript": {
        "templates/post.html": '{% extends "base.html" %}{% block main %}'
        + LISTING.replace("site.posts", 'site["posts"]')
        + "{% endblock %}",
    },
    "loop in the site's base.html": {
        "templates/base.html": (default_theme_dir() / "templates/base.html")
        .read_text(encoding="utf-8")
        .replace("</footer>", LISTING + "</footer>"),
    },
}


@pytest.mark.parametrize("name", SITE_TEMPLATES)
def test_post_pages_listing_all_posts_stay_current(make_site, name: str) -> None:
    site = make_site({**six_posts(), **SITE_TEMPLATES[name]})
    build_here(site)
    for i in range(6):
        listed = [li.get_text() for li in site.html(f"posts/p{i}/").select("#all li")]
        assert listed == [f"Title {n}" for n in range(5, -1, -1)]
    add_post(site)
    edit_title(site)
    result = build_here(site)
    assert result.rendered == 1
    expected = ["Title 6", "Title 5", "Title 4", "Title 3", "Renamed two", "Title 1", "Title 0"]
    for i in range(7):
        listed = [li.get_text() for li in site.html(f"posts/p{i}/").select("#all li")]
        assert listed == expected, i
    assert differing(files_of(site.public), fresh_build(site, "fresh")) == []


def test_listing_entries_that_read_the_site_stay_current(make_site) -> None:
    """A site's own `partials/entry.html` may show more than its post (here: how many posts
    there are); the memoized entries must not show the count of an earlier build."""
    theme_entry = (default_theme_dir() / "templates/partials/entry.html").read_text("utf-8")
    entry = theme_entry.replace(
        "</article>", '<p class="of">of {{ site.posts | length }}</p></article>'
    )
    assert entry != theme_entry
    site = make_site({**six_posts(), "templates/partials/entry.html": entry})
    build_here(site)
    assert {p.get_text() for p in site.html("").select("p.of")} == {"of 6"}
    add_post(site)
    build_here(site)
    assert {p.get_text() for p in site.html("").select("p.of")} == {"of 7"}
    assert differing(files_of(site.public), fresh_build(site, "fresh")) == []


def test_post_pages_reading_the_clock_stay_current(make_site) -> None:
    """A post page that shows more of `now` than the year is never taken from the cache."""
    template = (
        '{% extends "base.html" %}{% block main %}<p id="now">{{ now.isoformat() }}</p>'
        "{% endblock %}"
    )
    site = make_site({**six_posts(), "templates/post.html": template})
    build_here(site)
    first = site.html("posts/p0/").find(id="now").get_text()
    result = build_here(site)
    assert result.rendered == 0
    assert site.html("posts/p0/").find(id="now").get_text() != first


# Reproducible output.


def test_the_math_font_cut_does_not_depend_on_the_clock(make_site) -> None:
    """Two `--no-cache` builds of the same sources, a second apart, publish the same
    bytes; fontTools stamps the time into `head.modified` unless told not to."""
    site = make_site(six_posts())
    first = fresh_build(site, "first")
    start = int(time.time())
    while int(time.time()) == start:
        time.sleep(0.05)
    second = fresh_build(site, "second")
    assert differing(first, second) == []  # the same but for the stamped time...
    stamps = {TTFont(io.BytesIO(b[MATH_FONT]))["head"].modified for b in (first, second)}
    assert len(stamps) == 1, stamps
    assert [rel for rel in first if first[rel] != second[rel]] == []  # ...and byte for byte


def edit_static(site: Site) -> None:
    site.write("static/notes.txt", "second!\n")


@pytest.mark.parametrize("edit", [edit_static, edit_title], ids=["one file", "many files"])
def test_an_edit_that_fails_to_write_leaves_the_last_build_whole(
    make_site, monkeypatch: pytest.MonkeyPatch, edit: Callable[[Site], None]
) -> None:
    """One changed file is written beside its place and renamed in; more go into a fresh
    folder swapped in whole. If writing fails, the last build stays as it was, and no
    half-written file is left behind."""
    site = make_site(six_posts())
    build_here(site)
    files, stats = files_of(site.public), stats_of(site.public)
    edit(site)
    real_write, real_copy, calls = Path.write_bytes, shutil.copyfile, []

    def full(target: Path) -> None:
        calls.append(Path(target))
        raise OSError(28, "No space left on device", str(target))

    def failing_write(self: Path, data: bytes) -> int:
        if self.suffix == ".html" or ".write-" in self.name:
            full(self)
        return real_write(self, data)

    def failing_copy(source: object, target: object, **kwargs: object) -> object:
        if ".write-" in Path(str(target)).name:
            full(Path(str(target)))
        return real_copy(source, target, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "write_bytes", failing_write)
    monkeypatch.setattr(shutil, "copyfile", failing_copy)
    with pytest.raises(blogsite.build.OutputError, match="No space left"):
        build_here(site)
    in_place = all(".write-" in path.name for path in calls)
    assert calls and in_place == (edit is edit_static)
    assert files_of(site.public) == files and stats_of(site.public) == stats
    assert not [p for p in site.public.rglob("*") if ".blogsite-" in p.name]
    assert sorted(p.name for p in site.public.parent.iterdir() if ".public." in p.name) == [
        ".public.blogsite-files"
    ]
    monkeypatch.undo()
    assert build_here(site).written == len(differing(files, files_of(site.public)))
    assert files_of(site.public) == fresh_build(site, "fresh")


def test_a_rebuild_reports_the_same_counts(make_site) -> None:
    """Pages taken back from the output folder are still pages, not static files."""
    site = make_site(six_posts())
    first, second = build_here(site), build_here(site)
    counts = ("posts", "html_files", "tags", "static_files")
    assert [getattr(second, c) for c in counts] == [getattr(first, c) for c in counts]
    assert second.written == 0
