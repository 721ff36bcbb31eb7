"""Pathological Markdown finishes, or is cut with a message; it never hangs or crashes.

The time and memory of each case are measured by bench/pathological.py, not here: these
tests only guard against a hang (a generous timeout) and against silent loss.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from markup_helpers import render

from blogsite.markup import MAX_NESTING


def test_deep_nesting_is_cut_with_a_message_at_its_line() -> None:
    body = "开头。\n\n" + "- " * 10_000 + "a\n"
    rendered = render(body)
    assert "开头" in rendered.html
    (warning,) = rendered.diagnostics
    # The body starts on line 5 of the file (see `render`); the list on its third line.
    assert warning.line == 5 + 2 and f"more than {MAX_NESTING} levels" in warning.message


def test_ordinary_nesting_keeps_everything_and_says_nothing() -> None:
    rendered = render("- " * 20 + "深处\n\n之后的段落。\n")
    assert "深处" in rendered.html and "之后的段落" in rendered.html
    assert rendered.diagnostics == ()


def test_a_long_formula_is_split_in_linear_time() -> None:
    # x+x+…: 50,000 break points; the search for them was quadratic (33 s), now linear.
    rendered = render("$" + "x+" * 50_000 + "y$\n")
    assert rendered.html.count("<math") == 50_001


@pytest.mark.parametrize(
    "body",
    [
        "'- ' * 10000 + 'a\\n'",
        "'>' * 10000 + ' a\\n'",
        "'*' * 100000 + '\\n'",
        "'[' * 100000 + '\\n'",
        "'```python\\n' + 'x = 1\\n' * 50000 + '```\\n'",
        "''.join(f'## 标题 {i}\\n\\n正文。\\n\\n' for i in range(10000))",
    ],
)
def test_pathological_input_finishes(body: str) -> None:
    child = (
        "from blogsite.markup import make_markdown, render_markdown\n"
        "from blogsite.model import MarkupSettings\n"
        "s = MarkupSettings()\n"
        f"render_markdown(make_markdown(s), {body}, path='p.md', first_line=1, settings=s)\n"
    )
    subprocess.run([sys.executable, "-c", child], check=True, timeout=60)
