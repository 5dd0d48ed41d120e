// Staff pages' small helpers, no inline handlers (the Content-Security-Policy forbids them).
//
// 1. The searchable type picker: a <select data-type-picker> gets a filter box above it. Typing
//    narrows the options (code, name, category, keywords — each option's data-search), the first
//    match is chosen, arrow keys move through the matches, Enter chooses without submitting the
//    form, Escape clears. Without script the select works as it is.
// 2. Bulk selection: <input type=checkbox data-check-all="FORM-ID"> ticks every case box of a form.
(function () {
  "use strict";

  function visible(select) {
    return Array.prototype.filter.call(select.options, function (o) {
      return !o.hidden && o.value !== "";
    });
  }

  function filter(select, text) {
    var terms = text.trim().toLowerCase().split(/\s+/).filter(Boolean);
    Array.prototype.forEach.call(select.options, function (o) {
      var search = o.getAttribute("data-search");
      o.hidden = search !== null && terms.length > 0 && !terms.every(function (t) { return search.indexOf(t) >= 0; });
    });
    Array.prototype.forEach.call(select.querySelectorAll("optgroup"), function (g) {
      g.hidden = !Array.prototype.some.call(g.children, function (o) { return !o.hidden; });
    });
    var shown = visible(select);
    if (terms.length && shown.length) {
      select.value = shown[0].value;
      shown[0].selected = true;
    }
    return shown.length;
  }

  function move(select, step) {
    var shown = visible(select);
    if (!shown.length) { return; }
    var at = shown.indexOf(select.options[select.selectedIndex]);
    var next = shown[Math.max(0, Math.min(shown.length - 1, at + step))];
    next.selected = true;
    select.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function enhance(select) {
    if (select.getAttribute("data-enhanced")) { return; }
    select.setAttribute("data-enhanced", "1");
    if (!select.id) { select.id = "type-picker-" + Math.random().toString(36).slice(2, 9); }
    var box = document.createElement("input");
    box.type = "search";
    box.className = "type-filter";
    box.autocomplete = "off";
    box.placeholder = select.getAttribute("data-filter-label") || "";
    box.setAttribute("aria-label", box.placeholder);
    box.setAttribute("aria-controls", select.id);
    var count = document.createElement("small");
    count.className = "muted type-count";
    count.setAttribute("aria-live", "polite");
    select.size = 6;
    select.parentNode.insertBefore(box, select);
    select.parentNode.insertBefore(count, select.nextSibling);
    box.addEventListener("input", function () {
      var n = filter(select, box.value);
      count.textContent = box.value.trim() ? (select.getAttribute("data-count-label") || "").replace("%s", n) : "";
    });
    box.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown") { event.preventDefault(); move(select, 1); }
      else if (event.key === "ArrowUp") { event.preventDefault(); move(select, -1); }
      else if (event.key === "Enter") { event.preventDefault(); select.dispatchEvent(new Event("change", { bubbles: true })); }
      else if (event.key === "Escape") { box.value = ""; filter(select, ""); count.textContent = ""; }
    });
  }

  function enhanceAll(root) {
    var scope = root && root.querySelectorAll ? root : document;
    Array.prototype.forEach.call(scope.querySelectorAll("select[data-type-picker]"), enhance);
    if (scope.matches && scope.matches("select[data-type-picker]")) { enhance(scope); }
  }

  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el && el.matches && el.matches("input[data-check-all]")) {
      var form = document.getElementById(el.getAttribute("data-check-all"));
      var boxes = document.querySelectorAll("input[name=ids][form='" + form.id + "'], #" + form.id + " input[name=ids]");
      Array.prototype.forEach.call(boxes, function (b) { b.checked = el.checked; });
    }
  });
  document.addEventListener("htmx:load", function (event) { enhanceAll(event.target); });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { enhanceAll(document); });
  } else {
    enhanceAll(document);
  }
})();
