"""Pygments: highlighted code blocks as line spans, and the theme CSS for them."""

from __future__ import annotations

import functools
import re
from collections.abc import Collection, Iterator
from html import escape

from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import get_lexer_by_name
from pygments.token import STANDARD_TYPES, Token, _TokenType
from pygments.util import ClassNotFound

CODE_SELECTOR = ".highlight"


@functools.lru_cache(maxsize=64)
def _lexer(lang: str) -> Lexer | None:
    """Lexer lookup costs more than lexing a short block; do it once per language."""
    try:
        return get_lexer_by_name(lang, stripnl=False, ensurenl=False)
    except ClassNotFound:
        return None


@functools.lru_cache(maxsize=512)
def _css_class(ttype: _TokenType) -> str:
    while ttype not in STANDARD_TYPES:
        ttype = ttype.parent
    return STANDARD_TYPES[ttype]


def highlight_lines(code: str, lang: str) -> list[str]:
    """The code as HTML, one string per source line; plain escaped text for unknown languages."""
    if code.endswith("\n"):
        code = code[:-1]
    lexer = _lexer(lang.lower()) if lang else None
    if lexer is None:
        return [escape(line, quote=False) for line in code.split("\n")]
    lines: list[str] = [""]
    # Lexed with its last newline: a console lexer (pycon) marks an output line that
    # does not end in one as an error.
    for css, value in _runs(lexer, code + "\n"):
        # A token may span lines (docstrings); close and reopen its span on each line.
        for n, part in enumerate(value.split("\n")):
            if n:
                lines.append("")
            if part:
                text = escape(part, quote=False)
                lines[-1] += f'<span class="{css}">{text}</span>' if css else text
    if len(lines) > 1 and lines[-1] == "":  # the newline given to the lexer
        lines.pop()
    return lines


def _runs(lexer: Lexer, code: str) -> Iterator[tuple[str, str]]:
    """(CSS class, text) of the code's tokens, neighbours of one class joined in one run:
    fewer spans to write, and far fewer to escape."""
    css, parts = "", []
    for ttype, value in lexer.get_tokens(code):
        token_css = _css_class(ttype) if ttype is not Token.Text else ""
        if token_css != css and parts:
            yield css, "".join(parts)
            parts = []
        css = token_css
        parts.append(value)
    if parts:
        yield css, "".join(parts)


def highlight_block(
    code: str,
    lang: str,
    *,
    title: str | None = None,
    linenos: bool = False,
    hl_lines: Collection[int] = (),
) -> str:
    """A `<figure>` holding the highlighted block, its label and optional title.

    Line numbers are drawn by CSS counters so copying the code never copies them.
    """
    lines = highlight_lines(code, lang)
    spans = []
    for number, line in enumerate(lines, start=1):
        css = "line hl" if number in hl_lines else "line"
        spans.append(f'<span class="{css}">{line}</span>')
    label = escape(lang.lower()) if lang else ""
    caption = ""
    if title or label:
        title_html = f'<span class="code-title">{escape(title)}</span>' if title else ""
        label_html = f'<span class="code-lang">{label}</span>' if label else ""
        caption = f"<figcaption>{title_html}{label_html}</figcaption>"
    pre_class = "highlight linenos" if linenos else "highlight"
    code_class = f' class="language-{label}"' if label else ""
    body = "\n".join(spans)
    return (
        f'<figure class="code-block">{caption}'
        # tabindex: a box that scrolls sideways must be reachable with the keyboard.
        f'<pre class="{pre_class}" tabindex="0"><code{code_class}>{body}</code></pre></figure>\n'
    )


# The tints of highlighted lines (`--hl` in the theme's style.css), light and dark: code
# colours are checked against them as well as against the plain background.
HIGHLIGHT_TINTS = {"light": (255, 213, 79, 0.28), "dark": (187, 128, 9, 0.3)}
# WCAG AA asks for 4.5:1; a hair more leaves room for rounding in browsers.
READABLE = 4.6
_COLOR = re.compile(r"(?<![-\w])color: #([0-9a-fA-F]{6}|[0-9a-fA-F]{3})\b")


def _rgb(hex_color: str) -> tuple[float, float, float]:
    value = hex_color.lstrip("#")
    if len(value) == 3:
        value = "".join(ch * 2 for ch in value)
    return (int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16))


def _luminance(rgb: tuple[float, float, float]) -> float:
    def channel(v: float) -> float:
        v /= 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: tuple[float, float, float], b: tuple[float, float, float]) -> float:
    """WCAG contrast ratio of two colours."""
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def readable(css: str, background: str, tint: tuple[int, int, int, float]) -> str:
    """`css` with each text colour darkened (or lightened, on a dark background) until it
    reads at AA contrast on the background and on a highlighted line's tint over it."""
    base = _rgb(background)
    *tint_rgb, alpha = tint
    tinted = tuple(t * alpha + b * (1 - alpha) for t, b in zip(tint_rgb, base, strict=True))
    target = (0.0, 0.0, 0.0) if _luminance(base) > 0.18 else (255.0, 255.0, 255.0)

    def fix(match: re.Match[str]) -> str:
        colour: tuple[float, ...] = _rgb(match.group(1))
        for _ in range(40):
            if min(contrast(colour, base), contrast(colour, tinted)) >= READABLE:  # type: ignore[arg-type]
                break
            colour = tuple(c + (t - c) * 0.06 for c, t in zip(colour, target, strict=True))
        return "color: #" + "".join(f"{round(c):02x}" for c in colour)

    return _COLOR.sub(fix, css)


# github-dark's own background (#0d1117) is the dark page's colour to within 1.02:1: a
# code block would not stand out. The theme's raised surface instead.
DARK_CODE_BACKGROUND = "#161b22"


def theme_css(light: str = "default", dark: str = "github-dark") -> str:
    """Token colours for both themes, each scoped to the code selector. Dark follows the
    system's setting unless the reader chose a theme (`data-theme` on `<html>`)."""

    def rules(style: str, scope: str = "") -> str:
        formatter = HtmlFormatter(style=style)
        selector = f"{scope} {CODE_SELECTOR}".strip()
        css = "\n".join(
            [
                *formatter.get_background_style_defs(selector),
                *formatter.get_token_style_defs(selector),
            ]
        )
        background = formatter.style.background_color
        if style == dark:
            css = css.replace(f"background: {background}", f"background: {DARK_CODE_BACKGROUND}")
            background = DARK_CODE_BACKGROUND
        tint = HIGHLIGHT_TINTS["dark" if style == dark else "light"]
        return readable(css, background, tint)

    by_system = "\n".join(
        "  " + line for line in rules(dark, ':root:not([data-theme="light"])').splitlines()
    )
    by_choice = rules(dark, ':root[data-theme="dark"]')
    return (
        f"/* Generated by blogsite from Pygments styles {light!r} and {dark!r}. */\n"
        f"{rules(light)}\n@media (prefers-color-scheme: dark) {{\n{by_system}\n}}\n"
        f"{by_choice}\n"
    )
