"""The Chinese copywriting check: spacing and punctuation between Chinese and English.

Built on autocorrect (its spacing, full-width and half-width rules), plus the rules it
does not have: straight quotes, a single `—` and half-width `;` `:` `()` in Chinese.
Every finding lies inside the prose that `markup.prose_ranges` found, so code, math,
URLs, raw HTML and front matter are never reported nor changed.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import autocorrect_py

from blogsite.config import ProseRules

# Han characters, and the full-width punctuation that stands between them.
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK = _HAN + "\u3000-\u303f\uff01-\uff60\u201c\u201d\u2018\u2019"
_HALF_TO_FULL = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！"}
_HALF_PUNCTUATION = re.compile(rf"(?<=[{_CJK}])([,;:?!]) ?(?=[{_HAN}])")
_HALF_PARENS = re.compile(r" ?\(([^()\n]*)\) ?")
_STRAIGHT_QUOTES = re.compile(r'"([^"\n]*)"')
_SINGLE_DASH = re.compile(r"(?<![—]) ?—(?![—]) ?")
_URL = re.compile(r"(?:https?://|www\.)[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+")
_HAN_CHAR = re.compile(f"[{_HAN}]")


@dataclass(frozen=True)
class Finding:
    """One suggestion: replace `old` at (line, column) of the body, both from 0, by `new`."""

    line: int
    column: int
    old: str
    new: str
    message: str

    def describe(self, text: str, around: int = 4) -> str:
        """The message, and the change in a few characters of the line `text` around it."""
        begin = max(self.column - around, 0)
        end = min(self.column + len(self.old) + around, len(text))
        after = text[begin : self.column] + self.new + text[self.column + len(self.old) : end]
        return f"{self.message}: '{text[begin:end]}' → '{after}'"


def check_prose(body: str, prose: Sequence[range], rules: ProseRules) -> list[Finding]:
    """The body's findings, in order, at most one per place."""
    mask = bytearray(len(body))
    for span in prose:
        mask[span.start : span.stop] = b"\1" * len(span)
    for match in _URL.finditer(body):  # a bare URL is not prose, though it is text
        mask[match.start() : match.end()] = bytes(len(match.group()))
    lines = body.split("\n")
    starts = [0]
    for text in lines[:-1]:
        starts.append(starts[-1] + len(text) + 1)
    # The prose alone, each line as long as it was: what is not prose is NUL, which no
    # rule matches, so a quote in `code` is never paired with one in the text.
    shown = "".join(c if mask[i] or c == "\n" else "\0" for i, c in enumerate(body))
    found: dict[tuple[int, int], Finding] = {}
    for finding in (*_autocorrect(body, lines, rules), *_own_rules(shown.split("\n"), rules)):
        at = starts[finding.line] + finding.column
        if _in_prose(mask, at, len(finding.old)):
            found.setdefault((finding.line, finding.column), finding)
    return [found[key] for key in sorted(found)]


def _in_prose(mask: bytearray, at: int, length: int) -> bool:
    """A change to `length` characters at `at` (an insertion, if 0) touches only prose."""
    if length == 0:  # a space put between two characters: one of them must be prose
        return any(0 <= i < len(mask) and mask[i] for i in (at - 1, at))
    return at + length <= len(mask) and all(mask[at : at + length])


def fix_prose(body: str, findings: Iterable[Finding]) -> str:
    """The body with every finding's `new` in place of its `old`, overlaps left out."""
    lines = body.split("\n")
    last: tuple[int, int] = (len(lines), 0)
    for finding in sorted(findings, key=lambda f: (f.line, f.column), reverse=True):
        text = lines[finding.line]
        end = finding.column + len(finding.old)
        if (finding.line, end) > last or text[finding.column : end] != finding.old:
            continue  # overlaps one made already: the next pass finds it again if need be
        lines[finding.line] = text[: finding.column] + finding.new + text[end:]
        last = (finding.line, finding.column)
    return "\n".join(lines)


# --- autocorrect's rules ------------------------------------------------------------------


def _autocorrect(body: str, lines: list[str], rules: ProseRules) -> list[Finding]:
    """autocorrect's suggestions, each split into the smallest changes, with a message."""
    autocorrect_py.load_config(json.dumps({"rules": _autocorrect_rules(rules)}))
    found = []
    for result in autocorrect_py.lint_for(body, "md").lines:
        line, column = result.line - 1, result.col - 1
        old, new = result.old, result.new
        if line >= len(lines) or lines[line][column : column + len(old)] != old:
            continue  # not where autocorrect says (a change across lines): leave it
        matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
        for op, i1, i2, j1, j2 in matcher.get_opcodes():
            if op != "equal":
                piece, replaced = old[i1:i2], new[j1:j2]
                found.append(Finding(line, column + i1, piece, replaced, _message(piece, replaced)))
    return found


def _autocorrect_rules(rules: ProseRules) -> dict[str, int]:
    """Our rules as autocorrect's (1 on, 0 off). Its bracket spacing is off: half-width
    brackets in Chinese become full-width here, which need no spaces."""
    spacing = int(rules.spacing)
    punctuation = int(rules.punctuation)
    return {
        "space-word": spacing,
        "space-punctuation": spacing,
        "space-backticks": spacing,
        "space-bracket": 0,
        "space-dash": 0,
        "fullwidth": punctuation,
        "no-space-fullwidth": punctuation,
        "no-space-fullwidth-quote": int(rules.quotes),
        "halfwidth-word": punctuation,
        "halfwidth-punctuation": punctuation,
        "spellcheck": 0,
    }


def _message(old: str, new: str) -> str:
    if not old.strip() and not new:
        return "no space here, next to full-width punctuation"
    if not new.strip() and not old:
        return "a space between Chinese and English or digits"
    if any(ord(c) > 0xFF00 for c in new) and not any(ord(c) > 0xFF00 for c in old):
        return "full-width punctuation in Chinese"
    if any(ord(c) > 0xFF00 for c in old):
        return "half-width characters in English"
    return "write it so"


# --- our own rules --------------------------------------------------------------------------


def _own_rules(lines: list[str], rules: ProseRules) -> list[Finding]:
    """Quotes, dashes, and the half-width punctuation that autocorrect leaves alone."""
    found = []
    for number, text in enumerate(lines):
        if not _HAN_CHAR.search(text):
            continue
        if rules.punctuation:
            for match in _HALF_PUNCTUATION.finditer(text):
                new = _HALF_TO_FULL[match.group(1)]
                found.append(Finding(number, match.start(), match.group(), new, _FULL_WIDTH))
            for match in _HALF_PARENS.finditer(text):
                if _chinese_around(text, match, match.group(1)):
                    new = f"（{match.group(1)}）"
                    found.append(Finding(number, match.start(), match.group(), new, _FULL_WIDTH))
        if rules.quotes:
            for match in _STRAIGHT_QUOTES.finditer(text):
                if _chinese_around(text, match, match.group(1)):
                    new = f"“{match.group(1)}”"
                    message = "Chinese quotation marks “…” for straight quotes"
                    found.append(Finding(number, match.start(), match.group(), new, message))
        if rules.dashes:
            for match in _SINGLE_DASH.finditer(text):
                if _chinese_around(text, match, ""):
                    message = "the Chinese dash is two em dashes: ——"
                    found.append(Finding(number, match.start(), match.group(), "——", message))
    return found


_FULL_WIDTH = "full-width punctuation in Chinese"


def _chinese_around(text: str, match: re.Match[str], inside: str) -> bool:
    """Whether a match stands in Chinese: Chinese inside it, or right beside it."""
    before = text[match.start() - 1] if match.start() > 0 else ""
    after = text[match.end()] if match.end() < len(text) else ""
    beside = [c for c in (before, after) if c]
    if _HAN_CHAR.search(inside):
        return True
    return bool(beside) and all(_HAN_CHAR.match(c) for c in beside)
