"""The preview server: pure parts in-process, then a real server on 127.0.0.1."""

from __future__ import annotations

import http.client
import json
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote

import pytest
from conftest import post, write_site

from blogsite.build import BuildOptions
from blogsite.serve import (
    EVENTS_PATH,
    SCRIPT_PATH,
    LiveSite,
    Preview,
    ServeOptions,
    bind,
    content_type,
    inject_script,
    resolve,
)
from blogsite.watch import Change, Debouncer, classify

# --- pure parts ---------------------------------------------------------------------------

OUTPUTS = {
    "index.html": b"<html><body>home</body></html>",
    "posts/a/index.html": b"<html><body>a</body></html>",
    "posts/a/fig.svg": b"<svg/>",
    "posts/滑动窗口/index.html": b"<html><body>cn</body></html>",
    "css/style.css": b"body{}",
    "404.html": b"<html><body>404</body></html>",
}


@pytest.mark.parametrize(
    ("path", "status", "key"),
    [
        ("/", 200, "index.html"),
        ("/?x=1", 200, "index.html"),
        ("/posts/a/", 200, "posts/a/index.html"),
        ("/posts/a/index.html", 200, "posts/a/index.html"),
        ("/posts/a/fig.svg", 200, "posts/a/fig.svg"),
        ("/posts/" + quote("滑动窗口") + "/", 200, "posts/滑动窗口/index.html"),
        ("/posts/nope/", 404, ""),
        ("/css/", 404, ""),
        ("/../etc/passwd", 400, ""),
        ("/posts/../../etc/passwd", 400, ""),
        ("/%2e%2e/%2e%2e/etc/passwd", 400, ""),
        ("/%2E%2E%2Fetc%2Fpasswd", 400, ""),
        ("/posts/a/%00", 400, ""),
        ("/..%5c..%5cwindows", 400, ""),
        ("//etc/passwd", 404, ""),
        ("/%252e%252e/etc/passwd", 404, ""),
        ("/%ff", 400, ""),
        ("etc/passwd", 400, ""),
    ],
)
def test_resolve(path: str, status: int, key: str) -> None:
    found = resolve(OUTPUTS, path)
    assert (found.status, found.key) == (status, key)


def test_resolve_redirects_to_the_folder_and_keeps_the_query() -> None:
    found = resolve(OUTPUTS, "/posts/a?from=feed")
    assert (found.status, found.location) == (301, "/posts/a/?from=feed")


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("a/index.html", "text/html; charset=utf-8"),
        ("css/style.css", "text/css; charset=utf-8"),
        ("js/a.js", "text/javascript; charset=utf-8"),
        ("feed.xml", "application/xml; charset=utf-8"),
        ("search.json", "application/json; charset=utf-8"),
        ("fig.SVG", "image/svg+xml"),
        ("fonts/m.woff2", "font/woff2"),
        ("a.png", "image/png"),
        ("unknown.bin123", "application/octet-stream"),
    ],
)
def test_content_type(path: str, kind: str) -> None:
    assert content_type(path) == kind


def test_inject_script_before_the_last_body_end() -> None:
    html = b"<html><body><pre>&lt;/body&gt; </body> in text</pre></BODY ></html>"
    out = inject_script(html, 7)
    assert out.count(SCRIPT_PATH.encode()) == 1
    assert out.index(b'data-epoch="7"') < out.index(b"</BODY >")
    assert out.index(b"data-epoch") > out.index(b"in text")
    assert inject_script(b"<p>fragment</p>", 1).startswith(b"<p>fragment</p><script")


@pytest.mark.parametrize(
    ("rel", "change"),
    [
        ("content/posts/a.md", Change.CONTENT),
        ("content/posts/b/fig.svg", Change.CONTENT),
        ("templates/post.html", Change.TEMPLATES),
        ("static/css/site.css", Change.STYLE),
        ("static/js/a.js", Change.STATIC),
        ("blogsite.yaml", Change.CONFIG),
        ("content/posts/.a.md.swp", None),
        ("content/posts/a.md~", None),
        ("content/posts/4913", None),
        ("content/posts/.#a.md", None),
        ("content/posts/a.tmp", None),
        ("public/index.html", None),
        ("README.md", None),
        (".git/index", None),
    ],
)
def test_classify(tmp_path: Path, rel: str, change: Change | None) -> None:
    assert classify(tmp_path, tmp_path / rel, ignored=(tmp_path / "public",)) == change


def test_classify_ignores_a_custom_output_folder(tmp_path: Path) -> None:
    assert (
        classify(tmp_path, tmp_path / "content/out/x.html", ignored=(tmp_path / "content/out",))
        is None
    )


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_debounce_merges_a_burst_into_one_flush() -> None:
    clock = FakeClock()
    debouncer = Debouncer(lambda changes: None, delay=0.1, clock=clock)
    # An editor's save: write a temp file, rename it over the post, touch a backup.
    for step, change in enumerate([Change.CONTENT, Change.CONTENT, Change.STYLE]):
        clock.now = step * 0.02
        debouncer.add(change)
        assert debouncer.due() == frozenset()
    clock.now = 0.04 + 0.099
    assert debouncer.due() == frozenset()
    clock.now = 0.04 + 0.1
    assert debouncer.due() == {Change.CONTENT, Change.STYLE}
    assert debouncer.due() == frozenset()


def test_debouncer_thread_flushes_once_per_burst() -> None:
    flushed: list[frozenset[Change]] = []
    # The quiet time is long against the gaps between events, so a busy machine that
    # oversleeps a gap still sees one burst.
    debouncer = Debouncer(flushed.append, delay=0.4)
    thread = threading.Thread(target=debouncer.run, daemon=True)
    thread.start()
    for _ in range(5):
        debouncer.add(Change.CONTENT)
        time.sleep(0.005)
    time.sleep(1.2)
    debouncer.stop()
    thread.join(2)
    assert flushed == [frozenset({Change.CONTENT})]
    assert not thread.is_alive()


def test_live_site_epochs() -> None:
    live = LiveSite({"index.html": b"1"})
    first = live.snapshot
    live.publish({"index.html": b"2"}, style_only=True)
    css = live.snapshot
    assert (css.epoch, css.full, css.error) == (first.epoch + 1, first.full, None)
    live.fail("content/posts/a.md:2: bad")
    failed = live.snapshot
    assert failed.outputs == css.outputs  # the last good build stays served
    assert failed.error == "content/posts/a.md:2: bad"
    live.publish({"index.html": b"3"}, style_only=True)
    fixed = live.snapshot
    # After a failure even a CSS-only fix reloads the page fully.
    assert fixed.full == fixed.epoch and fixed.error is None


def test_wait_change_returns_on_publish() -> None:
    live = LiveSite({})
    seen = live.snapshot.epoch
    threading.Timer(0.05, live.publish, args=({}, False)).start()
    started = time.monotonic()
    assert live.wait_change(seen, timeout=5).epoch == seen + 1
    assert time.monotonic() - started < 2


def test_busy_port_moves_to_the_next_one() -> None:
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen()
    port = holder.getsockname()[1]
    try:
        server, busy = bind("127.0.0.1", port, LiveSite({}))
        try:
            assert busy == port
            assert server.server_address[1] != port
        finally:
            server.server_close()
    finally:
        holder.close()


# --- a real server on 127.0.0.1 -------------------------------------------------------------


SITE = {
    "blogsite.yaml": "title: 预览\nlanguage: zh-CN\n",
    "content/posts/first.md": post("第一篇", "2024-01-01", "正文 $x$。"),
    "content/posts/中文路径/index.md": post("中文", "2024-01-02", "![图](fig.svg)"),
    "content/posts/中文路径/fig.svg": '<svg xmlns="http://www.w3.org/2000/svg"/>',
    "content/posts/draft.md": post("草稿", "2024-01-03", draft=True),
}


@pytest.fixture
def preview(tmp_path: Path) -> Iterator[Preview]:
    root = write_site(tmp_path / "site", SITE)
    (tmp_path / "secret.txt").write_text("secret")
    running = Preview(
        ServeOptions(BuildOptions(source=root, drafts=True), port=0), say=lambda _: None
    )
    running.start()
    yield running
    running.stop()


def request(preview: Preview, path: str, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", preview.port, timeout=10)
    connection.request(method, path)
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, body


def wait_for(condition, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.02)
    raise AssertionError("condition not met in time")


def test_serves_pages_with_reload_script_and_types(preview: Preview) -> None:
    status, headers, body = request(preview, "/")
    assert status == 200
    assert headers["content-type"] == "text/html; charset=utf-8"
    assert SCRIPT_PATH.encode() in body
    assert "草稿".encode() in body  # drafts are shown in the preview
    status, headers, body = request(preview, "/posts/" + quote("中文路径") + "/fig.svg")
    assert (status, headers["content-type"]) == (200, "image/svg+xml")
    status, headers, _ = request(preview, "/css/style.css")
    assert headers["content-type"] == "text/css; charset=utf-8"
    status, headers, body = request(preview, SCRIPT_PATH)
    assert status == 200 and b"EventSource" in body
    # The built file itself has no reload script: it is added per response.
    assert SCRIPT_PATH.encode() not in preview.live.snapshot.outputs["index.html"]
    assert not (preview.site_dir / "public").exists()


def test_http_details(preview: Preview) -> None:
    status, headers, _ = request(preview, "/posts/first")
    assert (status, headers["location"]) == (301, "/posts/first/")
    status, headers, body = request(preview, "/no/such/page/")
    assert status == 404 and "页面不存在".encode() in body
    status, headers, body = request(preview, "/posts/first/", method="HEAD")
    assert status == 200 and body == b"" and int(headers["content-length"]) > 0


def test_head_of_the_events_stream_is_headers_only(preview: Preview) -> None:
    status, headers, body = request(preview, EVENTS_PATH, method="HEAD")
    assert status == 200 and body == b""
    assert headers["content-type"].startswith("text/event-stream")


def test_a_burst_of_connections_is_not_dropped(preview: Preview) -> None:
    """More connections at once than socketserver's default backlog of 5: none is dropped
    to wait for the client's retry a second later."""
    count = 64
    barrier, took = threading.Barrier(count), []

    def fetch() -> None:
        barrier.wait()
        started = time.monotonic()
        status, _, _ = request(preview, "/css/style.css")
        took.append((status, time.monotonic() - started))

    threads = [threading.Thread(target=fetch) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(took) == count and {status for status, _ in took} == {200}
    assert max(seconds for _, seconds in took) < 0.9, sorted(s for _, s in took)[-5:]


@pytest.mark.parametrize(
    "path",
    [
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2e%2e%2fsecret.txt",
        "/..%2f..%2fsecret.txt",
        "/posts/../../secret.txt",
    ],
)
def test_traversal_never_leaves_the_site(preview: Preview, path: str) -> None:
    status, _, body = request(preview, path)
    assert status in (400, 404)
    assert b"secret" not in body


def test_traversal_over_a_raw_socket(preview: Preview) -> None:
    # http.client normalises nothing, but send the bytes ourselves to be sure.
    with socket.create_connection(("127.0.0.1", preview.port), timeout=5) as raw:
        raw.sendall(b"GET /../../secret.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        answer = b""
        while chunk := raw.recv(65536):
            answer += chunk
    assert answer.split(b" ")[1] in (b"400", b"404")
    assert b"secret" not in answer.split(b"\r\n\r\n", 1)[1]


def read_event(stream) -> str:
    lines = []
    while True:
        line = stream.readline().decode()
        if line.startswith("data: "):
            lines.append(line[6:].strip())
        elif line == "\n" and lines:
            return "".join(lines)


def test_edit_rebuilds_and_notifies(preview: Preview) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", preview.port, timeout=10)
    connection.request("GET", f"{EVENTS_PATH}?epoch={preview.live.snapshot.epoch}")
    events = connection.getresponse()
    assert events.getheader("content-type").startswith("text/event-stream")
    first = read_event(events)
    assert '"error": null' in first

    source = preview.site_dir / "content/posts/first.md"
    source.write_text(post("改过的标题", "2024-01-01", "新正文。"), encoding="utf-8")
    changed = read_event(events)
    assert '"error": null' in changed
    _status, _, body = request(preview, "/posts/first/")
    assert "改过的标题".encode() in body

    source.write_text("---\ntitle: [broken\n---\n", encoding="utf-8")
    broken = read_event(events)
    assert "content/posts/first.md:" in broken and "YAML error" in broken
    # The last good build is still served.
    assert "改过的标题".encode() in request(preview, "/posts/first/")[2]

    source.write_text(post("修好了", "2024-01-01"), encoding="utf-8")
    fixed = read_event(events)
    assert '"error": null' in fixed
    assert "修好了".encode() in request(preview, "/posts/first/")[2]
    connection.close()


def test_new_and_deleted_posts(preview: Preview) -> None:
    new = preview.site_dir / "content/posts/new.md"
    new.write_text(post("新文章", "2024-02-01"), encoding="utf-8")
    wait_for(lambda: request(preview, "/posts/new/")[0] == 200)
    assert "新文章".encode() in request(preview, "/")[2]
    new.unlink()
    wait_for(lambda: request(preview, "/posts/new/")[0] == 404)
    assert "新文章".encode() not in request(preview, "/")[2]


def test_template_and_config_changes_rebuild(preview: Preview) -> None:
    (preview.site_dir / "blogsite.yaml").write_text(
        "title: 新站名\nlanguage: zh-CN\n", encoding="utf-8"
    )
    wait_for(lambda: "新站名".encode() in request(preview, "/")[2])
    templates = preview.site_dir / "templates"
    templates.mkdir()  # did not exist when watching began
    time.sleep(0.2)
    (templates / "404.html").write_text("<html><body>自定义 404</body></html>", encoding="utf-8")
    wait_for(lambda: "自定义 404".encode() in request(preview, "/missing/")[2])
    (templates / "404.html").write_text("<html><body>再改 404</body></html>", encoding="utf-8")
    wait_for(lambda: "再改 404".encode() in request(preview, "/missing/")[2])


def test_cli_serve_prints_url_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    root = write_site(tmp_path / "site", SITE)
    process = subprocess.Popen(
        [sys.executable, "-m", "blogsite", "serve", "--source", str(root), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        url = None
        deadline = time.monotonic() + 20
        while url is None and time.monotonic() < deadline:
            line = process.stdout.readline()
            match = re.search(r"Serving (http://127\.0\.0\.1:\d+/)", line)
            url = match.group(1) if match else None
        assert url is not None
        port = int(url.rsplit(":", 1)[1].strip("/"))
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        connection.request("GET", "/")
        assert connection.getresponse().status == 200
        connection.close()
        process.send_signal(2)  # SIGINT, as Ctrl-C sends
        out, err = process.communicate(timeout=10)
        assert process.returncode == 0
        assert "Traceback" not in err and "Traceback" not in out
    finally:
        process.kill()


def test_a_site_broken_at_start_is_served_once_fixed(tmp_path: Path) -> None:
    root = write_site(tmp_path / "site", {"content/posts/a.md": "---\ntitle: [oops\n---\n"})
    running = Preview(ServeOptions(BuildOptions(source=root), port=0), say=lambda _: None)
    running.start()
    try:
        status, _, body = request(running, "/")
        assert status == 404
        assert b"content/posts/a.md:" in body and SCRIPT_PATH.encode() in body
        (root / "content/posts/a.md").write_text(post("好了"), encoding="utf-8")
        wait_for(lambda: request(running, "/")[0] == 200)
        assert "好了".encode() in request(running, "/")[2]
    finally:
        running.stop()


def test_write_option_keeps_public_in_step(tmp_path: Path) -> None:
    root = write_site(tmp_path / "site", SITE)
    options = ServeOptions(BuildOptions(source=root), port=0, write=True)
    running = Preview(options, say=lambda _: None)
    running.start()
    try:
        page = root / "public/posts/first/index.html"
        assert "第一篇" in page.read_text(encoding="utf-8")
        assert SCRIPT_PATH not in page.read_text(encoding="utf-8")
        (root / "content/posts/first.md").write_text(post("写出去了"), encoding="utf-8")
        wait_for(lambda: "写出去了" in page.read_text(encoding="utf-8"))
    finally:
        running.stop()


def test_write_goes_through_builds_checks(tmp_path: Path) -> None:
    """`--write --strict` writes no build with warnings, as `build --strict` would not;
    the page is still served, and the next clean build is written."""
    root = write_site(tmp_path / "site", SITE)
    said: list[str] = []
    options = ServeOptions(BuildOptions(source=root, strict=True), port=0, write=True)
    running = Preview(options, say=said.append)
    running.start()
    try:
        page = root / "public/posts/first/index.html"
        assert "第一篇" in page.read_text(encoding="utf-8")
        # The record beside public/ says what the math font was cut from, as `build`'s does.
        record = json.loads((root / ".public.blogsite-files").read_text(encoding="utf-8"))
        assert "fonts/latinmodern-math.woff2" in record["digests"]
        broken = post("坏公式", body="$\\frac{$")
        (root / "content/posts/first.md").write_text(broken, encoding="utf-8")
        wait_for(lambda: any("--strict: not written" in line for line in said))
        assert "坏公式".encode() in request(running, "/posts/first/")[2]
        assert "坏公式" not in page.read_text(encoding="utf-8")
        (root / "content/posts/first.md").write_text(post("修好了"), encoding="utf-8")
        wait_for(lambda: "修好了" in page.read_text(encoding="utf-8"))
    finally:
        running.stop()


def test_without_write_public_is_untouched(preview: Preview) -> None:
    public = preview.site_dir / "public"
    assert not public.exists()
    (preview.site_dir / "content/posts/first.md").write_text(post("改"), encoding="utf-8")
    wait_for(lambda: "改".encode() in request(preview, "/posts/first/")[2])
    assert not public.exists()


def test_concurrent_requests_while_rebuilding(preview: Preview) -> None:
    paths = ["/", "/posts/first/", "/css/style.css", "/fonts/latinmodern-math.woff2", "/nope/"] * 8
    source = preview.site_dir / "content/posts/first.md"
    with ThreadPoolExecutor(max_workers=16) as pool:
        results = pool.map(lambda p: request(preview, p)[0], paths)
        for n in range(5):
            source.write_text(post(f"并发 {n}", "2024-01-01"), encoding="utf-8")
            time.sleep(0.02)
        statuses = list(results)
    assert statuses == [200, 200, 200, 200, 404] * 8
    wait_for(lambda: "并发 4".encode() in request(preview, "/posts/first/")[2])


def test_a_folder_removed_and_made_again_is_still_watched(preview: Preview) -> None:
    templates = preview.site_dir / "templates"
    templates.mkdir()
    time.sleep(0.2)
    (templates / "404.html").write_text("<html><body>第一版</body></html>", encoding="utf-8")
    wait_for(lambda: "第一版".encode() in request(preview, "/missing/")[2])
    shutil.rmtree(templates)  # as a `git checkout` of another branch may do
    wait_for(lambda: "页面不存在".encode() in request(preview, "/missing/")[2])
    templates.mkdir()
    time.sleep(0.2)
    (templates / "404.html").write_text("<html><body>第二版</body></html>", encoding="utf-8")
    wait_for(lambda: "第二版".encode() in request(preview, "/missing/")[2])


def test_port_out_of_range_is_a_usage_error() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "blogsite", "serve", "--port", "70000"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert "not a port number" in result.stderr and "Traceback" not in result.stderr


def test_a_dropped_connection_prints_nothing(capsys) -> None:
    server, _ = bind("127.0.0.1", 0, LiveSite({}))
    try:
        for error in (ConnectionResetError(104, "reset"), BrokenPipeError(32, "pipe")):
            try:
                raise error
            except OSError:
                server.handle_error(None, ("127.0.0.1", 1))
        assert capsys.readouterr().err == ""
        try:
            raise ValueError("a bug")
        except ValueError:
            server.handle_error(None, ("127.0.0.1", 1))
        err = capsys.readouterr().err
        assert "ValueError" in err and "Traceback" not in err and len(err.splitlines()) == 1
    finally:
        server.server_close()


def test_a_file_turned_into_an_outside_link_is_not_served(preview: Preview, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    # Break the build first, so the served file list is the one from before the link.
    (preview.site_dir / "blogsite.yaml").write_text("title: [broken\n", encoding="utf-8")
    wait_for(lambda: preview.live.snapshot.error is not None)
    static = preview.site_dir / "content/posts/中文路径/fig.svg"
    static.unlink()
    static.symlink_to(secret)
    status, _, body = request(preview, "/posts/" + quote("中文路径") + "/fig.svg")
    assert status == 404 and b"secret" not in body


def test_content_folder_replaced_by_a_rename_is_watched(preview: Preview) -> None:
    content = preview.site_dir / "content"
    replacement = preview.site_dir / "content.new"
    shutil.copytree(content, replacement)
    content.rename(preview.site_dir / "content.old")
    replacement.rename(content)
    time.sleep(0.3)
    (content / "posts/first.md").write_text(post("换了目录之后"), encoding="utf-8")
    wait_for(lambda: "换了目录之后".encode() in request(preview, "/posts/first/")[2])


def test_the_overlay_lists_every_bad_file(preview: Preview) -> None:
    """Two broken posts: the error shown over the page names both, one line each."""
    posts = preview.site_dir / "content/posts"
    (posts / "zz-one.md").write_text("---\ndate: 2024-01-01\n---\n正文\n", encoding="utf-8")
    (posts / "zz-two.md").write_text(post("二", "2024-02-30"), encoding="utf-8")
    wait_for(lambda: "zz-two.md" in (preview.live.snapshot.error or ""))
    lines = (preview.live.snapshot.error or "").splitlines()
    named = [line.split(":", 1)[0].rsplit("/", 1)[-1] for line in lines]
    assert named == ["zz-one.md", "zz-two.md"]


def test_a_save_runs_only_the_changed_blocks_and_reloads_when_their_output_is_ready(
    preview: Preview, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    counter = tmp_path / "runs"
    monkeypatch.setenv("BLOGSITE_COUNTER", str(counter))
    block = "```python run\nimport os\nopen(os.environ['BLOGSITE_COUNTER'], 'a').write('x')\n"
    connection = http.client.HTTPConnection("127.0.0.1", preview.port, timeout=10)
    connection.request("GET", f"{EVENTS_PATH}?epoch={preview.live.snapshot.epoch}")
    events = connection.getresponse()
    read_event(events)
    source = preview.site_dir / "content/posts/code.md"

    def save(prose: str, shown: str) -> bytes:
        body = f"{prose}\n\n{block}print('{shown}')\n```\n"
        source.write_text(post("代码", "2024-01-04", body), encoding="utf-8")
        assert '"error": null' in read_event(events)
        # The reload is announced once the page holds the blocks' output.
        return request(preview, "/posts/code/")[2]

    assert "第一次".encode() in save("正文。", "第一次")
    assert counter.read_text() == "x"
    assert "第一次".encode() in save("改过的正文。", "第一次")  # prose only: no run
    other = preview.site_dir / "content/posts/first.md"
    other.write_text(post("另一篇", "2024-01-01"), encoding="utf-8")
    assert '"error": null' in read_event(events)
    assert counter.read_text() == "x"  # another post: no run
    assert "第二次".encode() in save("改过的正文。", "第二次")
    assert counter.read_text() == "xx"
    connection.close()
