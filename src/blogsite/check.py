"""`blogsite check`: build in memory, write nothing, and report every warning of the build,
broken links and anchors first among them; with `--external`, links to other sites too."""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass, replace
from pathlib import Path

from blogsite.build import (
    BuildOptions,
    build_site,
    markup_settings,
    open_cache,
    prose_findings,
    store_cache,
)
from blogsite.cache import CACHE_DIR
from blogsite.errors import BlogsiteError, Diagnostic, sort_diagnostics
from blogsite.external import CACHE_NAME, ExternalOptions, check_external
from blogsite.links import Broken, SiteAddress, link_diagnostics
from blogsite.model import Post
from blogsite.prose import fix_prose as apply_findings


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
    diagnostics = [*result.diagnostics, *result.advice]
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


@dataclass(frozen=True)
class ProseFix:
    """What `check --prose --fix` changed in one file: `line:col: message` each."""

    path: str
    changes: tuple[str, ...]


# Passes over a body: a fix may leave another rule's finding (a space beside new “”).
FIX_PASSES = 4


def fix_prose(options: BuildOptions) -> list[ProseFix]:
    """Rewrite the prose of the site's Markdown files as the prose check suggests.

    Only prose changes: front matter, code and math stay byte for byte. A file with
    changes git has not committed is refused, so that every fix can be undone with git;
    out of git, each file is first copied under `.blogsite-cache/prose-backup/`."""
    cache, _ = open_cache(options)
    result = build_site(replace(options, prose=False), cache)
    config = result.site.config
    settings = markup_settings(config)
    parser = cache.parser(settings)
    planned: list[tuple[Post, str, list[str]]] = []
    for post in (*result.site.posts, *result.site.pages):
        body, changes = post.meta.body, []
        for _ in range(FIX_PASSES):
            findings = prose_findings(body, parser, settings, config.prose)
            if not findings:
                break
            lines = body.split("\n")
            changes += [
                f"{post.meta.body_line + f.line}:{f.column + 1}: {f.describe(lines[f.line])}"
                for f in findings
            ]
            body = apply_findings(body, findings)
        if body != post.meta.body:
            planned.append((post, body, changes))
    paths = [post.source.path for post, _, _ in planned]
    states = [uncommitted(path) for path in paths]
    for path, state in zip(paths, states, strict=True):
        if state:
            raise BlogsiteError(
                path.as_posix(),
                None,
                "has changes that git has not committed; commit them first, so that "
                "`--fix` can be undone with git (nothing was changed)",
            )
    stamp = time.strftime("%Y%m%d-%H%M%S")
    fixed = []
    for (post, body, changes), state in zip(planned, states, strict=True):
        path = post.source.path
        data = path.read_bytes()
        if state is None:  # not in git: keep a copy
            place = path.relative_to(options.source)
            copy = options.source / CACHE_DIR / "prose-backup" / stamp / place
            copy.parent.mkdir(parents=True, exist_ok=True)
            copy.write_bytes(data)
        text = post.source.text
        bom = b"\xef\xbb\xbf" if data.startswith(b"\xef\xbb\xbf") else b""
        new = bom + (text[: len(text) - len(post.meta.body)] + body).encode("utf-8")
        temporary = path.with_name(f".{path.name}.prose-fix")
        temporary.write_bytes(new)
        os.replace(temporary, path)
        fixed.append(ProseFix(post.source.shown, tuple(changes)))
    return fixed


def uncommitted(path: Path) -> bool | None:
    """Whether git has uncommitted changes in `path` (or does not track it); None when
    the file is not in a git work tree, or git is not installed."""
    try:
        done = subprocess.run(
            ["git", "status", "--porcelain", "--", path.name],
            cwd=path.parent,
            capture_output=True,
            timeout=60,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0:
        return None
    return bool(done.stdout.strip())
