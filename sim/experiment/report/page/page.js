// @ts-check
// experiment.html's script: reads the experiment's summary from the page's JSON block and draws
// its charts with echarts (SVG, no animation). The page writer (../experiment-html.ts) inlines it,
// after the modules it imports, into one classic <script>: the page stays one self-contained file.
// Tooltips are HTML, so arm labels and names from the data go in through escapeHtml.
//
// Each chart element is `chart-means-A-M` or `chart-paired-A-M`: metric M against axis A. With
// other axes, the chart is faceted: one panel per combination of the other axes' values (in their
// order), every panel on the same value scale, so a panel holds only the three systems (means)
// or the two differences (paired). When every value of axis A is a number the x axis is a value
// axis; otherwise a category axis of the values as text (arrays and objects as JSON).
import { SYSTEM_COLORS } from "../../../report/page/colors.js";
import { escapeHtml } from "../../../report/page/escape-html.js";
import { axisValueText, chartScale, formatMetric } from "./format.js";

/** @typedef {import("../../types.js").ExperimentSummary} ExperimentSummary */
/** @typedef {import("../../types.js").SummaryRow} SummaryRow */
/** @typedef {import("../../types.js").PairedRow} PairedRow */
/** @typedef {import("../../types.js").Json} Json */
/** @typedef {ExperimentSummary["arms"][number]} ArmInfo */
/** @typedef {import("../../../report/types.js").SystemKey} SystemKey */
/** @typedef {import("echarts").EChartsOption} EChartsOption */
/** @typedef {import("echarts").SeriesOption} SeriesOption */
/** @typedef {import("echarts").CustomSeriesOption} CustomSeriesOption */
/** @typedef {import("echarts").LineSeriesOption} LineSeriesOption */
/** @typedef {import("echarts").XAXisComponentOption} XAXisComponentOption */
/** @typedef {import("echarts").YAXisComponentOption} YAXisComponentOption */
/** @typedef {import("echarts").CustomSeriesRenderItemAPI} RenderAPI */
/** @typedef {import("echarts").CustomSeriesRenderItemReturn} RenderReturn */
/** @typedef {import("echarts").DefaultLabelFormatterCallbackParams} CallbackDataParams */
/** @typedef {{ left: number, top: number, width: number, height: number }} Rect */
/** @typedef {{ title: string, arms: Array<{ arm: ArmInfo, x: number }> }} Facet */

/** The experiment the page was written from: the JSON block the writer put in the page. */
var data = /** @type {ExperimentSummary} */ (JSON.parse(/** @type {HTMLElement} */ (document.getElementById("report-data")).textContent ?? ""));

/** @type {Array<{ key: SystemKey, label: string, color: string, symbol: string }>} */
var SYSTEMS = [
  { key: "market", label: "market", color: SYSTEM_COLORS.market, symbol: "circle" },
  { key: "centralized", label: "centralized", color: SYSTEM_COLORS.centralized, symbol: "rect" },
  { key: "multiCloud", label: "multi-cloud", color: SYSTEM_COLORS.multiCloud, symbol: "diamond" }
];
/** The paired differences, each drawn a few pixels to one side of the axis value so both show. */
/** @type {Array<{ key: "centralized" | "multiCloud", label: string, color: string, shape: "rect" | "circle", offset: number }>} */
var BASELINES = [
  { key: "centralized", label: "market − centralized", color: SYSTEM_COLORS.centralized, shape: "rect", offset: -7 },
  { key: "multiCloud", label: "market − multi-cloud", color: SYSTEM_COLORS.multiCloud, shape: "circle", offset: 7 }
];

/** @param {Json | undefined} value */
function jsonKey(value) { return JSON.stringify(value === undefined ? null : value); }
var SEP = "\u0000";

// Rows name their arm by key (a label is accepted too).
/** @type {Map<string, ArmInfo>} */
var armByName = new Map();
data.arms.forEach(function (arm) { armByName.set(arm.label, arm); });
data.arms.forEach(function (arm) { armByName.set(arm.key, arm); });
/** @type {Map<string, SummaryRow>} */
var summaryRows = new Map();
data.summary.forEach(function (r) {
  var arm = armByName.get(r.arm);
  if (arm) summaryRows.set(arm.key + SEP + r.system + SEP + r.metric, r);
});
/** @type {Map<string, PairedRow>} */
var pairedRows = new Map();
data.paired.forEach(function (r) {
  var arm = armByName.get(r.arm);
  if (arm) pairedRows.set(arm.key + SEP + r.baseline + SEP + r.metric, r);
});

/**
 * The panels of a chart against axis `a`: one per combination of the other axes' values, in
 * their order, each with its arms and their positions (value index) on axis `a`.
 *
 * @param {number} a
 * @returns {Facet[]}
 */
function facets(a) {
  var axis = /** @type {import("../../types.js").AxisInfo} */ (data.axes[a]);
  var others = data.axes.filter(function (_, i) { return i !== a; });
  /** @type {number[][]} */
  var combos = [[]];
  others.forEach(function (o) {
    /** @type {number[][]} */
    var next = [];
    combos.forEach(function (c) { o.values.forEach(function (_, vi) { next.push(c.concat([vi])); }); });
    combos = next;
  });
  /** @type {Map<string, Facet>} */
  var byCombo = new Map();
  combos.forEach(function (c) {
    var title = others.map(function (o, i) { return o.name + " = " + axisValueText(o.values[/** @type {number} */ (c[i])]); }).join(", ");
    byCombo.set(c.join(","), { title: title, arms: [] });
  });
  data.arms.forEach(function (arm) {
    /** @param {import("../../types.js").AxisInfo} ax */
    function position(ax) {
      var wanted = jsonKey(arm.params[ax.name]);
      return ax.values.findIndex(function (v) { return jsonKey(v) === wanted; });
    }
    var x = position(axis);
    var at = others.map(position);
    var facet = byCombo.get(at.join(","));
    if (x >= 0 && at.every(function (i) { return i >= 0; }) && facet) facet.arms.push({ arm: arm, x: x });
  });
  var list = /** @type {Facet[]} */ ([]);
  byCombo.forEach(function (f) {
    if (f.arms.length === 0) return;
    f.arms.sort(function (p, q) { return p.x - q.x; });
    list.push(f);
  });
  return list;
}

var WIDTH = 1340, LEFT = 84, RIGHT = 24, GAP_X = 64, PANEL_H = 250, LEGEND_H = 48, BOTTOM = 50;
/**
 * Panel rectangles in up to three columns, and the chart's height.
 *
 * @param {number} n panels
 * @param {boolean} titled
 * @returns {{ rects: Rect[], height: number }}
 */
function layout(n, titled) {
  var cols = Math.max(1, Math.min(n, 3));
  var rows = Math.ceil(n / cols);
  var titleH = titled ? 26 : 0;
  var gapY = 56 + titleH;
  var width = (WIDTH - LEFT - RIGHT - GAP_X * (cols - 1)) / cols;
  /** @type {Rect[]} */
  var rects = [];
  for (var i = 0; i < n; i++) {
    var col = i % cols, row = Math.floor(i / cols);
    rects.push({ left: LEFT + col * (width + GAP_X), top: LEGEND_H + titleH + row * (PANEL_H + gapY), width: width, height: PANEL_H });
  }
  return { rects: rects, height: LEGEND_H + titleH + rows * PANEL_H + (rows - 1) * gapY + BOTTOM };
}

/** @param {number} v */
function tidy(v) { return Number(v.toPrecision(12)); }
/** @param {number} raw */
function niceStep(raw) {
  var p = Math.pow(10, Math.floor(Math.log10(raw)));
  var f = raw / p;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10) * p;
}
/**
 * A value axis's range over `values` (drawn units), on nice round ticks.
 *
 * @param {number[]} values
 * @param {{ zero?: boolean, percent?: boolean }} opts zero: include 0; percent: stay within 0–100
 * @returns {{ min: number, max: number, interval: number }}
 */
function niceRange(values, opts) {
  var finite = values.filter(function (v) { return Number.isFinite(v); });
  if (opts.zero) finite.push(0);
  if (finite.length === 0) return { min: 0, max: 1, interval: 0.2 };
  var lo = Math.min.apply(null, finite), hi = Math.max.apply(null, finite);
  var nonNegative = lo >= 0;
  if (hi === lo) {
    var pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    lo -= pad; hi += pad;
  } else {
    var margin = (hi - lo) * 0.06;
    lo -= margin; hi += margin;
  }
  if (nonNegative) lo = Math.max(0, lo);
  if (opts.percent) { lo = Math.max(0, lo); hi = Math.min(100, hi); }
  var step = niceStep((hi - lo) / 5);
  return { min: tidy(Math.floor(lo / step) * step), max: tidy(Math.ceil(hi / step) * step), interval: tidy(step) };
}

var FONT = { fontSize: 12, color: "#333" };
/** @param {number} v */
function tickLabel(v) { return String(tidy(v)); }

/**
 * The x axes of the panels: a value axis when every value of the axis is a number, else categories.
 *
 * @param {import("../../types.js").AxisInfo} axis
 * @param {number} count
 * @param {number} width a panel's width: category labels are cut to their share of it
 * @returns {{ axes: XAXisComponentOption[], position: (x: number) => number }}
 */
function xAxes(axis, count, width) {
  var numeric = axis.values.length > 0 && axis.values.every(function (v) { return typeof v === "number"; });
  var numbers = numeric ? /** @type {number[]} */ (axis.values) : [];
  /** @type {XAXisComponentOption[]} */
  var axes = [];
  for (var i = 0; i < count; i++) {
    var common = { gridIndex: i, name: axis.name, nameLocation: /** @type {const} */ ("middle"), nameGap: 28, nameTextStyle: FONT,
      splitLine: { show: true, lineStyle: { color: "#eee" } } };
    if (numeric) {
      var lo = Math.min.apply(null, numbers), hi = Math.max.apply(null, numbers);
      var pad = hi === lo ? (lo === 0 ? 1 : Math.abs(lo) * 0.1) : (hi - lo) * 0.06;
      axes.push(Object.assign({ type: /** @type {const} */ ("value"), min: tidy(lo - pad), max: tidy(hi + pad),
        axisLabel: { color: "#444", formatter: tickLabel, showMinLabel: false, showMaxLabel: false } }, common));
    } else {
      axes.push(Object.assign({ type: /** @type {const} */ ("category"), data: axis.values.map(axisValueText),
        axisLabel: { color: "#444", interval: 0, width: Math.max(40, width / Math.max(1, axis.values.length) - 8), overflow: /** @type {const} */ ("truncate") } }, common));
    }
  }
  return { axes: axes, position: function (x) { return numeric ? /** @type {number} */ (numbers[x]) : x; } };
}

/**
 * @param {number} count
 * @param {string} name
 * @param {{ min: number, max: number, interval: number }} range
 * @param {number} cols panels per row: only the first column's axis is named
 * @returns {YAXisComponentOption[]}
 */
function yAxes(count, name, range, cols) {
  /** @type {YAXisComponentOption[]} */
  var axes = [];
  for (var i = 0; i < count; i++) {
    axes.push({ type: "value", gridIndex: i, name: i % cols === 0 ? name : "", nameLocation: "middle", nameGap: 56, nameTextStyle: FONT,
      min: range.min, max: range.max, interval: range.interval,
      axisLabel: { color: "#444", formatter: tickLabel }, splitLine: { lineStyle: { color: "#eee" } } });
  }
  return axes;
}

/**
 * @param {Facet[]} panels
 * @param {Rect[]} rects
 * @returns {import("echarts").TitleComponentOption[]}
 */
function panelTitles(panels, rects) {
  return panels.map(function (f, i) {
    var r = /** @type {Rect} */ (rects[i]);
    return { text: f.title, left: r.left, top: r.top - 26, textStyle: { fontSize: 13, fontWeight: "normal", color: "#333" } };
  });
}

/**
 * A shaded band from `low` to `high` through the points (drawn units), as one custom series that
 * draws its polygons once; a point without an interval breaks the band.
 *
 * @param {string} name
 * @param {string} color
 * @param {Array<{ x: number, low: number | null, high: number | null }>} points
 * @param {number} grid
 * @returns {CustomSeriesOption | null}
 */
function bandSeries(name, color, points, grid) {
  /** @type {Array<Array<{ x: number, low: number, high: number }>>} */
  var runs = [];
  /** @type {Array<{ x: number, low: number, high: number }>} */
  var run = [];
  points.forEach(function (p) {
    if (p.low !== null && p.high !== null && Number.isFinite(p.low) && Number.isFinite(p.high)) run.push({ x: p.x, low: p.low, high: p.high });
    else if (run.length > 0) { runs.push(run); run = []; }
  });
  if (run.length > 0) runs.push(run);
  var first = runs[0] && runs[0][0];
  if (!first) return null;
  return {
    type: "custom", name: name, xAxisIndex: grid, yAxisIndex: grid, silent: true, z: 1, tooltip: { show: false },
    encode: { x: 0, y: 1 }, data: [[first.x, first.low]],
    renderItem: /** @returns {RenderReturn} */ function (_params, api) {
      return { type: "group", children: runs.map(function (r) {
        var style = { fill: color, opacity: 0.18 };
        if (r.length === 1) {
          var p = /** @type {{ x: number, low: number, high: number }} */ (r[0]);
          var top = /** @type {number[]} */ (api.coord([p.x, p.high])), bottom = /** @type {number[]} */ (api.coord([p.x, p.low]));
          return { type: "rect", shape: { x: /** @type {number} */ (top[0]) - 6, y: /** @type {number} */ (top[1]), width: 12, height: /** @type {number} */ (bottom[1]) - /** @type {number} */ (top[1]) }, style: style };
        }
        var upper = r.map(function (q) { return /** @type {number[]} */ (api.coord([q.x, q.high])); });
        var lower = r.map(function (q) { return /** @type {number[]} */ (api.coord([q.x, q.low])); }).reverse();
        return { type: "polygon", shape: { points: upper.concat(lower) }, style: style };
      }) };
    }
  };
}

var BASE = { animation: false, textStyle: { fontFamily: "system-ui, -apple-system, Segoe UI, Roboto, Helvetica, Arial, sans-serif" } };

/**
 * One metric's means against one axis: per panel a line per system and its 95% band.
 *
 * @param {number} a
 * @param {string} metric
 * @param {Facet[]} panels
 * @returns {{ option: EChartsOption, height: number }}
 */
function meansChart(a, metric, panels) {
  var axis = /** @type {import("../../types.js").AxisInfo} */ (data.axes[a]);
  var titled = data.axes.length > 1;
  var box = layout(panels.length, titled);
  var x = xAxes(axis, panels.length, /** @type {Rect} */ (box.rects[0]).width);
  var largest = 0;
  data.summary.forEach(function (r) {
    if (r.metric !== metric) return;
    [r.mean, r.ciLow, r.ciHigh].forEach(function (v) { if (v !== null && Number.isFinite(v)) largest = Math.max(largest, Math.abs(v)); });
  });
  var scale = chartScale(metric, largest);
  /** @param {number | null} v */
  function drawn(v) { return v === null || !Number.isFinite(v) ? null : v * scale.factor; }
  /** @type {number[]} */
  var extent = [];
  /** @type {SeriesOption[]} */
  var series = [];
  panels.forEach(function (f, g) {
    SYSTEMS.forEach(function (s) {
      var points = f.arms.map(function (p) {
        var row = summaryRows.get(p.arm.key + SEP + s.key + SEP + metric);
        var point = { x: x.position(p.x), mean: row ? drawn(row.mean) : null, low: row ? drawn(row.ciLow) : null, high: row ? drawn(row.ciHigh) : null, row: row, arm: p.arm };
        [point.mean, point.low, point.high].forEach(function (v) { if (v !== null) extent.push(v); });
        return point;
      });
      /** @type {LineSeriesOption} */
      var line = { type: "line", name: s.label, xAxisIndex: g, yAxisIndex: g, color: s.color, symbol: s.symbol, symbolSize: 7,
        lineStyle: { width: 2.2 }, z: 3, connectNulls: false,
        data: points.map(function (p) { return { value: [p.x, p.mean === null ? NaN : p.mean], row: p.row, arm: p.arm }; }) };
      series.push(line);
      var band = bandSeries(s.label, s.color, points, g);
      if (band) series.push(band);
    });
  });
  var cols = Math.max(1, Math.min(panels.length, 3));
  var yName = metric + (scale.unit ? " (" + scale.unit + ")" : "");
  return { height: box.height, option: {
    legend: { top: 4, left: "center", itemGap: 22, textStyle: { fontSize: 13 }, data: SYSTEMS.map(function (s) { return s.label; }) },
    title: titled ? panelTitles(panels, box.rects) : [],
    grid: box.rects,
    tooltip: { trigger: "item", formatter: function (params) {
      var p = /** @type {CallbackDataParams & { data: { row?: SummaryRow, arm: ArmInfo } }} */ (params);
      var row = p.data.row;
      var head = escapeHtml(p.data.arm.label) + "<br>" + p.marker + escapeHtml(String(p.seriesName)) + ": ";
      if (!row) return head + "no data";
      return head + "<b>" + escapeHtml(formatMetric(metric, row.mean)) + "</b><br>95% CI " + escapeHtml(formatMetric(metric, row.ciLow)) + " … " +
        escapeHtml(formatMetric(metric, row.ciHigh)) + "<br>n = " + row.n;
    } },
    xAxis: x.axes,
    yAxis: yAxes(panels.length, yName, niceRange(extent, { percent: scale.unit === "%" }), cols),
    series: series
  } };
}

/**
 * One metric's paired differences against one axis: per panel each baseline's mean difference
 * with its 95% interval as an error bar, and a dashed line at zero.
 *
 * @param {number} a
 * @param {string} metric
 * @param {Facet[]} panels
 * @returns {{ option: EChartsOption, height: number }}
 */
function pairedChart(a, metric, panels) {
  var axis = /** @type {import("../../types.js").AxisInfo} */ (data.axes[a]);
  var titled = data.axes.length > 1;
  var box = layout(panels.length, titled);
  var x = xAxes(axis, panels.length, /** @type {Rect} */ (box.rects[0]).width);
  var largest = 0;
  data.paired.forEach(function (r) {
    if (r.metric !== metric) return;
    [r.meanDiff, r.ciLow, r.ciHigh].forEach(function (v) { if (v !== null && Number.isFinite(v)) largest = Math.max(largest, Math.abs(v)); });
  });
  var scale = chartScale(metric, largest, true);
  /** @param {number | null} v */
  function drawn(v) { return v === null || !Number.isFinite(v) ? NaN : v * scale.factor; }
  /** @type {number[]} */
  var extent = [];
  /** @type {SeriesOption[]} */
  var series = [];
  panels.forEach(function (f, g) {
    BASELINES.forEach(function (b, bi) {
      var items = /** @type {Array<{ value: number[], row: PairedRow, arm: ArmInfo }>} */ ([]);
      f.arms.forEach(function (p) {
        var row = pairedRows.get(p.arm.key + SEP + b.key + SEP + metric);
        if (!row || row.meanDiff === null) return;
        var value = [x.position(p.x), drawn(row.meanDiff), drawn(row.ciLow), drawn(row.ciHigh)];
        value.slice(1).forEach(function (v) { if (Number.isFinite(v)) extent.push(v); });
        items.push({ value: value, row: row, arm: p.arm });
      });
      /** @type {CustomSeriesOption} */
      var bars = { type: "custom", name: b.label, xAxisIndex: g, yAxisIndex: g, itemStyle: { color: b.color }, z: 3,
        encode: { x: 0, y: 1 }, data: items,
        renderItem: /** @returns {RenderReturn} */ function (_params, api) {
          var xv = /** @type {number} */ (api.value(0)), mean = /** @type {number} */ (api.value(1));
          var low = /** @type {number} */ (api.value(2)), high = /** @type {number} */ (api.value(3));
          var at = /** @type {number[]} */ (api.coord([xv, mean]));
          var cx = /** @type {number} */ (at[0]) + b.offset, cy = /** @type {number} */ (at[1]);
          var stroke = { stroke: b.color, lineWidth: 1.6 };
          /** @type {Extract<RenderReturn, { type: "group" }>["children"]} */
          var children = [];
          if (Number.isFinite(low) && Number.isFinite(high)) {
            var top = /** @type {number} */ ((/** @type {number[]} */ (api.coord([xv, high])))[1]);
            var bottom = /** @type {number} */ ((/** @type {number[]} */ (api.coord([xv, low])))[1]);
            children.push({ type: "line", shape: { x1: cx, y1: top, x2: cx, y2: bottom }, style: stroke });
            children.push({ type: "line", shape: { x1: cx - 5, y1: top, x2: cx + 5, y2: top }, style: stroke });
            children.push({ type: "line", shape: { x1: cx - 5, y1: bottom, x2: cx + 5, y2: bottom }, style: stroke });
          }
          children.push(b.shape === "rect"
            ? { type: "rect", shape: { x: cx - 4.5, y: cy - 4.5, width: 9, height: 9 }, style: { fill: b.color } }
            : { type: "circle", shape: { cx: cx, cy: cy, r: 5 }, style: { fill: b.color } });
          return { type: "group", children: children };
        },
        markLine: bi === 0 ? { silent: true, symbol: "none", label: { show: false }, lineStyle: { color: "#777", type: "dashed", width: 1 }, data: [{ yAxis: 0 }] } : undefined
      };
      series.push(bars);
    });
  });
  var cols = Math.max(1, Math.min(panels.length, 3));
  var yName = "market − baseline, " + metric + (scale.unit ? " (" + scale.unit + ")" : "");
  return { height: box.height, option: {
    legend: { top: 4, left: "center", itemGap: 22, textStyle: { fontSize: 13 },
      data: BASELINES.map(function (b) { return { name: b.label, icon: b.shape === "rect" ? "rect" : "circle" }; }) },
    title: titled ? panelTitles(panels, box.rects) : [],
    grid: box.rects,
    tooltip: { trigger: "item", formatter: function (params) {
      var p = /** @type {CallbackDataParams & { data: { row: PairedRow, arm: ArmInfo } }} */ (params);
      var row = p.data.row;
      return escapeHtml(p.data.arm.label) + "<br>" + p.marker + escapeHtml(String(p.seriesName)) + ": <b>" + escapeHtml(formatMetric(metric, row.meanDiff, "signed")) +
        "</b><br>95% CI " + escapeHtml(formatMetric(metric, row.ciLow, "signed")) + " … " + escapeHtml(formatMetric(metric, row.ciHigh, "signed")) + "<br>n = " + row.n + " seeds";
    } },
    xAxis: x.axes,
    yAxis: yAxes(panels.length, yName, niceRange(extent, { zero: true }), cols),
    series: series
  } };
}

/** @type {import("echarts").ECharts[]} */
var charts = [];
/** @type {Map<number, Facet[]>} */
var facetsByAxis = new Map();
document.querySelectorAll("div.chart").forEach(function (el) {
  var match = /^chart-(means|paired)-(\d+)-(\d+)$/.exec(el.id);
  if (!match) return;
  var a = Number(match[2]), metric = data.metrics[Number(match[3])];
  if (data.axes[a] === undefined || metric === undefined) return;
  var panels = facetsByAxis.get(a);
  if (!panels) { panels = facets(a); facetsByAxis.set(a, panels); }
  if (panels.length === 0) return;
  var made = match[1] === "means" ? meansChart(a, metric, panels) : pairedChart(a, metric, panels);
  var box = /** @type {HTMLElement} */ (el);
  box.style.height = made.height + "px";
  var chart = echarts.init(box, null, { renderer: "svg" });
  chart.setOption(Object.assign({}, BASE, made.option));
  charts.push(chart);
});
// Tells a reader (and the browser test) that every chart is drawn.
document.body.setAttribute("data-charts-drawn", String(charts.length));
