import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { COMPARISON_COLUMNS, comparisonRows, formatDuration } from "./comparison-table.js";
import { SYSTEM_KEYS, type ReportInput } from "./types.js";

/**
 * One colour per system, used by the table and every chart (Okabe–Ito, safe for colour-blind
 * readers and distinct in greyscale print).
 */
export const SYSTEM_COLORS = { market: "#0072B2", centralized: "#D55E00", multiCloud: "#009E73" } as const;

/** The `id` of the inlined echarts <script> and of the JSON data block. */
export const ECHARTS_SCRIPT_ID = "echarts-library";
export const DATA_SCRIPT_ID = "report-data";

let echartsCache: string | undefined;

/** echarts.min.js from node_modules, checked to be safe to inline in a <script> element. */
function echartsLibrary(): string {
  if (echartsCache === undefined) {
    const path = createRequire(import.meta.url).resolve("echarts/dist/echarts.min.js");
    const code = readFileSync(path, "utf8");
    // Either sequence would end or confuse the inline <script> element; echarts 6 has neither.
    if (/<\/script|<!--/i.test(code)) throw new Error(`${path} contains "</script" or "<!--" and cannot be inlined`);
    echartsCache = code;
  }
  return echartsCache;
}

/**
 * Escapes text for HTML element content and attribute values. A "://" is written as
 * ":&#47;&#47;" so a URL in the data (a scenario's source) shows as text but never appears
 * literally in the page: the page links to nothing outside itself.
 */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;")
    .replace(/:\/\//g, ":&#47;&#47;");
}

/**
 * JSON safe inside <script type="application/json">: "<", ">" and "&" as \u escapes (so
 * "</script>" and "<!--" in the data cannot end the element), "/" as "\/" (so no URL appears
 * literally), and U+2028/U+2029 escaped. JSON.parse gives back exactly the same value.
 */
export function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/>/g, "\\u003e")
    .replace(/&/g, "\\u0026")
    .replace(/\//g, "\\/")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

const STYLE = `
:root { --market: ${SYSTEM_COLORS.market}; --centralized: ${SYSTEM_COLORS.centralized}; --multiCloud: ${SYSTEM_COLORS.multiCloud}; }
* { box-sizing: border-box; }
body { margin: 0; padding: 24px 30px 40px; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; color: #1d1d1f; background: #fff; }
main { width: 1340px; margin: 0 auto; }
h1 { font-size: 24px; margin: 0 0 2px; }
h1 .scenario { font-weight: 600; color: #333; }
h2 { font-size: 18px; margin: 28px 0 8px; padding-bottom: 4px; border-bottom: 1px solid #ddd; }
h3 { font-size: 15px; margin: 0 0 2px; }
p.note, p.caption { color: #555; margin: 0 0 6px; font-size: 13px; }
p.description { white-space: pre-line; margin: 10px 0 12px; max-width: 1100px; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 3px 16px; margin: 10px 0; }
dl.facts dt { color: #555; }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
code { font: 12.5px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: #f4f4f6; padding: 1px 4px; border-radius: 3px; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { padding: 4px 12px; border-bottom: 1px solid #e4e4e8; }
thead th { border-bottom: 2px solid #bbb; text-align: right; white-space: nowrap; }
thead th:first-child, tbody th { text-align: left; font-weight: normal; color: #333; }
td.num { text-align: right; white-space: nowrap; }
table.comparison td { min-width: 130px; }
table.outages td, table.outages th { text-align: left; }
.swatch { display: inline-block; width: 11px; height: 11px; border-radius: 2px; margin-right: 6px; vertical-align: -1px; }
.swatch.market { background: var(--market); } .swatch.centralized { background: var(--centralized); } .swatch.multiCloud { background: var(--multiCloud); }
.figure { margin: 18px 0 8px; break-inside: avoid; page-break-inside: avoid; }
.row { display: flex; gap: 20px; align-items: flex-start; }
.chart { border: 1px solid #eee; border-radius: 4px; }
.chart.wide { width: 1340px; height: 380px; }
.chart.left { width: 820px; height: 400px; }
.chart.right { width: 500px; height: 400px; }
footer { margin-top: 28px; color: #777; font-size: 12px; }
@page { size: A4 landscape; margin: 12mm; }
@media print {
  /* Same layout as on screen, scaled to the A4 landscape width: the SVG charts stay vector. */
  body { padding: 0; }
  main { zoom: 0.74; }
  h2, h3 { break-after: avoid; page-break-after: avoid; }
  .chart { border: none; }
  section.comparison, section.outages { break-inside: avoid; page-break-inside: avoid; }
}
`;

/** The page script: reads the JSON block and draws the charts with echarts (SVG, no animation). */
const CHART_SCRIPT = String.raw`
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("report-data").textContent);
  var SYSTEMS = [
    { key: "market", label: "market", color: "${SYSTEM_COLORS.market}", symbol: "circle" },
    { key: "centralized", label: "centralized", color: "${SYSTEM_COLORS.centralized}", symbol: "rect" },
    { key: "multiCloud", label: "multi-cloud", color: "${SYSTEM_COLORS.multiCloud}", symbol: "diamond" }
  ];
  var metrics = data.metrics.systems;
  var HOUR = 3600000, MINUTE = 60000;
  var unitMs = data.durationMs >= 3 * HOUR ? HOUR : MINUTE;
  var unit = unitMs === HOUR ? "h" : "min";
  // Tooltips are HTML: node ids and names from the data go in escaped.
  function esc(text) {
    return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
  }
  function t(ms) { return Math.round((ms / unitMs) * 1000) / 1000; }
  function fmtT(ms) { return t(ms) + " " + unit; }

  // One time axis for every time chart, so they line up one above the other.
  var maxMs = data.durationMs;
  SYSTEMS.forEach(function (s) {
    var c = metrics[s.key].completionsOverTime;
    if (c.length > 0) maxMs = Math.max(maxMs, c[c.length - 1].time);
  });
  data.reroutes.forEach(function (r) { maxMs = Math.max(maxMs, r.time); });
  var axisMax = t(maxMs);

  var FONT = { fontSize: 12, color: "#333" };
  function timeAxis() {
    return { type: "value", name: "simulated time (" + unit + ")", nameLocation: "middle", nameGap: 28,
      nameTextStyle: FONT, min: 0, max: axisMax, axisLabel: { color: "#444" }, splitLine: { lineStyle: { color: "#eee" } } };
  }
  function valueAxis(name, extra) {
    var axis = { type: "value", name: name, nameLocation: "middle", nameGap: 52, nameTextStyle: FONT,
      axisLabel: { color: "#444" }, splitLine: { lineStyle: { color: "#eee" } } };
    for (var k in extra) axis[k] = extra[k];
    return axis;
  }
  function legend() {
    return { top: 4, left: "center", itemGap: 22, textStyle: { fontSize: 13 } };
  }
  // Outage windows as shaded, labelled bands (attached to a series of each time chart).
  function outageArea() {
    return {
      silent: true,
      itemStyle: { color: "rgba(110, 110, 120, 0.16)" },
      label: { show: true, position: "top", color: "#333", fontSize: 11, fontWeight: "bold", distance: 3 },
      emphasis: { disabled: true },
      data: data.outages.filter(function (o) { return o.start < maxMs; }).map(function (o) {
        return [{ name: o.name, xAxis: t(o.start) }, { xAxis: t(Math.min(o.end, maxMs)) }];
      })
    };
  }
  var BASE = { animation: false, textStyle: { fontFamily: "system-ui, -apple-system, Segoe UI, Roboto, Helvetica, Arial, sans-serif" } };
  function option(o) { var r = {}; var k; for (k in BASE) r[k] = BASE[k]; for (k in o) r[k] = o[k]; return r; }

  var charts = [];
  function draw(id, opt) {
    var el = document.getElementById(id);
    if (!el) return;
    var chart = echarts.init(el, null, { renderer: "svg" });
    chart.setOption(option(opt));
    charts.push(chart);
  }

  // (a) Availability: share of each arrival bucket's tasks done within their deadline.
  draw("chart-availability", {
    legend: legend(),
    grid: { left: 78, right: 30, top: 58, bottom: 52 },
    tooltip: { trigger: "axis", valueFormatter: function (v) { return v == null ? "no tasks" : v.toFixed(1) + "%"; } },
    xAxis: timeAxis(),
    yAxis: valueAxis("on time (% of arrivals)", { min: 0, max: 100 }),
    series: SYSTEMS.map(function (s, i) {
      var buckets = metrics[s.key].availability;
      var points = buckets.map(function (b) { return [t(b.start), b.share == null ? null : Math.round(b.share * 1000) / 10]; });
      if (buckets.length > 0) {
        var last = buckets[buckets.length - 1];
        points.push([t(Math.min(maxMs, last.start + data.bucketMs)), points[points.length - 1][1]]);
      }
      return { name: s.label, type: "line", step: "end", data: points, showSymbol: false, connectNulls: false,
        color: s.color, lineStyle: { width: 2.2 }, z: 3 - i, markArea: i === 0 ? outageArea() : undefined };
    })
  });

  // (b) Cumulative completions, with the cumulative arrivals for reference.
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
    series: SYSTEMS.map(function (s, i) {
      var points = [[0, 0]].concat(metrics[s.key].completionsOverTime.map(function (p) { return [t(p.time), p.completed]; }));
      return { name: s.label, type: "line", data: points, showSymbol: false, color: s.color, lineStyle: { width: 2.2 },
        markArea: i === 0 ? outageArea() : undefined };
    }).concat([{ name: "tasks posted", type: "line", data: posted, showSymbol: false, color: "#999",
      lineStyle: { width: 1.5, type: "dashed" } }])
  });

  // (c) Latency CDF on a log axis: share of *posted* tasks done within a latency, so a
  // system that never finishes some tasks plateaus below 100%.
  var latencyMin = Infinity, latencyMax = 0;
  var cdf = SYSTEMS.map(function (s) {
    var m = metrics[s.key];
    var l = m.latenciesMs;
    var n = m.tasksPosted;
    var points = [];
    if (l.length > 0 && n > 0) {
      var step = Math.max(1, Math.floor(l.length / 600));
      var first = Math.max(1, l[0]) / 1000;
      points.push([first, 0]);
      for (var i = 0; i < l.length; i += step) points.push([Math.max(1, l[i]) / 1000, Math.round(((i + 1) / n) * 10000) / 100]);
      if ((l.length - 1) % step !== 0) points.push([Math.max(1, l[l.length - 1]) / 1000, Math.round((l.length / n) * 10000) / 100]);
      latencyMin = Math.min(latencyMin, first);
      latencyMax = Math.max(latencyMax, Math.max(1, l[l.length - 1]) / 1000);
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
      return p.axisDimension === "x" ? secondsLabel(p.value) : Math.round(p.value * 10) / 10 + "%"; } } },
      valueFormatter: function (v) { return v == null ? "" : v.toFixed(1) + "%"; } },
    xAxis: { type: "log", logBase: 10, min: logMin, max: logMax, name: "latency, post to result (log scale)", nameLocation: "middle",
      nameGap: 28, nameTextStyle: FONT,
      axisTick: { customValues: ticks },
      axisLabel: { color: "#444", formatter: secondsLabel, customValues: ticks },
      splitLine: { show: true, lineStyle: { color: "#eee" } } },
    yAxis: valueAxis("done within latency (% of posted)", { min: 0, max: 100 }),
    series: cdf
  });

  // (d) Price per completed task, in ETH.
  function eth(wei) { return wei == null ? null : Number(wei) / 1e18; }
  function ethLabel(v) { return v == null ? "n/a" : Number(v.toPrecision(4)) + " ETH"; }
  draw("chart-cost", {
    grid: { left: 92, right: 24, top: 36, bottom: 52 },
    tooltip: { trigger: "item", formatter: function (p) {
      var m = metrics[SYSTEMS[p.dataIndex].key];
      return esc(p.name) + "<br>" + ethLabel(eth(m.pricePerCompletedTaskWei)) + " per completed task<br>" +
        ethLabel(eth(m.totalPaidWei)) + " paid for " + m.tasksCompleted + " tasks";
    } },
    xAxis: { type: "category", data: SYSTEMS.map(function (s) { return s.label; }), name: "system", nameLocation: "middle",
      nameGap: 30, nameTextStyle: FONT, axisLabel: { fontSize: 13, color: "#333" } },
    yAxis: valueAxis("ETH per completed task", { min: 0, nameGap: 66 }),
    series: [{ type: "bar", barWidth: "48%", data: SYSTEMS.map(function (s) {
      var v = eth(metrics[s.key].pricePerCompletedTaskWei);
      return { value: v, itemStyle: { color: s.color } };
    }), label: { show: true, position: "top", fontSize: 12, color: "#222", formatter: function (p) { return ethLabel(p.value); } } }]
  });

  // (e) Reroute timeline: when each reroute happened and which task it moved.
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
    tooltip: { trigger: "item", formatter: function (p) {
      var r = p.data.r;
      return esc(p.seriesName) + ": task " + esc(r.task) + " at " + esc(fmtT(r.time)) + "<br>from " + esc(r.from) +
        (r.to == null ? " (back to the bids)" : " to " + esc(r.to));
    } },
    xAxis: timeAxis(),
    yAxis: valueAxis("task id", { min: 0, max: totalTasks, minInterval: 1 }),
    graphic: data.reroutes.length === 0 ? [{ type: "text", left: "center", top: "middle", style: { text: "no reroutes in this run", fontSize: 14, fill: "#777" } }] : [],
    series: SYSTEMS.map(function (s, i) {
      var points = data.reroutes.filter(function (r) { return systemOf(r) === s.key; }).map(function (r) {
        return { value: [t(r.time), r.task], r: r };
      });
      // Distinct shapes too, and the (sparser) baselines drawn above the market.
      return { name: s.label, type: "scatter", data: points, symbol: s.symbol, symbolSize: i === 0 ? 7 : 9, color: s.color,
        itemStyle: { opacity: 0.85, borderColor: "#fff", borderWidth: i === 0 ? 0 : 1 }, z: 2 + i, markArea: i === 0 ? outageArea() : undefined };
    })
  });

  // Charts have fixed pixel sizes; printing scales the whole page instead (see @media print).
})();
`;

function factsList(items: ReadonlyArray<[string, string]>): string {
  return `<dl class="facts">${items.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${v}</dd>`).join("")}</dl>`;
}

function comparisonTableHtml(input: ReportInput): string {
  const head = SYSTEM_KEYS.map((key, i) => `<th scope="col"><span class="swatch ${key}"></span>${escapeHtml(COMPARISON_COLUMNS[i]!)}</th>`).join("");
  const body = comparisonRows(input.metrics)
    .map((row) => `<tr><th scope="row">${escapeHtml(row.label)}</th>${row.values.map((v) => `<td class="num">${escapeHtml(v)}</td>`).join("")}</tr>`)
    .join("\n");
  return `<table class="comparison"><thead><tr><th></th>${head}</tr></thead>\n<tbody>\n${body}\n</tbody></table>`;
}

function outagesTableHtml(input: ReportInput): string {
  if (input.outages.length === 0) return `<p class="note">No outage windows in this run.</p>`;
  const rows = input.outages
    .map(
      (o) =>
        `<tr><td>${escapeHtml(o.name)}</td><td class="num">${escapeHtml(formatDuration(o.start))}</td><td class="num">${escapeHtml(formatDuration(o.end))}</td>` +
        `<td class="num">${escapeHtml(formatDuration(o.end - o.start))}</td><td>${escapeHtml(o.scope)}</td></tr>`,
    )
    .join("\n");
  return `<table class="outages"><thead><tr><th>outage</th><th>starts</th><th>ends</th><th>lasts</th><th>scope</th></tr></thead>\n<tbody>\n${rows}\n</tbody></table>`;
}

function figure(id: string, size: "wide" | "left" | "right", title: string, caption: string): string {
  return `<div class="figure"><h3>${escapeHtml(title)}</h3><p class="caption">${escapeHtml(caption)}</p><div id="${id}" class="chart ${size}" role="img" aria-label="${escapeHtml(title)}"></div></div>`;
}

/**
 * report.html: one self-contained page (echarts and the data inlined, nothing fetched) with
 * the run's header, the comparison table and five charts. Every string from `input` is
 * escaped; the data rides in a <script type="application/json"> block the page script reads.
 */
export function renderReport(input: ReportInput): string {
  const { metrics } = input;
  const code = (text: string): string => `<code>${escapeHtml(text)}</code>`;
  const facts = factsList([
    ["scenario", escapeHtml(metrics.scenario)],
    ["seed", escapeHtml(String(metrics.seed))],
    ["ledger", escapeHtml(metrics.ledger === "chain" ? "chain (EVM)" : "memory")],
    ["simulated time", `${escapeHtml(formatDuration(input.durationMs))} of arrivals, metrics in ${escapeHtml(formatDuration(input.bucketMs))} buckets`],
    ["source", escapeHtml(input.source)],
    ["final block hash", input.finalBlockHash === null ? "n/a (no chain)" : code(input.finalBlockHash)],
    ["command", code(input.generatedBy)],
  ]);
  const bucket = formatDuration(input.bucketMs);
  const timeNote = "Grey bands are the outage windows.";
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=1400">
<title>bidmesh report: ${escapeHtml(metrics.scenario)} (seed ${metrics.seed})</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<header>
<h1>bidmesh report: <span class="scenario">${escapeHtml(metrics.scenario)}</span></h1>
<p class="description">${escapeHtml(input.description)}</p>
${facts}
</header>
<section class="comparison">
<h2>Market vs. baselines</h2>
<p class="note">Same workload and the same failure timeline for all three systems. Latencies are post-to-result; prices are what posters paid per completed task.</p>
${comparisonTableHtml(input)}
</section>
<section class="outages">
<h2>Outage windows</h2>
${outagesTableHtml(input)}
</section>
<section class="charts">
<h2>Charts</h2>
<noscript><p class="note">The charts need JavaScript; the data is in the JSON block of this page.</p></noscript>
${figure("chart-availability", "wide", "Availability over time", `Share of the tasks arriving in each ${bucket} bucket that got a result within their deadline. ${timeNote}`)}
${figure("chart-completions", "wide", "Cumulative completions", `Tasks completed so far, against the tasks posted so far (dashed). ${timeNote}`)}
<div class="row">
${figure("chart-latency", "left", "Latency distribution (CDF, log scale)", "Share of the posted tasks that had a result within a given latency; a curve that ends below 100% left tasks unfinished or refunded.")}
${figure("chart-cost", "right", "Cost per completed task", "What posters paid per completed task, in ETH.")}
</div>
${figure("chart-reroutes", "wide", "Reroute timeline", `Each dot is one reroute: when it happened and which task it moved (market: a failed assignee's task goes back to the bids; multi-cloud: primary to failover). ${timeNote}`)}
</section>
<footer>Generated by ${code(input.generatedBy)}. Self-contained: echarts ${escapeHtml(echartsVersion())} and the data are inlined; nothing is fetched.</footer>
</main>
<script id="${DATA_SCRIPT_ID}" type="application/json">${scriptSafeJson(input)}</script>
<script id="${ECHARTS_SCRIPT_ID}">${echartsLibrary()}</script>
<script>${CHART_SCRIPT}</script>
</body>
</html>
`;
}

let versionCache: string | undefined;

function echartsVersion(): string {
  if (versionCache === undefined) {
    // echarts' "exports" does not list package.json: find it next to dist/.
    const path = join(dirname(createRequire(import.meta.url).resolve("echarts/dist/echarts.min.js")), "..", "package.json");
    versionCache = String((JSON.parse(readFileSync(path, "utf8")) as { version?: unknown }).version ?? "");
  }
  return versionCache;
}
