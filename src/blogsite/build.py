"""Wire the stages: config → sources → front matter → Markdown → assemble → templates → write.

`build_site` does everything in memory (serve uses it); `build` also writes the output folder.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from blogsite.assemble import assemble
from blogsite.config import Config, load_config, with_base_url
from blogsite.content import CONTENT_DIR, discover, is_ignored, parse_front_matter
from blogsite.errors import Diagnostic, OutputError, StrictError
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
    posts = [_make_post(source, config, settings, cache) for source in discover(source_dir)]
    site = assemble(config, posts, drafts=options.drafts, future=options.future, now=now)
    theme = default_theme_dir()
    env = make_environment([source_dir / TEMPLATES, theme / TEMPLATES])
    outputs: dict[str, Output] = {}
    # Theme files first so a site's own static file of the same name wins.
    for static_dir in (theme / STATIC, source_dir / STATIC):
        outputs.update(_static_files(static_dir))
    outputs[CODE_CSS] = theme_css().encode()
    for post in (*site.posts, *site.pages):
        for asset in post.assets:
            rel = asset.relative_to(post.source.bundle or asset.parent).as_posix()
            outputs[post.path + rel] = asset
    outputs.update(render_site(env, site))
    shown = {id(post) for post in (*site.posts, *site.pages)}
    diagnostics = tuple(
        diagnostic
        for post in posts
        if id(post) in shown
        for diagnostic in post.rendered.diagnostics
    )
    return SiteBuild(site=site, outputs=outputs, diagnostics=diagnostics)


def _make_post(source: Source, config: Config, settings: MarkupSettings, cache: BuildCache) -> Post:
    meta = parse_front_matter(source, config.tzinfo)
    key = _digest(meta.body, source.rel, meta.body_line, settings)
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
    """Files to publish from `folder`: no editor leftovers, no symlinks that lead outside it."""
    root = folder.resolve()
    found = []
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or any(is_ignored(p) for p in path.relative_to(folder).parts):
            continue
        if not path.resolve().is_relative_to(root):
            continue
        found.append(path)
    return found


# --- writing --------------------------------------------------------------------------


def check_output_dir(source: Path, output: Path) -> None:
    """Refuse output folders whose replacement would destroy what the user wrote."""
    source, output = source.resolve(), output.resolve()
    home = Path.home().resolve()
    if output in (Path("/"), home) or output == source or output in source.parents:
        raise OutputError(
            output,
            None,
            "refusing to build into this folder; choose an --output below the site, like public/",
        )
    for kept in (CONTENT_DIR, TEMPLATES, STATIC):
        if output == source / kept or (source / kept) in output.parents:
            raise OutputError(
                output, None, f"refusing to build inside `{kept}/`; choose another --output"
            )
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
    not written again and keep their modification times.
    """
    output = output.resolve()
    output.parent.mkdir(parents=True, exist_ok=True)
    staging = output.parent / f".{output.name}.new-{os.getpid()}"
    retired = output.parent / f".{output.name}.old-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    written = unchanged = 0
    try:
        for rel, content in sorted(outputs.items()):
            target = staging / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            previous = output / rel
            if _same_bytes(previous, content):
                try:
                    os.link(previous, target)
                    unchanged += 1
                    continue
                except OSError:
                    pass  # a file system without hard links: copy below
            if isinstance(content, Path):
                shutil.copyfile(content, target)
            else:
                target.write_bytes(content)
            written += 1
        if output.exists():
            output.rename(retired)
        staging.rename(output)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise OutputError(
            exc.filename or output, None, f"cannot write the site: {exc.strerror}"
        ) from None
    shutil.rmtree(retired, ignore_errors=True)
    return written, unchanged


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
