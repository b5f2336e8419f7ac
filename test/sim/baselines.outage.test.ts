// The baselines under outages, on memory runs: the centralized site does nothing while it is
// hard down; multi-cloud moves to its failover after the detection delay; a dependency both
// multi-cloud sites share leaves it no better off than centralized; list prices are
// pricePerSecond × ceil(size in seconds).
import { beforeAll, describe, expect, it } from "vitest";
import { runCentralized, runMultiCloud } from "../../sim/baselines/baselines.js";
import { RandomStream } from "../../sim/engine/rng.js";
import type { MetricsCollector, SystemMetrics } from "../../sim/metrics/collector.js";
import { buildFailureTimeline, type FailureTimeline } from "../../sim/model/failures.js";
import { generateWorkload, type WorkloadTask } from "../../sim/model/workload.js";
import { simulate, type SimulationResult } from "../../sim/run/simulate.js";
import { loadScenario } from "../../sim/scenario/load.js";
import type { Scenario } from "../../sim/scenario/schema.js";
import { fixture } from "./e2e.js";

/**
 * A memory run through simulate() (its metrics.json), and the same baselines run again on the
 * same workload and timeline so each task's outcome can be read; the two must agree.
 */
interface BaselineRun {
  scenario: Scenario;
  run: SimulationResult;
  tasks: WorkloadTask[];
  timeline: FailureTimeline;
  centralized: MetricsCollector;
  multiCloud: MetricsCollector;
}

async function baselineRun(nameOrFile: string): Promise<BaselineRun> {
  const scenario = loadScenario(nameOrFile);
  const run = await simulate({ scenario, ledger: "memory" });
  const root = RandomStream.root(scenario.seed);
  const tasks = generateWorkload(scenario, root.fork("workload"));
  const timeline = buildFailureTimeline(scenario, root);
  const horizon = scenario.duration + 2 * scenario.workload.deadline;
  const centralized = runCentralized(scenario, tasks, timeline, horizon);
  const multiCloud = runMultiCloud(scenario, tasks, timeline, horizon);
  const summary = { duration: scenario.duration, bucket: scenario.metricsBucket };
  expect(centralized.summarize(summary)).toEqual(run.metrics.systems.centralized);
  expect(multiCloud.summarize(summary)).toEqual(run.metrics.systems.multiCloud);
  return { scenario, run, tasks, timeline, centralized, multiCloud };
}

const seconds = (task: WorkloadTask) => BigInt(Math.ceil(task.size / 1_000));
const arrivedIn = (tasks: readonly WorkloadTask[], from: number, to: number) => tasks.filter((t) => t.arrival >= from && t.arrival < to);
const completionsIn = (c: MetricsCollector, tasks: readonly WorkloadTask[], from: number, to: number) =>
  tasks.filter((t) => {
    const at = c.outcome(t.id).completedAt;
    return at !== undefined && at >= from && at < to;
  });
const onTime = (c: MetricsCollector, task: WorkloadTask) => {
  const at = c.outcome(task.id).completedAt;
  return at !== undefined && at - task.arrival <= task.deadline;
};
/** The first and last transition time of a node to and from 0 capacity. */
function hardDown(timeline: FailureTimeline, nodeId: string): { start: number; end: number } {
  const intervals = timeline.downIntervals(nodeId);
  expect(intervals).toHaveLength(1);
  return { start: intervals[0]!.start, end: intervals[0]!.end };
}

/** Availability buckets (by arrival time) lying wholly inside [from, to). */
function bucketsWithin(m: SystemMetrics, bucket: number, from: number, to: number) {
  return m.availability.filter((b) => b.start >= from && b.start + bucket <= to);
}

describe("AWS us-east-1 2025-10-20 (built-in, memory ledger)", () => {
  let r: BaselineRun;
  let window: { start: number; end: number };
  let detectedAt: number;

  beforeAll(async () => {
    r = await baselineRun("aws-us-east-1-2025-10-20");
    window = hardDown(r.timeline, "centralized");
    detectedAt = window.start + r.scenario.baselines.multiCloud.detectionDelay;
  }, 60_000);

  it("the centralized site and the multi-cloud primary are hard down from 20m to 60m (30m down, then the first of 6 recovery steps)", () => {
    expect(window).toEqual({ start: 20 * 60_000, end: 60 * 60_000 });
    expect(hardDown(r.timeline, "multiCloud.primary")).toEqual(window);
    expect(r.timeline.downIntervals("multiCloud.failover")).toEqual([]);
    expect(r.timeline.capacityAt("centralized", window.end)).toBeCloseTo(1 / 6);
  });

  it("centralized completes nothing during the hard-down window, and no task arriving in it is on time", () => {
    expect(completionsIn(r.centralized, r.tasks, window.start, window.end)).toEqual([]);
    const arrivals = arrivedIn(r.tasks, window.start, window.end);
    expect(arrivals.length).toBeGreaterThan(50);
    expect(arrivals.filter((t) => onTime(r.centralized, t))).toEqual([]);

    // The same, read from metrics.json: cumulative completions do not move inside the window,
    // and every availability bucket inside it has no on-time task.
    const m = r.run.metrics.systems.centralized;
    const inside = m.completionsOverTime.filter((p) => p.time >= window.start && p.time <= window.end);
    expect(inside.length).toBeGreaterThan(10);
    expect(new Set(inside.map((p) => p.completed)).size).toBe(1);
    const buckets = bucketsWithin(m, r.scenario.metricsBucket, window.start, window.end);
    expect(buckets.length).toBeGreaterThan(10);
    expect(buckets.reduce((s, b) => s + b.tasks, 0)).toBeGreaterThan(0);
    for (const b of buckets) expect(b.onTime, `bucket at ${b.start} ms`).toBe(0);
  });

  it("multi-cloud stalls until its detection delay, then completes the tasks arriving after it on the failover, on time", () => {
    const failover = r.scenario.baselines.multiCloud.failover;
    expect(detectedAt).toBe(23 * 60_000);
    // Nothing completes between the failure and the switch: the primary evicted its work.
    expect(completionsIn(r.multiCloud, r.tasks, window.start, detectedAt)).toEqual([]);
    const arrivals = arrivedIn(r.tasks, detectedAt, window.end);
    expect(arrivals.length).toBeGreaterThan(50);
    for (const t of arrivals) {
      const o = r.multiCloud.outcome(t.id);
      expect(o.completedAt, `task ${t.id}`).toBeDefined();
      expect(o.completedAt! - t.arrival, `task ${t.id} latency`).toBeLessThanOrEqual(t.deadline);
      // Billed at the failover's list price: it ran there.
      expect(o.price, `task ${t.id} price`).toBe(failover.pricePerSecond * seconds(t));
    }
    // The work the primary lost at the failure restarted on the failover: reroutes.
    const m = r.run.metrics.systems.multiCloud;
    expect(m.reroutes).toBeGreaterThan(0);
    expect(r.multiCloud.rerouteLog.length).toBe(m.reroutes);
    for (const reroute of r.multiCloud.rerouteLog) {
      expect(reroute).toMatchObject({ from: "multiCloud.primary", to: "multiCloud.failover" });
      expect(reroute.time).toBeGreaterThanOrEqual(detectedAt);
    }
    // In metrics.json: availability buckets after the switch (and before recovery) are all on time,
    // where centralized's are all late.
    const buckets = bucketsWithin(m, r.scenario.metricsBucket, detectedAt, window.end);
    expect(buckets.length).toBeGreaterThan(10);
    for (const b of buckets) expect(b.onTime, `bucket at ${b.start} ms`).toBe(b.tasks);
    expect(m.onTimeRate).toBeGreaterThan(r.run.metrics.systems.centralized.onTimeRate);
  });

  it("baselines charge pricePerSecond × ceil(size in seconds) for every completed task", () => {
    checkListPrices(r);
  });
});

describe("a global dependency under both multi-cloud sites (fixtures/shared-dependency.yaml, memory ledger)", () => {
  let r: BaselineRun;
  let window: { start: number; end: number };

  beforeAll(async () => {
    r = await baselineRun(fixture("shared-dependency.yaml"));
    window = hardDown(r.timeline, "centralized");
  }, 60_000);

  it("the outage takes down the centralized site and both multi-cloud sites over the same window", () => {
    expect(window).toEqual({ start: 10 * 60_000, end: 25 * 60_000 });
    expect(hardDown(r.timeline, "multiCloud.primary")).toEqual(window);
    expect(hardDown(r.timeline, "multiCloud.failover")).toEqual(window);
  });

  it("multi-cloud does no better than centralized during the window", () => {
    // Neither completes anything while the shared dependency is down.
    expect(completionsIn(r.multiCloud, r.tasks, window.start, window.end)).toEqual([]);
    expect(completionsIn(r.centralized, r.tasks, window.start, window.end)).toEqual([]);
    // Of the tasks arriving in the window, multi-cloud gets no more on time than centralized.
    const arrivals = arrivedIn(r.tasks, window.start, window.end);
    expect(arrivals.length).toBeGreaterThan(10);
    const multiOnTime = arrivals.filter((t) => onTime(r.multiCloud, t)).length;
    const centralOnTime = arrivals.filter((t) => onTime(r.centralized, t)).length;
    expect(multiOnTime).toBeLessThanOrEqual(centralOnTime);
    // The same, bucket by bucket, in metrics.json.
    const bucket = r.scenario.metricsBucket;
    const multi = bucketsWithin(r.run.metrics.systems.multiCloud, bucket, window.start, window.end);
    const central = bucketsWithin(r.run.metrics.systems.centralized, bucket, window.start, window.end);
    expect(multi.length).toBeGreaterThan(10);
    expect(multi.map((b) => b.start)).toEqual(central.map((b) => b.start));
    multi.forEach((b, i) => expect(b.onTime, `bucket at ${b.start} ms`).toBeLessThanOrEqual(central[i]!.onTime));
    // The failover switch still happens (to a site that is down too): it gains nothing.
    const firstDone = Math.min(...r.tasks.map((t) => r.multiCloud.outcome(t.id).completedAt ?? Infinity).filter((at) => at >= window.start));
    expect(firstDone).toBeGreaterThanOrEqual(window.end);
  });

  it("baselines charge pricePerSecond × ceil(size in seconds) for every completed task", () => {
    checkListPrices(r);
  });
});

/** Centralized: its list price; multi-cloud: the primary's or the failover's; totals in metrics.json match. */
function checkListPrices(r: BaselineRun): void {
  const { centralized, multiCloud } = r.scenario.baselines;
  let centralTotal = 0n;
  let multiTotal = 0n;
  let atFailover = 0;
  for (const t of r.tasks) {
    const c = r.centralized.outcome(t.id);
    if (c.completedAt !== undefined) {
      expect(c.price, `centralized task ${t.id}`).toBe(centralized.pricePerSecond * seconds(t));
      centralTotal += c.price!;
    }
    const m = r.multiCloud.outcome(t.id);
    if (m.completedAt !== undefined) {
      expect([multiCloud.primary.pricePerSecond * seconds(t), multiCloud.failover.pricePerSecond * seconds(t)], `multi-cloud task ${t.id}`).toContain(m.price);
      if (m.price === multiCloud.failover.pricePerSecond * seconds(t)) atFailover += 1;
      multiTotal += m.price!;
    }
  }
  expect(atFailover).toBeGreaterThan(0);
  const c = r.run.metrics.systems.centralized;
  const m = r.run.metrics.systems.multiCloud;
  expect(c.tasksCompleted).toBeGreaterThan(0);
  expect(c.totalPaidWei).toBe(centralTotal.toString());
  expect(c.pricePerCompletedTaskWei).toBe((centralTotal / BigInt(c.tasksCompleted)).toString());
  expect(m.totalPaidWei).toBe(multiTotal.toString());
  expect(m.pricePerCompletedTaskWei).toBe((multiTotal / BigInt(m.tasksCompleted)).toString());
  // Baselines have no chain: no gas, no slashes.
  for (const s of [c, m]) expect([s.gasUsed, s.gasPerCompletedTask, s.slashes]).toEqual([null, null, 0]);
}
