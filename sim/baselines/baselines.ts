import type { FailureTimeline } from "../model/failures.js";
import type { WorkloadTask } from "../model/workload.js";
import type { Scenario } from "../scenario/schema.js";
import type { MetricsCollector } from "../metrics/collector.js";
import { runSiteSystem } from "./site-system.js";

/** Every task to one provider in one region at its list price; nothing runs while it is down. */
export function runCentralized(scenario: Scenario, tasks: readonly WorkloadTask[], timeline: FailureTimeline, until: number): MetricsCollector {
  const c = scenario.baselines.centralized;
  return runSiteSystem(
    "centralized",
    [{ nodeId: "centralized", capacity: c.capacity, speed: c.speed, pricePerSecond: c.pricePerSecond }],
    { primary: 0, detectionDelay: 0, failbackDelay: 0 },
    tasks,
    timeline,
    until,
  );
}

/** A primary and a failover in other regions: traffic moves after a detection delay, and back. */
export function runMultiCloud(scenario: Scenario, tasks: readonly WorkloadTask[], timeline: FailureTimeline, until: number): MetricsCollector {
  const m = scenario.baselines.multiCloud;
  return runSiteSystem(
    "multiCloud",
    [
      { nodeId: "multiCloud.primary", capacity: m.primary.capacity, speed: 1, pricePerSecond: m.primary.pricePerSecond },
      { nodeId: "multiCloud.failover", capacity: m.failover.capacity, speed: 1, pricePerSecond: m.failover.pricePerSecond },
    ],
    { primary: 0, failover: 1, detectionDelay: m.detectionDelay, failbackDelay: m.failbackDelay },
    tasks,
    timeline,
    until,
  );
}
