"""`blogsite init` and `blogsite new`: from an empty folder to a built post."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import sysconfig
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from bs4 import BeautifulSoup
from conftest import post, write_site
from hypothesis import given
from hypothesis import strategies as st
from packaging.requirements import Requirement

from blogsite.cli import main
from blogsite.content import check_slug, parse_front_matter
from blogsite.model import Source
from blogsite.newpost import new_post, slugify_title
from blogsite.scaffold import _git_origin, init_site, install_requirement, requirements_text


def shell(command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run `command` in bash with this Python's `blogsite` script first on PATH."""
    env = dict(os.environ, PATH=f"{sysconfig.get_path('scripts')}{os.pathsep}{os.environ['PATH']}")
    return subprocess.run(
        ["bash", "-c", command], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


def html(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def test_init_new_build_from_an_empty_folder(tmp_path: Path) -> None:
    run = shell(
        'blogsite init site && cd site && blogsite new "第一篇文章" && blogsite build --drafts',
        tmp_path,
    )
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr
    page = tmp_path / "site/public/posts/di-yi-pian-wen-zhang/index.html"
    assert html(page).find("h1").get_text() == "第一篇文章"
    index = html(tmp_path / "site/public/index.html")
    assert "第一篇文章" in [a.get_text() for a in index.select("article h2 a")]


def test_new_refuses_to_overwrite_and_leaves_the_first_file_alone(tmp_path: Path) -> None:
    assert shell("blogsite init site", tmp_path).returncode == 0
    first = shell('blogsite new "第一篇文章"', tmp_path / "site")
    assert first.returncode == 0
    path = tmp_path / "site" / first.stdout.strip()
    path.write_text(path.read_text(encoding="utf-8") + "我写的正文。\n", encoding="utf-8")
    before = (path.read_bytes(), path.stat().st_mtime_ns)
    again = shell('blogsite new "第一篇文章"', tmp_path / "site")
    assert again.returncode == 1
    assert again.stderr.startswith("content/posts/di-yi-pian-wen-zhang.md: already exists")
    assert "Traceback" not in again.stderr
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before
    # A bundle would have the same URL: refused as well.
    bundle = shell('blogsite new "第一篇文章" --bundle', tmp_path / "site")
    assert bundle.returncode == 1
    assert not (tmp_path / "site/content/posts/di-yi-pian-wen-zhang").exists()


def test_the_new_site_builds_strictly_and_shows_every_feature(tmp_path: Path, capsys) -> None:
    created = init_site(tmp_path / "site")
    names = {p.relative_to(tmp_path / "site").as_posix() for p in created.written}
    assert {
        "blogsite.yaml",
        ".gitignore",
        ".github/workflows/deploy.yml",
        "requirements.txt",
        "content/about.md",
        "content/posts/hello-blogsite/index.md",
        "content/posts/hello-blogsite/figure.svg",
        "templates/.gitkeep",
        "static/.gitkeep",
    } <= names
    assert main(["build", "--strict", "--source", str(tmp_path / "site")]) == 0
    assert capsys.readouterr().err == ""
    public = tmp_path / "site/public"
    post = html(public / "posts/hello-blogsite/index.html")
    assert post.select("math") and post.select("pre code, .highlight")
    figure = post.select_one("img[src='figure.svg']")
    assert figure is not None and figure.get("alt")
    assert (public / "posts/hello-blogsite/figure.svg").is_file()
    assert not list(public.rglob(".gitkeep"))
    # The commented settings are the real defaults the site runs with.
    config = (tmp_path / "site/blogsite.yaml").read_text(encoding="utf-8")
    assert re.search(r"^# base_url: https://", config, re.MULTILINE)
    assert html(public / "index.html").find("html")["lang"] == "zh-CN"


def test_a_filled_templates_folder_overrides_the_theme(tmp_path: Path, capsys) -> None:
    init_site(tmp_path / "site")
    (tmp_path / "site/templates/404.html").write_text("<p>自己的 404</p>\n", encoding="utf-8")
    (tmp_path / "site/static/robots.txt").write_text("User-agent: *\n")
    assert main(["build", "--source", str(tmp_path / "site")]) == 0
    assert (tmp_path / "site/public/404.html").read_text(encoding="utf-8") == "<p>自己的 404</p>\n"
    assert (tmp_path / "site/public/robots.txt").is_file()


def test_init_refuses_a_folder_that_is_not_empty(tmp_path: Path, capsys) -> None:
    target = tmp_path / "mine"
    target.mkdir()
    (target / "blogsite.yaml").write_text("title: 我的设置\n")
    assert main(["init", str(target)]) == 1
    assert "not empty" in capsys.readouterr().err
    assert sorted(p.name for p in target.iterdir()) == ["blogsite.yaml"]
    # --force adds what is missing and keeps what is there, byte for byte.
    assert main(["init", str(target), "--force"]) == 0
    out = capsys.readouterr().out
    assert f"{target / 'blogsite.yaml'}: exists; left as it is" in out
    assert (target / "blogsite.yaml").read_text() == "title: 我的设置\n"
    assert (target / "content/posts/hello-blogsite/index.md").is_file()


def test_init_refuses_a_file(tmp_path: Path, capsys) -> None:
    (tmp_path / "x").write_text("")
    assert main(["init", str(tmp_path / "x")]) == 1
    assert capsys.readouterr().err.startswith(f"{tmp_path / 'x'}: is a file")


def test_requirements_name_an_installable_blogsite() -> None:
    text = requirements_text(install_requirement())
    lines = [line for line in text.splitlines() if not line.startswith("#")]
    assert len(lines) == 1
    assert Requirement(lines[0]).name == "blogsite"


def test_a_checkout_with_a_remote_is_named_by_url_and_commit(tmp_path: Path) -> None:
    git = ["git", "-C", str(tmp_path), "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "commit", "-q", "--allow-empty", "-m", "x"], check=True)
    assert _git_origin(tmp_path) is None  # no remote: nothing a deploy machine can fetch
    url = "https://github.com/someone/blogsite.git"
    subprocess.run([*git, "remote", "add", "origin", url], check=True)
    head = subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True, text=True).stdout
    assert _git_origin(tmp_path) == (url, head.strip())
    requirement = Requirement(f"blogsite @ git+{url}@{head.strip()}")
    assert requirement.url is not None and requirement.url.endswith(head.strip())


def test_new_post_front_matter(tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "content").mkdir(parents=True)
    (site / "blogsite.yaml").write_text("timezone: Asia/Shanghai\n")
    now = datetime(2024, 5, 1, 1, 2, 3, 456, tzinfo=ZoneInfo("UTC"))
    path = new_post(site, '  "引号"：冒号 # 井号  ', slug="quotes", now=now)
    assert path == site / "content/posts/quotes.md"
    text = path.read_text(encoding="utf-8")
    source = Source(path=path, kind="post", name="quotes", bundle=None, text=text)
    meta = parse_front_matter(source, ZoneInfo("UTC"))
    assert meta.title == '"引号"：冒号 # 井号'
    assert meta.draft is True and meta.tags == ()
    # Now, written in the site's timezone, to the second.
    assert meta.date == now.replace(microsecond=0)
    assert meta.date.utcoffset() == timedelta(hours=8)
    assert "date: 2024-05-01T09:02:03+08:00\n" in text


def test_new_bundle_and_bad_slugs(tmp_path: Path, capsys) -> None:
    site = tmp_path / "site"
    (site / "content").mkdir(parents=True)
    assert main(["new", "图像分割", "--bundle", "--source", str(site)]) == 0
    assert capsys.readouterr().out == f"{site / 'content/posts/tu-xiang-fen-ge/index.md'}\n"
    assert main(["new", "x", "--slug", "a/b", "--source", str(site)]) == 1
    assert capsys.readouterr().err.startswith("--slug: `slug` 'a/b' cannot hold")
    assert main(["new", "x", "--source", str(tmp_path / "nowhere")]) == 1
    assert "blogsite init" in capsys.readouterr().err


def test_new_refuses_slugs_taken_anywhere_below_posts(tmp_path: Path, capsys) -> None:
    site = write_site(
        tmp_path / "site",
        {
            "content/posts/leetcode/two-sum.md": post("t"),
            "content/posts/2024/hello.md": post("h"),
            "content/posts/other.md": post("o", slug="world"),
            "content/posts/old/broken.md": "---\ntitle: [\n---\n",
        },
    )
    before = {p: p.read_bytes() for p in site.rglob("*") if p.is_file()}
    for title, args, named in (
        ("LeetCode", ["--bundle"], "content/posts/leetcode: already exists"),
        ("Hello", [], "content/posts/2024/hello.md: already has the slug `hello`"),
        ("World", [], "content/posts/other.md: already has the slug `world`"),
        ("Broken", [], "content/posts/old/broken.md: already has the slug `broken`"),
    ):
        assert main(["new", title, *args, "--source", str(site)]) == 1
        assert capsys.readouterr().err.startswith(f"{site}/{named}")
    assert {p: p.read_bytes() for p in site.rglob("*") if p.is_file()} == before
    # A folder of posts does not stop a plain post of the same name.
    assert main(["new", "LeetCode", "--source", str(site)]) == 0
    assert capsys.readouterr().out == f"{site}/content/posts/leetcode.md\n"


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("第一篇文章", "di-yi-pian-wen-zhang"),
        ("LeetCode 42. 接雨水", "leetcode-42-jie-yu-shui"),
        ("KV Cache：推理加速", "kv-cache-tui-li-jia-su"),
        ("重新认识 BatchNorm", "chong-xin-ren-shi-batchnorm"),
        ("Café crème", "cafe-creme"),
        ("一二三四五六七八九十", "yi-er-san-si-wu-liu-qi-ba"),
        ("！？", ""),
    ],
)
def test_slugs_from_titles(title: str, slug: str) -> None:
    assert slugify_title(title) == slug


def test_a_title_with_nothing_to_spell_gets_a_dated_slug(tmp_path: Path) -> None:
    (tmp_path / "content").mkdir()
    now = datetime(2024, 5, 1, 9, 30, tzinfo=ZoneInfo("UTC"))
    assert new_post(tmp_path, "！？", now=now).name == "post-20240501-093000.md"


@given(st.text(max_size=40))
def test_every_slug_is_a_clean_url_segment(title: str) -> None:
    slug = slugify_title(title)
    assert slug == slugify_title(title)  # the same title always gives the same slug
    if slug:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", slug)
        assert check_slug(slug) is None
        assert len(slug.split("-")) <= 8


def test_commands_are_listed_in_help() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "blogsite", "--help"], capture_output=True, text=True, check=True
    )
    for command in ("build", "serve", "init", "new"):
        assert command in result.stdout
