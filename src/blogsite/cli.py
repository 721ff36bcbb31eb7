"""The `blogsite` command: `main(argv) -> exit code`, testable in-process."""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path

from blogsite import __version__
from blogsite.build import BuildOptions, build
from blogsite.errors import BlogsiteError, StrictError


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
        "--strict", action="store_true", help="treat warnings (math errors) as errors"
    )
    loudness = build_cmd.add_mutually_exclusive_group()
    loudness.add_argument("-q", "--quiet", action="store_true", help="print only errors")
    loudness.add_argument("-v", "--verbose", action="store_true", help="print more detail")
    return parser


def _add_site_options(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--source", type=Path, default=Path("."), metavar="DIR", help="the site folder (default: .)"
    )
    command.add_argument("--drafts", action="store_true", help="include posts with `draft: true`")
    command.add_argument("--future", action="store_true", help="include posts dated in the future")
    command.add_argument("--base-url", metavar="URL", help="override `base_url` from blogsite.yaml")


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "build":
            return _build(args)
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
    )
    try:
        result = build(options)
    except StrictError as exc:
        for diagnostic in exc.diagnostics:
            print(diagnostic, file=sys.stderr)
        print(
            f"blogsite: {len(exc.diagnostics)} warning(s) and --strict: nothing written",
            file=sys.stderr,
        )
        return 1
    except BlogsiteError as exc:
        print(exc, file=sys.stderr)
        return 1
    except Exception as exc:  # noqa: BLE001 - a bug of ours: one line, details with -v
        if args.verbose:
            traceback.print_exc()
        print(f"blogsite: internal error: {exc!r}; run with -v and report it", file=sys.stderr)
        return 2
    if not args.quiet:
        for diagnostic in result.diagnostics:
            print(diagnostic, file=sys.stderr)
        print(
            f"Built {result.posts} posts, {result.pages} pages ({result.written} files written, "
            f"{result.unchanged} unchanged) in {result.seconds:.2f} s → {options.output_dir}"
        )
    return 0
