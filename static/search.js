/* The search page: Pagefind UI on #search, fed from ?q= (and ?category=, ?year=, ?tags=).
   The index is in shards (pagefind/shards.json lists them; the primary one carries Pagefind's
   code): the UI imports static/pagefind-shards/pagefind.js, which searches them all and answers
   as one whole index would.
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
    // Result URLs are site-rooted; the site may live under a sub-path (e.g. /blog/).
    var siteRoot = new URL(root.getAttribute("data-site-root"), location.href);
    var base = siteRoot.pathname.replace(/index\.html$/, "");
    fetch(new URL("pagefind/shards.json", siteRoot))
      .then(function (response) {
        if (!response.ok) { throw new Error("no shards.json"); }
        return response.json();
      })
      .then(function (listing) { open(listing, base + "pagefind/", base); },
            function () { show("search-missing"); });
  }

  function open(listing, bundle, base) {
    var params = new URLSearchParams(location.search);
    var ui = new window.PagefindUI({
      element: "#search",
      bundlePath: base + "static/pagefind-shards/",
      baseUrl: base,
      shards: { bundle: bundle, listing: listing },      // passed on to pagefind-shards/pagefind.js
      showImages: false,
      showSubResults: false,
      excerptLength: 30,
      openFilters: ["category", "year", "tags"],
      processTerm: function (term) {
        var url = new URL(location.href);
        if (term) { url.searchParams.set("q", term); } else { url.searchParams.delete("q"); }
        history.replaceState(null, "", url);
        return term;
      }
    });
    var filters = {};
    ["category", "year", "tags"].forEach(function (name) {
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
