/* The search page: Pagefind UI on #search, fed from ?q= (and ?category=, ?year=) in the URL.
   No inline script anywhere, so the page keeps a strict Content-Security-Policy; Pagefind's
   WebAssembly needs 'wasm-unsafe-eval' in script-src on this page. */
(function () {
  "use strict";

  function show(id) {
    var el = document.getElementById(id);
    if (el) { el.hidden = false; }
  }

  function start() {
    var root = document.getElementById("search");
    if (!root) { return; }
    if (location.protocol === "file:") {       // browsers refuse to fetch the index from disk
      show("search-needs-server");
      return;
    }
    if (typeof window.PagefindUI !== "function") {
      show("search-missing");
      return;
    }
    var params = new URLSearchParams(location.search);
    // Result URLs are site-relative; the site may live under a sub-path (e.g. /blog/).
    var base = new URL(root.getAttribute("data-site-root"), location.href).pathname.replace(/index\.html$/, "");
    var ui = new window.PagefindUI({
      element: "#search",
      baseUrl: base,
      showImages: false,
      showSubResults: false,
      excerptLength: 30,
      openFilters: ["category", "year"],
      processTerm: function (term) {
        var url = new URL(location.href);
        if (term) { url.searchParams.set("q", term); } else { url.searchParams.delete("q"); }
        history.replaceState(null, "", url);
        return term;
      }
    });
    var filters = {};
    ["category", "year"].forEach(function (name) {
      var values = params.getAll(name);
      if (values.length) { filters[name] = values; }
    });
    if (Object.keys(filters).length) { ui.triggerFilters(filters); }
    var q = params.get("q");
    if (q) { ui.triggerSearch(q); }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
