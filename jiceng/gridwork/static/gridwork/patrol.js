/* The phone patrol: start, GPS points (or a manual point), items checked per building, findings
 * reported as cases in one tap, stop. Every step is an entry of the offline queue (queue.js). */
(function () {
  "use strict";
  const T = window.PATROL_TEXT;
  const data = JSON.parse(document.getElementById("patrol-data").textContent);
  const app = document.getElementById("patrol-app");
  const $ = (id) => document.getElementById(id);
  const STATE = "jiceng.patrol.current";
  const CASES = "jiceng.patrol.cases";
  let watchId = null;
  let lastPointAt = 0;

  const queue = new window.JicengQueue.OfflineQueue("patrol", app.dataset.sync, render);
  queue.onCase = (result) => {
    const list = JSON.parse(localStorage.getItem(CASES) || "{}");
    list[result.id] = result.case;
    localStorage.setItem(CASES, JSON.stringify(list));
    showCases();
  };

  function current() {
    try { return JSON.parse(localStorage.getItem(STATE) || "null"); } catch (e) { return null; }
  }
  function setCurrent(value) {
    if (value) localStorage.setItem(STATE, JSON.stringify(value));
    else localStorage.removeItem(STATE);
  }
  function gridOf(code) { return data.grids.find((g) => g.code === code); }

  function render() {
    $("net").textContent = navigator.onLine ? T.online : T.offline;
    $("net").className = navigator.onLine ? "" : "offline";
    $("pending").textContent = queue.pending().length;
    const refused = queue.rejected();
    $("rejected").textContent = refused.length;
    $("rejected-box").classList.toggle("hidden", !refused.length);
    const run = current();
    $("start-box").classList.toggle("hidden", !!run);
    $("run-box").classList.toggle("hidden", !run);
    if (run) {
      $("run-grid").textContent = (gridOf(run.grid) || { name: run.grid }).name;
      $("points").textContent = run.points || 0;
    }
  }

  function showCases() {
    const list = JSON.parse(localStorage.getItem(CASES) || "{}");
    const box = $("cases");
    box.innerHTML = "";
    const run = current();
    for (const [id, label] of Object.entries((run && run.findings) || {})) {
      const li = document.createElement("li");
      li.className = "reported-case";
      li.textContent = list[id] ? `${label} · ${T.caseNo} ${list[id]}` : `${label} · ${T.reported}`;
      box.appendChild(li);
    }
  }

  function addPoint(lat, lng, accuracy, manual) {
    const run = current();
    if (!run) return;
    queue.add({ kind: "point", patrol: run.id, lat: lat, lng: lng, accuracy: accuracy, manual: manual });
    run.points = (run.points || 0) + 1;
    setCurrent(run);
    render();
  }

  function startTracking() {
    const run = current();
    const grid = run && gridOf(run.grid);
    if (grid) { $("manual-lat").value = grid.lat; $("manual-lng").value = grid.lng; }
    if (!navigator.geolocation) { $("manual-point").classList.remove("hidden"); return; }
    watchId = navigator.geolocation.watchPosition(
      (pos) => {
        $("manual-point").classList.add("hidden");
        const now = Date.now();
        if (now - lastPointAt < 30000) return;  // one point every 30 s is enough for a walk
        lastPointAt = now;
        addPoint(pos.coords.latitude, pos.coords.longitude, pos.coords.accuracy, false);
      },
      () => $("manual-point").classList.remove("hidden"),
      { enableHighAccuracy: true, maximumAge: 10000, timeout: 20000 }
    );
  }

  function fillBuildings() {
    const run = current();
    const grid = run && gridOf(run.grid);
    const select = $("building");
    select.innerHTML = "";
    for (const b of (grid ? grid.buildings : [])) {
      const option = document.createElement("option");
      option.value = b.code;
      option.dataset.kind = b.kind;
      option.textContent = (b.due ? `【${T.due}】` : "") + b.address;
      select.appendChild(option);
    }
    renderChecklist();
  }

  function resizePhoto(file) {
    return new Promise((resolve, reject) => {
      const reader = new FileReader();
      reader.onerror = reject;
      reader.onload = () => {
        const img = new Image();
        img.onerror = () => resolve(reader.result);
        img.onload = () => {
          const scale = Math.min(1, 1024 / Math.max(img.width, img.height));
          const canvas = document.createElement("canvas");
          canvas.width = Math.max(1, Math.round(img.width * scale));
          canvas.height = Math.max(1, Math.round(img.height * scale));
          canvas.getContext("2d").drawImage(img, 0, 0, canvas.width, canvas.height);
          resolve(canvas.toDataURL("image/jpeg", 0.7));
        };
        img.src = reader.result;
      };
      reader.readAsDataURL(file);
    });
  }

  function renderChecklist() {
    const box = $("checklist");
    box.innerHTML = "";
    const option = $("building").selectedOptions[0];
    const kind = option ? option.dataset.kind : "";
    for (const category of data.checklist) {
      if (category.kinds.length && !category.kinds.includes(kind)) continue;
      const details = document.createElement("details");
      details.className = "category";
      details.dataset.code = category.code;
      const summary = document.createElement("summary");
      summary.textContent = `${category.name}（${category.items.length}）`;
      details.appendChild(summary);
      for (const item of category.items) {
        const div = document.createElement("div");
        div.className = "item";
        div.dataset.code = item.code;
        div.innerHTML =
          `<span class="name"></span>` +
          `<label><input type="radio" name="i-${item.code}" value="ok"> ${T.ok}</label>` +
          `<label><input type="radio" name="i-${item.code}" value="issue"> ${T.issue}</label>` +
          `<div class="finding hidden"><textarea aria-label="${T.describe}" placeholder="${T.describe}"></textarea>` +
          `<div class="row"><input type="file" accept="image/*" capture="environment" aria-label="${T.photo}">` +
          `<button type="button" class="primary report-finding">${T.report}</button></div></div>`;
        div.querySelector(".name").textContent = item.name;
        div.querySelectorAll("input[type=radio]").forEach((radio) =>
          radio.addEventListener("change", () =>
            div.querySelector(".finding").classList.toggle("hidden", radio.value !== "issue" || !radio.checked)
          )
        );
        div.querySelector(".report-finding").addEventListener("click", (ev) => reportFinding(item, div, ev.target));
        details.appendChild(div);
      }
      box.appendChild(details);
    }
  }

  async function reportFinding(item, div, button) {
    const run = current();
    if (!run) return;
    button.disabled = true;
    const files = Array.from(div.querySelector("input[type=file]").files || []).slice(0, 3);
    const photos = [];
    for (const file of files) photos.push(await resizePhoto(file));
    const entry = queue.add({
      kind: "finding",
      patrol: run.id,
      item: item.code,
      building: $("building").value,
      description: div.querySelector("textarea").value,
      photos: photos,
    });
    const again = current();
    again.findings = again.findings || {};
    again.findings[entry.id] = item.name;
    setCurrent(again);
    button.textContent = T.reported;
    showCases();
  }

  $("start-patrol").addEventListener("click", () => {
    const entry = queue.add({ kind: "start", grid: $("grid").value });
    setCurrent({ id: entry.id, grid: $("grid").value, points: 0, findings: {} });
    render();
    fillBuildings();
    startTracking();
    showCases();
  });
  $("add-manual-point").addEventListener("click", () => {
    addPoint(parseFloat($("manual-lat").value), parseFloat($("manual-lng").value), null, true);
  });
  $("building").addEventListener("change", renderChecklist);
  $("finish-building").addEventListener("click", () => {
    const run = current();
    if (!run) return;
    const items = {};
    document.querySelectorAll("#checklist .item").forEach((div) => {
      const chosen = div.querySelector("input[type=radio]:checked");
      if (chosen) items[div.dataset.code] = chosen.value;
    });
    queue.add({ kind: "check", patrol: run.id, building: $("building").value, items: items });
    const note = document.createElement("li");
    note.className = "checked-building";
    note.textContent = `${T.checked}：${$("building").selectedOptions[0].textContent}`;
    $("cases").before(note);
    renderChecklist();
  });
  $("stop-patrol").addEventListener("click", () => {
    const run = current();
    if (!run) return;
    queue.add({ kind: "stop", patrol: run.id });
    if (watchId !== null) navigator.geolocation.clearWatch(watchId);
    setCurrent(null);
    $("done").classList.remove("hidden");
    render();
  });
  window.addEventListener("offline", render);

  if (current()) { fillBuildings(); startTracking(); showCases(); }
  render();
  queue.flush();
})();
