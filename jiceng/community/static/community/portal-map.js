/* i社区码上办 map: the map-first 我要反映 (#ask-form), the public map of issues (#issues-map) and one
   issue (#issue-map). Configuration comes from <script id="map-config" type="application/json">.
   No tile server by default: the base layer is drawn from our own grid outlines and buildings. */
(function () {
  'use strict';
  var cfgNode = document.getElementById('map-config');
  if (!cfgNode || typeof L === 'undefined') { return; }
  var cfg = JSON.parse(cfgNode.textContent);
  var STATE_COLOURS = { received: '#b45309', handling: '#1d4ed8', finished: '#15803d', closed: '#4b5563' };

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function getJSON(url) {
    return fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } }).then(function (r) {
      return r.json().then(function (body) { return { ok: r.ok, body: body }; });
    });
  }

  function makeMap(node) {
    var map = L.map(node, { zoomControl: true, attributionControl: !!cfg.tiles.url });
    if (cfg.tiles.url) {
      L.tileLayer(cfg.tiles.url, { attribution: cfg.tiles.attribution, maxZoom: 19 }).addTo(map);
    }
    var base = L.geoJSON(null, {
      style: function () { return { color: '#6b7280', weight: 1.5, fillColor: '#e5e7eb', fillOpacity: 0.35 }; },
      pointToLayer: function (f, latlng) {
        return L.circleMarker(latlng, { radius: 5, color: '#374151', weight: 1, fillColor: '#fff', fillOpacity: 1 });
      },
      onEachFeature: function (f, layer) { layer.bindTooltip(f.properties.name); },
      interactive: true
    }).addTo(map);
    var pending = null;
    function loadBase() {
      var url = cfg.base + '?bbox=' + encodeURIComponent(map.getBounds().toBBoxString());
      pending = url;
      getJSON(url).then(function (res) {
        if (pending !== url || !res.ok) { return; }
        base.clearLayers();
        base.addData(res.body);
        base.bringToBack();
      });
    }
    map.on('moveend', loadBase);
    if (cfg.extent) { map.fitBounds(cfg.extent); } else { map.setView([22.55, 113.88], 14); }
    return { map: map, base: base };
  }

  /* ---------------------------------------------------------------- the map-first report */
  function askPage(form) {
    var m = makeMap(document.getElementById('map'));
    var map = m.map;
    var lat = document.getElementById('id_lat');
    var lng = document.getElementById('id_lng');
    var building = document.getElementById('id_building');
    var place = document.getElementById('place');
    var typeSelect = document.getElementById('id_type');
    var typeHelp = document.getElementById('type-help');
    var text = document.getElementById('id_text');
    var nearby = document.getElementById('nearby');
    var wherePin = document.getElementById('where-pin');
    var pin = null;
    var typeChosenByHand = !!typeSelect.value;

    function say(message) { place.textContent = message; }

    function resolve() {
      var p = pin.getLatLng();
      lat.value = p.lat.toFixed(6);
      lng.value = p.lng.toFixed(6);
      wherePin.checked = true;
      say('正在识别位置…');
      getJSON(cfg.resolve + '?lat=' + lat.value + '&lng=' + lng.value).then(function (res) {
        var d = res.body;
        if (!res.ok) { say((d.error && d.error.message) || '无法识别位置'); return; }
        if (!d.inside) { building.value = ''; say(d.message); place.dataset.inside = 'no'; return; }
        building.value = d.building || '';
        place.dataset.inside = 'yes';
        place.dataset.grid = d.grid;
        say(d.address + '（' + d.community + ' ' + d.grid_name + '）');
        loadNearby();
      }).catch(function () { say('网络不可用，位置将在提交时识别。'); });
    }

    function setPin(latlng, zoom) {
      if (!pin) {
        pin = L.marker(latlng, { draggable: true, keyboard: true, title: '事发地点', alt: '事发地点图钉' }).addTo(map);
        pin.on('dragend', resolve);
      } else {
        pin.setLatLng(latlng);
      }
      if (zoom) { map.setView(latlng, Math.max(map.getZoom(), 17)); }
      resolve();
    }

    map.on('click', function (e) { setPin(e.latlng, false); });
    if (cfg.pin) { setPin(L.latLng(cfg.pin[0], cfg.pin[1]), true); }

    document.getElementById('locate').addEventListener('click', function () {
      if (!navigator.geolocation) { say('此浏览器不支持定位，请在地图上点选位置。'); return; }
      say('正在定位…');
      navigator.geolocation.getCurrentPosition(function (pos) {
        setPin(L.latLng(pos.coords.latitude, pos.coords.longitude), true);
      }, function () {
        say('无法获取定位（未授权或不可用），请在地图上点选位置。');
      }, { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 });
    });

    /* the category: chips for the common types, the full list, the triage suggestion */
    var chips = document.querySelectorAll('.chip');
    function markChips() {
      chips.forEach(function (c) { c.setAttribute('aria-pressed', c.dataset.code === typeSelect.value ? 'true' : 'false'); });
    }
    chips.forEach(function (c) {
      c.addEventListener('click', function () {
        typeSelect.value = c.dataset.code;
        typeChosenByHand = true;
        markChips();
        loadNearby();
      });
    });
    typeSelect.addEventListener('change', function () { typeChosenByHand = true; markChips(); loadNearby(); });

    var timer = null;
    text.addEventListener('input', function () {
      if (typeChosenByHand) { return; }
      clearTimeout(timer);
      timer = setTimeout(function () {
        if (text.value.trim().length < 5) { return; }
        getJSON(cfg.suggest + '?text=' + encodeURIComponent(text.value.trim())).then(function (res) {
          if (!res.ok || !res.body.type || typeChosenByHand) { return; }
          typeSelect.value = res.body.type;
          typeHelp.textContent = '系统推荐：' + res.body.type_name + '（可更改）';
          markChips();
          loadNearby();
        });
      }, 600);
    });

    /* 我也遇到: open cases of the type near the pin */
    function loadNearby() {
      if (!lat.value || !lng.value) { return; }
      var url = cfg.nearby + '?lat=' + lat.value + '&lng=' + lng.value +
        '&type=' + encodeURIComponent(typeSelect.value) + '&building=' + encodeURIComponent(building.value);
      getJSON(url).then(function (res) {
        if (!res.ok) { return; }
        nearby.textContent = '';
        var items = res.body.results;
        if (!items.length) {
          nearby.appendChild(el('li', { 'class': 'help' }, '附近 100 米内没有尚未办结的同类问题。'));
          return;
        }
        items.forEach(function (item) {
          var li = el('li', { 'class': 'near', 'data-number': item.number });
          var head = el('div', { 'class': 'row' });
          head.appendChild(el('strong', {}, item.type_name));
          head.appendChild(el('span', { 'class': 'badge' }, item.state_label));
          li.appendChild(head);
          li.appendChild(el('p', { 'class': 'help' },
            item.place + ' · 约 ' + item.distance + ' 米 · ' + item.reported_on + ' · ' + item.supporters + ' 人也遇到'));
          if (item.mine) {
            li.appendChild(el('p', { 'class': 'help' }, '这是您反映的问题。'));
          } else if (item.joined) {
            li.appendChild(el('p', { 'class': 'help' }, '您已关注此问题。'));
          } else {
            var b = el('button', {
              type: 'submit', 'class': 'btn small ghost', formaction: cfg.issue + item.number + '/support/',
              formnovalidate: 'formnovalidate', 'aria-label': '我也遇到：' + item.type_name + '（' + item.place + '）'
            }, '我也遇到');
            li.appendChild(b);
          }
          nearby.appendChild(li);
        });
      });
    }
    markChips();
  }

  /* ---------------------------------------------------------------- the public map */
  function issuesPage(node) {
    var m = makeMap(node);
    var layer = L.layerGroup().addTo(m.map);
    var q = [];
    if (cfg.type) { q.push('type=' + encodeURIComponent(cfg.type)); }
    if (cfg.state) { q.push('state=' + encodeURIComponent(cfg.state)); }
    getJSON(cfg.issues + (q.length ? '?' + q.join('&') : '')).then(function (res) {
      if (!res.ok) { return; }
      res.body.results.forEach(function (item) {
        var marker = L.circleMarker([item.lat, item.lng], {
          radius: 8, color: '#fff', weight: 2, fillColor: STATE_COLOURS[item.state] || '#1d4ed8', fillOpacity: 0.95
        });
        var box = el('div', { 'class': 'issue-pop' });
        var a = el('a', { href: cfg.issue + item.number + '/' }, item.type_name);
        box.appendChild(a);
        box.appendChild(el('div', {}, item.state_label + ' · ' + item.place));
        box.appendChild(el('div', {}, item.reported_on + ' · ' + item.supporters + ' 人也遇到'));
        marker.bindPopup(box);
        marker.addTo(layer);
      });
      node.dataset.points = String(res.body.results.length);
      node.classList.add('loaded');
    });
  }

  function issuePage(node) {
    var m = makeMap(node);
    if (cfg.point) {
      m.map.setView(cfg.point, 17);
      L.circleMarker(cfg.point, { radius: 9, color: '#fff', weight: 2, fillColor: '#1d4ed8', fillOpacity: 0.95 }).addTo(m.map);
    }
  }

  var form = document.getElementById('ask-form');
  if (form && document.getElementById('map')) { askPage(form); }
  var issues = document.getElementById('issues-map');
  if (issues) { issuesPage(issues); }
  var one = document.getElementById('issue-map');
  if (one) { issuePage(one); }
}());
