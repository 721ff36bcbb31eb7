// Marks the contents entry of the section being read. The contents work without it.
(function () {
  "use strict";
  var links = Array.prototype.slice.call(document.querySelectorAll(".toc a[href^='#']"));
  if (!links.length || !("IntersectionObserver" in window)) return;
  var byId = {};
  links.forEach(function (link) {
    byId[decodeURIComponent(link.getAttribute("href").slice(1))] = link;
  });
  var headings = links
    .map(function (link) { return document.getElementById(decodeURIComponent(link.getAttribute("href").slice(1))); })
    .filter(Boolean);
  function mark() {
    // The last heading above the upper third of the screen is the section being read.
    var current = headings[0];
    for (var i = 0; i < headings.length; i++) {
      if (headings[i].getBoundingClientRect().top < window.innerHeight / 3) current = headings[i];
    }
    links.forEach(function (link) { link.removeAttribute("aria-current"); });
    if (current && byId[current.id]) byId[current.id].setAttribute("aria-current", "true");
  }
  var observer = new IntersectionObserver(mark, { rootMargin: "0px 0px -66% 0px" });
  headings.forEach(function (heading) { observer.observe(heading); });
  mark();
})();
