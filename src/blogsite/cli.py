"""The `blogsite` command: `main(argv) -> exit code`, testable in-process."""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path

from blogsite import __version__
from blogsite.build import BuildOptions, build
from blogsite.content import CONTENT_DIR
from blogsite.errors import BlogsiteError, StrictError
from blogsite.serve import ServeOptions, serve


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
    serve_cmd.add_argument("--open", action="store_true", help="open the site in a browser")
    serve_cmd.add_argument(
        "--write",
        action="store_true",
        help="also write each good build to --output (default: public/)",
    )
    serve_cmd.add_argument("--output", type=Path, metavar="DIR", help="where --write writes")
    return parser


def _add_site_options(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--source", type=Path, default=Path("."), metavar="DIR", help="the site folder (default: .)"
    )
    command.add_argument("--drafts", action="store_true", help="include posts with `draft: true`")
    command.add_argument("--future", action="store_true", help="include posts dated in the future")
    command.add_argument("--base-url", metavar="URL", help="override `base_url` from blogsite.yaml")


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


def _serve(args: argparse.Namespace) -> int:
    build_options = BuildOptions(
        source=args.source, output=args.output, drafts=args.drafts, future=args.future
    )
    if not (args.source / CONTENT_DIR).is_dir():
        print(
            f"{args.source}: no `{CONTENT_DIR}/` folder; is --source the site's folder?",
            file=sys.stderr,
        )
        return 1
    options = ServeOptions(
        build=build_options,
        host=args.host,
        port=args.port,
        write=args.write,
        open_browser=args.open,
    )
    try:
        return serve(options)
    except OSError as exc:
        print(
            f"blogsite: cannot serve on {args.host}:{args.port}: {exc.strerror or exc}",
            file=sys.stderr,
        )
        return 1
