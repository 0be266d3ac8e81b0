/* sitmap situation map runtime.
 *
 * Draws one situation map from the JSON block that sitmap's renderer writes
 * beside it.  The payload is embedded once; every marker, popup, table row and
 * legend entry is built here from it, so the HTML file grows with the data and
 * not with the number of Leaflet objects Python would otherwise write out.
 *
 * Safety: every string that came from an article reaches the page through
 * textContent or a text node, never through innerHTML, and a link is made only
 * from an http(s) URL.  Several maps can share one page: everything is keyed by
 * the map's prefix and this file defines a single global, SitmapMap.
 */
(function () {
  "use strict";
  if (window.SitmapMap) { return; }

  // Colour and shape per status.  The colours are the Okabe-Ito palette plus
  // Paul Tol's colour-blind-safe tones; every status also has a shape, so no
  // reading of the map depends on telling two hues apart.
  var STYLE = {
    captured: ["#D55E00", "square"],
    encircled: ["#CC79A7", "circle"],
    contested: ["#E69F00", "diamond"],
    struck: ["#882255", "triangle"],
    civilian_harm: ["#000000", "tridown"],
    advance: ["#F0E442", "circle"],
    recaptured: ["#009E73", "square"],
    withdrawn: ["#56B4E9", "diamond"],
    displacement: ["#332288", "triangle"],
    held: ["#0072B2", "circle"],
    unknown: ["#999999", "circle"],
    diplomacy: ["#DDCC77", "diamond"],
    mentioned: ["#BBBBBB", "circle"]
  };
  var LABEL = {
    captured: "Captured", encircled: "Encircled", contested: "Contested (fighting)",
    struck: "Struck (shelling, missiles, air strikes)", civilian_harm: "Civilians harmed",
    advance: "Forces advancing / nearby", recaptured: "Recaptured", withdrawn: "Withdrawn",
    displacement: "Displacement / evacuation", held: "Held by defender",
    unknown: "Control unclear", diplomacy: "Diplomacy / talks", mentioned: "Mentioned only"
  };
  var EPI_LABEL = {
    confirmed: "Confirmed", reported: "Reported", claimed: "Claimed",
    disputed: "Disputed", denied: "Denied"
  };
  var PRECISION_LABEL = {
    1: "the named place itself",
    2: "near or part of the place (approximate)",
    3: "a region or country centroid (approximate)"
  };
  // Canvas above this many places: Leaflet's SVG renderer makes one DOM
  // node per marker, which stops being smooth past a few thousand.
  var SVG_MAX = 3000;
  var BASE_RADIUS = 7;

  function epiStyle(epi) {
    // Filled symbols: established (confirmed, reported); hollow: someone's
    // word only (claimed), contradicted (disputed), or denied.
    switch (epi) {
      case "confirmed": return {fill: 0.9, color: "#1a1a1a", weight: 2, dash: null, hollow: false};
      case "reported": return {fill: 0.9, color: "#ffffff", weight: 1.5, dash: null, hollow: false};
      case "claimed": return {fill: 0.15, color: null, weight: 3, dash: null, hollow: true};
      case "disputed": return {fill: 0.15, color: null, weight: 2.5, dash: "5 4", hollow: true};
      default: return {fill: 0.0, color: null, weight: 2, dash: "1 4", hollow: true};
    }
  }

  var NEUTRAL = ["#555555", "circle"];
  function markerStyle(status, epi) {
    var s = status === null ? NEUTRAL : (STYLE[status] || STYLE.mentioned), e = epiStyle(epi);
    return {
      color: e.color || s[0], fillColor: s[0], fillOpacity: e.fill, weight: e.weight,
      dashArray: e.dash, opacity: epi === "denied" ? 0.8 : 1, lineCap: e.dash === "1 4" ? "round" : "butt"
    };
  }

  // ---- shapes: one path per shape, shared by the SVG and canvas renderers.
  function shapePoints(shape, x, y, r) {
    var k;
    switch (shape) {
      case "square": k = r * 0.88; return [[x - k, y - k], [x + k, y - k], [x + k, y + k], [x - k, y + k]];
      case "diamond": k = r * 1.2; return [[x, y - k], [x + k, y], [x, y + k], [x - k, y]];
      case "triangle": k = r * 1.25; return [[x, y - k], [x + k * 0.95, y + k * 0.7], [x - k * 0.95, y + k * 0.7]];
      case "tridown": k = r * 1.25; return [[x, y + k], [x + k * 0.95, y - k * 0.7], [x - k * 0.95, y - k * 0.7]];
      default: return null;
    }
  }

  function svgShapePath(shape, x, y, r) {
    var pts = shapePoints(shape, x, y, r);
    if (!pts) {
      return "M" + (x - r) + "," + y + "a" + r + "," + r + " 0 1,0 " + (2 * r) + ",0 a" + r + "," + r + " 0 1,0 " + (-2 * r) + ",0";
    }
    var d = "";
    for (var i = 0; i < pts.length; i++) { d += (i ? "L" : "M") + pts[i][0].toFixed(1) + "," + pts[i][1].toFixed(1); }
    return d + "z";
  }

  var Shape = L.CircleMarker.extend({
    options: {shape: "circle"},
    _updatePath: function () { this._renderer._sitmapShape(this); }
  });
  L.SVG.include({
    _sitmapShape: function (layer) {
      var p = layer._point;
      this._setPath(layer, layer._empty() ? "M0 0" : svgShapePath(layer.options.shape, p.x, p.y, Math.max(layer._radius, 1)));
    }
  });
  L.Canvas.include({
    _sitmapShape: function (layer) {
      if (!this._drawing || layer._empty()) { return; }
      var p = layer._point, ctx = this._ctx, r = Math.max(layer._radius, 1);
      var pts = shapePoints(layer.options.shape, p.x, p.y, r);
      ctx.beginPath();
      if (!pts) {
        ctx.arc(p.x, p.y, r, 0, Math.PI * 2, false);
      } else {
        ctx.moveTo(pts[0][0], pts[0][1]);
        for (var i = 1; i < pts.length; i++) { ctx.lineTo(pts[i][0], pts[i][1]); }
        ctx.closePath();
      }
      this._fillStroke(ctx, layer);
    }
  });

  // ---- small DOM helpers: text only, never markup.
  function el(tag, cls, text) {
    var n = document.createElement(tag);
    if (cls) { n.className = cls; }
    if (text !== undefined && text !== null) { n.textContent = String(text); }
    return n;
  }
  function safeUrl(u) {
    // Python already drops anything but http(s); checked again here because
    // this file is also the last line of defence for hand-edited payloads.
    return (typeof u === "string" && /^https?:\/\//i.test(u)) ? u : null;
  }
  function swatch(pfx, status, epi, size) {
    size = size || 22;
    var ns = "http://www.w3.org/2000/svg", st = markerStyle(status, epi);
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("width", size); svg.setAttribute("height", size);
    svg.setAttribute("viewBox", "0 0 22 22"); svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("class", pfx + "-sw");
    var path = document.createElementNS(ns, "path");
    path.setAttribute("d", svgShapePath((status === null ? NEUTRAL : (STYLE[status] || STYLE.mentioned))[1], 11, 11, 6.5));
    path.setAttribute("fill", st.fillColor); path.setAttribute("fill-opacity", st.fillOpacity);
    path.setAttribute("stroke", st.color); path.setAttribute("stroke-width", st.weight);
    path.setAttribute("stroke-opacity", st.opacity);
    path.setAttribute("stroke-linecap", st.lineCap);
    if (st.dashArray) { path.setAttribute("stroke-dasharray", st.dashArray); }
    svg.appendChild(path);
    return svg;
  }

  function icon(d) {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("width", 18); svg.setAttribute("height", 18); svg.setAttribute("viewBox", "0 0 22 22");
    svg.setAttribute("aria-hidden", "true");
    var path = document.createElementNS(ns, "path");
    path.setAttribute("d", d); path.setAttribute("fill", "none"); path.setAttribute("stroke", "#222");
    path.setAttribute("stroke-width", "2"); path.setAttribute("stroke-linejoin", "round");
    svg.appendChild(path);
    return svg;
  }

  // ---- pixel compositing for the canvas layer (RGBA bytes seen as
  // little-endian 32-bit words: 0xAABBGGRR).
  function over(buf, idx, sr, sg, sb, sa) {
    // Source-over for straight (non-premultiplied) alpha, as ImageData holds.
    if (sa >= 255) { buf[idx] = (0xff000000 | (sb << 16) | (sg << 8) | sr) >>> 0; return; }
    var dv = buf[idx], da = dv >>> 24;
    if (da === 0) { buf[idx] = ((sa << 24) | (sb << 16) | (sg << 8) | sr) >>> 0; return; }
    var dr = dv & 255, dg = (dv >> 8) & 255, db = (dv >> 16) & 255;
    var f = da * (255 - sa) / 255, oa = sa + f;
    var rr = (sr * sa + dr * f) / oa, gg = (sg * sa + dg * f) / oa, bb = (sb * sa + db * f) / oa;
    buf[idx] = ((Math.round(oa) << 24) | (Math.round(bb) << 16) | (Math.round(gg) << 8) | Math.round(rr)) >>> 0;
  }
  function blit(buf, w, h, x, y, sp) {
    var dx = sp.dx, dy = sp.dy, col = sp.col, n = col.length;
    var inside = x - sp.half >= 0 && y - sp.half >= 0 && x + sp.half < w && y + sp.half < h;
    for (var j = 0; j < n; j++) {
      var px = x + dx[j], py = y + dy[j];
      if (!inside && (px < 0 || py < 0 || px >= w || py >= h)) { continue; }
      var v = col[j], a = v >>> 24, idx = py * w + px;
      if (a === 255) { buf[idx] = v; } else { over(buf, idx, v & 255, (v >> 8) & 255, (v >> 16) & 255, a); }
    }
  }

  // ---- many places on one canvas.
  //
  // Leaflet makes one object (and, with SVG, one DOM node) per marker; at
  // 100,000 places that alone takes seconds and hundreds of megabytes.  This
  // layer keeps projected coordinates in typed arrays, draws pre-rendered
  // symbols with drawImage, and finds the place under the mouse in a grid.
  var MAX_LAT = 85.0511287798;
  var PointLayer = L.Layer.extend({
    options: {padding: 0.25, hitRadius: 9, cell: 16},

    initialize: function (view) {
      var d = view.d, n = d.p.length;
      this.v = view;
      this.n = n;
      this.lat = new Float64Array(n); this.lon = new Float64Array(n);
      this.areaKm = new Float32Array(n); this.ringKm = new Float32Array(n);
      this.key = new Int16Array(n).fill(-1);
      this.x = new Float64Array(n); this.y = new Float64Array(n);
      this.sx = new Float32Array(n); this.sy = new Float32Array(n);
      this.nextInCell = new Int32Array(n);
      for (var i = 0; i < n; i++) {
        var p = d.p[i];
        this.lat[i] = Math.max(-MAX_LAT, Math.min(MAX_LAT, p[1])); this.lon[i] = p[2];
        this.areaKm[i] = p[6] || 0;
      }
      (d.g || []).forEach(function (g) { if (g[1] === "ring") { this.ringKm[g[0]] = g[2]; } }, this);
      this.sprites = {};
      this.drawn = 0;
      this.hover = -1;
    },

    onAdd: function (map) {
      var u = this._under = L.DomUtil.create("canvas", "leaflet-zoom-animated " + this.v.pfx + "-areas");
      var c = this._canvas = L.DomUtil.create("canvas", "leaflet-zoom-animated " + this.v.pfx + "-points");
      u.setAttribute("aria-hidden", "true");
      c.setAttribute("aria-hidden", "true");
      this.getPane().appendChild(u);
      this.getPane().appendChild(c);
      this._uctx = u.getContext("2d");
      this._ctx = c.getContext("2d");
      this._project();
    },

    onRemove: function () { L.DomUtil.remove(this._canvas); L.DomUtil.remove(this._under); },

    getEvents: function () {
      return {
        // Every zoom or reset is followed by a moveend, which redraws.
        zoomend: this._project, viewreset: this._project, moveend: this.redraw,
        resize: this.redraw, zoomanim: this._animateZoom, mousemove: this._onMove,
        click: this._onClick, mouseout: this._onOut
      };
    },

    _project: function () {
      // World pixel coordinates at the current zoom (spherical Mercator, as
      // Leaflet's EPSG:3857), recomputed once per zoom, not per frame.
      var z = this._map.getZoom(), S = 256 * Math.pow(2, z), n = this.n;
      var D = Math.PI / 180;
      for (var i = 0; i < n; i++) {
        var s = Math.sin(this.lat[i] * D);
        this.x[i] = (this.lon[i] + 180) / 360 * S;
        this.y[i] = (0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI)) * S;
      }
      this._S = S;
    },

    _animateZoom: function (e) {
      // Scale the last frame during Leaflet's zoom animation, as its own
      // renderers do; the points are redrawn sharp at zoomend.
      if (!this._bounds) { return; }
      var map = this._map, scale = map.getZoomScale(e.zoom),
          offset = map._latLngBoundsToNewLayerBounds(this._bounds, e.zoom, e.center).min;
      L.DomUtil.setTransform(this._canvas, offset, scale);
      L.DomUtil.setTransform(this._under, offset, scale);
    },

    _sprite: function (k, r) {
      // A symbol rendered once per (status, epistemic, size) by the canvas
      // API, then kept as a sparse list of its non-transparent pixels.
      var id = k * 16 + r, sp = this.sprites[id];
      if (sp) { return sp; }
      var d = this.v.d, status = d.st[k >> 3], epi = d.ep[k & 7];
      var st = markerStyle(status, epi);
      var half = Math.ceil(r * 1.3 + st.weight), size = 2 * half + 1;
      var c = document.createElement("canvas");
      c.width = c.height = size;
      var ctx = c.getContext("2d");
      var pts = shapePoints(STYLE[status][1], half + 0.5, half + 0.5, r);
      ctx.beginPath();
      if (!pts) { ctx.arc(half + 0.5, half + 0.5, r, 0, 2 * Math.PI); }
      else { ctx.moveTo(pts[0][0], pts[0][1]); for (var i = 1; i < pts.length; i++) { ctx.lineTo(pts[i][0], pts[i][1]); } ctx.closePath(); }
      ctx.globalAlpha = st.fillOpacity; ctx.fillStyle = st.fillColor; ctx.fill();
      ctx.globalAlpha = st.opacity; ctx.lineWidth = r < BASE_RADIUS ? Math.min(st.weight, 1.5) : st.weight;
      ctx.strokeStyle = st.color; ctx.lineCap = st.lineCap;
      ctx.setLineDash(st.dashArray ? st.dashArray.split(" ").map(function (v) { return v * r / BASE_RADIUS; }) : []);
      ctx.stroke();
      var px = new Uint32Array(ctx.getImageData(0, 0, size, size).data.buffer);
      var dx = [], dy = [], col = [];
      for (var y = 0; y < size; y++) {
        for (var x = 0; x < size; x++) {
          var v = px[y * size + x];
          if ((v >>> 24) > 0) { dx.push(x - half); dy.push(y - half); col.push(v); }
        }
      }
      sp = this.sprites[id] = {dx: new Int32Array(dx), dy: new Int32Array(dy), col: new Uint32Array(col), half: half};
      return sp;
    },

    redraw: function () {
      // Software-rendered canvases (no GPU, as on servers and in headless
      // browsers) pay dearly per drawImage/arc call, so the places are
      // composited into one pixel buffer here and put on the canvas once.
      if (!this._map) { return; }
      var map = this._map, size = map.getSize(), padding = this.options.padding;
      var pad = size.multiplyBy(padding).round();
      var tl = map.containerPointToLayerPoint([-pad.x, -pad.y]).round();
      var w = size.x + 2 * pad.x, h = size.y + 2 * pad.y;
      var c = this._canvas, ctx = this._ctx;
      L.DomUtil.setPosition(c, tl);
      if (c.width !== w || c.height !== h || !this._img) {
        c.width = w; c.height = h;
        c.style.width = w + "px"; c.style.height = h + "px";
        this._img = ctx.createImageData(w, h);
        this._buf = new Uint32Array(this._img.data.buffer);
      }
      var buf = this._buf;
      buf.fill(0);
      this._tl = tl;
      this._bounds = L.latLngBounds(map.layerPointToLatLng(tl), map.layerPointToLatLng(tl.add([w, h])));
      var origin = map.getPixelOrigin(), ox = tl.x + origin.x, oy = tl.y + origin.y;
      var n = this.n, key = this.key, X = this.x, Y = this.y, sx = this.sx, sy = this.sy;
      var cell = this.options.cell, cols = Math.ceil(w / cell) + 1, rows = Math.ceil(h / cell) + 1;
      var head = this._head = new Int32Array(cols * rows).fill(-1), next = this.nextInCell;
      this._cols = cols; this._rows = rows;
      var d = this.v.d, mPerPx = 40075016.686 / this._S, i, x, y, k, r, inView = 0;
      for (i = 0; i < n; i++) {
        if (key[i] < 0) { continue; }
        x = X[i] - ox; y = Y[i] - oy;
        if (x >= 0 && y >= 0 && x < w && y < h) { inView++; }
      }
      // Dense views get smaller symbols: the same shapes, less overdraw.
      var rad = inView > 20000 ? 4 : (inView > 5000 ? 5 : BASE_RADIUS);
      // Approximate areas and rings go on a canvas underneath, drawn with the
      // canvas API in one path per colour: few calls, however many areas.
      var under = this._under, uctx = this._uctx;
      L.DomUtil.setPosition(under, tl);
      if (under.width !== w || under.height !== h) {
        under.width = w; under.height = h; under.style.width = w + "px"; under.style.height = h + "px";
      }
      uctx.clearRect(0, 0, w, h);
      var paths = {}, ring = null;
      for (i = 0; i < n; i++) {
        k = key[i];
        if (k < 0 || (this.areaKm[i] === 0 && this.ringKm[i] === 0)) { continue; }
        x = X[i] - ox; y = Y[i] - oy;
        var cosLat = Math.cos(this.lat[i] * Math.PI / 180);
        if (this.areaKm[i] > 0) {
          r = Math.max(12, this.areaKm[i] * 1000 / (mPerPx * cosLat));
          if (x + r < 0 || y + r < 0 || x - r > w || y - r > h) { continue; }
          var pk = (k >> 3) + ((k & 7) < 2 ? "f" : "h");
          var path = paths[pk] || (paths[pk] = new Path2D());
          path.moveTo(x + r, y); path.arc(x, y, r, 0, 2 * Math.PI);
        }
        if (this.ringKm[i] > 0 && d.st[k >> 3] === "encircled") {
          r = Math.max(14, this.ringKm[i] * 1000 / (mPerPx * cosLat));
          ring = ring || new Path2D();
          ring.moveTo(x + r, y); ring.arc(x, y, r, 0, 2 * Math.PI);
        }
      }
      Object.keys(paths).forEach(function (pk) {
        uctx.globalAlpha = pk.charAt(pk.length - 1) === "f" ? 0.18 : 0.07;
        uctx.fillStyle = STYLE[d.st[parseInt(pk, 10)]][0];
        uctx.fill(paths[pk], "nonzero");
      });
      uctx.globalAlpha = 1;
      if (ring) {
        uctx.strokeStyle = STYLE.encircled[0]; uctx.lineWidth = 3; uctx.setLineDash([8, 5]);
        uctx.stroke(ring);
        uctx.setLineDash([]);
      }
      var drawn = 0, m = 2 * rad + 4;
      for (i = 0; i < n; i++) {
        k = key[i];
        if (k < 0) { continue; }
        x = X[i] - ox; y = Y[i] - oy;
        if (x < -m || y < -m || x > w + m || y > h + m) { continue; }
        var sp = this.sprites[k * 16 + rad] || this._sprite(k, rad);
        blit(buf, w, h, Math.round(x), Math.round(y), sp);
        sx[i] = x; sy[i] = y;
        var cx = Math.min(cols - 1, Math.max(0, Math.floor(x / cell)));
        var cy = Math.min(rows - 1, Math.max(0, Math.floor(y / cell)));
        var ci = cy * cols + cx;
        next[i] = head[ci]; head[ci] = i;
        drawn++;
      }
      ctx.putImageData(this._img, 0, 0);
      this.drawn = drawn;
      this.radius = rad;
    },

    // The place drawn nearest to a container point, within the hit radius;
    // later-drawn (more severe) places win ties, as they are on top.
    placeAt: function (cp) {
      if (!this._head || !this._map) { return -1; }
      var lp = this._map.containerPointToLayerPoint(cp);
      var x = lp.x - this._tl.x, y = lp.y - this._tl.y, cell = this.options.cell;
      var cx = Math.floor(x / cell), cy = Math.floor(y / cell), best = -1, bestD = this.options.hitRadius * this.options.hitRadius;
      for (var gy = cy - 1; gy <= cy + 1; gy++) {
        if (gy < 0 || gy >= this._rows) { continue; }
        for (var gx = cx - 1; gx <= cx + 1; gx++) {
          if (gx < 0 || gx >= this._cols) { continue; }
          for (var i = this._head[gy * this._cols + gx]; i >= 0; i = this.nextInCell[i]) {
            if (this.key[i] < 0) { continue; }
            var dx = this.sx[i] - x, dy = this.sy[i] - y, dd = dx * dx + dy * dy;
            if (dd <= bestD) { bestD = dd; best = i; }
          }
        }
      }
      return best;
    },

    // Where place i is drawn, in container pixels (for tests and tools).
    containerPoint: function (i) {
      var lp = L.point(this.sx[i] + this._tl.x, this.sy[i] + this._tl.y);
      return this._map.layerPointToContainerPoint(lp);
    },

    _onMove: function (e) {
      var i = this.placeAt(e.containerPoint);
      if (i === this.hover) { return; }
      this.hover = i;
      this._map.getContainer().style.cursor = i >= 0 ? "pointer" : "";
      if (i >= 0) { this.v.showTooltip(i); } else { this._map.closeTooltip(this.v.tooltip); }
    },

    _onOut: function () {
      this.hover = -1;
      this._map.getContainer().style.cursor = "";
      this._map.closeTooltip(this.v.tooltip);
    },

    _onClick: function (e) {
      var i = this.placeAt(e.containerPoint);
      if (i >= 0) { this.v.openPopup(i); }
    }
  });

  // ---- the map
  function SitmapView(pfx) {
    var root = document.getElementById(pfx);
    var raw = document.getElementById(pfx + "-data");
    if (!root || !raw) { throw new Error("sitmap: no map container or data for " + pfx); }
    this.pfx = pfx;
    this.root = root;
    this.d = JSON.parse(raw.textContent);
    this.ready = false;
    this._build();
  }

  SitmapView.prototype._build = function () {
    var self = this, d = this.d, pfx = this.pfx;
    var nPlaces = d.p.length;
    // Up to SVG_MAX places: one Leaflet vector marker each (clustered when
    // they crowd).  Beyond: a single canvas layer draws every place from typed
    // arrays, with its own hit testing; no per-place Leaflet object at all.
    this.useCanvas = nPlaces > SVG_MAX;
    this.useCluster = !this.useCanvas && !!L.MarkerClusterGroup && d.cluster !== false && nPlaces > 1;
    this.dateIdx = d.dates.length - 1;
    this.hidden = {};

    var map = this.map = L.map(pfx + "-map", {
      preferCanvas: this.useCanvas, zoomSnap: 0.25, worldCopyJump: true, minZoom: 1, maxZoom: 18
    });
    this.renderer = this.useCanvas ? L.canvas({padding: 0.3, tolerance: 3}) : L.svg({padding: 0.3});
    map.createPane(pfx + "-base").style.zIndex = 150;
    map.createPane(pfx + "-areas").style.zIndex = 390;

    this._basemap();
    L.control.scale({imperial: false}).addTo(map);
    this._fullscreenControl();
    // A provisional view so that layers can be added; the final one is set
    // once the legend and slider exist and their size is known.
    this.map.setView([48, 31], 5, {animate: false});

    this.tooltip = L.tooltip({direction: "top", offset: [0, -8], className: pfx + "-tt"});
    this.popup = L.popup({maxWidth: 380, maxHeight: 340, className: pfx + "-popup", autoPanPadding: [20, 20]});

    this._markers();
    this._legend();
    this._slider();
    this._table();
    this._sources();
    // The view first: its moveend redraw is cheap while nothing is styled
    // yet; refresh then draws everything once, in place.
    this._view();
    this.refresh();

    // "Drawn" means Leaflet has added the layers and the browser has painted a
    // frame after that; snapshots and the benchmark wait for this signal.
    requestAnimationFrame(function () {
      requestAnimationFrame(function () {
        self.ready = true;
        self.readyAt = window.performance ? performance.now() : 0;
        self.root.setAttribute("data-ready", "1");
        window.sitmapReady = Object.keys(SitmapMap.maps).every(function (k) { return SitmapMap.maps[k].ready; });
        var ev;
        try { ev = new CustomEvent("sitmap:ready", {detail: {prefix: pfx}}); } catch (e) { ev = null; }
        if (ev) { self.root.dispatchEvent(ev); }
      });
    });
  };

  SitmapView.prototype._basemap = function () {
    var map = this.map, pfx = this.pfx, d = this.d;
    var layers = [];
    if (d.base) {
      // The offline basemap: country outlines (and first-level regions where
      // shipped), always present underneath, so the map reads without network.
      var canvas = L.canvas({pane: pfx + "-base", padding: 0.5});
      var lands = L.geoJSON(d.base, {
        pane: pfx + "-base", renderer: canvas, interactive: false,
        style: function (f) {
          return f.properties && f.properties.l === 1 ?
            {color: "#b9b2a6", weight: 0.6, fill: false, dashArray: "3 3"} :
            {color: "#8c8577", weight: 0.9, fillColor: "#f3f0e8", fillOpacity: 1};
        }
      }).addTo(map);
      layers.push(["Offline outlines", lands]);
    }
    var overlays = {};
    if (d.tiles && d.tiles.url) {
      var tiles = L.tileLayer(d.tiles.url, {attribution: d.tiles.attr, maxZoom: 19, crossOrigin: false});
      overlays["Online map tiles"] = tiles;
      // Only ask for tiles when the browser believes it is online: the map
      // must not make requests that cannot succeed, and shows the offline
      // outlines meanwhile.  It adds them as soon as a connection appears.
      var addTiles = function () { if (!map.hasLayer(tiles)) { tiles.addTo(map); } };
      if (navigator.onLine) { addTiles(); } else { window.addEventListener("online", addTiles, {once: true}); }
      L.control.layers(null, overlays, {collapsed: true, position: "topright"}).addTo(map);
    }
    map.attributionControl.setPrefix(false);
    map.attributionControl.addAttribution("Outlines: Natural Earth");
  };

  SitmapView.prototype._view = function () {
    var v = this.d.view, map = this.map;
    this.homeBounds = v ? L.latLngBounds(v) : null;
    this.home();
  };

  SitmapView.prototype._fitPadding = function () {
    // Keep the places clear of the legend (bottom right) and the slider.
    var lw = 0, sh = 0;
    if (this.legend && this.legend.getContainer()) { lw = this.legend.getContainer().offsetWidth; }
    if (this.sliderBox) { sh = this.sliderBox.offsetHeight; }
    var size = this.map.getSize();
    lw = Math.min(lw, size.x / 2);
    return {paddingTopLeft: [50, 30], paddingBottomRight: [lw + 25, Math.min(sh, size.y / 3) + 25]};
  };

  SitmapView.prototype.home = function () {
    // Open on the theatre (conflict places), not on every place mentioned.
    if (this.homeBounds) {
      var o = this._fitPadding();
      o.maxZoom = 9; o.animate = false;
      this.map.fitBounds(this.homeBounds, o);
    } else {
      this.map.setView([30, 20], 2, {animate: false});
    }
  };

  SitmapView.prototype._fullscreenControl = function () {
    var self = this, pfx = this.pfx;
    var Ctl = L.Control.extend({
      options: {position: "topleft"},
      onAdd: function () {
        var box = L.DomUtil.create("div", "leaflet-bar " + pfx + "-fs");
        var home = el("button", pfx + "-btn");
        home.appendChild(icon("M4 11 L11 4 L18 11 M6 9.5 V18 H16 V9.5"));
        home.type = "button"; home.title = "Back to the theatre"; home.setAttribute("aria-label", "Back to the theatre");
        var all = el("button", pfx + "-btn");
        all.appendChild(icon("M11 3 A8 8 0 1 0 11.01 3 M3 11 H19 M11 3 C6 8 6 14 11 19 C16 14 16 8 11 3"));
        all.type = "button"; all.title = "Show every place"; all.setAttribute("aria-label", "Show every place");
        var fs = el("button", pfx + "-btn");
        fs.appendChild(icon("M3 8 V3 H8 M14 3 H19 V8 M19 14 V19 H14 M8 19 H3 V14"));
        fs.type = "button"; fs.title = "Full screen"; fs.setAttribute("aria-label", "Full screen");
        box.appendChild(home); box.appendChild(all); box.appendChild(fs);
        L.DomEvent.disableClickPropagation(box);
        L.DomEvent.on(home, "click", function () { self.home(); });
        L.DomEvent.on(all, "click", function () {
          if (self.d.all) {
            var o = self._fitPadding();
            o.maxZoom = 9;
            self.map.fitBounds(L.latLngBounds(self.d.all), o);
          }
        });
        L.DomEvent.on(fs, "click", function () { self.toggleFullscreen(); });
        return box;
      }
    });
    new Ctl().addTo(this.map);
    var onChange = function () {
      var on = document.fullscreenElement === self.root;
      if (!on) { L.DomUtil.removeClass(self.root, pfx + "-full"); }
      self.map.invalidateSize();
    };
    document.addEventListener("fullscreenchange", onChange);
  };

  SitmapView.prototype.toggleFullscreen = function () {
    // The Fullscreen API where the page may use it; otherwise (an iframe
    // without allowfullscreen, old browsers) a CSS class fills the viewport.
    var root = this.root, cls = this.pfx + "-full", map = this.map;
    if (document.fullscreenElement === root) { document.exitFullscreen(); return; }
    if (L.DomUtil.hasClass(root, cls)) { L.DomUtil.removeClass(root, cls); map.invalidateSize(); return; }
    L.DomUtil.addClass(root, cls);
    if (root.requestFullscreen && document.fullscreenEnabled) {
      root.requestFullscreen().catch(function () { map.invalidateSize(); });
    }
    map.invalidateSize();
  };

  SitmapView.prototype._markers = function () {
    var self = this, d = this.d, pfx = this.pfx, map = this.map;
    this.headline = new Int32Array(d.p.length);
    this.lineGroup = L.featureGroup().addTo(map);
    this.lineGroup.on("mouseover", function (e) { self._hover(e); });
    this.lineGroup.on("mouseout", function () { map.closeTooltip(self.tooltip); });
    this.lineGroup.on("click", function (e) { self._click(e); });
    if (this.useCanvas) {
      this._lines();
      this.points = new PointLayer(this).addTo(map);
      return;
    }
    this.groups = {};
    this.markers = new Array(d.p.length);
    this.areas = {};
    this.rings = {};
    var clusterOpts = function (status) {
      return {
        maxClusterRadius: 28, showCoverageOnHover: false, spiderfyOnMaxZoom: true,
        chunkedLoading: true, disableClusteringAtZoom: 12, clusterPane: "markerPane",
        iconCreateFunction: function (c) {
          var n = c.getChildCount(), div = el("div", pfx + "-cl", n);
          div.style.borderColor = (STYLE[status] || STYLE.mentioned)[0];
          return L.divIcon({html: div, className: pfx + "-clw", iconSize: [28, 28]});
        }
      };
    };
    // Least severe first, so the most severe symbols are drawn on top.
    d.st.slice().reverse().forEach(function (status) {
      var g = self.useCluster ? L.markerClusterGroup(clusterOpts(status)) : L.featureGroup();
      g.addTo(map);
      g.on("mouseover", function (e) { self._hover(e); });
      g.on("mouseout", function () { map.closeTooltip(self.tooltip); });
      g.on("click", function (e) { self._click(e); });
      self.groups[status] = g;
    });
    this.areaGroup = L.featureGroup().addTo(map);
    this.ringGroup = L.featureGroup().addTo(map);
    [this.areaGroup, this.ringGroup].forEach(function (g) {
      g.on("mouseover", function (e) { self._hover(e); });
      g.on("mouseout", function () { map.closeTooltip(self.tooltip); });
      g.on("click", function (e) { self._click(e); });
    });
    for (var i = 0; i < d.p.length; i++) {
      var p = d.p[i];
      var m = new Shape([p[1], p[2]], {
        renderer: this.renderer, radius: p[3] > 1 ? BASE_RADIUS - 2 : BASE_RADIUS,
        className: pfx + "-mk", bubblingMouseEvents: false
      });
      m._sitmapIdx = i;
      this.markers[i] = m;
      if (p[6]) {
        // An approximate location is drawn as an area, so a region or
        // country centroid never looks like a pinpointed event.
        // Its radius is the area's on the ground but never under 12 pixels,
        // so the disc still shows around the symbol when zoomed out.
        var a = L.circleMarker([p[1], p[2]], {
          radius: 12, pane: pfx + "-areas", renderer: this.renderer,
          stroke: true, weight: 1, dashArray: "2 5", className: pfx + "-area"
        });
        a._sitmapIdx = i;
        a._sitmapKm = p[6];
        this.areas[i] = a;
      }
    }
    this._lines();
    (d.g || []).forEach(function (g) {
      // Rings around encircled places (g[2] is the radius in km).
      var idx = g[0], kind = g[1], layer;
      if (kind === "ring") {
        var p = d.p[idx];
        layer = L.circleMarker([p[1], p[2]], {
          radius: 14, renderer: self.renderer, color: STYLE.encircled[0], weight: 3,
          dashArray: "8 5", fill: false, className: pfx + "-ring"
        });
        layer._sitmapIdx = idx;
        layer._sitmapKm = g[2];
        self.rings[idx] = layer;
      }
    });
    // Areas and rings keep their size on the ground, but never shrink below
    // the symbol they surround when the map is zoomed out.
    var sizeAreas = function () {
      var S = 256 * Math.pow(2, map.getZoom()), mPerPx = 40075016.686 / S;
      [[self.areas, 12], [self.rings, 14]].forEach(function (set) {
        Object.keys(set[0]).forEach(function (k) {
          var ar = set[0][k], lat = ar.getLatLng().lat;
          ar.setRadius(Math.max(set[1], ar._sitmapKm * 1000 / (mPerPx * Math.cos(lat * Math.PI / 180))));
        });
      });
    };
    map.on("zoomend", sizeAreas);
    sizeAreas();
  };

  SitmapView.prototype._lines = function () {
    // Geometries from the gazetteer, such as a border, drawn as lines.
    var self = this, pfx = this.pfx;
    (this.d.g || []).forEach(function (g) {
      if (g[1] !== "line") { return; }
      var layer = L.geoJSON(g[2], {
        renderer: self.renderer,
        style: function () { return {color: "#444444", weight: 3, opacity: 0.8, className: pfx + "-line"}; }
      });
      layer.eachLayer(function (l) { l._sitmapIdx = g[0]; });
      self.lineGroup.addLayer(layer);
    });
  };

  SitmapView.prototype._hover = function (e) {
    var l = e.propagatedFrom || e.layer;
    if (!l || l._sitmapIdx === undefined) { return; }
    this.showTooltip(l._sitmapIdx);
  };

  SitmapView.prototype.showTooltip = function (i) {
    var p = this.d.p[i], h = this.headline[i];
    var box = el("div");
    box.appendChild(el("strong", null, p[0]));
    if (h >= 0) {
      var a = this.d.a[h];
      box.appendChild(document.createTextNode(" \u2014 " + (LABEL[this.d.st[a[1]]] || this.d.st[a[1]]) + ", " + this.d.ep[a[2]]));
    }
    this.tooltip.setLatLng([p[1], p[2]]).setContent(box);
    this.map.openTooltip(this.tooltip);
  };

  SitmapView.prototype._click = function (e) {
    var l = e.propagatedFrom || e.layer;
    if (!l || l._sitmapIdx === undefined) { return; }
    this.openPopup(l._sitmapIdx);
  };

  SitmapView.prototype.openPopup = function (i) {
    var p = this.d.p[i];
    this.map.closeTooltip(this.tooltip);
    this.popup.setLatLng([p[1], p[2]]).setContent(this._popupContent(i)).openOn(this.map);
    return this.popup;
  };

  SitmapView.prototype._popupContent = function (i) {
    var d = this.d, pfx = this.pfx, p = d.p[i];
    var box = el("div", pfx + "-pop");
    box.appendChild(el("h3", null, p[0]));
    var sub = [];
    if (p[5]) { sub.push(p[5]); }
    if (p[4]) { sub.push(p[4]); }
    sub.push("location: " + (PRECISION_LABEL[p[3]] || ("precision " + p[3])));
    box.appendChild(el("div", pfx + "-popsub", sub.join(" \u00b7 ")));
    // Every assertion behind the headline, newest first; undated last.
    var idx = [];
    for (var q = p[7]; q < p[7] + p[8]; q++) { idx.push(q); }
    idx.sort(function (x, y) {
      var dx = d.a[x][3], dy = d.a[y][3];
      dx = dx === null || dx === undefined ? -1 : dx; dy = dy === null || dy === undefined ? -1 : dy;
      return dy - dx || x - y;
    });
    var list = el("ol", pfx + "-asl");
    var shown = 0;
    for (var k = 0; k < idx.length; k++) {
      var a = d.a[idx[k]];
      if (!this._visibleAt(a)) { continue; }
      shown++;
      var status = d.st[a[1]], epi = d.ep[a[2]];
      var li = el("li", pfx + "-as");
      var head = el("div", pfx + "-ashead");
      head.appendChild(swatch(pfx, status, epi, 16));
      head.appendChild(el("strong", null, LABEL[status] || status));
      head.appendChild(el("span", pfx + "-epi " + pfx + "-epi-" + epi, EPI_LABEL[epi] || epi));
      if (a[8]) { head.appendChild(el("span", pfx + "-out", a[8])); }
      li.appendChild(head);
      if (a[6]) { li.appendChild(el("div", pfx + "-who", "According to: " + a[6])); }
      if (a[7]) { li.appendChild(el("div", pfx + "-hedge", "Caveat in the text: \u201c" + a[7] + "\u201d")); }
      li.appendChild(el("blockquote", pfx + "-q", a[5]));
      li.appendChild(this._sourceLine(a));
      list.appendChild(li);
    }
    box.appendChild(list);
    if (shown < idx.length) {
      box.appendChild(el("div", pfx + "-popsub", (idx.length - shown) + " later assertion(s) hidden by the time slider"));
    }
    return box;
  };

  SitmapView.prototype._sourceLine = function (a) {
    var d = this.d, pfx = this.pfx;
    var line = el("div", pfx + "-src");
    var date = a[3] === null || a[3] === undefined || a[3] < 0 ? null : d.dates[a[3]];
    var s = (a[4] === null || a[4] === undefined) ? null : d.src[a[4]];
    line.appendChild(document.createTextNode(date ? date + " \u00b7 " : "Undated \u00b7 "));
    if (s) {
      var name = s[0] || s[2] || s[4] || "source";
      var url = safeUrl(s[1]);
      if (url) {
        var link = el("a", null, name);
        link.href = url; link.target = "_blank"; link.rel = "noopener noreferrer nofollow";
        line.appendChild(link);
      } else {
        line.appendChild(el("span", null, name));
      }
      if (s[2] && s[2] !== name) { line.appendChild(document.createTextNode(" (" + s[2] + ")")); }
    }
    return line;
  };

  SitmapView.prototype._visibleAt = function (a) {
    var di = a[3];
    return di === null || di === undefined || di < 0 || di <= this.dateIdx;
  };

  SitmapView.prototype._computeHeadlines = function () {
    // A place's assertions are the p[8] rows from row p[7], in headline
    // order (most severe, best established, newest; denied ones last), so the
    // headline as of the slider's date is the first one dated on or before it.
    var d = this.d, n = d.p.length;
    for (var i = 0; i < n; i++) {
      var p = d.p[i], h = -1;
      for (var k = p[7], end = p[7] + p[8]; k < end; k++) {
        if (this._visibleAt(d.a[k])) { h = k; break; }
      }
      this.headline[i] = h;
    }
  };

  SitmapView.prototype.refresh = function () {
    var d = this.d, self = this;
    this._computeHeadlines();
    var byStatus = {}, counts = {};
    d.st.forEach(function (s) { byStatus[s] = []; counts[s] = 0; });
    if (this.useCanvas) {
      var n = d.p.length, hiddenIdx = {};
      d.st.forEach(function (s, k) { hiddenIdx[k] = !!self.hidden[s]; });
      for (var j = 0; j < n; j++) {
        var hj = this.headline[j];
        if (hj < 0) { this.points.key[j] = -1; continue; }
        var aj = d.a[hj];
        counts[d.st[aj[1]]]++;
        this.points.key[j] = hiddenIdx[aj[1]] ? -1 : aj[1] * 8 + aj[2];
      }
      this.points.redraw();
      this.counts = counts;
      this._updateLegendCounts();
      if (this.tableBox && this.tableBox.open) { this._renderTable(); }
      return;
    }
    this.areaGroup.clearLayers();
    this.ringGroup.clearLayers();
    var areas = [], rings = [];
    for (var i = 0; i < d.p.length; i++) {
      var h = this.headline[i];
      if (h < 0) { continue; }
      var a = d.a[h], status = d.st[a[1]], epi = d.ep[a[2]];
      counts[status]++;
      var m = this.markers[i], st = markerStyle(status, epi);
      st.shape = STYLE[status][1];
      L.Util.setOptions(m, st);
      m.options.className = this.pfx + "-mk " + this.pfx + "-s-" + status + " " + this.pfx + "-e-" + epi;
      if (m._path) { m._path.setAttribute("class", "leaflet-interactive " + m.options.className); }
      if (this.hidden[status]) { continue; }
      byStatus[status].push(m);
      if (this.areas[i]) {
        var ar = this.areas[i];
        L.Util.setOptions(ar, {color: STYLE[status][0], fillColor: STYLE[status][0],
          fillOpacity: st.fillOpacity > 0.5 ? 0.18 : 0.06});
        areas.push(ar);
      }
      if (status === "encircled" && this.rings[i]) { rings.push(this.rings[i]); }
    }
    // Clear every group before filling any: a place that changed status is
    // still a member of its old group, whose clearing would take it off the map.
    d.st.forEach(function (s) { self.groups[s].clearLayers(); });
    d.st.slice().reverse().forEach(function (s) {
      var g = self.groups[s];
      if (self.useCluster) { g.addLayers(byStatus[s]); }
      else { byStatus[s].forEach(function (m) { g.addLayer(m); }); }
    });
    // Removed and re-added, so every layer is drawn afresh in its new style.
    areas.forEach(function (a) { self.areaGroup.addLayer(a); });
    rings.forEach(function (r) { self.ringGroup.addLayer(r); });
    this.counts = counts;
    this._updateLegendCounts();
    if (this.tableBox && this.tableBox.open) { this._renderTable(); }
  };

  SitmapView.prototype.visibleCount = function () {
    var n = 0, self = this;
    this.d.st.forEach(function (s) { if (!self.hidden[s]) { n += self.counts[s]; } });
    return n;
  };

  SitmapView.prototype.setStatusVisible = function (status, on) {
    this.hidden[status] = !on;
    this.refresh();
  };

  SitmapView.prototype.setDateIndex = function (i) {
    this.dateIdx = Math.max(0, Math.min(this.d.dates.length - 1, i | 0));
    if (this.sliderInput) {
      this.sliderInput.value = String(this.dateIdx);
      this.sliderLabel.textContent = "Situation as of " + this.d.dates[this.dateIdx];
    }
    this.refresh();
  };

  // ---- legend: every symbol on this map, and only those; doubles as the
  // per-status layer toggle.
  SitmapView.prototype._legend = function () {
    var self = this, d = this.d, pfx = this.pfx;
    var Ctl = L.Control.extend({
      options: {position: "bottomright"},
      onAdd: function () {
        var box = L.DomUtil.create("div", pfx + "-legend");
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", "Legend");
        L.DomEvent.disableClickPropagation(box);
        L.DomEvent.disableScrollPropagation(box);
        var det = el("details");
        // Open where there is room; on a narrow embed it starts folded.
        det.open = self.map.getSize().x >= 640;
        det.appendChild(el("summary", null, "Legend"));
        var used = d.used;
        var tbl = el("div", pfx + "-lgrid");
        self.legendRows = {};
        used.s.forEach(function (status) {
          var row = el("label", pfx + "-lrow " + pfx + "-ls-" + status);
          var cb = el("input");
          cb.type = "checkbox"; cb.checked = true; cb.value = status;
          cb.className = pfx + "-toggle";
          cb.setAttribute("aria-label", "Show " + (LABEL[status] || status));
          cb.addEventListener("change", function () { self.setStatusVisible(status, cb.checked); });
          row.appendChild(cb);
          row.appendChild(swatch(pfx, status, "reported"));
          var txt = el("span", null, LABEL[status] || status);
          row.appendChild(txt);
          var cnt = el("span", pfx + "-cnt", "");
          row.appendChild(cnt);
          self.legendRows[status] = cnt;
          tbl.appendChild(row);
        });
        det.appendChild(el("div", pfx + "-lh", "Status (colour and shape) \u2014 tick to show"));
        det.appendChild(tbl);
        var epis = el("div", pfx + "-lgrid");
        var EPI_TEXT = {
          confirmed: "Filled, dark outline: confirmed",
          reported: "Filled: reported by the outlet",
          claimed: "Hollow: claimed by a party, not verified",
          disputed: "Hollow, dashed: disputed or doubted",
          denied: "Hollow, dotted: denied"
        };
        used.e.forEach(function (epi) {
          var row = el("div", pfx + "-lrow " + pfx + "-le-" + epi);
          row.appendChild(swatch(pfx, null, epi));
          row.appendChild(el("span", null, EPI_TEXT[epi] || epi));
          epis.appendChild(row);
        });
        det.appendChild(el("div", pfx + "-lh", "How well established"));
        det.appendChild(epis);
        var extra = el("div", pfx + "-lgrid");
        var ns = "http://www.w3.org/2000/svg";
        function svgRow(cls, draw, text) {
          var row = el("div", pfx + "-lrow " + cls);
          var svg = document.createElementNS(ns, "svg");
          svg.setAttribute("width", 22); svg.setAttribute("height", 22); svg.setAttribute("viewBox", "0 0 22 22");
          svg.setAttribute("aria-hidden", "true"); svg.setAttribute("class", pfx + "-sw");
          draw(svg);
          row.appendChild(svg); row.appendChild(el("span", null, text));
          extra.appendChild(row);
        }
        function shape(svg, tag, attrs) {
          var n = document.createElementNS(ns, tag);
          Object.keys(attrs).forEach(function (k) { n.setAttribute(k, attrs[k]); });
          svg.appendChild(n);
        }
        if (used.area) {
          svgRow(pfx + "-lx-area", function (svg) {
            shape(svg, "circle", {cx: 11, cy: 11, r: 9.5, fill: "#777", "fill-opacity": 0.18, stroke: "#777", "stroke-dasharray": "2 3"});
            shape(svg, "circle", {cx: 11, cy: 11, r: 3, fill: "#777"});
          }, "Shaded disc: approximate location (near a place, a region or a country)");
        }
        if (used.ring) {
          svgRow(pfx + "-lx-ring", function (svg) {
            shape(svg, "circle", {cx: 11, cy: 11, r: 8.5, fill: "none", stroke: STYLE.encircled[0], "stroke-width": 2.5, "stroke-dasharray": "5 3"});
          }, "Dashed ring: encirclement reported around the place");
        }
        if (used.line) {
          svgRow(pfx + "-lx-line", function (svg) {
            shape(svg, "path", {d: "M2 16 L9 8 L14 12 L20 5", fill: "none", stroke: "#444", "stroke-width": 3});
          }, "Grey line: a border the text refers to");
        }
        if (self.useCluster) {
          svgRow(pfx + "-lx-cluster", function (svg) {
            shape(svg, "circle", {cx: 11, cy: 11, r: 9, fill: "#fff", stroke: "#555", "stroke-width": 3});
            var t = document.createElementNS(ns, "text");
            t.setAttribute("x", 11); t.setAttribute("y", 15); t.setAttribute("text-anchor", "middle");
            t.setAttribute("font-size", 10); t.textContent = "5"; svg.appendChild(t);
          }, "Number: several places of one status close together; zoom in or click");
        }
        if (extra.childNodes.length) {
          det.appendChild(el("div", pfx + "-lh", "Other symbols"));
          det.appendChild(extra);
        }
        box.appendChild(det);
        return box;
      }
    });
    this.legend = new Ctl().addTo(this.map);
  };

  SitmapView.prototype._updateLegendCounts = function () {
    if (!this.legendRows) { return; }
    var self = this;
    Object.keys(this.legendRows).forEach(function (s) {
      self.legendRows[s].textContent = String(self.counts[s] || 0);
    });
  };

  SitmapView.prototype._slider = function () {
    var self = this, d = this.d, pfx = this.pfx;
    if (d.dates.length < 2) { return; }
    var Ctl = L.Control.extend({
      options: {position: "bottomleft"},
      onAdd: function () {
        var box = L.DomUtil.create("div", pfx + "-slider");
        L.DomEvent.disableClickPropagation(box);
        var id = pfx + "-range";
        var lab = el("label", null, "Situation as of " + d.dates[d.dates.length - 1]);
        lab.htmlFor = id;
        var inp = el("input");
        inp.type = "range"; inp.id = id; inp.min = "0"; inp.max = String(d.dates.length - 1);
        inp.step = "1"; inp.value = String(d.dates.length - 1);
        inp.setAttribute("aria-valuetext", d.dates[d.dates.length - 1]);
        var ends = el("div", pfx + "-ends");
        ends.appendChild(el("span", null, d.dates[0]));
        ends.appendChild(el("span", null, d.dates[d.dates.length - 1]));
        inp.addEventListener("input", function () {
          var i = parseInt(inp.value, 10);
          inp.setAttribute("aria-valuetext", d.dates[i]);
          self.setDateIndex(i);
        });
        self.sliderInput = inp; self.sliderLabel = lab; self.sliderBox = box;
        box.appendChild(lab); box.appendChild(inp); box.appendChild(ends);
        return box;
      }
    });
    new Ctl().addTo(this.map);
  };

  // ---- table view: every place, sortable, the accessible route to the data.
  var PAGE = 500;
  SitmapView.prototype._table = function () {
    var self = this, pfx = this.pfx;
    this.tableBox = document.getElementById(pfx + "-tablebox");
    this.tableHost = document.getElementById(pfx + "-table");
    if (!this.tableBox || !this.tableHost) { return; }
    this.sortKey = "status"; this.sortDir = 1; this.page = 0;
    this.tableBox.addEventListener("toggle", function () { if (self.tableBox.open) { self._renderTable(); } });
    if (this.tableBox.open) { this._renderTable(); }
  };

  SitmapView.prototype._tableRows = function () {
    var d = this.d, rows = [];
    for (var i = 0; i < d.p.length; i++) {
      var h = this.headline[i];
      if (h < 0) { continue; }
      var a = d.a[h], st = d.st[a[1]];
      if (this.hidden[st]) { continue; }
      var latest = -1, p = d.p[i];
      for (var k = p[7]; k < p[7] + p[8]; k++) {
        var x = d.a[k];
        if (this._visibleAt(x) && x[3] !== null && x[3] !== undefined && x[3] > latest) { latest = x[3]; }
      }
      rows.push({i: i, name: d.p[i][0], status: a[1], epi: a[2], who: a[6] || "", n: p[8],
        date: latest, country: d.p[i][5] || ""});
    }
    var key = this.sortKey, dir = this.sortDir;
    rows.sort(function (x, y) {
      var vx = x[key], vy = y[key];
      if (vx < vy) { return -dir; }
      if (vx > vy) { return dir; }
      return x.i - y.i;
    });
    return rows;
  };

  SitmapView.prototype._renderTable = function () {
    var self = this, d = this.d, pfx = this.pfx, host = this.tableHost;
    var rows = this._tableRows();
    var pages = Math.max(1, Math.ceil(rows.length / PAGE));
    if (this.page >= pages) { this.page = pages - 1; }
    var cols = [["name", "Place"], ["status", "Headline status"], ["epi", "Established"], ["who", "According to"],
      ["date", "Latest date"], ["n", "Assertions"], ["country", "Country"]];
    var table = el("table", pfx + "-tbl");
    var cap = el("caption", null, rows.length + " places, sorted by " +
      cols.filter(function (c) { return c[0] === self.sortKey; })[0][1].toLowerCase() +
      (this.sortDir > 0 ? " (ascending)" : " (descending)"));
    table.appendChild(cap);
    var thead = el("thead"), tr = el("tr");
    cols.forEach(function (c) {
      var th = el("th");
      th.scope = "col";
      if (c[0] === self.sortKey) { th.setAttribute("aria-sort", self.sortDir > 0 ? "ascending" : "descending"); }
      var b = el("button", pfx + "-sort", c[1] + (c[0] === self.sortKey ? (self.sortDir > 0 ? " \u25b2" : " \u25bc") : ""));
      b.type = "button";
      b.setAttribute("data-key", c[0]);
      b.addEventListener("click", function () {
        if (self.sortKey === c[0]) { self.sortDir = -self.sortDir; } else { self.sortKey = c[0]; self.sortDir = 1; }
        self.page = 0;
        self._renderTable();
        var again = host.querySelector("button[data-key=\"" + c[0] + "\"]");
        if (again) { again.focus(); }
      });
      th.appendChild(b);
      tr.appendChild(th);
    });
    thead.appendChild(tr);
    table.appendChild(thead);
    var tbody = el("tbody");
    var start = this.page * PAGE, end = Math.min(rows.length, start + PAGE);
    for (var r = start; r < end; r++) {
      var row = rows[r], trr = el("tr");
      var tdn = el("th");
      tdn.scope = "row";
      var go = el("button", pfx + "-go", row.name);
      go.type = "button";
      go.setAttribute("data-idx", String(row.i));
      go.title = "Show on the map";
      (function (i) {
        go.addEventListener("click", function () {
          var p = d.p[i];
          self.map.setView([p[1], p[2]], Math.max(self.map.getZoom(), 8), {animate: false});
          self.openPopup(i);
          document.getElementById(pfx + "-map").focus();
        });
      })(row.i);
      tdn.appendChild(go);
      trr.appendChild(tdn);
      var st = d.st[row.status], ep = d.ep[row.epi];
      var tds = el("td");
      tds.appendChild(swatch(pfx, st, ep, 14));
      tds.appendChild(document.createTextNode(" " + (LABEL[st] || st)));
      trr.appendChild(tds);
      trr.appendChild(el("td", null, EPI_LABEL[ep] || ep));
      trr.appendChild(el("td", null, row.who));
      trr.appendChild(el("td", null, row.date >= 0 ? d.dates[row.date] : ""));
      trr.appendChild(el("td", pfx + "-num", row.n));
      trr.appendChild(el("td", null, row.country));
      tbody.appendChild(trr);
    }
    table.appendChild(tbody);
    host.textContent = "";
    host.appendChild(table);
    if (pages > 1) {
      var nav = el("div", pfx + "-pager");
      var prev = el("button", null, "Previous"), next = el("button", null, "Next");
      prev.type = next.type = "button";
      prev.disabled = this.page === 0; next.disabled = this.page >= pages - 1;
      prev.addEventListener("click", function () { self.page--; self._renderTable(); });
      next.addEventListener("click", function () { self.page++; self._renderTable(); });
      nav.appendChild(prev);
      nav.appendChild(el("span", null, " rows " + (start + 1) + "\u2013" + end + " of " + rows.length + " "));
      nav.appendChild(next);
      host.appendChild(nav);
    }
  };

  SitmapView.prototype._sources = function () {
    var d = this.d, self = this;
    var box = document.getElementById(this.pfx + "-sources");
    var list = document.getElementById(this.pfx + "-srclist");
    if (!box || !list) { return; }
    var fill = function () {
      if (list.childNodes.length) { return; }
      d.src.forEach(function (s) {
        var li = el("li");
        var url = safeUrl(s[1]), name = s[0] || s[2] || s[4] || "source";
        if (url) {
          var a = el("a", null, name);
          a.href = url; a.rel = "noopener noreferrer nofollow"; a.target = "_blank";
          li.appendChild(a);
        } else { li.appendChild(el("span", null, name)); }
        var meta = [];
        if (s[2] && s[2] !== name) { meta.push(s[2]); }
        if (s[3]) { meta.push(s[3]); }
        if (meta.length) { li.appendChild(document.createTextNode(" \u2014 " + meta.join(", "))); }
        list.appendChild(li);
      });
    };
    if (box.open) { fill(); }
    box.addEventListener("toggle", function () { if (box.open) { fill(); } });
    self.fillSources = fill;
  };

  var SitmapMap = {
    maps: {},
    init: function (pfx) {
      var v = new SitmapView(pfx);
      SitmapMap.maps[pfx] = v;
      return v.map;
    },
    STYLE: STYLE,
    LABEL: LABEL
  };
  window.SitmapMap = SitmapMap;
})();
