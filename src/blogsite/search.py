"""Search: Pagefind's index of the pages a build publishes, made after the pages are.

Pagefind's extended build splits Chinese into words (`窗口` finds `滑动窗口`). It reads
HTML files from a folder, so the pages to index are written to a temporary one; the
index comes back as files for the output under `pagefind/`, like any other output.
"""

from __future__ import annotations

import hashlib
import tempfile
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from blogsite.errors import BlogsiteError
from blogsite.feeds import absolutize
from blogsite.model import site_url

SEARCH_DIR = "pagefind"
# Only pages whose body carries this attribute are indexed: posts and standalone pages,
# never the index, tag or archive pages that repeat them.
_BODY_MARK = b"data-pagefind-body"


class SearchError(BlogsiteError):
    """Pagefind could not run; the site is built without search."""


@dataclass(frozen=True)
class SearchIndex:
    digest: str  # of the pages it was made from: the same pages need no new index
    # Below the output folder (`pagefind/pagefind.js`): bytes, or the file of an earlier
    # build's identical index.
    files: Mapping[str, bytes | Path]


def searchable(outputs: Mapping[str, object], root_path: str) -> dict[str, bytes]:
    """The HTML pages a search should find, by their path below the output folder.

    Their relative URLs are made root-relative: results are shown on the search page, where
    a post's `figure.svg` (Pagefind shows a result's first image) would not be found.
    """
    pages = {}
    for key, content in outputs.items():
        if not key.endswith(".html"):
            continue
        if isinstance(content, Path):  # a page reused from the last build's output folder
            content = content.read_bytes()
        if isinstance(content, bytes) and _BODY_MARK in content:
            page_url = site_url(root_path, key.removesuffix("index.html"))
            pages[key] = absolutize(content.decode("utf-8"), page_url).encode("utf-8")
    return pages


def pages_digest(pages: Mapping[str, bytes]) -> str:
    hasher = hashlib.blake2b(digest_size=16)
    for key in sorted(pages):
        hasher.update(key.encode("utf-8", "surrogateescape") + b"\0")
        hasher.update(hashlib.blake2b(pages[key], digest_size=16).digest())
    return hasher.hexdigest()


def make_index(pages: Mapping[str, bytes]) -> SearchIndex:
    """Run Pagefind over `pages`; raises `SearchError` with a one-line reason if it cannot."""
    digest = pages_digest(pages)
    with tempfile.TemporaryDirectory(prefix="blogsite-search-") as folder:
        site, bundle = Path(folder) / "site", Path(folder) / "bundle"
        for key, content in pages.items():
            target = site / key
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
        failure = _run_on_own_thread(site, bundle)
        if failure is not None:
            message = f"Pagefind could not index the site ({failure}); built without search"
            raise SearchError("search", None, message)
        files = {
            f"{SEARCH_DIR}/{path.relative_to(bundle).as_posix()}": path.read_bytes()
            for path in sorted(bundle.rglob("*"))
            if path.is_file()
        }
    if not files:
        raise SearchError("search", None, "Pagefind wrote no index; built without search")
    return SearchIndex(digest, files)


def _run_on_own_thread(site: Path, bundle: Path) -> BaseException | None:
    """Run Pagefind to completion on a daemon thread; return what went wrong, if anything.

    Its own thread: the caller's may already run an event loop (a test driving a browser),
    where asyncio.run refuses to start. A daemon: quitting `serve` mid-index never waits.
    """
    failures: list[BaseException] = []

    def run() -> None:
        import asyncio  # only a build that indexes needs it

        try:
            asyncio.run(_run_pagefind(site, bundle))
        # Pagefind runs as a subprocess behind an async client whose failures come as many
        # types (missing binary, broken pipe, its own errors); each means "no search".
        except Exception as exc:  # noqa: BLE001
            failures.append(exc)

    thread = threading.Thread(target=run, name="pagefind", daemon=True)
    thread.start()
    thread.join()
    return failures[0] if failures else None


async def _run_pagefind(site: Path, bundle: Path) -> None:
    # Imported here: the package starts a service; builds with --no-search never need it.
    from pagefind.index import IndexConfig, PagefindIndex

    # Leaving the context writes the index to `output_path`.
    async with PagefindIndex(IndexConfig(output_path=str(bundle))) as index:
        await index.add_directory(str(site))
