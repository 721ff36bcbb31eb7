"""CJK-aware text measures: units for summaries and reading time, and summary cutting."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from html.parser import HTMLParser
from typing import Literal

# One unit per Han/Kana/Hangul character, one per Latin word (digits and inner ' - . count as part).
_HAN = r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0003134f]"
_WORD = r"[A-Za-z0-9\u00c0-\u024f]+(?:['’.\-][A-Za-z0-9\u00c0-\u024f]+)*"
_UNIT = re.compile(f"{_HAN}|{_WORD}")
_HAN_CHAR = re.compile(_HAN)
_LATIN_WORD = re.compile(_WORD)
_CJK = re.compile(r"[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\uffef]")
# A sentence ends at a CJK full stop anywhere, or at . ! ? followed by a space or the end.
_SENTENCE_END = re.compile(r"[。！？；]|[.!?;](?=\s|$)")
ELLIPSIS = "…"


def count_units(text: str) -> tuple[int, int]:
    """(CJK characters, Latin words) in `text`."""
    # The two kinds share no character, so counting each on its own counts the same units
    # as one pass over `_UNIT`, at a fraction of the cost.
    return len(_HAN_CHAR.findall(text)), len(_LATIN_WORD.findall(text))


def is_cjk(char: str) -> bool:
    return bool(char) and bool(_CJK.match(char))


@dataclass(frozen=True)
class Piece:
    """A run of a summary: text to escape, inline code, or ready HTML (MathML) worth one unit."""

    kind: Literal["text", "code", "html"]
    value: str


def summarize(paragraphs: Sequence[Sequence[Piece]], limit: int) -> str:
    """Well-formed HTML of about `limit` units, cut at a sentence end when one is near."""
    # A cut is (paragraph, piece, offset into the piece); HTML pieces are never split.
    hard_cut: tuple[int, int, int] | None = None
    sentence_cuts: list[tuple[int, int, int]] = []
    used = 0
    for p, paragraph in enumerate(paragraphs):
        for i, piece in enumerate(paragraph):
            if piece.kind == "html":
                used += 1
                if used == limit:
                    hard_cut = (p, i, len(piece.value))
                    break
                continue
            units = list(_UNIT.finditer(piece.value))
            if used + len(units) >= limit:
                hard_cut = (p, i, units[limit - used - 1].end())
                if piece.kind == "text":
                    sentence_cuts += [
                        (p, i, m.end())
                        for m in _SENTENCE_END.finditer(piece.value)
                        if m.end() <= hard_cut[2]
                    ]
                used = limit
                break
            used += len(units)
            if piece.kind == "text":
                sentence_cuts += [(p, i, m.end()) for m in _SENTENCE_END.finditer(piece.value)]
        if hard_cut is not None:
            break
        if paragraph:
            sentence_cuts.append((p, len(paragraph) - 1, len(paragraph[-1].value)))
    if hard_cut is None or _is_end(paragraphs, hard_cut):
        return _render(paragraphs, None)
    near = [cut for cut in sentence_cuts if _units_to(paragraphs, cut) >= limit * 0.6]
    return _render(paragraphs, near[-1] if near else hard_cut)


def _is_end(paragraphs: Sequence[Sequence[Piece]], cut: tuple[int, int, int]) -> bool:
    """True when nothing countable follows `cut`: the whole text fits."""
    p, i, offset = cut
    rest = paragraphs[p][i].value[offset:] if paragraphs[p][i].kind != "html" else ""
    following = [piece for para in paragraphs[p + 1 :] for piece in para]
    following += list(paragraphs[p][i + 1 :])
    return not _UNIT.search(rest) and not any(
        piece.kind == "html" or _UNIT.search(piece.value) for piece in following
    )


def _units_to(paragraphs: Sequence[Sequence[Piece]], cut: tuple[int, int, int]) -> int:
    p, i, offset = cut
    pieces = [piece for para in paragraphs[:p] for piece in para] + list(paragraphs[p][:i])
    total = sum(1 if x.kind == "html" else len(_UNIT.findall(x.value)) for x in pieces)
    last = paragraphs[p][i]
    return total + (1 if last.kind == "html" else len(_UNIT.findall(last.value[:offset])))


def _render(paragraphs: Sequence[Sequence[Piece]], cut: tuple[int, int, int] | None) -> str:
    html: list[str] = []
    for p, paragraph in enumerate(paragraphs):
        pieces = list(paragraph)
        if cut is not None and p == cut[0]:
            last = pieces[cut[1]]
            if last.kind != "html":
                last = Piece(last.kind, last.value[: cut[2]].rstrip())
            pieces = [*pieces[: cut[1]], last]
        inner = "".join(_piece_html(piece) for piece in pieces).strip()
        if cut is not None and p == cut[0]:
            html.append(f"<p>{inner}{ELLIPSIS}</p>")
            break
        if inner:
            html.append(f"<p>{inner}</p>")
    return "\n".join(html)


def _piece_html(piece: Piece) -> str:
    if piece.kind == "html":
        return piece.value
    if piece.kind == "code":
        return f"<code>{escape(piece.value, quote=False)}</code>" if piece.value else ""
    return escape(piece.value, quote=False)


class _Text(HTMLParser):
    """Collects an HTML fragment's text; footnote marks and scripts say nothing."""

    _SILENT = frozenset({"script", "style", "sup", "template"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.silent = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SILENT:
            self.silent += 1
        elif tag in ("p", "br", "li", "div"):
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SILENT and self.silent:
            self.silent -= 1

    def handle_data(self, data: str) -> None:
        if not self.silent:
            self.parts.append(data)


def plain_text(html: str, limit: int = 200) -> str:
    """The text of an HTML fragment, for a meta description: one line, at most `limit` chars.

    A formula keeps the text of its symbols (`α`, `xi`), never its TeX or MathML markup.
    """
    parser = _Text()
    parser.feed(html)
    parser.close()
    text = re.sub(r"\s+", " ", "".join(parser.parts)).strip()
    # No space is left between Chinese characters where a line of the source ended.
    text = re.sub(r"(?<=[\u3000-\u9fff]) (?=[\u3000-\u9fff])", "", text)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + ELLIPSIS
