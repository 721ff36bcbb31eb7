"""Shared fixtures: throw-away sites written from `{path: text}` dicts, and their builds."""

from __future__ import annotations

import os
import shutil
import subprocess
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from playwright.sync_api import Browser, sync_playwright

from blogsite.cli import main

REPO = Path(__file__).resolve().parents[1]
CHROMIUM_ENV = "BLOGSITE_CHROMIUM"
CHROMIUM_HELP = (
    "install Debian's chromium (apt-get install -y chromium) "
    f"or set {CHROMIUM_ENV}=/path/to/chromium"
)
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def find_chromium() -> str:
    """The Chromium the browser tests drive, found as the README's test command finds it.

    `BLOGSITE_CHROMIUM` wins when set (it must name an executable file); otherwise `chromium`
    on PATH. Without one the calling test FAILS, never skips: a green run means the browser
    tests ran.
    """
    override = os.environ.get(CHROMIUM_ENV)
    if override:
        if os.path.isfile(override) and os.access(override, os.X_OK):
            return override
        pytest.fail(
            f"Chromium not found: {CHROMIUM_ENV}={override} is not an executable file; "
            f"{CHROMIUM_HELP}",
            pytrace=False,
        )
    found = shutil.which("chromium")
    if found is None:
        pytest.fail(f"Chromium not found: no `chromium` on PATH; {CHROMIUM_HELP}", pytrace=False)
    return found


def post(title: str, date: str = "2024-01-01", body: str = "正文。", **front: object) -> str:
    """The text of a post with the given front matter (extra keys written as YAML flow values)."""
    lines = [f"title: {title!r}" if title is not None else "", f"date: {date}" if date else ""]
    for key, value in front.items():
        if isinstance(value, list | tuple):
            value = "[" + ", ".join(str(v) for v in value) + "]"
        elif isinstance(value, bool):
            value = "true" if value else "false"
        lines.append(f"{key}: {value}")
    header = "\n".join(line for line in lines if line)
    return f"---\n{header}\n---\n{textwrap.dedent(body).lstrip()}"


def write_site(root: Path, files: dict[str, str | bytes]) -> Path:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    (root / "content").mkdir(exist_ok=True)
    return root


@dataclass
class Run:
    code: int
    out: str
    err: str


@dataclass
class Site:
    root: Path
    capsys: pytest.CaptureFixture[str]

    @property
    def public(self) -> Path:
        return self.root / "public"

    def build(self, *args: str) -> Run:
        """Run `blogsite build --source ROOT ARGS` in-process."""
        self.capsys.readouterr()
        code = main(["build", "--source", str(self.root), *args])
        captured = self.capsys.readouterr()
        return Run(code, captured.out, captured.err)

    def html(self, rel: str) -> BeautifulSoup:
        """Parsed HTML of a built file (`posts/a/` means `posts/a/index.html`)."""
        path = self.public / rel
        if rel.endswith("/") or rel == "":
            path = path / "index.html"
        return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")

    def write(self, rel: str, content: str) -> None:
        write_site(self.root, {rel: content})


@pytest.fixture
def make_site(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Callable[..., Site]:
    """`make_site({path: text})` writes a site under a temporary folder and returns it."""

    def make(files: dict[str, str | bytes], name: str = "site") -> Site:
        return Site(write_site(tmp_path / name, files), capsys)

    return make


CJK_FONT_HELP = (
    "install Debian's fonts-noto-cjk (apt-get install -y fonts-noto-cjk): the layout of "
    "Chinese text means nothing when Chromium draws it with a fallback font"
)


def find_cjk_font() -> str:
    """The family of a font that draws Chinese, as fontconfig knows it; fails if none."""
    try:
        listed = subprocess.run(
            ["fc-list", ":lang=zh", "family"], capture_output=True, text=True, timeout=30
        ).stdout
    except (OSError, subprocess.SubprocessError):
        listed = ""
    families = sorted({line.split(",")[0].strip() for line in listed.splitlines() if line.strip()})
    if not families:
        pytest.fail(f"No Chinese font: {CJK_FONT_HELP}", pytrace=False)
    return families[0]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium (never a downloaded one), driven by Playwright, once per module."""
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=find_chromium(), args=CHROMIUM_ARGS)
        yield launched
        launched.close()
