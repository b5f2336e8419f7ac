// An experiment's statistics from its runs: per arm, system and metric the descriptive summary
// with a 95% interval, and per arm and metric the market's paired difference from each baseline
// on the same seeds. Values are taken in seed order, so the same runs give the same bytes.
import { SYSTEM_KEYS } from "../report/types.js";
import { runKey } from "./experiment-folder.js";
import type { ExperimentPlan } from "./plan.js";
import { RATE_COUNTS, type ScalarMetric } from "./scalar-metrics.js";
import { ciHalfWidth, describe, describeRate, pairedDifference } from "./statistics.js";
import type { PairedRow, RunResult, SummaryRow } from "./types.js";

type Systems = Extract<RunResult, { ok: true }>["systems"];

/** The successful runs of one arm, in seed order. */
function armRuns(arm: number, seeds: readonly number[], results: ReadonlyMap<string, RunResult>): Systems[] {
  const runs: Systems[] = [];
  for (const seed of seeds) {
    const result = results.get(runKey(arm, seed));
    if (result?.ok === true) runs.push(result.systems);
  }
  return runs;
}

export function summaryRows(plan: ExperimentPlan, seeds: readonly number[], results: ReadonlyMap<string, RunResult>): SummaryRow[] {
  const rows: SummaryRow[] = [];
  for (const arm of plan.arms) {
    const runs = armRuns(arm.index, seeds, results);
    for (const system of SYSTEM_KEYS) {
      for (const metric of plan.metrics) {
        const present = runs.map((r) => r[system]).filter((m) => m[metric] !== null && m[metric] !== undefined);
        const values = present.map((m) => m[metric]!);
        const counts = RATE_COUNTS[metric as ScalarMetric];
        let stats;
        if (counts !== undefined && values.length > 0) {
          const pooled = present.map(counts).reduce((a, c) => ({ successes: a.successes + c.successes, trials: a.trials + c.trials }), { successes: 0, trials: 0 });
          stats = pooled.trials > 0 ? describeRate(values, pooled.successes, pooled.trials) : describe(values);
        } else {
          stats = describe(values);
        }
        rows.push({ arm: arm.key, system, metric, ...stats });
      }
    }
  }
  return rows;
}

export function pairedRows(plan: ExperimentPlan, seeds: readonly number[], results: ReadonlyMap<string, RunResult>): PairedRow[] {
  const rows: PairedRow[] = [];
  for (const arm of plan.arms) {
    const runs = armRuns(arm.index, seeds, results);
    for (const baseline of ["centralized", "multiCloud"] as const) {
      for (const metric of plan.metrics) {
        const both = runs.filter((r) => r.market[metric] != null && r[baseline][metric] != null);
        const diff = pairedDifference(
          both.map((r) => r.market[metric]!),
          both.map((r) => r[baseline][metric]!),
        );
        rows.push({ arm: arm.key, baseline, metric, ...diff });
      }
    }
  }
  return rows;
}

/** The widest 95% half-width over every arm, system and summarised metric (null when none has an interval yet). */
export function widestHalfWidth(plan: ExperimentPlan, seeds: readonly number[], results: ReadonlyMap<string, RunResult>): number | null {
  let widest: number | null = null;
  for (const row of summaryRows(plan, seeds, results)) {
    if (row.n === 0) continue; // a figure this system never has (gas off chain)
    const half = ciHalfWidth(row);
    if (half === null) return Number.POSITIVE_INFINITY; // too few runs to tell: keep adding seeds
    widest = Math.max(widest ?? 0, half);
  }
  return widest;
}
