"""The build refuses output folders whose replacement would destroy the user's files."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import post

SITE = {"content/posts/a.md": post("A")}


@pytest.mark.parametrize(
    "output",
    [".", "content", "content/posts/out", "templates", "static", "..", "/"],
)
def test_dangerous_outputs_are_refused(make_site, output: str) -> None:
    site = make_site({**SITE, "templates/.keep": "", "static/.keep": ""})
    target = output if output.startswith("/") else str(site.root / output)
    snapshot = sorted(p for p in site.root.rglob("*"))
    run = site.build("--output", target)
    assert run.code == 1
    assert "refusing" in run.err or "choose another" in run.err
    assert sorted(p for p in site.root.rglob("*")) == snapshot


def test_home_folder_is_refused(make_site, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    site = make_site(SITE)
    run = site.build("--output", str(home))
    assert run.code == 1 and "refusing" in run.err


def test_non_empty_foreign_folder_is_refused(make_site, tmp_path: Path) -> None:
    mine = tmp_path / "documents"
    mine.mkdir()
    (mine / "thesis.tex").write_text("precious")
    run = make_site(SITE).build("--output", str(mine))
    assert run.code == 1
    assert (mine / "thesis.tex").read_text() == "precious"


def test_another_sites_source_is_refused(make_site, tmp_path: Path) -> None:
    other = make_site({"content/posts/b.md": post("B")}, name="other")
    run = make_site(SITE).build("--output", str(other.root))
    assert run.code == 1
    assert (other.root / "content/posts/b.md").is_file()


def test_previous_build_is_replaced_and_stale_files_go(make_site) -> None:
    site = make_site({**SITE, "content/posts/old.md": post("Old")})
    site.build()
    assert (site.public / "posts/old/index.html").is_file()
    (site.root / "content/posts/old.md").unlink()
    assert site.build().code == 0
    assert not (site.public / "posts/old").exists()
    assert (site.public / "posts/a/index.html").is_file()


def test_output_that_is_a_file_is_refused(make_site) -> None:
    site = make_site({**SITE, "blogsite.yaml": "title: 保留\n", "notes.txt": "mine"})
    for target in ("blogsite.yaml", "notes.txt"):
        run = site.build("--output", str(site.root / target))
        assert run.code == 1 and "is a file" in run.err
    assert (site.root / "blogsite.yaml").read_text() == "title: 保留\n"
    assert (site.root / "notes.txt").read_text() == "mine"


def test_files_the_user_put_in_public_are_kept(make_site) -> None:
    site = make_site({**SITE, "content/posts/old.md": post("Old")})
    site.build()
    (site.public / ".git").mkdir()
    (site.public / ".git/HEAD").write_text("ref: refs/heads/gh-pages\n")
    (site.public / "CNAME").write_text("blog.example.org\n")
    (site.public / "empty-dir").mkdir()
    (site.root / "content/posts/old.md").unlink()
    assert site.build().code == 0
    assert (site.public / ".git/HEAD").read_text() == "ref: refs/heads/gh-pages\n"
    assert (site.public / "CNAME").read_text() == "blog.example.org\n"
    assert (site.public / "empty-dir").is_dir()
    assert not (site.public / "posts/old").exists()  # ours, so it goes with the post


def test_interrupted_swap_is_recovered(make_site) -> None:
    site = make_site(SITE)
    site.build()
    (site.public / "CNAME").write_text("mine\n")
    # What a build killed between its two renames leaves behind.
    retired = site.root / ".public.old-99999"
    site.public.rename(retired)
    (site.root / ".public.new-99999").mkdir()
    assert site.build().code == 0
    assert (site.public / "index.html").is_file()
    assert (site.public / "CNAME").read_text() == "mine\n"
    # No staging or retired folder is left; only the list of what the build wrote.
    assert [p.name for p in site.root.iterdir() if p.name.startswith(".public")] == [
        ".public.blogsite-files"
    ]


def test_hidden_static_files_are_published_but_leftovers_are_not(make_site) -> None:
    site = make_site(
        {
            **SITE,
            "static/.nojekyll": "",
            "static/.well-known/security.txt": "Contact: x\n",
            "static/css/.site.css.swp": "junk",
            "static/css/site.css~": "junk",
        }
    )
    site.build()
    assert (site.public / ".nojekyll").is_file()
    assert (site.public / ".well-known/security.txt").is_file()
    assert not (site.public / "css/.site.css.swp").exists()
    assert not (site.public / "css/site.css~").exists()
