"""What a build prints: plain lines in a log, a table and a progress bar on a terminal."""

from __future__ import annotations

import io
import re

from conftest import post

from blogsite.build import BuildResult
from blogsite.model import Skipped
from blogsite.report import PROGRESS_FROM, plural, print_summary, progress_bar


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def result(**changes: object) -> BuildResult:
    values: dict[str, object] = {
        "posts": 1,
        "html_files": 4,
        "tags": 1,
        "static_files": 6,
        "skipped": (),
        "written": 12,
        "unchanged": 0,
        "seconds": 0.5,
        "diagnostics": (),
    }
    return BuildResult(**{**values, **changes})  # type: ignore[arg-type]


def test_plurals() -> None:
    assert [plural(n, "post") for n in (0, 1, 2)] == ["0 posts", "1 post", "2 posts"]
    assert plural(1, "future post", "future posts") == "1 future post"


def test_plain_summary_outside_a_terminal() -> None:
    out = io.StringIO()
    skipped = (Skipped("a.md", "draft"), Skipped("b.md", "draft"), Skipped("c.md", "future"))
    print_summary(result(skipped=skipped), "public", out, verbose=False)
    assert out.getvalue() == (
        "Built 1 post, 4 HTML files, 1 tag, 6 static files (12 written, 0 unchanged) in 0.50 s"
        " → public\n"
        "Skipped 2 drafts and 1 future post: add --drafts --future to build them;"
        " -v lists them\n"
    )
    assert "\x1b" not in out.getvalue()


def test_table_on_a_terminal() -> None:
    out = Terminal()
    # A folder name that looks like rich's markup is printed as it is.
    skipped = (Skipped("a.md", "future"),)
    print_summary(result(skipped=skipped), "o[/]", out, verbose=True)
    text = re.sub(r"\x1b\[[0-9;]*m", "", out.getvalue())
    lines = text.splitlines()
    assert lines[0].strip() == "Built → o[/]"
    rows = {line.split()[0]: " ".join(line.split()[1:]) for line in lines[1:] if line.strip()}
    assert rows["posts"] == "1"
    assert rows["skipped"] == "1 1 future post: add --future to build it"
    assert rows["files"] == "12 written, 0 unchanged"
    assert rows["HTML"] == "files 4 index, posts, pages, tags, 404"
    assert rows["static"] == "files 6 copied as they are"


def test_progress_bar_only_for_large_builds_on_a_terminal() -> None:
    for stream, total, shown in (
        (Terminal(), PROGRESS_FROM, True),
        (Terminal(), PROGRESS_FROM - 1, False),
        (io.StringIO(), PROGRESS_FROM, False),
    ):
        with progress_bar(stream, enabled=True) as advance:
            if advance is not None:
                for done in range(1, total + 1):
                    advance(done, total)
        assert ("Rendering" in stream.getvalue()) is shown, (total, stream.getvalue())


def test_quiet_prints_warnings_and_verbose_lists_what_was_skipped(make_site) -> None:
    site = make_site(
        {
            "content/posts/a.md": post("A", body="坏的 $\\frac{1$\n"),
            "content/posts/d.markdown": post("D", draft=True),
            "content/posts/f.md": post("F", date="2999-01-01"),
            "content/posts/m.markdown": post("M"),
        }
    )
    quiet = site.build("-q")
    assert quiet.code == 0 and quiet.out == ""
    assert re.search(r"a\.md:\d+: math error", quiet.err)
    loud = site.build("-v")
    assert f"{site.root}/content/posts/d.markdown: skipped: draft; build with --drafts" in loud.out
    assert f"{site.root}/content/posts/f.md: skipped: future post; build with --future" in loud.out
    assert "Built 2 posts," in loud.out  # a.md and the .markdown post
    assert "Skipped 1 draft and 1 future post: add --drafts --future to build them\n" in loud.out
    assert (site.public / "posts/m/index.html").is_file()
    assert (site.public / ".nojekyll").read_bytes() == b""
