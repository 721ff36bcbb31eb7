"""URLs in built HTML: made absolute, for HTML shown away from its own page."""

from __future__ import annotations

import re
from urllib.parse import urljoin

# A start tag; text never holds a raw `<` (it is escaped), so code showing `href='x'` is safe.
_TAG = re.compile(r"<[a-zA-Z][^<>]*>")
# `href`, `src` and `poster` with either quote; `srcset` is a list and is handled apart.
_URL_ATTR = re.compile(r"""(?P<lead>\s(?:href|src|poster)=)(?P<q>["'])(?P<url>.*?)(?P=q)""")
_SRCSET = re.compile(r"""(?P<lead>\ssrcset=)(?P<q>["'])(?P<urls>.*?)(?P=q)""")


def absolutize(html: str, page_url: str) -> str:
    """`html` with every link and image URL made absolute against the page's own URL.

    Markdown links, bundle images and the post's raw HTML alike: built HTML always
    quotes its attributes, and `&amp;` in a URL stays as it is.
    """

    def one(match: re.Match[str]) -> str:
        return f"{match['lead']}{match['q']}{urljoin(page_url, match['url'])}{match['q']}"

    def many(match: re.Match[str]) -> str:
        candidates = []
        for candidate in match["urls"].split(","):
            url, _, size = candidate.strip().partition(" ")
            candidates.append(f"{urljoin(page_url, url)} {size}".strip())
        return f"{match['lead']}{match['q']}{', '.join(candidates)}{match['q']}"

    return _TAG.sub(lambda tag: _SRCSET.sub(many, _URL_ATTR.sub(one, tag[0])), html)
