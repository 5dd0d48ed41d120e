/* The command centre's patrol coverage figure: this month's covered buildings against the plan. */
(function () {
  "use strict";
  const box = document.getElementById("patrol-coverage");
  if (!box) return;
  function load() {
    fetch(box.dataset.url, { credentials: "same-origin" })
      .then((r) => (r.ok ? r.json() : null))
      .then((d) => {
        if (!d) return;
        const rate = d.rate === null ? "—" : `${(d.rate * 100).toFixed(1)}%`;
        box.textContent = `${rate}（${d.covered.toLocaleString()} / ${d.buildings.toLocaleString()}）`;
      })
      .catch(() => {});
  }
  load();
  setInterval(load, 300000);
})();
