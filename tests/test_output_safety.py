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
