"""Measurements of laid-out pages in Chromium, shared by the layout tests and the bench."""

from __future__ import annotations

from playwright.sync_api import Page

CLOSING = "，。、；：！？）」』】》〉”’"
OPENING = "（「『【《〈“‘"

# Walks a post's prose in document order as boxes: each character of text (one Range per
# character) and each formula as a whole. A box starts a line when it sits wholly below
# the box before it. Code blocks are skipped: they do not wrap.
_LINE_EDGES = """
([closing, opening]) => {
  const root = document.querySelector("article .content");
  const boxes = [];
  const walk = (node) => {
    if (node.nodeType === Node.ELEMENT_NODE) {
      const name = node.localName;
      if (name === "pre" || name === "script" || name === "style") return;
      if (name === "math") {
        const r = node.getBoundingClientRect();
        if (r.width > 0) boxes.push({char: "∑", top: r.top, bottom: r.bottom});
        return;
      }
      for (const child of node.childNodes) walk(child);
      return;
    }
    if (node.nodeType !== Node.TEXT_NODE) return;
    const text = node.data;
    for (let i = 0; i < text.length; i++) {
      if (/\\s/.test(text[i])) continue;
      const range = document.createRange();
      range.setStart(node, i);
      range.setEnd(node, i + 1);
      const r = range.getBoundingClientRect();
      if (r.width > 0) boxes.push({char: text[i], top: r.top, bottom: r.bottom});
    }
  };
  if (root) walk(root);
  const starts = [], ends = [];
  for (let i = 1; i < boxes.length; i++) {
    const before = boxes[i - 1], box = boxes[i];
    if (box.top >= before.bottom - 1) {  // a new line begins with `box`
      if (closing.includes(box.char)) starts.push(box.char);
      if (opening.includes(before.char)) ends.push(before.char);
    }
  }
  return {starts, ends, boxes: boxes.length};
}
"""


def punctuation_at_line_edges(page: Page) -> dict[str, list[str]]:
    """Closing punctuation that begins a line, and opening punctuation that ends one."""
    return page.evaluate(_LINE_EDGES, [CLOSING, OPENING])


def overflow(page: Page) -> int:
    """How many CSS pixels the page is wider than the viewport (0 when it fits)."""
    return page.evaluate(
        "Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
        " - document.documentElement.clientWidth"
    )
