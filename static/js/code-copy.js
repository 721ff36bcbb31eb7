// Adds a "copy" button to each code block. Progressive enhancement: without JavaScript the
// code is still there and selectable; line numbers are CSS counters, so they are never copied.
(function () {
  "use strict";
  var script = document.currentScript;
  var label = (script && script.dataset.copy) || "Copy";
  var done = (script && script.dataset.copied) || "Copied";
  if (!navigator.clipboard) return;
  document.querySelectorAll("figure.code-block").forEach(function (figure) {
    var code = figure.querySelector("pre code");
    if (!code) return;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "copy-button";
    button.textContent = label;
    button.addEventListener("click", function () {
      var lines = Array.prototype.map.call(code.querySelectorAll(".line"), function (line) {
        return line.textContent;
      });
      navigator.clipboard.writeText(lines.join("\n") + "\n").then(function () {
        button.textContent = done;
        setTimeout(function () { button.textContent = label; }, 1500);
      });
    });
    figure.appendChild(button);
  });
})();
