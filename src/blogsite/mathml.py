"""math-core: LaTeX to MathML Core at build time."""

from __future__ import annotations

import functools
import re
from typing import Any

import math_core

_POSITION = re.compile(r"^(\d+):\s*(.*)$", re.DOTALL)


class MathError(ValueError):
    """TeX that math-core refuses; `offset` is where in the formula, when known."""

    def __init__(self, message: str, offset: int | None) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


@functools.cache
def _converter(macros: tuple[tuple[str, str], ...] = ()) -> math_core.LatexToMathML:
    # One converter per process and set of site macros: cheap to make, but no reason to repeat.
    return math_core.LatexToMathML(**_OPTIONS, macros=dict(macros))


# `\widetilde`, `\widecheck` and `\utilde` are on: in Chromium their accent keeps its
# natural width instead of stretching over a long base (measured: about a third of `xyz`),
# which still reads right over one letter, where they are mostly written; an error in
# their place would show the TeX instead.
_OPTIONS: dict[str, Any] = {"fancy_error": False, "allow_unreliable_rendering": True}
# What math-core lacks, said in what it has: `split` lays out as `aligned` does inside a
# numbered equation, and `\mathds` (dsfont) is double-struck like `\mathbb`.
_REWRITES = (
    ("\\begin{split}", "\\begin{aligned}"),
    ("\\end{split}", "\\end{aligned}"),
    ("\\mathds{", "\\mathbb{"),
)
_SUBSTACK = "\\substack{"


def rewrite(tex: str, display: bool = False) -> str:
    r"""`tex` with the few commands math-core lacks said in ones it has; `\substack{a\\b}`
    becomes a centred `subarray`. A display formula outside any environment that has a
    `\tag` becomes an `equation*` with that tag, and one with a `\label` an `equation`, so
    that it is numbered and its label can be referred to."""
    if "\\" not in tex:
        return tex
    if display and "\\begin{" not in tex:
        if "\\tag{" in tex:
            tex = f"\\begin{{equation*}}{tex}\\end{{equation*}}"
        elif "\\label{" in tex:
            tex = f"\\begin{{equation}}{tex}\\end{{equation}}"
    for old, new in _REWRITES:
        tex = tex.replace(old, new)
    start = tex.find(_SUBSTACK)
    while start >= 0:
        depth, end = 1, start + len(_SUBSTACK)
        while end < len(tex) and depth:
            depth += {"{": 1, "}": -1}.get(tex[end], 0)
            end += 1 if tex[end] != "\\" else 2
        if depth:
            break  # unbalanced: math-core names the problem
        inner = tex[start + len(_SUBSTACK) : end - 1]
        replacement = f"\\begin{{subarray}}{{c}}{inner}\\end{{subarray}}"
        tex = tex[:start] + replacement + tex[end:]
        start = tex.find(_SUBSTACK, start + len(replacement))
    return tex


# A pure function of its arguments, asked for the same formula again and again: by the
# excerpt, the summary and the contents of a post, by the line-breaking of inline formulas
# (a formula, then its pieces), and by every post that writes `$x$`.
@functools.lru_cache(maxsize=8192)
def render_math(tex: str, display: bool, macros: tuple[tuple[str, str], ...] = ()) -> str:
    """MathML for `tex`; raises `MathError` with math-core's message on bad input."""
    latex = rewrite(tex, display)
    try:
        return _converter(macros).convert_with_local_state(latex, displaystyle=display)
    except math_core.LatexError as exc:
        error = _error(exc, tex, latex)
    if latex != rewrite(tex):
        # The author's own mistake reads better without the environment put around it.
        try:
            _converter(macros).convert_with_local_state(rewrite(tex), displaystyle=display)
        except math_core.LatexError as exc:
            error = _error(exc, tex, rewrite(tex))
    raise error


def _error(exc: math_core.LatexError, tex: str, latex: str) -> MathError:
    text = str(exc).strip()
    match = _POSITION.match(text)
    if match:
        return MathError(match.group(2).strip(), _original_offset(tex, latex, int(match.group(1))))
    return MathError(text, None)


def _original_offset(tex: str, latex: str, offset: int) -> int:
    """Where an error at `offset` of the rewritten `latex` stands in the author's `tex`:
    past an `equation` put around it, and never past its end."""
    if latex.endswith(tex) or not latex.startswith("\\begin{equation"):
        return min(offset, len(tex))
    opening = latex.index("}") + 1
    return max(0, min(offset - opening, len(tex)))


# A batch's error names the snippet: `input3:12: message`.
_BATCH_POSITION = re.compile(r"^input(\d+):(\d+):\s*(.*)$", re.DOTALL)


def render_batch(
    snippets: list[tuple[str, bool]], id_prefix: str, macros: tuple[tuple[str, str], ...] = ()
) -> list[str | MathError]:
    r"""A whole post's formulas at once, in document order, so that numbered environments
    count through the post, `\eqref` finds labels before or after it, a `\newcommand`
    holds to the end of the post, and every id starts with `id_prefix`. A formula that
    fails gets its `MathError` in its place, and the others are converted without it."""
    converter = math_core.LatexToMathML(
        **_OPTIONS, id_prefix=id_prefix, global_group=True, macros=dict(macros)
    )
    # math-core knows `\eqref` only: a `\ref` is converted as one, then shown bare.
    bare = [set(_REF.findall(tex)) for tex, _ in snippets]
    todo = [(_REF.sub(r"\\eqref{\1}", rewrite(tex, display)), display) for tex, display in snippets]
    failed: dict[int, MathError] = {}
    while True:
        try:
            done = converter.convert_all(todo)
        except math_core.LatexError as exc:
            match = _BATCH_POSITION.match(str(exc).strip())
            index = int(match.group(1)) if match else -1
            if not 0 <= index < len(todo) or index in failed:
                # Not told which formula: each on its own says which fail.
                return [_alone(tex, display, macros) for tex, display in snippets]
            assert match is not None
            offset = _original_offset(snippets[index][0], todo[index][0], int(match.group(2)))
            failed[index] = MathError(match.group(3).strip(), offset)
            todo[index] = ("", todo[index][1])  # converted without it, to go on numbering
            continue
        return [
            failed.get(i, _bare_numbers(html, bare[i], id_prefix)) for i, html in enumerate(done)
        ]


_REF = re.compile(r"\\ref\{([^{}]*)\}")


def _bare_numbers(html: str, labels: set[str], id_prefix: str) -> str:
    """The links to `labels` in `html` showing `2` instead of `(2)`."""
    for label in labels:
        html = re.sub(
            f'(<a href="#{re.escape(id_prefix + label)}">)\\(([^<]*)\\)(</a>)', r"\1\2\3", html
        )
    return html


def _alone(tex: str, display: bool, macros: tuple[tuple[str, str], ...]) -> str | MathError:
    try:
        return render_math(tex, display, macros)
    except MathError as exc:
        return exc


# --- line breaks inside inline formulas ------------------------------------------------------
# A browser never breaks inside one <math>. Like TeX in a paragraph, allow a break after a
# relation or binary operator (or a comma) at the formula's top level, by converting the
# pieces between break points separately: sibling <math> elements wrap like words.

_RELATIONS = frozenset(
    {
        r"=",
        r"<",
        r">",
        r"\le",
        r"\leq",
        r"\ge",
        r"\geq",
        r"\ne",
        r"\neq",
        r"\approx",
        r"\equiv",
        r"\sim",
        r"\simeq",
        r"\cong",
        r"\propto",
        r"\to",
        r"\rightarrow",
        r"\leftarrow",
        r"\Rightarrow",
        r"\Leftarrow",
        r"\iff",
        r"\implies",
        r"\mapsto",
        r"\in",
        r"\notin",
        r"\subset",
        r"\subseteq",
        r"\supset",
        r"\supseteq",
        r"\ll",
        r"\gg",
        r"\coloneqq",
    }
)
_BINARY = frozenset(
    {
        r"+",
        r"-",
        r"\cdot",
        r"\times",
        r"\pm",
        r"\mp",
        r"\oplus",
        r"\otimes",
        r"\cup",
        r"\cap",
        r"\circ",
        r"\ast",
    }
)
# The space TeX puts after each, which math-core drops when the operator ends a formula.
_SPACE_AFTER = {"relation": "0.2778em", "binary": "0.2222em", "comma": "0.1667em"}
_COMMAND = re.compile(r"\\([A-Za-z]+|.)")
# What an operand ends with: an operator after one of these is binary, not a sign.
_OPERAND_END = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789})]|!'")
_LAST_MO = re.compile(r"<mo\b[^>]*>([^<]*)</mo>(</math>)$")
# Formulas shorter than this never overflow a line by themselves.
SPLIT_FROM = 24


def break_points(tex: str) -> list[tuple[int, str]]:
    """(offset just after the operator, its kind) for each place a line may break."""
    points: list[tuple[int, str]] = []
    depth = 0  # braces, \left…\right and \begin…\end together
    i = 0
    while i < len(tex):
        char = tex[i]
        if char == "\\":
            match = _COMMAND.match(tex, i)
            name = match.group(0) if match else "\\"
            end = i + len(name)
            if name in (r"\left", r"\begin"):
                depth += 1
            elif name in (r"\right", r"\end"):
                depth -= 1
            elif depth == 0 and name in _RELATIONS:
                points.append((end, "relation"))
            elif depth == 0 and name in _BINARY and _after_operand(tex, i):
                points.append((end, "binary"))
            i = end
            continue
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif depth == 0 and char in "=<>":
            points.append((i + 1, "relation"))
        elif depth == 0 and char in "+-" and _after_operand(tex, i):
            # Binary, not a sign: `a - b`, never `= -b`, `(-1` or `^-`.
            points.append((i + 1, "binary"))
        elif depth == 0 and char == ",":
            points.append((i + 1, "comma"))
        i += 1
    if depth != 0:
        return []  # unbalanced: convert it whole, and let math-core report the problem
    last = len(tex.rstrip())  # a break needs something after it
    return [(at, kind) for at, kind in points if at < last]


def _after_operand(tex: str, i: int) -> bool:
    """Whether the last character before `i`, spaces aside, ends an operand. Looks back
    only over the spaces, so a formula of any length is read in linear time."""
    j = i - 1
    while j >= 0 and tex[j].isspace():
        j -= 1
    return j >= 0 and tex[j] in _OPERAND_END


def render_inline_pieces(tex: str, macros: tuple[tuple[str, str], ...] = ()) -> list[str]:
    """An inline formula as one or more sibling `<math>` elements, wrappable between them."""
    points = break_points(tex) if len(tex) >= SPLIT_FROM else []
    if not points:
        return [render_math(tex, False, macros)]
    pieces, start = [], 0
    for at, kind in points:
        html = render_math(tex[start:at].strip(), False, macros)
        # Give the operator that now ends a formula its usual space after it (and a binary
        # operator its space before it), so the pieces set exactly like the whole.
        space = _SPACE_AFTER[kind]
        before = f' lspace="{space}"' if kind == "binary" else ""
        html = _LAST_MO.sub(
            lambda m, before=before, space=space: (
                f'<mo{before} rspace="{space}">{m.group(1)}</mo>{m.group(2)}'
            ),
            html,
        )
        pieces.append(html)
        start = at
    pieces.append(render_math(tex[start:].strip(), False, macros))
    return pieces
