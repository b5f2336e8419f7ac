import type { SystemMetrics } from "../../sim/metrics/collector.js";

/** One system's metrics with plain defaults (10 tasks, all completed on time, 0.01 ETH paid, no gas), bent by `overrides`. */
export function systemMetrics(overrides: Partial<SystemMetrics> = {}): SystemMetrics {
  return {
    tasksPosted: 10,
    tasksCompleted: 10,
    tasksRefunded: 0,
    tasksUnfinished: 0,
    completionRate: 1,
    onTimeRate: 1,
    latencyMs: { p50: 1_000, p95: 2_000, p99: 3_000, mean: 1_500 },
    pricePerCompletedTaskWei: "1000000000000000",
    pricePerOnTimeTaskWei: "1000000000000000",
    totalPaidWei: "10000000000000000",
    computeSecondsLost: 0,
    reroutes: 0,
    reroutesByReason: { deadlineMissed: 0, abandoned: 0, failover: 0 },
    reauctions: 0,
    slashes: 0,
    slashedWei: "0",
    gasUsed: null,
    gasPerCompletedTask: null,
    gasByParty: null,
    blocks: 0,
    availability: [],
    completionsOverTime: [],
    latenciesMs: [],
    ...overrides,
  };
}
