"""Errors and warnings that point at the user's file: `path:line: message`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Diagnostic:
    """A problem in a source file; printed as `path:line: message`, or `path:line:col:`."""

    path: Path | str
    line: int | None
    message: str
    column: int | None = None  # from 1, where a finding is that precise (the prose check)

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else f"{self.path}"
        if self.line and self.column:
            where += f":{self.column}"
        return f"{where}: {self.message}"


class BlogsiteError(Exception):
    """A build failure caused by the user's input, never by a bug."""

    def __init__(self, path: Path | str, line: int | None, message: str) -> None:
        self.diagnostic = Diagnostic(path, line, message)
        super().__init__(str(self.diagnostic))

    def __reduce__(self) -> tuple[object, ...]:
        # Rebuilt from its diagnostic, so it crosses a process boundary (the render pool).
        d = self.diagnostic
        return (type(self), (d.path, d.line, d.message))


class ConfigError(BlogsiteError):
    """`blogsite.yaml` or a command-line option is wrong."""


class ContentError(BlogsiteError):
    """A post or page cannot be read: front matter, dates, slugs."""


class TemplateError(BlogsiteError):
    """A template is missing or fails to render."""


class OutputError(BlogsiteError):
    """The output folder is unsafe or cannot be written."""


class BuildErrors(ContentError):
    """Every error a build found in its sources, sorted by file and line.

    A build reads on past a bad file, so that one run names them all.
    """

    def __init__(self, diagnostics: Iterable[Diagnostic]) -> None:
        self.diagnostics = tuple(sorted(diagnostics, key=_order))
        first = self.diagnostics[0]
        super().__init__(first.path, first.line, first.message)

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.diagnostics,))

    def __str__(self) -> str:
        return "\n".join(str(d) for d in self.diagnostics[:LISTED])


# A build lists at most this many errors; the count says how many there were.
LISTED = 50


def _order(diagnostic: Diagnostic) -> tuple[str, int, int]:
    return (str(diagnostic.path), diagnostic.line or 0, diagnostic.column or 0)


def sort_diagnostics(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """By file and line, as a build lists them."""
    return sorted(diagnostics, key=_order)


def collect(errors: list[Diagnostic]) -> None:
    """Raise `BuildErrors` for `errors`, if there are any."""
    if errors:
        raise BuildErrors(errors)


class StrictError(BlogsiteError):
    """Warnings that `--strict` turns into a failed build."""

    def __init__(self, diagnostics: tuple[Diagnostic, ...]) -> None:
        self.diagnostics = diagnostics
        first = diagnostics[0]
        super().__init__(first.path, first.line, first.message)

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.diagnostics,))
