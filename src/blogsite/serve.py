"""`blogsite serve`: build in memory, serve the last good build, rebuild on change, reload tabs.

The HTTP side is the standard library's threading server. Live reload travels over
Server-Sent Events; the script is added to HTML responses here, never to built files.
"""

from __future__ import annotations

import errno
import json
import mimetypes
import re
import select
import socket
import sys
import threading
import time
import webbrowser
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from html import escape
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.resources import files
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from blogsite.build import (
    BuildCache,
    BuildOptions,
    SiteBuild,
    build_site,
    index_search,
    publish,
)
from blogsite.cache import bytecode_dir
from blogsite.cache import load as load_cache
from blogsite.cache import save as save_cache
from blogsite.errors import BlogsiteError, StrictError
from blogsite.output import Output
from blogsite.report import plural
from blogsite.search import SearchError, SearchIndex
from blogsite.theme import default_theme_dir
from blogsite.watch import Change, Debouncer, start_watching

EVENTS_PATH = "/__blogsite/events"
SCRIPT_PATH = "/__blogsite/livereload.js"
KEEPALIVE_SECONDS = 10.0
SEARCH_DELAY = 0.5  # seconds from publishing a build to indexing it
_BODY_END = re.compile(rb"</body\s*>", re.IGNORECASE)

TEXT_TYPES = {
    ".html": "text/html",
    ".css": "text/css",
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".json": "application/json",
    ".xml": "application/xml",
    ".txt": "text/plain",
    ".md": "text/markdown",
    ".csv": "text/csv",
}
BINARY_TYPES = {
    ".svg": "image/svg+xml",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".ico": "image/x-icon",
    ".pdf": "application/pdf",
    ".wasm": "application/wasm",
}


def content_type(path: str) -> str:
    """The `Content-Type` for a site path; text types always say UTF-8."""
    suffix = Path(path).suffix.lower()
    if suffix in TEXT_TYPES:
        return f"{TEXT_TYPES[suffix]}; charset=utf-8"
    if suffix in BINARY_TYPES:
        return BINARY_TYPES[suffix]
    guessed, _ = mimetypes.guess_type(path)
    return guessed or "application/octet-stream"


@dataclass(frozen=True)
class Resolution:
    """What to answer for a request path: a site file, a redirect, or an error status."""

    status: int
    key: str = ""  # the output's path, for 200
    location: str = ""  # for 301


def resolve(outputs: Mapping[str, Output], raw_path: str) -> Resolution:
    """Map a request path to a built file, never to anything outside the site."""
    split = urlsplit(raw_path)
    try:
        path = unquote(split.path, errors="strict")
    except UnicodeDecodeError:
        return Resolution(HTTPStatus.BAD_REQUEST)
    if not path.startswith("/") or "\0" in path or "\\" in path:
        return Resolution(HTTPStatus.BAD_REQUEST)
    if any(part in (".", "..") for part in path.split("/")):
        return Resolution(HTTPStatus.BAD_REQUEST)
    rel = path.lstrip("/")
    if rel == "" or rel.endswith("/"):
        key = rel + "index.html"
        return (
            Resolution(HTTPStatus.OK, key) if key in outputs else Resolution(HTTPStatus.NOT_FOUND)
        )
    if rel in outputs:
        return Resolution(HTTPStatus.OK, rel)
    if rel + "/index.html" in outputs:
        query = f"?{split.query}" if split.query else ""
        return Resolution(HTTPStatus.MOVED_PERMANENTLY, location=split.path + "/" + query)
    return Resolution(HTTPStatus.NOT_FOUND)


def inject_script(html: bytes, epoch: int) -> bytes:
    """`html` with the live-reload script before its last `</body>` (or at the end)."""
    tag = (
        f'<script src="{SCRIPT_PATH}" data-epoch="{epoch}" data-events="{EVENTS_PATH}"></script>'
    ).encode()
    matches = list(_BODY_END.finditer(html))
    if not matches:
        return html + tag
    at = matches[-1].start()
    return html[:at] + tag + html[at:]


@dataclass(frozen=True)
class Snapshot:
    """The state browsers see: the last good build, and whether the newest rebuild failed."""

    outputs: Mapping[str, Output]
    epoch: int  # increases with every rebuild, good or bad
    full: int  # epoch of the last change that needs a page reload (not just new CSS)
    error: str | None = None

    def state_json(self) -> str:
        return json.dumps({"epoch": self.epoch, "full": self.full, "error": self.error})


class LiveSite:
    """The snapshot shared between the rebuild thread and request threads."""

    def __init__(self, outputs: Mapping[str, Output], error: str | None = None) -> None:
        self._changed = threading.Condition()
        self._snapshot = Snapshot(outputs=outputs, epoch=1, full=1, error=error)
        self.stopping = False

    @property
    def snapshot(self) -> Snapshot:
        with self._changed:
            return self._snapshot

    def add(self, files: Mapping[str, Output], built_from: Mapping[str, Output]) -> bool:
        """Serve `files` too (a search index), only if the build they belong to is still live."""
        with self._changed:
            if self._snapshot.outputs is not built_from:
                return False
            self._snapshot = replace(self._snapshot, outputs={**built_from, **files})
            return True

    def publish(self, outputs: Mapping[str, Output], style_only: bool) -> None:
        """A rebuild succeeded: serve it and tell the browsers."""
        with self._changed:
            old = self._snapshot
            epoch = old.epoch + 1
            # After a failure the page may be stale in any way: reload it fully.
            full = old.full if style_only and old.error is None else epoch
            self._snapshot = Snapshot(outputs=outputs, epoch=epoch, full=full)
            self._changed.notify_all()

    def fail(self, message: str) -> None:
        """A rebuild failed: keep serving the last good build, show `message` over it."""
        with self._changed:
            old = self._snapshot
            self._snapshot = replace(old, epoch=old.epoch + 1, error=message)
            self._changed.notify_all()

    def wait_change(self, seen_epoch: int, timeout: float) -> Snapshot:
        """The snapshot once its epoch passes `seen_epoch`, or the same one after `timeout`."""
        with self._changed:
            self._changed.wait_for(
                lambda: self._snapshot.epoch > seen_epoch or self.stopping, timeout=timeout
            )
            return self._snapshot

    def stop(self) -> None:
        with self._changed:
            self.stopping = True
            self._changed.notify_all()


def _failure_page(message: str) -> bytes:
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>Build failed</title></head>"
        f"<body><h1>Build failed</h1><pre>{escape(message)}</pre></body></html>"
    ).encode()


class PreviewHandler(BaseHTTPRequestHandler):
    """Answers from `server.live`; one instance per request, on its own thread."""

    server: PreviewServer
    protocol_version = "HTTP/1.1"
    # A kept-alive connection left idle this long is closed, so it does not hold a thread.
    timeout = 60

    def do_GET(self) -> None:
        self._answer(send_body=True)

    def do_HEAD(self) -> None:
        self._answer(send_body=False)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the terminal is for build messages."""

    def _answer(self, send_body: bool) -> None:
        path = urlsplit(self.path).path
        if path == EVENTS_PATH:
            if send_body:
                self._events()
            else:  # a HEAD gets the headers of the stream, not the stream
                self._send(HTTPStatus.OK, b"", "text/event-stream; charset=utf-8", False)
            return
        if path == SCRIPT_PATH:
            self._send(HTTPStatus.OK, SCRIPT, "text/javascript; charset=utf-8", send_body)
            return
        snapshot = self.server.live.snapshot
        found = resolve(snapshot.outputs, self.path)
        if found.status == HTTPStatus.MOVED_PERMANENTLY:
            self._send(found.status, b"", "text/plain; charset=utf-8", send_body, found.location)
        elif found.status == HTTPStatus.OK:
            self._send_output(snapshot, found.key, HTTPStatus.OK, send_body)
        elif found.status == HTTPStatus.NOT_FOUND and "404.html" in snapshot.outputs:
            self._send_output(snapshot, "404.html", HTTPStatus.NOT_FOUND, send_body)
        elif found.status == HTTPStatus.NOT_FOUND and snapshot.error:
            body = inject_script(_failure_page(snapshot.error), snapshot.epoch)
            self._send(HTTPStatus.NOT_FOUND, body, "text/html; charset=utf-8", send_body)
        else:
            status = HTTPStatus(found.status)
            self._send(status, status.phrase.encode(), "text/plain; charset=utf-8", send_body)

    def _send_output(self, snapshot: Snapshot, key: str, status: int, send_body: bool) -> None:
        output = snapshot.outputs[key]
        try:
            if isinstance(output, Path) and not self.server.may_read(output):
                raise FileNotFoundError(output)
            body = output.read_bytes() if isinstance(output, Path) else output
        except OSError:  # deleted, or made a link out of the site, since the build
            self._send(HTTPStatus.NOT_FOUND, b"Not Found", "text/plain; charset=utf-8", send_body)
            return
        kind = content_type(key)
        if kind.startswith("text/html"):
            body = inject_script(body, snapshot.epoch)
        self._send(status, body, kind, send_body)

    def _send(
        self, status: int, body: bytes, kind: str, send_body: bool, location: str | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        # A preview must always show the newest build.
        self.send_header("Cache-Control", "no-store")
        if location:
            self.send_header("Location", location)
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def _events(self) -> None:
        """Server-Sent Events: the current state now, then every change, until the tab goes."""
        query = parse_qs(urlsplit(self.path).query)
        live = self.server.live
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        try:
            seen = int(query.get("epoch", ["0"])[0])
        except ValueError:
            seen = 0
        snapshot = live.snapshot
        try:
            self.wfile.write(f"data: {snapshot.state_json()}\n\n".encode())
            self.wfile.flush()
            seen = max(seen, snapshot.epoch)
            quiet = 0.0
            while not live.stopping and not self._client_gone():
                # Woken each second to notice a closed tab at once: its thread and socket
                # go then, not at the next write that fails.
                snapshot = live.wait_change(seen, 1.0)
                if snapshot.epoch > seen:
                    self.wfile.write(f"data: {snapshot.state_json()}\n\n".encode())
                    seen, quiet = snapshot.epoch, 0.0
                elif (quiet := quiet + 1.0) >= KEEPALIVE_SECONDS:
                    self.wfile.write(b": keep-alive\n\n")
                    quiet = 0.0
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, TimeoutError, OSError):
            return

    def _client_gone(self) -> bool:
        """Whether the tab closed its end: a stream's client never sends, so a readable
        socket with nothing to read is one that was closed."""
        try:
            readable, _, _ = select.select([self.connection], [], [], 0)
            return bool(readable) and self.connection.recv(1, socket.MSG_PEEK) == b""
        except (OSError, ValueError):
            return True


SCRIPT = files("blogsite").joinpath("livereload.js").read_bytes()


class PreviewServer(ThreadingHTTPServer):
    daemon_threads = True
    # socketserver's default of 5 drops connections a page's burst of requests opens at
    # once, and the browser retries them a second later.
    request_queue_size = 128
    allow_reuse_address = False  # a busy port must fail, so we can say so

    def __init__(
        self, address: tuple[str, int], live: LiveSite, roots: tuple[Path, ...] = ()
    ) -> None:
        self.live = live
        # Files are read when asked for; they must still resolve inside these folders.
        self.roots = tuple(root.resolve() for root in roots)
        super().__init__(address, PreviewHandler)

    def may_read(self, path: Path) -> bool:
        resolved = path.resolve()
        return any(resolved.is_relative_to(root) for root in self.roots)

    def handle_error(self, request: object, client_address: object) -> None:
        """A tab closed mid-download is normal; anything else gets one line, no traceback."""
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError | TimeoutError):
            return
        print(f"blogsite: error answering {client_address}: {error!r}", file=sys.stderr)


def bind(
    host: str, port: int, live: LiveSite, roots: tuple[Path, ...] = (), tries: int = 20
) -> tuple[PreviewServer, int | None]:
    """A server on `port`, or on the next free port; also returns the busy port, if any."""
    busy = None
    for candidate in range(port, port + tries) if port else [0]:
        try:
            return PreviewServer((host, candidate), live, roots), busy
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise
            busy = busy or candidate
    raise OSError(errno.EADDRINUSE, f"ports {port}–{port + tries - 1} are all in use")


@dataclass(frozen=True)
class ServeOptions:
    build: BuildOptions
    host: str = "127.0.0.1"
    port: int = 8000
    write: bool = False  # also write each good build to the output folder
    open_browser: bool = False
    verbose: bool = False  # say how long each save took to show


class Preview:
    """The running preview: the live site, the rebuild loop, the watcher and the HTTP server."""

    def __init__(self, options: ServeOptions, say: Callable[[str], None] = print) -> None:
        self.options = options
        self.say = say
        self.cache = BuildCache()
        self.site_dir = options.build.source.resolve()
        if options.build.cache:  # start where the last build or preview left off
            stored, problem = load_cache(options.build.source)
            self.cache.restore(stored)
            self.cache.bytecode = bytecode_dir(options.build.source)
            if problem:
                self.say(f"warning: {problem}")
        self.live = LiveSite({})
        roots = (self.site_dir, default_theme_dir())
        self.server, busy = bind(options.host, options.port, self.live, roots)
        self.port = self.server.server_address[1]
        self.url = f"http://{_url_host(options.host)}:{self.port}/"
        # Links are root-relative to this server, whatever `base_url` says. The source stays
        # as the command named it, so messages name files relative to the current folder.
        self.build_options = replace(options.build, base_url=self.url)
        if busy is not None:
            self.say(f"Port {busy} is in use; using port {self.port} instead.")
        self.debouncer = Debouncer(self.rebuild)
        self._threads: list[threading.Thread] = []
        self._indexing = threading.Lock()
        self._search: SearchIndex | None = None
        self._observer = None

    def first_build(self) -> None:
        self.rebuild(frozenset(Change), verb="Built")
        # Stored once: a preview's later rebuilds change little, and rewriting the cache
        # after each would cost more than the rebuild itself.
        stored = self.cache.stored() if self.options.build.cache else None
        if stored is not None and (problem := save_cache(self.options.build.source, stored)):
            self.say(f"warning: {problem}")

    def rebuild(self, changes: frozenset[Change], verb: str = "Rebuilt") -> None:
        """Build in memory and publish; called by the debouncer after a burst of events settles."""
        started = time.perf_counter()
        try:
            result = build_site(self.build_options, self.cache)
        except BlogsiteError as exc:
            self.live.fail(str(exc))
            self.say(str(exc))
            return
        except Exception as exc:  # noqa: BLE001 - a bug must not kill the preview; say it
            self.live.fail(f"internal error: {exc!r}")
            self.say(f"blogsite: internal error during rebuild: {exc!r}")
            return
        self.live.publish(result.outputs, style_only=changes <= {Change.STYLE})
        if self.build_options.search:
            # After the reload: the page is there at once, its search a moment later.
            root = result.site.config.root_path
            thread = threading.Thread(target=self._index, args=(result.outputs, root), daemon=True)
            thread.start()
        try:
            self._after_build(result, started, verb)
        except Exception as exc:  # noqa: BLE001 - e.g. --write failing: report, keep serving
            self.say(f"blogsite: after the rebuild: {exc!r}")

    def _index(self, outputs: Mapping[str, Output], root_path: str) -> None:
        """Index one build's pages; served only while that build is still the live one."""
        # Let the browsers reload first, and skip builds that a quick next save replaces.
        time.sleep(SEARCH_DELAY)
        with self._indexing:  # one Pagefind at a time; a newer build's thread waits
            if self.live.snapshot.outputs is not outputs:
                return  # superseded while waiting: its index would describe old pages
            try:
                self._search = index_search(outputs, root_path, self._search)
            except SearchError as exc:
                self.say(str(exc))
                return
            self.live.add(self._search.files, built_from=outputs)

    def _after_build(self, result: SiteBuild, started: float, verb: str) -> None:
        for diagnostic in result.diagnostics:
            self.say(str(diagnostic))
        if self.options.write:
            # Through build's own last stage, with its checks. The preview indexes search
            # on its own thread, after the reload; the written folder goes without it.
            try:
                publish(replace(self.options.build, search=False), self.cache, result)
            except StrictError as exc:
                count = plural(len(exc.diagnostics), "warning")
                self.say(f"blogsite: {count} and --strict: not written to --output")
            except BlogsiteError as exc:
                self.say(f"{exc}\nblogsite: not written to --output")
        took = (time.perf_counter() - started) * 1000
        line = f"{verb} {plural(len(result.site.posts), 'post')} in {took:.0f} ms"
        if self.options.verbose and verb == "Rebuilt":
            since = (time.monotonic() - self.debouncer.burst_started) * 1000
            line += f" (saved → rebuilt {since:.0f} ms)"
        self.say(line)

    def start(self) -> None:
        """Watch, build once, then rebuild and serve in background threads."""
        output = self.options.build.output_dir.resolve()
        # Watch first: an edit saved during the first build must not be missed.
        self._observer = start_watching(self.site_dir, (output,), self.debouncer)
        self.first_build()
        for target in (self.debouncer.run, self.server.serve_forever):
            thread = threading.Thread(target=target, daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        if self.options.build.cache:
            save_cache(self.options.build.source, self.cache.stored())
        self.live.stop()
        self.debouncer.stop()
        if self._observer is not None:
            self._observer.stop()
        self.server.shutdown()
        self.server.server_close()


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def serve(options: ServeOptions) -> int:
    """Run the preview until Ctrl-C."""
    preview = Preview(options)
    preview.start()
    # Ctrl-C is a clean stop from the moment the address is printed: a reader (or a test)
    # may press it before this thread gets to sleep.
    try:
        drafts = "shown" if options.build.drafts else "hidden"
        preview.say(f"Serving {preview.url} (drafts and future posts {drafts}); Ctrl-C to stop.")
        if options.write and (options.build.drafts or options.build.future):
            preview.say(
                "Note: --write puts drafts and future posts into the output folder too; "
                "run `blogsite build` before you deploy it."
            )
        if options.host not in ("127.0.0.1", "localhost", "::1"):
            preview.say(f"Note: listening on {options.host}; other machines can see this preview.")
        if options.open_browser:
            webbrowser.open(preview.url)
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        preview.say("Stopping.")
    finally:
        preview.stop()
    sys.stdout.flush()
    return 0
