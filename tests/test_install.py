"""A regular (non-editable) install carries the default theme and can build a site anywhere."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from bs4 import BeautifulSoup
from conftest import REPO, post, write_site


def _run(
    args: list[str | Path], cwd: Path, env: dict[str, str], timeout: float = 300
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )


def test_installed_wheel_builds_a_site_with_the_default_theme(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"

    # The wheel a user would get, installed with its dependencies into a venv that sees
    # nothing of the interpreter running the tests (global or itself a venv).
    wheels = tmp_path / "wheels"
    built_wheel = _run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", wheels, REPO],
        tmp_path,
        env,
        timeout=600,
    )
    assert built_wheel.returncode == 0, built_wheel.stderr
    (wheel,) = wheels.glob("blogsite-*.whl")
    venv = tmp_path / "venv"
    made = _run([sys.executable, "-m", "venv", venv], tmp_path, env)
    assert made.returncode == 0, made.stderr
    python = venv / "bin" / "python"
    installed = _run([python, "-m", "pip", "install", "--quiet", wheel], tmp_path, env, timeout=600)
    assert installed.returncode == 0, installed.stderr

    # The venv's own copy, not the editable install of the interpreter running the tests.
    where = _run(
        [
            python,
            "-c",
            "import blogsite, blogsite.theme as t; "
            "print(blogsite.__file__); print(t.default_theme_dir())",
        ],
        tmp_path,
        env,
    )
    assert where.returncode == 0, where.stderr
    module, theme = (Path(line).resolve() for line in where.stdout.splitlines())
    assert module.is_relative_to(venv.resolve()), module
    assert not module.is_relative_to(REPO), module
    assert theme.is_relative_to(venv.resolve()), theme
    assert (theme / "templates" / "base.html").is_file()

    site = write_site(
        tmp_path / "site",
        {
            "blogsite.yaml": "title: Installed\n",
            "content/posts/a.md": post("First post", date="2024-03-01", body="Hello.\n"),
            "content/posts/b.md": post(
                "Second post",
                date="2024-03-02",
                body="Euler: $e^{i\\pi} + 1 = 0$.\n\n$$\n\\int_0^1 x\\,dx = \\frac{1}{2}\n$$\n",
            ),
        },
    )
    assert sorted(p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()) == [
        "blogsite.yaml",
        "content/posts/a.md",
        "content/posts/b.md",
    ]
    built = _run([venv / "bin" / "blogsite", "build", "--source", site], tmp_path, env)
    assert built.returncode == 0, built.stderr

    public = site / "public"
    index = BeautifulSoup((public / "index.html").read_text(encoding="utf-8"), "html.parser")
    heading = index.find("h1")
    assert heading is not None and heading.get_text(strip=True) == "Latest updates"
    assert len(index.find_all("article")) == 2
    for rel in ("css/style.css", "css/code.css", "fonts/latinmodern-math.woff2"):
        assert (public / rel).is_file() and (public / rel).stat().st_size > 0, rel
    assert "Blogsite Math" in (public / "css" / "style.css").read_text(encoding="utf-8")
    assert (public / "fonts" / "latinmodern-math.woff2").read_bytes()[:4] == b"wOF2"
    second = BeautifulSoup(
        (public / "posts" / "b" / "index.html").read_text(encoding="utf-8"), "html.parser"
    )
    assert len(second.find_all("math")) == 2
