"""The build cache kept between runs in `.blogsite-cache/` under the site.

It holds what is costly to make again (rendered Markdown, whole post pages, the math font
cuts), each under a digest of its inputs. The file is stamped with the versions of
blogsite and of the libraries whose output it holds: a cache from other versions, or
one that cannot be read, is dropped with a warning and never trusted.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import pickle
import shutil
import tempfile
from dataclasses import dataclass, field, fields
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

CACHE_DIR = ".blogsite-cache"
_FILE = "build.pickle"
# Bump when what is stored changes shape.
_FORMAT = 2
# Whose versions change what the cache holds.
_LIBRARIES = (
    "blogsite", "markdown-it-py", "mdit-py-plugins", "pygments", "math-core", "jinja2",
    "fonttools", "pyyaml",
)  # fmt: skip


@functools.cache
def stamp() -> tuple[tuple[str, str], ...]:
    """The versions a cache is valid for: its format, blogsite's code and version, and its
    libraries' versions."""
    found = [("format", str(_FORMAT)), ("code", _code_digest())]
    for name in _LIBRARIES:
        try:
            found.append((name, version(name)))
        except PackageNotFoundError:
            found.append((name, "?"))
    return tuple(found)


def _code_digest() -> str:
    """Of blogsite's own modules: a change to the code (a release, or a working copy being
    edited) may change what it makes, or the shape of what it stores."""
    hasher = hashlib.blake2b(digest_size=16)
    for path in sorted(Path(__file__).parent.glob("*.py")):
        hasher.update(path.name.encode() + b"\0" + path.read_bytes())
    return hasher.hexdigest()


@dataclass
class Stored:
    """What one build leaves for the next; each part maps a digest of inputs to a result."""

    rendered: dict[str, Any] = field(default_factory=dict)  # body digest → Rendered
    pages: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # path → (inputs, page)
    math_fonts: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # key → (inputs, font)
    related: dict[str, Any] = field(default_factory=dict)  # see `assemble`
    entries: dict[str, str] = field(default_factory=dict)  # digest → listing entry
    contents: dict[str, str] = field(default_factory=dict)  # digest → a post's feed HTML
    fronts: dict[Any, Any] = field(default_factory=dict)  # a file's text → its front matter
    # (digest of the templates, what each reads of the site): parsing them costs 50 ms.
    readers: tuple[str, dict[str, Any]] = ("", {})
    links: dict[str, Any] = field(default_factory=dict)  # page → (its digest, its links)
    link_report: Any = None  # (digest of what it read, the link checker's report)
    runs: dict[str, Any] = field(default_factory=dict)  # post → its code blocks' outcomes


_FIELDS = {f.name for f in fields(Stored)}


def cache_file(site: Path) -> Path:
    return site / CACHE_DIR / _FILE


def bytecode_dir(site: Path) -> Path | None:
    """Where Jinja may keep compiled templates (it checks their sources itself)."""
    folder = site / CACHE_DIR / "templates"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return folder


def load(site: Path) -> tuple[Stored, str | None]:
    """The stored cache, or an empty one and why the file on disk was not used."""
    path = cache_file(site)
    try:
        with path.open("rb") as file:
            header = pickle.load(file)
            if header != ("blogsite-cache", stamp()):
                return Stored(), f"{path}: made by other versions; starting a new cache"
            stored = pickle.load(file)
    except FileNotFoundError:
        return Stored(), None
    except Exception as exc:  # noqa: BLE001 - a damaged file of any kind is only dropped
        return Stored(), f"{path}: unreadable ({type(exc).__name__}); starting a new cache"
    if not isinstance(stored, Stored) or vars(stored).keys() != _FIELDS:
        return Stored(), f"{path}: made by another version of blogsite; starting a new cache"
    return stored, None


def save(site: Path, stored: Stored) -> str | None:
    """Write the cache in one step (a racing build's file replaces it whole); None, or why
    it could not be written, which does not fail the build."""
    path = cache_file(site)
    try:
        path.parent.mkdir(exist_ok=True)
        # The folder's own .gitignore keeps it out of any repository the site lives in.
        ignore = path.parent / ".gitignore"
        if not ignore.exists():
            ignore.write_text("*\n", encoding="utf-8")
        fd, fresh = tempfile.mkstemp(dir=path.parent, prefix=f".{_FILE}.")
        try:
            with os.fdopen(fd, "wb") as file:
                pickle.dump(("blogsite-cache", stamp()), file, protocol=pickle.HIGHEST_PROTOCOL)
                pickle.dump(stored, file, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(fresh, path)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(fresh)
    except OSError as exc:
        return f"{path}: cannot write the build cache: {exc.strerror or exc}"
    return None


def clear(site: Path) -> bool:
    """Remove the cache folder; whether there was one."""
    folder = site / CACHE_DIR
    if not folder.is_dir():
        return False
    shutil.rmtree(folder)
    return True
