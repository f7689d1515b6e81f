/* briefgen's only script, loaded from every generated page's <head> (no inline script: pages work under a
   Content-Security-Policy of `script-src 'self'` for briefgen's parts). Plain ES5, no dependency. */
(function () {
  "use strict";

  /* Material's `setupAlternate` reads every `link[rel=alternate]` as another language version of the site and
     requests `sitemap.xml` beside its href: for an entity's feeds, `<folder>/sitemap.xml`, which does not
     exist. Feed readers need these links exactly as they are, so they stay in the HTML; the feeds' `rel` is
     taken away only while the theme reads the links, in its DOMContentLoaded listener on `document`. This
     script runs from the head, so its first listener runs before the theme's (added by the theme's bundle at
     the end of the body); the second, on `window`, runs once the event has passed every listener on
     `document`, and puts the `rel` back. Pages that `navigation.instant` brings in are not covered: the
     theme merges their head and reads it again without an event this script could precede. */
  var hidden = [];
  document.addEventListener("DOMContentLoaded", function () {
    hidden = [].slice.call(document.querySelectorAll(
      'link[rel=alternate][type="application/rss+xml"],link[rel=alternate][type="application/atom+xml"]'));
    hidden.forEach(function (link) { link.rel = "feed"; });
  });
  window.addEventListener("DOMContentLoaded", function () {
    hidden.forEach(function (link) { link.rel = "alternate"; });
  });

  /* The search page: Pagefind's interface in `#bg-search`, its options from the element's data attributes.
     Pagefind names its input only by a `title`; giving it the id the page's <label> points at names it. */
  document.addEventListener("DOMContentLoaded", function () {
    var box = document.getElementById("bg-search");
    if (!box || typeof window.PagefindUI !== "function") {
      return;
    }
    new window.PagefindUI({
      element: "#bg-search", baseUrl: box.getAttribute("data-base-url") || "/",
      showImages: false, showSubResults: false, autofocus: true
    });
    var input = box.querySelector("input");
    var label = document.querySelector("label[for=bg-search-input]");
    if (input && label) {
      input.id = "bg-search-input";
      label.hidden = false;
    }
  });
})();
