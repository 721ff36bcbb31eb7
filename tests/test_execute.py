"""Runnable code blocks: ```` ```python run ```` blocks run at build time, in a worker
process, and show their output; failures point into the Markdown; outcomes are cached."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from conftest import post, write_site
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markup_helpers import MD, SETTINGS

from blogsite.build import BuildOptions, build
from blogsite.errors import BlogsiteError
from blogsite.execute import run_blocks
from blogsite.markup import render_markdown


def children() -> set[int]:
    """The processes below this one, from /proc: a worker left behind would be among them."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = set(), {os.getpid()}
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def render_run(body: str, folder: Path, time_limit: float = 10.0):
    return render_markdown(
        MD,
        body,
        path="post.md",
        first_line=5,
        settings=SETTINGS,
        run=lambda blocks: ("", run_blocks(blocks, folder, time_limit)),
    )


def outputs(html: str) -> list[tuple[str, str]]:
    soup = BeautifulSoup(html, "html.parser")
    return [
        (" ".join(f["class"]), f.find("samp").get_text() if f.find("samp") else f.get_text())
        for f in soup.select(".code-output")
    ]


def test_output_appears_under_its_block_and_the_namespace_carries_on(tmp_path: Path) -> None:
    body = (
        "```python run\nx = 20\nprint('第一块')\nx + 1\n```\n\n"
        "正文。\n\n```python run\nimport os\nprint(x * 2, os.getpid())\n```\n"
    )
    rendered = render_run(body, tmp_path)
    assert rendered.diagnostics == ()
    (kind1, first), (kind2, second) = outputs(rendered.html)
    assert kind1 == kind2 == "code-output"
    assert first == "第一块\n21"
    value, pid = second.split()
    assert value == "40" and int(pid) != os.getpid()  # never in the build's own process
    soup = BeautifulSoup(rendered.html, "html.parser")
    figures = soup.select("figure")
    assert [f["class"][0] for f in figures] == ["code-block", "code-output"] * 2


def test_hide_runs_unseen_and_check_shows_code_only(tmp_path: Path) -> None:
    body = (
        "```python hide\nimport math\nsecret = 'HIDDEN'\n```\n\n"
        "```python check\nprint('CHECKED', math.pi)\n```\n\n"
        "```python run\nprint(secret.lower())\n```\n"
    )
    rendered = render_run(body, tmp_path)
    assert rendered.diagnostics == ()
    assert "HIDDEN" not in rendered.html and "secret = " not in rendered.html
    assert "CHECKED" in rendered.html  # the check block's code is shown …
    assert outputs(rendered.html) == [("code-output", "hidden")]  # … but not its output


def test_an_exception_is_told_at_the_markdown_line_of_the_failing_statement(tmp_path) -> None:
    body = (
        "```python run\ndef f(n):\n    return 10 / n\n\nf(0)\n```\n\n```python run\nprint(1)\n```\n"
    )
    rendered = render_run(body, tmp_path)
    # The body starts at line 5 of the file: `return 10 / n` is its line 3, so line 7.
    assert [str(d) for d in rendered.diagnostics] == [
        "post.md:7: ZeroDivisionError: division by zero"
    ]
    (kind, text), (skipped_kind, _) = outputs(rendered.html)
    assert kind == "code-output code-failed"
    assert "post.md:9, in <module>" in text and "post.md:7, in f" in text
    assert "return 10 / n" in text and "<string>" not in text and "/tmp" not in text
    assert "code-skipped" in skipped_kind  # the next block did not run on a broken state


def test_a_syntax_error_is_told_at_its_line(tmp_path: Path) -> None:
    rendered = render_run("```python run\nx = 1\ny = (\n```\n", tmp_path)
    assert [d.line for d in rendered.diagnostics] == [7]
    assert "SyntaxError" in rendered.diagnostics[0].message


def test_a_hang_is_stopped_and_the_build_goes_on(tmp_path: Path) -> None:
    body = "```python run\nprint('start')\n```\n\n```python run\nwhile True:\n    pass\n```\n"
    rendered = render_run(body, tmp_path, time_limit=1.0)
    assert [str(d) for d in rendered.diagnostics] == ["post.md:10: code block timed out after 1 s"]
    (_, first), (kind, text) = outputs(rendered.html)
    assert first == "start" and kind == "code-output code-failed" and "timed out" in text


def test_blocks_run_in_the_bundle_folder_with_a_minimal_environment(tmp_path: Path) -> None:
    (tmp_path / "data.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    os.environ["BLOGSITE_TEST_VALUE"] = "passed on"
    os.environ["SECRET_TOKEN_FOR_TEST"] = "kept out"
    try:
        body = (
            "```python run\nimport os\nprint(open('data.csv').read().split()[1])\n"
            "print(os.environ.get('BLOGSITE_TEST_VALUE'),"
            " os.environ.get('SECRET_TOKEN_FOR_TEST'))\n```\n"
        )
        rendered = render_run(body, tmp_path)
    finally:
        del os.environ["BLOGSITE_TEST_VALUE"], os.environ["SECRET_TOKEN_FOR_TEST"]
    assert outputs(rendered.html) == [("code-output", "1,2\npassed on None")]


def test_an_unchanged_post_never_runs_its_code_again(tmp_path: Path, monkeypatch) -> None:
    counter = tmp_path / "counter"
    monkeypatch.setenv("BLOGSITE_COUNTER", str(counter))
    code = (
        "```python run\nimport os\nopen(os.environ['BLOGSITE_COUNTER'], 'a').write('x')\n"
        "print('ran')\n```\n"
    )
    site = write_site(
        tmp_path / "site", {"content/posts/a.md": post("A", body=f"正文。\n\n{code}")}
    )
    options = BuildOptions(source=site, search=False)
    build(options)
    build(options)  # no change: nothing renders, nothing runs
    assert counter.read_text() == "x"
    page = (site / "public/posts/a/index.html").read_text(encoding="utf-8")
    assert outputs(page) == [("code-output", "ran")]
    # The prose changes, the blocks do not: the post renders again, its code does not run.
    (site / "content/posts/a.md").write_text(post("A", body=f"新的正文。\n\n{code}"), "utf-8")
    build(options)
    assert counter.read_text() == "x"
    assert "新的正文" in (site / "public/posts/a/index.html").read_text(encoding="utf-8")
    # A changed block runs again.
    changed = code.replace("print('ran')", "print('ran again')")
    (site / "content/posts/a.md").write_text(post("A", body=f"新的正文。\n\n{changed}"), "utf-8")
    build(options)
    assert counter.read_text() == "xx"


def test_a_failing_block_fails_a_strict_build(tmp_path: Path) -> None:
    site = write_site(
        tmp_path / "site",
        {"content/posts/a.md": post("A", body="```python run\nraise ValueError('坏了')\n```\n")},
    )
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "blogsite",
            "build",
            "--strict",
            "--no-search",
            "--source",
            str(site),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert f"{site}/content/posts/a.md:6: ValueError: 坏了" in done.stderr
    assert "Traceback" not in done.stderr  # the traceback is on the page, not the terminal


@settings(max_examples=15, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(st.text(alphabet=st.sampled_from("x=1()[]:'\"\\\n print#+-*/%é中"), max_size=40))
def test_any_text_in_a_run_block_never_crashes_and_leaves_no_worker(text: str) -> None:
    body = "```python run\n" + text.replace("```", "") + "\n```\n"
    before = children()
    rendered = render_run(body, Path("."), time_limit=5.0)
    assert rendered.html  # it rendered
    assert children() <= before


@pytest.fixture(autouse=True)
def _no_stray_workers() -> Iterator[None]:
    before = children()
    yield
    assert children() <= before


def test_rerun_and_check_code_run_the_blocks_again(tmp_path: Path, monkeypatch) -> None:
    counter = tmp_path / "counter"
    monkeypatch.setenv("BLOGSITE_COUNTER", str(counter))
    code = "```python run\nimport os\nopen(os.environ['BLOGSITE_COUNTER'], 'a').write('x')\n```\n"
    broken = "```python check\nassert 1 + 1 == 3, '算错了'\n```\n"
    site = write_site(
        tmp_path / "site",
        {
            "content/posts/a.md": post("A", body=f"正文。\n\n{code}"),
            "content/posts/b.md": post("B", body="没有代码。\n"),
        },
    )
    options = BuildOptions(source=site, search=False)
    build(options)
    build(options)
    assert counter.read_text() == "x"
    build(BuildOptions(source=site, search=False, rerun=True))
    assert counter.read_text() == "xx"  # run again, though nothing changed
    # `blogsite check --code` runs them too, and fails on a block that fails.
    from blogsite.cli import main

    assert main(["check", "--code", "--source", str(site)]) == 0
    assert counter.read_text() == "xxx"
    (site / "content/posts/b.md").write_text(post("B", body=broken), encoding="utf-8")
    assert main(["check", "--code", "--source", str(site)]) == 1


def test_doctest_blocks_compare_their_output(tmp_path: Path) -> None:
    body = (
        "```python hide\nnums = [2, 7, 11, 15]\n```\n\n"
        "```pycon run\n>>> sum(nums)\n35\n>>> 1 / 0\nTraceback (most recent call last):\n"
        "  ...\nZeroDivisionError: division by zero\n```\n\n"
        "```pycon run\n>>> nums[0]\n3\n```\n"
    )
    rendered = render_run(body, tmp_path)
    # The body's first line is the file's line 5: `>>> nums[0]` is its 15th, so line 19.
    assert [str(d) for d in rendered.diagnostics] == [
        "post.md:19: doctest mismatch: expected '3', got '2'"
    ]
    (passed, note), (kind, text) = outputs(rendered.html)
    assert passed == "code-output code-passed"  # a passing doctest says only that
    assert note == "✓ 构建时已运行：2 个例子，输出与上面所写一致"  # the test site is in Chinese
    assert kind == "code-output code-failed"
    assert text == ">>> nums[0]\nExpected:\n3\nGot:\n2\ndoctest mismatch: expected '3', got '2'"


def test_the_time_limit_is_set_per_site_and_per_post(tmp_path: Path) -> None:
    hang = "```python run\nimport time\nprint('start', flush=True)\ntime.sleep(30)\n```\n"
    site = write_site(
        tmp_path / "site",
        {
            "blogsite.yaml": "title: T\ncode_timeout: 1\n",
            "content/posts/a.md": post("A", body=hang),
            "content/posts/b.md": post("B", body=hang, code_timeout=2),
        },
    )
    result = build(BuildOptions(source=site, search=False))
    assert sorted(str(d).split("/content/posts/")[1] for d in result.diagnostics) == [
        "a.md:6: code block timed out after 1 s",  # the first line of code
        "b.md:7: code block timed out after 2 s",  # its front matter has one line more
    ]
    # A value that is no number of seconds names the file.
    (site / "content/posts/b.md").write_text(post("B", body=hang, code_timeout="soon"), "utf-8")
    with pytest.raises(BlogsiteError, match=r"b\.md: `code_timeout` must be a number"):
        build(BuildOptions(source=site, search=False))


PRELUDE = (
    "```cpp hide\n#include <cassert>\n#include <iostream>\n#include <vector>\n"
    "using namespace std;\n```\n\n"
)
SOLUTION = (
    "```cpp check\nclass Solution {\npublic:\n    int sum(const vector<int>& v) {\n"
    "        int s = 0;\n        for (int x : v) s += x;\n        return s;\n    }\n};\n```\n\n"
)


def test_cpp_blocks_make_one_program_whose_output_shows_under_main(tmp_path: Path) -> None:
    (tmp_path / "n.txt").write_text("7\n", encoding="utf-8")
    main = (
        '```cpp run\n#include <fstream>\nint main() {\n    int n;\n    ifstream("n.txt") >> n;\n'
        '    cout << Solution().sum({1, 2, n}) << " 中文" << endl;\n}\n```\n'
    )
    rendered = render_run(
        PRELUDE + SOLUTION + main + "\n```python run\nprint('py')\n```\n", tmp_path
    )
    assert rendered.diagnostics == ()
    assert outputs(rendered.html) == [("code-output", "10 中文"), ("code-output", "py")]
    soup = BeautifulSoup(rendered.html, "html.parser")
    assert "#include <cassert>" not in soup.get_text()  # the hidden prelude
    assert "class Solution" in soup.get_text()  # the checked block is shown, no output
    nxt = soup.find(string=lambda s: "class" in s).find_parent("figure").find_next_sibling()
    assert "code-output" not in nxt.get("class", [])


def test_a_cpp_compile_error_is_told_at_its_markdown_line(tmp_path: Path) -> None:
    broken = SOLUTION.replace("s += x;", "s += y;")
    main = "```cpp run\nint main() { cout << Solution().sum({1}) << endl; }\n```\n"
    rendered = render_run(PRELUDE + broken + main, tmp_path)
    # The body starts at the file's line 5; `s += y;` is the body's line 13: line 17.
    (diagnostic,) = rendered.diagnostics
    assert diagnostic.line == 17 and diagnostic.message.startswith("C++ error: ")
    assert "y’ was not declared" in diagnostic.message
    (kind, text), (skipped, _) = outputs(rendered.html)
    assert kind == "code-output code-failed" and "post.md:17:" in text and "/tmp" not in text
    assert "code-skipped" in skipped  # main is part of the program that did not compile


def test_a_failed_cpp_assert_and_a_cpp_hang_are_told(tmp_path: Path) -> None:
    main = (
        '```cpp run\nint main() {\n    cout << "before" << endl;\n'
        "    assert(Solution().sum({1, 2}) == 4);\n}\n```\n\n"
        "```cpp run\nint main() { volatile int i = 0; while (true) ++i; }\n```\n"
    )
    rendered = render_run(PRELUDE + SOLUTION + main, tmp_path, time_limit=2.0)
    failed, hang = rendered.diagnostics
    assert str(failed) == (  # at the assert's own line
        "post.md:26: int main(): Assertion `Solution().sum({1, 2}) == 4' failed."
        " (the program was killed by signal SIGABRT)"
    )
    assert str(hang) == "post.md:31: code block timed out after 2 s"
    (kind, text), (hang_kind, _) = outputs(rendered.html)
    assert kind == hang_kind == "code-output code-failed"
    assert text.startswith("before\n") and "signal SIGABRT" in text


def test_without_gpp_a_cpp_block_shows_a_note_and_fails_a_strict_build(tmp_path: Path) -> None:
    body = PRELUDE + "```cpp run\nint main() { cout << 1; }\n```\n"
    site = write_site(tmp_path / "site", {"content/posts/a.md": post("A", body=body)})
    command = [sys.executable, "-m", "blogsite", "build", "--no-search", "--source", str(site)]
    env = {**os.environ, "PATH": str(tmp_path)}  # nowhere to find g++
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    assert f"{site}/content/posts/a.md:6: g++ is not installed" in done.stderr
    page = (site / "public/posts/a/index.html").read_text(encoding="utf-8")
    notes = BeautifulSoup(page, "html.parser").select(".code-skipped")
    assert [n.get_text() for n in notes] == [
        "Not run: g++ is not installed where this page was built"
    ] * 2
    strict = subprocess.run([*command, "--strict"], capture_output=True, text=True, env=env)
    assert strict.returncode == 1 and "g++ is not installed" in strict.stderr


def test_a_changed_module_that_a_block_imports_runs_the_blocks_again(tmp_path: Path) -> None:
    body = "```python run\nimport helper\nprint(helper.VALUE)\n```\n"
    site = write_site(
        tmp_path / "site",
        {
            "content/posts/a/index.md": post("A", body=body),
            "content/posts/a/helper.py": "VALUE = 1\n",
        },
    )
    options = BuildOptions(source=site, search=False)
    page = site / "public/posts/a/index.html"
    build(options)
    assert outputs(page.read_text(encoding="utf-8")) == [("code-output", "1")]
    helper = site / "content/posts/a/helper.py"
    helper.write_text("VALUE = 22\n", encoding="utf-8")  # the post itself is unchanged
    os.utime(helper, ns=(helper.stat().st_mtime_ns + 10**9,) * 2)
    build(options)
    assert outputs(page.read_text(encoding="utf-8")) == [("code-output", "22")]
