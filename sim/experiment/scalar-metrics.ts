// The scalar metrics of a run, by name, as an experiment summarises them: every number of a
// system's metrics.json that is one figure per run (not a series). Wei and gas are decimal
// strings in metrics.json; here they are numbers (exact below 2^53 wei, about 0.009 ETH, and
// within a part in 10^15 above it, which no confidence interval resolves).
import type { RunEconomics, SystemEconomics } from "../economics/run-economics.js";
import type { SystemMetrics } from "../metrics/collector.js";

export const SCALAR_METRICS = [
  "tasksPosted",
  "tasksCompleted",
  "tasksRefunded",
  "tasksUnfinished",
  "completionRate",
  "onTimeRate",
  "latencyMs.p50",
  "latencyMs.p95",
  "latencyMs.p99",
  "latencyMs.mean",
  "pricePerCompletedTaskWei",
  "pricePerOnTimeTaskWei",
  "totalPaidWei",
  "computeSecondsLost",
  "reroutes",
  "reroutesByReason.deadlineMissed",
  "reroutesByReason.abandoned",
  "reroutesByReason.failover",
  "reauctions",
  "slashes",
  "slashedWei",
  "gasUsed",
  "gasPerCompletedTask",
  "gasByParty.posters",
  "gasByParty.providers",
  "gasByParty.keepers",
  "blocks",
  "costPerCompletedTaskUsd",
  "costPerOnTimeTaskUsd",
  "gasCostUsd",
  "breakEvenGasPriceGwei.centralized",
  "breakEvenGasPriceGwei.multiCloud",
] as const;
export type ScalarMetric = (typeof SCALAR_METRICS)[number];

/**
 * Rates and the counts they are shares of: their intervals take the pooled counts into
 * account (statistics.ts describeRate), since a t interval collapses when every seed is 100%.
 */
export const RATE_COUNTS: Readonly<Partial<Record<ScalarMetric, (m: Readonly<Record<string, number | null>>) => { successes: number; trials: number }>>> = {
  completionRate: (m) => ({ successes: m["tasksCompleted"] ?? 0, trials: m["tasksPosted"] ?? 0 }),
  onTimeRate: (m) => ({ successes: Math.round((m["onTimeRate"] ?? 0) * (m["tasksPosted"] ?? 0)), trials: m["tasksPosted"] ?? 0 }),
};

/** Whether `name` is a scalar metric. */
export function isScalarMetric(name: string): name is ScalarMetric {
  return (SCALAR_METRICS as readonly string[]).includes(name);
}

/** One system's scalar metrics, by name; null where the run has no such figure (no gas off chain, no latency without completions). */
/**
 * @param e the system's money in USD; @param breakEven the market's break-even gas prices
 * (null for the baselines, which have no gas).
 */
export function scalarMetrics(m: SystemMetrics, e: SystemEconomics, breakEven: RunEconomics["breakEvenGasPriceGwei"] | null): Record<ScalarMetric, number | null> {
  const num = (v: string | null) => (v === null ? null : Number(v));
  return {
    tasksPosted: m.tasksPosted,
    tasksCompleted: m.tasksCompleted,
    tasksRefunded: m.tasksRefunded,
    tasksUnfinished: m.tasksUnfinished,
    completionRate: m.completionRate,
    onTimeRate: m.onTimeRate,
    "latencyMs.p50": m.latencyMs.p50,
    "latencyMs.p95": m.latencyMs.p95,
    "latencyMs.p99": m.latencyMs.p99,
    "latencyMs.mean": m.latencyMs.mean,
    pricePerCompletedTaskWei: num(m.pricePerCompletedTaskWei),
    pricePerOnTimeTaskWei: num(m.pricePerOnTimeTaskWei),
    totalPaidWei: num(m.totalPaidWei),
    computeSecondsLost: m.computeSecondsLost,
    reroutes: m.reroutes,
    "reroutesByReason.deadlineMissed": m.reroutesByReason.deadlineMissed,
    "reroutesByReason.abandoned": m.reroutesByReason.abandoned,
    "reroutesByReason.failover": m.reroutesByReason.failover,
    reauctions: m.reauctions,
    slashes: m.slashes,
    slashedWei: num(m.slashedWei),
    gasUsed: num(m.gasUsed),
    gasPerCompletedTask: num(m.gasPerCompletedTask),
    "gasByParty.posters": num(m.gasByParty?.posters.gas ?? null),
    "gasByParty.providers": num(m.gasByParty?.providers.gas ?? null),
    "gasByParty.keepers": num(m.gasByParty?.keepers.gas ?? null),
    blocks: m.blocks,
    costPerCompletedTaskUsd: e.costPerCompletedTaskUsd,
    costPerOnTimeTaskUsd: e.costPerOnTimeTaskUsd,
    gasCostUsd: e.gasCostUsd?.total ?? null,
    "breakEvenGasPriceGwei.centralized": breakEven?.centralized ?? null,
    "breakEvenGasPriceGwei.multiCloud": breakEven?.multiCloud ?? null,
  };
}
