"""The CommonMark and GFM spec examples, and HTML normalized so that blogsite's output and
the spec's expected output compare on structure and text, not on presentation."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from bs4 import BeautifulSoup, Comment, Doctype, NavigableString, Tag

DATA = Path(__file__).parent / "data" / "commonmark"
FENCE = "`" * 32


@dataclass(frozen=True)
class Example:
    number: int  # as the spec numbers them (1-based, in file order)
    section: str
    markdown: str
    html: str
    extension: str = ""  # GFM's: "table", "strikethrough", "autolink", …


def examples(name: str) -> list[Example]:
    """The examples of a spec file, in the format of the specs' own `spec_tests.py`."""
    found: list[Example] = []
    section = ""
    lines = (DATA / name).read_text(encoding="utf-8").split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith(FENCE + " example"):
            extension = line[len(FENCE + " example") :].strip()
            end = lines.index(".", i + 1)
            close = lines.index(FENCE, end + 1)
            markdown = "\n".join(lines[i + 1 : end]) + "\n"
            html = "\n".join(lines[end + 1 : close]) + "\n"
            if not lines[i + 1 : end]:
                markdown = ""
            if not lines[end + 1 : close]:
                html = ""
            found.append(
                Example(
                    len(found) + 1,
                    section,
                    markdown.replace("→", "\t"),
                    html.replace("→", "\t"),
                    extension,
                )
            )
            i = close + 1
            continue
        if line.startswith("#"):
            section = line.lstrip("#").strip()
        i += 1
    return found


# Attributes that present, not mean: ids and classes the theme uses, lazy loading, sizes,
# keyboard reach of scrolling boxes.
_PRESENTATIONAL = {"id", "class", "loading", "decoding", "tabindex", "width", "height"}
_BLOCK = {
    "address article aside blockquote body caption dd details dialog div dl dt fieldset "
    "figcaption figure footer form h1 h2 h3 h4 h5 h6 header hr html iframe legend li link "
    "main menu nav ol optgroup option p param pre section source summary table tbody td "
    "tfoot th thead title tr track ul"
}
_BLOCK_TAGS = set(" ".join(_BLOCK).split())
_VOID = {"br", "hr", "img", "input", "meta", "link", "source", "col", "embed", "wbr", "area"}


def normalize(html: str) -> str:
    """A canonical string for a fragment: blogsite's code-block figures as `<pre><code>`,
    image figures as `<p><img>`, no heading anchors, table alignment as `align`, `<s>`
    as `<del>`, presentational attributes dropped, attributes sorted, whitespace between
    blocks dropped."""
    soup = BeautifulSoup(html, "html.parser")
    for figure in soup.select("figure.code-block"):
        code = figure.find("code")
        text = code.get_text() if code is not None else ""
        pre = soup.new_tag("pre")
        inner = soup.new_tag("code")
        inner.string = text
        pre.append(inner)
        figure.replace_with(pre)
    # A code block's text without the newlines that end it: the highlighter draws lines,
    # and a block's last newline (or blank lines) are not drawn.
    for code in soup.select("pre > code"):
        code.string = code.get_text().rstrip("\n")
    for figure in soup.find_all("figure"):
        image = figure.find("img")
        paragraph = soup.new_tag("p")
        if image is not None:
            paragraph.append(image.extract())
        figure.replace_with(paragraph)
    for anchor in soup.select("a.anchor"):
        anchor.decompose()
    for strike in soup.find_all("s"):
        strike.name = "del"
    for tag in soup.find_all(True):
        style = tag.attrs.pop("style", None)
        if style and (match := re.fullmatch(r"\s*text-align:\s*(\w+);?\s*", style)):
            tag.attrs["align"] = match.group(1)
        elif style is not None:
            tag.attrs["style"] = style
        for name in list(tag.attrs):
            if name in _PRESENTATIONAL:
                del tag.attrs[name]
        if tag.name == "input":  # `disabled` and `disabled="disabled"` are the same
            for name in ("checked", "disabled"):
                if name in tag.attrs:
                    tag.attrs[name] = ""
    return _serialize(soup, in_pre=False).strip()


def _serialize(node: Tag | BeautifulSoup, in_pre: bool) -> str:
    out = []
    for child in node.children:
        if isinstance(child, Comment):
            out.append(f"<!--{child}-->")
        elif isinstance(child, Doctype):
            out.append(f"<!DOCTYPE {child}>")
        elif isinstance(child, NavigableString):
            text = _escape(str(child))
            if not in_pre:
                text = re.sub(r"\s+", " ", text)
            out.append(text)
        elif isinstance(child, Tag):
            attrs = "".join(
                f' {name}="{_escape(_value(value))}"' for name, value in sorted(child.attrs.items())
            )
            if child.name in _VOID:
                out.append(f"<{child.name}{attrs}>")
                continue
            inner = _serialize(child, in_pre or child.name == "pre")
            out.append(f"<{child.name}{attrs}>{inner}</{child.name}>")
    text = "".join(out)
    if in_pre:
        return text
    # No whitespace counts beside a block's tags.
    tags = "|".join(sorted(_BLOCK_TAGS))
    text = re.sub(rf"\s*(</?(?:{tags})\b[^>]*>)\s*", r"\1", text)
    return text


def _value(value: object) -> str:
    return " ".join(value) if isinstance(value, list) else str(value)


def _escape(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )
