"""Wire the stages: config → sources → front matter → Markdown → assemble → templates → write.

`build_site` does everything in memory (serve uses it); `build` also writes the output folder.
"""

from __future__ import annotations

import functools
import hashlib
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from blogsite.assemble import assemble
from blogsite.cache import Stored, bytecode_dir
from blogsite.cache import load as load_cache
from blogsite.cache import save as save_cache
from blogsite.config import CONFIG_NAME, Config, ProseRules, load_config, with_base_url
from blogsite.content import (
    CONTENT_DIR,
    discover,
    is_editor_leftover,
    is_ignored,
    parse_front_matter,
)
from blogsite.errors import (
    BuildErrors,
    ContentError,
    Diagnostic,
    OutputError,
    StrictError,
    collect,
    sort_diagnostics,
)
from blogsite.execute import environment_digest, has_runnable_blocks
from blogsite.fonts import (
    EXCERPT_MATH_FONT,
    MATH_FONT,
    MathText,
    subset_digest,
    subset_font,
)
from blogsite.highlight import theme_css
from blogsite.images import ImageInfo, read_image_info
from blogsite.links import (
    LinkReport,
    PageLinks,
    SiteAddress,
    check_links,
    link_diagnostics,
    report_digest,
    scan_page,
)
from blogsite.mathml import MathError, render_math
from blogsite.model import (
    FrontMatter,
    MarkupSettings,
    Post,
    Rendered,
    Site,
    Skipped,
    Source,
    site_url,
)
from blogsite.output import (
    Output,
    PreviousBuild,
    Written,
    check_output_dir,
    checksum,
    previous_build,
    write_outputs,
)
from blogsite.pool import Job, in_background, render_all, workers_for
from blogsite.search import (
    SEARCH_DIR,
    SearchError,
    SearchIndex,
    make_index,
    pages_digest,
    searchable,
)

if TYPE_CHECKING:
    from blogsite.markup import MarkdownParser
    from blogsite.prose import Finding
from blogsite.templates import ROBOTS, Environment, RenderMemo, make_environment, render_site
from blogsite.theme import STATIC, TEMPLATES, default_theme_dir

CODE_CSS = "css/code.css"
# Tells GitHub Pages to publish the folder as it is instead of running Jekyll over it.
NO_JEKYLL = ".nojekyll"
# Names of the derived outputs in the build's record (digests of what they were made from).
SEARCH = "search"
# Bump when the Markdown step's output changes for the same input, to invalidate caches.
MARKUP_VERSION = "13"


@dataclass(frozen=True)
class BuildOptions:
    source: Path
    output: Path | None = None  # default: `source/public`
    drafts: bool = False
    future: bool = False
    base_url: str | None = None
    strict: bool = False
    search: bool = True  # index the pages with Pagefind
    cache: bool = True  # keep and reuse `.blogsite-cache/` under the site
    workers: int | None = None  # processes rendering Markdown; None: as many as pay off
    rerun: bool = False  # run every runnable code block again, whatever the cache holds
    prose: bool = False  # check the Chinese writing: its findings are warnings
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
    pages: RenderMemo = field(default_factory=RenderMemo)  # see `render_site`
    # Pages of an earlier run, stored as (digest of inputs, checksum), until `adopt` finds
    # them in the output folder; and the checksums of the pages it found there.
    page_checksums_stored: dict[str, tuple[str, str]] = field(default_factory=dict)
    page_checksums: dict[str, str] = field(default_factory=dict)
    related: dict[str, Any] = field(default_factory=dict)  # see `assemble`
    # Front matter by `_front_key`, as parsed by the last build: without the body, which is
    # the file's text from the offset kept beside it.
    fronts: dict[str, tuple[FrontMatter, int]] = field(default_factory=dict)
    bytecode: Path | None = None  # where Jinja keeps compiled templates between runs
    markdown: dict[MarkupSettings, MarkdownParser] = field(default_factory=dict)
    environments: dict[tuple[object, ...], Environment] = field(default_factory=dict)
    misses: int = 0  # bodies rendered because no cached result fitted
    cuts: int = 0  # math font subsets made because no earlier one fitted
    search: SearchIndex | None = None  # the last index, reused while its pages are the same
    # (digest, subset) of the last math fonts, by where they are published
    math_fonts: dict[str, tuple[str, Output]] = field(default_factory=dict)
    # What the output folder holds from the last build; derived outputs made from the
    # same inputs are linked from there instead of being made again.
    previous: PreviousBuild | None = None
    # The link checker's reading of each page, (digest of the page, links), by its path;
    # and its last report, under a digest of everything it read.
    links: dict[str, tuple[str, PageLinks]] = field(default_factory=dict)
    link_report: tuple[str, LinkReport] = ("", LinkReport())
    # A post's runnable blocks' (digest, outcomes), by its file, for the next render of it.
    runs: dict[str, tuple[str, tuple[Any, ...]]] = field(default_factory=dict)

    def parser(self, settings: MarkupSettings) -> MarkdownParser:
        # Imported here: a build that renders no Markdown never loads markdown-it.
        from blogsite.markup import make_markdown

        if settings not in self.markdown:
            self.markdown[settings] = make_markdown(settings)
        return self.markdown[settings]

    def environment(self, template_dirs: list[Path]) -> Environment:
        """One Jinja environment per template folders: it compiles each template once, and
        reloads one only when its file changes."""
        # Jinja notices an edited template, but not one added in front of the theme's, nor
        # a templates/ folder made after the environment: any change of files means anew.
        key = (*template_dirs, *_listing(template_dirs))
        if key not in self.environments:
            self.environments = {key: make_environment(template_dirs, self.bytecode)}
        return self.environments[key]

    def stored(self) -> Stored:
        """What the next run may reuse."""
        fonts = {k: (d, v) for k, (d, v) in self.math_fonts.items() if isinstance(v, bytes)}
        return Stored(
            rendered=dict(self.rendered),
            pages=self._page_checksums(),
            entries=dict(self.pages.entries),
            contents=dict(self.pages.contents),
            readers=self.pages.readers,
            math_fonts=fonts,
            related=dict(self.related),
            fronts=dict(self.fronts),
            links=dict(self.links),
            link_report=self.link_report,
            runs=dict(self.runs),
        )

    def _page_checksums(self) -> dict[str, tuple[str, str]]:
        """The memoized pages as (digest of inputs, checksum of bytes): the bytes themselves
        stay in the output folder, where the next build finds them by the checksum."""
        found = {}
        for key, (digest, page) in self.pages.pages.items():
            if isinstance(page, bytes):
                found[key] = (digest, checksum(page))
            elif key in self.page_checksums:
                found[key] = (digest, self.page_checksums[key])
        return found

    def adopt(self, previous: PreviousBuild) -> None:
        """Take the pages stored without their bytes from the last build's output folder,
        each only if the file there is still the one the page was."""
        for key, (digest, expected) in self.page_checksums_stored.items():
            if previous.checksums.get(key) == expected and key in previous.files:
                self.pages.pages[key] = (digest, previous.files[key])
                self.page_checksums[key] = expected
        self.page_checksums_stored = {}

    def state(self) -> tuple[object, ...]:
        """Changes whenever the cache gains or replaces an entry: whether to store it again."""
        pages = {key: digest for key, (digest, _) in self.pages.pages.items()}
        fonts = {key: digest for key, (digest, _) in self.math_fonts.items()}
        entries = (frozenset(self.pages.entries), frozenset(self.pages.contents))
        state = (self.misses, len(self.rendered), pages, entries, fonts, self.related.get("key"))
        return (*state, self.pages.readers[0], self.link_report[0])

    def restore(self, stored: Stored) -> None:
        """Start from what an earlier run stored."""
        self.rendered.update(stored.rendered)
        self.page_checksums_stored.update(stored.pages)
        self.pages.entries.update(stored.entries)
        self.pages.contents.update(stored.contents)
        self.pages.readers = stored.readers
        self.related.update(stored.related)
        self.fronts.update(stored.fronts)
        self.links.update(stored.links)
        self.runs.update(stored.runs)
        self.link_report = stored.link_report or self.link_report
        for key, made in stored.math_fonts.items():
            self.math_fonts.setdefault(key, made)

    def search_index(self, outputs: Mapping[str, Output], root_path: str) -> SearchIndex:
        """The index of the searchable pages among `outputs`, kept for the next build."""
        self.search = index_search(outputs, root_path, self.search, self._reusable(SEARCH))
        return self.search

    def math_font_subset(
        self, key: str, font: Output, text: MathText
    ) -> Callable[[], tuple[str, Output]]:
        """What gives (digest, woff2) of `font` cut to `text`, published at `key`. fontTools
        runs only for characters this cache, or the last build in the output folder, has not
        cut, and then in another process while the build goes on."""
        data = font.read_bytes() if isinstance(font, Path) else font
        digest = subset_digest(data, text)
        made = self.math_fonts.get(key)
        if made is not None and made[0] == digest:
            return lambda: made
        previous = self._reusable(key)
        if previous is not None and previous[0] == digest and key in previous[1]:
            # Read, not linked: it is a made file, not one of the site's static files.
            self.math_fonts[key] = (digest, previous[1][key].read_bytes())
            return lambda: self.math_fonts[key]
        self.cuts += 1
        pending = in_background(subset_font, data, text)

        def finish() -> tuple[str, Output]:
            self.math_fonts[key] = (digest, pending())
            return self.math_fonts[key]

        return finish

    def _reusable(self, name: str) -> tuple[str, dict[str, Path]] | None:
        """The digest of the previous build's output `name` and the files it may be in."""
        if self.previous is None or name not in self.previous.digests:
            return None
        return self.previous.digests[name], dict(self.previous.files)

    def take_back(self, output_dir: Path) -> None:
        """Learn what the output folder holds from the last build, and take back the
        pages stored without their bytes that are still there as they were written."""
        self.previous = previous_build(output_dir)
        self.adopt(self.previous)

    def check_links(
        self, made: Mapping[str, Output], outputs: Mapping[str, Output], address: SiteAddress
    ) -> LinkReport:
        """Check the links of the pages and feeds in `made` against every output. A page
        is read again only when it changed, and the whole check runs only when a page or
        the list of outputs did."""
        pages: dict[str, PageLinks] = {}
        digests: dict[str, str] = {}
        for key, content in made.items():
            if not key.endswith((".html", ".xml")):
                continue
            memo = self.pages.pages.get(key)
            data = None
            if memo is not None:
                digest = "inputs:" + memo[0]
            else:
                data = content.read_bytes() if isinstance(content, Path) else content
                digest = checksum(data)
            known = self.links.get(key)
            if known is None or known[0] != digest:
                if data is None:
                    data = content.read_bytes() if isinstance(content, Path) else content
                text = data.decode("utf-8", "replace")
                known = (digest, scan_page(text, feed=key.endswith(".xml")))
            pages[key] = known[1]
            digests[key] = digest
        self.links = {key: (digests[key], links) for key, links in pages.items()}
        key = report_digest(digests, outputs, address)
        if self.link_report[0] != key:
            report = check_links(pages, outputs, address, made_later=(f"{SEARCH_DIR}/",))
            self.link_report = (key, report)
        return self.link_report[1]

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
    links: LinkReport = field(default_factory=LinkReport)  # what the link checker found
    # Warnings that never fail a build, even a strict one: the prose check's findings,
    # unless `prose: {strict: true}`.
    advice: tuple[Diagnostic, ...] = ()


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
    notices: tuple[str, ...] = ()  # about the build cache: never errors, even with --strict
    rendered: int = 0  # bodies rendered, not taken from the cache
    advice: tuple[Diagnostic, ...] = ()  # see `SiteBuild.advice`


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


def markup_settings(config: Config) -> MarkupSettings:
    """What the Markdown stage reads of the settings."""
    return MarkupSettings(
        summary_length=config.summary_length,
        language=config.language,
        root_path=config.root_path,
        macros=config.math_macros,
        linkify=config.linkify,
    )


def build_site(
    options: BuildOptions, cache: BuildCache | None = None, progress: Progress | None = None
) -> SiteBuild:
    """Run every stage except writing; raises `BlogsiteError` on bad input."""
    cache = cache if cache is not None else BuildCache()
    source_dir = options.source
    config = with_base_url(load_config(source_dir), options.base_url)
    settings = markup_settings(config)
    _check_macros(config, source_dir)
    now = options.now or datetime.now(config.tzinfo)
    used_keys: set[str] = set()
    sources = discover(source_dir)
    posts = _make_posts(sources, config, settings, cache, used_keys, options, progress)
    site = assemble(
        config, posts, drafts=options.drafts, future=options.future, now=now, memo=cache.related
    )
    theme = default_theme_dir()
    env = cache.environment([source_dir / TEMPLATES, theme / TEMPLATES])
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
    fonts = {}
    font = outputs.files.get(MATH_FONT)
    if font is not None:
        # Two cuts: one for the posts, and a small one for the listings, whose excerpts use
        # a handful of symbols (the index would otherwise fetch every post's glyphs). They
        # are made while the templates render.
        for key, texts in (
            (MATH_FONT, (post.rendered.math for post in (*site.posts, *site.pages))),
            (EXCERPT_MATH_FONT, (post.excerpt_math for post in site.posts)),
        ):
            fonts[key] = cache.math_font_subset(key, font, MathText.union(texts))
    origins = {post.path + "index.html": post.source.shown for post in (*site.posts, *site.pages)}
    workers = workers_for(len(site.posts), options.workers)
    templated = render_site(env, site, cache.pages, workers)
    for key, page in templated.items():
        if key == ROBOTS and key in outputs.files:
            continue  # the site's own static/robots.txt wins
        outputs.add(key, page, origins.get(key, "the theme's pages"))
    digests = {}
    for key, made in fonts.items():
        digests[key], subset = made()
        outputs.add(key, subset, "the math font, cut to the site's formulas", replace=True)
    outputs.check_nesting()
    shown = {id(post) for post in (*site.posts, *site.pages)}
    diagnostics = [
        diagnostic
        for post in posts
        if id(post) in shown
        for diagnostic in post.rendered.diagnostics
    ]
    address = SiteAddress.of(config)
    links = cache.check_links(templated, outputs.files, address)
    diagnostics += link_diagnostics(links.broken, (*site.posts, *site.pages), address)
    # With `--strict` and `prose: {strict: true}` a finding fails the build; else it is
    # looked for only when asked (`build -v`, `check --prose`).
    prose: list[Diagnostic] = []
    if options.prose or (options.strict and config.prose.strict):
        parser = cache.parser(settings)
        for post in (*site.posts, *site.pages):
            prose += prose_diagnostics(post, parser, settings, config.prose)
    if config.prose.strict:
        diagnostics += prose
    cache.keep_only(used_keys)
    return SiteBuild(
        site=site,
        outputs=outputs.files,
        diagnostics=tuple(sort_diagnostics(diagnostics)),
        digests=digests,
        links=links,
        advice=() if config.prose.strict else tuple(sort_diagnostics(prose)),
    )


def prose_findings(
    body: str, parser: MarkdownParser, settings: MarkupSettings, rules: ProseRules
) -> list[Finding]:
    """The prose check's findings in a body (lines and columns of the body, from 0)."""
    from blogsite.markup import prose_ranges
    from blogsite.prose import check_prose  # imported here: autocorrect only when asked

    return check_prose(body, prose_ranges(parser, body, settings), rules)


def prose_diagnostics(
    post: Post, parser: MarkdownParser, settings: MarkupSettings, rules: ProseRules
) -> list[Diagnostic]:
    """The prose check's findings as warnings at the file's lines and columns."""
    lines = post.meta.body.split("\n")
    return [
        Diagnostic(
            post.source.shown,
            post.meta.body_line + finding.line,
            finding.describe(lines[finding.line]),
            finding.column + 1,
        )
        for finding in prose_findings(post.meta.body, parser, settings, rules)
    ]


def _check_macros(config: Config, source_dir: Path) -> None:
    """Each site macro must expand to TeX that converts, or no formula that uses it will."""
    errors = []
    for name, body in config.math_macros:
        # Given as many arguments as its TeX asks for (`#1` … `#9`).
        count = max((int(n) for n in re.findall(r"#([1-9])", body)), default=0)
        try:
            render_math(f"\\{name}" + "{x}" * count, False, config.math_macros)
        except MathError as exc:
            message = f"math macro `\\{name}` ({body!r}): {exc.message.rstrip('.')}; fix its TeX"
            errors.append(Diagnostic(source_dir / CONFIG_NAME, config.math_line, message))
    if errors:
        raise BuildErrors(errors)


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


def _make_posts(
    sources: list[Source],
    config: Config,
    settings: MarkupSettings,
    cache: BuildCache,
    used: set[str],
    options: BuildOptions,
    progress: Progress | None,
) -> list[Post]:
    """Read every source's front matter, then render the bodies the cache does not hold,
    in worker processes when there are many."""
    made = []
    jobs: dict[str, Job] = {}
    fronts: dict[str, tuple[FrontMatter, int]] = {}
    errors: list[Diagnostic] = []
    for source in sources:
        # Unchanged files keep their parsed front matter (YAML is slow), kept without the
        # body, which is the file's own text again.
        front_key = _front_key(source, str(config.tzinfo))
        known = cache.fronts.get(front_key)
        if known is None:
            try:
                meta = parse_front_matter(source, config.tzinfo)
            except ContentError as exc:  # read on: the build names every bad file at once
                errors.append(exc.diagnostic)
                continue
            fronts[front_key] = (replace(meta, body=""), len(source.text) - len(meta.body))
        else:
            fronts[front_key] = known
            meta = replace(known[0], body=source.text[known[1] :])
        path = f"posts/{meta.slug}/" if source.kind == "post" else f"{meta.slug}/"
        url = site_url(config.root_path, path)
        assets = _bundle_assets(source)
        images = _images(source, assets)
        limit = meta.extra.get("code_timeout", config.code_timeout)
        if isinstance(limit, bool) or not isinstance(limit, int | float) or not limit > 0:
            message = f"`code_timeout` must be a number of seconds above 0, not {limit!r}"
            errors.append(Diagnostic(source.shown, None, message + "; write `code_timeout: 30`"))
            continue
        inputs = f"{url}\0{sorted(images.items())}\0{float(limit)}"
        folder = str(source.bundle or source.path.parent)
        runnable = has_runnable_blocks(meta.body)
        if runnable:  # its output depends on the Python, the modules it imports, g++
            inputs += "\0" + environment_digest(meta.body, Path(folder))
        key = _digest(meta.body, source.shown, meta.body_line, settings, inputs)
        used.add(key)
        rerun = options.rerun and runnable
        if (rerun or key not in cache.rendered) and key not in jobs:
            runs = None if rerun else cache.runs.get(source.shown)
            job = Job(meta.body, source.shown, meta.body_line, url, images, folder, runs, limit)
            jobs[key] = job
        made.append((source, meta, path, assets, key))
    collect(errors)
    cache.fronts = fronts
    done = len(sources) - len(jobs)
    if progress is not None:
        progress(done, len(sources))

    def step(count: int) -> None:
        nonlocal done
        done += count
        if progress is not None:
            progress(done, len(sources))

    workers = workers_for(len(jobs), options.workers)
    parser = functools.partial(cache.parser, settings)
    rendered = render_all(list(jobs.values()), settings, workers, parser, step)
    cache.rendered.update(zip(jobs, rendered, strict=True))
    cache.misses += len(jobs)
    for job, done in zip(jobs.values(), rendered, strict=True):
        if done.runs is not None:  # kept apart: an edit of the prose need not run them
            cache.runs[job.path] = done.runs
    return [
        Post(
            source=source,
            meta=meta,
            path=path,
            rendered=cache.rendered[key],
            assets=assets,
            digest=_post_digest(source, key, path, assets),
        )
        for source, meta, path, assets, key in made
    ]


def _front_key(source: Source, zone: str) -> str:
    """What a file's front matter is read from: its text, its name, the site's time zone."""
    hasher = hashlib.blake2b(digest_size=16)
    for part in (source.text, source.shown, zone):
        hasher.update(part.encode("utf-8", "surrogatepass") + b"\0")
    return hasher.hexdigest()


def _post_digest(source: Source, key: str, path: str, assets: tuple[Path, ...]) -> str:
    parts = (source.text, source.shown, key, path, *(a.as_posix() for a in assets))
    hasher = hashlib.blake2b(digest_size=16)
    for part in parts:
        hasher.update(part.encode("utf-8", "surrogatepass") + b"\0")
    return hasher.hexdigest()


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


def _static_count(outputs: Mapping[str, Output], output_dir: Path) -> int:
    """Files copied as they are from static/ and bundles; not the pages taken back from
    the output folder, which are Paths too."""
    built = output_dir.resolve()
    return sum(
        1
        for content in outputs.values()
        if isinstance(content, Path) and not content.is_relative_to(built)
    )


def _listing(folders: list[Path]) -> list[str]:
    """The files below `folders`, as names with their size and modification time."""
    found = []
    for folder in folders:
        for path in sorted(folder.rglob("*")) if folder.is_dir() else ():
            st = path.stat()
            found.append(f"{path}:{st.st_size}:{st.st_mtime_ns}")
    return found


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


def publish(
    options: BuildOptions, cache: BuildCache, result: SiteBuild
) -> tuple[Written, tuple[Diagnostic, ...]]:
    """Write an in-memory build to the output folder with every check `build` makes: a
    safe folder, `--strict` refusing warnings, the search index when it is on, and the
    record of what the derived outputs were made from. `serve --write` comes here too."""
    check_output_dir(options.source, options.output_dir)
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
    return write_outputs(outputs, options.output_dir, digests), diagnostics


def open_cache(options: BuildOptions) -> tuple[BuildCache, list[str]]:
    """The build cache an earlier run left under the site (unless `--no-cache`), and why
    it was dropped, if it was."""
    cache = BuildCache()
    notices = []
    if options.cache:
        stored, problem = load_cache(options.source)
        cache.restore(stored)
        cache.bytecode = bytecode_dir(options.source)
        notices += [problem] if problem else []
    return cache, notices


def store_cache(options: BuildOptions, cache: BuildCache) -> list[str]:
    """Keep the cache for the next run; what went wrong, if anything did."""
    problem = save_cache(options.source, cache.stored())
    return [problem] if problem else []


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
    notices: list[str] = []
    if cache is None:
        cache, notices = open_cache(options)
    cache.take_back(options.output_dir)
    misses, before = cache.misses, cache.state()
    result = build_site(options, cache, progress)
    written, diagnostics = publish(options, cache, result)
    if options.cache and cache.state() != before:
        notices += store_cache(options, cache)
    html_files = sum(1 for rel in result.outputs if rel.endswith(".html"))
    return BuildResult(
        posts=len(result.site.posts),
        html_files=html_files,
        tags=len(result.site.tags),
        static_files=_static_count(result.outputs, options.output_dir),
        skipped=result.site.skipped,
        written=written.written,
        unchanged=written.unchanged,
        unlisted=written.unlisted,
        seconds=time.perf_counter() - started,
        diagnostics=diagnostics,
        notices=tuple(notices),
        rendered=cache.misses - misses,
        advice=result.advice,
    )
