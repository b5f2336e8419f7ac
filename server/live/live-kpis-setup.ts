// Builds the live market's KPI fold for its scenario: the bucket width of its charts, and the
// baselines' figures on the scenario's workload (its first period) under the same failure
// timeline, run once at start exactly as `bidmesh simulate` runs them (they take no chain).
import { runCentralized, runMultiCloud } from "../../sim/baselines/baselines.js";
import type { FailureTimeline } from "../../sim/model/failures.js";
import type { WorkloadTask } from "../../sim/model/workload.js";
import type { Scenario } from "../../sim/scenario/schema.js";
import { baselineFigures, LiveKpis, type KpisJson } from "./live-kpis.js";

/** Blocks per bucket of the KPI series: a point every few seconds of real time at speed 1 and 2 s blocks. */
export const KPI_BUCKET_BLOCKS = 15;
/** The stream's `kpis` event at most this often (wall ms). */
export const KPI_PUBLISH_EVERY_MS = 1_000;

export function createLiveKpis(scenario: Scenario, tasks: readonly WorkloadTask[], timeline: FailureTimeline): LiveKpis {
  return new LiveKpis(scenario.workload.deadline, KPI_BUCKET_BLOCKS * scenario.blockInterval, baselinesFor(scenario, tasks, timeline));
}

/** Null when the workload is off: the live market's tasks are then the API's, and no baseline ran them. */
function baselinesFor(scenario: Scenario, tasks: readonly WorkloadTask[], timeline: FailureTimeline): KpisJson["baselines"] {
  if (tasks.length === 0) return null;
  // The horizon simulate uses: time for every task to end after the last arrival.
  const horizon = scenario.duration + 2 * scenario.workload.deadline;
  const summary = { duration: scenario.duration, bucket: scenario.metricsBucket };
  return {
    centralized: baselineFigures(runCentralized(scenario, tasks, timeline, horizon).summarize(summary)),
    multiCloud: baselineFigures(runMultiCloud(scenario, tasks, timeline, horizon).summarize(summary)),
  };
}
