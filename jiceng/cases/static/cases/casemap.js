// The case's map pin on its grid polygon: ECharts on plain lng/lat axes, no map tiles.
(function () {
  "use strict";
  function draw() {
    var holder = document.getElementById("case-map-chart");
    var source = document.getElementById("case-map");
    if (!holder || !source || typeof echarts === "undefined") { return; }
    var data = JSON.parse(source.textContent);
    var xs = [], ys = [];
    (data.ring || []).forEach(function (p) { xs.push(p[0]); ys.push(p[1]); });
    if (data.point) { xs.push(data.point[0]); ys.push(data.point[1]); }
    if (!xs.length) { return; }
    var pad = Math.max(Math.max.apply(null, xs) - Math.min.apply(null, xs), Math.max.apply(null, ys) - Math.min.apply(null, ys), 0.002) * 0.15;
    var series = [];
    if (data.ring && data.ring.length) {
      series.push({ name: data.grid, type: "line", data: data.ring, symbol: "none", lineStyle: { color: "#c81e1e", width: 2 }, areaStyle: null, silent: true });
    }
    if (data.point) {
      series.push({ name: data.title, type: "scatter", data: [data.point], symbol: "pin", symbolSize: 36, itemStyle: { color: "#1d4ed8" } });
    }
    var chart = echarts.init(holder, null, { renderer: "canvas" });
    chart.setOption({
      animation: false,
      grid: { left: 8, right: 8, top: 28, bottom: 8, containLabel: false },
      title: { text: data.grid, textStyle: { fontSize: 13 }, left: 8, top: 4 },
      tooltip: { trigger: "item", formatter: function (p) { return p.seriesName + "<br>" + p.value[0].toFixed(5) + ", " + p.value[1].toFixed(5); } },
      xAxis: { type: "value", show: false, scale: true, min: Math.min.apply(null, xs) - pad, max: Math.max.apply(null, xs) + pad },
      yAxis: { type: "value", show: false, scale: true, min: Math.min.apply(null, ys) - pad, max: Math.max.apply(null, ys) + pad },
      series: series
    });
    holder.setAttribute("data-ready", "1");
    window.addEventListener("resize", function () { chart.resize(); });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
