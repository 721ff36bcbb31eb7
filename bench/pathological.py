"""Time and peak memory of rendering pathological Markdown, one child process per case.

    python bench/pathological.py [CASE ...]

Each case is rendered by `blogsite.markup.render_markdown` in a fresh Python, so its
peak resident memory (ru_maxrss of the child) is its own. The cases are the ones issue
11 names: deep nesting, long runs of delimiters, a 5 MB post, a 100,000-character
formula, a 50,000-line code block and 10,000 headings.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

CASES = {
    "a 10,000-deep nested list": "'- ' * 10000 + 'a\\n'",
    "a 10,000-deep blockquote": "'>' * 10000 + ' a\\n'",
    "100,000 `*` in a row": "'*' * 100000 + '\\n'",
    "100,000 `[` in a row": "'[' * 100000 + '\\n'",
    "a 5 MB post": (
        "('这是一段正文，有 **粗体**、`code` 和 [链接](/posts/a/)。\\n\\n' * 60000)[:5_000_000]"
    ),
    "a formula of 100,000 characters": "'$' + 'x+' * 50000 + 'y$\\n'",
    "a 50,000-line code block": "'```python\\n' + 'x = 1  # 注释\\n' * 50000 + '```\\n'",
    "10,000 headings": "''.join(f'## 标题 {i}\\n\\n正文。\\n\\n' for i in range(10000))",
}

CHILD = """
from blogsite.markup import make_markdown, render_markdown
from blogsite.model import MarkupSettings
settings = MarkupSettings()
render_markdown(make_markdown(settings), {body}, path="p.md", first_line=1, settings=settings)
"""


def measure(body: str, timeout: float = 300) -> tuple[float, float]:
    """(seconds, peak MiB) of rendering `body` (a Python expression) in a child."""
    started = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-c", CHILD.format(body=body)])
    try:
        _, status, usage = os.wait4(child.pid, 0)
    except BaseException:
        child.kill()
        raise
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"rendering failed: {body[:40]}")
    if seconds > timeout:
        raise SystemExit(f"took {seconds:.0f} s: {body[:40]}")
    return seconds, usage.ru_maxrss / 1024


def main(names: list[str]) -> int:
    print("| input | time (s) | peak memory (MiB) |")
    print("| --- | ---: | ---: |")
    for name, body in CASES.items():
        if names and name not in names:
            continue
        seconds, mib = measure(body)
        print(f"| {name} | {seconds:.2f} | {mib:.0f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
