"""Size and time of the search index, for the bundled blog and the shared corpus.

    python bench/search_index.py --posts 1000 --runs 3

Builds each site in memory once (without search), then runs Pagefind over its
searchable pages --runs times. Reports the median indexing time, that time as a
ratio of the site's own in-memory build in the same run, and the index's size: all of
pagefind/, and what a first query downloads (entry, meta, the wasm and one index chunk
and fragment are fetched on demand, so this counts the files every search needs).
"""

from __future__ import annotations

import argparse
import gzip
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from blogsite.build import BuildOptions, build_site
from blogsite.search import make_index, searchable

REPO = Path(__file__).resolve().parents[1]
GEN_CORPUS = REPO.parent / "shared" / "bench" / "gen_corpus.py"


def corpus_site(root: Path, posts: int) -> Path:
    corpus = root / "corpus"
    subprocess.run([sys.executable, str(GEN_CORPUS), str(corpus), str(posts)], check=True)
    site = root / "site"
    shutil.copytree(corpus, site / "content" / "posts")
    (site / "blogsite.yaml").write_text("title: bench\nlanguage: zh-CN\n", encoding="utf-8")
    return site


def measure(name: str, site: Path, runs: int) -> None:
    options = BuildOptions(source=site, search=False)
    started = time.perf_counter()
    built = build_site(options)
    build_seconds = time.perf_counter() - started
    pages = searchable(built.outputs, built.site.config.root_path)
    times, index = [], None
    for _ in range(runs):
        started = time.perf_counter()
        index = make_index(pages)
        times.append(time.perf_counter() - started)
    assert index is not None
    files = {key: data for key, data in index.files.items() if isinstance(data, bytes)}
    total = sum(map(len, files.values()))
    # What every first query fetches, whatever it looks for (gzip, as hosts serve it).
    first = [k for k in files if k.endswith(("pagefind.js", "pagefind-entry.json", ".pf_meta"))]
    first += [k for k in files if k.startswith("pagefind/wasm.")]
    first_bytes = sum(len(gzip.compress(files[k])) for k in first)
    median = statistics.median(times)
    print(
        f"{name:<14} {len(pages):>5} pages  index {median:6.2f} s "
        f"({median / build_seconds:4.2f}× its build of {build_seconds:.2f} s)  "
        f"{len(files):>4} files {total / 1e6:5.2f} MB  first query {first_bytes / 1e3:5.0f} kB gz"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    measure("bundled blog", REPO, args.runs)
    with tempfile.TemporaryDirectory() as folder:
        measure(f"corpus {args.posts}", corpus_site(Path(folder), args.posts), args.runs)


if __name__ == "__main__":
    main()
