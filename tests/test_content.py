"""Front matter: what is read, and each bad input's message and line."""

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from blogsite.content import discover, is_ignored, parse_front_matter, split_front_matter
from blogsite.errors import ContentError
from blogsite.model import Source

SHANGHAI = ZoneInfo("Asia/Shanghai")


def source(text: str, name: str = "a") -> Source:
    return Source(
        path=Path(f"content/posts/{name}.md"),
        kind="post",
        name=name,
        bundle=None,
        text=text,
    )


def test_fields_are_read_and_extra_keys_kept() -> None:
    meta = parse_front_matter(
        source(
            "---\ntitle: 两数之和\ndate: 2024-05-01\nupdated: 2024-05-03 10:00\n"
            "tags: [LeetCode, 哈希表, LeetCode]\nsummary: 一句话\ndraft: true\ntoc: false\n"
            "slug: two-sum\ncover: x.png\n---\n正文\n"
        ),
        SHANGHAI,
    )
    assert meta.title == "两数之和"
    assert meta.date == datetime(2024, 5, 1, tzinfo=SHANGHAI)
    assert meta.updated == datetime(2024, 5, 3, 10, tzinfo=SHANGHAI)
    assert meta.tags == ("LeetCode", "哈希表")
    assert (meta.summary, meta.draft, meta.toc, meta.slug) == ("一句话", True, False, "two-sum")
    assert dict(meta.extra) == {"cover": "x.png"}
    assert meta.body == "正文\n"
    assert meta.body_line == 12


def test_zoned_date_keeps_its_zone_and_slug_defaults_to_name() -> None:
    meta = parse_front_matter(
        source("---\ntitle: t\ndate: 2024-05-01T09:30:00+02:00\n---\n", "x"), SHANGHAI
    )
    assert meta.date.utcoffset() == timedelta(hours=2)
    assert meta.date.astimezone(UTC).hour == 7
    assert meta.slug == "x"


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("no front matter\n", 1, "missing front matter"),
        ("---\ntitle: t\ndate: 2024-01-01\n", 1, "not closed"),
        ("---\ndate: 2024-01-01\n---\n", 1, "missing `title`"),
        ("---\ntitle: t\n---\n", 1, "missing `date`"),
        ("---\ntitle: t\ndate: next tuesday\n---\n", 3, "not a date"),
        ("---\ntitle: t\ndate: 2024-13-45\n---\n", 3, "not a date"),
        ("---\ntitle: t\ndate: 2024-01-01\nupdated: soon\n---\n", 4, "`updated` is not a date"),
        ("---\ntitle: t\ndate: 2024-01-01\ntags: LeetCode\n---\n", 4, "must be a list"),
        ("---\ntitle: t\ndate: 2024-01-01\ntags: [[a]]\n---\n", 4, "each tag"),
        ("---\ntitle: t: x\ndate: 2024-01-01\n---\n", 2, "YAML error"),
        ("---\ntitle: t\ndate: 2024-01-01\ndraft: maybe\n---\n", 4, "`draft` must be"),
        ("---\ntitle: t\ndate: 2024-01-01\nslug: a/b\n---\n", 4, "`slug`"),
        ("---\ntitle: t\ndate: 2024-01-01\nsummary: [1]\n---\n", 4, "`summary` must be text"),
    ],
)
def test_bad_front_matter_names_file_and_line(text: str, line: int, words: str) -> None:
    with pytest.raises(ContentError) as caught:
        parse_front_matter(source(text), SHANGHAI)
    assert str(caught.value).startswith(f"content/posts/a.md:{line}: ")
    assert words in str(caught.value)


def test_split_counts_body_line() -> None:
    yaml_text, body, line = split_front_matter(
        source("---\ntitle: t\ndate: 2024-01-01\n---\n\nbody\n")
    )
    assert yaml_text == "title: t\ndate: 2024-01-01\n"
    assert body.splitlines()[line - 5] == ""  # the body's first line is line 5 of the file
    assert body == "\nbody\n"


@pytest.mark.parametrize(
    "name", [".a.md.swp", "a.md~", ".#a.md", "4913", "a.tmp", ".DS_Store", "#a.md#"]
)
def test_editor_leftovers_are_ignored(name: str) -> None:
    assert is_ignored(name)


@pytest.mark.parametrize("name", ["a.md", "fig.svg", "index.md", "二分.md"])
def test_real_files_are_not_ignored(name: str) -> None:
    assert not is_ignored(name)


def test_discover_finds_posts_bundles_and_pages(tmp_path: Path) -> None:
    files = {
        "content/posts/a.md": "x",
        "content/posts/b/index.md": "x",
        "content/posts/b/fig.svg": "<svg/>",
        "content/posts/2024/c.md": "x",
        "content/posts/.d.md.swp": "x",
        "content/posts/e.markdown": "x",
        "content/posts/f/index.markdown": "x",
        "content/posts/g.txt": "x",
        "content/about.md": "x",
        "content/notes/index.md": "x",
    }
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    found = {
        (s.path.relative_to(tmp_path).as_posix(), s.kind, s.name, s.bundle is not None)
        for s in discover(tmp_path)
    }
    assert found == {
        ("content/posts/a.md", "post", "a", False),
        ("content/posts/e.markdown", "post", "e", False),
        ("content/posts/f/index.markdown", "post", "f", True),
        ("content/posts/b/index.md", "post", "b", True),
        ("content/posts/2024/c.md", "post", "c", False),
        ("content/about.md", "page", "about", False),
        ("content/notes/index.md", "page", "notes", True),
    }


def test_non_utf8_file_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "content/posts/a.md"
    path.parent.mkdir(parents=True)
    path.write_bytes("---\ntitle: 中文\n".encode("gbk"))
    with pytest.raises(ContentError) as caught:
        discover(tmp_path)
    # Named as the command named the site folder, so it opens from the current folder.
    assert str(caught.value).startswith(f"{tmp_path}/content/posts/a.md:2: not valid UTF-8")
