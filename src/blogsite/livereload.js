// blogsite serve: live reload and build-error overlay. Added to HTML responses by the preview
// server only; never written into the built site.
(function () {
  "use strict";
  var script = document.currentScript;
  var epoch = Number(script.getAttribute("data-epoch"));
  var endpoint = script.getAttribute("data-events");
  var scrollKey = "blogsite-scroll:" + location.pathname;
  var source = null;

  // Put the reader back where they were before the reload.
  var saved = sessionStorage.getItem(scrollKey);
  if (saved !== null) {
    sessionStorage.removeItem(scrollKey);
    var restore = function () { window.scrollTo(0, Number(saved)); };
    restore();
    window.addEventListener("load", restore);
  }

  function showError(message) {
    var box = document.getElementById("blogsite-error");
    if (!box) {
      box = document.createElement("div");
      box.id = "blogsite-error";
      box.setAttribute("role", "alert");
      box.style.cssText =
        "position:fixed;left:0;right:0;top:0;z-index:2147483647;max-height:60vh;overflow:auto;" +
        "margin:0;padding:14px 18px;background:#2b0d0d;color:#ffd7d5;border-bottom:3px solid #f85149;" +
        "font:14px/1.5 ui-monospace,Menlo,Consolas,monospace;white-space:pre-wrap;box-shadow:0 4px 16px #0008";
      var title = document.createElement("strong");
      title.textContent = "Build failed — the page shows the last good build.";
      title.style.cssText = "display:block;color:#fff;margin-bottom:6px;font-family:system-ui,sans-serif";
      var text = document.createElement("div");
      text.className = "blogsite-error-message";
      box.appendChild(title);
      box.appendChild(text);
      document.body.appendChild(box);
    }
    box.querySelector(".blogsite-error-message").textContent = message;
  }

  function hideError() {
    var box = document.getElementById("blogsite-error");
    if (box) box.remove();
  }

  function swapStyles(version) {
    document.querySelectorAll('link[rel="stylesheet"]').forEach(function (link) {
      var url = new URL(link.href);
      if (url.origin !== location.origin) return;
      url.searchParams.set("blogsite-reload", String(version));
      link.href = url.toString();
    });
  }

  function onState(event) {
    var state = JSON.parse(event.data);
    if (state.error) {
      showError(state.error);
      return;
    }
    hideError();
    if (state.full > epoch) {
      sessionStorage.setItem(scrollKey, String(window.scrollY));
      source.close();
      location.reload();
    } else if (state.epoch > epoch) {
      swapStyles(state.epoch);
      epoch = state.epoch;
    }
  }

  // Whether this tab is listening, for people and tests poking at the preview.
  window.blogsiteLive = { listening: false };

  function connect() {
    if (source) return;
    source = new EventSource(endpoint + "?epoch=" + epoch);
    source.onmessage = onState;
    source.onopen = function () { window.blogsiteLive.listening = true; };
  }

  function disconnect() {
    if (source) {
      source.close();
      source = null;
    }
    window.blogsiteLive.listening = false;
  }

  // Hidden tabs stop listening; when shown again they catch up at once.
  document.addEventListener("visibilitychange", function () {
    if (document.hidden) disconnect();
    else connect();
  });
  window.addEventListener("pagehide", disconnect);
  if (!document.hidden) connect();
})();
