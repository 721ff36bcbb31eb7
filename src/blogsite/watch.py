"""watchdog: file events of a site folder, classified and debounced into rebuild requests."""

from __future__ import annotations

import contextlib
import sys
import threading
import time
from collections.abc import Callable, Iterable
from enum import Enum
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.api import ObservedWatch

from blogsite.config import CONFIG_NAME
from blogsite.content import CONTENT_DIR, is_ignored
from blogsite.theme import STATIC, TEMPLATES


class Change(Enum):
    """What a changed file means for the site; `STYLE` alone lets the browser swap stylesheets."""

    CONTENT = "content"
    TEMPLATES = "templates"
    STATIC = "static"
    STYLE = "style"
    CONFIG = "config"


def classify(site_dir: Path, path: Path, ignored: Iterable[Path] = ()) -> Change | None:
    """The kind of change a file event at `path` is, or None for files that do not matter."""
    try:
        rel = path.relative_to(site_dir)
    except ValueError:
        return None
    if not rel.parts or any(is_ignored(part) for part in rel.parts):
        return None
    if any(path == folder or folder in path.parents for folder in ignored):
        return None
    top = rel.parts[0]
    if rel.as_posix() == CONFIG_NAME:
        return Change.CONFIG
    if top == CONTENT_DIR:
        return Change.CONTENT
    if top == TEMPLATES:
        return Change.TEMPLATES
    if top == STATIC:
        return Change.STYLE if path.suffix == ".css" else Change.STATIC
    return None


class Debouncer:
    """Collects changes and calls `flush(changes)` once they have been quiet for `delay` seconds.

    An editor's save (temp file, rename, backup) arrives as a burst of events: one rebuild.
    """

    def __init__(
        self,
        flush: Callable[[frozenset[Change]], None],
        delay: float = 0.05,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._flush = flush
        self._delay = delay
        self._clock = clock
        self._pending: set[Change] = set()
        self._last = 0.0
        self._first = 0.0
        # When the first event of the burst last flushed arrived, on `clock`.
        self.burst_started = 0.0
        self._wake = threading.Condition()
        self._stopped = False

    def add(self, change: Change) -> None:
        with self._wake:
            if not self._pending:
                self._first = self._clock()
            self._pending.add(change)
            self._last = self._clock()
            self._wake.notify()

    def due(self) -> frozenset[Change]:
        """Take the pending changes if they have been quiet long enough (for tests and `run`)."""
        with self._wake:
            if self._pending and self._clock() - self._last >= self._delay:
                changes = frozenset(self._pending)
                self._pending.clear()
                self.burst_started = self._first
                return changes
            return frozenset()

    def run(self) -> None:
        """Loop until `stop()`: wait for changes, let them settle, flush them."""
        while True:
            with self._wake:
                while not self._pending and not self._stopped:
                    self._wake.wait()
                if self._stopped:
                    return
                remaining = self._delay - (self._clock() - self._last)
                if remaining > 0:
                    self._wake.wait(remaining)
                    continue
            changes = self.due()
            if changes:
                try:
                    self._flush(changes)
                except Exception as exc:  # noqa: BLE001 - keep watching whatever one flush did
                    print(f"blogsite: rebuild failed: {exc!r}", file=sys.stderr)

    def stop(self) -> None:
        with self._wake:
            self._stopped = True
            self._wake.notify()


def _identity(folder: Path) -> tuple[int, int] | None:
    """(device, inode) of a folder, or None if it is not one."""
    try:
        stat = folder.stat()
    except OSError:
        return None
    return (stat.st_dev, stat.st_ino) if folder.is_dir() else None


class _Handler(FileSystemEventHandler):
    def __init__(
        self, site_dir: Path, ignored: tuple[Path, ...], debouncer: Debouncer, observer: Observer
    ) -> None:
        self._site_dir = site_dir
        self._ignored = ignored
        self._debouncer = debouncer
        self._observer = observer
        self._watched: dict[Path, tuple[ObservedWatch, tuple[int, int]]] = {}

    def watch_folders(self) -> None:
        """Watch content/, templates/ and static/ as they come and go (git checkout, sync tools)."""
        for name in (CONTENT_DIR, TEMPLATES, STATIC):
            folder = self._site_dir / name
            watch = self._watched.get(folder)
            identity = _identity(folder)
            if watch is not None and watch[1] != identity:
                # Gone, or replaced by another folder of the same name (a rename, a checkout).
                del self._watched[folder]
                with contextlib.suppress(KeyError, OSError):
                    self._observer.unschedule(watch[0])
                watch = None
            if watch is None and identity is not None:
                scheduled = self._observer.schedule(self, str(folder), recursive=True)
                self._watched[folder] = (scheduled, identity)

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in ("opened", "closed_no_write"):
            return
        # A folder's "modified" only echoes a change to a file in it, which has its own event.
        if event.is_directory and event.event_type == "modified":
            return
        for raw in (event.src_path, getattr(event, "dest_path", "")):
            if not raw:
                continue
            path = Path(raw.decode() if isinstance(raw, bytes) else raw)
            if path.parent == self._site_dir and event.is_directory:
                self.watch_folders()  # e.g. a templates/ folder made while serving
            change = classify(self._site_dir, path, self._ignored)
            if change is not None:
                self._debouncer.add(change)


def start_watching(site_dir: Path, ignored: tuple[Path, ...], debouncer: Debouncer) -> Observer:
    """Watch the site's sources; events feed `debouncer`. Stop with `.stop()`."""
    observer = Observer()
    handler = _Handler(site_dir, ignored, debouncer, observer)
    # The site folder itself only for blogsite.yaml and new top-level folders:
    # it may hold much else (a whole repository, public/).
    observer.schedule(handler, str(site_dir), recursive=False)
    handler.watch_folders()
    observer.daemon = True
    observer.start()
    return observer
