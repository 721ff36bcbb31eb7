// The light/dark switch. Without a choice the system's setting rules; a choice is kept
// in localStorage and applied before the first paint by the line in <head>.
(function () {
  "use strict";
  var button = document.querySelector(".theme-toggle");
  if (!button) return;
  var root = document.documentElement;
  var system = window.matchMedia("(prefers-color-scheme: dark)");
  function current() {
    return root.dataset.theme || (system.matches ? "dark" : "light");
  }
  function show() {
    button.setAttribute("aria-pressed", current() === "dark" ? "true" : "false");
  }
  show();
  button.addEventListener("click", function () {
    var next = current() === "dark" ? "light" : "dark";
    var systemTheme = system.matches ? "dark" : "light";
    try {
      // Choosing what the system says anyway means: follow the system again.
      if (next === systemTheme) localStorage.removeItem("blogsite-theme");
      else localStorage.setItem("blogsite-theme", next);
    } catch (e) { /* storage may be off: the switch still works for this page */ }
    if (next === systemTheme) delete root.dataset.theme;
    else root.dataset.theme = next;
    show();
  });
  system.addEventListener("change", show);
})();
