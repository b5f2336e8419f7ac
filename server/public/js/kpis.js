// The live KPI panel: the market's on-time share, completion, latency p95, price per task and
// reroutes beside the baselines' figures for the same workload, and small time-series charts.
// Figures come from GET /api/kpis once, then from the stream's `kpis` events. Charts use echarts,
// the library the report inlines, served from node_modules at /vendor/echarts (a classic script
// loaded before this module): nothing comes from the internet.
import { apiGet } from "./api.js";
import { on } from "./store.js";
import { h, replaceChildren } from "./util.js";

/** The figures, in order: key, label, how to show a value, whether higher is better. */
const FIGURES = [
  { key: "onTimeShare", label: "on time", format: percent },
  { key: "completionShare", label: "completion", format: percent },
  { key: "latencyP95Seconds", label: "latency p95", format: (s) => (s === null ? "–" : `${s < 100 ? s.toFixed(1) : Math.round(s)} s`) },
  { key: "pricePerTaskEth", label: "price / task", format: (x) => (x === null ? "–" : `${x < 0.001 ? x.toExponential(2) : x.toFixed(4)} ETH`) },
  { key: "reroutes", label: "reroutes", format: (n) => String(n) },
];

const CHARTS = [
  { id: "kpi-chart-ontime", title: "on-time share per bucket", series: (b) => b.onTimeShare, baseline: "onTimeShare", max: 1, format: percent },
  { id: "kpi-chart-latency", title: "latency p95 (virtual s)", series: (b) => b.latencyP95Seconds, baseline: "latencyP95Seconds" },
  { id: "kpi-chart-throughput", title: "completed / rerouted per bucket", series: (b) => b.completed, second: (b) => b.reroutes, bars: true },
];

const COLORS = { market: "#2f6fed", centralized: "#d64545", multiCloud: "#b7791f", reroutes: "#8a56d6" };

function percent(x) {
  return x === null || x === undefined ? "–" : `${(x * 100).toFixed(1)}%`;
}

const charts = new Map();

function renderTiles(kpis) {
  const el = document.getElementById("kpi-tiles");
  const base = kpis.baselines;
  replaceChildren(
    el,
    FIGURES.map((f) =>
      h(
        "div",
        { class: "kpi-tile", "data-testid": `kpi-${f.key}` },
        h("div", { class: "kpi-label" }, f.label),
        h("div", { class: "kpi-value", "data-testid": `kpi-${f.key}-value` }, f.format(kpis.market[f.key])),
        base &&
          h(
            "div",
            { class: "kpi-baselines" },
            h("span", { class: "kpi-base centralized", title: "centralized baseline, same workload" }, `central ${f.format(base.centralized[f.key])}`),
            h("span", { class: "kpi-base multicloud", title: "multi-cloud baseline, same workload" }, `multi ${f.format(base.multiCloud[f.key])}`),
          ),
      ),
    ),
  );
  const hint = document.getElementById("kpi-hint");
  hint.textContent = `${kpis.market.tasksPosted} posted · ${kpis.market.tasksDecided} decided (deadline ${kpis.deadlineSeconds} s)${base ? " · baselines on the scenario's workload" : ""}`;
}

/** Virtual minutes of a bucket's start, for the x axis. */
const minutes = (ms) => `${Math.round(ms / 6_000) / 10}m`;

function chartOption(spec, kpis) {
  const x = kpis.series.map((b) => minutes(b.start));
  const series = [
    {
      name: "market",
      type: spec.bars ? "bar" : "line",
      data: kpis.series.map(spec.series),
      // A bucket with a figure between empty ones is a lone point: draw it.
      showSymbol: true,
      symbolSize: 4,
      connectNulls: true,
      itemStyle: { color: COLORS.market },
      lineStyle: { width: 2 },
      markLine:
        spec.baseline && kpis.baselines
          ? {
              silent: true,
              symbol: "none",
              label: { show: false },
              data: [
                { yAxis: kpis.baselines.centralized[spec.baseline] ?? 0, lineStyle: { color: COLORS.centralized, type: "dashed" } },
                { yAxis: kpis.baselines.multiCloud[spec.baseline] ?? 0, lineStyle: { color: COLORS.multiCloud, type: "dashed" } },
              ],
            }
          : undefined,
    },
  ];
  if (spec.second) series.push({ name: "reroutes", type: "bar", data: kpis.series.map(spec.second), itemStyle: { color: COLORS.reroutes } });
  return {
    animation: false,
    title: { text: spec.title, left: 0, top: 0, textStyle: { fontSize: 11, fontWeight: "normal", color: "#6b7689" } },
    grid: { left: 36, right: 8, top: 22, bottom: 20 },
    xAxis: { type: "category", data: x, axisLabel: { fontSize: 9 } },
    yAxis: { type: "value", min: 0, max: spec.max, axisLabel: { fontSize: 9, formatter: spec.format ? (v) => `${Math.round(v * 100)}%` : undefined } },
    series,
  };
}

function renderCharts(kpis) {
  const echarts = globalThis.echarts;
  if (!echarts) return; // the library did not load: the figures still show
  for (const spec of CHARTS) {
    let chart = charts.get(spec.id);
    if (!chart) {
      chart = echarts.init(document.getElementById(spec.id), null, { renderer: "canvas" });
      charts.set(spec.id, chart);
    }
    chart.setOption(chartOption(spec, kpis), { notMerge: true });
  }
}

function render(kpis) {
  if (!kpis?.market) return;
  const card = document.getElementById("kpi-card");
  card.hidden = false;
  card.dataset.now = String(kpis.now);
  renderTiles(kpis);
  renderCharts(kpis);
}

export async function initKpis() {
  on("kpis", render);
  window.addEventListener("resize", () => charts.forEach((c) => c.resize()));
  try {
    render(await apiGet("/api/kpis"));
  } catch (error) {
    // 409: no live market runs; the panel stays hidden.
    if (error?.status !== 409) console.warn("dashboard: GET /api/kpis failed", error);
  }
}
