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


# Every element that holds text of its own: its text colour (with the opacity of it and
# its ancestors) against the colour behind it (backgrounds composited up the tree).
_CONTRASTS = """
(root) => {
  const parse = (c) => {
    const m = c.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return [0, 0, 0, 0];
    const p = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const over = (top, bottom) => {
    const a = top[3] + bottom[3] * (1 - top[3]);
    if (a === 0) return [0, 0, 0, 0];
    const mix = (i) => (top[i] * top[3] + bottom[i] * bottom[3] * (1 - top[3])) / a;
    return [mix(0), mix(1), mix(2), a];
  };
  const behind = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      layers.push(parse(getComputedStyle(e).backgroundColor));
    }
    let colour = [255, 255, 255, 1];  // the canvas under everything
    const root = parse(getComputedStyle(document.documentElement).backgroundColor);
    if (root[3] > 0) colour = over(root, colour);
    for (let i = layers.length - 1; i >= 0; i--) colour = over(layers[i], colour);
    return colour;
  };
  const luminance = (c) => {
    const linear = (v) => (v /= 255, v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
    const [r, g, b] = c.slice(0, 3).map(linear);
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const found = [];
  for (const el of document.querySelectorAll(root)) {
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.data.trim());
    const style = getComputedStyle(el);
    const pseudo = getComputedStyle(el, "::before").content;
    const hasPseudo = pseudo && pseudo !== "none" && pseudo !== "normal" && pseudo !== '""';
    if ((!own && !hasPseudo) || style.visibility === "hidden" || style.display === "none") continue;
    if (el.closest("math, svg, .pagefind-ui")) continue;
    const rect = el.getBoundingClientRect();
    if (rect.width === 0 || rect.height === 0) continue;
    let opacity = 1;
    for (let e = el; e; e = e.parentElement) opacity *= Number(getComputedStyle(e).opacity);
    if (opacity === 0) continue;  // not shown (a section link until hovered)
    const bg = behind(el);
    const check = (colourText, label) => {
      let fg = parse(colourText);
      fg = over([fg[0], fg[1], fg[2], fg[3] * opacity], bg);
      const [a, b] = [luminance(fg), luminance(bg)].sort((x, y) => y - x);
      found.push({where: label, ratio: (a + 0.05) / (b + 0.05)});
    };
    const classes = typeof el.className === "string" && el.className ? el.className : "";
    const name = el.localName + (classes ? "." + classes.split(" ").join(".") : "");
    if (own) check(style.color, name);
    if (hasPseudo) {
      const before = getComputedStyle(el, "::before");
      let pseudoOpacity = Number(before.opacity);
      const saved = opacity; opacity *= pseudoOpacity;
      check(before.color, name + "::before");
      opacity = saved;
    }
  }
  return found;
}
"""


def low_contrast(page: Page, selector: str = "body *", minimum: float = 4.5) -> dict[str, float]:
    """Text whose contrast with what is behind it is below `minimum`, worst ratio each."""
    worst: dict[str, float] = {}
    for item in page.evaluate(_CONTRASTS, selector):
        if item["ratio"] < minimum:
            worst[item["where"]] = round(min(item["ratio"], worst.get(item["where"], 99)), 2)
    return worst
