import { describe, expect, it } from "vitest";
import { RandomStream } from "../../sim/engine/rng.js";
import { buildFailureTimeline, compareNodeIds, type FailureTimeline } from "../../sim/model/failures.js";
import type { Scenario } from "../../sim/scenario/schema.js";
import { tinyScenario, type ScenarioData } from "../scenario/tiny-scenario.js";

// A regional outage with a gradual recovery: providers come back one step each (provider k of
// n at step floor(k·steps/n) + 1), a baseline site regains capacity step by step.

const MIN = 60_000;
const strategy = { kind: "cost-plus", markup: 0.1 };
const group = (name: string, count: number, region: string, extra: ScenarioData = {}) => ({ group: name, count, region, costPerSecond: "0.000001", strategy, ...extra });

/** r1 fails at 10m for 20m, then returns in 3 steps over 30m: steps at 40m, 50m, 60m. */
function regional(edit: (d: ScenarioData) => void = () => undefined): Scenario {
  return tinyScenario((d) => {
    d["duration"] = "2h";
    d["providers"] = [group("a", 4, "r1"), group("b", 2, "r2")];
    d["failures"] = { outages: [{ name: "r1-down", scope: { region: "r1" }, start: "10m", duration: "20m", recovery: { steps: 3, over: "30m" } }] };
    edit(d);
  });
}

const timelineOf = (s: Scenario, seed = 1): FailureTimeline => buildFailureTimeline(s, RandomStream.root(seed));
const down = (start: number, end: number, cause = "r1-down") => ({ start: start * MIN, end: end * MIN, cause });

describe("regional outage with a gradual recovery", () => {
  it("brings the region's providers back one recovery step each, in node-id order", () => {
    const timeline = timelineOf(regional());
    // n = 4, steps = 3: k = 0, 1 -> step 1 (40m); k = 2 -> step 2 (50m); k = 3 -> step 3 (60m).
    expect(timeline.downIntervals("a#0")).toEqual([down(10, 40)]);
    expect(timeline.downIntervals("a#1")).toEqual([down(10, 40)]);
    expect(timeline.downIntervals("a#2")).toEqual([down(10, 50)]);
    expect(timeline.downIntervals("a#3")).toEqual([down(10, 60)]);
  });

  it("leaves the other regions alone", () => {
    const timeline = timelineOf(regional());
    expect(timeline.downIntervals("b#0")).toEqual([]);
    expect(timeline.downIntervals("b#1")).toEqual([]);
    expect(timeline.downIntervals("multiCloud.failover")).toEqual([]);
  });

  it("gives a baseline site its capacity back in steps: 0, 1/3, 2/3, 1", () => {
    const timeline = timelineOf(regional());
    for (const id of ["centralized", "multiCloud.primary"]) {
      expect(timeline.downIntervals(id)).toEqual([down(10, 40)]);
      expect(timeline.transitions().filter((t) => t.nodeId === id)).toEqual([
        { time: 10 * MIN, nodeId: id, up: false, capacity: 0 },
        { time: 40 * MIN, nodeId: id, up: true, capacity: 1 / 3 },
        { time: 50 * MIN, nodeId: id, up: true, capacity: 2 / 3 },
        { time: 60 * MIN, nodeId: id, up: true, capacity: 1 },
      ]);
      expect(timeline.capacityAt(id, 10 * MIN - 1)).toBe(1);
      expect(timeline.capacityAt(id, 39 * MIN)).toBe(0);
      expect(timeline.capacityAt(id, 45 * MIN)).toBe(1 / 3);
      expect(timeline.capacityAt(id, 59 * MIN)).toBe(2 / 3);
      expect(timeline.capacityAt(id, 60 * MIN)).toBe(1);
    }
  });

  it("keeps providers at 0 or 1 while the region comes back", () => {
    const timeline = timelineOf(regional());
    for (const t of timeline.transitions().filter((t) => t.nodeId.startsWith("a#"))) expect([0, 1]).toContain(t.capacity);
    const upAt = (t: number) => ["a#0", "a#1", "a#2", "a#3"].filter((id) => timeline.isUp(id, t)).length;
    expect([upAt(35 * MIN), upAt(45 * MIN), upAt(55 * MIN), upAt(65 * MIN)]).toEqual([0, 2, 3, 4]);
  });

  it("orders providers by group then numeric index (a#2 before a#10)", () => {
    const timeline = timelineOf(regional((d) => (d["providers"] = [group("a", 12, "r1")])));
    // n = 12, steps = 3: k 0-3 -> 40m, k 4-7 -> 50m, k 8-11 -> 60m.
    const backAt = (id: string) => timeline.downIntervals(id)[0]!.end / MIN;
    expect(["a#0", "a#3", "a#4", "a#7", "a#8", "a#10", "a#11"].map(backAt)).toEqual([40, 40, 50, 50, 60, 60, 60]);
    expect(backAt("a#2")).toBe(40);
    expect(["a#10", "a#2", "b#0", "a#1", "centralized"].sort(compareNodeIds)).toEqual(["a#1", "a#2", "a#10", "b#0", "centralized"]);
  });

  it("spreads the steps over groups sorted by name, whatever their order in the file", () => {
    const timeline = timelineOf(
      regional((d) => {
        d["providers"] = [group("zed", 1, "r1"), group("alpha", 2, "r1")];
      }),
    );
    // Sorted: alpha#0 (k=0, step 1), alpha#1 (k=1, step 2), zed#0 (k=2, step 3).
    expect(timeline.downIntervals("alpha#0")).toEqual([down(10, 40)]);
    expect(timeline.downIntervals("alpha#1")).toEqual([down(10, 50)]);
    expect(timeline.downIntervals("zed#0")).toEqual([down(10, 60)]);
  });

  it("without a recovery, brings everything back at start + duration", () => {
    const timeline = timelineOf(regional((d) => delete d["failures"].outages[0].recovery));
    for (const id of ["a#0", "a#3", "centralized"]) expect(timeline.downIntervals(id)).toEqual([down(10, 30)]);
    expect(timeline.transitions().filter((t) => t.nodeId === "centralized").map((t) => t.capacity)).toEqual([0, 1]);
  });

  it("gives the outage window from its start to the end of its recovery, with the nodes it affects", () => {
    expect(timelineOf(regional()).outageWindows()).toEqual([
      {
        name: "r1-down",
        start: 10 * MIN,
        end: 60 * MIN,
        hardDownEnd: 30 * MIN,
        recoverySteps: [40 * MIN, 50 * MIN, 60 * MIN],
        scope: { region: "r1" },
        affected: ["a#0", "a#1", "a#2", "a#3", "centralized", "multiCloud.primary"],
      },
    ]);
  });

  it("takes a node down at time 0 when the outage starts there", () => {
    const timeline = timelineOf(regional((d) => (d["failures"].outages[0].start = "0s")));
    expect(timeline.capacityAt("a#0", 0)).toBe(0);
    expect(timeline.transitions()[0]).toEqual({ time: 0, nodeId: "a#0", up: false, capacity: 0 });
  });

  it("is data, not chance: the same outage timeline for every seed", () => {
    expect(timelineOf(regional(), 1).transitions()).toEqual(timelineOf(regional(), 99).transitions());
  });

  it("merges a crash overlapping the outage into one interval naming both causes", () => {
    // This provider crashes within its first seconds and stays down past the run's end.
    const timeline = timelineOf(regional((d) => (d["providers"] = [group("a", 1, "r1", { mtbf: "1s", mttr: "100d" })])));
    const [only, ...rest] = timeline.downIntervals("a#0");
    expect(rest).toEqual([]);
    expect(only!.start).toBeLessThan(10 * MIN);
    expect(only!.end).toBe(120 * MIN);
    expect(only!.cause).toBe("crash+r1-down");
  });

  it("combines two outages on one site by their lowest capacity", () => {
    const timeline = timelineOf(
      regional((d) => {
        d["baselines"].centralized.dependsOn = ["dns"];
        d["failures"].outages.push({ name: "dns-down", scope: { dependency: "dns" }, start: "45m", duration: "10m" });
      }),
    );
    expect(timeline.downIntervals("centralized")).toEqual([down(10, 40), down(45, 55, "dns-down")]);
    expect(timeline.transitions().filter((t) => t.nodeId === "centralized").map((t) => [t.time / MIN, t.capacity])).toEqual([
      [10, 0],
      [40, 1 / 3],
      [45, 0],
      [55, 2 / 3],
      [60, 1],
    ]);
  });
});
