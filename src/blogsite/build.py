"""Wire the stages: config → sources → front matter → Markdown → assemble → templates → write.

`build_site` does everything in memory (serve uses it); `build` also writes the output folder.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import shutil
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from blogsite.assemble import assemble
from blogsite.config import Config, load_config, with_base_url
from blogsite.content import CONTENT_DIR, discover, is_editor_leftover, parse_front_matter
from blogsite.errors import ContentError, Diagnostic, OutputError, StrictError
from blogsite.highlight import theme_css
from blogsite.markup import MarkdownParser, MarkupSettings, make_markdown, render_markdown
from blogsite.model import Post, Rendered, Site, Source
from blogsite.templates import make_environment, render_site
from blogsite.theme import STATIC, TEMPLATES, default_theme_dir

CODE_CSS = "css/code.css"
# Bump when the Markdown step's output changes for the same input, to invalidate caches.
MARKUP_VERSION = "1"

# What the build publishes: bytes made in memory, or a file to copy as it is.
Output = bytes | Path


@dataclass(frozen=True)
class BuildOptions:
    source: Path
    output: Path | None = None  # default: `source/public`
    drafts: bool = False
    future: bool = False
    base_url: str | None = None
    strict: bool = False
    now: datetime | None = None  # default: the current time, for hiding future posts

    @property
    def output_dir(self) -> Path:
        return self.output if self.output is not None else self.source / "public"


@dataclass
class BuildCache:
    """Rendered Markdown keyed by a digest of the body and the markup settings.

    Owned by the caller (`serve` keeps one across rebuilds); never shared between threads.
    """

    rendered: dict[str, Rendered] = field(default_factory=dict)
    markdown: dict[MarkupSettings, MarkdownParser] = field(default_factory=dict)
    hits: int = 0

    def parser(self, settings: MarkupSettings) -> MarkdownParser:
        if settings not in self.markdown:
            self.markdown[settings] = make_markdown(settings)
        return self.markdown[settings]

    def keep_only(self, keys: set[str]) -> None:
        """Forget renders the last build did not use, so a long preview does not grow."""
        self.rendered = {key: value for key, value in self.rendered.items() if key in keys}


@dataclass(frozen=True)
class SiteBuild:
    """An in-memory build: the site and every file it publishes."""

    site: Site
    outputs: Mapping[str, Output]
    diagnostics: tuple[Diagnostic, ...]


@dataclass(frozen=True)
class BuildResult:
    posts: int
    pages: int
    written: int
    unchanged: int
    seconds: float
    diagnostics: tuple[Diagnostic, ...]


def build_site(options: BuildOptions, cache: BuildCache | None = None) -> SiteBuild:
    """Run every stage except writing; raises `BlogsiteError` on bad input."""
    cache = cache if cache is not None else BuildCache()
    source_dir = options.source
    config = with_base_url(load_config(source_dir), options.base_url)
    settings = MarkupSettings(summary_length=config.summary_length, language=config.language)
    now = options.now or datetime.now(config.tzinfo)
    used_keys: set[str] = set()
    posts = [
        _make_post(source, config, settings, cache, used_keys) for source in discover(source_dir)
    ]
    site = assemble(config, posts, drafts=options.drafts, future=options.future, now=now)
    theme = default_theme_dir()
    env = make_environment([source_dir / TEMPLATES, theme / TEMPLATES])
    outputs = _Outputs()
    # Theme files first so a site's own static file of the same name wins.
    outputs.add_all(_static_files(theme / STATIC), "the theme's static/", replace=True)
    outputs.add(CODE_CSS, theme_css().encode(), "the code theme", replace=True)
    outputs.add_all(_static_files(source_dir / STATIC), f"{STATIC}/", replace=True)
    for post in (*site.posts, *site.pages):
        for asset in post.assets:
            rel = asset.relative_to(post.source.bundle or asset.parent).as_posix()
            outputs.add(post.path + rel, asset, post.source.rel)
    for key, page in render_site(env, site).items():
        outputs.add(key, page, _page_origin(site, key))
    outputs.check_nesting()
    shown = {id(post) for post in (*site.posts, *site.pages)}
    diagnostics = tuple(
        diagnostic
        for post in posts
        if id(post) in shown
        for diagnostic in post.rendered.diagnostics
    )
    cache.keep_only(used_keys)
    return SiteBuild(site=site, outputs=outputs.files, diagnostics=diagnostics)


class _Outputs:
    """The files a build publishes, with where each came from, so clashes name their sources."""

    def __init__(self) -> None:
        self.files: dict[str, Output] = {}
        self.origins: dict[str, str] = {}

    def add(self, key: str, content: Output, origin: str, replace: bool = False) -> None:
        parts = key.split("/")
        if key.startswith("/") or any(part in ("", ".", "..") for part in parts[:-1]):
            raise ContentError(origin, None, f"would write outside the site: `{key}`")
        if key in self.files and not replace:
            raise ContentError(
                origin,
                None,
                f"`/{key}` is also produced by {self.origins[key]}; rename one of them",
            )
        self.files[key] = content
        self.origins[key] = origin

    def add_all(self, files: dict[str, Output], origin: str, replace: bool = False) -> None:
        for key, content in files.items():
            self.add(key, content, f"{origin}{key}" if origin.endswith("/") else origin, replace)

    def check_nesting(self) -> None:
        """A file may not stand where another output needs a folder (`404.html/index.html`)."""
        for key in self.files:
            parts = key.split("/")
            for n in range(1, len(parts)):
                folder = "/".join(parts[:n])
                if folder in self.files:
                    raise ContentError(
                        self.origins[key],
                        None,
                        f"`/{key}` needs a folder where {self.origins[folder]} puts the file "
                        f"`/{folder}`; rename one of them",
                    )


def _page_origin(site: Site, key: str) -> str:
    for post in (*site.posts, *site.pages):
        if key == post.path + "index.html":
            return post.source.rel
    return "the theme's pages"


def _make_post(
    source: Source, config: Config, settings: MarkupSettings, cache: BuildCache, used: set[str]
) -> Post:
    meta = parse_front_matter(source, config.tzinfo)
    key = _digest(meta.body, source.rel, meta.body_line, settings)
    used.add(key)
    rendered = cache.rendered.get(key)
    if rendered is None:
        rendered = render_markdown(
            cache.parser(settings),
            meta.body,
            path=source.rel,
            first_line=meta.body_line,
            settings=settings,
        )
        cache.rendered[key] = rendered
    else:
        cache.hits += 1
    path = f"posts/{meta.slug}/" if source.kind == "post" else f"{meta.slug}/"
    return Post(
        source=source, meta=meta, path=path, rendered=rendered, assets=_bundle_assets(source)
    )


def _digest(body: str, rel: str, line: int, settings: MarkupSettings) -> str:
    # The path and first line are part of the key because diagnostics name them.
    key = f"{MARKUP_VERSION}\0{settings!r}\0{rel}\0{line}\0{body}"
    return hashlib.blake2b(key.encode("utf-8"), digest_size=16).hexdigest()


def _bundle_assets(source: Source) -> tuple[Path, ...]:
    if source.bundle is None:
        return ()
    return tuple(path for path in _files_below(source.bundle) if path != source.path)


def _static_files(static_dir: Path) -> dict[str, Output]:
    if not static_dir.is_dir():
        return {}
    return {path.relative_to(static_dir).as_posix(): path for path in _files_below(static_dir)}


def _files_below(folder: Path) -> list[Path]:
    """Files to publish from `folder`: no editor leftovers, no symlinks that lead outside it.

    Other hidden files are published: `.nojekyll`, `.well-known/` are meant for the host.
    """
    root = folder.resolve()
    found = []
    for path in sorted(folder.rglob("*")):
        parts = path.relative_to(folder).parts
        if not path.is_file() or any(is_editor_leftover(p) for p in parts) or ".git" in parts:
            continue
        if not path.resolve().is_relative_to(root):
            continue
        found.append(path)
    return found


# --- writing --------------------------------------------------------------------------


MANIFEST = ".blogsite-files"


def check_output_dir(source: Path, output: Path) -> None:
    """Refuse output folders whose replacement would destroy what the user wrote."""
    source, output = source.resolve(), output.resolve()
    home = Path.home().resolve()
    if output in (Path("/"), home) or output == source or output in source.parents:
        raise OutputError(
            output, None, "refusing to build into this folder; choose an --output like public/"
        )
    for kept in (CONTENT_DIR, TEMPLATES, STATIC):
        if output == source / kept or (source / kept) in output.parents:
            raise OutputError(
                output, None, f"refusing to build inside `{kept}/`; choose another --output"
            )
    if output.exists() and not output.is_dir():
        raise OutputError(output, None, "is a file, not a folder; choose another --output")
    if (output / CONTENT_DIR).exists() or (output / "blogsite.yaml").exists():
        raise OutputError(
            output, None, "this folder holds a site's sources; choose another --output"
        )
    if output.is_dir() and any(output.iterdir()) and not (output / "index.html").is_file():
        raise OutputError(
            output,
            None,
            "folder is not empty and does not look like a previous build; "
            "choose another --output or empty it",
        )


def write_outputs(outputs: Mapping[str, Output], output: Path) -> tuple[int, int]:
    """Write into a fresh folder beside `output`, then swap it in; return (written, unchanged).

    Files whose bytes did not change are hard-linked from the previous build, so they are
    not written again. Files in `output` that no build of ours wrote (`.git/`, `CNAME`)
    are carried over: the manifest `.blogsite-files` lists what the last build wrote.
    """
    output = output.resolve()
    output.parent.mkdir(parents=True, exist_ok=True)
    _recover(output)
    staging = output.parent / f".{output.name}.new-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    written = unchanged = 0
    try:
        staging.mkdir()
        for rel, content in sorted(outputs.items()):
            target = staging / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            previous = output / rel
            if _same_bytes(previous, content) and _link(previous, target):
                unchanged += 1
                continue
            if isinstance(content, Path):
                shutil.copyfile(content, target)
            else:
                target.write_bytes(content)
            written += 1
        _carry_over(output, staging, set(outputs))
        manifest = ("\n".join(sorted(outputs)) + "\n").encode()
        if not (
            _same_bytes(output / MANIFEST, manifest)
            and _link(output / MANIFEST, staging / MANIFEST)
        ):
            (staging / MANIFEST).write_bytes(manifest)
        _swap_in(staging, output)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        where = exc.filename or output
        raise OutputError(where, None, f"cannot write the site: {exc.strerror or exc}") from None
    return written, unchanged


def _link(previous: Path, target: Path) -> bool:
    try:
        os.link(previous, target)
        return True
    except OSError:  # a file system without hard links: the caller copies
        return False


def _carry_over(output: Path, staging: Path, produced: set[str]) -> None:
    """Keep what the user put in the output folder; drop only what our last build wrote."""
    if not output.is_dir():
        return
    manifest = output / MANIFEST
    ours = set(manifest.read_text(encoding="utf-8").split()) if manifest.is_file() else set()
    for path in sorted(output.rglob("*")):
        rel = path.relative_to(output).as_posix()
        if rel == MANIFEST or rel in produced or rel in ours:
            continue
        target = staging / rel
        if path.is_symlink():
            target.parent.mkdir(parents=True, exist_ok=True)
            target.symlink_to(os.readlink(path))
        elif path.is_dir():
            # Folders come along with their files; only an empty one of the user's is kept as is.
            if not any(path.iterdir()) and not any(p.startswith(rel + "/") for p in ours):
                target.mkdir(parents=True, exist_ok=True)
        elif path.is_file() and not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            if not _link(path, target):
                shutil.copy2(path, target)


def _swap_in(staging: Path, output: Path) -> None:
    """Make `staging` the output in one step where the system allows it."""
    if output.exists() and _exchange(staging, output):
        shutil.rmtree(staging, ignore_errors=True)  # now holds the previous build
        return
    retired = output.parent / f".{output.name}.old-{os.getpid()}"
    if output.exists():
        output.rename(retired)
    staging.rename(output)
    shutil.rmtree(retired, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux renameat2 RENAME_EXCHANGE); False where unsupported."""
    if sys.platform != "linux":
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    return result == 0


def _recover(output: Path) -> None:
    """Undo what an interrupted build left: a missing output with its retired copy beside it."""
    leftovers = sorted(output.parent.glob(f".{output.name}.old-*"))
    if not output.exists() and leftovers:
        leftovers[-1].rename(output)
    for stale in [*output.parent.glob(f".{output.name}.new-*"), *leftovers]:
        if stale.exists() and not stale.name.endswith(f"-{os.getpid()}"):
            shutil.rmtree(stale, ignore_errors=True)


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


def build(options: BuildOptions, cache: BuildCache | None = None) -> BuildResult:
    """Build the site and write it to the output folder; the old output survives any failure."""
    started = time.perf_counter()
    if not (options.source / CONTENT_DIR).is_dir():
        raise OutputError(
            options.source, None, f"no `{CONTENT_DIR}/` folder; is --source the site's folder?"
        )
    check_output_dir(options.source, options.output_dir)
    result = build_site(options, cache)
    if options.strict and result.diagnostics:
        raise StrictError(result.diagnostics)
    written, unchanged = write_outputs(result.outputs, options.output_dir)
    html_pages = sum(1 for rel in result.outputs if rel.endswith(".html"))
    return BuildResult(
        posts=len(result.site.posts),
        pages=html_pages,
        written=written,
        unchanged=unchanged,
        seconds=time.perf_counter() - started,
        diagnostics=result.diagnostics,
    )
