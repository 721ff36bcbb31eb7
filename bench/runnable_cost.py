"""What runnable code blocks cost a build of the bundled blog: a cold build that runs them,
a build after every post's prose changed (all render again, the outcomes come from the
cache) and one with no change, against a cold build of the same posts with the blocks
unmarked, so nothing runs. Medians of several runs, each in fresh copies of the site.

    python bench/runnable_cost.py [RUNS]

It builds copies in a temporary folder; the repository is not touched.
"""

from __future__ import annotations

import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# A runnable fence's mark, removed for the "no runnable blocks" copy: ```python run → ```python
_MARK = re.compile(r"^(\s{0,3}(?:`{3,}|~{3,})\s*\S+[^\n]*?)\s(?:run|hide|check)\b", re.M)


def copy_site(into: Path, unmarked: bool) -> Path:
    site = into / ("unmarked" if unmarked else "marked")
    site.mkdir()
    for name in ("blogsite.yaml", "content", "templates", "static"):
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, site / name)
        else:
            shutil.copy2(source, site / name)
    if unmarked:
        for post in (site / "content").rglob("*.md"):
            post.write_text(_MARK.sub(r"\1", post.read_text("utf-8")), "utf-8")
    return site


def timed_build(site: Path, *extra: str) -> float:
    command = [sys.executable, "-m", "blogsite", "build", "-q", "--no-search", "--source"]
    started = time.perf_counter()
    subprocess.run([*command, str(site), *extra], check=True)
    return time.perf_counter() - started


def main(runs: int) -> None:
    labels = ("unmarked, cold", "blocks run, cold", "warm, all edited", "warm, no change")
    times: dict[str, list[float]] = {label: [] for label in labels}
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as scratch:
            marked = copy_site(Path(scratch), unmarked=False)
            unmarked = copy_site(Path(scratch), unmarked=True)
            times["unmarked, cold"].append(timed_build(unmarked))
            times["blocks run, cold"].append(timed_build(marked))
            # A line of prose added to every post: each renders again, as it does cold, but
            # its blocks are unchanged, so their outcomes come from the cache.
            for post in (marked / "content").rglob("*.md"):
                post.write_text(post.read_text("utf-8") + "\n追加一行。\n", "utf-8")
            times["warm, all edited"].append(timed_build(marked))
            times["warm, no change"].append(timed_build(marked))
    base = statistics.median(times["unmarked, cold"])
    for label, values in times.items():
        median = statistics.median(values)
        print(f"{label:18} median {median:.2f} s over {runs} runs ({median / base:.2f}× unmarked)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
