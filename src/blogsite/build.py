"""Wire the stages: config → sources → front matter → Markdown → assemble → templates → write.

`build_site` does everything in memory (serve uses it); `build` also writes the output folder.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from blogsite.assemble import assemble
from blogsite.config import Config, load_config, with_base_url
from blogsite.content import (
    CONTENT_DIR,
    discover,
    is_editor_leftover,
    is_ignored,
    parse_front_matter,
)
from blogsite.errors import ContentError, Diagnostic, OutputError, StrictError
from blogsite.fonts import (
    EXCERPT_MATH_FONT,
    MATH_FONT,
    MathText,
    math_text,
    subset_digest,
    subset_font,
)
from blogsite.highlight import theme_css
from blogsite.images import ImageInfo, read_image_info
from blogsite.markup import MarkdownParser, MarkupSettings, make_markdown, render_markdown
from blogsite.model import Post, Rendered, Site, Skipped, Source, site_url
from blogsite.output import (
    Output,
    PreviousBuild,
    check_output_dir,
    previous_build,
    write_outputs,
)
from blogsite.search import (
    SEARCH_DIR,
    SearchError,
    SearchIndex,
    make_index,
    pages_digest,
    searchable,
)
from blogsite.templates import ROBOTS, make_environment, render_site
from blogsite.theme import STATIC, TEMPLATES, default_theme_dir

CODE_CSS = "css/code.css"
# Tells GitHub Pages to publish the folder as it is instead of running Jekyll over it.
NO_JEKYLL = ".nojekyll"
# Names of the derived outputs in the build's record (digests of what they were made from).
SEARCH = "search"
# Bump when the Markdown step's output changes for the same input, to invalidate caches.
MARKUP_VERSION = "5"


@dataclass(frozen=True)
class BuildOptions:
    source: Path
    output: Path | None = None  # default: `source/public`
    drafts: bool = False
    future: bool = False
    base_url: str | None = None
    strict: bool = False
    search: bool = True  # index the pages with Pagefind
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
    misses: int = 0  # bodies rendered because no cached result fitted
    search: SearchIndex | None = None  # the last index, reused while its pages are the same
    # (digest, subset) of the last math fonts, by where they are published
    math_fonts: dict[str, tuple[str, Output]] = field(default_factory=dict)
    # What the output folder holds from the last build; derived outputs made from the
    # same inputs are linked from there instead of being made again.
    previous: PreviousBuild | None = None

    def parser(self, settings: MarkupSettings) -> MarkdownParser:
        if settings not in self.markdown:
            self.markdown[settings] = make_markdown(settings)
        return self.markdown[settings]

    def search_index(self, outputs: Mapping[str, Output], root_path: str) -> SearchIndex:
        """The index of the searchable pages among `outputs`, kept for the next build."""
        self.search = index_search(outputs, root_path, self.search, self._reusable(SEARCH))
        return self.search

    def math_font_subset(self, key: str, font: Output, text: MathText) -> tuple[str, Output]:
        """(digest, woff2) of `font` cut to `text`, published at `key`; fontTools runs only
        for characters this cache, or the last build in the output folder, has not cut."""
        data = font.read_bytes() if isinstance(font, Path) else font
        digest = subset_digest(data, text)
        made = self.math_fonts.get(key)
        if made is None or made[0] != digest:
            previous = self._reusable(key)
            if previous is not None and previous[0] == digest and key in previous[1]:
                # Read, not linked: it is a made file, not one of the site's static files.
                made = (digest, previous[1][key].read_bytes())
            else:
                made = (digest, subset_font(data, text))
            self.math_fonts[key] = made
        return made

    def _reusable(self, name: str) -> tuple[str, dict[str, Path]] | None:
        """The digest of the previous build's output `name` and the files it may be in."""
        if self.previous is None or name not in self.previous.digests:
            return None
        return self.previous.digests[name], dict(self.previous.files)

    def keep_only(self, keys: set[str]) -> None:
        """Forget renders the last build did not use, so a long preview does not grow."""
        self.rendered = {key: value for key, value in self.rendered.items() if key in keys}


@dataclass(frozen=True)
class SiteBuild:
    """An in-memory build: the site and every file it publishes."""

    site: Site
    outputs: Mapping[str, Output]
    diagnostics: tuple[Diagnostic, ...]
    digests: Mapping[str, str] = field(default_factory=dict)  # of its derived outputs


@dataclass(frozen=True)
class BuildResult:
    """What a written build did, for the summary the command prints."""

    posts: int
    html_files: int  # index, post, page, tag and 404 pages
    tags: int
    static_files: int  # files copied as they are: static/ folders and bundle files
    skipped: tuple[Skipped, ...]
    written: int
    unchanged: int
    seconds: float
    diagnostics: tuple[Diagnostic, ...]
    unlisted: tuple[str, ...] = ()  # see `output.Written`


# Called with (posts rendered so far, posts in all) while the Markdown stage runs.
Progress = Callable[[int, int], None]


def index_search(
    outputs: Mapping[str, Output],
    root_path: str,
    last: SearchIndex | None = None,
    previous: tuple[str, dict[str, Path]] | None = None,
) -> SearchIndex:
    """The search index of `outputs`' searchable pages; Pagefind runs only if they changed.

    `last` is the index this process made before; `previous` an earlier build's digest
    and the files it left in the output folder.
    """
    pages = searchable(outputs, root_path)
    digest = pages_digest(pages)
    if last is not None and last.digest == digest:
        return last
    if previous is not None and previous[0] == digest:
        files = {k: path for k, path in previous[1].items() if k.startswith(f"{SEARCH_DIR}/")}
        if files:
            return SearchIndex(digest, files)
    return make_index(pages)


def build_site(
    options: BuildOptions, cache: BuildCache | None = None, progress: Progress | None = None
) -> SiteBuild:
    """Run every stage except writing; raises `BlogsiteError` on bad input."""
    cache = cache if cache is not None else BuildCache()
    source_dir = options.source
    config = with_base_url(load_config(source_dir), options.base_url)
    settings = MarkupSettings(
        summary_length=config.summary_length, language=config.language, root_path=config.root_path
    )
    now = options.now or datetime.now(config.tzinfo)
    used_keys: set[str] = set()
    sources = discover(source_dir)
    posts = []
    for done, source in enumerate(sources, start=1):
        posts.append(_make_post(source, config, settings, cache, used_keys))
        if progress is not None:
            progress(done, len(sources))
    site = assemble(config, posts, drafts=options.drafts, future=options.future, now=now)
    theme = default_theme_dir()
    env = make_environment([source_dir / TEMPLATES, theme / TEMPLATES])
    outputs = _Outputs()
    # Theme files first so a site's own static file of the same name wins.
    outputs.add_all(_static_files(theme / STATIC), f"{theme / STATIC}/", replace=True)
    outputs.add(CODE_CSS, theme_css().encode(), "the code theme", replace=True)
    outputs.add(NO_JEKYLL, b"", "the build", replace=True)
    outputs.add_all(_static_files(source_dir / STATIC), f"{source_dir / STATIC}/", replace=True)
    for post in (*site.posts, *site.pages):
        for asset in post.assets:
            rel = asset.relative_to(post.source.bundle or asset.parent).as_posix()
            outputs.add(post.path + rel, asset, post.source.shown)
    for key, page in render_site(env, site).items():
        if key == ROBOTS and key in outputs.files:
            continue  # the site's own static/robots.txt wins
        outputs.add(key, page, _page_origin(site, key))
    digests = {}
    font = outputs.files.get(MATH_FONT)
    if font is not None:
        # Two cuts: one for the posts, and a small one for the listings, whose excerpts use
        # a handful of symbols (the index would otherwise fetch every post's glyphs).
        for key, texts in (
            (MATH_FONT, (post.rendered.html for post in (*site.posts, *site.pages))),
            (EXCERPT_MATH_FONT, (post.excerpt for post in site.posts)),
        ):
            digests[key], subset = cache.math_font_subset(key, font, math_text(texts))
            outputs.add(key, subset, "the math font, cut to the site's formulas", replace=True)
    outputs.check_nesting()
    shown = {id(post) for post in (*site.posts, *site.pages)}
    diagnostics = tuple(
        diagnostic
        for post in posts
        if id(post) in shown
        for diagnostic in post.rendered.diagnostics
    )
    cache.keep_only(used_keys)
    return SiteBuild(site=site, outputs=outputs.files, diagnostics=diagnostics, digests=digests)


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
            return post.source.shown
    return "the theme's pages"


def _make_post(
    source: Source, config: Config, settings: MarkupSettings, cache: BuildCache, used: set[str]
) -> Post:
    meta = parse_front_matter(source, config.tzinfo)
    path = f"posts/{meta.slug}/" if source.kind == "post" else f"{meta.slug}/"
    url = site_url(config.root_path, path)
    assets = _bundle_assets(source)
    images = _images(source, assets)
    key = _digest(
        meta.body, source.shown, meta.body_line, settings, f"{url}\0{sorted(images.items())}"
    )
    used.add(key)
    rendered = cache.rendered.get(key)
    if rendered is None:
        rendered = render_markdown(
            cache.parser(settings),
            meta.body,
            path=source.shown,
            first_line=meta.body_line,
            settings=settings,
            url=url,
            images=images,
        )
        cache.rendered[key] = rendered
        cache.misses += 1
    return Post(source=source, meta=meta, path=path, rendered=rendered, assets=assets)


_IMAGE_SUFFIXES = (".svg", ".png", ".jpg", ".jpeg", ".gif", ".webp")


def _images(source: Source, assets: tuple[Path, ...]) -> dict[str, ImageInfo]:
    """The bundle's images by their path in the bundle, with what their files say."""
    found = {}
    for asset in assets:
        if asset.suffix.lower() in _IMAGE_SUFFIXES and source.bundle is not None:
            info = read_image_info(asset)
            if info is not None:
                found[asset.relative_to(source.bundle).as_posix()] = info
    return found


def _digest(body: str, shown: str, line: int, settings: MarkupSettings, inputs: str) -> str:
    # The path and first line are part of the key because diagnostics name them; `inputs`
    # (the post's URL, its images' sizes) because the render reads them too.
    key = f"{MARKUP_VERSION}\0{settings!r}\0{shown}\0{line}\0{inputs}\0{body}"
    return hashlib.blake2b(key.encode("utf-8"), digest_size=16).hexdigest()


def _bundle_assets(source: Source) -> tuple[Path, ...]:
    if source.bundle is None:
        return ()
    files = _files_below(source.bundle, keep_hidden=False)
    return tuple(path for path in files if path != source.path)


def _static_files(static_dir: Path) -> dict[str, Output]:
    if not static_dir.is_dir():
        return {}
    files = _files_below(static_dir, keep_hidden=True)
    return {path.relative_to(static_dir).as_posix(): path for path in files}


def _files_below(folder: Path, keep_hidden: bool) -> list[Path]:
    """Files to publish from `folder`: no editor leftovers, no symlinks that lead outside it.

    `keep_hidden` is for static/, whose `.nojekyll` or `.well-known/` are meant for the host.
    """
    root = folder.resolve()
    skip = is_editor_leftover if keep_hidden else is_ignored
    found = []
    for path in sorted(folder.rglob("*")):
        parts = path.relative_to(folder).parts
        if not path.is_file() or any(skip(p) for p in parts) or ".git" in parts:
            continue
        if not path.resolve().is_relative_to(root):
            continue
        found.append(path)
    return found


def build(
    options: BuildOptions, cache: BuildCache | None = None, progress: Progress | None = None
) -> BuildResult:
    """Build the site and write it to the output folder; the old output survives any failure."""
    started = time.perf_counter()
    if not (options.source / CONTENT_DIR).is_dir():
        raise OutputError(
            options.source, None, f"no `{CONTENT_DIR}/` folder; is --source the site's folder?"
        )
    check_output_dir(options.source, options.output_dir)
    cache = cache if cache is not None else BuildCache()
    cache.previous = previous_build(options.output_dir)
    result = build_site(options, cache, progress)
    if options.strict and result.diagnostics:
        raise StrictError(result.diagnostics)
    outputs, diagnostics, digests = dict(result.outputs), result.diagnostics, dict(result.digests)
    if options.search:
        try:
            index = cache.search_index(result.outputs, result.site.config.root_path)
        except SearchError as exc:
            if options.strict:
                raise StrictError((exc.diagnostic,)) from None
            diagnostics += (exc.diagnostic,)
        else:
            outputs.update(index.files)
            digests[SEARCH] = index.digest
    written = write_outputs(outputs, options.output_dir, digests)
    html_files = sum(1 for rel in result.outputs if rel.endswith(".html"))
    return BuildResult(
        posts=len(result.site.posts),
        html_files=html_files,
        tags=len(result.site.tags),
        static_files=sum(1 for content in result.outputs.values() if isinstance(content, Path)),
        skipped=result.site.skipped,
        written=written.written,
        unchanged=written.unchanged,
        unlisted=written.unlisted,
        seconds=time.perf_counter() - started,
        diagnostics=diagnostics,
    )
