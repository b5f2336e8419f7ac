import { describe, expect, it } from "vitest";
import { RandomStream } from "../../sim/engine/rng.js";
import { buildFailureTimeline, listFailureNodes, type FailureTimeline } from "../../sim/model/failures.js";
import { loadScenario } from "../../sim/scenario/load.js";
import type { Scenario } from "../../sim/scenario/schema.js";
import { tinyScenario, type ScenarioData } from "../scenario/tiny-scenario.js";

// Outages through a shared dependency hit every node that depends on it, in any region; a
// {providers} scope hits named groups; overlapping outages merge.

const MIN = 60_000;
const strategy = { kind: "cost-plus", markup: 0.1 };
const group = (name: string, count: number, region: string, dependsOn: string[]) => ({ group: name, count, region, dependsOn, costPerSecond: "0.000001", strategy });

function shared(outages: ScenarioData[]): Scenario {
  return tinyScenario((d) => {
    d["regions"] = ["r1", "r2", "r3"];
    d["providers"] = [group("a", 2, "r1", ["cloud-x"]), group("b", 1, "r2", ["cloud-x", "cdn"]), group("c", 2, "r3", []), group("d", 1, "r1", ["cdn"])];
    d["baselines"].centralized.dependsOn = ["cloud-x"];
    d["baselines"].multiCloud.primary = { region: "r2", dependsOn: ["cdn"], capacity: 4, pricePerSecond: "0.00001" };
    d["baselines"].multiCloud.failover = { region: "r3", capacity: 2, pricePerSecond: "0.00001" };
    d["failures"] = { outages };
  });
}

const timelineOf = (s: Scenario): FailureTimeline => buildFailureTimeline(s, RandomStream.root(s.seed));
const downNodes = (timeline: FailureTimeline, t: number) => timeline.nodeIds().filter((id) => !timeline.isUp(id, t));
const xDown = { name: "x-down", scope: { dependency: "cloud-x" }, start: "5m", duration: "30m" };

describe("outage through a shared dependency", () => {
  it("takes down every node that depends on it, in every region, and nothing else", () => {
    const timeline = timelineOf(shared([xDown]));
    expect(downNodes(timeline, 20 * MIN)).toEqual(["a#0", "a#1", "b#0", "centralized"]);
    for (const id of ["a#0", "a#1", "b#0", "centralized"]) expect(timeline.downIntervals(id)).toEqual([{ start: 5 * MIN, end: 35 * MIN, cause: "x-down" }]);
    for (const id of ["c#0", "c#1", "d#0", "multiCloud.primary", "multiCloud.failover"]) expect(timeline.downIntervals(id)).toEqual([]);
    expect(timeline.outageWindows()).toEqual([
      {
        name: "x-down",
        start: 5 * MIN,
        end: 35 * MIN,
        hardDownEnd: 35 * MIN,
        recoverySteps: [],
        scope: { dependency: "cloud-x" },
        affected: ["a#0", "a#1", "b#0", "centralized"],
      },
    ]);
  });

  it("emits one down and one up per affected node", () => {
    expect(timelineOf(shared([xDown])).transitions()).toEqual([
      ...["a#0", "a#1", "b#0", "centralized"].map((nodeId) => ({ time: 5 * MIN, nodeId, up: false, capacity: 0 })),
      ...["a#0", "a#1", "b#0", "centralized"].map((nodeId) => ({ time: 35 * MIN, nodeId, up: true, capacity: 1 })),
    ]);
  });

  it("merges overlapping outages on a node, naming both causes in the order they began", () => {
    const timeline = timelineOf(shared([xDown, { name: "cdn-down", scope: { dependency: "cdn" }, start: "20m", duration: "30m" }]));
    expect(timeline.downIntervals("b#0")).toEqual([{ start: 5 * MIN, end: 50 * MIN, cause: "x-down+cdn-down" }]);
    expect(timeline.downIntervals("d#0")).toEqual([{ start: 20 * MIN, end: 50 * MIN, cause: "cdn-down" }]);
    expect(timeline.downIntervals("multiCloud.primary")).toEqual([{ start: 20 * MIN, end: 50 * MIN, cause: "cdn-down" }]);
    // b#0 goes down once and comes up once, although two outages cover it.
    expect(timeline.transitions().filter((t) => t.nodeId === "b#0").map((t) => [t.time / MIN, t.up])).toEqual([
      [5, false],
      [50, true],
    ]);
  });

  it("merges outages that touch end to start into one interval", () => {
    const timeline = timelineOf(shared([xDown, { name: "x-again", scope: { dependency: "cloud-x" }, start: "35m", duration: "5m" }]));
    expect(timeline.downIntervals("a#0")).toEqual([{ start: 5 * MIN, end: 40 * MIN, cause: "x-down+x-again" }]);
  });

  it("a {providers} scope takes down the named groups only, never a baseline", () => {
    const timeline = timelineOf(shared([{ name: "ops", scope: { providers: ["c", "d"] }, start: "1m", duration: "2m" }]));
    expect(downNodes(timeline, 2 * MIN)).toEqual(["c#0", "c#1", "d#0"]);
  });

  it("a {region} scope takes down a region whatever its nodes depend on", () => {
    const timeline = timelineOf(shared([{ name: "r1-power", scope: { region: "r1" }, start: "1m", duration: "2m" }]));
    expect(downNodes(timeline, 2 * MIN)).toEqual(["a#0", "a#1", "d#0", "centralized"]);
  });

  it("lists the nodes with their region and dependencies, baselines last", () => {
    expect(listFailureNodes(shared([])).map((n) => `${n.id} ${n.kind} ${n.region} [${n.dependsOn.join(",")}]`)).toEqual([
      "a#0 provider r1 [cloud-x]",
      "a#1 provider r1 [cloud-x]",
      "b#0 provider r2 [cloud-x,cdn]",
      "c#0 provider r3 []",
      "c#1 provider r3 []",
      "d#0 provider r1 [cdn]",
      "centralized baseline r1 [cloud-x]",
      "multiCloud.primary baseline r2 [cdn]",
      "multiCloud.failover baseline r3 []",
    ]);
  });
});

describe("built-in dependency outages", () => {
  it("hidden-dependency: the AWS us-east-1 outage takes 60% of the independent providers, in four regions", () => {
    const s = loadScenario("hidden-dependency");
    const timeline = timelineOf(s);
    const [window] = timeline.outageWindows();
    const independent = s.providers.filter((g) => g.mtbf !== undefined);
    const total = independent.reduce((n, g) => n + g.count, 0);
    const hit = window!.affected.filter((id) => independent.some((g) => id.startsWith(`${g.group}#`)));
    expect(hit.length / total).toBe(0.6);
    const regions = new Set(hit.map((id) => s.providers.find((g) => id.startsWith(`${g.group}#`))!.region));
    expect(regions.size).toBe(4);
    // Same region, no hidden dependency: untouched by the outage.
    expect(window!.affected.some((id) => id.startsWith("colo-iad#"))).toBe(false);
    expect(window!.affected).toEqual(expect.arrayContaining(["centralized", "multiCloud.primary"]));
    expect(window!.affected).not.toContain("multiCloud.failover");
  });

  it("aws-us-east-1-2025-10-20: colocated operators in us-east-1 stay up; AWS-hosted ones return in 6 steps", () => {
    const s = loadScenario("aws-us-east-1-2025-10-20");
    const timeline = timelineOf(s);
    const [window] = timeline.outageWindows();
    expect(window!.affected.some((id) => id.startsWith("colo-use1#"))).toBe(false);
    const outage = s.failures.outages[0]!;
    const hardEnd = outage.start + outage.duration;
    const returns = new Set(
      window!.affected
        .filter((id) => id.startsWith("aws-use1-spot#") || id.startsWith("gpucloud-use1#"))
        .map((id) => timeline.downIntervals(id).find((i) => i.cause.includes("aws-us-east-1"))!.end),
    );
    expect([...returns].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6].map((k) => hardEnd + k * 10 * MIN));
    expect(timeline.capacityAt("centralized", hardEnd + 35 * MIN)).toBeCloseTo(3 / 6);
  });

  it("azure-front-door-2025-10-29: the shared layer fails in every region at once", () => {
    const s = loadScenario("azure-front-door-2025-10-29");
    const timeline = timelineOf(s);
    const mid = 50 * MIN;
    const down = timeline.nodeIds().filter((id) => timeline.outageWindows()[0]!.affected.includes(id));
    for (const id of down) expect(timeline.isUp(id, mid)).toBe(false);
    expect(new Set(listFailureNodes(s).filter((n) => down.includes(n.id)).map((n) => n.region)).size).toBeGreaterThan(1);
    expect(timeline.isUp("multiCloud.failover", mid)).toBe(true);
  });
});
