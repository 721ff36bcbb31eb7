"""Every bad input: exit 1, `path:line: message`, no traceback, the old site intact."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import post, write_site

GOOD = {
    "blogsite.yaml": "title: 好博客\n",
    "content/posts/good.md": post("好文章", "2024-01-01", "正文 $x$。"),
}

# (files that break the build, file named in the message, line in the message or None)
BAD_INPUTS = {
    "yaml-error": (
        {"content/posts/bad.md": "---\ntitle: [unclosed\ndate: 2024-01-01\n---\n"},
        "content/posts/bad.md",
        2,  # where the `[` was opened, not where YAML noticed it was never closed
    ),
    "missing-title": (
        {"content/posts/bad.md": "---\ndate: 2024-01-01\n---\nbody\n"},
        "content/posts/bad.md",
        1,
    ),
    "missing-date": (
        {"content/posts/bad.md": "---\ntitle: t\n---\nbody\n"},
        "content/posts/bad.md",
        1,
    ),
    "bad-date": ({"content/posts/bad.md": post("t", "2024-02-30")}, "content/posts/bad.md", 3),
    "tags-not-list": (
        {"content/posts/bad.md": post("t", tags="LeetCode")},
        "content/posts/bad.md",
        4,
    ),
    "duplicate-slug": (
        {"content/posts/other.md": post("另一篇", "2024-01-02", slug="good")},
        "content/posts/other.md",
        None,
    ),
    "missing-template": (
        {
            "templates/post.html": '{% extends "base.html" %}{% block main %}'
            '{% include "nope.html" %}{% endblock %}'
        },
        "templates/nope.html",
        None,
    ),
    "template-error": (
        {
            "templates/post.html": '{% extends "base.html" %}\n{% block main %}\n'
            "{{ post.no_such.field }}\n{% endblock %}"
        },
        "post.html",
        3,
    ),
    "template-syntax": ({"templates/post.html": "{% if %}\n"}, "post.html", 1),
    "config-unknown-key": ({"blogsite.yaml": "title: x\npagniate: 3\n"}, "blogsite.yaml", 2),
    "no-front-matter": ({"content/posts/bad.md": "# 只有标题\n"}, "content/posts/bad.md", 1),
    # Each setting that is checked, on the line that sets it.
    "base-url-no-scheme": (
        {"blogsite.yaml": "title: x\nbase_url: user.github.io/blog/\n"},
        "blogsite.yaml",
        2,
    ),
    "base-url-no-host": ({"blogsite.yaml": "base_url: https:///blog/\n"}, "blogsite.yaml", 1),
    "base-url-ftp": ({"blogsite.yaml": "title: x\n\nbase_url: ftp://x.org/\n"}, "blogsite.yaml", 3),
    "language-not-a-tag": ({"blogsite.yaml": "title: x\nlanguage: 中文\n"}, "blogsite.yaml", 2),
    "language-underscore": ({"blogsite.yaml": "language: zh_CN\n"}, "blogsite.yaml", 1),
    "timezone-unknown": ({"blogsite.yaml": "title: x\ntimezone: Beijing\n"}, "blogsite.yaml", 2),
    "paginate-zero": ({"blogsite.yaml": "paginate: 0\n"}, "blogsite.yaml", 1),
    "paginate-text": ({"blogsite.yaml": "title: x\npaginate: ten\n"}, "blogsite.yaml", 2),
    "config-unclosed-quote": ({"blogsite.yaml": 'title: "x\nauthor: me\n'}, "blogsite.yaml", 1),
    "front-matter-unclosed-list": (
        {"content/posts/bad.md": "---\ntitle: t\ndate: 2024-01-01\ntags: [a, b\n---\n"},
        "content/posts/bad.md",
        4,
    ),
}


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "blogsite", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
    )


@pytest.mark.parametrize("case", BAD_INPUTS)
def test_bad_input_fails_cleanly_and_keeps_last_good_site(tmp_path: Path, case: str) -> None:
    files, named, line = BAD_INPUTS[case]
    root = write_site(tmp_path / "site", GOOD)
    assert run_cli("build", "--source", str(root)).returncode == 0
    before = {
        p.relative_to(root / "public"): p.read_bytes()
        for p in (root / "public").rglob("*")
        if p.is_file()
    }

    write_site(root, files)
    result = run_cli("build", "--source", str(root))

    assert result.returncode == 1
    assert "Traceback" not in result.stderr + result.stdout
    message = result.stderr.strip().splitlines()[-1]
    where = f"{named}:{line}: " if line else f"{named}: "
    assert where in message, message
    after = {
        p.relative_to(root / "public"): p.read_bytes()
        for p in (root / "public").rglob("*")
        if p.is_file()
    }
    assert after == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".public")]


def test_math_error_warns_and_strict_fails(tmp_path: Path) -> None:
    root = write_site(
        tmp_path / "site",
        {"content/posts/m.md": post("m", "2024-01-01", "好的 $x$\n\n坏的 $\\frac{1$\n")},
    )
    result = run_cli("build", "--source", str(root))
    assert result.returncode == 0
    assert "content/posts/m.md:7: math error: " in result.stderr
    page = (root / "public/posts/m/index.html").read_text()
    assert '<code class="math-error"' in page and "\\frac{1</code>" in page

    (root / "content/posts/m.md").write_text(post("m2", "2024-01-01", "坏的 $\\nosuchcmd$\n"))
    strict = run_cli("build", "--source", str(root), "--strict")
    assert strict.returncode == 1
    assert "content/posts/m.md:5: math error: " in strict.stderr
    assert "Traceback" not in strict.stderr
    assert "<h1>m</h1>" in (root / "public/posts/m/index.html").read_text()


def test_missing_content_folder(tmp_path: Path) -> None:
    result = run_cli("build", "--source", str(tmp_path))
    assert result.returncode == 1
    assert "content/" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("setup", "named"),
    [
        ("broken-symlink", "content/posts/gone.md"),
        ("latin1-config", "blogsite.yaml:2"),
        ("timezone-folder", "blogsite.yaml:1"),
    ],
)
def test_unreadable_input_is_a_clean_error(tmp_path: Path, setup: str, named: str) -> None:
    root = write_site(tmp_path / "site", GOOD)
    if setup == "broken-symlink":
        (root / "content/posts/gone.md").symlink_to(tmp_path / "nowhere.md")
    elif setup == "latin1-config":
        (root / "blogsite.yaml").write_bytes("title: x\nauthor: Ren\xe9\n".encode("latin-1"))
    else:
        (root / "blogsite.yaml").write_text("timezone: Asia\n")
    result = run_cli("build", "--source", str(root))
    assert result.returncode == 1
    assert named in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("files", "named"),
    [
        ({"blogsite.yaml": "title: x\npaginte: 3\n"}, "mysite/blogsite.yaml:2: "),
        ({"content/posts/bad.md": "---\ntitle: t\n---\n"}, "mysite/content/posts/bad.md:1: "),
        ({"templates/post.html": "{% if %}\n"}, "mysite/templates/post.html:1: "),
        (
            {"static/posts/good/index.html": "clash"},
            "mysite/content/posts/good.md: `/posts/good/index.html` is also produced by "
            "mysite/static/posts/good/index.html",
        ),
    ],
)
def test_messages_name_files_from_the_current_folder(
    tmp_path: Path, files: dict[str, str], named: str
) -> None:
    """`--source mysite` run from its parent: every path opens from where the command ran."""
    write_site(tmp_path / "mysite", {**GOOD, **files})
    result = run_cli("build", "--source", "mysite", cwd=tmp_path)
    assert result.returncode == 1
    assert named in result.stderr, result.stderr


def test_output_folder_is_named_as_given(tmp_path: Path) -> None:
    write_site(tmp_path / "mysite", GOOD)
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "notes.txt").write_text("mine")
    result = run_cli("build", "--source", "mysite", "--output", "out", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith("out: folder is not empty"), result.stderr
