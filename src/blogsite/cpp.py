"""C++ runnable blocks (` ```cpp run `): compiled with g++ and run, under the same limits
as Python blocks.

A post's C++ blocks are joined in order into programs: each block that defines `main`
ends one, which is compiled, run in the post's folder, and whose output is shown under
that block. Blocks after the last `main` are compiled only, to check that they do. A
`#line` directive before each block makes g++ and `assert` name the Markdown lines.
"""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from blogsite.execute import MEMORY_LIMIT, Block, Outcome, minimal_environment, stop

FLAGS = ("-std=c++17", "-O2", "-pipe")
COMPILE_LIMIT = 60.0  # seconds to compile one program, apart from the post's time limit
OUTPUT_LIMIT = 1 << 20  # bytes of a program's output kept
ERROR_LINES = 12  # lines of g++'s diagnostics shown under the block

_MAIN = re.compile(r"\bmain\s*\(")
# Starts a command under the memory limit: set here, in the child, as the build may have
# threads (serve), where a `preexec_fn` is not safe.
_LIMITED = (
    "import os, resource, sys; limit = int(sys.argv[1]); "
    "resource.setrlimit(resource.RLIMIT_AS, (limit, limit)); os.execvp(sys.argv[2], sys.argv[2:])"
)


def run_cpp(blocks: Sequence[Block], cwd: Path, time_limit: float) -> tuple[Outcome, ...]:
    """One outcome per C++ block; the programs' run time shares the post's time limit."""
    if not blocks:
        return ()
    compiler = shutil.which("g++")
    if compiler is None:
        return tuple(Outcome(skipped=True, missing="g++") for _ in blocks)
    outcomes: list[Outcome] = []
    deadline = time.monotonic() + time_limit
    with tempfile.TemporaryDirectory(prefix="blogsite-cpp-") as scratch:
        start = 0
        for end, block in enumerate(blocks, 1):
            main = _MAIN.search(block.code) is not None
            if main or end == len(blocks):
                program = blocks[start:end]
                outcomes += _program(
                    program, main, compiler, cwd, Path(scratch), time_limit, deadline
                )
                start = end
    return tuple(outcomes)


def _program(
    blocks: Sequence[Block],
    main: bool,
    compiler: str,
    cwd: Path,
    scratch: Path,
    time_limit: float,
    deadline: float,
) -> list[Outcome]:
    """Compile the blocks as one program and, if it has `main`, run it; an outcome each."""
    source = scratch / "program.cpp"
    binary = scratch / "program"
    source.write_text(
        "".join(f'#line {b.line} "{_quoted(b.path)}"\n{b.code}\n' for b in blocks),
        encoding="utf-8",
    )
    output = ["-o", str(binary)] if main else ["-fsyntax-only"]
    command = [compiler, *FLAGS, str(source), *output]
    compiled = _limited(command, scratch, scratch, COMPILE_LIMIT)
    if compiled is None:
        return _failed(blocks, blocks[-1].line, f"compiling took over {COMPILE_LIMIT:g} s")
    status, _, diagnostics = compiled
    if status != 0:
        return _compile_error(blocks, diagnostics)
    if not main:
        return [Outcome() for _ in blocks]
    left = deadline - time.monotonic()
    ran = _limited([str(binary)], cwd if cwd.is_dir() else scratch, scratch, max(left, 0.0))
    last = blocks[-1]
    done = [Outcome() for _ in blocks[:-1]]
    if ran is None:
        return [*done, Outcome(timed_out=True, error=f"timed out after {time_limit:g} s")]
    status, stdout, stderr = ran
    if status == 0:
        return [*done, Outcome(output=stdout)]
    # `assert` names the Markdown line through #line: "program: post.md:12: int main(): …"
    reason = (
        f"the program was killed by signal {_signal_name(-status)}"
        if status < 0
        else f"the program exited with status {status}"
    )
    text = "\n".join(part for part in (stderr.rstrip("\n"), reason) if part)
    place = re.search(rf"{re.escape(last.path)}:(\d+): (.*)$", stderr, re.MULTILINE)
    if place is None:
        return [*done, Outcome(output=stdout, error=text, line=last.line, summary=reason)]
    summary = f"{place.group(2)} ({reason})"
    return [*done, Outcome(output=stdout, error=text, line=int(place.group(1)), summary=summary)]


def _limited(
    command: list[str], cwd: Path, home: Path, limit: float
) -> tuple[int, str, str] | None:
    """Run `command` under the memory limit and `limit` seconds: (status, out, err), or
    None if it ran out of time. Output goes through files, so a flood cannot fill memory."""
    out_path, err_path = home / "stdout", home / "stderr"
    with out_path.open("wb") as out, err_path.open("wb") as err:
        process = subprocess.Popen(
            [sys.executable, "-c", _LIMITED, str(MEMORY_LIMIT), *command],
            cwd=cwd,
            env=minimal_environment(str(home)),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            start_new_session=True,  # its own group: a timeout stops its children too
        )
        try:
            status = process.wait(timeout=limit)
        except subprocess.TimeoutExpired:
            stop(process)
            return None
    return status, _head(out_path), _head(err_path)


def _head(path: Path) -> str:
    with path.open("rb") as file:
        data = file.read(OUTPUT_LIMIT + 1)
    text = data[:OUTPUT_LIMIT].decode("utf-8", errors="replace")
    return text + ("\n…" if len(data) > OUTPUT_LIMIT else "")


def _compile_error(blocks: Sequence[Block], diagnostics: str) -> list[Outcome]:
    """The first error, at its Markdown line and on its block; the program's other
    blocks after it are not run."""
    paths = "|".join(sorted({re.escape(b.path) for b in blocks}))
    first = re.search(rf"^(?:{paths}):(\d+):(?:\d+:)? (?:fatal )?error: (.*)$", diagnostics, re.M)
    line = int(first.group(1)) if first else blocks[-1].line
    summary = f"C++ error: {first.group(2)}" if first else "g++ failed"
    shown = [
        text
        for text in diagnostics.splitlines()
        if not text.startswith(("In file included", "compilation terminated"))
    ]
    text = "\n".join(shown[:ERROR_LINES] + (["…"] if len(shown) > ERROR_LINES else []))
    return _failed(blocks, line, text, summary)


def _failed(
    blocks: Sequence[Block], line: int, error: str, summary: str | None = None
) -> list[Outcome]:
    """The block holding `line` fails; those before it are fine, those after not run."""
    at = next((i for i, b in reversed(list(enumerate(blocks))) if b.line <= line), len(blocks) - 1)
    failed = Outcome(error=error, line=line, summary=summary)
    return [Outcome()] * at + [failed] + [Outcome(skipped=True)] * (len(blocks) - at - 1)


def _quoted(path: str) -> str:
    return path.replace("\\", "\\\\").replace('"', '\\"')


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return str(number)
