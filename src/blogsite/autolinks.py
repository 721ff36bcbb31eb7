"""Bare URLs and e-mail addresses that become links: GFM's extended autolinks, which end
where Chinese begins.

markdown-it's linkify rules find the links through a linkifier object; `AutoLinks` is
that object. It follows the GFM spec's rules (`www.`, `http://`, `https://`, `ftp://`
and e-mail addresses; no trailing `.`, `,`, `:` or unmatched `)`), and adds one for
Chinese text: a link ends where a CJK character or full-width punctuation begins, so
`见https://arxiv.org/abs/2205.14135。下一句` links the address alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# CJK ideographs, kana, hangul, CJK and full-width punctuation, and the quotes Chinese
# uses: none of them stands unencoded in a URL, so a link ends before the first.
_WIDE = (
    "\u1100-\u11ff\u2e80-\u2fff\u3000-\u303f\u3040-\u30ff\u3100-\u31ff\u3400-\u4dbf"
    "\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef\u201c\u201d\u2018\u2019"
)
# Where a link may start: what the GFM spec allows before one, and Chinese.
_BEFORE = re.compile(rf"[\s*_~(]|[{_WIDE}]")
_SCHEME = re.compile(r"(?:https?|ftp)://", re.IGNORECASE)
_CANDIDATE = re.compile(r"(?:https?|ftp)://|www\.|[A-Za-z0-9._+-]+@", re.IGNORECASE)
_DOMAIN = re.compile(r"[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*")
_PATH = re.compile(rf"[^\s<{_WIDE}]*")
_EMAIL = re.compile(r"[A-Za-z0-9._+-]+@([A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)+)")
_TRAILING = "?!.,:*_~"
_ENTITY_AT_END = re.compile(r"&[A-Za-z0-9]+;$")


@dataclass(frozen=True)
class Link:
    """A link found in text, as markdown-it's linkify rules read it (LinkifyIt's Match)."""

    schema: str  # "http:", "https:", "ftp:", "mailto:", or "" for `www.`
    index: int
    last_index: int
    text: str  # as written
    url: str  # what the link leads to


class AutoLinks:
    """The linkifier markdown-it's linkify rules call: `pretest`, `test`, `match`,
    `match_at_start`, as linkify-it's LinkifyIt offers them."""

    def pretest(self, text: str) -> bool:
        return "://" in text or "www." in text.lower() or "@" in text

    def test(self, text: str) -> bool:
        return bool(self.match(text))

    def match(self, text: str) -> list[Link] | None:
        """Every link in `text`, left to right; None if there is none."""
        found: list[Link] = []
        pos = 0
        while (candidate := _CANDIDATE.search(text, pos)) is not None:
            start = candidate.start()
            link = None
            if candidate.group().endswith("@"):
                link = _email(text, start)
            elif start == 0 or _BEFORE.match(text, start - 1):
                link = _web(text, start)
            if link is None:
                pos = start + 1
                continue
            found.append(link)
            pos = link.last_index
        return found or None

    def match_at_start(self, text: str) -> Link | None:
        """The link that `text` starts with (its scheme first), if it is one."""
        if not _SCHEME.match(text):
            return None
        return _web(text, 0)


def _web(text: str, start: int) -> Link | None:
    """A `www.` or `http(s)://`/`ftp://` link starting at `start`, or None."""
    scheme = _SCHEME.match(text, start)
    host = scheme.end() if scheme else start
    domain = _DOMAIN.match(text, host)
    if domain is None or not _valid_domain(domain.group()):
        return None
    end = _PATH.match(text, domain.end()).end()
    # Trimming never reaches into the domain: it cannot end in `_` (invalid) nor hold the
    # other characters trimmed.
    written = _trim(text[start:end])
    if scheme is None:
        return Link("", start, start + len(written), written, "http://" + written)
    name = scheme.group()[:-2].lower()
    return Link(name, start, start + len(written), written, written)


def _valid_domain(domain: str) -> bool:
    """GFM's valid domain: a period at least, and no `_` in its last two segments."""
    parts = domain.split(".")
    return len(parts) >= 2 and all(parts) and "_" not in "".join(parts[-2:])


def _trim(link: str) -> str:
    """Without what GFM leaves out at its end: `?!.,:*_~`, an unmatched `)`, an entity."""
    while link:
        last = link[-1]
        if last in _TRAILING or (last == ")" and link.count(")") > link.count("(")):
            link = link[:-1]
        elif last == ";" and (entity := _ENTITY_AT_END.search(link)):
            link = link[: entity.start()]
        else:
            break
    return link


def _email(text: str, start: int) -> Link | None:
    """An e-mail address starting at `start`, or None (GFM: its end is no `-` or `_`)."""
    address = _EMAIL.match(text, start)
    if address is None:
        return None
    written = address.group()
    if written[-1] in "-_":
        return None
    return Link("mailto:", start, start + len(written), written, "mailto:" + written)
