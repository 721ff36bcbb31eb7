"""`blogsite check`: build in memory, write nothing, and report every warning of the build,
broken links and anchors first among them; with `--external`, links to other sites too."""

from __future__ import annotations

import time
from dataclasses import dataclass

from blogsite.build import BuildOptions, build_site, open_cache, store_cache
from blogsite.cache import CACHE_DIR
from blogsite.errors import Diagnostic, sort_diagnostics
from blogsite.external import CACHE_NAME, ExternalOptions, check_external
from blogsite.links import Broken, SiteAddress, link_diagnostics


@dataclass(frozen=True)
class CheckResult:
    diagnostics: tuple[Diagnostic, ...]
    pages: int  # pages and feeds read
    links: int  # links to the site itself, counted once per page
    external: int  # other sites' URLs asked (0 without --external)
    seconds: float
    notices: tuple[str, ...] = ()  # about the build cache: never problems of the site


def check_site(options: BuildOptions, external: ExternalOptions | None = None) -> CheckResult:
    """Everything `build` would warn about, without writing; raises `BlogsiteError` for
    what would fail the build."""
    started = time.perf_counter()
    cache, notices = open_cache(options)
    cache.take_back(options.output_dir)
    before = cache.state()
    result = build_site(options, cache)
    if options.cache and cache.state() != before:
        store_cache(options, cache)
    diagnostics = list(result.diagnostics)
    asked = 0
    if external is not None:
        if external.cache is None and options.cache:
            external = ExternalOptions(
                external.timeout, external.workers, options.source / CACHE_DIR / CACHE_NAME
            )
        problems = check_external(result.links.external, external)
        asked = len(result.links.external)
        address = SiteAddress.of(result.site.config)
        broken = [
            Broken(page, url, (url, ""), reason)
            for url, reason in problems.items()
            for page in result.links.external[url]
        ]
        posts = (*result.site.posts, *result.site.pages)
        diagnostics += link_diagnostics(broken, posts, address, what="external link")
    return CheckResult(
        diagnostics=tuple(sort_diagnostics(diagnostics)),
        pages=result.links.pages,
        links=result.links.checked,
        external=asked,
        seconds=time.perf_counter() - started,
        notices=tuple(notices),
    )
