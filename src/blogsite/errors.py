"""Errors and warnings that point at the user's file: `path:line: message`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Diagnostic:
    """A problem in a source file; printed as `path:line: message`."""

    path: Path | str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else f"{self.path}"
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


class StrictError(BlogsiteError):
    """Warnings that `--strict` turns into a failed build."""

    def __init__(self, diagnostics: tuple[Diagnostic, ...]) -> None:
        self.diagnostics = diagnostics
        first = diagnostics[0]
        super().__init__(first.path, first.line, first.message)

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.diagnostics,))
