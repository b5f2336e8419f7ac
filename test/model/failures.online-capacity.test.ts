import { describe, expect, it } from "vitest";
import { RandomStream } from "../../sim/engine/rng.js";
import { buildFailureTimeline, onlineCapacityShares, type FailureTimeline } from "../../sim/model/failures.js";
import type { Scenario } from "../../sim/scenario/schema.js";
import { tinyScenario, type ScenarioData } from "../scenario/tiny-scenario.js";

// What the report is given about outages and capacity: each outage window's hard-down end and
// recovery step times, and each system's share of its capacity online per metrics bucket.

const MIN = 60_000;
const strategy = { kind: "cost-plus", markup: 0.1 };
const group = (name: string, count: number, region: string, extra: ScenarioData = {}) => ({ group: name, count, region, costPerSecond: "0.000001", strategy, ...extra });

/**
 * r1 (group a: 4 providers of capacity 4; centralized; the multi-cloud primary, capacity 4) is
 * hard down 10-30 min, then back in 3 steps at 40, 50 and 60 min. r2: group b (2 providers of
 * capacity 4) and the multi-cloud failover (capacity 2). No crashes.
 */
function regional(edit: (d: ScenarioData) => void = () => undefined): Scenario {
  return tinyScenario((d) => {
    d["duration"] = "2h";
    d["metricsBucket"] = "10m";
    d["providers"] = [group("a", 4, "r1"), group("b", 2, "r2")];
    d["failures"] = { outages: [{ name: "r1-down", scope: { region: "r1" }, start: "10m", duration: "20m", recovery: { steps: 3, over: "30m" } }] };
    edit(d);
  });
}

const timelineOf = (s: Scenario, seed = 1): FailureTimeline => buildFailureTimeline(s, RandomStream.root(seed));

describe("outage windows for the report", () => {
  it("give the hard-down end (start + duration) and the recovery step times", () => {
    const [window] = timelineOf(regional()).outageWindows();
    expect(window).toMatchObject({ name: "r1-down", start: 10 * MIN, hardDownEnd: 30 * MIN, end: 60 * MIN, recoverySteps: [40 * MIN, 50 * MIN, 60 * MIN] });
  });

  it("have no recovery steps, and end at the hard-down end, without a recovery", () => {
    const s = regional((d) => {
      d["failures"] = { outages: [{ name: "r1-down", scope: { region: "r1" }, start: "10m", duration: "20m" }] };
    });
    const [window] = timelineOf(s).outageWindows();
    expect(window).toMatchObject({ start: 10 * MIN, hardDownEnd: 30 * MIN, end: 30 * MIN, recoverySteps: [] });
  });

  it("hand out copies: changing one changes no later answer", () => {
    const timeline = timelineOf(regional());
    timeline.outageWindows()[0]!.recoverySteps.push(1);
    expect(timeline.outageWindows()[0]!.recoverySteps).toEqual([40 * MIN, 50 * MIN, 60 * MIN]);
  });
});

describe("onlineCapacityShares", () => {
  it("is 0 for an all-in-the-region system while hard down, rises in steps during recovery, and is 1 after", () => {
    const s = regional();
    const shares = onlineCapacityShares(s, timelineOf(s), s.metricsBucket);
    // 12 buckets of 10 min. Centralized is one site in r1: 0 until the first step, then 1/3, 2/3, 1.
    expect(shares.centralized).toEqual([1, 0, 0, 0, 0.333333, 0.666667, 1, 1, 1, 1, 1, 1]);
    // The market: r1 is 16 of its 24; its providers come back 2, 1, 1 at the three steps.
    expect(shares.market).toEqual([1, 0.333333, 0.333333, 0.333333, 0.666667, 0.833333, 1, 1, 1, 1, 1, 1]);
    // Multi-cloud: the primary (4, r1) and the failover (2, r2); the primary regains a third per step.
    expect(shares.multiCloud).toEqual([1, 0.333333, 0.333333, 0.333333, 0.555556, 0.777778, 1, 1, 1, 1, 1, 1]);
  });

  it("weighs providers by their group's capacity", () => {
    const s = regional((d) => {
      d["providers"] = [group("a", 4, "r1", { capacity: 1 }), group("b", 2, "r2", { capacity: 6 })];
    });
    const shares = onlineCapacityShares(s, timelineOf(s), s.metricsBucket);
    // r1 is 4 of 16 now.
    expect(shares.market.slice(0, 4)).toEqual([1, 0.75, 0.75, 0.75]);
  });

  it("is the time-weighted mean over a bucket the outage only partly covers", () => {
    const s = regional((d) => {
      d["metricsBucket"] = "15m";
    });
    const shares = onlineCapacityShares(s, timelineOf(s), s.metricsBucket);
    // Bucket 0-15 min: up for 10 min, down for 5. Bucket 30-45 min: 0 for 10 min, 1/3 for 5.
    expect(shares.centralized.slice(0, 4)).toEqual([Math.round((10 / 15) * 1e6) / 1e6, 0, Math.round((5 / 45) * 1e6) / 1e6, Math.round((5 / 9) * 1e6) / 1e6]);
    expect(shares.centralized).toHaveLength(8);
  });

  it("has one share per metrics bucket (the last may be partial), within 0..1", () => {
    const s = regional((d) => {
      d["duration"] = "125m";
    });
    const shares = onlineCapacityShares(s, timelineOf(s), s.metricsBucket);
    for (const key of ["market", "centralized", "multiCloud"] as const) {
      expect(shares[key]).toHaveLength(13);
      expect(shares[key].at(-1)).toBe(1);
      for (const v of shares[key]) expect(v >= 0 && v <= 1).toBe(true);
    }
  });

  it("counts crashes too, and is the same for the same seed", () => {
    const s = regional((d) => {
      d["failures"] = { crashes: true, outages: [] };
      d["providers"] = [group("a", 4, "r1", { mtbf: "20m", mttr: "10m" }), group("b", 2, "r2")];
    });
    const a = onlineCapacityShares(s, timelineOf(s, 7), s.metricsBucket);
    const b = onlineCapacityShares(s, timelineOf(s, 7), s.metricsBucket);
    expect(a).toEqual(b);
    expect(Math.min(...a.market)).toBeLessThan(1);
    expect(a.centralized.every((v) => v === 1)).toBe(true);
  });

  it("refuses a bucket that is not positive", () => {
    const s = regional();
    expect(() => onlineCapacityShares(s, timelineOf(s), 0)).toThrow(RangeError);
  });
});
