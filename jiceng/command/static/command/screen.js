/* The command-centre screen: every panel reads one /api/v1/stats/ endpoint with the same filters.
   Each panel marks itself data-loaded="1" once drawn (the browser tests wait for that). */
(function () {
  "use strict";
  var cfg = JSON.parse(document.getElementById("command-config").textContent);
  var charts = {};
  var metric = "open";
  var lastFeed = 0;
  // Labels go through Django's JavaScript catalogue (/jsi18n/, loaded before this file).
  var gettext = window.gettext || function (s) { return s; };
  var fmt = function (s, values) { return window.interpolate ? window.interpolate(s, values, true) : s.replace(/%\((\w+)\)s/g, function (_m, k) { return values[k]; }); };
  var PERIOD_LABELS = { today: gettext("今日"), "7d": gettext("近7天"), "30d": gettext("近30天"), month: gettext("本月"), quarter: gettext("本季度"), year: gettext("本年") };
  var base = { backgroundColor: "transparent", animation: false, textStyle: { fontFamily: "sans-serif" } };

  function query(extra) {
    var params = new URLSearchParams({ division: cfg.division, period: cfg.period });
    if (cfg.category) params.set("category", cfg.category);
    Object.keys(extra || {}).forEach(function (k) { params.set(k, extra[k]); });
    return params.toString();
  }

  function api(name, extra) {
    return fetch(cfg.api + name + "/?" + query(extra), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) {
        if (!r.ok) throw new Error(name + ": HTTP " + r.status);
        return r.json();
      });
  }

  function chart(id) {
    if (!charts[id]) charts[id] = echarts.init(document.getElementById(id), "dark", { renderer: "canvas" });
    return charts[id];
  }

  function loaded(id) { document.getElementById(id).dataset.loaded = "1"; }

  function esc(text) {
    return String(text == null ? "" : text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function pct(v) { return v == null ? "—" : (v * 100).toFixed(1) + "%"; }

  // -- KPIs ------------------------------------------------------------------------------------------
  function kpis() {
    return api("kpis").then(function (d) {
      var p = d.period, n = d.now, today = gettext("今日");
      document.getElementById("period-label").textContent = (PERIOD_LABELS[cfg.period] || "") + " " + d.filters.start + " ~ " + d.filters.end;
      var cells = [
        [gettext("受理"), p.received, today + " " + d.today.received],
        [gettext("分拨"), p.dispatched, today + " " + d.today.dispatched],
        [gettext("结案"), p.closed, today + " " + d.today.closed],
        [gettext("按时办结率"), pct(p.on_time_rate), today + " " + pct(d.today.on_time_rate)],
        [gettext("满意率"), pct(p.satisfaction_rate), today + " " + pct(d.today.satisfaction_rate)],
        [gettext("超期"), p.overdue, gettext("在办超期") + " " + n.overdue, "warn"],
        [gettext("敏感诉求"), p.sensitive, today + " " + d.today.sensitive, "alert"],
        [gettext("升级"), p.escalated, today + " " + d.today.escalated],
      ];
      document.getElementById("kpis").innerHTML = cells.map(function (c) {
        return '<div class="kpi ' + (c[3] || "") + '"><div class="v">' + esc(c[1]) + '</div><div class="l">' + esc(c[0]) +
          '</div><div class="t">' + esc(c[2]) + "</div></div>";
      }).join("");
      document.getElementById("now").innerHTML =
        "<span>" + gettext("在办") + "<b>" + n.open + "</b></span><span>" + gettext("超期") + "<b>" + n.overdue + "</b></span><span>" +
        gettext("告警") + "<b>" + n.alarms + "</b></span><span>" + gettext("敏感") + "<b>" + n.sensitive + "</b></span><span>" +
        gettext("升级") + "<b>" + n.escalated + "</b></span>";
      var gauge = function (name, value, center) {
        return {
          type: "gauge", center: center, radius: "92%", startAngle: 210, endAngle: -30, min: 0, max: 100,
          progress: { show: true, width: 10 }, axisLine: { lineStyle: { width: 10 } }, splitLine: { show: false },
          axisTick: { show: false }, axisLabel: { show: false }, pointer: { show: false },
          title: { offsetCenter: [0, "62%"], fontSize: 13, color: "#8db4e6" },
          detail: { offsetCenter: [0, "5%"], fontSize: 22, color: "#fff", formatter: "{value}%" },
          data: [{ name: name, value: value == null ? 0 : Math.round(value * 1000) / 10 }],
        };
      };
      chart("chart-gauges").setOption(Object.assign({}, base, {
        series: [
          gauge(gettext("按时办结率"), p.on_time_rate, ["17%", "58%"]),
          gauge(gettext("满意率"), p.satisfaction_rate, ["50%", "58%"]),
          gauge(gettext("结案率"), p.received ? Math.min(1, p.closed / p.received) : null, ["83%", "58%"]),
        ],
      }), true);
      loaded("panel-kpis");
    });
  }

  // -- trend ----------------------------------------------------------------------------------------
  function trend() {
    return api("trend").then(function (d) {
      chart("chart-trend").setOption(Object.assign({}, base, {
        tooltip: { trigger: "axis" },
        legend: { type: "scroll", top: 0, textStyle: { fontSize: 12 } },
        grid: { left: 40, right: 12, top: 34, bottom: 24 },
        xAxis: { type: "category", data: d.x, boundaryGap: false, axisLabel: { fontSize: 11 } },
        yAxis: { type: "value", minInterval: 1, splitLine: { lineStyle: { color: "#16386b" } } },
        series: d.series.map(function (s) {
          return { name: s.name, type: "line", smooth: true, symbol: "none", areaStyle: { opacity: 0.08 }, data: s.data };
        }),
      }), true);
      loaded("panel-trend");
    });
  }

  // -- hot topics -----------------------------------------------------------------------------------
  function hot() {
    return api("hot-topics").then(function (d) {
      var el = document.getElementById("hot");
      el.innerHTML = d.items.length ? d.items.map(function (i) {
        return '<li><span class="main">' + (i.sensitive ? '<span class="tag sensitive">' + gettext("敏感") + "</span>" : "") + esc(i.place) + " · " +
          esc(i.topic) + '</span><span class="side">' + fmt(gettext("%(n)s 件"), { n: i.count }) + "</span></li>";
      }).join("") : '<li class="empty-row"><span class="main">' + gettext("近 7 天暂无集中诉求") + "</span></li>";
      loaded("panel-hot");
    });
  }

  // -- map ------------------------------------------------------------------------------------------
  var mapItems = {};
  var geoReady = null;
  var workerPoints = [];

  function geo() {
    if (!geoReady) {
      geoReady = api("geo").then(function (g) {
        echarts.registerMap("area-" + cfg.division, g);
        return g;
      });
    }
    return geoReady;
  }

  function drawMap() {
    return Promise.all([geo(), api("map", { metric: metric })]).then(function (res) {
      var d = res[1];
      mapItems = {};
      var max = 1;
      var data = d.items.map(function (i) {
        mapItems[i.name] = i;
        max = Math.max(max, i.value);
        return { name: i.name, value: i.value, code: i.code, kind: i.kind };
      });
      var colours = { open: ["#123a6e", "#2f7fe0", "#7fd3ff"], overdue: ["#2b2350", "#d6852a", "#ffcd6b"], alarms: ["#1f2a48", "#c62f3b", "#ff8a8a"] }[metric];
      chart("chart-map").setOption(Object.assign({}, base, {
        tooltip: { trigger: "item", formatter: function (p) { return p.seriesType === "map" ? esc(p.name) + "<br>" + esc(d.label) + "：" + (p.value || 0) : esc(p.name); } },
        visualMap: { min: 0, max: max, left: 16, bottom: 16, text: [gettext("高"), gettext("低")], calculable: true, inRange: { color: colours }, textStyle: { color: "#9cc8ff" }, seriesIndex: 0 },
        geo: { map: "area-" + cfg.division, roam: true, layoutSize: "96%", itemStyle: { borderColor: "#59a8ff", areaColor: "#0e2f5e" },
          label: { show: true, color: "#e8f1ff", fontSize: 13 }, emphasis: { itemStyle: { areaColor: "#3d8bff" }, label: { color: "#fff" } } },
        series: [
          { type: "map", geoIndex: 0, data: data },
          { type: "effectScatter", coordinateSystem: "geo", name: gettext("网格员"), symbolSize: 8, rippleEffect: { scale: 3 },
            itemStyle: { color: "#62f2b1" }, data: workerPoints, zlevel: 2 },
        ],
      }), true);
      loaded("panel-map");
    });
  }

  function workers() {
    return api("workers").then(function (d) {
      workerPoints = d.items.map(function (w) { return { name: w.name + " " + w.at.slice(5).replace("T", " "), value: [w.lng, w.lat] }; });
      if (charts["chart-map"]) chart("chart-map").setOption({ series: [{}, { data: workerPoints }] });
    });
  }

  function showGridCases(item) {
    return api("grid-cases", { grid: item.code }).then(function (d) {
      document.getElementById("grid-cases-title").textContent = d.grid.name + fmt(gettext("（在办 %(n)s 件）"), { n: d.items.length });
      document.getElementById("grid-cases-list").innerHTML = d.items.length ? d.items.map(function (c) {
        return '<li><span class="main">' + (c.sensitive ? '<span class="tag sensitive">' + gettext("敏感") + "</span>" : "") +
          (c.overdue ? '<span class="tag escalated">' + gettext("超期") + "</span>" : "") + '<a href="' + esc(c.url) + '">' + esc(c.title) +
          '</a></span><span class="side">' + esc(c.status) + "</span></li>";
      }).join("") : '<li><span class="main">' + gettext("暂无在办工单") + "</span></li>";
      var box = document.getElementById("grid-cases");
      box.hidden = false;
      box.dataset.grid = item.code;
    });
  }

  // -- feed -----------------------------------------------------------------------------------------
  function feed(poll) {
    return api("feed", poll ? { since: lastFeed } : {}).then(function (d) {
      var el = document.getElementById("feed");
      var rows = d.items.map(function (i) {
        var kind = i.kind === "escalated" ? '<span class="tag escalated">' + gettext("升级") + "</span>" : '<span class="tag">' + gettext("新件") + "</span>";
        return '<li class="' + (poll ? "new-item" : "") + '"><span class="main">' + kind + (i.sensitive ? '<span class="tag sensitive">' + gettext("敏感") + "</span>" : "") +
          esc(i.title) + '</span><span class="side">' + esc(i.at.slice(5, 16).replace("T", " ")) + "</span></li>";
      }).join("");
      if (poll) {
        if (rows) el.insertAdjacentHTML("afterbegin", rows);
        while (el.children.length > 30) el.removeChild(el.lastChild);
      } else {
        el.innerHTML = rows || '<li><span class="main">' + gettext("暂无新动态") + "</span></li>";
      }
      document.getElementById("alarm-feed").innerHTML = (d.alarms || []).map(function (a) {
        return '<li><span class="main"><span class="tag sensitive">' + gettext("告警") + "</span>" + esc(a.title) +
          (a.count > 1 ? " ×" + a.count : "") + '</span><span class="side">' + esc(a.at.slice(5, 16).replace("T", " ")) + "</span></li>";
      }).join("");
      lastFeed = Math.max(lastFeed, d.last || 0);
      loaded("panel-feed");
    });
  }

  // -- rankings -------------------------------------------------------------------------------------
  function rank() {
    return api("rankings", { limit: 10 }).then(function (d) {
      var items = d.items.slice().reverse();
      chart("chart-rank").setOption(Object.assign({}, base, {
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
        grid: { left: 170, right: 50, top: 8, bottom: 20 },
        xAxis: { type: "value", max: 100, splitLine: { lineStyle: { color: "#16386b" } } },
        yAxis: { type: "category", data: items.map(function (i) { return i.rank + ". " + i.unit_name; }), axisLabel: { fontSize: 12, width: 160, overflow: "truncate" } },
        series: [{ type: "bar", name: gettext("综合得分"), barWidth: "55%", data: items.map(function (i) { return i.score; }),
          label: { show: true, position: "right", color: "#d6e4ff" },
          itemStyle: { color: new echarts.graphic.LinearGradient(0, 0, 1, 0, [{ offset: 0, color: "#1f6fd6" }, { offset: 1, color: "#62d2ff" }]) } }],
      }), true);
      loaded("panel-rank");
    });
  }

  // -- care -----------------------------------------------------------------------------------------
  function care() {
    return api("care").then(function (d) {
      var empty = !d.available || !d.buildings.length;
      document.getElementById("care-empty").hidden = !empty;
      document.getElementById("chart-care").style.display = empty ? "none" : "";
      if (!empty) {
        var tags = d.tags.map(function (t) { return t.tag; });
        var buildings = d.buildings.slice(0, 8).reverse();
        chart("chart-care").setOption(Object.assign({}, base, {
          tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
          legend: { top: 0, textStyle: { fontSize: 12 } },
          grid: { left: 200, right: 16, top: 30, bottom: 20 },
          xAxis: { type: "value", minInterval: 1, splitLine: { lineStyle: { color: "#16386b" } } },
          yAxis: { type: "category", data: buildings.map(function (b) { return b.address; }), axisLabel: { fontSize: 11, width: 190, overflow: "truncate" } },
          series: tags.map(function (t) {
            return { name: t, type: "bar", stack: "care", data: buildings.map(function (b) { return b.tags[t] || 0; }) };
          }),
        }), true);
      }
      loaded("panel-care");
    });
  }

  function fail(err) {
    if (window.console) console.error(String(err));
  }

  function all() {
    return Promise.all([kpis(), trend(), hot(), workers().then(drawMap), feed(false), rank(), care()]).catch(fail);
  }

  document.querySelectorAll(".switch button").forEach(function (b) {
    b.addEventListener("click", function () {
      metric = b.dataset.metric;
      document.querySelectorAll(".switch button").forEach(function (x) { x.classList.toggle("on", x === b); });
      document.getElementById("panel-map").dataset.loaded = "";
      drawMap().catch(fail);
    });
  });
  document.getElementById("period").addEventListener("change", function () { this.form.submit(); });
  document.getElementById("category").addEventListener("change", function () { this.form.submit(); });
  document.getElementById("grid-cases-close").addEventListener("click", function () { document.getElementById("grid-cases").hidden = true; });

  all().then(function () {
    chart("chart-map").on("click", function (p) {
      var item = mapItems[p.name];
      if (!item) return;
      if (item.kind === "grid") {
        showGridCases(item).catch(fail);
      } else {
        window.location.href = cfg.screenUrl + "?" + query({ division: item.code });
      }
    });
    document.body.dataset.ready = "1";
  });

  setInterval(function () { feed(true).catch(fail); }, cfg.poll * 1000);
  setInterval(function () { kpis().catch(fail); drawMap().catch(fail); }, 60000);
  setInterval(function () {
    var now = new Date();
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    document.getElementById("clock").textContent = now.getFullYear() + "-" + pad(now.getMonth() + 1) + "-" + pad(now.getDate()) + " " + pad(now.getHours()) + ":" + pad(now.getMinutes()) + ":" + pad(now.getSeconds());
  }, 1000);
  window.addEventListener("resize", function () { Object.keys(charts).forEach(function (k) { charts[k].resize(); }); });
})();
