"""A build killed with SIGKILL anywhere in its write phase leaves the old site or the new
one, complete, and the next build repairs whatever it left behind.

The kill points are exact, not timed: the build runs under an audit hook that counts the
file system operations it makes in the output folder, beside it, and in the cache, and the
process kills itself at the N-th. A first run without a kill counts them all.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import post, write_site

# Runs `blogsite build` and SIGKILLs itself at the KILL_AT-th write below the site folder
# (KILL_AT=0: never); prints how many writes there were.
RUNNER = r"""
import os, signal, sys
site = os.path.realpath(sys.argv[1])
kill_at = int(os.environ["KILL_AT"])
count = 0
WRITES = {"os.rename", "os.link", "os.mkdir", "os.remove", "os.rmdir", "os.symlink",
          "shutil.rmtree", "shutil.copyfile", "os.truncate", "os.utime", "ctypes.dlsym"}

def ours(arg):
    if not isinstance(arg, (str, bytes, os.PathLike)):
        return False
    path = os.fsdecode(arg)
    if not os.path.isabs(path):
        return False
    inside = os.path.realpath(path)
    return inside.startswith(site + os.sep) and "/content/" not in inside

def hook(event, args):
    global count
    if event == "open":
        flags = args[2] if len(args) > 2 and isinstance(args[2], int) else 0
        mode = args[1] if len(args) > 1 and isinstance(args[1], str) else ""
        writing = (flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT)) or any(c in mode for c in "wax+")
        if not (writing and ours(args[0])):
            return
    elif event == "ctypes.dlsym":
        if "renameat2" not in str(args[-1]):
            return
    elif event not in WRITES or not any(ours(a) for a in args):
        return
    count += 1
    if count == kill_at:
        os.kill(os.getpid(), signal.SIGKILL)

sys.addaudithook(hook)
from blogsite.cli import main
code = main(["build", "-q", "--no-search", "--source", sys.argv[1]])
print(f"writes={count}", flush=True)
sys.exit(code)
"""

SEED = 20240101
POINTS = 24  # kills across the write phase of each kind of change


def site_files(n: int, title: str) -> dict[str, str]:
    files = {
        "blogsite.yaml": "title: Kill test\nbase_url: https://example.com/\n",
        "static/notes.txt": f"{title}\n",
    }
    for i in range(n):
        files[f"content/posts/p{i}.md"] = post(
            f"{title} {i}", f"2024-01-{i + 1:02d}", body=f"正文 {i}，$x^{i}$。\n", tags=["t"]
        )
    return files


def run(site: Path, kill_at: int = 0) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KILL_AT": str(kill_at)}
    return subprocess.run(
        [sys.executable, "-c", RUNNER, str(site)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def leftovers(site: Path) -> list[str]:
    """What a build writes beside the output folder and in it, and must not leave."""
    names = [p.name for p in site.iterdir() if p.name.startswith(".public.")]
    names = [n for n in names if n != ".public.blogsite-files"]
    names += [p.name for p in (site / "public").rglob("*") if ".blogsite-" in p.name]
    return sorted(names)


def reference(tmp_path: Path, name: str, files: dict[str, str]) -> dict[str, bytes]:
    site = write_site(tmp_path / name, files)
    assert run(site).returncode == 0
    return snapshot(site / "public")


@pytest.mark.parametrize(
    "change",
    ["many files", "one file", "first build"],
)
def test_a_build_killed_anywhere_leaves_a_whole_site_and_is_repaired(
    tmp_path: Path, change: str
) -> None:
    old_files = site_files(4, "Old")
    if change == "many files":  # every title: every page changes, through a swapped folder
        new_files = site_files(4, "New")
    else:  # one static file: replaced in place with one rename
        new_files = {**old_files, "static/notes.txt": "New\n"}
    old = {} if change == "first build" else reference(tmp_path, "old", old_files)
    new = reference(tmp_path, "new", new_files)
    assert old != new

    # The site after its old build, copied for each kill (`cp -a` keeps the times the
    # build's record of its files checks).
    pristine = write_site(tmp_path / "pristine", old_files)
    if change != "first build":
        assert run(pristine).returncode == 0
        assert snapshot(pristine / "public") == old

    def prepared() -> Path:
        site = tmp_path / "site"
        subprocess.run(["rm", "-rf", str(site)], check=True)
        subprocess.run(["cp", "-a", str(pristine), str(site)], check=True)
        write_site(site, new_files)
        return site

    site = prepared()
    counted = run(site)
    assert counted.returncode == 0, counted.stderr
    total = int(counted.stdout.strip().rsplit("writes=", 1)[1])
    assert snapshot(site / "public") == new
    assert total >= 3, counted.stdout
    # Every point of a short write phase, or the first, the last and a spread between.
    if total <= POINTS:
        points = list(range(1, total + 1))
    else:
        spread = random.Random(SEED).sample(range(2, total), POINTS - 2)
        points = sorted({1, total, *spread})
    assert len(points) >= min(20, total)
    outcomes = []
    for point in points:
        site = prepared()
        killed = run(site, kill_at=point)
        assert killed.returncode == -9, (point, killed.returncode, killed.stderr)
        public = site / "public"
        after = snapshot(public) if public.is_dir() else {}
        assert after in (old, new), f"killed at write {point} of {total}: a mixed site"
        outcomes.append("new" if after == new and old != new else "old")
        repaired = run(site)
        assert repaired.returncode == 0, (point, repaired.stderr)
        assert snapshot(public) == new, f"killed at write {point}: not repaired"
        assert leftovers(site) == [], (point, leftovers(site))
    # Both outcomes happen: the kill points do reach past the swap.
    if change != "first build" or total > 1:
        assert "old" in outcomes and "new" in outcomes, outcomes
