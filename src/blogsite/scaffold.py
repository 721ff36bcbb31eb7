"""`blogsite init`: a new site folder from the skeleton that ships inside the package."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from importlib import metadata
from importlib.resources import as_file, files
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from blogsite import __version__
from blogsite.errors import BlogsiteError

# Package data cannot be trusted to keep dot-files; `dot-x` in the skeleton is written as `.x`.
_DOT = "dot-"
# Empty folders a site may fill: their files then override the theme's.
_EMPTY_FOLDERS = ("templates", "static")
_KEEP = ".gitkeep"  # so git keeps the empty folder; never published
REQUIREMENTS = "requirements.txt"


class InitError(BlogsiteError):
    """The folder for a new site cannot be used."""


@dataclass(frozen=True)
class Created:
    """What `init` did: the files it wrote and the existing ones it left alone."""

    written: tuple[Path, ...]
    kept: tuple[Path, ...]
    requirement: str  # how the deploy workflow installs blogsite


def init_site(target: Path, force: bool = False) -> Created:
    """Write a new site into `target`; never overwrites a file, even with `force`."""
    if target.exists() and not target.is_dir():
        raise InitError(target, None, "is a file; choose a folder name for the new site")
    if target.is_dir() and any(target.iterdir()) and not force:
        raise InitError(
            target,
            None,
            "folder is not empty; choose a new folder, or add --force to add the site's "
            "files around what is there (no file is overwritten)",
        )
    requirement = install_requirement()
    planned = {**_skeleton_files(), REQUIREMENTS: requirements_text(requirement).encode()}
    for folder in _EMPTY_FOLDERS:
        planned[f"{folder}/{_KEEP}"] = b""
    written, kept = [], []
    for rel, data in sorted(planned.items()):
        path = target / rel
        if path.exists() or path.is_symlink():
            kept.append(path)
            continue
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("xb") as handle:  # "x": fail rather than overwrite
                handle.write(data)
        except OSError as exc:
            raise InitError(path, None, f"cannot write: {exc.strerror}") from None
        written.append(path)
    return Created(written=tuple(written), kept=tuple(kept), requirement=requirement)


def _skeleton_files() -> dict[str, bytes]:
    with as_file(files("blogsite") / "skeleton") as root:
        found = {}
        for path in sorted(root.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                rel = "/".join(
                    "." + part.removeprefix(_DOT) if part.startswith(_DOT) else part
                    for part in path.relative_to(root).parts
                )
                found[rel] = path.read_bytes()
        return found


def requirements_text(requirement: str) -> str:
    """`requirements.txt` for the deploy workflow: blogsite from where this copy came."""
    return (
        "# What the deploy workflow installs (pip install -r requirements.txt).\n"
        "# The blogsite this site was made with; change the line to upgrade, or to install\n"
        "# it from elsewhere (a wheel's URL, or git+https://… of its repository).\n"
        f"{requirement}\n"
    )


def install_requirement() -> str:
    """A pip requirement for this blogsite: where it was installed from, else its version.

    An install from a local checkout (`pip install -e .`) is named by the checkout's
    `origin` remote and commit, which a deploy machine can fetch.
    """
    try:
        recorded = metadata.distribution("blogsite").read_text("direct_url.json")
    except metadata.PackageNotFoundError:
        recorded = None
    origin = json.loads(recorded) if recorded else {}
    url = origin.get("url", "")
    if url.startswith(("https://", "http://")):
        vcs = origin.get("vcs_info")
        if vcs:
            commit = vcs.get("commit_id", "")
            return f"blogsite @ {vcs['vcs']}+{url}" + (f"@{commit}" if commit else "")
        return f"blogsite @ {url}"
    if url.startswith("file://"):
        checkout = _git_origin(Path(url2pathname(urlsplit(url).path)))
        if checkout is not None:
            return f"blogsite @ git+{checkout[0]}@{checkout[1]}"
    return f"blogsite=={__version__}"


def _git_origin(folder: Path) -> tuple[str, str] | None:
    """(https URL of `origin`, commit of HEAD) of the git checkout `folder`, if it has both."""

    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(
                ["git", "-C", str(folder), *args], capture_output=True, text=True, timeout=10
            )
        except (OSError, subprocess.SubprocessError):
            return None
        return done.stdout.strip() if done.returncode == 0 else None

    remote, commit = git("remote", "get-url", "origin"), git("rev-parse", "HEAD")
    if not remote or not commit or not remote.startswith(("https://", "http://")):
        return None
    return remote, commit
