"""The CommonMark spec's examples, and GFM's for the extensions blogsite turns on, render
as the specs say; Markdown without math renders as plain markdown-it renders it."""

from __future__ import annotations

from dataclasses import replace

import pytest
from commonmark_spec import Example, examples, normalize
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from markup_helpers import SETTINGS, render
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.tasklists import tasklists_plugin

# Examples whose output blogsite changes on purpose: its math delimiters (`$…$`, `$$…$$`,
# `\(…\)`, `\[…\]` on lines of their own). Example number → why. None of the 652
# examples of CommonMark 0.31.2 falls under them today; a new one must be listed here.
DEVIATIONS: dict[int, str] = {}

COMMONMARK = examples("spec-0.31.2.txt")
# GFM runs its CommonMark examples without its autolink extension, whose bare URLs would
# contradict examples 611 and 612 ("https://example.com" stays text); so do these tests.
PLAIN = replace(SETTINGS, linkify=False)
# The extensions blogsite turns on: tables, strikethrough, task lists ("disabled" in
# GFM's file, which its own runner skips), bare URLs. Not the tag filter: raw HTML is
# the author's, and is published as written.
GFM = [e for e in examples("gfm-extensions-0.29.txt") if e.extension != "tagfilter"]


def test_the_spec_files_are_whole() -> None:
    assert len(COMMONMARK) == 652
    assert {e.extension for e in GFM} == {"table", "strikethrough", "disabled", "autolink"}
    assert len(GFM) == 23


@pytest.mark.parametrize("example", COMMONMARK, ids=lambda e: f"{e.number}-{e.section}")
def test_commonmark_example(example: Example) -> None:
    got = normalize(render(example.markdown, PLAIN).html)
    if example.number in DEVIATIONS:
        assert got != normalize(example.html), "no longer deviates: drop it from DEVIATIONS"
        return
    assert got == normalize(example.html), example.markdown


@pytest.mark.parametrize("example", GFM, ids=lambda e: f"{e.number}-{e.extension}")
def test_gfm_extension_example(example: Example) -> None:
    assert normalize(render(example.markdown).html) == normalize(example.html), example.markdown


# --- the same as plain markdown-it, wherever there is no math -----------------------------


def plain_markdown_it() -> MarkdownIt:
    """markdown-it with the preset and plugins blogsite uses, and none of its own rules."""
    md = MarkdownIt("commonmark", {"html": True, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.use(footnote_plugin)
    md.use(tasklists_plugin)
    return md


PLAIN_MD = plain_markdown_it()
_FRAGMENTS = [
    "中文句子，",
    "English words ",
    "**粗体**",
    "*强调*",
    "`代码`",
    "[链接](/a/)",
    "![图](/i.png)",
    "<span>原始</span>",
    "~~删除~~",
    "&amp;",
    "\\*",
    "\\(",  # escapes: `\(` with no `\)` is no formula
    "（全角）",
    "“引号”",
    "-",
    "_",
    "#",
    "\n",
    "\n\n",
    "\n\n- ",
    "\n\n1. ",
    "\n\n> ",
    "\n\n## ",
    "\n\n    ",
    "\n\n```\n",
    "\n\n| a | b |\n|---|---|\n| ",
]


@settings(
    max_examples=300, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck)
)
@given(st.lists(st.sampled_from(_FRAGMENTS), max_size=14).map("".join))
def test_without_math_blogsite_renders_as_markdown_it(markdown: str) -> None:
    # No fragment holds `$`, `\[` or `\)`, so nothing is math; blogsite's own rules
    # (figures, heading anchors, code-block figures) may then only present differently.
    ours = normalize(render(markdown, PLAIN).html)
    assert ours == normalize(PLAIN_MD.render(markdown)), markdown
