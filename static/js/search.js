// The search page: Pagefind's own interface over the index the build wrote into pagefind/.
// The header's search box is a plain form that brings its words here as ?q=.
(function () {
  "use strict";
  var box = document.getElementById("search");
  if (!box) return;
  if (typeof PagefindUI === "undefined") {
    // pagefind/ is missing: a build with --no-search, or one where Pagefind could not run.
    box.textContent = box.dataset.noIndex;
    return;
  }
  var ui = new PagefindUI({
    element: "#search",
    bundlePath: box.dataset.bundle,
    showSubResults: true,
    resetStyles: false,
  });
  var query = new URLSearchParams(window.location.search).get("q");
  if (query) ui.triggerSearch(query);
  var field = box.querySelector("input");
  if (field) field.focus();
})();
