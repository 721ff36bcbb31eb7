"""The math font, cut down to what a site's formulas draw (fontTools).

Latin Modern Math is 392 KB as woff2; a blog's formulas use a few hundred of its glyphs.
The subset keeps every layout feature and the OpenType MATH table, whose closure brings
in the size variants and pieces that stretchy brackets and radicals are built from.
"""

from __future__ import annotations

import hashlib
import html
import io
import re
from collections.abc import Iterable

from fontTools import subset
from fontTools.ttLib import TTFont

MATH_FONT = "fonts/latinmodern-math.woff2"
# The same font cut to the formulas of excerpts only, for index and tag pages.
EXCERPT_MATH_FONT = "fonts/latinmodern-math-excerpts.woff2"
# Bump when the subsetting below changes, so no earlier build's font is reused.
_RECIPE = "2"
_MATH = re.compile(r"<math\b.*?</math>", re.DOTALL)
_TAG = re.compile(r"<[^>]+>")


# A one-letter `<mi>x</mi>` is drawn as MATHEMATICAL ITALIC SMALL X (U+1D465): browsers
# map it while laying the formula out, so the glyph they use is never in the HTML.
_ONE_LETTER = re.compile(r"<mi(?![^>]*mathvariant)[^>]*>([^<&])</mi>")
_ITALIC_SPECIAL = {
    "h": 0x210E, "ı": 0x1D6A4, "ȷ": 0x1D6A5, "∇": 0x1D6FB, "∂": 0x1D715, "ϵ": 0x1D716,
    "ϑ": 0x1D717, "ϰ": 0x1D718, "ϕ": 0x1D719, "ϱ": 0x1D71A, "ϖ": 0x1D71B,
}  # fmt: skip
_ITALIC_RUNS = (("A", "Z", 0x1D434), ("a", "z", 0x1D44E), ("Α", "Ω", 0x1D6E2), ("α", "ω", 0x1D6FC))


def italic(char: str) -> str | None:
    """The mathematical italic form a browser draws for a one-letter `<mi>`, if it has one."""
    if char in _ITALIC_SPECIAL:
        return chr(_ITALIC_SPECIAL[char])
    for first, last, start in _ITALIC_RUNS:
        if first <= char <= last:
            return chr(start + ord(char) - ord(first))
    return None


def math_text(pages_html: Iterable[str]) -> str:
    """Every character the formulas of these pages may draw, sorted, once each."""
    chars: set[str] = set()
    for page in pages_html:
        for formula in _MATH.findall(page):
            chars.update(html.unescape(_TAG.sub("", formula)))
            chars.update(filter(None, map(italic, _ONE_LETTER.findall(formula))))
    return "".join(sorted(chars))


def subset_digest(font: bytes, text: str) -> str:
    """What a subset is made from: the font's bytes, the characters, and the recipe."""
    hasher = hashlib.blake2b(digest_size=16)
    for part in (_RECIPE.encode(), hashlib.blake2b(font).digest(), text.encode("utf-8")):
        hasher.update(part + b"\0")
    return hasher.hexdigest()


def subset_font(font: bytes, text: str) -> bytes:
    """`font` (woff2, TTF or OTF) cut to the glyphs of `text`, as woff2."""
    options = subset.Options()
    options.layout_features = ["*"]  # ssty, the script-size variants, and the rest
    options.name_IDs = ["*"]  # the licence and the font's names stay
    options.notdef_outline = True
    options.flavor = "woff2"
    options.drop_tables += ["FFTM"]  # a FontForge timestamp fontTools cannot subset
    # Browsers ignore CFF hints at text sizes; flat charstrings compress better in woff2.
    options.hinting = False
    options.desubroutinize = True
    loaded = TTFont(io.BytesIO(font))
    cutter = subset.Subsetter(options)
    cutter.populate(text=text)
    cutter.subset(loaded)
    out = io.BytesIO()
    loaded.flavor = "woff2"
    loaded.save(out)
    return out.getvalue()
