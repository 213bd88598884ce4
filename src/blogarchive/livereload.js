// Live reload for `blogarchive serve` (served by serve only, never part of the built site).
// Listens to the server's build events. When a build changed this page, the page is fetched
// again and swapped in place (its body, and the head elements whose markup changed), keeping
// the scroll position: no navigation, so the unchanged stylesheets are neither fetched nor
// applied again. It reloads instead whenever a swap could leave something stale or broken:
// every page changed (a template, static file or site.yaml: a stylesheet may have changed
// under the same name), a file the page uses changed, the page runs scripts (the search page:
// a swapped-in script does not run, and running one again could start it twice), the new
// page's security policy, base or charset differ, or the fetch fails or is not a page.
// A failed build's error is shown over the page until a build succeeds. Text only: no
// innerHTML, and nothing inline, so every page's CSP still holds.
(function () {
  "use strict";
  var SELF = "/__blogarchive__/livereload.js";
  var here = outputPath(location.href);
  var seen = null;
  var overlay = null;
  var latest = 0;   // the newest swap: an older one that finishes later is dropped

  function outputPath(url) {   // the site file a URL names, as build events name it
    var name = new URL(url, location.href).pathname;
    try { name = decodeURIComponent(name); } catch (e) { /* keep it encoded */ }
    name = name.replace(/^\/+/, "");
    return name === "" || name.slice(-1) === "/" ? name + "index.html" : name;
  }

  function show(error) {
    if (!error) {
      if (overlay) overlay.remove();
      overlay = null;
      return;
    }
    if (!overlay) {
      overlay = document.createElement("div");
      overlay.id = "blogarchive-build-error";
      overlay.setAttribute("role", "alert");
      Object.assign(overlay.style, {
        position: "fixed", left: "0", right: "0", top: "0", zIndex: "2147483647",
        maxHeight: "60vh", overflow: "auto", margin: "0", padding: "1em 1.5em",
        background: "#fff0f0", color: "#5a0000", borderBottom: "3px solid #b00000",
        font: "14px/1.45 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace",
        whiteSpace: "pre-wrap", boxShadow: "0 2px 12px rgba(0,0,0,.25)"
      });
      var title = document.createElement("strong");
      title.textContent = "Build failed; still showing the last good build.\n";
      overlay.appendChild(title);
      overlay.appendChild(document.createElement("span"));
      document.body.appendChild(overlay);
    }
    overlay.lastChild.textContent = error;
  }

  // --- What a page is made of ------------------------------------------------------------------

  function isSelf(el) {
    return el.tagName === "SCRIPT" && el.getAttribute("src") === SELF;
  }

  function runsScript(doc) {   // any script but data (JSON-LD) and this one, or a noscript
    // (a parsed page's noscript holds elements: DOMParser parses with scripting off)
    var scripts = Array.prototype.filter.call(doc.scripts, function (s) {
      var type = (s.getAttribute("type") || "").trim().toLowerCase();
      return !isSelf(s) && !/^application\/([\w.-]+\+)?json$/.test(type);
    });
    return scripts.length > 0 || doc.querySelector("noscript") !== null;
  }

  function uses(doc) {   // the site files a page loads (not those it only links to, like feeds)
    var found = doc.querySelectorAll(
      'link[rel~="stylesheet"], link[rel~="icon"], link[rel~="preload"], [src]');
    return Array.prototype.map.call(found, function (el) {
      return outputPath(el.getAttribute(el.tagName === "LINK" ? "href" : "src"));
    });
  }

  function markup(doc, selector) {
    return Array.prototype.map.call(doc.head.querySelectorAll(selector), function (el) {
      return el.outerHTML;
    }).join("\n");
  }

  function headElements(head) {
    return Array.prototype.filter.call(head.children, function (el) { return !isSelf(el); });
  }

  function isSheet(el) {
    return el.tagName === "LINK" && /(^|\s)stylesheet(\s|$)/i.test(el.rel);
  }

  // --- Swapping a page in ----------------------------------------------------------------------

  function safeToSwap(doc, changed) {
    var fixed = "meta[http-equiv], meta[charset], base";   // a CSP meta cannot be taken back
    var touched = uses(document).concat(uses(doc)).some(function (name) {
      return name !== here && changed.indexOf(name) !== -1;
    });
    return doc.head && doc.body && !touched && !runsScript(document) && !runsScript(doc) &&
      markup(doc, fixed) === markup(document, fixed);
  }

  function plan(head) {
    // The new head, element by element: the old element with the same markup where there is
    // one (an unchanged stylesheet stays loaded), else the new one brought into this document.
    var old = {};
    headElements(document.head).forEach(function (el) {
      (old[el.outerHTML] = old[el.outerHTML] || []).push(el);
    });
    return headElements(head).map(function (el) {
      var same = old[el.outerHTML];
      return same && same.length ? same.shift() : document.importNode(el, true);
    });
  }

  function inOrder(wanted) {   // the kept elements already stand in the new head's order
    var last = null;
    return wanted.every(function (el) {
      if (!el.isConnected) return true;
      var ok = !last || last.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING;
      last = el;
      return ok;
    });
  }

  function insert(wanted, which) {   // each new element before the next one in place
    var next = Array.prototype.filter.call(document.head.children, isSelf)[0] || null;
    for (var i = wanted.length - 1; i >= 0; i--) {
      if (!wanted[i].isConnected && which(wanted[i])) document.head.insertBefore(wanted[i], next);
      if (wanted[i].isConnected) next = wanted[i];
    }
  }

  function loaded(sheet) {   // a new stylesheet has loaded (or failed, as it would on a load)
    return new Promise(function (done) {
      sheet.addEventListener("load", done);
      sheet.addEventListener("error", done);
      setTimeout(done, 3000);
    });
  }

  function swap(doc, mine) {
    var wanted = plan(doc.head);
    if (!inOrder(wanted)) return location.reload();
    var sheets = wanted.filter(function (el) { return !el.isConnected && isSheet(el); });
    insert(wanted, isSheet);   // new stylesheets first, so the new body never shows unstyled
    return Promise.all(sheets.map(loaded)).then(function () {
      if (mine !== latest) return;
      var x = window.scrollX, y = window.scrollY;
      headElements(document.head).forEach(function (el) {
        if (wanted.indexOf(el) === -1) el.remove();
      });
      insert(wanted, function () { return true; });
      Array.prototype.forEach.call(doc.documentElement.attributes, function (a) {
        document.documentElement.setAttribute(a.name, a.value);
      });
      document.body.replaceWith(document.adoptNode(doc.body));
      if (overlay) document.body.appendChild(overlay);
      window.scrollTo(x, y);
    });
  }

  function update(changed) {
    if (changed === null || runsScript(document)) {
      location.reload();
      return;
    }
    var mine = ++latest;
    fetch(location.pathname + location.search, { cache: "no-store", credentials: "same-origin" })
      .then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (response.status !== 200 || response.redirected || !/^text\/html\b/i.test(type)) {
          throw new Error("not a page");
        }
        return response.text();
      })
      .then(function (text) {
        if (mine !== latest) return;
        var doc = new DOMParser().parseFromString(text, "text/html");
        if (!safeToSwap(doc, changed)) return location.reload();
        return swap(doc, mine);
      })
      .catch(function () {
        if (mine === latest) location.reload();
      });
  }

  var events = new EventSource("/__blogarchive__/events");
  events.addEventListener("hello", function (e) {
    var data = JSON.parse(e.data);
    if (seen !== null && data.build !== seen) {   // builds happened while we were cut off
      location.reload();
      return;
    }
    seen = data.build;
    show(data.error);
  });
  events.addEventListener("build", function (e) {
    var data = JSON.parse(e.data);
    seen = data.build;
    show(data.error);
    if (!data.error && (data.changed === null || data.changed.indexOf(here) !== -1)) {
      update(data.changed);
    }
  });
})();
