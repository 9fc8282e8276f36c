// OrderPulse production charts: the customer's order Gantt (portal), the work-center Gantt and the
// load heat map (back office). Figures come as JSON (fetched, or in a data attribute); Plotly is
// loaded only when a chart is about to be shown. No inline script anywhere (the CSP forbids it).
(function () {
  "use strict";

  var COLORS = {
    planned: "#c9d8f5",
    plannedLine: "#8fa9d9",
    actual: "#0f5bd7",
    done: "#1b7f45",
    late: "#c62828",
    waiting: "#a9c2ee",
    today: "#a15c00",
    text: "#1b2330",
    grid: "#dde3ec"
  };
  var MS_HOUR = 3600 * 1000;

  // Factory wall-clock strings ("2026-12-01 08:00") read as UTC: differences stay right in any zone.
  function ms(s) { return Date.parse(s.replace(" ", "T") + ":00Z"); }
  function short(s) { return s ? s.slice(5) : "–"; }

  var plotlyPromise = {};
  function loadPlotly(src) {
    if (window.Plotly) return Promise.resolve(window.Plotly);
    if (!plotlyPromise[src]) {
      plotlyPromise[src] = new Promise(function (resolve, reject) {
        var s = document.createElement("script");
        s.src = src;
        s.onload = function () { resolve(window.Plotly); };
        s.onerror = reject;
        document.head.appendChild(s);
      });
    }
    return plotlyPromise[src];
  }

  function whenVisible(el, fn) {
    if (!("IntersectionObserver" in window)) { fn(); return; }
    var io = new IntersectionObserver(function (entries) {
      if (entries.some(function (e) { return e.isIntersecting; })) { io.disconnect(); fn(); }
    }, { rootMargin: "200px" });
    io.observe(el);
  }

  function el(tag, cls, text) {
    var n = document.createElement(tag);
    if (cls) n.className = cls;
    if (text !== undefined && text !== null) n.textContent = text;
    return n;
  }

  var CONFIG = { displayModeBar: false, responsive: true, scrollZoom: false };

  // --- the customer's order Gantt ------------------------------------------------------------------

  function orderFigure(data, t) {
    var names = [], plan = { base: [], x: [], y: [], line: [], hover: [] };
    var act = { base: [], x: [], y: [], color: [], text: [], hover: [] };
    var lo = Infinity, hi = -Infinity, now = ms(data.now), seen = {};
    data.lines.forEach(function (line) {
      line.stages.forEach(function (s) {
        var name = line.line_no + " · " + s.label;
        while (seen[name]) name += "\u200b"; // a stage twice in one routing still gets its own row
        seen[name] = true;
        names.push(name);
        if (s.planned_start && s.planned_end) {
          var a = ms(s.planned_start), b = ms(s.planned_end);
          plan.base.push(s.planned_start); plan.x.push(Math.max(b - a, MS_HOUR / 4)); plan.y.push(name);
          plan.line.push(s.late ? COLORS.late : COLORS.plannedLine);
          plan.hover.push(s.label + "<br>" + t.planned + ": " + short(s.planned_start) + " → " + short(s.planned_end));
          lo = Math.min(lo, a); hi = Math.max(hi, b);
        }
        if (s.actual_start) {
          var as = ms(s.actual_start), ae = s.actual_end ? ms(s.actual_end) : Math.max(now, as);
          act.base.push(s.actual_start); act.x.push(Math.max(ae - as, MS_HOUR / 4)); act.y.push(name);
          act.color.push(s.late ? COLORS.late : (s.actual_end ? COLORS.done : COLORS.actual));
          act.text.push(s.percent + "%");
          act.hover.push(s.label + "<br>" + t.actual + ": " + short(s.actual_start) + " → " +
            (s.actual_end ? short(s.actual_end) : "…") + "<br>" + s.percent + "% " + t.done);
          lo = Math.min(lo, as); hi = Math.max(hi, ae);
        }
      });
    });
    lo = Math.min(lo, now); hi = Math.max(hi, now);
    var pad = Math.max((hi - lo) * 0.03, 6 * MS_HOUR);
    var traces = [
      { type: "bar", orientation: "h", name: t.planned, base: plan.base, x: plan.x, y: plan.y, width: 0.72,
        marker: { color: COLORS.planned, line: { color: plan.line, width: 2 } },
        hovertext: plan.hover, hoverinfo: "text" },
      { type: "bar", orientation: "h", name: t.actual, base: act.base, x: act.x, y: act.y, width: 0.34,
        marker: { color: act.color }, text: act.text, textposition: "inside", insidetextanchor: "start",
        textfont: { color: "#fff", size: 11 }, cliponaxis: true, hovertext: act.hover, hoverinfo: "text" }
    ];
    var layout = {
      barmode: "overlay", showlegend: false, dragmode: false,
      margin: { l: 8, r: 12, t: 26, b: 36 },
      height: 60 + names.length * 30,
      font: { family: "system-ui, -apple-system, 'PingFang SC', 'Microsoft YaHei', sans-serif", size: 12, color: COLORS.text },
      paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "rgba(0,0,0,0)",
      xaxis: { type: "date", range: [new Date(lo - pad).toISOString(), new Date(hi + pad).toISOString()],
        fixedrange: true, gridcolor: COLORS.grid, tickformat: "%m-%d", nticks: 8 },
      yaxis: { type: "category", categoryorder: "array", categoryarray: names, autorange: "reversed",
        fixedrange: true, automargin: true },
      shapes: [{ type: "line", xref: "x", yref: "paper", x0: data.now, x1: data.now, y0: 0, y1: 1,
        line: { color: COLORS.today, width: 2, dash: "dot" } }],
      annotations: [{ xref: "x", yref: "paper", x: data.now, y: 1, yanchor: "bottom", text: t.today,
        showarrow: false, font: { color: COLORS.today, size: 11 } }]
    };
    return { traces: traces, layout: layout, days: (hi - lo) / (24 * MS_HOUR) };
  }

  function stageList(data, t) {
    var box = document.createDocumentFragment();
    data.lines.forEach(function (line) {
      if (!line.stages.length) return;
      var head = el("h3", "gantt__line" + (line.late ? " gantt__line--late" : ""));
      head.appendChild(el("span", null, t.line + " " + line.line_no + " · " + line.product));
      head.appendChild(el("span", "gantt__pct", line.percent + "%"));
      box.appendChild(head);
      var sub = el("p", "muted small", line.part_no + (line.due ? " · " + t.due + " " + line.due : ""));
      box.appendChild(sub);
      var list = el("ol", "gantt__stages");
      line.stages.forEach(function (s) {
        var li = el("li", "gantt__stage gantt__stage--" + s.state + (s.late ? " gantt__stage--late" : ""));
        var top = el("div", "gantt__stage-head");
        top.appendChild(el("span", "gantt__stage-name", s.label));
        top.appendChild(el("span", "gantt__stage-state", (s.late ? t.late + " · " : "") +
          t[s.state === "done" ? "finished" : s.state] + " · " + s.percent + "%"));
        li.appendChild(top);
        li.appendChild(el("span", "gantt__stage-dates muted small",
          t.planned + " " + short(s.planned_start) + " → " + short(s.planned_end) +
          (s.actual_start ? " · " + t.actual + " " + short(s.actual_start) + " → " + (s.actual_end ? short(s.actual_end) : "…") : "")));
        list.appendChild(li);
      });
      box.appendChild(list);
    });
    return box;
  }

  function initOrderGantt(section) {
    var status = section.querySelector(".gantt__status");
    whenVisible(section, function () {
      fetch(section.dataset.ganttSrc, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
        .then(function (data) {
          var t2 = data.labels;
          var hasStages = data.lines.some(function (l) { return l.stages.length; });
          if (!hasStages) {
            status.textContent = data.empty || "";
            status.classList.add("gantt__empty");
            return null;
          }
          section.querySelector(".gantt__lines").appendChild(stageList(data, t2));
          return loadPlotly(section.dataset.plotlySrc).then(function (Plotly) {
            var fig = orderFigure(data, t2), scroll = section.querySelector(".gantt__scroll");
            var chart = section.querySelector(".gantt__chart");
            scroll.hidden = false;
            var legend = section.querySelector(".gantt__legend");
            ["planned", "actual", "late", "today"].forEach(function (k) {
              var li = el("li");
              li.appendChild(el("span", "gantt__key gantt__key--" + k));
              li.lastChild.setAttribute("aria-hidden", "true");
              li.appendChild(document.createTextNode(t2[k]));
              legend.appendChild(li);
            });
            legend.hidden = false;
            // At least ~16 px a day so a long schedule scrolls sideways instead of squashing.
            chart.style.minWidth = Math.max(scroll.clientWidth, Math.round(120 + fig.days * 16)) + "px";
            status.hidden = true;
            return Plotly.newPlot(chart, fig.traces, fig.layout, CONFIG);
          });
        })
        .catch(function () { status.textContent = section.dataset.tError; });
    });
  }

  // --- back office: work-center Gantt --------------------------------------------------------------

  function initCenterGantt(box) {
    var data = JSON.parse(box.dataset.figure), t = box.dataset, b = data.bars;
    if (!b.row.length) return;
    var t0 = ms(data.range[0]), MIN = 60 * 1000;
    function wall(m) { return m === null ? "…" : new Date(t0 + m * MIN).toISOString().slice(5, 16).replace("T", " "); }
    loadPlotly(box.dataset.plotlySrc).then(function (Plotly) {
      var groups = { w: [], r: [], d: [], late: [] };
      b.row.forEach(function (_, i) { groups[b.late[i] ? "late" : b.state[i]].push(i); });
      var colors = { w: COLORS.waiting, r: COLORS.actual, d: "#8a94a6", late: COLORS.late };
      var names = { w: t.tWaiting, r: t.tRunning, d: t.tDone, late: t.tLate };
      var traces = Object.keys(groups).map(function (k) {
        var ix = groups[k];
        return {
          type: "bar", orientation: "h", name: names[k],
          base: ix.map(function (i) { return t0 + b.ps[i] * MIN; }),
          x: ix.map(function (i) { return Math.max((b.pe[i] - b.ps[i]) * MIN, 10 * MIN); }),
          y: ix.map(function (i) { return data.rows[b.row[i]]; }),
          marker: { color: colors[k], line: { color: "#fff", width: 0.5 } }, width: 0.8,
          hoverinfo: "text",
          hovertext: ix.map(function (i) {
            return b.order_no[i] + " · " + b.customer[i] + " · #" + b.line_no[i] + " " + b.part_no[i] + "<br>" +
              b.stage[i] + " · " + b.percent[i] + "%<br>" + wall(b.ps[i]) + " → " + wall(b.pe[i]) +
              (b.as[i] !== null ? "<br>" + t.tActual + ": " + wall(b.as[i]) + " → " + wall(b.ae[i]) : "");
          })
        };
      });
      Plotly.newPlot(box, traces, {
        barmode: "overlay", dragmode: "pan", hovermode: "closest",
        height: 100 + data.rows.length * 24, margin: { l: 8, r: 12, t: 40, b: 40 },
        // Top right: the today marker's label sits near the left (the window opens two days back).
        legend: { orientation: "h", x: 1, xanchor: "right", y: 1, yanchor: "bottom" },
        xaxis: { type: "date", range: data.range, gridcolor: COLORS.grid, tickformat: "%m-%d" },
        yaxis: { type: "category", categoryorder: "array", categoryarray: data.rows, autorange: "reversed", automargin: true, fixedrange: true },
        shapes: [{ type: "line", xref: "x", yref: "paper", x0: data.now, x1: data.now, y0: 0, y1: 1,
          line: { color: COLORS.today, width: 2, dash: "dot" } }],
        annotations: [{ xref: "x", yref: "paper", x: data.now, y: 1, yanchor: "bottom", text: t.tToday,
          showarrow: false, font: { color: COLORS.today } }]
      }, { displayModeBar: false, responsive: true });
    });
  }

  // --- back office: load heat map ------------------------------------------------------------------

  function initHeatmap(box) {
    var data = JSON.parse(box.dataset.figure), t = box.dataset;
    if (!data.centers.length) return;
    loadPlotly(box.dataset.plotlySrc).then(function (Plotly) {
      var text = data.percent.map(function (row) {
        return row.map(function (p) { return p === null ? t.tClosed : p + "%"; });
      });
      var hover = data.percent.map(function (row, i) {
        return row.map(function (p, j) {
          return data.centers[i] + "<br>" + data.days[j] + "<br>" + (p === null ? t.tClosed :
            p + "% · " + data.booked_h[i][j] + " / " + data.capacity_h[i][j] + " h");
        });
      });
      Plotly.newPlot(box, [{
        type: "heatmap", x: data.days.map(function (d) { return d.slice(5); }), y: data.centers, z: data.percent, zmin: 0, zmax: 120,
        colorscale: [[0, "#eef6f0"], [0.42, "#8fd19e"], [0.66, "#f2c27a"], [0.8, "#e8833a"], [1, "#c62828"]],
        text: text, texttemplate: "%{text}", textfont: { size: 10 }, hoverinfo: "text", hovertext: hover,
        xgap: 2, ygap: 2, colorbar: { title: { text: "%" }, thickness: 12 }
      }], {
        height: Math.max(180, 70 + data.centers.length * 34), margin: { l: 8, r: 8, t: 10, b: 40 },
        xaxis: { type: "category", fixedrange: true },
        yaxis: { autorange: "reversed", automargin: true, fixedrange: true },
        plot_bgcolor: "#f4f6fa"
      }, { displayModeBar: false, responsive: true });
    });
  }

  function init(root) {
    root.querySelectorAll("[data-gantt-src]:not([data-ready])").forEach(function (s) {
      s.dataset.ready = "1"; initOrderGantt(s);
    });
    root.querySelectorAll("[data-center-gantt]:not([data-ready])").forEach(function (s) {
      s.dataset.ready = "1"; initCenterGantt(s);
    });
    root.querySelectorAll("[data-load-heatmap]:not([data-ready])").forEach(function (s) {
      s.dataset.ready = "1"; initHeatmap(s);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { init(document); });
  } else {
    init(document);
  }
  // Fragments swapped in by htmx (a filter change) bring their own charts.
  document.addEventListener("htmx:load", function (ev) { init(ev.target); });
})();
