import shutil
import subprocess
import sys
import sysconfig

from blogsite import __version__
from blogsite.cli import main


def test_version(capsys) -> None:
    try:
        main(["--version"])
    except SystemExit as exit_:
        assert exit_.code == 0
    assert capsys.readouterr().out.strip() == f"blogsite {__version__}"


def test_help_lists_build_options() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "blogsite", "build", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    for option in (
        "--source",
        "--output",
        "--drafts",
        "--future",
        "--base-url",
        "--strict",
        "-q",
        "-v",
    ):
        assert option in result.stdout


def test_no_command_is_a_usage_error() -> None:
    result = subprocess.run([sys.executable, "-m", "blogsite"], capture_output=True, text=True)
    assert result.returncode == 2
    assert "usage:" in result.stderr and "Traceback" not in result.stderr


def test_console_script_is_installed() -> None:
    # Next to the running interpreter, not on PATH: a venv's python may run unactivated.
    scripts = sysconfig.get_path("scripts")
    script = shutil.which("blogsite", path=scripts)
    assert script is not None, f"no blogsite console script in {scripts}"
    result = subprocess.run([script, "--version"], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == f"blogsite {__version__}"
