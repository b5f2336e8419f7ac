import { describe, expect, it } from "vitest";
import { RandomStream } from "../../sim/engine/rng.js";
import { buildFailureTimeline, type DownInterval, type FailureTimeline } from "../../sim/model/failures.js";
import type { Scenario } from "../../sim/scenario/schema.js";
import { tinyScenario, type ScenarioData } from "../scenario/tiny-scenario.js";

// Independent crashes: each provider alternates up ~ exponential(mtbf) and down ~
// exponential(mttr), from its own stream root/failures/crashes/<nodeId>.

const strategy = { kind: "cost-plus", markup: 0.1 };
const group = (name: string, count: number, extra: ScenarioData = {}) => ({ group: name, count, region: "r1", costPerSecond: "0.000001", strategy, ...extra });

function crashScenario(edit: (d: ScenarioData) => void = () => undefined): Scenario {
  return tinyScenario((d) => {
    d["duration"] = "2h";
    d["providers"] = [group("a", 2, { mtbf: "20m", mttr: "2m" })];
    edit(d);
  });
}

const timelineOf = (s: Scenario, seed = s.seed): FailureTimeline => buildFailureTimeline(s, RandomStream.root(seed));

/** The crash process, drawn by hand from the node's stream: whole ms, at least 1, clipped. */
function replay(seed: number, nodeId: string, mtbf: number, mttr: number, duration: number): DownInterval[] {
  const rng = RandomStream.root(seed).fork("failures").fork("crashes").fork(nodeId);
  const out: DownInterval[] = [];
  let t = 0;
  for (;;) {
    const start = t + Math.max(1, Math.round(rng.exponential(mtbf)));
    if (start >= duration) return out;
    const end = start + Math.max(1, Math.round(rng.exponential(mttr)));
    out.push({ start, end: Math.min(end, duration), cause: "crash" });
    t = end;
  }
}

describe("independent crashes", () => {
  it("are exactly the node's own exponential up/down draws", () => {
    const timeline = timelineOf(crashScenario());
    for (const id of ["a#0", "a#1"]) {
      const expected = replay(1, id, 1_200_000, 120_000, 7_200_000);
      expect(expected.length).toBeGreaterThan(0);
      expect(timeline.downIntervals(id)).toEqual(expected);
    }
    expect(timeline.downIntervals("a#0")).not.toEqual(timeline.downIntervals("a#1"));
  });

  it("give sorted, disjoint, non-touching whole-ms intervals inside the run", () => {
    const timeline = timelineOf(crashScenario((d) => (d["duration"] = "1d")));
    const intervals = timeline.downIntervals("a#0");
    expect(intervals.length).toBeGreaterThan(20);
    let previousEnd = 0;
    for (const i of intervals) {
      expect(Number.isInteger(i.start) && Number.isInteger(i.end)).toBe(true);
      expect(i.start).toBeGreaterThan(previousEnd);
      expect(i.end).toBeGreaterThan(i.start);
      expect(i.end).toBeLessThanOrEqual(86_400_000);
      previousEnd = i.end;
    }
  });

  it("set capacity to 0 inside an interval and 1 outside; transitions alternate down and up", () => {
    const timeline = timelineOf(crashScenario());
    const [first, second] = timeline.downIntervals("a#0");
    expect(first).toBeDefined();
    expect(timeline.capacityAt("a#0", 0)).toBe(1);
    expect(timeline.capacityAt("a#0", first!.start - 1)).toBe(1);
    expect(timeline.capacityAt("a#0", first!.start)).toBe(0);
    expect(timeline.isUp("a#0", first!.end - 1)).toBe(false);
    expect(timeline.capacityAt("a#0", first!.end)).toBe(1);
    expect(timeline.isUp("a#0", first!.end)).toBe(true);

    const mine = timeline.transitions().filter((t) => t.nodeId === "a#0");
    expect(mine.slice(0, 4)).toEqual([
      { time: first!.start, nodeId: "a#0", up: false, capacity: 0 },
      { time: first!.end, nodeId: "a#0", up: true, capacity: 1 },
      { time: second!.start, nodeId: "a#0", up: false, capacity: 0 },
      { time: second!.end, nodeId: "a#0", up: true, capacity: 1 },
    ]);
    mine.forEach((t, i) => expect(t.up).toBe(i % 2 === 1));
  });

  it("sorts all transitions by (time, nodeId)", () => {
    const transitions = timelineOf(crashScenario((d) => (d["providers"] = [group("b", 3, { mtbf: "5m", mttr: "1m" }), group("a", 3, { mtbf: "5m", mttr: "1m" })]))).transitions();
    expect(transitions.length).toBeGreaterThan(50);
    const sorted = [...transitions].sort((x, y) => x.time - y.time || (x.nodeId < y.nodeId ? -1 : x.nodeId > y.nodeId ? 1 : 0));
    expect(transitions).toEqual(sorted);
  });

  it("have mean up time mtbf and mean down time mttr", () => {
    const timeline = timelineOf(crashScenario((d) => Object.assign(d, { duration: "2000h", blockInterval: "20s", market: { bidWindow: "30s" } })));
    const intervals = timeline.downIntervals("a#0");
    const downs = intervals.map((i) => i.end - i.start);
    const ups = intervals.map((i, k) => i.start - (k === 0 ? 0 : intervals[k - 1]!.end));
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(intervals.length).toBeGreaterThan(4_000);
    expect(mean(ups) / 1_200_000).toBeCloseTo(1, 1);
    expect(mean(downs) / 120_000).toBeCloseTo(1, 1);
  });

  it("are deterministic: the same seed gives the same timeline", () => {
    const s = crashScenario();
    expect(timelineOf(s, 7).transitions()).toEqual(timelineOf(s, 7).transitions());
    expect(timelineOf(s, 7).downIntervals("a#1")).toEqual(timelineOf(s, 7).downIntervals("a#1"));
  });

  it("move with the seed: a different seed gives different crash times", () => {
    const s = crashScenario();
    const one = timelineOf(s, 1).downIntervals("a#0");
    const two = timelineOf(s, 2).downIntervals("a#0");
    expect(two).not.toEqual(one);
    expect(two.map((i) => i.start)).not.toContain(one[0]!.start);
  });

  it("come from per-node streams: adding a group, a provider or an outage changes no other node's crashes", () => {
    const before = timelineOf(crashScenario());
    const after = timelineOf(
      crashScenario((d) => {
        // A new group listed first, group a grown by one, and an outage on the new group.
        d["providers"] = [group("new", 5, { mtbf: "10m", mttr: "1m" }), group("a", 3, { mtbf: "20m", mttr: "2m" })];
        d["failures"] = { outages: [{ name: "o", scope: { providers: ["new"] }, start: "10m", duration: "20m" }] };
      }),
    );
    expect(after.downIntervals("a#0")).toEqual(before.downIntervals("a#0"));
    expect(after.downIntervals("a#1")).toEqual(before.downIntervals("a#1"));
    expect(after.downIntervals("a#2").length).toBeGreaterThan(0);
  });

  it("happen only where enabled: not with crashes: false, not without mtbf/mttr, never to baselines", () => {
    const off = timelineOf(crashScenario((d) => (d["failures"] = { crashes: false })));
    expect(off.downIntervals("a#0")).toEqual([]);
    expect(off.transitions()).toEqual([]);

    const mixed = timelineOf(crashScenario((d) => d["providers"].push(group("steady", 2))));
    expect(mixed.downIntervals("a#0").length).toBeGreaterThan(0);
    expect(mixed.downIntervals("steady#0")).toEqual([]);
    for (const id of ["centralized", "multiCloud.primary", "multiCloud.failover"]) {
      expect(mixed.downIntervals(id)).toEqual([]);
      expect(mixed.capacityAt(id, 1_000_000)).toBe(1);
    }
  });

  it("are clipped at the end of the run, where the node comes back", () => {
    const s = crashScenario((d) => {
      d["duration"] = "10m";
      d["providers"] = [group("a", 1, { mtbf: "1s", mttr: "100d" })];
    });
    const timeline = timelineOf(s);
    const [only, ...rest] = timeline.downIntervals("a#0");
    expect(rest).toEqual([]);
    expect(only!.end).toBe(600_000);
    expect(only!.start).toBe(replay(1, "a#0", 1_000, 8_640_000_000, 600_000)[0]!.start);
    expect(timeline.transitions()).toEqual([
      { time: only!.start, nodeId: "a#0", up: false, capacity: 0 },
      { time: 600_000, nodeId: "a#0", up: true, capacity: 1 },
    ]);
  });

  it("refuse unknown node ids", () => {
    const timeline = timelineOf(crashScenario());
    expect(() => timeline.capacityAt("a#9", 0)).toThrow('no node "a#9" in the failure timeline');
    expect(timeline.nodeIds()).toEqual(["a#0", "a#1", "centralized", "multiCloud.primary", "multiCloud.failover"]);
  });
});
