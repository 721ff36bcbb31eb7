"""The README cannot rot: its set-up commands are CI's, its other commands run."""

from __future__ import annotations

import os
import subprocess
import sysconfig
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from conftest import REPO
from markup_helpers import render
from readme import fenced_blocks, setup_commands, shell_blocks

# Commands the README shows but a test cannot run: `serve` runs until Ctrl-C, and a push
# needs GitHub. The set-up commands are what runs this suite.
NOT_RUN = ("blogsite serve", "git push")


def test_setup_commands_are_the_two_commands() -> None:
    install, test = setup_commands()
    assert install == "pip install -e '.[blog]' && blogsite build"
    assert test.startswith("pip install -e '.[test]' && ") and "python -m pytest" in test
    assert "apt-get install -y chromium" in test


def test_ci_runs_the_readme_test_command_in_a_fresh_venv() -> None:
    lines = [
        line
        for line in (REPO / ".ci/run").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert lines[-1] == setup_commands()[1]
    assert any("python3 -m venv" in line for line in lines)
    assert any(line.startswith(". ") and "/bin/activate" in line for line in lines)


def test_fenced_blocks_keep_inner_fences() -> None:
    text = "````markdown\n```python\nx\n```\n````\n\n  ```sh\n  a\n  b\n  ```\n"
    assert fenced_blocks(text) == [("markdown", "```python\nx\n```"), ("sh", "a\nb")]


def test_the_readme_commands_run(tmp_path: Path) -> None:
    """Every other `sh` command of the README, in order, in one shell in an empty folder."""
    commands = [
        line
        for block in shell_blocks()[2:]
        for line in block.splitlines()
        if line.strip() and not line.startswith(NOT_RUN)
    ]
    assert any(line.startswith("blogsite init") for line in commands)
    scripts = sysconfig.get_path("scripts")
    env = dict(
        os.environ,
        PATH=f"{scripts}{os.pathsep}{os.environ['PATH']}",
        GIT_AUTHOR_NAME="t",
        GIT_AUTHOR_EMAIL="t@example.org",
        GIT_COMMITTER_NAME="t",
        GIT_COMMITTER_EMAIL="t@example.org",
        GIT_CONFIG_GLOBAL=os.devnull,
    )
    script = "set -euo pipefail\n" + "\n".join(commands) + "\ngit ls-files\n"
    run = subprocess.run(
        ["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, f"{run.stdout}\n{run.stderr}"
    assert "Traceback" not in run.stderr
    site = tmp_path / "myblog"
    # The deploy step's commit holds the sources, never the built site.
    committed = set(run.stdout.split())
    assert {"blogsite.yaml", ".github/workflows/deploy.yml", "requirements.txt"} <= committed
    assert not any(name.startswith("public/") for name in committed)
    # The last build asked for the root of example.org: links are root-relative.
    index = BeautifulSoup((site / "public/index.html").read_text(), "html.parser")
    assert index.select_one("link[rel=stylesheet]")["href"] == "/css/style.css"
    preview = BeautifulSoup((tmp_path / "preview/index.html").read_text(), "html.parser")
    assert preview.select_one("link[rel=stylesheet]")["href"] == "/blog/css/style.css"


@pytest.mark.parametrize(
    ("markdown", "is_math"),
    [
        ("$1/\\sqrt{d_k}$", True),
        ("$1 + x$", True),
        ("从 $5 and $10", False),
        ("$ x $", False),
        ("a2$x$", False),
        ("$x$2", False),
        ("\\$x$", False),
    ],
)
def test_the_readme_math_rule_is_the_parsers(markdown: str, is_math: bool) -> None:
    html = render(markdown).html
    assert ("<math" in html) is is_math, html
