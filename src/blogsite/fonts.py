"""The math font, cut down to what a site's formulas draw (fontTools).

Latin Modern Math is 392 KB as woff2; a blog's formulas use a few hundred of its glyphs.
The subset keeps the OpenType MATH table, whose closure brings in the size variants and
pieces that stretchy brackets and radicals are built from, and the script-size forms
(`ssty`) only of the characters that appear in a script: those forms double the glyph
count, and only a script ever draws them (Chromium never does).
"""

from __future__ import annotations

import hashlib
import html
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fontTools.ttLib import TTFont

MATH_FONT = "fonts/latinmodern-math.woff2"
# The same font cut to the formulas of excerpts only, for index and tag pages.
EXCERPT_MATH_FONT = "fonts/latinmodern-math-excerpts.woff2"
# Bump when the subsetting below changes, so no earlier build's font is reused.
_RECIPE = "3"
_MATH = re.compile(r"<math\b.*?</math>", re.DOTALL)
# A formula is a tag, or the text up to the next tag.
_PIECE = re.compile(r"<(/?)([a-z]+)\b([^>]*?)(/?)>|([^<]+)")
_ATTRIBUTE = re.compile(r'([a-z]+)="([^"]*)"')
# Children after the first of these are scripts, drawn a size down (MathML Core's
# user-agent style sheet); so is a root's index.
_SCRIPTED = frozenset({"msub", "msup", "msubsup", "munder", "mover", "munderover", "mmultiscripts"})


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


@dataclass(frozen=True)
class MathText:
    """The characters a site's formulas draw, and those drawn in a script (level 1) and
    in a script's script (level 2 or more): the levels the font has own forms for."""

    chars: str
    script: str = ""
    scriptscript: str = ""

    def __bool__(self) -> bool:
        return bool(self.chars)

    @classmethod
    def union(cls, texts: Iterable[MathText]) -> MathText:
        """The characters of all `texts`, each level merged."""
        levels: tuple[set[str], set[str], set[str]] = (set(), set(), set())
        for text in texts:
            ours = (text.chars, text.script, text.scriptscript)
            for level, chars in zip(levels, ours, strict=True):
                level.update(chars)
        return cls(*("".join(sorted(level)) for level in levels))


NO_MATH = MathText("")


def math_text(pages_html: Iterable[str]) -> MathText:
    """Every character the formulas of these pages may draw, sorted, once each."""
    levels: tuple[set[str], set[str], set[str]] = (set(), set(), set())
    for page in pages_html:
        for formula in _MATH.findall(page):
            _read_formula(formula, levels)
    return MathText(*("".join(sorted(level)) for level in levels))


@dataclass(frozen=True)
class _Style:
    """The script level and math style an element of a formula is drawn at."""

    depth: int
    compact: bool
    annotation: bool = False  # inside the TeX source kept for copying: never drawn

    def child(self, parent: str, index: int, name: str, attributes: str) -> _Style:
        """The style of the `index`th child `name` of a `parent` element in this style."""
        depth, compact = self.depth, self.compact
        if (parent in _SCRIPTED and index > 0) or (parent == "mroot" and index == 1):
            depth, compact = depth + 1, True
        elif parent == "mfrac":  # a fraction goes a size down only in a compact style
            depth, compact = depth + compact, True
        attrs = dict(_ATTRIBUTE.findall(attributes))
        if "displaystyle" in attrs:
            compact = attrs["displaystyle"] != "true"
        level = attrs.get("scriptlevel", "")
        if level.lstrip("+-").isdigit():
            depth = max(0, depth + int(level) if level[0] in "+-" else int(level))
        return _Style(depth, compact, self.annotation or name == "annotation")


def _read_formula(formula: str, levels: tuple[set[str], ...]) -> None:
    """Add the characters of one `<math>` element to `levels[0]`, those drawn at script
    level 1 to `levels[1]`, and those drawn smaller still to `levels[2]`."""
    # Each open element: its name, its style, and how many children it has so far.
    stack: list[tuple[str, _Style, list[int]]] = [("", _Style(0, True), [0])]
    for match in _PIECE.finditer(formula):
        closing, name, attributes, empty, text = match.groups()
        parent, style, children = stack[-1]
        if text is not None:
            if not style.annotation:
                drawn = set(html.unescape(text))
                for level in levels[: min(style.depth, 2) + 1]:
                    level.update(drawn)
        elif closing:
            if len(stack) > 1:
                stack.pop()
        else:
            if name == "math":
                inner = _Style(0, 'display="block"' not in attributes)
                inner = inner.child("", 0, name, attributes)
            else:
                inner = style.child(parent, children[0], name, attributes)
            children[0] += 1
            if not empty:
                stack.append((name, inner, [0]))
    # The italic form of a one-letter identifier goes where the letter went.
    for letter in _ONE_LETTER.finditer(formula):
        drawn = italic(letter.group(1))
        for level in levels:
            if drawn is not None and letter.group(1) in level:
                level.add(drawn)


def subset_digest(font: bytes, text: MathText) -> str:
    """What a subset is made from: the font's bytes, the characters, and the recipe."""
    hasher = hashlib.blake2b(digest_size=16)
    parts = (_RECIPE, hashlib.blake2b(font).hexdigest(), text.chars, text.script, text.scriptscript)
    for part in parts:
        hasher.update(part.encode("utf-8") + b"\0")
    return hasher.hexdigest()


def subset_font(font: bytes, text: MathText) -> bytes:
    """`font` (woff2, TTF or OTF) cut to the glyphs of `text`, as woff2."""
    # Imported here: a build whose formulas did not change never needs fontTools.
    from fontTools import subset
    from fontTools.ttLib import TTFont

    options = subset.Options()
    options.layout_features = ["*"]
    # The glyphs that layout features reach are chosen below, not by closure: closing
    # over `ssty` and `aalt` would bring every character's script forms.
    options.layout_closure = False
    options.name_IDs = ["*"]  # the licence and the font's names stay
    options.notdef_outline = True
    options.flavor = "woff2"
    options.drop_tables += ["FFTM"]  # a FontForge timestamp fontTools cannot subset
    # Browsers ignore CFF hints at text sizes; flat charstrings compress better in woff2.
    options.hinting = False
    options.desubroutinize = True
    # The font's own timestamp is kept: the same inputs give the same bytes, every build.
    loaded = TTFont(io.BytesIO(font), recalcTimestamp=False)
    cmap = loaded.getBestCmap()
    forms = {tag: _substitutes(loaded, tag) for tag in ("ssty", "dtls")}
    glyphs = {cmap[ord(c)] for c in text.chars if ord(c) in cmap}
    # `ssty` offers each glyph's forms for level 1, then level 2: keep those drawn.
    for level, chars in enumerate((text.script, text.scriptscript)):
        for glyph in (cmap[ord(c)] for c in chars if ord(c) in cmap):
            glyphs.update(forms["ssty"].get(glyph, ())[level : level + 1])
    # Then the dotless i and j (of those forms too) that an accent above sits on.
    glyphs |= {form for glyph in glyphs for form in forms["dtls"].get(glyph, ())}
    cutter = subset.Subsetter(options)
    cutter.populate(glyphs=sorted(glyphs), text=text.chars)
    cutter.subset(loaded)
    out = io.BytesIO()
    loaded.flavor = "woff2"
    loaded.save(out)
    return out.getvalue()


def _substitutes(font: TTFont, tag: str) -> Mapping[str, tuple[str, ...]]:
    """Each glyph's replacements under the GSUB feature `tag` (single or alternate)."""
    table = font["GSUB"].table if "GSUB" in font else None
    found: dict[str, tuple[str, ...]] = {}
    if table is None or table.FeatureList is None:
        return found
    lookups = {
        index
        for record in table.FeatureList.FeatureRecord
        if record.FeatureTag == tag
        for index in record.Feature.LookupListIndex
    }
    for index in sorted(lookups):
        for sub in table.LookupList.Lookup[index].SubTable:
            sub = getattr(sub, "ExtSubTable", sub)
            if hasattr(sub, "mapping"):  # single substitution
                for glyph, form in sub.mapping.items():
                    found[glyph] = (*found.get(glyph, ()), form)
            elif hasattr(sub, "alternates"):  # alternate substitution
                for glyph, forms in sub.alternates.items():
                    found[glyph] = (*found.get(glyph, ()), *forms)
    return found
