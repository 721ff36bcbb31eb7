"""math-core: LaTeX to MathML Core at build time."""

from __future__ import annotations

import functools
import re

import math_core

_POSITION = re.compile(r"^(\d+):\s*(.*)$", re.DOTALL)


class MathError(ValueError):
    """TeX that math-core refuses; `offset` is where in the formula, when known."""

    def __init__(self, message: str, offset: int | None) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


@functools.cache
def _converter() -> math_core.LatexToMathML:
    # One converter per process: creating it is cheap, but there is no reason to repeat it.
    return math_core.LatexToMathML(fancy_error=False)


def render_math(tex: str, display: bool) -> str:
    """MathML for `tex`; raises `MathError` with math-core's message on bad input."""
    try:
        return _converter().convert_with_local_state(tex, displaystyle=display)
    except math_core.LatexError as exc:
        text = str(exc).strip()
        match = _POSITION.match(text)
        if match:
            raise MathError(match.group(2).strip(), int(match.group(1))) from None
        raise MathError(text, None) from None
