"""Writing a build: stage beside the output folder, swap it in, keep what the user put there.

A failed or interrupted write never leaves a half-written output: the previous build
stays until the new one is complete, and the next build repairs what a killed one left.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import hashlib
import json
import os
import shutil
import stat
import sys
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from blogsite.errors import OutputError

# What a build publishes: bytes made in memory, or a file to copy as it is.
Output = bytes | Path

# The list of files the last build wrote, kept beside the output folder (never inside it,
# so it is not published): `public/` → `.public.blogsite-files`.
MANIFEST_SUFFIX = ".blogsite-files"
# Where builds before 0.2 kept it: inside the output. Read once, then dropped.
_OLD_MANIFEST = ".blogsite-files"
# What hosts and git put in an output folder: expected there, kept without comment.
_HOST_FILES = ("CNAME",)
_KEPT_SOURCES = ("content", "templates", "static")


def manifest_path(output: Path) -> Path:
    """Where the list of files the last build wrote into `output` is kept."""
    output = output.absolute()
    return output.parent / f".{output.name}{MANIFEST_SUFFIX}"


def check_output_dir(source: Path, given: Path) -> None:
    """Refuse output folders whose replacement would destroy what the user wrote."""
    source, output = source.resolve(), given.resolve()
    home = Path.home().resolve()
    if output in (Path("/"), home) or output == source or output in source.parents:
        raise OutputError(
            given, None, "refusing to build into this folder; choose an --output like public/"
        )
    for kept in _KEPT_SOURCES:
        if output == source / kept or (source / kept) in output.parents:
            raise OutputError(
                given, None, f"refusing to build inside `{kept}/`; choose another --output"
            )
    if output.exists() and not output.is_dir():
        raise OutputError(given, None, "is a file, not a folder; choose another --output")
    if (output / "content").exists() or (output / "blogsite.yaml").exists():
        raise OutputError(
            given, None, "this folder holds a site's sources; choose another --output"
        )
    if output.is_dir() and not _looks_like_output(output):
        raise OutputError(
            given,
            None,
            "folder is not empty and does not look like a previous build; "
            "choose another --output or empty it",
        )


def _looks_like_output(folder: Path) -> bool:
    """Empty, built before, or holding only what a host needs (`.git/`, `CNAME`, dot-files)."""
    if _read_manifest(folder) is not None or (folder / "index.html").is_file():
        return True
    return all(_is_host_file(entry.name) for entry in folder.iterdir())


def _is_host_file(name: str) -> bool:
    return name.startswith(".") or name in _HOST_FILES


@dataclass(frozen=True)
class Written:
    """What writing the output folder did."""

    written: int
    unchanged: int
    # Files kept from an output folder that came with no list of what a build wrote there:
    # they may be the user's or an old build's, so they are kept and named, never deleted.
    unlisted: tuple[str, ...] = ()


@dataclass(frozen=True)
class PreviousBuild:
    """What the last build left in an output folder that this one may reuse as it is.

    `digests` name what a derived output (the search index, the math font) was made
    from; `files` are the regular files it wrote that are still there.
    """

    digests: Mapping[str, str]
    files: Mapping[str, Path]
    # Each file's checksum as the manifest records it, for the files still as written.
    checksums: Mapping[str, str] = field(default_factory=dict)


def write_outputs(
    outputs: Mapping[str, Output], output: Path, digests: Mapping[str, str] | None = None
) -> Written:
    """Write into a fresh folder beside `output`, then swap it in.

    Files whose bytes did not change are hard-linked from the previous build, so they are
    not written again; the manifest's checksums tell which, without reading the old files.
    When nothing changed at all, nothing is touched. Files in `output` that no build of
    ours wrote (`.git/`, `CNAME`) are carried over: the manifest beside the folder lists
    what the last build wrote, and `digests` of what its derived outputs were made from.
    """
    given, output = output, output.resolve()
    staging = output.parent / f".{output.name}.new-{os.getpid()}"
    digests = dict(digests or {})
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        with _locked(output.parent):
            _recover(output)
            record = _read_record(output)
            sums = {rel: checksum(content) for rel, content in outputs.items()}
            kept = _kept(output, outputs, sums, record)
            for rel in kept:  # a last build's file reused as it is keeps its checksum
                sums[rel] = (record or {})["sums"][rel][0]
            same = record is not None and record.get("digests") == digests
            if same and len(kept) == len(outputs) == len(record["files"]):
                return Written(0, len(outputs))  # the same build: leave every file be
            if record is not None and _few_changes(output, outputs, kept, record):
                return _update_in_place(output, outputs, kept, record, sums, digests)
            shutil.rmtree(staging, ignore_errors=True)
            staging.mkdir()
            written, unchanged, stats = _write_all(outputs, output, staging, kept)
            previous = _read_manifest(output)
            unlisted = _carry_over(output, staging, set(outputs), previous)
            # Claim the old and new files before the swap and only the new ones after it,
            # so an interruption at any point never makes our own files look like the user's.
            _write_manifest(output, set(outputs) | (previous or set()), {})
            _swap_in(staging, output)
            with contextlib.suppress(OSError):  # the list written above still holds
                checked = {rel: [sums[rel], *stats[rel]] for rel in outputs if rel in stats}
                _write_manifest(output, set(outputs), digests, checked)
    except (OSError, ValueError) as exc:
        shutil.rmtree(staging, ignore_errors=True)
        where = _as_given(getattr(exc, "filename", None), {staging: given, output: given})
        reason = getattr(exc, "strerror", None) or str(exc)
        raise OutputError(where or given, None, f"cannot write the site: {reason}") from None
    return Written(written, unchanged, tuple(unlisted))


# A build that changes one file replaces just that file, in one rename: relinking thousands
# of unchanged files into a fresh folder would cost more than the edit. Two renames could
# be interrupted between them and leave half of each build, so more changes than this go
# through a fresh folder that is swapped in whole.
_FEW = 1


def _few_changes(
    output: Path, outputs: Mapping[str, Output], kept: set[str], record: dict[str, Any]
) -> bool:
    """Whether there is at most one change, a plain file put or removed where a file
    was or a folder is (no file turning into a folder or back)."""
    listed = {name for name in record["files"] if isinstance(name, str)}
    changed = [rel for rel in outputs if rel not in kept]
    removed = listed - set(outputs)
    if len(changed) + len(removed) > _FEW:
        return False
    if not isinstance(record.get("sums"), dict) or not output.is_dir():
        return False
    for rel in changed:
        target = output / rel
        if target.is_symlink() or target.is_dir():
            return False
        parts = rel.split("/")
        for n in range(1, len(parts)):
            folder = output.joinpath(*parts[:n])
            if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
                return False
    return all((output / rel).is_file() or not (output / rel).exists() for rel in removed)


def _update_in_place(
    output: Path,
    outputs: Mapping[str, Output],
    kept: set[str],
    record: dict[str, Any],
    sums: Mapping[str, str],
    digests: Mapping[str, str],
) -> Written:
    """Write the changed file beside its place, then rename it in (or remove the file that
    went): a failure or a kill at any point leaves the last build or the new one."""
    listed = {name for name in record["files"] if isinstance(name, str)}
    changed = sorted(rel for rel in outputs if rel not in kept)
    fresh: list[tuple[Path, Path]] = []
    try:
        for n, rel in enumerate(changed):
            target = output / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            # Beside the output folder, not in it: a kill before the rename must not leave
            # a stray file in the site. `_recover` removes it.
            temporary = output.parent / f".{output.name}.write-{os.getpid()}-{n}"
            content = outputs[rel]
            if isinstance(content, Path):
                shutil.copyfile(content, temporary)
            else:
                temporary.write_bytes(content)
            fresh.append((temporary, target))
    except OSError:
        for temporary, _ in fresh:
            temporary.unlink(missing_ok=True)
        raise
    # Claim the old and new files while both may be there, as the swap does.
    _write_manifest(output, set(outputs) | listed, {})
    for temporary, target in fresh:
        try:
            os.replace(temporary, target)
        except OSError as exc:
            if exc.errno != errno.EXDEV:
                raise
            # The output folder is a mount point of its own: rename within it instead.
            nearby = target.with_name(f".{target.name}.blogsite-{os.getpid()}")
            shutil.move(temporary, nearby)
            os.replace(nearby, target)
    for rel in sorted(listed - set(outputs)):
        gone = output / rel
        gone.unlink(missing_ok=True)
        # Folders only our files were in go too; one with anything else in it stays.
        for folder in gone.parents:
            if folder == output:
                break
            with contextlib.suppress(OSError):
                folder.rmdir()
    recorded = record["sums"]
    checked: dict[str, list[Any]] = {}
    for rel in outputs:
        if rel in kept:
            checked[rel] = recorded[rel]
        else:
            st = (output / rel).stat()
            checked[rel] = [sums[rel], st.st_size, st.st_mtime_ns]
    with contextlib.suppress(OSError):
        _write_manifest(output, set(outputs), digests, checked)
    return Written(len(changed), len(outputs) - len(changed))


def checksum(content: Output) -> str:
    """What a file's bytes will be: their hash, or, for a file copied as it is, its path,
    size and modification time (reading every static file would cost more)."""
    if isinstance(content, Path):
        st = content.stat()
        return f"file:{st.st_size}:{st.st_mtime_ns}:{content.absolute()}"
    return hashlib.blake2b(content, digest_size=16).hexdigest()


def _kept(
    output: Path,
    outputs: Mapping[str, Output],
    sums: Mapping[str, str],
    record: dict[str, Any] | None,
) -> set[str]:
    """The outputs the last build wrote with the same checksum, still as it left them. An
    output that is the last build's file itself (a search index reused) is kept as well."""
    kept: set[str] = set()
    recorded = (record or {}).get("sums")
    if not isinstance(recorded, dict):
        return kept
    for rel, checksum in sums.items():
        entry = recorded.get(rel)
        if not isinstance(entry, list) or len(entry) != 3:
            continue
        content = outputs[rel]
        itself = isinstance(content, Path) and content.absolute() == output / rel
        if entry[0] != checksum and not itself:
            continue
        try:
            st = (output / rel).lstat()
        except OSError:
            continue
        if stat.S_ISREG(st.st_mode) and [st.st_size, st.st_mtime_ns] == entry[1:]:
            kept.add(rel)
    return kept


def _as_given(filename: object, names: dict[Path, Path]) -> Path | None:
    """A path below the staging or resolved output folder, named below the folder as given."""
    if not isinstance(filename, str | Path):
        return None
    path = Path(filename)
    for folder, shown in names.items():
        if path.is_relative_to(folder):
            return shown / path.relative_to(folder)
    return path


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """One writer at a time per folder (say `serve --write` and `build` at once)."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _write_all(
    outputs: Mapping[str, Output], output: Path, staging: Path, kept: set[str]
) -> tuple[int, int, dict[str, tuple[int, int]]]:
    """Fill `staging`; the (size, mtime) of each file, for the next build's checks."""
    folders = sorted({(staging / rel).parent for rel in outputs})
    for folder in folders:
        folder.mkdir(parents=True, exist_ok=True)

    def place(rel: str) -> tuple[bool, tuple[int, int]]:
        content, target, previous = outputs[rel], staging / rel, output / rel
        if (rel in kept or _same_bytes(previous, content)) and _link(previous, target):
            linked = True
        elif isinstance(content, Path):
            shutil.copyfile(content, target)
            linked = False
        else:
            target.write_bytes(content)
            linked = False
        st = target.stat()
        return linked, (st.st_size, st.st_mtime_ns)

    # The file system calls release the GIL: a few threads write many small files faster.
    with ThreadPoolExecutor(4) as pool:
        placed = dict(zip(outputs, pool.map(place, outputs), strict=True))
    unchanged = sum(1 for linked, _ in placed.values() if linked)
    stats = {rel: stat for rel, (_, stat) in placed.items()}
    return len(outputs) - unchanged, unchanged, stats


def _write_manifest(
    output: Path,
    names: set[str],
    digests: Mapping[str, str],
    sums: Mapping[str, list[Any]] | None = None,
) -> None:
    # JSON keeps names with spaces, and undecodable bytes as escaped surrogates.
    record = {"files": sorted(names), "digests": dict(digests), "sums": dict(sums or {})}
    target = manifest_path(output)
    fresh = target.with_name(f"{target.name}.{os.getpid()}")
    fresh.write_bytes(json.dumps(record, ensure_ascii=True, indent=0).encode())
    os.replace(fresh, target)


def _read_record(output: Path) -> dict[str, Any] | None:
    for path in (manifest_path(output), output / _OLD_MANIFEST):
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(record, list):  # before 0.2: the list of files alone
            record = {"files": record}
        if isinstance(record, dict) and isinstance(record.get("files"), list):
            return record
    return None


def _read_manifest(output: Path) -> set[str] | None:
    record = _read_record(output)
    if record is None:
        return None
    return {name for name in record["files"] if isinstance(name, str)}


def previous_build(output: Path) -> PreviousBuild:
    """The last build's digests and the regular files it wrote, as far as they survive."""
    output = output.resolve()
    record = _read_record(output) or {"files": []}
    digests = record.get("digests")
    recorded = record.get("sums") if isinstance(record.get("sums"), dict) else {}
    files, checksums = {}, {}
    for name in record["files"]:
        path = output / str(name)
        if not isinstance(name, str) or not path.is_file() or path.is_symlink():
            continue
        files[name] = path
        entry = recorded.get(name)
        if isinstance(entry, list) and len(entry) == 3 and isinstance(entry[0], str):
            st = path.stat()
            if [st.st_size, st.st_mtime_ns] == entry[1:]:
                checksums[name] = entry[0]
    return PreviousBuild(
        digests={k: v for k, v in digests.items() if isinstance(v, str)}
        if isinstance(digests, dict)
        else {},
        files=files,
        checksums=checksums,
    )


def _link(previous: Path, target: Path) -> bool:
    try:
        os.link(previous, target)
        return True
    except OSError:  # a file system without hard links: the caller copies
        return False


def _carry_over(
    output: Path, staging: Path, produced: set[str], ours: set[str] | None
) -> list[str]:
    """Keep what the user put in the output folder; drop only what our builds wrote (`ours`).

    Without a manifest (a clone of a Pages branch, a folder that was moved), nothing says
    which files are ours: all are kept, and the files other than host files are returned.
    """
    unlisted: list[str] = []
    if not output.is_dir():
        return unlisted
    for path in sorted(output.rglob("*")):
        rel = path.relative_to(output).as_posix()
        if rel == _OLD_MANIFEST or rel in produced:
            continue
        if ours is not None and rel in ours:
            continue
        if ours is None and path.is_file() and not _is_host_file(rel.split("/", 1)[0]):
            unlisted.append(rel)
        target = staging / rel
        if target.is_symlink() or target.exists():
            continue
        if path.is_symlink():
            target.parent.mkdir(parents=True, exist_ok=True)
            target.symlink_to(os.readlink(path))
        elif path.is_dir():
            # Folders come along with their files; only an empty one of the user's is kept as is.
            if not any(path.iterdir()) and not any(p.startswith(rel + "/") for p in ours or ()):
                target.mkdir(parents=True, exist_ok=True)
        elif path.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            if not _link(path, target):
                shutil.copy2(path, target)
    return unlisted


def _swap_in(staging: Path, output: Path) -> None:
    """Make `staging` the output in one step where the system allows it."""
    if output.exists() and _exchange(staging, output):
        shutil.rmtree(staging, ignore_errors=True)  # now holds the previous build
        return
    retired = output.parent / f".{output.name}.old-{os.getpid()}"
    try:
        if output.exists():
            output.rename(retired)
        staging.rename(output)
    except OSError as exc:
        if exc.errno not in (errno.EBUSY, errno.EXDEV):
            raise
        # A mount point cannot be renamed: replace what it holds instead.
        if retired.exists() and not output.exists():
            retired.rename(output)
        _replace_contents(staging, output)
        shutil.rmtree(staging, ignore_errors=True)
        return
    shutil.rmtree(retired, ignore_errors=True)


def _replace_contents(staging: Path, output: Path) -> None:
    for entry in output.iterdir():
        if not (staging / entry.name).exists() and not (staging / entry.name).is_symlink():
            shutil.rmtree(entry) if entry.is_dir() and not entry.is_symlink() else entry.unlink()
    for entry in staging.iterdir():
        target = output / entry.name
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        os.replace(entry, target)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux renameat2 RENAME_EXCHANGE); False where unsupported."""
    if sys.platform != "linux":
        return False
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    return renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0


def _recover(output: Path) -> None:
    """Undo what an interrupted build left: a missing output with its retired copy beside it.

    Runs under the lock, so no other writer is using these folders.
    """
    leftovers = sorted(output.parent.glob(f".{output.name}.old-*"))
    if not output.exists() and leftovers:
        leftovers[-1].rename(output)
    for stale in [*output.parent.glob(f".{output.name}.new-*"), *leftovers]:
        if stale.exists():
            shutil.rmtree(stale, ignore_errors=True)
    for stale in output.parent.glob(f".{output.name}.write-*"):  # see `_update_in_place`
        stale.unlink(missing_ok=True)
    # A manifest whose writing was interrupted before its rename.
    for stale in output.parent.glob(f"{manifest_path(output).name}.*"):
        stale.unlink(missing_ok=True)


def _same_bytes(previous: Path, content: Output) -> bool:
    try:
        if not previous.is_file() or previous.is_symlink():
            return False
        if isinstance(content, Path):
            return previous.stat().st_size == content.stat().st_size and (
                previous.read_bytes() == content.read_bytes()
            )
        return previous.stat().st_size == len(content) and previous.read_bytes() == content
    except OSError:
        return False
