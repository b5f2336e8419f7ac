// @ts-check
// experiment.html's number formats, shared by the page writer (its tables, in Node) and the page
// script (chart axes and tooltips, in the browser): plain JavaScript so both run the same code.
// A metric's unit comes from its name: "…Rate" is a share in [0, 1] (shown as a percentage),
// "latencyMs.…" milliseconds (shown in seconds or minutes), "…Wei" wei (shown in ETH), and
// anything else a plain count.

/** @typedef {"rate" | "latency" | "wei" | "count"} MetricKind */

/**
 * @param {string} metric
 * @returns {MetricKind}
 */
export function metricKind(metric) {
  if (/Rate$/.test(metric)) return "rate";
  if (metric.indexOf("latencyMs.") === 0) return "latency";
  if (/Wei$/.test(metric)) return "wei";
  return "count";
}

/**
 * `value` to `digits` significant digits, without trailing zeros.
 *
 * @param {number} value
 * @param {number} digits
 * @returns {string}
 */
export function significantText(value, digits) {
  if (value === 0) return "0";
  return String(Number(value.toPrecision(digits)));
}

/**
 * Milliseconds in seconds below a minute, minutes below an hour, then hours (3 significant digits).
 *
 * @param {number} ms
 * @returns {string}
 */
function durationText(ms) {
  var abs = Math.abs(ms);
  var sign = ms < 0 ? "-" : "";
  var units = [{ unit: "s", size: 1000, upTo: 60 }, { unit: "min", size: 60000, upTo: 60 }, { unit: "h", size: 3600000, upTo: Infinity }];
  for (var i = 0; i < units.length; i++) {
    var u = /** @type {{ unit: string, size: number, upTo: number }} */ (units[i]);
    var text = significantText(abs / u.size, 3);
    // Rounding can reach the next unit (59.99 s → "60 s"): then use the next unit.
    if (Number(text) < u.upTo) return sign + text + " " + u.unit;
  }
  return sign + abs + " ms"; // unreachable: hours have no upper bound
}

/**
 * A count or a mean of counts: integers exactly, other values to 4 significant digits.
 *
 * @param {number} value
 * @returns {string}
 */
function countText(value) {
  if (Number.isInteger(value)) return String(value);
  if (Math.abs(value) >= 10000) return String(Math.round(value));
  return significantText(value, 4);
}

/**
 * One value of `metric` for a table or a tooltip: `95.3%`, `12.4 s`, `4.25 min`, `0.001235 ETH`,
 * `17.5`; `n/a` for null. `as` "signed" is a difference: a leading "+" on positive values and
 * rates in percentage points (`+3.2 pp`); "points" a spread of differences (rates in pp, no sign).
 *
 * @param {string} metric
 * @param {number | null | undefined} value
 * @param {"signed" | "points"} [as]
 * @returns {string}
 */
export function formatMetric(metric, value, as) {
  if (value === null || value === undefined || !Number.isFinite(value)) return "n/a";
  var plus = as === "signed" && value > 0 ? "+" : "";
  switch (metricKind(metric)) {
    case "rate":
      return plus + (value * 100).toFixed(1) + (as ? " pp" : "%");
    case "latency":
      return plus + durationText(value);
    case "wei":
      return plus + significantText(value / 1e18, 4) + " ETH";
    default:
      return plus + countText(value);
  }
}

/**
 * How a metric is drawn on a chart's value axis: the factor from its stored unit to the drawn
 * one, and the drawn unit's name. `largest` is the largest absolute value to draw (stored unit):
 * latencies of two minutes and more are drawn in minutes, shorter ones in seconds.
 *
 * @param {string} metric
 * @param {number} largest
 * @param {boolean} [signed] a difference: rates in percentage points
 * @returns {{ factor: number, unit: string }}
 */
export function chartScale(metric, largest, signed) {
  switch (metricKind(metric)) {
    case "rate":
      return { factor: 100, unit: signed ? "pp" : "%" };
    case "latency":
      return largest >= 120000 ? { factor: 1 / 60000, unit: "min" } : { factor: 1 / 1000, unit: "s" };
    case "wei":
      return { factor: 1e-18, unit: "ETH" };
    default:
      return { factor: 1, unit: "" };
  }
}

/**
 * An axis value as text: a string as itself, anything else (number, boolean, array, object,
 * null) as its JSON.
 *
 * @param {unknown} value
 * @returns {string}
 */
export function axisValueText(value) {
  return typeof value === "string" ? value : String(JSON.stringify(value));
}
