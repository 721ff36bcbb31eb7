"""How the browser tests find Chromium: `BLOGSITE_CHROMIUM`, else `chromium` on PATH, else fail."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import CHROMIUM_ENV, find_chromium, find_cjk_font


def _executable(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")
    path.chmod(0o755)
    return path


def test_the_override_wins_over_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    on_path = _executable(tmp_path / "bin" / "chromium")
    chosen = _executable(tmp_path / "elsewhere" / "my-chromium")
    monkeypatch.setenv("PATH", str(on_path.parent))
    monkeypatch.setenv(CHROMIUM_ENV, str(chosen))
    assert find_chromium() == str(chosen)


def test_without_an_override_chromium_comes_from_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    on_path = _executable(tmp_path / "bin" / "chromium")
    monkeypatch.setenv("PATH", str(on_path.parent))
    monkeypatch.delenv(CHROMIUM_ENV, raising=False)
    assert find_chromium() == str(on_path)


@pytest.mark.parametrize("kind", ["missing", "not executable", "a folder"])
def test_a_bad_override_fails_with_a_clear_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    # A working chromium on PATH must not hide the mistake in the override.
    monkeypatch.setenv("PATH", str(_executable(tmp_path / "bin" / "chromium").parent))
    bad = tmp_path / "nowhere" / "chromium"
    if kind == "not executable":
        bad.parent.mkdir()
        bad.write_text("", encoding="utf-8")
    elif kind == "a folder":
        bad.mkdir(parents=True)
    monkeypatch.setenv(CHROMIUM_ENV, str(bad))
    # pytest.fail, not pytest.skip: a run without Chromium must not pass.
    with pytest.raises(pytest.fail.Exception) as failed:
        find_chromium()
    message = str(failed.value)
    assert message.startswith("Chromium not found:")
    assert f"{CHROMIUM_ENV}={bad} is not an executable file" in message
    assert "apt-get install -y chromium" in message


def test_no_chromium_anywhere_fails_with_a_clear_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv(CHROMIUM_ENV, raising=False)
    with pytest.raises(pytest.fail.Exception) as failed:
        find_chromium()
    message = str(failed.value)
    assert message.startswith("Chromium not found:")
    assert "apt-get install -y chromium" in message
    assert f"{CHROMIUM_ENV}=/path/to/chromium" in message


def test_a_chinese_font_is_installed() -> None:
    """Layout tests of Chinese text need one; the README's test command installs it."""
    assert find_cjk_font()
