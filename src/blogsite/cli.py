"""The `blogsite` command: `main(argv) -> exit code`, testable in-process."""

from __future__ import annotations

import argparse
import shlex
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path

from blogsite import __version__
from blogsite.build import BuildOptions, build
from blogsite.cache import CACHE_DIR
from blogsite.cache import clear as clear_cache
from blogsite.content import CONTENT_DIR
from blogsite.errors import LISTED, BlogsiteError, BuildErrors, StrictError
from blogsite.newpost import new_post
from blogsite.report import (
    plural,
    print_summary,
    progress_bar,
    skipped_lines,
    unlisted_warning,
)
from blogsite.scaffold import init_site


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="blogsite",
        description="Build a static blog from Markdown, with math and code rendered at build time.",
    )
    parser.add_argument("--version", action="version", version=f"blogsite {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    build_cmd = commands.add_parser(
        "build", help="build the site into public/", description="Build the site into public/."
    )
    _add_site_options(build_cmd)
    build_cmd.add_argument(
        "--output",
        type=Path,
        metavar="DIR",
        help="where to write the site (default: SOURCE/public)",
    )
    build_cmd.add_argument(
        "--strict",
        action="store_true",
        help="treat warnings (math errors, a search index that could not be made) as errors",
    )
    build_cmd.add_argument(
        "--no-search",
        dest="search",
        action="store_false",
        help="skip the search index (Pagefind)",
    )
    build_cmd.add_argument(
        "--rerun",
        action="store_true",
        help="run every runnable code block again instead of reusing its cached output",
    )
    _add_cache_options(build_cmd)
    loudness = build_cmd.add_mutually_exclusive_group()
    loudness.add_argument(
        "-q", "--quiet", action="store_true", help="print only warnings and errors"
    )
    loudness.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="also list each skipped draft or future post, check the Chinese writing (as "
        "`check --prose` does; findings are warnings), and show the details of a crash",
    )

    init_cmd = commands.add_parser(
        "init",
        help="start a new site in a folder",
        description="Write a new site into DIR: blogsite.yaml, an example post, empty "
        "templates/ and static/, a .gitignore and a GitHub Pages workflow. No file is "
        "ever overwritten.",
    )
    init_cmd.add_argument("dir", type=Path, metavar="DIR", help="the new site's folder")
    init_cmd.add_argument(
        "--force",
        action="store_true",
        help="use a folder that is not empty (files already there are kept as they are)",
    )

    new_cmd = commands.add_parser(
        "new",
        help="write a new draft post",
        description="Write content/posts/SLUG.md (or a bundle folder) with the title, "
        "the current date and `draft: true`, and print its path. A Chinese title gets a "
        "pinyin slug: 第一篇文章 → di-yi-pian-wen-zhang.",
    )
    new_cmd.add_argument("title", metavar="TITLE", help="the post's title, in quotes")
    new_cmd.add_argument("--slug", metavar="S", help="the URL name (default: from the title)")
    new_cmd.add_argument(
        "--bundle",
        action="store_true",
        help="make a folder SLUG/index.md, for a post with its own images",
    )
    new_cmd.add_argument(
        "--source", type=Path, default=Path("."), metavar="DIR", help="the site folder (default: .)"
    )

    serve_cmd = commands.add_parser(
        "serve",
        help="preview the site with live reload",
        description="Build the site in memory, serve it, rebuild on every change and reload "
        "open tabs. Drafts and future posts are shown (hide them with --no-drafts, --no-future). "
        "Nothing is written to public/ unless you pass --write.",
    )
    serve_cmd.add_argument(
        "--source", type=Path, default=Path("."), metavar="DIR", help="the site folder (default: .)"
    )
    serve_cmd.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)"
    )
    serve_cmd.add_argument(
        "--port",
        type=_port,
        default=8000,
        help="port (default: 8000; the next free one if taken; 0: any)",
    )
    serve_cmd.add_argument(
        "--drafts",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="show drafts (default: yes)",
    )
    serve_cmd.add_argument(
        "--future",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="show posts dated in the future (default: yes)",
    )
    serve_cmd.add_argument(
        "--search",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="index the pages for search after each rebuild (default: yes)",
    )
    serve_cmd.add_argument("--open", action="store_true", help="open the site in a browser")
    serve_cmd.add_argument(
        "--write",
        action="store_true",
        help="also write each good build to --output (default: public/)",
    )
    serve_cmd.add_argument("--output", type=Path, metavar="DIR", help="where --write writes")
    serve_cmd.add_argument(
        "--strict",
        action="store_true",
        help="with --write, write no build that has warnings (it is still served)",
    )
    _add_cache_options(serve_cmd)
    serve_cmd.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="after each rebuild, also print the time from the save to the rebuilt site",
    )

    check_cmd = commands.add_parser(
        "check",
        help="check links and anchors, writing nothing",
        description="Build the site in memory and report every broken link, image or "
        "#anchor (at the Markdown line that wrote it), with every other warning of the "
        "build. Nothing is written. Exits with 1 if anything was found.",
    )
    _add_site_options(check_cmd)
    check_cmd.add_argument(
        "--external",
        action="store_true",
        help="also ask other sites whether the links to them still answer (needs the "
        "network; a link that answered is not asked again for a day)",
    )
    check_cmd.add_argument(
        "--code",
        action="store_true",
        help="run every runnable code block again, whatever the cache holds (for CI)",
    )
    check_cmd.add_argument(
        "--prose",
        action="store_true",
        help="also check the Chinese writing: spaces between Chinese and English, "
        "full-width punctuation, “” quotes, —— dashes (rules: `prose:` in blogsite.yaml)",
    )
    check_cmd.add_argument(
        "--fix",
        action="store_true",
        help="with --prose: rewrite the prose of the Markdown files as suggested (never "
        "code, math or front matter); refused for files with uncommitted git changes",
    )
    check_cmd.add_argument(
        "--timeout",
        type=_seconds,
        default=10.0,
        metavar="S",
        help="with --external: seconds to wait for each site (default: 10)",
    )
    check_cmd.add_argument(
        "--concurrency",
        type=_jobs,
        default=8,
        metavar="N",
        help="with --external: requests at a time (default: 8)",
    )
    _add_cache_options(check_cmd)

    clean_cmd = commands.add_parser(
        "clean",
        help="delete the build cache",
        description="Delete .blogsite-cache/ in the site folder. The next build renders "
        "everything again. Your posts and public/ are not touched.",
    )
    clean_cmd.add_argument(
        "--source", type=Path, default=Path("."), metavar="DIR", help="the site folder (default: .)"
    )
    return parser


def _add_cache_options(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--no-cache",
        dest="cache",
        action="store_false",
        help="neither read nor write .blogsite-cache/ (render everything)",
    )
    command.add_argument(
        "-j",
        "--jobs",
        type=_jobs,
        metavar="N",
        help="processes that render Markdown (default: one per core, when there are many "
        "posts to render)",
    )


def _add_site_options(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--source", type=Path, default=Path("."), metavar="DIR", help="the site folder (default: .)"
    )
    command.add_argument("--drafts", action="store_true", help="include posts with `draft: true`")
    command.add_argument("--future", action="store_true", help="include posts dated in the future")
    command.add_argument("--base-url", metavar="URL", help="override `base_url` from blogsite.yaml")


def _jobs(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of processes (1 or more)")
    return int(text)


def _seconds(text: str) -> float:
    try:
        seconds = float(text)
    except ValueError:
        seconds = 0.0
    if not seconds > 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds (above 0)")
    return seconds


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (0 to 65535)")
    return port


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "build":
            return _build(args)
        if args.command == "serve":
            return _serve(args)
        if args.command == "init":
            return _init(args)
        if args.command == "new":
            return _new(args)
        if args.command == "clean":
            return _clean(args)
        if args.command == "check":
            return _check(args)
    except KeyboardInterrupt:
        print("blogsite: interrupted", file=sys.stderr)
        return 130
    return 2


def _build(args: argparse.Namespace) -> int:
    options = BuildOptions(
        source=args.source,
        output=args.output,
        drafts=args.drafts,
        future=args.future,
        base_url=args.base_url,
        strict=args.strict,
        search=args.search,
        cache=args.cache,
        workers=args.jobs,
        rerun=args.rerun,
        prose=args.verbose,
    )
    try:
        with progress_bar(sys.stdout, enabled=not args.quiet) as progress:
            result = build(options, progress=progress)
    except StrictError as exc:
        for diagnostic in exc.diagnostics:
            print(diagnostic, file=sys.stderr)
        print(
            f"blogsite: {plural(len(exc.diagnostics), 'warning')} and --strict: nothing written",
            file=sys.stderr,
        )
        return 1
    except BuildErrors as exc:
        _print_errors(exc, "; nothing written")
        return 1
    except BlogsiteError as exc:
        print(exc, file=sys.stderr)
        return 1
    except Exception as exc:  # noqa: BLE001 - a bug of ours: one line, details with -v
        if args.verbose:
            traceback.print_exc()
        print(f"blogsite: internal error: {exc!r}; run with -v and report it", file=sys.stderr)
        return 2
    for notice in result.notices:
        print(f"warning: {notice}", file=sys.stderr)
    for diagnostic in (*result.diagnostics, *result.advice):
        print(diagnostic, file=sys.stderr)
    if (warning := unlisted_warning(result.unlisted, str(options.output_dir))) is not None:
        print(warning, file=sys.stderr)
    if not args.quiet:
        if args.verbose:
            for line in skipped_lines(result.skipped):
                print(line)
        print_summary(result, str(options.output_dir), sys.stdout, verbose=args.verbose)
    return 0


def _print_errors(exc: BuildErrors, after: str = "") -> None:
    """The errors, then how many there were when there are several."""
    print(exc, file=sys.stderr)
    count = len(exc.diagnostics)
    if count > 1:  # one error speaks for itself
        listed = f" (the first {LISTED} listed)" if count > LISTED else ""
        print(f"blogsite: {plural(count, 'error')}{listed}{after}", file=sys.stderr)


def _is_site(source: Path) -> bool:
    """Whether `source` has a content folder; if not, says so."""
    if (source / CONTENT_DIR).is_dir():
        return True
    print(f"{source}: no `{CONTENT_DIR}/` folder; is --source the site's folder?", file=sys.stderr)
    return False


def _check(args: argparse.Namespace) -> int:
    from blogsite.check import check_site, fix_prose  # the network part loads only here
    from blogsite.external import ExternalOptions

    options = BuildOptions(
        source=args.source,
        drafts=args.drafts,
        future=args.future,
        base_url=args.base_url,
        search=False,
        cache=args.cache,
        workers=args.jobs,
        rerun=args.code,
        prose=args.prose,
    )
    if not _is_site(args.source):
        return 1
    if args.fix and not args.prose:
        print("blogsite: --fix fixes what --prose finds; give both", file=sys.stderr)
        return 2
    external = ExternalOptions(args.timeout, args.concurrency) if args.external else None
    try:
        if args.fix:
            fixed = fix_prose(options)
            for fix in fixed:
                for change in fix.changes:
                    print(f"{fix.path}:{change}")
            count = sum(len(fix.changes) for fix in fixed)
            print(f"Fixed {plural(count, 'finding')} in {plural(len(fixed), 'file')}.")
        result = check_site(options, external)
    except BuildErrors as exc:
        _print_errors(exc)
        return 1
    except BlogsiteError as exc:
        print(exc, file=sys.stderr)
        return 1
    except Exception as exc:  # noqa: BLE001 - a bug of ours: one line, as build says it
        print(f"blogsite: internal error: {exc!r}; please report it", file=sys.stderr)
        return 2
    for notice in result.notices:
        print(f"warning: {notice}", file=sys.stderr)
    for diagnostic in result.diagnostics:
        print(diagnostic, file=sys.stderr)
    links = f"{plural(result.links, 'link')} on {plural(result.pages, 'page')}"
    if result.external:
        links += f" and {plural(result.external, 'link')} to other sites"
    found = plural(len(result.diagnostics), "problem") if result.diagnostics else "no problem"
    print(f"Checked {links} in {result.seconds:.2f} s: {found}.")
    return 1 if result.diagnostics else 0


def _clean(args: argparse.Namespace) -> int:
    try:
        removed = clear_cache(args.source)
    except OSError as exc:
        print(f"{args.source / CACHE_DIR}: cannot delete: {exc.strerror or exc}", file=sys.stderr)
        return 1
    folder = args.source / CACHE_DIR
    print(f"Deleted {folder}." if removed else f"No build cache at {folder}; nothing to do.")
    return 0


def _init(args: argparse.Namespace) -> int:
    try:
        created = init_site(args.dir, force=args.force)
    except BlogsiteError as exc:
        print(exc, file=sys.stderr)
        return 1
    for path in created.kept:
        print(f"{path}: exists; left as it is")
    print(f"Created a site in {args.dir} ({plural(len(created.written), 'file')} written).")
    if created.requirement.startswith("blogsite=="):
        print(
            f"Note: the deploy workflow installs `{created.requirement}` (requirements.txt); "
            "if your blogsite did not come from PyPI, put where it came from on that line."
        )
    print(f"Next: cd {shlex.quote(str(args.dir))} && blogsite serve")
    return 0


def _new(args: argparse.Namespace) -> int:
    try:
        path = new_post(args.source, args.title, slug=args.slug, bundle=args.bundle)
    except BlogsiteError as exc:
        print(exc, file=sys.stderr)
        return 1
    # Only the path on stdout, so `$EDITOR "$(blogsite new "标题")"` works.
    print(path)
    return 0


def _serve(args: argparse.Namespace) -> int:
    from blogsite.serve import ServeOptions, serve  # the preview's server and watcher

    build_options = BuildOptions(
        source=args.source,
        output=args.output,
        drafts=args.drafts,
        future=args.future,
        search=args.search,
        cache=args.cache,
        workers=args.jobs,
        strict=args.strict,
    )
    if not _is_site(args.source):
        return 1
    options = ServeOptions(
        build=build_options,
        host=args.host,
        port=args.port,
        write=args.write,
        open_browser=args.open,
        verbose=args.verbose,
    )
    try:
        return serve(options)
    except OSError as exc:
        print(
            f"blogsite: cannot serve on {args.host}:{args.port}: {exc.strerror or exc}",
            file=sys.stderr,
        )
        return 1
