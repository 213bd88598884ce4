// Live reload for `blogarchive serve` (served by serve only, never part of the built site).
// Listens to the server's build events: reloads this page when its file changed, and shows a
// failed build's error over the page until a build succeeds. Text only: no innerHTML.
(function () {
  "use strict";
  var here = decodeURIComponent(location.pathname).replace(/^\/+/, "");
  if (here === "" || here.slice(-1) === "/") here += "index.html";
  var seen = null;
  var overlay = null;

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
      location.reload();
    }
  });
})();
