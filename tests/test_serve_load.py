"""`blogsite serve` under load: thousands of requests on 127.0.0.1 while posts change.

The real command runs in a subprocess, so its threads and file descriptors can be counted in
/proc/PID/task and /proc/PID/fd without this test's own client threads in the count. While
32 client threads send a few thousand GET requests, a writer edits every post (each edit
carries a version number `v{n}`), breaks one post's front matter and fixes it, and adds and
deletes a post. Sixteen open live-reload streams ("tabs") listen all the while.

What must hold:

- every response is whole (its body is exactly Content-Length bytes) and never a 5xx;
- every page is a complete page from one successful build: all the versions it names are
  versions the writer wrote (never the broken one), one version per post;
- static files are byte-for-byte the files of the site;
- every open tab gets the error overlay while the site is broken, and its reload after;
- once the clients are gone, the server's threads and descriptors are back where they were.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from conftest import post, write_site

from blogsite.serve import EVENTS_PATH, KEEPALIVE_SECONDS, SCRIPT_PATH

# Threads and descriptors are counted in /proc: Linux, as CI runs. No skip elsewhere: a
# run that cannot count must not pass.
HOST = "127.0.0.1"
POSTS = 6
EXTRA = 9  # the post that comes and goes: content/posts/extra.md, "Post 9 v{n}"
CLIENTS = 32
REQUESTS = 3000  # at least this many; the load also lasts until the writer is done
MAX_REQUESTS = 12_000  # never more than this many, however slow the writer is
LOAD_SECONDS = 40.0  # nor for longer than this
TABS = 16  # live-reload streams open at once
WRITER_ROUNDS = 8
TIMEOUT = 30.0  # per request and per wait: generous, this is about outcomes, not speed
# Threads and descriptors may exceed the count before the load by this many and still pass.
# A leak under load would show as hundreds (one thread and one socket per connection).
# Once quiet, the preview has nothing transient of its own: the request threads end with
# their connections and a rebuild runs on the debouncer's thread. The slack of 2 is for
# what is transient but outside the request path: a late watchdog event's rebuild reading
# a source or the build cache while we sample.
SLACK = 2

PAGE_END = re.compile(
    rb'<script src="' + re.escape(SCRIPT_PATH.encode()) + rb'" data-epoch="(\d+)" '
    rb'data-events="' + re.escape(EVENTS_PATH.encode()) + rb'"></script></body>\n</html>\n?\Z'
)
# "Post 3 v12" (titles, links) and "post 3: v12" (the body, summaries, descriptions).
MENTION = re.compile(r"[Pp]ost (\d):? v(\d+)")
HTML_PATHS = [
    "/",
    *(f"/posts/p{i}/" for i in range(POSTS)),
    "/posts/extra/",  # 200 or 404, as the writer adds and deletes it
    "/tags/",
    "/tags/alpha/",
    "/tags/t0/",
    "/tags/t1/",
    "/tags/t2/",
    "/tags/extra/",  # 200 or 404, with the extra post
    "/archives/",
    "/no/such/page/",  # 404, the site's 404 page
]
STATIC_PATHS = ["/css/style.css", "/js/theme.js", "/favicon.svg", SCRIPT_PATH]
REDIRECT = "/posts/p1"  # 301 to /posts/p1/
PATHS = HTML_PATHS + STATIC_PATHS + [REDIRECT]


def post_text(number: int, version: int) -> str:
    tags = ["alpha", "extra"] if number == EXTRA else ["alpha", f"t{number % 3}"]
    return post(
        f"Post {number} v{version}",
        f"2024-01-{number + 1:02d}",
        f"Body of post {number}: v{version}.\n",
        tags=tags,
    )


def source(site: Path, number: int) -> Path:
    name = "extra" if number == EXTRA else f"p{number}"
    return site / "content" / "posts" / f"{name}.md"


def write_atomically(path: Path, text: str) -> None:
    """Write through a hidden temp file and a rename, so no reader sees half a file."""
    temp = path.with_name(f".{path.name}.tmp")
    temp.write_text(text, encoding="utf-8")
    os.replace(temp, path)


# --- the server -----------------------------------------------------------------------------


class Server:
    """`python -m blogsite serve` in a subprocess, its output drained as it comes."""

    def __init__(self, site: Path) -> None:
        self.process = subprocess.Popen(
            [
                *(sys.executable, "-m", "blogsite", "serve"),
                *("--source", str(site), "--port", "0", "--no-search"),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.pid = self.process.pid
        self.out: list[str] = []
        self.err: list[str] = []
        # Drained from the start: a full pipe would block the server's next message, and
        # with it the rebuilds; and a server that never says its URL must not hang the test.
        self._drains = [
            threading.Thread(target=self._drain, args=(stream, lines), daemon=True)
            for stream, lines in ((self.process.stdout, self.out), (self.process.stderr, self.err))
        ]
        for thread in self._drains:
            thread.start()
        url = None
        deadline = time.monotonic() + TIMEOUT
        while url is None and time.monotonic() < deadline and self.process.poll() is None:
            url = re.search(r"Serving http://127\.0\.0\.1:(\d+)/", "".join(self.out))
            time.sleep(0.02)
        if url is None:
            self.kill()
            pytest.fail(f"the server printed no URL: {self.out} {self.err}")
        self.port = int(url.group(1))

    @staticmethod
    def _drain(stream, lines: list[str]) -> None:
        for line in stream:
            lines.append(line)

    def counts(self) -> tuple[int, int]:
        """(threads, open file descriptors) of the server process."""
        tasks = len(os.listdir(f"/proc/{self.pid}/task"))
        fds = len(os.listdir(f"/proc/{self.pid}/fd"))
        return tasks, fds

    def settled_counts(self) -> tuple[int, int]:
        """The counts once three samples in a row agree."""
        samples = [self.counts()]
        deadline = time.monotonic() + TIMEOUT
        while (len(samples) < 3 or len(set(samples[-3:])) > 1) and time.monotonic() < deadline:
            time.sleep(0.1)
            samples.append(self.counts())
        return samples[-1]

    def wait_counts(self, limit: tuple[int, int], timeout: float) -> tuple[int, int]:
        """Poll until threads and descriptors are both at most `limit`; the last counts."""
        deadline = time.monotonic() + timeout
        counts = self.counts()
        while not (counts[0] <= limit[0] and counts[1] <= limit[1]):
            if time.monotonic() > deadline:
                break
            time.sleep(0.1)
            counts = self.counts()
        return counts

    def interrupt(self) -> int:
        """Ctrl-C, as a terminal sends it; the exit code."""
        self.process.send_signal(signal.SIGINT)
        code = self.process.wait(timeout=TIMEOUT)
        for thread in self._drains:
            thread.join(TIMEOUT)
        return code

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(TIMEOUT)


@dataclass
class Response:
    path: str
    status: int
    headers: dict[str, str]
    body: bytes


def parse_response(raw: bytes) -> Response:
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return Response("", status, headers, body)


def fetch_fresh(port: int, path: str) -> Response:
    """One request on a new connection, read to the end: any byte beyond the body shows."""
    with socket.create_connection((HOST, port), timeout=TIMEOUT) as raw:
        raw.sendall(
            f"GET {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\nConnection: close\r\n\r\n".encode()
        )
        chunks = []
        while chunk := raw.recv(65536):
            chunks.append(chunk)
    response = parse_response(b"".join(chunks))
    response.path = path
    return response


def fetch_kept(connection: http.client.HTTPConnection, path: str) -> Response:
    """One request on a kept-alive connection; a body longer or shorter than its
    Content-Length breaks this read or the next response's."""
    connection.request("GET", path)
    answer = connection.getresponse()
    body = answer.read()
    headers = {name.lower(): value for name, value in answer.getheaders()}
    assert not answer.will_close, f"{path}: the server closed a kept-alive connection"
    return Response(path, answer.status, headers, body)


# --- live-reload streams, read as the page's script reads them ------------------------------


class Tab:
    """An open page's live-reload stream: `GET EVENTS_PATH?epoch=E`, every state it gets."""

    def __init__(self, port: int, epoch: int) -> None:
        self.epoch = epoch  # the page's data-epoch
        self.states: list[dict] = []
        self.headers = ""
        self.problem: str | None = None
        self._changed = threading.Condition()
        self._closing = threading.Event()
        self._socket = socket.create_connection((HOST, port), timeout=TIMEOUT)
        self._socket.sendall(
            f"GET {EVENTS_PATH}?epoch={epoch} HTTP/1.1\r\nHost: {HOST}:{port}\r\n"
            "Accept: text/event-stream\r\n\r\n".encode()
        )
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        self._socket.settimeout(0.2)
        buffer = b""
        try:
            while not self._closing.is_set():
                try:
                    chunk = self._socket.recv(65536)
                except TimeoutError:
                    continue
                if not chunk:
                    self.problem = "the server ended the stream"
                    return
                buffer += chunk
                if not self.headers:
                    if b"\r\n\r\n" not in buffer:
                        continue
                    head, buffer = buffer.split(b"\r\n\r\n", 1)
                    self.headers = head.decode()
                while b"\n\n" in buffer:
                    frame, buffer = buffer.split(b"\n\n", 1)
                    data = [line[6:] for line in frame.decode().split("\n") if line[:6] == "data: "]
                    if data:
                        with self._changed:
                            self.states.append(json.loads("".join(data)))
                            self._changed.notify_all()
        except OSError as exc:
            self.problem = repr(exc)
        finally:
            self._socket.close()  # as a closed tab does: a FIN, no RST

    def wait(self, condition: Callable[[list[dict]], bool], timeout: float = TIMEOUT) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: condition(self.states), timeout=timeout)

    def reloads(self, states: list[dict]) -> bool:
        """Whether livereload.js would reload the page on one of `states` (see `onState`)."""
        return any(state["error"] is None and state["full"] > self.epoch for state in states)

    @staticmethod
    def close_all(tabs: list[Tab]) -> None:
        for tab in tabs:
            tab._closing.set()
        for tab in tabs:
            tab._thread.join(TIMEOUT)


def page_epoch(port: int, path: str = "/") -> int:
    response = fetch_fresh(port, path)
    found = PAGE_END.search(response.body)
    assert found, response.body[-300:]
    return int(found.group(1))


def wait_until(condition: Callable[[], bool], timeout: float = TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def settled_epoch(port: int, quiet: float = 1.0) -> int:
    """The epoch once it has not moved for `quiet` seconds: no rebuild is still to come
    from the last burst of saves (which watchdog may report as two bursts)."""
    epoch, since = page_epoch(port), time.monotonic()
    deadline = since + TIMEOUT
    while time.monotonic() - since < quiet and time.monotonic() < deadline:
        time.sleep(0.1)
        if (now := page_epoch(port)) != epoch:
            epoch, since = now, time.monotonic()
    return epoch


# --- the load -------------------------------------------------------------------------------


@dataclass
class Versions:
    """What the writer wrote: every valid version of each post, and the broken ones."""

    valid: dict[int, set[int]] = field(
        default_factory=lambda: {n: {0} for n in [*range(POSTS), EXTRA]}
    )
    broken: set[int] = field(default_factory=set)
    last: int = 0
    breaks: int = 0
    extra_toggles: int = 0

    def next(self) -> int:
        self.last += 1
        return self.last


class Writer:
    """Edits every post, breaks one and fixes it, adds and deletes one; `WRITER_ROUNDS` times."""

    def __init__(self, site: Path, versions: Versions, tabs: list[Tab]) -> None:
        self.site = site
        self.versions = versions
        self.tabs = tabs
        self.problems: list[str] = []
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def edit(self, number: int) -> None:
        version = self.versions.next()
        # Known before it is on disk: a reader may see it as soon as it is.
        self.versions.valid[number].add(version)
        write_atomically(source(self.site, number), post_text(number, version))

    def _run(self) -> None:
        try:
            for round_ in range(1, WRITER_ROUNDS + 1):
                for number in range(POSTS):
                    self.edit(number)
                time.sleep(0.1)
                if round_ % 3 == 1:
                    self._break_and_fix(round_ % POSTS)
                if round_ % 2 == 0:
                    self._toggle_extra()
                time.sleep(0.1)
        except Exception as exc:  # noqa: BLE001 - reported by the test
            self.problems.append(f"writer: {exc!r}")
        finally:
            self.done.set()

    def _break_and_fix(self, number: int) -> None:
        version = self.versions.next()
        self.versions.broken.add(version)
        self.versions.breaks += 1
        broken = (
            f"---\ntitle: [Post {number} v{version}\ndate: 2024-01-0{number + 1}\n---\n"
            f"Body of post {number}: v{version}.\n"
        )
        name = source(self.site, number).name
        write_atomically(source(self.site, number), broken)
        # Every open tab shows the overlay before the fix; so the failed build was live.
        for tab in self.tabs:
            if not tab.wait(lambda states: any(name in (s["error"] or "") for s in states)):
                self.problems.append(f"a tab never got the error for the broken {name}")
        self.edit(number)

    def _toggle_extra(self) -> None:
        self.versions.extra_toggles += 1
        path = source(self.site, EXTRA)
        if path.exists():
            path.unlink()
        else:
            self.edit(EXTRA)


class Clients:
    """`CLIENTS` threads of GET requests, fresh and kept-alive connections mixed."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.responses: list[Response] = []
        self.problems: list[str] = []
        self.stop = threading.Event()
        self._lock = threading.Lock()
        self.sent = 0
        self.threads = [
            threading.Thread(target=self._run, args=(seed,), daemon=True) for seed in range(CLIENTS)
        ]

    def _count(self) -> bool:
        with self._lock:
            if self.sent >= MAX_REQUESTS:
                return False
            self.sent += 1
            return True

    def _run(self, seed: int) -> None:
        rng = random.Random(seed)
        got: list[Response] = []
        try:
            while not self.stop.is_set():
                if rng.random() < 0.5:
                    if not self._count():
                        return
                    got.append(fetch_fresh(self.port, rng.choice(PATHS)))
                    continue
                connection = http.client.HTTPConnection(HOST, self.port, timeout=TIMEOUT)
                try:
                    for _ in range(rng.randint(2, 10)):
                        if self.stop.is_set() or not self._count():
                            break
                        got.append(fetch_kept(connection, rng.choice(PATHS)))
                finally:
                    connection.close()
        except Exception as exc:  # noqa: BLE001 - reported by the test
            self.problems.append(f"client {seed}: {exc!r}")
        finally:
            with self._lock:
                self.responses.extend(got)


# --- checks ---------------------------------------------------------------------------------


def page_problems(response: Response, versions: Versions) -> list[str]:
    """Why `response`, an HTML page, is not a whole page of one successful build."""
    where = f"{response.path} ({response.status})"
    body = response.body
    problems = []
    if not body.startswith(b"<!doctype html>"):
        problems.append(f"{where}: does not start with <!doctype html>: {body[:80]!r}")
    if not PAGE_END.search(body) or body.count(SCRIPT_PATH.encode()) != 1:
        problems.append(f"{where}: not a whole page with one reload script: {body[-200:]!r}")
    for sign in (b"Traceback", b"Build failed", b"internal error"):
        if sign in body:
            problems.append(f"{where}: holds {sign.decode()!r}")
    soup = BeautifulSoup(body.decode("utf-8"), "html.parser")
    main = soup.find("main")
    if main is None or soup.find("footer", class_="site-footer") is None:
        problems.append(f"{where}: lost <main> or the footer in parsing")
    # One build has one version of each post: every mention of a post agrees.
    mentioned: dict[int, set[int]] = {}
    for number, version in MENTION.findall(soup.get_text(" ") + " ".join(_attributes(soup))):
        mentioned.setdefault(int(number), set()).add(int(version))
    for number, seen in mentioned.items():
        if len(seen) > 1:
            problems.append(f"{where}: post {number} in versions {sorted(seen)} at once")
        if number not in versions.valid:
            problems.append(f"{where}: mentions a post {number} nobody wrote")
        elif not_written := seen - versions.valid[number]:
            kind = "broken" if not_written <= versions.broken else "unwritten"
            problems.append(f"{where}: post {number} in {kind} version {sorted(not_written)}")
    match = re.fullmatch(r"/posts/p(\d)/", response.path)
    if match and response.status == 200 and main is not None:
        number = int(match.group(1))
        title = re.fullmatch(rf"Post {number} v(\d+) · Load", soup.title.get_text())
        text = re.search(rf"Body of post {number}: v(\d+)\.", main.get_text())
        if not (title and text and title.group(1) == text.group(1)):
            problems.append(f"{where}: title {soup.title!s} and body disagree")
    return problems


def _attributes(soup: BeautifulSoup) -> list[str]:
    """The text in attributes (meta descriptions, og:title), which get_text leaves out."""
    return [
        value
        for tag in soup.find_all(True)
        for value in tag.attrs.values()
        if isinstance(value, str)
    ]


def response_problems(
    response: Response, versions: Versions, static: dict[str, bytes]
) -> list[str]:
    where = f"{response.path} ({response.status})"
    problems = []
    if response.status >= 500:
        problems.append(f"{where}: a server error")
    length = response.headers.get("content-length")
    if length is None or int(length) != len(response.body):
        problems.append(f"{where}: Content-Length {length}, body {len(response.body)} bytes")
    if response.path == REDIRECT:
        if (response.status, response.headers.get("location")) != (301, REDIRECT + "/"):
            problems.append(f"{where}: not the redirect to {REDIRECT}/")
    elif response.path in static:
        if (response.status, response.body) != (200, static[response.path]):
            problems.append(f"{where}: not the site's file ({len(response.body)} bytes)")
    else:
        allowed = {200, 404} if "extra" in response.path else {200}
        if response.path == "/no/such/page/":
            allowed = {404}
        if response.status not in allowed:
            problems.append(f"{where}: status not in {sorted(allowed)}")
        if not response.headers.get("content-type", "").startswith("text/html"):
            problems.append(f"{where}: not HTML: {response.headers.get('content-type')}")
        else:
            problems.extend(page_problems(response, versions))
    return problems


# --- the test -------------------------------------------------------------------------------


def test_serve_under_load_while_posts_change(tmp_path: Path) -> None:
    started = time.monotonic()
    site = write_site(
        tmp_path / "site",
        {
            "blogsite.yaml": "title: Load\n",
            **{f"content/posts/p{n}.md": post_text(n, 0) for n in range(POSTS)},
        },
    )
    server = Server(site)
    tabs: list[Tab] = []
    try:
        # A warm request, and the site's static files as they must always come back.
        static = {}
        for path in STATIC_PATHS:
            response = fetch_fresh(server.port, path)
            assert response.status == 200, path
            static[path] = response.body
        epoch = page_epoch(server.port)
        before = server.settled_counts()

        # Sixteen open tabs, then the load, with the writer editing all the while.
        tabs = [Tab(server.port, epoch) for _ in range(TABS)]
        assert all(tab.wait(lambda states: len(states) >= 1) for tab in tabs)
        assert all(tab.states[0]["epoch"] == epoch for tab in tabs)
        versions = Versions()
        writer = Writer(site, versions, tabs)
        clients = Clients(server.port)
        load_started = time.monotonic()
        writer.thread.start()
        for thread in clients.threads:
            thread.start()
        while time.monotonic() - load_started < LOAD_SECONDS:
            if writer.done.is_set() and clients.sent >= REQUESTS:
                break
            if clients.sent >= MAX_REQUESTS:
                break
            time.sleep(0.05)
        clients.stop.set()
        for thread in clients.threads:
            thread.join(TIMEOUT)
        load_took = time.monotonic() - load_started
        writer.thread.join(TIMEOUT)
        assert writer.done.is_set(), "the writer did not finish during the load"

        # A last edit of every post: all of them show it, and every tab gets it.
        final = versions.last + 1
        versions.last = final
        for number in range(POSTS):
            versions.valid[number].add(final)
            write_atomically(source(site, number), post_text(number, final))
        wait_until(
            lambda: all(
                f"Post {n} v{final} ·".encode() in fetch_fresh(server.port, f"/posts/p{n}/").body
                for n in range(POSTS)
            )
        )
        final_epoch = settled_epoch(server.port)

        problems = clients.problems + writer.problems
        checked: dict[tuple[str, int, bytes], list[str]] = {}
        for response in clients.responses:
            key = (response.path, response.status, response.body)
            if key not in checked:
                checked[key] = response_problems(response, versions, static)
                problems.extend(checked[key])
        statuses: dict[int, int] = {}
        for response in clients.responses:
            statuses[response.status] = statuses.get(response.status, 0) + 1
        print(
            f"\n{len(clients.responses)} responses ({len(checked)} distinct) in {load_took:.1f} s,"
            f" statuses {dict(sorted(statuses.items()))}; {versions.last} versions written,"
            f" {versions.breaks} breaks, {versions.extra_toggles} adds/deletes"
        )
        assert problems == [], "\n".join(problems[:30])
        assert len(clients.responses) >= REQUESTS
        assert versions.breaks >= 2 and versions.extra_toggles >= 2

        for tab in tabs:
            assert tab.wait(lambda states: any(s["epoch"] >= final_epoch for s in states))
            assert tab.reloads(tab.states), tab.states
            assert tab.states[-1]["error"] is None
            assert tab.problem is None, tab.problem
            assert tab.headers.startswith("HTTP/1.1 200")
            assert "content-type: text/event-stream" in tab.headers.lower()
            for state in tab.states:
                # The overlay shows the build's message, never a traceback or a crash.
                assert "Traceback" not in (state["error"] or "")
                assert "internal error" not in (state["error"] or "")

        # The clients are gone; only the tabs' streams remain: one thread and socket each.
        during = server.wait_counts((before[0] + TABS + SLACK, before[1] + TABS + SLACK), 10)
        print(f"threads, fds: {before} before, {during} after the load with {TABS} tabs open")
        assert during[0] <= before[0] + TABS + SLACK and during[1] <= before[1] + TABS + SLACK

        # Sixteen more tabs opened at once, one edit: every tab reloads.
        epoch = settled_epoch(server.port)
        barrier = threading.Barrier(TABS)
        fresh: list[Tab] = []
        lock = threading.Lock()

        def open_tab() -> None:
            barrier.wait(TIMEOUT)
            tab = Tab(server.port, epoch)
            with lock:
                fresh.append(tab)

        opening = [threading.Thread(target=open_tab) for _ in range(TABS)]
        for thread in opening:
            thread.start()
        for thread in opening:
            thread.join(TIMEOUT)
        tabs.extend(fresh)
        assert len(fresh) == TABS
        assert all(tab.wait(lambda states: len(states) >= 1) for tab in fresh)
        assert not any(tab.reloads(tab.states) for tab in fresh)  # nothing changed yet
        edited = time.monotonic()
        write_atomically(source(site, 0), post_text(0, final + 1))
        versions.valid[0].add(final + 1)
        for tab in fresh:
            assert tab.wait(tab.reloads, timeout=TIMEOUT), tab.states
        reload_took = time.monotonic() - edited
        assert f"Post 0 v{final + 1} ·".encode() in fetch_fresh(server.port, "/posts/p0/").body

        # All tabs close, as a browser closes them (FIN). The server looks at each stream's
        # socket every second, so their threads and sockets go within a few seconds, long
        # before a keep-alive write would fail.
        Tab.close_all(tabs)
        closed = time.monotonic()
        after = server.wait_counts((before[0] + SLACK, before[1] + SLACK), KEEPALIVE_SECONDS / 2)
        print(
            f"threads, fds: {after} {time.monotonic() - closed:.1f} s after closing"
            f" {len(tabs)} tabs; all {len(fresh)} fresh tabs reloaded {reload_took:.2f} s"
            f" after the edit"
        )
        assert after[0] <= before[0] + SLACK and after[1] <= before[1] + SLACK
        assert time.monotonic() - closed < KEEPALIVE_SECONDS, "closed tabs noticed only late"

        code = server.interrupt()
        out, err = "".join(server.out), "".join(server.err)
        assert code == 0, err
        assert "Traceback" not in out + err and "internal error" not in out + err
        assert "error answering" not in err, err
        print(f"whole test {time.monotonic() - started:.1f} s")
    finally:
        Tab.close_all(tabs)
        server.kill()
