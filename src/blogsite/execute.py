"""Runnable code blocks: a post's ` ```python run ` blocks, run when the site is built.

Python blocks run in a worker process of their own (never in the build's), one namespace for the
whole post as in a notebook, with the post's bundle folder as the working directory, a
minimal environment, a time limit for the whole post and a memory limit. Each block's
output comes back with its standard output and the repr of a final bare expression; a
failure comes back with the Markdown line of the failing statement and a traceback whose
frames name the post's lines. C++ blocks (` ```cpp run `) are compiled and run by `cpp`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.machinery import PathFinder
from pathlib import Path

# Blocks marked so: `run` shows code and output, `hide` shows neither, `check` the code only.
MODES = ("run", "hide", "check")
TIME_LIMIT = 10.0  # seconds for all of a post's blocks
MEMORY_LIMIT = 4 << 30  # bytes of address space: numpy maps a lot, but a runaway stops
# Variables passed on to the blocks besides a bare minimum: the author's own, by prefix.
PASSED_ON = "BLOGSITE_"


@dataclass(frozen=True)
class Block:
    code: str
    path: str  # the Markdown file, as messages name it
    line: int  # the file's line of the block's first line of code
    mode: str  # one of MODES
    doctest: bool = False  # a ```pycon block: its `>>>` examples run and their output compared
    lang: str = "python"  # or "cpp"


@dataclass(frozen=True)
class Outcome:
    """What one block did: its output, or what went wrong and on which line."""

    output: str = ""
    error: str | None = None  # a short traceback naming the post's lines
    line: int | None = None  # the failing statement's line in the Markdown file
    timed_out: bool = False
    skipped: bool = False  # not run: an earlier block failed or the time ran out
    missing: str | None = None  # not run: this tool (g++) is not installed
    summary: str | None = None  # the error in one line, where its text does not end so


# A fence's language → the language its runnable blocks are run as.
LANGUAGES = {"python": "python", "python3": "python", "py": "python", "pycon": "python"}
LANGUAGES |= {"cpp": "cpp", "c++": "cpp", "cxx": "cpp"}


# A fence whose info string marks it runnable: ```python run (a quick look before parsing).
_RUNNABLE_FENCE = re.compile(
    r"^ {0,3}(?:`{3,}|~{3,})\s*(?:python3?|py|pycon|cpp|c\+\+|cxx)(?![\w+])[^\n]*"
    r"\b(?:run|hide|check)\b",
    re.MULTILINE | re.IGNORECASE,
)
# The modules a block imports, roughly: enough to know which installed code it depends on.
_IMPORT = re.compile(r"^\s*(?:>>>\s*)?(?:from|import)\s+([A-Za-z_]\w*)", re.MULTILINE)


def has_runnable_blocks(body: str) -> bool:
    """Whether a Markdown body seems to hold runnable blocks (without parsing it)."""
    return _RUNNABLE_FENCE.search(body) is not None


def environment_digest(code: str, cwd: Path) -> str:
    """Of what runnable code depends on besides itself: the Python, the installed modules
    it imports (found as the worker would find them, the bundle folder first), and g++.

    A module is known by its file's size and time, so an upgrade of NumPy or an edit of a
    helper module beside the post runs the blocks again."""
    parts = [sys.version, sys.executable]
    for name in sorted(set(_IMPORT.findall(code))):
        try:
            spec = PathFinder.find_spec(name, [str(cwd), *sys.path])
        except (ImportError, ValueError):
            spec = None
        parts.append(f"{name}={_identity(spec.origin if spec else None)}")
    if re.search(r"^ {0,3}(?:`{3,}|~{3,})\s*(?:cpp|c\+\+|cxx)", code, re.M | re.I):
        parts.append(f"g++={_identity(shutil.which('g++'))}")
    return hashlib.blake2b("\0".join(parts).encode(), digest_size=16).hexdigest()


def _identity(path: str | None) -> str:
    if path is None:
        return "-"
    try:
        stat = os.stat(path)
    except OSError:
        return path
    return f"{path}:{stat.st_size}:{stat.st_mtime_ns}"


def blocks_digest(blocks: Sequence[Block], cwd: Path) -> str:
    """Of everything the outcomes depend on: every block in order, and the environment."""
    hasher = hashlib.blake2b(digest_size=16)
    for block in blocks:
        parts = (block.lang, block.mode, block.line, block.path, block.doctest, block.code)
        hasher.update("\0".join(map(str, parts)).encode() + b"\0")
    fences = "".join(f"```{b.lang}\n{b.code}\n" for b in blocks)
    hasher.update(environment_digest(fences, cwd).encode())
    return hasher.hexdigest()


def minimal_environment(home: str) -> dict[str, str]:
    """What a block's process sees: a bare minimum, and the author's `BLOGSITE_*`."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": home,
        "LANG": "C.UTF-8",
        "PYTHONHASHSEED": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
        **{k: v for k, v in os.environ.items() if k.startswith(PASSED_ON)},
    }


def stop(process: subprocess.Popen[bytes]) -> None:
    """Kill a process started in a session of its own, and its children with it."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def run_blocks(
    blocks: Sequence[Block], cwd: Path, time_limit: float = TIME_LIMIT
) -> tuple[Outcome, ...]:
    """Run a post's blocks, Python in one fresh worker process in order and C++ as
    programs of their own; one outcome each, in the blocks' order."""
    from blogsite.cpp import run_cpp  # it builds on this module's Block and Outcome

    python = [i for i, block in enumerate(blocks) if block.lang == "python"]
    cpp = [i for i, block in enumerate(blocks) if block.lang == "cpp"]
    ran = _run_python([blocks[i] for i in python], cwd, time_limit)
    outcomes = dict(zip(python, ran, strict=True))
    outcomes.update(zip(cpp, run_cpp([blocks[i] for i in cpp], cwd, time_limit), strict=True))
    return tuple(outcomes[i] for i in range(len(blocks)))


def _run_python(blocks: Sequence[Block], cwd: Path, time_limit: float) -> tuple[Outcome, ...]:
    """Run Python blocks in order in one fresh worker process; one outcome each."""
    if not blocks:
        return ()
    with tempfile.TemporaryDirectory(prefix="blogsite-run-") as scratch:
        results = Path(scratch) / "results.json"
        request = json.dumps([[b.code, b.path, b.line, b.doctest] for b in blocks])
        env = minimal_environment(scratch)
        timed_out = False
        try:
            process = subprocess.Popen(
                [sys.executable, "-c", _RUNNER, str(results), str(MEMORY_LIMIT)],
                cwd=cwd if cwd.is_dir() else scratch,
                env=env,
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,  # its own group: a timeout stops its children too
            )
        except OSError as exc:
            return tuple(Outcome(error=f"cannot start Python: {exc}") for _ in blocks)
        try:
            process.communicate(request.encode(), timeout=time_limit)
        except subprocess.TimeoutExpired:
            timed_out = True
            stop(process)
        done = _read(results)
    outcomes = [Outcome(output=output, error=error, line=line) for output, error, line in done]
    if len(outcomes) < len(blocks) and not any(o.error for o in outcomes):
        if timed_out:
            outcomes.append(Outcome(timed_out=True, error=f"timed out after {time_limit:g} s"))
        else:  # the worker died without a word: a crash, or the memory limit
            outcomes.append(Outcome(error=f"the worker process ended (exit {process.returncode})"))
    outcomes += [Outcome(skipped=True)] * (len(blocks) - len(outcomes))
    return tuple(outcomes)


def _read(results: Path) -> list[tuple[str, str | None, int | None]]:
    try:
        data = json.loads(results.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [(str(o), e, n) for o, e, n in data]


# Runs in the worker: reads the blocks on stdin, runs them in one namespace, and writes
# the outcomes so far to the results file after each block (a timeout keeps those).
_RUNNER = r"""
import ast, contextlib, io, json, os, resource, sys, traceback
results_path = sys.argv[1]
# Set here, not by the build before it starts us: the build may have threads (serve).
limit = int(sys.argv[2])
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
blocks = json.loads(sys.stdin.read())
namespace = {"__name__": "__main__"}
done = []
def save():
    with open(results_path + ".tmp", "w", encoding="utf-8") as f:
        json.dump(done, f)
    os.replace(results_path + ".tmp", results_path)
source = {}
for code, path, line, _ in blocks:
    for n, text in enumerate(code.splitlines()):
        source[(path, line + n)] = text.strip()

# Each `>>>` example in order in the shared namespace; the first mismatch or error is
# told as expected against got, at its line.
def run_doctest(code, path, line, out):
    import doctest
    test = doctest.DocTestParser().get_doctest(code, namespace, path, path, line - 1)
    for example in test.examples:
        where = line + example.lineno
        got = io.StringIO()
        try:
            with contextlib.redirect_stdout(got):
                compiled = compile(example.source, path, "single")
                exec(compiled, namespace)
        except BaseException as exc:
            raised = traceback.format_exception_only(type(exc), exc)[-1]
            if example.exc_msg is not None and raised.endswith(example.exc_msg):
                continue
            return f"{type(exc).__name__}: {exc}", where
        checker = doctest.OutputChecker()
        if not checker.check_output(example.want, got.getvalue(), doctest.ELLIPSIS):
            want = example.want.rstrip("\n") or "(nothing)"
            shown = got.getvalue().rstrip("\n") or "(nothing)"
            print(f">>> {example.source.rstrip()}\nExpected:\n{want}\nGot:\n{shown}", file=out)
            return f"doctest mismatch: expected {want!r}, got {shown!r}", where
    return None, None

for code, path, line, is_doctest in blocks:
    out = io.StringIO()
    if is_doctest:
        try:
            error, where = run_doctest(code, path, line, out)
        except BaseException as exc:
            error, where = f"{type(exc).__name__}: {exc}", line
        done.append([out.getvalue(), error, where])
        save()
        if error is not None:
            break
        continue
    try:
        try:
            tree = ast.parse(code, filename=path)
        except SyntaxError as exc:
            exc.lineno = (exc.lineno or 1) + line - 1
            raise
        ast.increment_lineno(tree, line - 1)
        last = None
        if tree.body and isinstance(tree.body[-1], ast.Expr):
            last = ast.Expression(tree.body.pop().value)
            ast.copy_location(last, last.body)
        with contextlib.redirect_stdout(out):
            exec(compile(tree, path, "exec"), namespace)
            if last is not None:
                value = eval(compile(last, path, "eval"), namespace)
                if value is not None:
                    print(repr(value))
    except BaseException as exc:
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == path]
        if isinstance(exc, SyntaxError) and exc.filename == path:
            where = exc.lineno
        else:
            where = frames[-1].lineno if frames else None
        lines = ["Traceback (most recent call last):"]
        for frame in frames:
            lines.append(f"  {path}:{frame.lineno}, in {frame.name}")
            if source.get((path, frame.lineno)):
                lines.append(f"    {source[(path, frame.lineno)]}")
        if isinstance(exc, SyntaxError):
            lines = [f"  {path}:{exc.lineno}", f"    {source.get((path, exc.lineno), '')}"]
            lines.append(f"SyntaxError: {exc.msg}")
        else:
            lines += traceback.format_exception_only(type(exc), exc)
        done.append([out.getvalue(), "\n".join(l.rstrip("\n") for l in lines), where])
        save()
        break
    done.append([out.getvalue(), None, None])
    save()
"""
