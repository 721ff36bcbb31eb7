"""Render Markdown bodies in worker processes when there are enough to pay for them.

Each worker builds its markdown-it parser (and, through it, Pygments lexers and the
math-core converter) once, then renders the bodies it is sent. Results come back in the
order the bodies were given, so a build's bytes do not depend on the number of workers.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from blogsite.model import MarkupSettings, Rendered

if TYPE_CHECKING:
    from blogsite.markup import MarkdownParser

T = TypeVar("T")

# Below this many bodies to render, forking workers costs more than it saves. Measured
# on a 2-core machine (cold builds of the benchmark corpus, best of 3, -j 1 vs -j 2):
# 16 posts 1.03 s vs 1.01 s, 32 posts 1.10 vs 1.07, 64 posts 1.31 vs 1.21, 128 posts
# 1.75 vs 1.47. Forking is cheap; a body takes about 7 ms.
POOL_THRESHOLD = 16


@dataclass(frozen=True)
class Job:
    """One body to render and what its render reads besides the settings."""

    body: str
    path: str
    first_line: int
    url: str
    images: dict[str, Any]
    folder: str = ""  # where its runnable blocks run: the bundle, or the post's folder
    # (digest, outcomes) of its runnable blocks from an earlier build, reused if the same
    runs: tuple[str, tuple[Any, ...]] | None = None
    time_limit: float = 10.0  # seconds for all its runnable blocks


def workers_for(jobs: int, requested: int | None) -> int:
    """How many processes render `jobs` bodies: `requested`, or one per core when the
    jobs are enough to pay for starting them."""
    if requested is not None:
        return max(1, requested)
    if jobs < POOL_THRESHOLD:
        return 1
    return max(1, min(os.cpu_count() or 1, 8))


def render_all(
    jobs: Sequence[Job],
    settings: MarkupSettings,
    workers: int,
    parser: Callable[[], MarkdownParser],
    progress: Callable[[int], None] | None = None,
) -> list[Rendered]:
    """Every job rendered, in order; `parser()` gives the parser to render here with."""
    # Forking is unsafe once other threads run (serve's), and a fresh interpreter per worker
    # would have to import __main__ again: then this process renders alone.
    forkable = "fork" in multiprocessing.get_all_start_methods()
    if workers <= 1 or len(jobs) < 2 or threading.active_count() > 1 or not forkable:
        done = []
        for job in jobs:
            done.append(_render(parser(), settings, job))
            if progress is not None:
                progress(1)
        return done
    context = multiprocessing.get_context("fork")
    chunk = max(1, min(32, len(jobs) // (workers * 4)))
    with ProcessPoolExecutor(
        workers, mp_context=context, initializer=_start, initargs=(os.getpid(), settings)
    ) as pool:
        done = []
        for batch in pool.map(_render_batch, _batches(jobs, chunk)):
            done.extend(batch)
            if progress is not None:
                progress(len(batch))
        return done


def forked_map(function: Callable[[int], T], count: int, workers: int) -> list[T]:
    """`[function(i) for i in range(count)]`, split among forked copies of this process.

    Forked children inherit `function` with everything it reaches (a whole assembled site,
    a template environment), so nothing but the indices and results is pickled. Runs here
    when forking is unsafe (other threads) or there is one worker.
    """
    forkable = "fork" in multiprocessing.get_all_start_methods()
    if workers <= 1 or count < 2 or threading.active_count() > 1 or not forkable:
        return [function(i) for i in range(count)]
    size = max(1, min(64, count // (workers * 4)))
    chunks = [range(start, min(start + size, count)) for start in range(0, count, size)]
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(
        workers, mp_context=context, initializer=_keep, initargs=(os.getpid(), function)
    ) as pool:
        return [result for chunk in pool.map(_call_kept, chunks) for result in chunk]


# The function a forked worker of `forked_map` calls: set once by `_keep`, in that worker.
_kept: Callable[[int], Any] | None = None


def _keep(parent: int, function: Callable[[int], Any]) -> None:
    global _kept  # per-process state of a pool worker, set once
    die_with(parent)
    _kept = function


def _call_kept(indices: range) -> list[Any]:
    assert _kept is not None, "a worker calls only after _keep"
    return [_kept(i) for i in indices]


def in_background(function: Callable[..., T], *args: object) -> Callable[[], T]:
    """Start `function(*args)` in another process and return what waits for its result,
    so this process can go on meanwhile; with other threads running (serve), forking is
    unsafe, and the call runs when its result is asked for."""
    if threading.active_count() > 1 or "fork" not in multiprocessing.get_all_start_methods():
        return lambda: function(*args)
    pool = ProcessPoolExecutor(
        1,
        mp_context=multiprocessing.get_context("fork"),
        initializer=die_with,
        initargs=(os.getpid(),),
    )
    future = pool.submit(function, *args)

    def result() -> T:
        try:
            return future.result()
        finally:
            pool.shutdown()

    return result


def die_with(parent: int) -> None:
    """Make this worker end when `parent` does. A build killed outright (SIGKILL, out of
    memory) cannot stop its workers, and an orphaned worker would wait for work forever,
    holding the terminal's or a caller's pipes open. Linux only; elsewhere a no-op."""
    if not sys.platform.startswith("linux"):
        return
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return
    pr_set_pdeathsig = 1
    prctl(pr_set_pdeathsig, signal.SIGKILL)
    if os.getppid() != parent:  # it died before the call above: nothing will signal
        os._exit(1)


def _batches(jobs: Sequence[Job], size: int) -> Iterator[Sequence[Job]]:
    for start in range(0, len(jobs), size):
        yield jobs[start : start + size]


# The worker's parser: set once by `_start`, in the worker process only.
_worker: tuple[MarkdownParser, MarkupSettings] | None = None


def _start(parent: int, settings: MarkupSettings) -> None:
    from blogsite.markup import make_markdown

    die_with(parent)
    global _worker
    _worker = (make_markdown(settings), settings)


def _render_batch(jobs: Sequence[Job]) -> list[Rendered]:
    assert _worker is not None, "a worker renders only after _start"
    parser, settings = _worker
    return [_render(parser, settings, job) for job in jobs]


def _render(parser: MarkdownParser, settings: MarkupSettings, job: Job) -> Rendered:
    from blogsite.execute import blocks_digest, run_blocks
    from blogsite.markup import render_markdown  # imported once rendering is needed

    def run(blocks: tuple[Any, ...]) -> tuple[str, tuple[Any, ...]]:
        known = job.runs
        digest = blocks_digest(blocks, Path(job.folder))
        # The same blocks as last time: their output is known. A timeout is not an outcome
        # to keep: the limit may have been raised since.
        same = known is not None and known[0] == digest
        if same and not any(outcome.timed_out for outcome in known[1]):  # type: ignore[index]
            return known  # type: ignore[return-value]
        return digest, run_blocks(blocks, Path(job.folder), job.time_limit)

    return render_markdown(
        parser,
        job.body,
        path=job.path,
        first_line=job.first_line,
        settings=settings,
        url=job.url,
        images=job.images,
        run=run,
    )
