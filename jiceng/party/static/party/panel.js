/* The party-building panel of the command centre: figures within the viewer's scope, for the
   division on screen, refreshed with the rest of the screen. */
(function () {
  "use strict";
  var el = document.getElementById("party-figures");
  if (!el) return;
  var cfg = JSON.parse(document.getElementById("command-config").textContent);
  var gettext = window.gettext || function (s) { return s; };
  function esc(text) {
    return String(text == null ? "" : text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  function load() {
    fetch("/api/v1/party/figures/?division=" + encodeURIComponent(cfg.division), {
      credentials: "same-origin", headers: { Accept: "application/json" }
    }).then(function (r) { return r.ok ? r.json() : null; }).then(function (d) {
      if (!d) return;
      var cells = [
        [gettext("党员"), d.members],
        [gettext("双报到"), d.registered],
        [gettext("服务时长"), d.service_hours],
        [gettext("承诺兑现"), d.commitments_delivered + "/" + d.commitments],
        [gettext("心愿实现"), d.wishes_fulfilled + "/" + d.wishes],
        [gettext("决议完成"), d.decisions_done + "/" + d.decisions]
      ];
      el.innerHTML = cells.map(function (c) {
        return '<div class="kpi"><div class="v">' + esc(c[1]) + '</div><div class="l">' + esc(c[0]) + "</div></div>";
      }).join("");
      el.dataset.loaded = "1";
    });
  }
  load();
  setInterval(load, Math.max(10, cfg.poll || 10) * 3000);
})();
