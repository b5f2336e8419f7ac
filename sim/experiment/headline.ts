// The table `bidmesh experiment` prints when it is done: for each arm, one metric's mean and
// 95% interval for the market and both baselines, and the market's paired difference from each.
import { formatDuration, formatEth } from "../report/comparison-table.js";
import type { ExperimentSummary, MetricSummary } from "./types.js";

/** A metric's value for a person: rates in %, latencies as durations, wei as ETH, counts plain. */
export function formatMetric(metric: string, value: number | null, difference = false): string {
  if (value === null) return "n/a";
  const sign = difference && value > 0 ? "+" : "";
  if (metric.endsWith("Rate")) return `${sign}${(value * 100).toFixed(1)}${difference ? " pts" : "%"}`;
  if (metric.startsWith("latencyMs.")) return `${value < 0 ? "-" : sign}${formatDuration(Math.round(Math.abs(value)))}`;
  if (metric.endsWith("Wei")) return `${value < 0 ? "-" : sign}${formatEth(BigInt(Math.round(Math.abs(value))), 6)}`;
  return `${sign}${Number.isInteger(value) ? value.toString() : value.toFixed(2)}`;
}

function cell(metric: string, s: Pick<MetricSummary, "mean" | "ciLow" | "ciHigh"> | undefined, difference = false): string {
  if (s === undefined || s.mean === null) return "n/a";
  if (s.ciLow === null || s.ciHigh === null) return formatMetric(metric, s.mean, difference);
  return `${formatMetric(metric, s.mean, difference)} [${formatMetric(metric, s.ciLow, difference)}, ${formatMetric(metric, s.ciHigh, difference)}]`;
}

/** The headline metric: onTimeRate when summarised, else the first. */
export function headlineMetric(summary: ExperimentSummary): string {
  return summary.metrics.includes("onTimeRate") ? "onTimeRate" : summary.metrics[0]!;
}

export function formatHeadline(summary: ExperimentSummary): string {
  const metric = headlineMetric(summary);
  const header = ["arm", "market", "centralized", "multi-cloud", "market − centralized", "market − multi-cloud"];
  const rows = summary.arms.map((arm) => {
    const of = (system: string) => summary.summary.find((r) => r.arm === arm.key && r.system === system && r.metric === metric);
    const diff = (baseline: string) => {
      const p = summary.paired.find((r) => r.arm === arm.key && r.baseline === baseline && r.metric === metric);
      return p === undefined ? undefined : { mean: p.meanDiff, ciLow: p.ciLow, ciHigh: p.ciHigh };
    };
    return [`${arm.key} ${arm.label}`, cell(metric, of("market")), cell(metric, of("centralized")), cell(metric, of("multiCloud")), cell(metric, diff("centralized"), true), cell(metric, diff("multiCloud"), true)];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  return [`${metric}, mean [95% interval] over ${summary.seeds.length} seeds`, "", line(header), "-".repeat(widths.reduce((a, b) => a + b + 2, -2)), ...rows.map(line)].join("\n");
}
