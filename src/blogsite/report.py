"""What `blogsite build` tells a person: a progress bar on a terminal, then a summary.

On a terminal the summary is a small table; anywhere else (a log, a pipe, CI) it is plain
lines with nothing decorative. rich is imported only when a terminal will show it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import IO, Any

from blogsite.build import BuildResult, Progress
from blogsite.model import Skipped, SkipReason

# Smaller builds finish before a bar could be read.
PROGRESS_FROM = 300

_HOW_TO_INCLUDE: dict[SkipReason, str] = {"draft": "--drafts", "future": "--future"}
_REASON_NOUN: dict[SkipReason, tuple[str, str]] = {
    "draft": ("draft", "drafts"),
    "future": ("future post", "future posts"),
}


def plural(count: int, one: str, many: str | None = None) -> str:
    """`1 post`, `2 posts`; `many` for irregular words."""
    return f"{count} {one if count == 1 else (many or one + 's')}"


@contextlib.contextmanager
def progress_bar(stream: IO[str], enabled: bool) -> Iterator[Progress | None]:
    """A callback that draws a bar on `stream` once a build has `PROGRESS_FROM` posts or more."""
    if not enabled or not stream.isatty():
        yield None
        return
    from rich.console import Console  # 40 ms of imports that only a terminal needs
    from rich.progress import BarColumn, MofNCompleteColumn, TimeRemainingColumn
    from rich.progress import Progress as Bar

    bar = Bar(
        "Rendering",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=Console(file=stream),
        transient=True,
    )
    task: list[Any] = []

    def advance(done: int, total: int) -> None:
        if total < PROGRESS_FROM:
            return
        if not task:
            bar.start()
            task.append(bar.add_task("posts", total=total))
        bar.update(task[0], completed=done)

    try:
        yield advance
    finally:
        bar.stop()


def skipped_lines(skipped: tuple[Skipped, ...]) -> list[str]:
    """One line per source the build left out, for `-v`."""
    return [
        f"{item.path}: skipped: {_REASON_NOUN[item.reason][0]}; build with "
        f"{_HOW_TO_INCLUDE[item.reason]} to include it"
        for item in skipped
    ]


def skipped_summary(skipped: tuple[Skipped, ...], verbose: bool) -> str | None:
    """`Skipped 2 drafts and 1 future post: add --drafts --future to build them`, or None."""
    counts, flags = [], []
    for reason, (one, many) in _REASON_NOUN.items():
        count = sum(1 for item in skipped if item.reason == reason)
        if count:
            counts.append(plural(count, one, many))
            flags.append(_HOW_TO_INCLUDE[reason])
    if not counts:
        return None
    them = "it" if len(skipped) == 1 else "them"
    listed = "" if verbose else f"; -v lists {them}"
    return f"Skipped {' and '.join(counts)}: add {' '.join(flags)} to build {them}{listed}"


def unlisted_warning(unlisted: tuple[str, ...], output: str) -> str | None:
    """A warning for files kept in an output folder that had no list of what a build wrote."""
    if not unlisted:
        return None
    shown = ", ".join(unlisted[:3]) + (", …" if len(unlisted) > 3 else "")
    return (
        f"{output}: kept {plural(len(unlisted), 'file')} that no earlier build listed ({shown}); "
        "they may be old pages: delete any you do not want, and later builds will keep track"
    )


def print_summary(result: BuildResult, output: str, stream: IO[str], verbose: bool) -> None:
    """The closing summary: a table on a terminal, plain lines elsewhere."""
    skipped = skipped_summary(result.skipped, verbose)
    if not stream.isatty():
        print(
            f"Built {plural(result.posts, 'post')}, {plural(result.html_files, 'HTML file')}, "
            f"{plural(result.tags, 'tag')}, {plural(result.static_files, 'static file')} "
            f"({result.written} written, {result.unchanged} unchanged) "
            f"in {result.seconds:.2f} s → {output}",
            file=stream,
        )
        if skipped:
            print(skipped, file=stream)
        return
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    # Text, not a markup string: a folder named `o[/]` is a name, not a style.
    title = Text(f"Built → {output}")
    table = Table(title=title, show_header=False, box=None, title_justify="left")
    table.add_column(style="bold")
    table.add_column(justify="right")
    table.add_column(style="dim")
    table.add_row("posts", str(result.posts), "")
    table.add_row("HTML files", str(result.html_files), "index, posts, pages, tags, 404")
    table.add_row("tags", str(result.tags), "")
    table.add_row("static files", str(result.static_files), "copied as they are")
    table.add_row(
        "skipped", str(len(result.skipped)), skipped.removeprefix("Skipped ") if skipped else ""
    )
    table.add_row("files", str(result.written), f"written, {result.unchanged} unchanged")
    table.add_row("time", f"{result.seconds:.2f} s", "")
    Console(file=stream).print(table)
