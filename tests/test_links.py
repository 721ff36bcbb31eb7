"""The link checker: broken links, images and #anchors of the built pages and feeds, told
at the Markdown line that wrote them (or as a template's), by `build`, `build --strict` and
`blogsite check`, with `--external` asking other sites (here: a server on 127.0.0.1)."""

from __future__ import annotations

import contextlib
import http.server
import re
import struct
import threading
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from conftest import REPO, post, write_site
from hypothesis import given, settings
from hypothesis import strategies as st

from blogsite import external
from blogsite.cli import main
from blogsite.external import ExternalOptions, check_external
from blogsite.links import PageLinks, SiteAddress, check_links, resolve, scan_page
from blogsite.theme import default_theme_dir

DAY = 24 * 3600  # how long an answer is trusted
NOTHING = "nothing is published at this address"
TEMPLATE = "a template writes it"


def png(width: int = 4, height: int = 3) -> bytes:
    """A PNG header the build can read the size of."""
    chunk = b"IHDR" + struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + chunk + struct.pack(">I", zlib.crc32(chunk))
    )


def line_of(text: str, needle: str) -> int:
    """The 1-based line of `text` holding `needle`, which must stand on exactly one line."""
    found = [n for n, line in enumerate(text.splitlines(), 1) if needle in line]
    assert len(found) == 1, f"{needle!r} is on lines {found}"
    return found[0]


@dataclass
class Run:
    code: int
    out: str
    err: str

    @property
    def lines(self) -> list[str]:
        """What went to stderr, line by line."""
        return [line for line in self.err.splitlines() if line.strip()]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> Run:
    capsys.readouterr()
    code = main(list(argv))
    captured = capsys.readouterr()
    return Run(code, captured.out, captured.err)


def check(capsys: pytest.CaptureFixture[str], root: Path, *args: str) -> Run:
    return run(capsys, "check", "--source", str(root), "--no-cache", *args)


def build(capsys: pytest.CaptureFixture[str], root: Path, *args: str) -> Run:
    return run(capsys, "build", "--source", str(root), "--no-cache", "--no-search", *args)


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def files_of(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


B_POST = post("B", "2024-01-01", 'Text with <span id="span-id">a target</span>.\n')

GOOD_LINKS = """\
Intro.

## A heading here

## 滑动窗口

Good: [b](/posts/b/), [rel](../b/), [bare](/posts/b), [self](#a-heading-here),
[span](/posts/b/#span-id), ![fig](fig.png), a note[^1], [top](#top),
[mail](mailto:someone@example.com), [out](https://other.example/), [file](/posts/b/index.html),
[cn](#滑动窗口) and
[cn encoded](#%E6%BB%91%E5%8A%A8%E7%AA%97%E5%8F%A3).

[^1]: The note.
"""

BROKEN_LINKS = """
Missing page: [gone](/posts/nope/).

Missing anchor here: [here](#no-such).

Missing anchor there: [there](/posts/b/#nope).

Missing anchor there, relative: [rel there](../b/#nope).

Missing image: ![x](missing.png).

Missing anchor, by the file's name: [by name](/posts/b/index.html#nope).
"""


# --- 1. what is broken, and what is not ------------------------------------------------------


def two_post_site(tmp_path: Path, a_text: str) -> Path:
    """Post `a` as a bundle with its figure, and post `b` to link to."""
    files = {
        "content/posts/a/index.md": a_text,
        "content/posts/a/fig.png": png(),
        "content/posts/b.md": B_POST,
    }
    return write_site(tmp_path / "site", files)


def test_broken_links_are_each_reported_once_at_their_line(tmp_path, capsys) -> None:
    a_text = post("A", "2024-01-02", GOOD_LINKS + BROKEN_LINKS)
    root = two_post_site(tmp_path, a_text)
    result = check(capsys, root)
    assert result.code == 1
    shown = f"{root}/content/posts/a/index.md"
    expected = [
        f"{shown}:{line_of(a_text, '(/posts/nope/)')}: broken link /posts/nope/: {NOTHING}",
        f"{shown}:{line_of(a_text, '(#no-such)')}: broken link #no-such: "
        'this page has no element with id "no-such"',
        f"{shown}:{line_of(a_text, '(/posts/b/#nope)')}: broken link /posts/b/#nope: "
        '/posts/b/ has no element with id "nope"',
        f"{shown}:{line_of(a_text, '(../b/#nope)')}: broken link ../b/#nope: "
        '/posts/b/ has no element with id "nope"',
        f"{shown}:{line_of(a_text, '(missing.png)')}: broken link missing.png: {NOTHING}",
        f"{shown}:{line_of(a_text, '(/posts/b/index.html#nope)')}: broken link "
        '/posts/b/index.html#nope: /posts/b/ has no element with id "nope"',
    ]
    # Exactly these, each once: none of the good links is a false alarm.
    assert sorted(result.lines) == sorted(expected)
    assert result.out.strip().endswith(": 6 problems.")


def test_working_links_give_no_diagnostic_and_are_really_checked(tmp_path, capsys) -> None:
    a_text = post("A", "2024-01-02", GOOD_LINKS)
    root = two_post_site(tmp_path, a_text)
    result = build(capsys, root)
    assert result.code == 0, result.err
    assert result.lines == []
    page = soup(root / "public/posts/a/index.html")
    # The anchors linked to are the ids the headings really get.
    heading_ids = {h.get("id") for h in page.find_all("h2")}
    assert {"a-heading-here", "滑动窗口"} <= heading_ids
    hrefs = {a.get("href") for a in page.find_all("a")}
    assert {"/posts/b/", "../b/", "/posts/b", "#a-heading-here", "/posts/b/#span-id"} <= hrefs
    assert "/posts/b/index.html" in hrefs
    assert "#%E6%BB%91%E5%8A%A8%E7%AA%97%E5%8F%A3" in hrefs
    assert soup(root / "public/posts/b/index.html").find(id="span-id") is not None
    assert (root / "public/posts/a/fig.png").is_file()

    # The same links, with their targets taken away, are all reported: they were checked.
    (root / "content/posts/a/fig.png").unlink()
    (root / "content/posts/b.md").unlink()
    (root / "content/posts/a/index.md").write_text(
        a_text.replace("## A heading here", "## Renamed").replace("## 滑动窗口", "## 双指针"),
        encoding="utf-8",
    )
    result = build(capsys, root)
    assert result.code == 0
    reported = {line.split(": broken link ")[1].split(":")[0] for line in result.lines}
    assert {
        "/posts/b/",
        "../b/",
        "/posts/b",
        "#a-heading-here",
        "/posts/b/#span-id",
        "/posts/b/index.html",
        "fig.png",
    } <= reported
    # The Chinese anchor, written raw and percent-encoded (on two lines): both missing now.
    shown = f"{root}/content/posts/a/index.md"
    for needle in ("(#滑动窗口)", "(#%E6%BB%91"):
        assert any(
            line.startswith(f"{shown}:{line_of(a_text, needle)}: broken link #")
            and line.endswith('this page has no element with id "滑动窗口"')
            for line in result.lines
        ), needle
    assert not any(
        target in line
        for line in result.lines
        for target in ("#top", "mailto:", "other.example", "#fn1", "#fnref1")
    )


# --- 2. the line of each link ---------------------------------------------------------------

LINES_BODY = """\
First line of a paragraph,
second line,
third with [para](/nope-para/) here.

- item one
- item [item](/nope-item/)
  continued [item2](/nope-item2/)

| h1 | h2 |
|----|----|
| x  | y  |
| z  | [cell](/nope-cell/) |

Text with a note[^n].

[^n]: Footnote line
    with [note](/nope-note/) inside.

<div>
<p>one</p>
<p>two</p>
<a href="/nope-block/">x</a>
</div>

> quote
> with [quoted](/nope-quote/)

Inline <a href="/nope-inline/">html</a> and
next line <img src="/nope-img.png">.
"""


def test_each_link_is_reported_at_its_own_line(tmp_path, capsys) -> None:
    text = post("A", "2024-01-02", LINES_BODY)
    root = write_site(tmp_path / "site", {"content/posts/a.md": text})
    result = check(capsys, root)
    assert result.code == 1
    shown = f"{root}/content/posts/a.md"
    urls = [
        "/nope-para/",
        "/nope-item/",
        "/nope-item2/",
        "/nope-cell/",
        "/nope-note/",
        "/nope-block/",
        "/nope-quote/",
        "/nope-inline/",
        "/nope-img.png",
    ]
    expected = [f"{shown}:{line_of(text, url)}: broken link {url}: {NOTHING}" for url in urls]
    assert sorted(result.lines) == sorted(expected)
    # The paragraph's link is not told at the paragraph's first line.
    assert line_of(text, "/nope-para/") == line_of(text, "First line") + 2


@pytest.mark.parametrize(
    "before",
    ["Text `code\nspanning` and", 'Some <span\nclass="x">html</span> then', "Math $a +\nb$ then"],
    ids=["code-span", "inline-html", "inline-math"],
)
def test_a_link_after_an_inline_element_spanning_lines(tmp_path, capsys, before) -> None:
    text = post("A", "2024-01-02", f"{before} [bad](/nope/).\n")
    root = write_site(tmp_path / "site", {"content/posts/a.md": text})
    result = check(capsys, root)
    shown = f"{root}/content/posts/a.md"
    assert result.lines == [f"{shown}:{line_of(text, '/nope/')}: broken link /nope/: {NOTHING}"]


# --- 3. excerpts ----------------------------------------------------------------------------


def test_a_broken_link_in_an_excerpt_is_told_once_at_the_post(tmp_path, capsys) -> None:
    text = post(
        "A",
        "2024-01-02",
        "Excerpt [gone](/posts/nope/) and ![x](missing.png) and [rel](../b/#nope).\n\n"
        "<!--more-->\n\nThe rest.\n",
    )
    root = write_site(
        tmp_path / "site", {"content/posts/a/index.md": text, "content/posts/b.md": B_POST}
    )
    result = build(capsys, root)
    assert result.code == 0
    # The excerpt really stands on the index page, its relative links made absolute.
    index = soup(root / "public/index.html")
    assert index.find("a", href="/posts/nope/") is not None
    assert index.find("img", src="/posts/a/missing.png") is not None
    assert index.find("a", href="/posts/b/#nope") is not None
    shown = f"{root}/content/posts/a/index.md"
    line = line_of(text, "Excerpt")
    assert sorted(result.lines) == sorted(
        [
            f"{shown}:{line}: broken link /posts/nope/: {NOTHING}",
            f"{shown}:{line}: broken link missing.png: {NOTHING}",
            f'{shown}:{line}: broken link ../b/#nope: /posts/b/ has no element with id "nope"',
        ]
    )


def test_a_raw_html_image_in_an_excerpt_is_told_at_the_post(tmp_path, capsys) -> None:
    text = post(
        "A", "2024-01-02", 'Raw <img src="fig.png" alt="f"> image.\n\n<!--more-->\n\nRest.\n'
    )
    root = write_site(
        tmp_path / "site", {"content/posts/a/index.md": text, "content/posts/a/fig.png": png()}
    )
    result = check(capsys, root)
    assert not any(line.startswith("templates:") for line in result.lines), result.lines


# --- 4. feeds and the sitemap ---------------------------------------------------------------

FEED_SITE = {
    "blogsite.yaml": "title: T\nbase_url: https://example.com/\n",
    "content/posts/a.md": post("A", "2024-01-02", "See [b](/posts/b/).\n", tags=["x", "y"]),
    "content/posts/b.md": post("B", "2024-01-01", "B.\n", tags=["x"]),
}


def test_feeds_and_sitemap_give_no_false_alarm_nor_a_second_report(tmp_path, capsys) -> None:
    root = write_site(tmp_path / "site", FEED_SITE)
    result = build(capsys, root)
    assert result.code == 0
    assert result.lines == []
    for feed in ("atom.xml", "sitemap.xml", "tags/x/atom.xml", "tags/y/atom.xml"):
        assert (root / "public" / feed).is_file(), feed
    assert "https://example.com/posts/b/" in (root / "public/sitemap.xml").read_text()

    text = post(
        "A", "2024-01-02", "See [b](/posts/b/).\n\nAnd [gone](/posts/nope/).\n", tags=["x", "y"]
    )
    write_site(root, {"content/posts/a.md": text})
    result = build(capsys, root)
    assert result.code == 0
    # The feeds hold the broken link too, yet it is told once, at the post.
    for feed in ("atom.xml", "tags/x/atom.xml"):
        assert "/posts/nope/" in (root / "public" / feed).read_text(encoding="utf-8")
    shown = f"{root}/content/posts/a.md"
    assert result.lines == [
        f"{shown}:{line_of(text, '/posts/nope/')}: broken link /posts/nope/: {NOTHING}"
    ]


# --- 5. a site below a sub-path -------------------------------------------------------------


def test_a_sub_path_site_checks_its_links_under_its_path(tmp_path, capsys) -> None:
    text = post(
        "A",
        "2024-01-02",
        "[b](/posts/b/) [rel](../b/) [full](https://example.com/blog/posts/b/)\n\n"
        "[gone](https://example.com/blog/posts/gone/)\n\n"
        "[nope](/posts/nope/)\n\n"
        "[other project](https://example.com/elsewhere/)\n",
    )
    root = write_site(
        tmp_path / "site",
        {
            "blogsite.yaml": "title: T\nbase_url: https://example.com/blog/\n",
            "content/posts/a.md": text,
            "content/posts/b.md": B_POST,
        },
    )
    result = build(capsys, root)
    assert result.code == 0
    hrefs = {a.get("href") for a in soup(root / "public/posts/a/index.html").find_all("a")}
    assert "/blog/posts/b/" in hrefs and "/posts/b/" not in hrefs
    shown = f"{root}/content/posts/a.md"
    gone = "https://example.com/blog/posts/gone/"
    assert sorted(result.lines) == sorted(
        [
            f"{shown}:{line_of(text, gone)}: broken link {gone}: {NOTHING}",
            f"{shown}:{line_of(text, '(/posts/nope/)')}: broken link /posts/nope/: {NOTHING}",
        ]
    )


def test_a_chinese_anchor_is_shown_as_written(tmp_path, capsys) -> None:
    text = post("A", "2024-01-02", "[cn](#滑动窗口)\n")
    root = write_site(tmp_path / "site", {"content/posts/a.md": text})
    result = check(capsys, root)
    assert result.lines == [
        f"{root}/content/posts/a.md:{line_of(text, '滑动窗口')}: broken link #滑动窗口: "
        'this page has no element with id "滑动窗口"'
    ]


def test_a_raw_link_with_spaces_is_told_at_the_post(tmp_path, capsys) -> None:
    text = post("A", "2024-01-02", 'Raw <a href=" /nope/ ">x</a>.\n')
    root = write_site(tmp_path / "site", {"content/posts/a.md": text})
    result = check(capsys, root)
    assert result.lines == [
        f"{root}/content/posts/a.md:{line_of(text, 'nope')}: broken link /nope/: {NOTHING}"
    ]


# --- 6. links the templates write -----------------------------------------------------------


def theme_template(name: str) -> str:
    return (default_theme_dir() / "templates" / name).read_text(encoding="utf-8")


def test_a_template_link_is_told_as_the_templates(tmp_path, capsys) -> None:
    extra = "<a href=\"{{ url('nowhere/') }}\">x</a>"
    not_found = theme_template("404.html").rstrip().removesuffix("{% endblock %}")
    not_found += extra + "\n{% endblock %}\n"
    tag = theme_template("tag.html").replace(
        "{% block main %}", "{% block main %}" + extra.replace("nowhere", "no-tag")
    )
    assert "nowhere" in not_found and "no-tag" in tag
    root = write_site(
        tmp_path / "site",
        {
            "templates/404.html": not_found,
            "templates/tag.html": tag,
            "content/posts/a.md": post("A", "2024-01-02", "A.\n", tags=["x", "y"]),
        },
    )
    result = build(capsys, root)
    assert result.code == 0
    assert soup(root / "public/404.html").find("a", href="/nowhere/") is not None
    assert len(result.lines) == 2
    four, tags = sorted(result.lines, key=lambda line: "no-tag" in line)
    assert four == f"templates: broken link /nowhere/ on /404.html: {NOTHING}; {TEMPLATE}"
    assert re.fullmatch(
        rf"templates: broken link /no-tag/ on /tags/[xy]/ and 1 more: {NOTHING}; {TEMPLATE}", tags
    ), tags


# --- 7. build --strict ----------------------------------------------------------------------


def test_strict_refuses_a_broken_link_and_writes_nothing(tmp_path, capsys) -> None:
    good = post("A", "2024-01-02", "Fine.\n")
    bad = post("A", "2024-01-02", "Fine.\n\n[gone](/posts/nope/)\n")
    root = write_site(tmp_path / "site", {"content/posts/a.md": bad})
    warning = (
        f"{root}/content/posts/a.md:{line_of(bad, 'nope')}: broken link /posts/nope/: {NOTHING}"
    )

    result = build(capsys, root, "--strict")
    assert result.code == 1
    assert warning in result.lines
    assert "--strict: nothing written" in result.lines[-1]
    assert not (root / "public").exists()

    # A previous build stays as it was, byte for byte.
    write_site(root, {"content/posts/a.md": good})
    assert build(capsys, root, "--strict").code == 0
    before = files_of(root / "public")
    assert "posts/a/index.html" in before
    write_site(root, {"content/posts/a.md": bad})
    result = build(capsys, root, "--strict")
    assert result.code == 1 and "--strict: nothing written" in result.err
    assert files_of(root / "public") == before

    # Without --strict: written, with the warning.
    result = build(capsys, root)
    assert result.code == 0
    assert result.lines == [warning]
    assert "/posts/nope/" in (root / "public/posts/a/index.html").read_text(encoding="utf-8")


# --- 8. blogsite check ----------------------------------------------------------------------


def test_check_says_no_problem_on_a_clean_site_and_writes_nothing(tmp_path, capsys) -> None:
    root = write_site(tmp_path / "site", FEED_SITE)
    result = run(capsys, "check", "--source", str(root))  # the cache on: still no public/
    assert result.code == 0, result.err
    assert result.lines == []
    assert re.fullmatch(
        r"Checked \d+ links on \d+ pages in \d+\.\d\d s: no problem\.", result.out.strip()
    )
    assert not (root / "public").exists()


def test_check_lists_the_problems_and_fails(tmp_path, capsys) -> None:
    text = post("A", "2024-01-02", "[gone](/posts/nope/)\n\n[here](#no-such)\n")
    root = write_site(tmp_path / "site", {"content/posts/a.md": text})
    result = check(capsys, root)
    assert result.code == 1
    shown = f"{root}/content/posts/a.md"
    assert result.lines == [
        f"{shown}:{line_of(text, 'nope')}: broken link /posts/nope/: {NOTHING}",
        f"{shown}:{line_of(text, 'no-such')}: broken link #no-such: "
        'this page has no element with id "no-such"',
    ]
    assert result.out.strip().startswith("Checked ")
    assert result.out.strip().endswith(": 2 problems.")
    assert not (root / "public").exists()


def test_the_bundled_blog_passes_check() -> None:
    cache = REPO / ".blogsite-cache"
    had_cache = cache.exists()
    assert main(["check", "--source", str(REPO), "--no-cache"]) == 0
    assert cache.exists() == had_cache


# --- 9. check --external, against a server on 127.0.0.1 --------------------------------------


@dataclass
class Server:
    base: str
    asked: list[tuple[str, str]]


@pytest.fixture
def server(monkeypatch) -> Iterator[Server]:
    """A local HTTP server: /ok answers, /missing is 404, /nohead refuses HEAD (405) but
    answers GET, /slow never answers in time."""
    for name in (
        "http_proxy",
        "HTTP_PROXY",
        "https_proxy",
        "HTTPS_PROXY",
        "all_proxy",
        "ALL_PROXY",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("no_proxy", "*")
    release = threading.Event()
    asked: list[tuple[str, str]] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def answer(self) -> None:
            asked.append((self.command, self.path))
            if self.path == "/slow":
                release.wait(10)
                return
            status = {
                "/ok": 200,
                "/missing": 404,
                "/nohead": 405 if self.command == "HEAD" else 200,
            }
            self.send_response(status.get(self.path, 404))
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_HEAD = answer
        do_GET = answer

        def log_message(self, format: str, *args: object) -> None:
            pass

        def handle(self) -> None:
            with contextlib.suppress(OSError):  # the checker gave up on /slow
                super().handle()

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    # The real ask_url, but refusing anything beyond this server: the tests never go out.
    real_ask = external.ask_url
    base = f"http://127.0.0.1:{httpd.server_address[1]}"

    def local_only(url: str, timeout: float) -> str | None:
        assert url.startswith(base + "/"), f"the check asked {url}"
        return real_ask(url, timeout)

    monkeypatch.setattr(external, "ask_url", local_only)
    try:
        yield Server(base, asked)
    finally:
        release.set()
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


def test_check_external_reports_only_what_does_not_answer(tmp_path, capsys, server) -> None:
    text = post(
        "A",
        "2024-01-02",
        f"[ok]({server.base}/ok)\n\n[missing]({server.base}/missing)\n\n"
        f"[no head]({server.base}/nohead)\n",
    )
    root = write_site(tmp_path / "site", {"content/posts/a.md": text})
    result = check(capsys, root, "--external", "--timeout", "5")
    assert result.code == 1
    missing = f"{server.base}/missing"
    assert result.lines == [
        f"{root}/content/posts/a.md:{line_of(text, missing)}: broken external link {missing}: "
        "the server answers HTTP 404"
    ]
    assert "and 3 links to other sites" in result.out and ": 1 problem." in result.out
    # HEAD first, GET only where HEAD was refused.
    assert sorted(server.asked) == sorted(
        [("HEAD", "/ok"), ("HEAD", "/missing"), ("HEAD", "/nohead"), ("GET", "/nohead")]
    )
    # Without --external no one is asked.
    server.asked.clear()
    result = check(capsys, root)
    assert result.code == 0 and server.asked == []


def test_check_external_gives_up_after_the_timeout(tmp_path, capsys, server) -> None:
    slow = f"{server.base}/slow"
    text = post("A", "2024-01-02", f"[slow]({slow})\n")
    root = write_site(tmp_path / "site", {"content/posts/a.md": text})
    result = check(capsys, root, "--external", "--timeout", "0.5")
    assert result.code == 1
    assert result.lines == [
        f"{root}/content/posts/a.md:{line_of(text, slow)}: broken external link {slow}: "
        "no answer within 0.5 s"
    ]


def test_check_external_keeps_answers_for_a_day(tmp_path) -> None:
    asked: list[str] = []
    failing = {"https://b.example/gone"}

    def ask(url: str, timeout: float) -> str | None:
        assert timeout == 3.0
        asked.append(url)
        return "the server answers HTTP 404" if url in failing else None

    cache = tmp_path / "cache" / "external.json"
    options = ExternalOptions(timeout=3.0, workers=2, cache=cache)
    urls = ["https://a.example/", "https://b.example/gone"]
    t0 = 1_000_000.0

    assert check_external(urls, options, ask=ask, now=lambda: t0) == {
        "https://b.example/gone": "the server answers HTTP 404"
    }
    assert sorted(asked) == sorted(urls) and cache.is_file()

    # Within the day: only the failure is asked again.
    asked.clear()
    problems = check_external(urls, options, ask=ask, now=lambda: t0 + DAY - 1)
    assert asked == ["https://b.example/gone"] and list(problems) == ["https://b.example/gone"]

    # After a day: asked again.
    asked.clear()
    failing.clear()
    assert check_external(urls, options, ask=ask, now=lambda: t0 + DAY + 1) == {}
    assert sorted(asked) == sorted(urls)

    # Without a cache file, everything is asked every time.
    asked.clear()
    check_external(
        urls, ExternalOptions(cache=None), ask=lambda u, t: asked.append(u), now=lambda: t0
    )
    assert sorted(asked) == sorted(urls)


# --- 10. reading the links and ids of a page ------------------------------------------------


def test_scan_page_reads_attributes_quoted_every_way() -> None:
    page = scan_page(
        '<div id="dq"><a href="/double/">x</a></div>'
        "<p id='sq'><a href='/single/'>y</a></p>"
        "<span id=bare><img src=/bare.png alt=z></span>"
        '<a name="named"></a>'
        '<a href="/a?x=1&amp;y=2">q</a>'
    )
    assert page.urls == ("/double/", "/single/", "/bare.png", "/a?x=1&y=2")
    assert page.ids == {"dq", "sq", "bare", "named"}


def test_scan_page_skips_comments_script_bodies_and_prose() -> None:
    page = scan_page(
        '<!-- <a href="/commented/" id="c">old</a> -->'
        "<script src=\"/js/app.js\">var s = \"<a href='/x' id='y'>\";</script>"
        '<script>document.write("<img src=/z.png>")</script>'
        "<p>set href=foo and id=5 in prose</p>"
        "<p>shown: &lt;a href=&quot;/shown/&quot;&gt;</p>"
        '<a href="/real/">r</a>'
    )
    assert page.urls == ("/js/app.js", "/real/")
    assert page.ids == frozenset()


def test_scan_page_reads_a_feed_s_escaped_content_and_sitemap_locs() -> None:
    feed = scan_page(
        '<feed><link href="https://example.com/atom.xml" rel="self"/>'
        '<content type="html">&lt;p&gt;&lt;a href="/posts/b/#x"&gt;b&lt;/a&gt;&lt;/p&gt;</content>'
        "<url><loc>https://example.com/posts/a/?a=1&amp;b=2</loc></url></feed>",
        feed=True,
    )
    assert set(feed.urls) == {
        "https://example.com/atom.xml",
        "/posts/b/#x",
        "https://example.com/posts/a/?a=1&b=2",
    }


def test_scan_page_reads_a_link_after_an_attribute_holding_a_gt() -> None:
    assert scan_page('<a title="a>b" href="/x/">x</a>').urls == ("/x/",)


# --- 11. resolve ----------------------------------------------------------------------------

ADDRESSES = st.sampled_from([SiteAddress(), SiteAddress("/blog/", "example.com")])
SEGMENTS = st.sampled_from(["a", "b", "..", ".", "", "%2e%2e", "index.html", "blog"])
PAGES = st.sampled_from(
    ["index.html", "404.html", "posts/a/index.html", "tags/x/page/2/index.html"]
)
TAILS = st.sampled_from(["", "/", "#x", "/#..", "?q=..", "#%2e%2e"])


def _url(absolute: bool, segments: list[str], tail: str) -> str:
    url = "/".join(segments) + tail
    if absolute:
        return "/" + url
    return url if not url.startswith("/") else "a" + url  # kept relative


def _no_dot_dot(found: tuple[str, str] | None) -> bool:
    return found is None or ".." not in found[0].split("/")


@settings(derandomize=True, max_examples=50, deadline=None)
@given(st.lists(SEGMENTS, max_size=6), TAILS, PAGES, ADDRESSES)
def test_resolve_keeps_relative_links_inside_the_site(segments, tail, page, address) -> None:
    found = resolve(_url(False, segments, tail), page, address)
    assert _no_dot_dot(found), found


@pytest.mark.parametrize(
    ("url", "address"),
    [
        ("/posts/x/../b/", SiteAddress()),
        ("/../x", SiteAddress()),
        ("/blog/../x", SiteAddress("/blog/", "example.com")),
        ("https://example.com/blog/a/%2e%2e/%2e%2e/x", SiteAddress("/blog/", "example.com")),
    ],
)
def test_resolve_keeps_absolute_links_inside_the_site(url, address) -> None:
    # A browser removes the dot segments of an absolute path as well as a relative one's.
    assert _no_dot_dot(resolve(url, "index.html", address))


@settings(derandomize=True, max_examples=50, deadline=None)
@given(st.text(st.sampled_from("ab./#?%:@2e"), max_size=20), PAGES, ADDRESSES)
def test_resolve_never_raises(url, page, address) -> None:
    for candidate in (url, "https://example.com/" + url, "//example.com/" + url):
        found = resolve(candidate, page, address)
        assert found is None or (isinstance(found[0], str) and isinstance(found[1], str))


def test_a_malformed_url_in_raw_html_does_not_crash_the_build(tmp_path, capsys) -> None:
    root = write_site(
        tmp_path / "site",
        {"content/posts/a.md": post("A", body='Raw <a href="http://[oops/">x</a>.\n')},
    )
    result = build(capsys, root)
    assert result.code in (0, 1) and "internal error" not in result.err, result.err


def test_a_root_relative_link_with_dot_segments_that_works_is_not_reported(
    tmp_path, capsys
) -> None:
    root = write_site(
        tmp_path / "site",
        {
            "content/posts/a.md": post("A", body="[b](/posts/a/../b/)\n"),
            "content/posts/b.md": B_POST,
        },
    )
    assert check(capsys, root).lines == []


def test_a_template_link_is_told_even_when_a_post_has_the_same(tmp_path, capsys) -> None:
    extra = "<a href=\"{{ url('nowhere/') }}\">x</a>"
    not_found = theme_template("404.html").rstrip().removesuffix("{% endblock %}")
    text = post("A", "2024-01-02", "[x](/nowhere/)\n")
    root = write_site(
        tmp_path / "site",
        {
            "templates/404.html": not_found + extra + "\n{% endblock %}\n",
            "content/posts/a.md": text,
        },
    )
    result = check(capsys, root)
    assert sorted(result.lines) == [
        f"{root}/content/posts/a.md:{line_of(text, 'nowhere')}: broken link /nowhere/: {NOTHING}",
        f"templates: broken link /nowhere/ on /404.html: {NOTHING}; {TEMPLATE}",
    ]


def test_a_query_only_link_is_checked_against_its_own_page() -> None:
    pages = {
        "404.html": PageLinks(("?a#x",), frozenset()),
        "index.html": PageLinks(("?a#x",), frozenset({"x"})),
    }
    broken = check_links(pages, set(pages), SiteAddress()).broken
    assert [item.page for item in broken] == ["404.html"]
