"""What the link checker costs inside `build`: a cold or no-change build, two one-line
edits and a title edit of a site, each with the time `BuildCache.check_links` took.

    python bench/link_check_cost.py SITE

SITE is a blogsite site, e.g. one whose content/posts/ holds
`python ../shared/bench/gen_corpus.py SITE/content/posts 1000`. It edits SITE's posts.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import blogsite.build as stages


def main(site: Path) -> None:
    spent: list[float] = []
    check = stages.BuildCache.check_links

    def timed(self: stages.BuildCache, *args: object, **kwargs: object) -> object:
        started = time.perf_counter()
        try:
            return check(self, *args, **kwargs)  # type: ignore[arg-type]
        finally:
            spent.append(time.perf_counter() - started)

    stages.BuildCache.check_links = timed  # type: ignore[method-assign]
    options = stages.BuildOptions(source=site, search=False)
    for label in ("as it is", "one edit", "one edit", "title edit"):
        posts = sorted((site / "content/posts").glob("*.md"))
        if label == "one edit":
            with posts[len(posts) // 2].open("a", encoding="utf-8") as file:
                file.write("\n追加一行。\n")
        elif label == "title edit":
            post = posts[len(posts) // 3]
            post.write_text(post.read_text("utf-8").replace("title: ", "title: 改 ", 1), "utf-8")
        started = time.perf_counter()
        result = stages.build(options)
        total = time.perf_counter() - started
        print(
            f"{label}: build {total:.2f} s, link check {spent[-1]:.3f} s, "
            f"{result.written} files written"
        )


if __name__ == "__main__":
    main(Path(sys.argv[1]))
