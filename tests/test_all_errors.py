"""A build reports every error of its sources at once, sorted by file and line, and writes
nothing: the author fixes them all in one go, not one build at a time."""

from __future__ import annotations

import re

from conftest import post

GOOD = post("好文章", "2024-01-01", "正文。")
LINE = re.compile(r"^(?P<path>[^:]+):(?P<line>\d+): (?P<message>.+)$")


def error_lines(err: str) -> list[tuple[str, int, str]]:
    """(path, line, message) of each `path:line: message` line, in printed order."""
    found = []
    for text in err.splitlines():
        if match := LINE.match(text):
            found.append((match["path"], int(match["line"]), match["message"]))
    return found


def test_every_bad_file_is_reported_in_one_build(make_site) -> None:
    site = make_site({"content/posts/good.md": GOOD})
    assert site.build().code == 0
    before = {p: p.read_bytes() for p in site.public.rglob("*") if p.is_file()}
    site.write("content/posts/b-bad-date.md", post("坏日期", "2024-02-30"))
    site.write("content/posts/a-no-title.md", "---\ndate: 2024-01-01\n---\n正文\n")
    site.write("content/posts/c-yaml.md", "---\ntitle: [unclosed\ndate: 2024-01-01\n---\n")
    site.write("content/about.md", post("关于", tags="不是列表"))
    run = site.build()
    assert run.code == 1
    assert "Traceback" not in run.err
    found = error_lines(run.err)
    # One line per bad file, sorted by path then line; the good post is not named.
    assert [path.rsplit("/", 1)[-1] for path, _, _ in found] == [
        "about.md",
        "a-no-title.md",
        "b-bad-date.md",
        "c-yaml.md",
    ]
    assert [(p, n) for p, n, _ in found] == sorted((p, n) for p, n, _ in found)
    assert "4 errors" in run.err.splitlines()[-1] and "nothing written" in run.err
    assert {p: p.read_bytes() for p in site.public.rglob("*") if p.is_file()} == before


def test_one_bad_file_still_reads_as_one_error(make_site) -> None:
    site = make_site(
        {"content/posts/good.md": GOOD, "content/posts/bad.md": post("t", "2024-13-01")}
    )
    run = site.build()
    assert run.code == 1
    (path, line, message), *rest = error_lines(run.err)
    assert rest == [] and path.endswith("content/posts/bad.md") and line == 3
    assert "date" in message


def test_slug_clashes_are_all_named(make_site) -> None:
    site = make_site(
        {
            "content/posts/a.md": post("A", "2024-01-01", slug="same"),
            "content/posts/b.md": post("B", "2024-01-02", slug="same"),
            "content/posts/c.md": post("C", "2024-01-03", slug="other"),
            "content/posts/d.md": post("D", "2024-01-04", slug="other"),
        }
    )
    run = site.build()
    assert run.code == 1
    text = run.err
    # Both clashes, each naming its two files.
    assert "2 errors" in text
    assert re.search(r"b\.md.*slug `same`.*a\.md", text)
    assert re.search(r"d\.md.*slug `other`.*c\.md", text)


def test_at_most_fifty_errors_are_listed(make_site) -> None:
    files = {f"content/posts/p{i:03}.md": post(f"t{i}", "2024-02-30") for i in range(60)}
    site = make_site(files)
    run = site.build()
    assert run.code == 1
    assert len(error_lines(run.err)) == 50
    assert "60 errors" in run.err and "first 50" in run.err
