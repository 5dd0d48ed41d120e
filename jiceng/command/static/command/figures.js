/* Figure panels of the command centre fed by another app's figures endpoint (party building,
   mediation…): each <div class="kpis" data-figures="URL" data-cells='[["label", "path" or
   "path/path"], …]'> is filled with the figures for the division on screen, within the viewer's
   scope, and refreshed with the rest of the screen. */
(function () {
  "use strict";
  var cfg = JSON.parse(document.getElementById("command-config").textContent);
  function esc(text) {
    return String(text == null ? "" : text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  function pick(data, path) {
    return path.split(".").reduce(function (v, k) { return v == null ? v : v[k]; }, data);
  }
  function value(data, spec) {
    if (spec.indexOf("%") === spec.length - 1) {
      var rate = pick(data, spec.slice(0, -1));
      return rate == null ? "—" : Math.round(rate * 1000) / 10 + "%";
    }
    return spec.split("/").map(function (p) {
      var v = pick(data, p);
      return v == null ? 0 : v;
    }).join("/");
  }
  function load(el) {
    var url = el.dataset.figures + (el.dataset.figures.indexOf("?") < 0 ? "?" : "&") +
      "division=" + encodeURIComponent(cfg.division);
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (d) {
        if (!d) return;
        var cells = JSON.parse(el.dataset.cells);
        el.innerHTML = cells.map(function (c) {
          return '<div class="kpi"><div class="v">' + esc(value(d, c[1])) + '</div><div class="l">' +
            esc(c[0]) + "</div></div>";
        }).join("");
        el.dataset.loaded = "1";
      });
  }
  var panels = document.querySelectorAll("[data-figures]");
  panels.forEach(load);
  setInterval(function () { panels.forEach(load); }, Math.max(10, cfg.poll || 10) * 3000);
})();
