"""markdown-it-py setup and `render_markdown`: Markdown body → `Rendered`.

Knows nothing about posts or sites: it takes text and settings and returns HTML and facts.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Iterator, Mapping, Sequence
from html import escape, unescape
from html.parser import HTMLParser
from typing import Any
from urllib.parse import unquote

from markdown_it import MarkdownIt
from markdown_it.common.utils import unescapeAll
from markdown_it.renderer import RendererHTML
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from markdown_it.utils import OptionsDict
from mdit_py_plugins.amsmath import amsmath_plugin
from mdit_py_plugins.anchors import anchors_plugin
from mdit_py_plugins.container import container_plugin
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.tasklists import tasklists_plugin

from blogsite.autolinks import AutoLinks
from blogsite.errors import Diagnostic
from blogsite.execute import LANGUAGES, MODES, Block, Outcome
from blogsite.fonts import math_text
from blogsite.highlight import highlight_block
from blogsite.mathml import MathError, render_batch, render_inline_pieces, render_math
from blogsite.model import Heading, MarkupSettings, Rendered
from blogsite.text import Piece, count_units, is_cjk, plain_text, summarize
from blogsite.urls import absolutize

MORE_MARKER = "<!--more-->"
ADMONITIONS = ("note", "tip", "warning")
_ANCHOR_LABELS = {"zh": "本节链接", "en": "Link to this section"}
_ANCHORED = ("h2", "h3", "h4")
_ADMONITION_TITLES = {
    "en": {"note": "Note", "tip": "Tip", "warning": "Warning"},
    "zh": {"note": "注意", "tip": "提示", "warning": "警告"},
}
# Other modules hold a parser without importing markdown-it themselves.
MarkdownParser = MarkdownIt

_MATH_TYPES = {
    "math_inline": False,
    "math_inline_double": True,
    "math_block": True,
    "math_block_label": True,
    "amsmath": True,
}


def language_key(settings: MarkupSettings) -> str:
    """`zh` for any Chinese variant, else `en`: the languages the built-in labels speak."""
    return "zh" if settings.language.lower().startswith("zh") else "en"


def slugify(title: str) -> str:
    """A heading id that keeps Chinese characters: `## 滑动窗口 Sliding` → `滑动窗口-sliding`."""
    text = re.sub(r"<[^>]+>", "", title).strip().lower()
    text = re.sub(r"[^\w\s-]", "", text)
    return re.sub(r"[\s]+", "-", text).strip("-") or "section"


def make_markdown(settings: MarkupSettings) -> MarkdownIt:
    """A parser/renderer with blogsite's rules; make one per process and reuse it."""
    md = MarkdownIt("commonmark", {"html": True, "typographer": False, "maxNesting": MAX_NESTING})
    md.enable(["table", "strikethrough"])
    if settings.linkify:
        # markdown-it's linkify rules, with a linkifier that follows GFM and ends a link
        # where Chinese begins.
        md.linkify = AutoLinks()
        md.options["linkify"] = True
        md.core.ruler.enable("linkify")
        # Not the inline rule: it links `x<https://…` mid-word, and cannot see what comes
        # before the scheme; the core rule asks AutoLinks, which follows GFM there.
        md.inline.ruler.disable("linkify")
    md.use(footnote_plugin)
    md.use(tasklists_plugin)
    md.use(
        dollarmath_plugin,
        allow_labels=False,
        allow_space=False,
        allow_digits=False,
        double_inline=True,
    )
    md.use(amsmath_plugin)
    # Must run before `escape`, or `\(` would become a literal parenthesis.
    md.inline.ruler.before("escape", "math_paren", _math_paren)
    md.core.ruler.after("inline", "display_math_paragraph", _display_math_paragraph)
    md.core.ruler.after("display_math_paragraph", "math_lines", _math_lines)
    md.core.ruler.after("math_lines", "math_punctuation", _math_punctuation)
    md.inline.ruler.before("escape", "equation_ref", _equation_ref)
    md.core.ruler.after("math_punctuation", "math_batch", _math_batch)
    md.add_render_rule("equation_ref", _render_equation_ref)
    md.core.ruler.push("lone_images", _lone_images)
    md.core.ruler.push("link_lines", _link_lines)
    if settings.root_path != "/":
        md.core.ruler.push("site_links", _site_links(settings.root_path))
    titles = _ADMONITION_TITLES[language_key(settings)]
    for name in ADMONITIONS:
        md.use(container_plugin, name, render=_admonition_renderer(name, titles[name]))
    md.use(anchors_plugin, min_level=1, max_level=4, slug_func=slugify)
    md.add_render_rule("heading_close", _heading_close(_ANCHOR_LABELS[language_key(settings)]))
    for token_type in _MATH_TYPES:
        md.add_render_rule(token_type, _render_math_token)
    md.add_render_rule("fence", _render_fence)
    md.add_render_rule("image", _render_image)
    md.add_render_rule("table_open", _render_table_open)
    return md


# How deep lists and quotes may nest (markdown-it's CommonMark preset allows 20). Deeper
# blocks, and everything after them, are left out by the parser; the build says where.
# Each level costs a few Python frames, so this stays far below the recursion limit.
MAX_NESTING = 100


def render_markdown(
    md: MarkdownIt,
    body: str,
    *,
    path: str,
    first_line: int,
    settings: MarkupSettings,
    url: str = "/",
    images: Mapping[str, Any] | None = None,
    run: Runner | None = None,
) -> Rendered:
    """Render one body; math errors become diagnostics, never exceptions.

    `url` is the page's own URL path (`/blog/posts/a/`): the excerpt, shown on other
    pages, has its relative links and images resolved against it. `images` maps a
    bundle's image files (`fig.svg`) to what the build read of them (their size).
    """
    env: dict[str, Any] = {
        "path": path,
        "first_line": first_line,
        "diagnostics": [],
        "url": url,
        "images": images or {},
        "links": [],
        "macros": settings.macros,
        "language": language_key(settings),
    }
    tokens = md.parse(body, env)
    runs = _run_blocks(tokens, env, path, first_line, run)
    # Read before the excerpt's render resolves relative links in place.
    links = (
        tuple(
            (written, str(token.attrGet(attr) or ""), line)
            for token, attr, written, line in env["links"]
        )
        + env["raw_links"]
    )
    deepest = max((t for t in tokens if t.map), key=lambda t: t.level, default=None)
    if deepest is not None and deepest.map and deepest.level >= MAX_NESTING - 1:
        env["diagnostics"].append(
            Diagnostic(
                path,
                first_line + deepest.map[0],
                f"lists or quotes nest more than {MAX_NESTING} levels deep here; what lies "
                "deeper is left out, and so may what follows; flatten them",
            )
        )
    html = md.renderer.render(tokens, md.options, env)
    toc = tuple(
        Heading(
            int(tokens[i].tag[1]),
            str(tokens[i].attrGet("id")),
            _inline_html(md, _plain(tokens[i + 1].children or []), env),
        )
        for i in range(len(tokens))
        if tokens[i].type == "heading_open" and tokens[i].tag in ("h2", "h3", "h4")
    )
    paragraphs = _summary_paragraphs(md, tokens, env)
    han, words = _count_prose(tokens)
    more_html = _excerpt_html(md, tokens, env)
    # Rendering the excerpt and TOC again may repeat a math diagnostic; keep each once.
    diagnostics = tuple(dict.fromkeys(env["diagnostics"]))
    # Shown on other pages: its links (an `\eqref` in a formula) lead to this one.
    summary = absolutize(summarize(paragraphs, settings.summary_length), url)
    return Rendered(
        html=html,
        more_html=more_html,
        auto_summary_html=summary,
        toc=toc,
        han_chars=han,
        latin_words=words,
        diagnostics=diagnostics,
        math=math_text([html]),
        more_math=math_text([more_html or ""]),
        summary_math=math_text([summary]),
        more_text=plain_text(more_html) if more_html is not None else "",
        summary_text=plain_text(summary),
        links=links,
        runs=runs,
    )


# --- math -------------------------------------------------------------------------------


def _math_paren(state: StateInline, silent: bool) -> bool:
    r"""`\(…\)` inline and `\[…\]` display math; any other `\(` or `\[` is an ordinary
    escape, as in CommonMark, so `\[not a link](/foo)` and `文献 \[1\]` show brackets.

    `\(` opens math if a `\)` closes it later in the paragraph with something between,
    and it does not come right after a letter, digit or `_` (`f\(x\)` escapes). `\[`
    opens display math only at the start of a line, closed by a `\]` that ends a line:
    in the middle of a sentence (`数组 \[1, 2\] 的和`) it is an escaped bracket."""
    src, pos = state.src, state.pos
    if src.startswith("\\(", pos):
        close, token_type = "\\)", "math_inline"
    elif src.startswith("\\[", pos):
        close, token_type = "\\]", "math_inline_double"
    else:
        return False
    if pos > 0 and (src[pos - 1].isascii() and (src[pos - 1].isalnum() or src[pos - 1] == "_")):
        return False
    end = src.find(close, pos + 2)
    if end == -1 or not src[pos + 2 : end].strip():
        return False
    if token_type == "math_inline_double":
        before = src[src.rfind("\n", 0, pos) + 1 : pos]
        after_end = src.find("\n", end + 2)
        after = src[end + 2 : after_end if after_end != -1 else len(src)]
        if before.strip() or after.strip():
            return False
    if not silent:
        token = state.push(token_type, "math", 0)
        token.content = src[pos + 2 : end]
        token.markup = src[pos : pos + 2]
    state.pos = end + 2
    return True


def _display_math_paragraph(state: StateCore) -> None:
    """A paragraph that holds only one display formula becomes a block formula."""
    tokens = state.tokens
    i = 0
    while i + 2 < len(tokens):
        opening, inline, closing = tokens[i : i + 3]
        if (
            opening.type == "paragraph_open"
            and inline.type == "inline"
            and closing.type == "paragraph_close"
        ):
            children = [c for c in inline.children or [] if c.type not in ("softbreak",)]
            if (
                len(children) == 1
                and children[0].type == "math_inline_double"
                and not opening.hidden
            ):
                block = Token("math_block", "math", 0, content=children[0].content, map=opening.map)
                block.block = True
                block.level = opening.level
                tokens[i : i + 3] = [block]
        i += 1


def _math_lines(state: StateCore) -> None:
    """Remember the body line of each inline formula, and warn of formulas never closed."""
    for token in state.tokens:
        if token.type != "inline" or not token.map or not token.children:
            continue
        line = token.map[0]
        for child in token.children:
            if child.type in _MATH_TYPES or child.type == "equation_ref":
                child.meta["line"] = line
            if child.type == "text" and "$$" in child.content and "path" in state.env:
                message = (
                    "math error: a formula is not closed; add `$$` or write a literal "
                    "dollar as `\\$`"
                )
                where = state.env["first_line"] + line
                state.env["diagnostics"].append(Diagnostic(state.env["path"], where, message))
            line += child.content.count("\n") if child.type == "text" else 0
            line += 1 if child.type in ("softbreak", "hardbreak") else 0
            if child.type in _MATH_TYPES:
                line += child.content.count("\n")


def _render_math_token(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: dict[str, Any]
) -> str:
    token = tokens[idx]
    display = _MATH_TYPES[token.type]
    tex = token.content
    block = token.type in ("math_block", "math_block_label", "amsmath")
    try:
        if "batch" in token.meta:  # converted with the rest of the post, see `_math_batch`
            found = token.meta["batch"]
            if isinstance(found, MathError):
                raise found
            if display or block:
                html = _with_tex(found, tex.strip(), True)
            else:
                html = _inline_math([found], token.meta, tex.strip())
        else:
            html = _converted(tex.strip(), display or block, token.meta, env)
    except MathError as exc:
        line = token.meta.get("line", token.map[0] if token.map else 0)
        if exc.offset is not None:
            line += tex.strip()[: exc.offset].count("\n") + (
                1 if block and tex.startswith("\n") else 0
            )
        if "path" in env:
            env["diagnostics"].append(
                Diagnostic(env["path"], env["first_line"] + line, f"math error: {exc.message}")
            )
        html = (
            f'<code class="math-error" title="{escape(exc.message)}">{escape(tex.strip())}</code>'
        )
    # tabindex: a formula wider than the screen scrolls, and the keyboard must reach it.
    if block:
        return f'<div class="math-display" tabindex="0">{html}</div>\n'
    if display:
        return f'<span class="math-display" tabindex="0">{html}</span>'
    return html


def _converted(tex: str, display: bool, meta: dict[str, Any], env: dict[str, Any]) -> str:
    """A formula's MathML, converted once per body: the excerpt, summary and contents
    render the same formulas again."""
    key = (tex, display, meta.get("before", ""), meta.get("after", ""))
    memo = env.setdefault("math_memo", {})
    macros = env.get("macros", ())
    if key not in memo:
        try:
            if display:
                memo[key] = _with_tex(render_math(tex, True, macros), tex, True)
            else:
                memo[key] = _inline_math(_inline_pieces(tex, macros), meta, tex)
        except MathError as exc:
            memo[key] = exc
    found = memo[key]
    if isinstance(found, MathError):
        raise found
    return found


def _inline_pieces(tex: str, macros: tuple[tuple[str, str], ...]) -> list[str]:
    try:
        return render_inline_pieces(tex, macros)
    except MathError:
        return [render_math(tex, False, macros)]  # a piece alone may not parse; the whole may


def _with_tex(mathml: str, tex: str, display: bool) -> str:
    """The formula's TeX on its `<math>`, for copying it as TeX (`js/copy-tex.js`)."""
    return mathml.replace("<math", f'<math data-tex="{_tex_attribute(tex, display)}"', 1)


def _tex_attribute(tex: str, display: bool) -> str:
    # With its delimiters, as it is put on the clipboard; a display formula on its own lines.
    return escape(f"$${tex}$$" if display else f"${tex}$")


def _inline_math(pieces: list[str], meta: dict[str, Any], tex: str) -> str:
    """An inline formula as wrappable pieces; punctuation that must not be parted from it
    (Chinese `，。）` after, `（` before) is kept on the same line with its nearest piece.
    The TeX goes on the element that holds the whole formula."""
    pieces = list(pieces)
    if len(pieces) == 1:
        pieces[0] = _with_tex(pieces[0], tex, False)
    before, after = escape(meta.get("before", "")), escape(meta.get("after", ""))
    if before:
        pieces[0] = f'<span class="nobr">{before}{pieces[0]}</span>'
    if after:
        last = pieces[-1]
        if last.startswith('<span class="nobr">'):
            pieces[-1] = last.removesuffix("</span>") + f"{after}</span>"
        else:
            pieces[-1] = f'<span class="nobr">{last}{after}</span>'
    if len(pieces) == 1:
        return pieces[0]
    # One element per formula, whatever its pieces; <wbr>: a break with no space added.
    tex_attribute = _tex_attribute(tex, False)
    return f'<span class="math-inline" data-tex="{tex_attribute}">{"<wbr>".join(pieces)}</span>'


# --- numbering and references through a post ---------------------------------------------

# What only a conversion of the whole post gets right: numbers, labels, references and
# macros. A post without any is converted formula by formula, each memoized.
_NEEDS_BATCH = re.compile(
    r"\\(?:label|eqref|ref|tag|newcommand|renewcommand|def)\b"
    r"|\\begin\{(?:equation|align|gather|multline|flalign|alignat)\}"
)
# A post's own macros: its inline formulas are then converted whole, in order with the rest.
_DEFINES = re.compile(r"\\(?:newcommand|renewcommand|def)\b")
_REFERENCE = re.compile(r"\\(eqref|ref)\{([^{}\n]{1,200})\}")
_LINK = re.compile(r'<a href="([^"]*)">([^<]*)</a>')
_IDS = re.compile(r'\sid="([^"]*)"')


def _equation_ref(state: StateInline, silent: bool) -> bool:
    r"""`\eqref{eq:a}` and `\ref{eq:a}` in prose: a link to the equation, with its number."""
    if not state.src.startswith(("\\eqref{", "\\ref{"), state.pos):
        return False
    match = _REFERENCE.match(state.src, state.pos)
    if match is None:
        return False
    if not silent:
        token = state.push("equation_ref", "a", 0)
        token.meta.update(kind=match.group(1), label=match.group(2))
        token.content = match.group(0)
    state.pos = match.end()
    return True


def _math_batch(state: StateCore) -> None:
    """A core rule: convert a post's formulas and references together, in order, when
    they number, label, refer or define (see `render_batch`); the renderer takes each
    result from its token."""
    if not _NEEDS_BATCH.search(state.src):
        return
    defines = bool(_DEFINES.search(state.src))
    tokens: list[Token] = []
    for token in state.tokens:
        if token.type in _MATH_TYPES:
            tokens.append(token)
        for child in token.children or ():
            if child.type in _MATH_TYPES or child.type == "equation_ref":
                tokens.append(child)
    snippets = []
    for token in tokens:
        if token.type == "equation_ref":
            snippets.append((f"\\eqref{{{token.meta['label']}}}", False))
        else:
            block = token.type in ("math_block", "math_block_label", "amsmath")
            snippets.append((token.content.strip(), _MATH_TYPES[token.type] or block))
    slug = unquote(state.env.get("url", "/").rstrip("/").rpartition("/")[2]) or "home"
    prefix = f"{slug}-"
    done = render_batch(snippets, prefix, state.env.get("macros", ()))
    seen: set[str] = set()
    for token, (tex, display), html in zip(tokens, snippets, done, strict=True):
        if isinstance(html, str) and token.type != "equation_ref":
            problems: list[tuple[str, str]] = []  # (what the TeX says there, message)
            for label in _IDS.findall(html):
                name = label.removeprefix(prefix)
                if label in seen:
                    message = (
                        f"equation label '{name}' is used twice in this post; "
                        "give each equation its own"
                    )
                    problems.append((f"\\label{{{name}}}", message))
                seen.add(label)
            for kind, label in _REFERENCE.findall(tex):
                shown = "(??)" if kind == "eqref" else "??"
                missing = f'<a href="#{prefix}{label}">{shown}</a>'
                if missing in html:
                    # Told here; a link to nowhere would be told again as a broken link.
                    html = html.replace(missing, shown)
                    message = (
                        f"unknown equation label '{label}'; give an equation `\\label{{{label}}}`"
                    )
                    problems.append((f"\\{kind}{{{label}}}", message))
            if problems and "path" in state.env:
                first = token.meta.get("line", token.map[0] if token.map else 0)
                for written, message in problems:
                    at = token.content.find(written)
                    line = first + (token.content.count("\n", 0, at) if at >= 0 else 0)
                    where = state.env["first_line"] + line
                    state.env["diagnostics"].append(Diagnostic(state.env["path"], where, message))
        inline = not display and token.type != "equation_ref"
        # Inline formulas keep their line breaks unless they refer or the post defines.
        if inline and not defines and not _REFERENCE.search(tex) and "\\label" not in tex:
            continue
        token.meta["batch"] = html


def _render_equation_ref(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: dict[str, Any]
) -> str:
    token = tokens[idx]
    found = token.meta.get("batch")
    link = _LINK.search(found) if isinstance(found, str) else None
    if link is None or link.group(2) == "(??)":
        if "path" in env:
            where = env["first_line"] + token.meta.get("line", 0)
            label = token.meta["label"]
            message = f"unknown equation label '{label}'; give an equation `\\label{{{label}}}`"
            env["diagnostics"].append(Diagnostic(env["path"], where, message))
        return f'<span class="eqref-missing">{escape(token.content)}</span>'
    number = link.group(2)
    if token.meta["kind"] == "ref":
        number = number.removeprefix("(").removesuffix(")")
    return f'<a class="eqref" href="{link.group(1)}">{number}</a>'


# Chinese punctuation that may not start a line, and that may not end one.
_CLOSING = "，。、；：！？）」』】》〉”’"
_OPENING = "（「『【《〈“‘"


def _math_punctuation(state: StateCore) -> None:
    """A core rule: move the punctuation that touches an inline formula into its token's
    meta, so the renderer keeps them on one line (a word joiner does not, in Chromium)."""
    for token in state.tokens:
        children = token.children or []
        for i, child in enumerate(children):
            if child.type != "math_inline":
                continue
            if i + 1 < len(children) and children[i + 1].type == "text":
                following = children[i + 1]
                rest = following.content.lstrip(_CLOSING)
                if len(rest) < len(following.content):
                    child.meta["after"] = following.content[: len(following.content) - len(rest)]
                    following.content = rest
            if i > 0 and children[i - 1].type == "text":
                preceding = children[i - 1]
                rest = preceding.content.rstrip(_OPENING)
                if len(rest) < len(preceding.content):
                    child.meta["before"] = preceding.content[len(rest) :]
                    preceding.content = rest


# --- links ---------------------------------------------------------------------------------

_URL_ATTR = {"link_open": "href", "image": "src"}


def _links(tokens: Sequence[Token]) -> Iterator[tuple[Token, str, str]]:
    """(token, attribute, URL) for each Markdown link and image among `tokens`' children."""
    for token in tokens:
        for child in token.children or ():
            attr = _URL_ATTR.get(child.type)
            value = child.attrGet(attr) if attr else None
            if attr and isinstance(value, str):
                yield child, attr, value


_NEWLINE = re.compile("\n")
# A URL attribute in raw HTML; the Markdown's own HTML is read by the link checker the same way.
_RAW_URL = re.compile(r"""\s(?:href|src)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))""", re.I)


def _link_lines(state: StateCore) -> None:
    """Note each link's and image's URL as written, with its line, for the link checker:
    Markdown links as tokens (their URL is read after later rules rewrite it), raw HTML's
    as text. Each is looked up in its block's source, in order, for its own line and its
    spelling there (before markdown-it percent-encodes it)."""
    first = state.env.get("first_line", 1)
    noted, raw = state.env.setdefault("links", []), []
    src = state.src
    starts: list[int] = []
    for token in state.tokens:
        if not token.map or not (token.children or token.type == "html_block"):
            continue
        if not starts:  # where each line begins, found once and only if needed
            starts = [0, *(match.end() for match in _NEWLINE.finditer(src))]
        begin, end = (starts[n] if n < len(starts) else len(src) for n in token.map)
        block = _Block(src[begin:end], first + token.map[0])
        if token.type == "html_block":
            raw += _raw_links(token.content, block.line)
        for child in token.children or ():
            attr = _URL_ATTR.get(child.type)
            value = child.attrGet(attr) if attr else None
            if attr and isinstance(value, str):
                noted.append((child, attr, *block.find(unquote(value), value)))
            elif child.type == "html_inline":
                raw += _raw_links(child.content, block.find(child.content)[1])
            elif child.type in ("softbreak", "hardbreak"):
                block.breaks += 1
    state.env["raw_links"] = tuple(raw)


class _Block:
    """A block's source, read from the start in order: where each of its links stands."""

    def __init__(self, text: str, line: int) -> None:
        self.text, self.line, self.cursor, self.breaks = text, line, 0, 0

    def find(self, *spellings: str) -> tuple[str, int]:
        """The first of `spellings` found after the last one found, and its line."""
        for spelling in spellings:
            at = self.text.find(spelling, self.cursor) if spelling else -1
            if at >= 0:
                self.cursor = at + len(spelling)
                return spelling, self.line + self.text.count("\n", 0, at)
        # Not in the block: the URL of a reference link, defined elsewhere.
        return spellings[0], self.line + self.breaks


def _raw_links(html: str, line: int) -> list[tuple[str, str, int]]:
    found = []
    for match in _RAW_URL.finditer(html):
        url = unescape(next(g for g in match.groups() if g is not None)).strip()
        found.append((url, url, line + html.count("\n", 0, match.start())))
    return found


def _site_links(root: str) -> Any:
    """A core rule: links written from the site's root (`/posts/a/`) get the sub-path."""

    def rule(state: StateCore) -> None:
        for token, attr, value in _links(state.tokens):
            if value.startswith("/") and not value.startswith("//"):
                token.attrSet(attr, root + value[1:])

    return rule


# --- prose -------------------------------------------------------------------------------

# Inline tokens whose source is not prose: found in the block's source and left out.
_NOT_PROSE = {"code_inline", "html_inline", "footnote_ref", "equation_ref"}
_NOT_PROSE |= set(_MATH_TYPES)


def prose_ranges(md: MarkdownIt, body: str, settings: MarkupSettings) -> tuple[range, ...]:
    """Where a body's prose stands, as ranges of character offsets: the text of paragraphs,
    headings, list items, quotes and table cells, without code, math, raw HTML, URLs or
    images. For checks of the writing, which must never touch what is not prose."""
    env: dict[str, Any] = {"path": "", "first_line": 1, "diagnostics": [], "links": []}
    env |= {"macros": settings.macros, "language": language_key(settings)}
    starts = [0, *(match.end() for match in _NEWLINE.finditer(body))]
    ranges: list[range] = []
    block, begin = _Block("", 0), -1
    for token in md.parse(body, env):
        if token.type != "inline" or not token.map:
            continue
        first, end = (starts[n] if n < len(starts) else len(body) for n in token.map)
        if first != begin:  # the cells of a table row share the row's source
            block, begin = _Block(body[first:end], 0), first
        ranges += (range(begin + r.start, begin + r.stop) for r in _prose_in(block, token))
    return tuple(r for r in ranges if r)


def _prose_in(block: _Block, inline: Token) -> list[range]:
    """The prose of one inline token in its block's source: its text, between the spans
    of everything else, each found in order from where the last one ended."""
    text, found, in_url = block.text, [], False  # `in_url`: the text of an autolink
    for child in inline.children or ():
        if child.type == "text" or child.type in _NOT_PROSE:
            at = text.find(child.content, block.cursor) if child.content else -1
            if at < 0:  # an escape or entity changed it: leave it out, to be safe
                continue
            block.cursor = at + len(child.content)
            if child.type == "text" and not in_url:
                found.append(range(at, block.cursor))
        elif child.type == "image":  # its source is `![alt](…)`, alt text and all
            at = text.find("![", block.cursor)
            close = text.find("]", at + 2) if at >= 0 else -1
            if close >= 0:
                block.cursor = _past_destination(text, close)
        elif child.markup in ("autolink", "linkify"):
            in_url = child.type == "link_open"
        elif child.type == "link_close":
            block.cursor = _past_destination(text, block.cursor)
    return found


def _past_destination(text: str, at: int) -> int:
    """Where a link's `](url "title")` that starts at `at` ends; past the `]` alone when no
    destination follows it (`[text][ref]`)."""
    if not text.startswith("](", at):
        return at + 1 if text.startswith("]", at) else at
    depth, i = 0, at + 2
    while i < len(text):
        char = text[i]
        if char == "\\":
            i += 2
            continue
        if char == "(":
            depth += 1
        elif char == ")":
            if depth == 0:
                return i + 1
            depth -= 1
        i += 1
    return len(text)


# --- headings ------------------------------------------------------------------------------


def _heading_close(label: str) -> Any:
    """Ends an h2–h4 that has an id with a link to itself, for sharing a section's address."""

    def render(
        self: RendererHTML,
        tokens: Sequence[Token],
        idx: int,
        options: OptionsDict,
        env: dict[str, Any],
    ) -> str:
        opening = tokens[idx - 2] if idx >= 2 else None
        heading_id = opening.attrGet("id") if opening is not None else None
        if tokens[idx].tag not in _ANCHORED or not heading_id:
            return f"</{tokens[idx].tag}>\n"
        href = escape("#" + str(heading_id))
        return (
            f'<a class="anchor" href="{href}" aria-label="{label}" data-pagefind-ignore>#</a>'
            f"</{tokens[idx].tag}>\n"
        )

    return render


# --- code, images, admonitions ------------------------------------------------------------


def parse_fence_info(info: str) -> tuple[str, dict[str, str]]:
    """```` ```python title="a.py" linenos hl_lines="2-4" ```` → ("python", {...}); never fails.

    Escapes and entities are decoded, as CommonMark says of info strings:
    ```` ``` f&ouml;&ouml; ```` is the language `föö`."""
    try:
        words = shlex.split(info)
    except ValueError:
        words = info.split()
    words = [unescapeAll(word) for word in words]
    if not words:
        return "", {}
    attrs: dict[str, str] = {}
    for word in words[1:]:
        key, _, value = word.partition("=")
        attrs[key.strip("{}")] = value
    return words[0].strip("{}"), attrs


def parse_line_set(spec: str, limit: int) -> frozenset[int]:
    """`"2-4 7"` or `"2-4,7"` → {2, 3, 4, 7}, within 1..limit; malformed parts are skipped."""
    numbers: set[int] = set()
    for part in re.split(r"[\s,]+", spec.strip()):
        first, dash, last = part.partition("-")
        if first.isdigit() and (last.isdigit() or not dash):
            numbers.update(range(max(int(first), 1), min(int(last or first), limit) + 1))
    return frozenset(numbers)


def _render_fence(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: dict[str, Any]
) -> str:
    token = tokens[idx]
    lang, attrs = parse_fence_info(token.info)
    outcome = token.meta.get("outcome")
    mode = token.meta.get("mode")
    code = highlight_block(
        token.content,
        lang,
        title=attrs.get("title") or None,
        linenos="linenos" in attrs,
        hl_lines=parse_line_set(attrs.get("hl_lines", ""), token.content.count("\n") + 1),
    )
    if mode is None:
        return code
    shown = "" if mode == "hide" else code
    if outcome is None:
        return shown
    examples = token.meta.get("examples", 0)
    return shown + _output_html(outcome, mode, env.get("language", "en"), examples)


_OUTPUT_LABELS = {
    "en": {
        "output": "Output",
        "error": "Error",
        "skipped": "Not run: an earlier block failed",
        "missing": "Not run: {tool} is not installed where this page was built",
        "passed": "✓ Run when the site was built: {count} example{s}, every output as shown",
    },
    "zh": {
        "output": "输出",
        "error": "出错",
        "skipped": "未运行：前面的代码块出错",
        "missing": "未运行：构建本页的机器上没有 {tool}",
        "passed": "✓ 构建时已运行：{count} 个例子，输出与上面所写一致",
    },
}


def _output_html(outcome: Outcome, mode: str, language: str, examples: int = 0) -> str:
    """A block's output under it, styled as output, not code; a failure always shows, and
    a doctest's `examples` that all matched say so."""
    labels = _OUTPUT_LABELS[language]
    if outcome.missing is not None:
        note = labels["missing"].format(tool=escape(outcome.missing))
        return f'<div class="code-output code-skipped">{note}</div>\n'
    if outcome.skipped:
        return f'<div class="code-output code-skipped">{labels["skipped"]}</div>\n'
    if outcome.error is not None:
        text = (outcome.output + outcome.error).rstrip("\n")
        kind, label = "code-output code-failed", labels["error"]
    elif mode == "run" and examples and not outcome.output:
        note = labels["passed"].format(count=examples, s="s" if examples > 1 else "")
        return f'<div class="code-output code-passed">{note}</div>\n'
    elif mode == "run" and outcome.output:
        text, kind, label = outcome.output.rstrip("\n"), "code-output", labels["output"]
    else:
        return ""
    return (
        f'<figure class="{kind}"><figcaption>{label}</figcaption>'
        # It scrolls sideways on a phone: the keyboard must be able to reach it.
        f'<pre tabindex="0"><samp>{escape(text)}</samp></pre></figure>\n'
    )


# Runs a post's blocks: (digest of all they depend on, their outcomes). Given by the
# build, which knows the post's folder and keeps earlier outcomes.
Runner = Callable[[tuple[Block, ...]], tuple[str, tuple[Outcome, ...]]]


def _run_blocks(
    tokens: Sequence[Token], env: dict[str, Any], path: str, first_line: int, run: Runner | None
) -> tuple[str, tuple[Outcome, ...]] | None:
    """Run the body's runnable blocks (` ```python run `, `hide`, `check`) with `run`, put
    each outcome on its token for the renderer, and report failures at their lines."""
    found: list[tuple[Token, Block]] = []
    for token in tokens:
        if token.type != "fence" or not token.map:
            continue
        lang, attrs = parse_fence_info(token.info)
        mode = next((m for m in MODES if m in attrs), None)
        language = LANGUAGES.get(lang.lower())
        if mode is None or language is None:
            continue
        token.meta["mode"] = mode
        line = first_line + token.map[0] + 1
        doctest = lang.lower() == "pycon"
        found.append((token, Block(token.content, path, line, mode, doctest, language)))
        if doctest:  # a passing doctest says so: its expected output is already shown
            token.meta["examples"] = len(re.findall(r"^\s*>>> ", token.content, re.MULTILINE))
    if not found or run is None:
        return None
    digest, outcomes = run(tuple(block for _, block in found))
    for (token, block), outcome in zip(found, outcomes, strict=True):
        token.meta["outcome"] = outcome
        if outcome.missing is not None:
            message = (
                f"{outcome.missing} is not installed, so this block was not run; install it"
                f" (`apt-get install {outcome.missing}`) or drop `{block.mode}`"
            )
            env["diagnostics"].append(Diagnostic(path, block.line, message))
        elif outcome.error is not None:
            # A timeout's error says only that ("timed out after 10 s"); a traceback ends
            # with the exception, which is what the terminal needs.
            last = outcome.summary or outcome.error.strip().splitlines()[-1]
            message = f"code block {outcome.error}" if outcome.timed_out else last
            missing = re.fullmatch(r"ModuleNotFoundError: No module named '([\w.]+)'", message)
            if missing:
                name = missing.group(1).split(".")[0]
                message += f"; install it where blogsite runs (`pip install {name}`)"
            env["diagnostics"].append(Diagnostic(path, outcome.line or block.line, message))
    return digest, outcomes


def _render_image(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: dict[str, Any]
) -> str:
    """An image with its size (so the page does not jump as it loads); a lone one is a
    figure with its title or alt text as caption, linked to the full-size file."""
    token = tokens[idx]
    token.attrSet("loading", "lazy")
    token.attrSet("decoding", "async")
    src = str(token.attrGet("src") or "")
    info = env.get("images", {}).get(unquote(src).removeprefix("./"))
    if info is not None:
        token.attrSet("width", str(info.width))
        token.attrSet("height", str(info.height))
        if src.lower().endswith(".svg") and not info.dark_aware:
            token.attrSet("class", "diagram")  # the theme adapts it to dark mode
    html = self.image(tokens, idx, options, env)  # type: ignore[attr-defined]
    if not token.meta.get("figure"):
        return str(html)
    caption = str(
        token.attrGet("title") or self.renderInlineAsText(token.children or [], options, env)
    )
    figcaption = f"<figcaption>{escape(caption)}</figcaption>" if caption.strip() else ""
    return f'<figure><a class="figure-link" href="{escape(src)}">{html}</a>{figcaption}</figure>\n'


def _render_table_open(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: dict[str, Any]
) -> str:
    """A table scrolls sideways on a phone: the keyboard must be able to reach it."""
    tokens[idx].attrSet("tabindex", "0")
    return str(self.renderToken(tokens, idx, options, env))


def _lone_images(state: StateCore) -> None:
    """A core rule: a paragraph holding nothing but one image becomes that image's figure."""
    tokens = state.tokens
    for i in range(len(tokens) - 2):
        if tokens[i].type != "paragraph_open" or tokens[i + 2].type != "paragraph_close":
            continue
        children = [
            child
            for child in tokens[i + 1].children or []
            if not (child.type == "text" and not child.content.strip())
            and child.type not in ("softbreak", "hardbreak")
        ]
        if len(children) == 1 and children[0].type == "image" and tokens[i].level == 0:
            children[0].meta["figure"] = True
            tokens[i].hidden = tokens[i + 2].hidden = True


def _admonition_renderer(name: str, default_title: str) -> Any:
    def render(
        self: RendererHTML,
        tokens: Sequence[Token],
        idx: int,
        options: OptionsDict,
        env: dict[str, Any],
    ) -> str:
        token = tokens[idx]
        if token.nesting == -1:
            return "</aside>\n"
        title = token.info.strip()[len(name) :].strip() or default_title
        return (
            f'<aside class="admonition {name}">\n<p class="admonition-title">{escape(title)}</p>\n'
        )

    return render


# --- summaries and counts -----------------------------------------------------------------


def _more_index(tokens: Sequence[Token]) -> int | None:
    for i, token in enumerate(tokens):
        if token.type == "html_block" and token.level == 0 and token.content.strip() == MORE_MARKER:
            return i
    return None


def _inline_html(md: MarkdownIt, children: Sequence[Token], env: dict[str, Any]) -> str:
    return md.renderer.renderInline(children, md.options, env)


def _plain(children: Sequence[Token]) -> list[Token]:
    """Inline tokens without links, images and footnote marks: for contents entries."""
    dropped = ("link_open", "link_close", "image", "footnote_ref", "equation_ref")
    return [child for child in children if child.type not in dropped]


def _excerpt_html(md: MarkdownIt, tokens: Sequence[Token], env: dict[str, Any]) -> str | None:
    """What stands before `<!--more-->`, fit to stand among other posts' excerpts.

    Heading ids and footnote marks are dropped: on an index page they would repeat or
    point at notes that are not there; relative links and images are resolved against the
    post's URL. Runs after the body is rendered: it edits tokens.
    """
    more = _more_index(tokens)
    if more is None:
        return None
    for token in tokens[:more]:
        if token.type == "heading_open" and token.attrs:
            token.attrs.pop("id", None)
        if token.children:
            token.children = [c for c in token.children if c.type != "footnote_ref"]
    html = md.renderer.render(tokens[:more], md.options, env)
    # Raw HTML opened above the marker and closed below it would swallow the index page.
    if not html.strip() or not is_balanced(html):
        return None
    return absolutize(html, env["url"])  # raw HTML's links and images too


_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
)


class _TagBalance(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.broken = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _VOID:
            self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        pass  # `<br />`, and MathML's self-closed elements

    def handle_endtag(self, tag: str) -> None:
        if self.open and self.open[-1] == tag:
            self.open.pop()
        elif tag not in _VOID:
            self.broken = True


def is_balanced(html: str) -> bool:
    """Whether every element opened in `html` is closed in it, in order."""
    checker = _TagBalance()
    checker.feed(html)
    checker.close()
    return not checker.broken and not checker.open


def _summary_paragraphs(
    md: MarkdownIt, tokens: Sequence[Token], env: dict[str, Any]
) -> list[list[Piece]]:
    """The prose of the body as pieces: paragraphs only, no code blocks, images or headings."""
    paragraphs: list[list[Piece]] = []
    for i, token in enumerate(tokens):
        if token.type != "inline" or i == 0 or tokens[i - 1].type != "paragraph_open":
            continue
        pieces: list[Piece] = []
        for child in token.children or []:
            if child.type == "text":
                pieces.append(Piece("text", child.content))
            elif child.type == "code_inline":
                pieces.append(Piece("code", child.content))
            elif child.type in ("softbreak", "hardbreak"):
                previous = pieces[-1].value[-1:] if pieces else ""
                pieces.append(Piece("text", "" if is_cjk(previous) else " "))
            elif child.type in _MATH_TYPES:
                # A diagnostic for this formula was already recorded by the body's render.
                html = _render_math_token(md.renderer, [child], 0, md.options, {})  # type: ignore[arg-type]
                pieces.append(Piece("html", html))
            elif child.type == "equation_ref":
                html = _render_equation_ref(md.renderer, [child], 0, md.options, {})  # type: ignore[arg-type]
                pieces.append(Piece("html", html))
        if any(piece.value.strip() for piece in pieces):
            paragraphs.append(pieces)
    return paragraphs


def _count_prose(tokens: Sequence[Token]) -> tuple[int, int]:
    """CJK characters and Latin words of the prose; code blocks are not read, formulas count one."""
    han = words = 0
    for token in tokens:
        for child in token.children or []:
            if child.type == "text":
                h, w = count_units(child.content)
                han, words = han + h, words + w
            elif child.type in _MATH_TYPES:
                words += 1
        if token.type in ("math_block", "amsmath"):
            words += 1
    return han, words
