// Copy formulas as TeX: a selection copied from the page puts each formula's source on the
// clipboard ($…$ inline, $$…$$ on lines of its own) in place of its MathML text, as
// KaTeX's copy-tex does. Progressive enhancement: without JavaScript, MathML is copied.
(function () {
  "use strict";
  var BLOCKS = /^(P|DIV|LI|H[1-6]|PRE|BLOCKQUOTE|TR|FIGURE|TABLE|UL|OL|SECTION|ARTICLE)$/;

  function formulaAround(node) {
    var element = node && (node.nodeType === 1 ? node : node.parentElement);
    return element && element.closest ? element.closest("[data-tex]") : null;
  }

  // The fragment's text with paragraphs kept apart, and each formula as its TeX.
  function plainText(node) {
    if (node.nodeType === 3) return node.nodeValue;
    if (node.nodeType !== 1 && node.nodeType !== 11) return "";
    if (node.nodeType === 1 && node.hasAttribute("data-tex")) {
      var tex = node.getAttribute("data-tex");
      return tex.slice(0, 2) === "$$" ? "\n" + tex + "\n" : tex;
    }
    var text = "";
    for (var child = node.firstChild; child; child = child.nextSibling) text += plainText(child);
    return node.nodeType === 1 && BLOCKS.test(node.tagName) ? text + "\n" : text;
  }

  document.addEventListener("copy", function (event) {
    var selection = window.getSelection();
    if (!selection || selection.isCollapsed || !selection.rangeCount || !event.clipboardData) return;
    var range = selection.getRangeAt(0).cloneRange();
    // A selection that starts or ends inside a formula takes the whole formula.
    var first = formulaAround(range.startContainer);
    var last = formulaAround(range.endContainer);
    if (first) range.setStartBefore(first);
    if (last) range.setEndAfter(last);
    var fragment = range.cloneContents();
    if (!fragment.querySelector("[data-tex]")) return;
    var holder = document.createElement("div");
    holder.appendChild(fragment.cloneNode(true));
    var text = plainText(fragment).replace(/\n{3,}/g, "\n\n").replace(/^\n+|\n+$/g, "");
    event.clipboardData.setData("text/plain", text);
    event.clipboardData.setData("text/html", holder.innerHTML);
    event.preventDefault();
  });
})();
