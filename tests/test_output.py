"""Writing the output folder: the manifest, the lock, carried-over files, swaps that fail."""

from __future__ import annotations

import errno
import json
import os
import threading
from pathlib import Path

import pytest
from conftest import post

from blogsite import output as output_module
from blogsite.output import manifest_path, write_outputs


def test_names_with_spaces_and_undecodable_bytes(make_site) -> None:
    site = make_site({"content/posts/a.md": post("A"), "static/docs/my notes.txt": "n"})
    odd = os.fsdecode(b"caf\xe9.txt")
    (site.root / "static" / odd).write_text("latin-1 name")
    assert site.build().code == 0
    assert (site.public / "docs/my notes.txt").is_file()
    assert (site.public / odd).read_text() == "latin-1 name"
    assert "docs/my notes.txt" in json.loads(manifest_path(site.public).read_text())["files"]
    # The user's own notes.txt must not be mistaken for part of "my notes.txt".
    (site.public / "notes.txt").write_text("mine")
    (site.root / "static/docs/my notes.txt").unlink()
    assert site.build().code == 0
    assert not (site.public / "docs/my notes.txt").exists()
    assert (site.public / "notes.txt").read_text() == "mine"


def test_hidden_files_in_bundles_are_not_published(make_site) -> None:
    site = make_site(
        {
            "content/posts/a/index.md": post("A"),
            "content/posts/a/.env": "SECRET=1",
            "content/posts/a/.ipynb_checkpoints/x.ipynb": "{}",
            "content/posts/a/fig.svg": "<svg/>",
        }
    )
    site.build()
    assert (site.public / "posts/a/fig.svg").is_file()
    assert not (site.public / "posts/a/.env").exists()
    assert not (site.public / "posts/a/.ipynb_checkpoints").exists()


def test_a_folder_without_a_list_keeps_every_file_and_names_them(make_site) -> None:
    """A fresh clone of a Pages branch, or a moved folder: nothing says whose files are."""
    site = make_site({"content/posts/a.md": post("A")})
    site.public.mkdir()
    (site.public / "index.html").write_text("old tool")
    (site.public / "old-page.html").write_text("stale or mine")
    (site.public / "google123.html").write_text("site verification")
    (site.public / "CNAME").write_text("example.org")
    run = site.build()
    assert run.code == 0
    assert (site.public / "old-page.html").read_text() == "stale or mine"
    assert (site.public / "google123.html").is_file()
    assert (site.public / "CNAME").read_text() == "example.org"
    assert "public: kept 2 files that no earlier build listed (google123.html, old-page.html)" in (
        run.err
    )
    assert "index.html" not in run.err.partition("(")[2]  # replaced by the build: not kept
    # From now on the list exists: the same files are the user's, kept without a word.
    again = site.build()
    assert again.err == "" and (site.public / "old-page.html").is_file()
    (site.public / "old-page.html").unlink()
    assert site.build().code == 0 and not (site.public / "old-page.html").exists()


def test_concurrent_writers_never_publish_half_a_site(tmp_path: Path) -> None:
    out = tmp_path / "public"
    sites = [{f"f{i:04d}.txt": f"{n}".encode() * 200 for i in range(400)} for n in range(2)]
    for files in sites:
        files["index.html"] = b"<p>x</p>"
    errors: list[BaseException] = []

    def write(files: dict[str, bytes]) -> None:
        try:
            for _ in range(3):
                write_outputs(files, out)
        except BaseException as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(files,)) for files in sites]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    names = sorted(p.name for p in out.iterdir())
    assert len(names) == 401  # 400 files and index.html: a whole site
    first = (out / "f0000.txt").read_bytes()
    assert all((out / f"f{i:04d}.txt").read_bytes() == first for i in range(400))
    assert sorted(p.name for p in tmp_path.iterdir()) == [".public.blogsite-files", "public"]


def test_output_that_cannot_be_renamed_is_filled_in_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "public"
    write_outputs({"index.html": b"1", "old.html": b"old"}, out)
    (out / "CNAME").write_text("mine")
    real_rename = Path.rename

    def busy_rename(self: Path, target: Path) -> Path:
        if self == out:
            raise OSError(errno.EBUSY, "Device or resource busy")
        return real_rename(self, target)

    monkeypatch.setattr(Path, "rename", busy_rename)
    monkeypatch.setattr(output_module, "_exchange", lambda a, b: False)
    write_outputs({"index.html": b"2"}, out)
    assert (out / "index.html").read_bytes() == b"2"
    assert not (out / "old.html").exists()
    assert (out / "CNAME").read_text() == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".public.blogsite-files", "public"]


def test_unwritable_output_is_a_clean_error(make_site) -> None:
    site = make_site({"content/posts/a.md": post("A")})
    run = site.build("--output", "/proc/no/such/out")
    assert run.code == 1
    assert "cannot write the site" in run.err and "internal error" not in run.err


def test_control_characters_in_slug_are_refused(make_site) -> None:
    site = make_site(
        {"content/posts/a.md": '---\ntitle: A\ndate: 2024-01-01\nslug: "a\\0b"\n---\n'}
    )
    run = site.build()
    assert run.code == 1 and "content/posts/a.md:4:" in run.err
