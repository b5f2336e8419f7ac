// @ts-check
// report.html's script: reads the run's JSON data block and draws the six charts with echarts
// (SVG, no animation). The report writer inlines it, after the modules it imports, into one
// classic <script> (see ../page-assets.ts): the page stays one self-contained file. Tooltips are
// HTML, so the node ids and names from the data go in through escapeHtml.
import { SYSTEM_COLORS } from "./colors.js";
import { escapeHtml } from "./escape-html.js";

/** @typedef {import("../types.js").ReportInput} ReportInput */
/** @typedef {import("../types.js").RerouteRecord} RerouteRecord */
/** @typedef {import("../types.js").SystemKey} SystemKey */
/** @typedef {import("echarts").EChartsOption} EChartsOption */
/** @typedef {import("echarts").YAXisComponentOption} YAXisComponentOption */
/** @typedef {import("echarts").MarkAreaComponentOption} MarkAreaComponentOption */
/** @typedef {import("echarts").LineSeriesOption} LineSeriesOption */
/** @typedef {import("echarts").ScatterSeriesOption} ScatterSeriesOption */
/** @typedef {import("echarts").DefaultLabelFormatterCallbackParams} CallbackDataParams */

/** The run the report was written from: the JSON block the writer put in the page. */
var data = /** @type {ReportInput} */ (JSON.parse(/** @type {HTMLElement} */ (document.getElementById("report-data")).textContent ?? ""));
/** @type {Array<{ key: SystemKey, label: string, color: string, symbol: string }>} */
var SYSTEMS = [
  { key: "market", label: "market", color: SYSTEM_COLORS.market, symbol: "circle" },
  { key: "centralized", label: "centralized", color: SYSTEM_COLORS.centralized, symbol: "rect" },
  { key: "multiCloud", label: "multi-cloud", color: SYSTEM_COLORS.multiCloud, symbol: "diamond" }
];
var metrics = data.metrics.systems;
var HOUR = 3600000, MINUTE = 60000;
var unitMs = data.durationMs >= 3 * HOUR ? HOUR : MINUTE;
var unit = unitMs === HOUR ? "h" : "min";
/** @param {number} ms */
function t(ms) { return Math.round((ms / unitMs) * 1000) / 1000; }
/** @param {number} ms */
function fmtT(ms) { return t(ms) + " " + unit; }

// One time axis for every time chart, so they line up one above the other.
var maxMs = data.durationMs;
SYSTEMS.forEach(function (s) {
  var c = metrics[s.key].completionsOverTime;
  var lastPoint = c[c.length - 1];
  if (lastPoint !== undefined) maxMs = Math.max(maxMs, lastPoint.time);
});
data.reroutes.forEach(function (r) { maxMs = Math.max(maxMs, r.time); });
var axisMax = t(maxMs);

var FONT = { fontSize: 12, color: "#333" };
/** @returns {import("echarts").XAXisComponentOption & YAXisComponentOption} */
function timeAxis() {
  return { type: "value", name: "simulated time (" + unit + ")", nameLocation: "middle", nameGap: 28,
    nameTextStyle: FONT, min: 0, max: axisMax, axisLabel: { color: "#444" }, splitLine: { lineStyle: { color: "#eee" } } };
}
/**
 * @param {string} name
 * @param {Record<string, number>} extra
 * @returns {YAXisComponentOption}
 */
function valueAxis(name, extra) {
  /** @type {Record<string, unknown>} */
  var axis = { type: "value", name: name, nameLocation: "middle", nameGap: 52, nameTextStyle: FONT,
    axisLabel: { color: "#444" }, splitLine: { lineStyle: { color: "#eee" } } };
  for (var k in extra) axis[k] = extra[k];
  return /** @type {YAXisComponentOption} */ (axis);
}
/** @returns {import("echarts").LegendComponentOption} */
function legend() {
  return { top: 4, left: "center", itemGap: 22, textStyle: { fontSize: 13 } };
}
// Outage windows as shaded bands on every time chart, carried by two series of their own so the
// legend names them (and can hide them): "hard down", darker and labelled with the outage's name,
// from its start to start + duration; "recovering", lighter and lighter with each recovery step,
// from there until its capacity is all back. An outage without a recovery has only the first.
var OUTAGES = data.outages.filter(function (o) { return o.start < maxMs; });
var HARD_DOWN_COLOR = "rgba(80, 80, 92, 0.30)";
/**
 * The band's colour after `back` of `steps` recovery steps: paler the more capacity is back.
 * @param {number} back
 * @param {number} steps
 */
function recoveringColor(back, steps) {
  return "rgba(110, 110, 120, " + Math.round((0.05 + 0.13 * (1 - back / steps)) * 1000) / 1000 + ")";
}
var RECOVERING_COLOR = recoveringColor(0, 1);
var SHADING_NAMES = ["hard down", "recovering"];
/** @typedef {Array<[{ name?: string, xAxis: number, itemStyle?: { color: string } }, { xAxis: number }]>} Bands */
/** @type {Bands} */
var hardDownBands = OUTAGES.map(function (o) {
  return /** @type {Bands[number]} */ ([{ name: o.name, xAxis: t(o.start) }, { xAxis: t(Math.min(o.hardDownEnd, maxMs)) }]);
});
/** @type {Bands} */
var recoveringBands = [];
OUTAGES.forEach(function (o) {
  var from = o.hardDownEnd;
  o.recoverySteps.forEach(function (step, back) {
    var to = Math.min(step, maxMs);
    if (from < to) recoveringBands.push([{ xAxis: t(from), itemStyle: { color: recoveringColor(back, o.recoverySteps.length) } }, { xAxis: t(to) }]);
    from = Math.max(from, step);
  });
});
/**
 * The shading series of a time chart: no data, only their bands.
 * @returns {LineSeriesOption[]}
 */
function outageSeries() {
  /** @type {LineSeriesOption[]} */
  var series = [];
  /**
   * @param {string} name
   * @param {string} color
   * @param {Bands} bands
   * @param {boolean} label
   * @returns {LineSeriesOption}
   */
  function shading(name, color, bands, label) {
    return { name: name, type: "line", data: [], color: color, silent: true, z: 0,
      tooltip: { show: false },
      markArea: { silent: true, itemStyle: { color: color }, emphasis: { disabled: true },
        label: label ? { show: true, position: "top", color: "#333", fontSize: 11, fontWeight: "bold", distance: 3 } : { show: false },
        data: /** @type {NonNullable<MarkAreaComponentOption["data"]>} */ (bands) } };
  }
  if (hardDownBands.length > 0) series.push(shading(SHADING_NAMES[0] ?? "", HARD_DOWN_COLOR, hardDownBands, true));
  if (recoveringBands.length > 0) series.push(shading(SHADING_NAMES[1] ?? "", RECOVERING_COLOR, recoveringBands, false));
  return series;
}
var BASE = { animation: false, textStyle: { fontFamily: "system-ui, -apple-system, Segoe UI, Roboto, Helvetica, Arial, sans-serif" } };
/**
 * @param {EChartsOption} o
 * @returns {EChartsOption}
 */
function option(o) {
  /** @type {Record<string, unknown>} */
  var r = {};
  var k;
  for (k in BASE) r[k] = BASE[/** @type {keyof typeof BASE} */ (k)];
  for (k in o) r[k] = o[/** @type {keyof EChartsOption} */ (k)];
  return r;
}

/** @type {import("echarts").ECharts[]} */
var charts = [];
/**
 * @param {string} id
 * @param {EChartsOption} opt
 */
function draw(id, opt) {
  var el = document.getElementById(id);
  if (!el) return;
  var chart = echarts.init(el, null, { renderer: "svg" });
  var series = opt.series;
  if (opt.legend !== undefined && !Array.isArray(opt.legend) && Array.isArray(series)) {
    // Every series in the legend, the shading ones as plain rectangles (their bands' colour).
    opt.legend.data = series.map(function (x) {
      var name = String(x.name);
      return SHADING_NAMES.indexOf(name) >= 0 ? { name: name, icon: "rect" } : { name: name };
    });
  }
  chart.setOption(option(opt));
  charts.push(chart);
}

// (a) Availability: share of each arrival bucket's tasks done within their deadline.
draw("chart-availability", {
  legend: legend(),
  grid: { left: 78, right: 30, top: 58, bottom: 52 },
  tooltip: { trigger: "axis", valueFormatter: function (v) { return v == null ? "no tasks" : /** @type {number} */ (v).toFixed(1) + "%"; } },
  xAxis: timeAxis(),
  yAxis: valueAxis("on time (% of arrivals)", { min: 0, max: 100 }),
  series: SYSTEMS.map(/** @returns {LineSeriesOption} */ function (s, i) {
    var buckets = metrics[s.key].availability;
    /** @type {Array<[number, number | null]>} */
    var points = buckets.map(function (b) { return [t(b.start), b.share == null ? null : Math.round(b.share * 1000) / 10]; });
    var last = buckets[buckets.length - 1];
    var lastPoint = points[points.length - 1];
    if (last !== undefined && lastPoint !== undefined) {
      points.push([t(Math.min(maxMs, last.start + data.bucketMs)), lastPoint[1]]);
    }
    return { name: s.label, type: "line", step: "end", data: points, showSymbol: false, connectNulls: false,
      color: s.color, lineStyle: { width: 2.2 }, z: 3 - i };
  }).concat(outageSeries())
});

// (b) Capacity online: each system's share of its capacity up, the mean over each metrics bucket
// (from the failure timeline). Where the lines coincide (usually at 100%) the ones below are
// drawn wider, so all three stay visible.
draw("chart-capacity", {
  legend: legend(),
  grid: { left: 78, right: 30, top: 58, bottom: 52 },
  tooltip: { trigger: "axis", valueFormatter: function (v) { return v == null ? "" : /** @type {number} */ (v).toFixed(1) + "%"; } },
  xAxis: timeAxis(),
  yAxis: valueAxis("capacity online (% of the system's)", { min: 0, max: 100 }),
  series: SYSTEMS.map(/** @returns {LineSeriesOption} */ function (s, i) {
    var shares = data.onlineCapacity[s.key];
    /** @type {Array<[number, number]>} */
    var points = shares.map(function (v, b) { return /** @type {[number, number]} */ ([t(b * data.bucketMs), Math.round(v * 1000) / 10]); });
    var lastPoint = points[points.length - 1];
    if (lastPoint !== undefined) points.push([t(Math.min(maxMs, shares.length * data.bucketMs)), lastPoint[1]]);
    return { name: s.label, type: "line", step: "end", data: points, showSymbol: false, symbol: s.symbol, symbolSize: 7,
      color: s.color, lineStyle: { width: 2.2 + 1.4 * i }, z: 3 - i };
  }).concat(outageSeries())
});

// (c) Cumulative completions, with the cumulative arrivals for reference.
var posted = [[0, 0]];
(function () {
  var n = 0;
  metrics.market.availability.forEach(function (b) {
    n += b.tasks;
    posted.push([t(Math.min(maxMs, b.start + data.bucketMs)), n]);
  });
})();
draw("chart-completions", {
  legend: legend(),
  grid: { left: 78, right: 30, top: 58, bottom: 52 },
  tooltip: { trigger: "axis" },
  xAxis: timeAxis(),
  yAxis: valueAxis("tasks completed (cumulative)", { min: 0 }),
  series: /** @type {LineSeriesOption[]} */ (SYSTEMS.map(/** @returns {LineSeriesOption} */ function (s, i) {
    var points = [[0, 0]].concat(metrics[s.key].completionsOverTime.map(function (p) { return [t(p.time), p.completed]; }));
    return { name: s.label, type: "line", data: points, showSymbol: false, color: s.color, lineStyle: { width: 2.2 } };
  })).concat([{ name: "tasks posted", type: "line", data: posted, showSymbol: false, color: "#999",
    lineStyle: { width: 1.5, type: "dashed" } }], outageSeries())
});

// (d) Latency CDF on a log axis: share of *posted* tasks done within a latency, so a
// system that never finishes some tasks plateaus below 100%.
var latencyMin = Infinity, latencyMax = 0;
var cdf = SYSTEMS.map(/** @returns {LineSeriesOption} */ function (s) {
  var m = metrics[s.key];
  var l = m.latenciesMs;
  var n = m.tasksPosted;
  /** @type {Array<[number, number]>} */
  var points = [];
  if (l.length > 0 && n > 0) {
    var step = Math.max(1, Math.floor(l.length / 600));
    // Indexes below are all within 0 .. l.length - 1.
    var first = Math.max(1, /** @type {number} */ (l[0])) / 1000;
    points.push([first, 0]);
    for (var i = 0; i < l.length; i += step) points.push([Math.max(1, /** @type {number} */ (l[i])) / 1000, Math.round(((i + 1) / n) * 10000) / 100]);
    if ((l.length - 1) % step !== 0) points.push([Math.max(1, /** @type {number} */ (l[l.length - 1])) / 1000, Math.round((l.length / n) * 10000) / 100]);
    latencyMin = Math.min(latencyMin, first);
    latencyMax = Math.max(latencyMax, Math.max(1, /** @type {number} */ (l[l.length - 1])) / 1000);
  }
  return { name: s.label, type: "line", step: "end", data: points, showSymbol: false, color: s.color, lineStyle: { width: 2.2 } };
});
// Ticks at human durations rather than decades of seconds (100 s reads worse than 2 min).
var NICE = [0.01, 0.1, 1, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 18000, 36000, 86400, 172800, 604800];
// The axis starts on the nice tick at or below the fastest result, and ends a little past the slowest.
var logMin = latencyMin === Infinity ? 1 : latencyMin / 1.25;
NICE.forEach(function (v) { if (latencyMin !== Infinity && v <= latencyMin) logMin = v; });
var logMax = latencyMax === 0 ? 3600 : latencyMax * 1.25;
var ticks = NICE.filter(function (v) { return v >= logMin && v <= logMax; });
/** @param {number} v seconds */
function secondsLabel(v) {
  if (v < 1) return Math.round(v * 1000) + " ms";
  if (v < 60) return Math.round(v * 10) / 10 + " s";
  if (v < 3600) return Math.round((v / 60) * 10) / 10 + " min";
  if (v < 86400) return Math.round((v / 3600) * 10) / 10 + " h";
  return Math.round((v / 86400) * 10) / 10 + " d";
}
draw("chart-latency", {
  legend: legend(),
  grid: { left: 78, right: 30, top: 44, bottom: 52 },
  tooltip: { trigger: "axis", axisPointer: { type: "cross", label: { formatter: function (p) {
    var value = /** @type {number} */ (p.value);
    return p.axisDimension === "x" ? secondsLabel(value) : Math.round(value * 10) / 10 + "%"; } } },
    valueFormatter: function (v) { return v == null ? "" : /** @type {number} */ (v).toFixed(1) + "%"; } },
  xAxis: { type: "log", logBase: 10, min: logMin, max: logMax, name: "latency, post to result (log scale)", nameLocation: "middle",
    nameGap: 28, nameTextStyle: FONT,
    axisTick: { customValues: ticks },
    axisLabel: { color: "#444", formatter: secondsLabel, customValues: ticks },
    splitLine: { show: true, lineStyle: { color: "#eee" } } },
  yAxis: valueAxis("done within latency (% of posted)", { min: 0, max: 100 }),
  series: cdf
});

// (e) Price per completed task, in ETH.
/** @param {string | null} wei */
function eth(wei) { return wei == null ? null : Number(wei) / 1e18; }
/** @param {number | null} v */
function ethLabel(v) { return v == null ? "n/a" : Number(v.toPrecision(4)) + " ETH"; }
draw("chart-cost", {
  grid: { left: 92, right: 24, top: 36, bottom: 52 },
  tooltip: { trigger: "item", formatter: function (params) {
    var p = /** @type {CallbackDataParams} */ (params); // one bar: the tooltip's trigger is "item"
    var m = metrics[/** @type {(typeof SYSTEMS)[number]} */ (SYSTEMS[p.dataIndex]).key];
    return escapeHtml(p.name) + "<br>" + ethLabel(eth(m.pricePerCompletedTaskWei)) + " per completed task<br>" +
      ethLabel(eth(m.totalPaidWei)) + " paid for " + m.tasksCompleted + " tasks";
  } },
  xAxis: { type: "category", data: SYSTEMS.map(function (s) { return s.label; }), name: "system", nameLocation: "middle",
    nameGap: 30, nameTextStyle: FONT, axisLabel: { fontSize: 13, color: "#333" } },
  yAxis: valueAxis("ETH per completed task", { min: 0, nameGap: 66 }),
  series: [{ type: "bar", barWidth: "48%", data: SYSTEMS.map(function (s) {
    var v = eth(metrics[s.key].pricePerCompletedTaskWei);
    return { value: v, itemStyle: { color: s.color } };
  }), label: { show: true, position: "top", fontSize: 12, color: "#222", formatter: function (p) { return ethLabel(/** @type {number | null} */ (p.value)); } } }]
});

// (f) Reroute timeline: when each reroute happened and which task it moved.
/**
 * @param {RerouteRecord} r
 * @returns {SystemKey}
 */
function systemOf(r) {
  if (r.system === "market" || r.system === "centralized" || r.system === "multiCloud") return r.system;
  if (r.from === "centralized" || r.from.indexOf("centralized.") === 0) return "centralized";
  if (r.from === "multiCloud" || r.from.indexOf("multiCloud.") === 0) return "multiCloud";
  return "market";
}
var totalTasks = Math.max(1, metrics.market.tasksPosted, metrics.centralized.tasksPosted, metrics.multiCloud.tasksPosted);
draw("chart-reroutes", {
  legend: legend(),
  grid: { left: 78, right: 30, top: 58, bottom: 52 },
  tooltip: { trigger: "item", formatter: function (params) {
    var p = /** @type {CallbackDataParams & { data: { r: RerouteRecord } }} */ (params); // one reroute's dot
    var r = p.data.r;
    return escapeHtml(/** @type {string} */ (p.seriesName)) + ": task " + escapeHtml(r.task) + " at " + escapeHtml(fmtT(r.time)) + "<br>from " + escapeHtml(r.from) +
      (r.to == null ? " (back to the bids)" : " to " + escapeHtml(r.to));
  } },
  xAxis: timeAxis(),
  yAxis: valueAxis("task id", { min: 0, max: totalTasks, minInterval: 1 }),
  graphic: data.reroutes.length === 0 ? [{ type: "text", left: "center", top: "middle", style: { text: "no reroutes in this run", fontSize: 14, fill: "#777" } }] : [],
  series: /** @type {import("echarts").SeriesOption[]} */ (SYSTEMS.map(/** @returns {ScatterSeriesOption} */ function (s, i) {
    var points = data.reroutes.filter(function (r) { return systemOf(r) === s.key; }).map(function (r) {
      return { value: [t(r.time), r.task], r: r };
    });
    // Distinct shapes too, and the (sparser) baselines drawn above the market.
    return { name: s.label, type: "scatter", data: points, symbol: s.symbol, symbolSize: i === 0 ? 7 : 9, color: s.color,
      itemStyle: { opacity: 0.85, borderColor: "#fff", borderWidth: i === 0 ? 0 : 1 }, z: 2 + i };
  })).concat(outageSeries())
});

// Charts have fixed pixel sizes; printing scales the whole page instead (see @media print).
// Tells a test (or a screenshot script) the charts are drawn, and how many.
if (document.body) document.body.setAttribute("data-charts-drawn", String(charts.length));
