// Drawing regions on a process photo (portal, customer QC engineer). A small SVG overlay of our own:
// pointer events serve mouse, pen and touch alike; regions are kept in percent of the photo, written into
// hidden "regions" fields ("x,y,w,h") that the form posts. Without this script the form still works with
// the typed fallback field.
(function () {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg";
  var MIN_PERCENT = 1; // a tap or a tiny slip is not a region

  function round2(v) { return Math.round(v * 100) / 100; }
  function clamp(v, lo, hi) { return Math.min(hi, Math.max(lo, v)); }

  function init(surface) {
    var form = document.querySelector("[data-annotation-form]");
    if (!form) return;
    var layer = surface.querySelector("[data-draft-layer]");
    var inputs = form.querySelector("[data-region-inputs]");
    var fallback = form.querySelector("[data-region-fallback]");
    var toggle = form.querySelector("[data-draw-toggle]");
    var undo = form.querySelector("[data-draw-undo]");
    var counter = form.querySelector("[data-region-count]");
    var W = parseFloat(surface.dataset.width), H = parseFloat(surface.dataset.height);
    var R = parseFloat(surface.dataset.radius);
    var max = parseInt(form.dataset.max || "5", 10);
    var regions = []; // {x, y, w, h} in percent
    var drag = null;

    function el(name, attrs) {
      var node = document.createElementNS(SVG, name);
      Object.keys(attrs).forEach(function (k) { node.setAttribute(k, attrs[k]); });
      return node;
    }

    function render() {
      while (layer.firstChild) layer.removeChild(layer.firstChild);
      inputs.textContent = "";
      regions.forEach(function (r, i) {
        var g = el("g", { "class": "anno-draft__region" });
        g.appendChild(el("rect", { x: r.x * W / 100, y: r.y * H / 100, width: r.w * W / 100, height: r.h * H / 100,
                                   "vector-effect": "non-scaling-stroke" }));
        g.appendChild(el("circle", { cx: (r.x + r.w) * W / 100, cy: r.y * H / 100, r: R }));
        var label = el("text", { x: (r.x + r.w) * W / 100, y: r.y * H / 100, "font-size": R * 1.2,
                                 "text-anchor": "middle", "dominant-baseline": "central" });
        label.textContent = String.fromCharCode(65 + i); // A, B, C… (numbers belong to saved annotations)
        g.appendChild(label);
        layer.appendChild(g);
        var input = document.createElement("input");
        input.type = "hidden";
        input.name = "regions";
        input.value = [r.x, r.y, r.w, r.h].map(round2).join(",");
        inputs.appendChild(input);
      });
      counter.textContent = regions.length ? regions.length + " / " + max : "";
      undo.disabled = regions.length === 0;
    }

    function percentAt(ev) {
      var box = surface.getBoundingClientRect();
      return { x: clamp((ev.clientX - box.left) / box.width * 100, 0, 100),
               y: clamp((ev.clientY - box.top) / box.height * 100, 0, 100) };
    }

    function rectOf(a, b) {
      var x = Math.min(a.x, b.x), y = Math.min(a.y, b.y);
      return { x: round2(x), y: round2(y), w: round2(Math.abs(a.x - b.x)), h: round2(Math.abs(a.y - b.y)) };
    }

    function setDrawing(on) {
      surface.classList.toggle("is-drawing", on);
      toggle.setAttribute("aria-pressed", on ? "true" : "false");
    }

    // Regions sent before a refused submit come back in the typed field: draw those that fit again and
    // leave the rest there, next to the server's message. The typed field stays usable for anyone who
    // cannot drag; it is only folded away.
    var typed = form.querySelector("[data-region-typed]");
    if (fallback) {
      var rest = [];
      fallback.value.split(";").forEach(function (part) {
        if (!part.trim()) return;
        var n = part.split(",").map(function (s) { return Number(s.trim()); });
        var fits = n.length === 4 && n.every(isFinite) && n[0] >= 0 && n[1] >= 0 && n[2] > 0 && n[3] > 0 &&
                   n[0] + n[2] <= 100 && n[1] + n[3] <= 100;
        if (fits && regions.length < max) regions.push({ x: n[0], y: n[1], w: n[2], h: n[3] });
        else rest.push(part.trim());
      });
      fallback.value = rest.join("; ");
      if (typed && !rest.length && fallback.getAttribute("aria-invalid") !== "true") typed.open = false;
    }

    toggle.addEventListener("click", function () {
      setDrawing(!surface.classList.contains("is-drawing"));
    });
    undo.addEventListener("click", function () { regions.pop(); render(); });

    surface.addEventListener("pointerdown", function (ev) {
      if (!surface.classList.contains("is-drawing") || regions.length >= max) return;
      if (ev.button !== undefined && ev.button > 0) return;
      ev.preventDefault();
      surface.setPointerCapture(ev.pointerId);
      var start = percentAt(ev);
      var shape = el("rect", { "class": "anno-draft__live", x: start.x * W / 100, y: start.y * H / 100,
                               width: 0, height: 0, "vector-effect": "non-scaling-stroke" });
      layer.appendChild(shape);
      drag = { id: ev.pointerId, start: start, shape: shape };
    });
    surface.addEventListener("pointermove", function (ev) {
      if (!drag || ev.pointerId !== drag.id) return;
      var r = rectOf(drag.start, percentAt(ev));
      drag.shape.setAttribute("x", r.x * W / 100);
      drag.shape.setAttribute("y", r.y * H / 100);
      drag.shape.setAttribute("width", r.w * W / 100);
      drag.shape.setAttribute("height", r.h * H / 100);
    });
    function finish(ev) {
      if (!drag || ev.pointerId !== drag.id) return;
      var r = rectOf(drag.start, percentAt(ev));
      drag = null;
      if (ev.type === "pointerup" && r.w >= MIN_PERCENT && r.h >= MIN_PERCENT) {
        regions.push(r);
        if (regions.length >= max) setDrawing(false);
      }
      render();
    }
    surface.addEventListener("pointerup", finish);
    surface.addEventListener("pointercancel", finish);

    form.addEventListener("submit", function (ev) {
      if (!regions.length && !(fallback && fallback.value.trim())) {
        ev.preventDefault();
        setDrawing(true);
        counter.textContent = form.dataset.needRegion || "";
        surface.scrollIntoView({ block: "center" });
      }
    });
    render();
  }

  function start() {
    document.querySelectorAll("[data-draw-surface]").forEach(init);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
