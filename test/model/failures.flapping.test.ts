import { describe, expect, it } from "vitest";
import { RandomStream } from "../../sim/engine/rng.js";
import { buildFailureTimeline, type FailureTimeline } from "../../sim/model/failures.js";
import { loadScenario } from "../../sim/scenario/load.js";
import type { Scenario } from "../../sim/scenario/schema.js";
import { tinyScenario, type ScenarioData } from "../scenario/tiny-scenario.js";

// Flapping: from the start, down (1 − upFraction)·period then up upFraction·period, for `for`;
// then hard down to the end of the outage. Every affected node flaps together (one shared layer).

const S = 1_000;
const MIN = 60_000;

function flapping(outage: ScenarioData): Scenario {
  return tinyScenario((d) => {
    d["providers"][0].dependsOn = ["cdn"];
    d["baselines"].centralized.dependsOn = ["cdn"];
    d["failures"] = { outages: [{ name: "cdn", scope: { dependency: "cdn" }, start: "10m", duration: "30m", ...outage }] };
  });
}

const timelineOf = (s: Scenario): FailureTimeline => buildFailureTimeline(s, RandomStream.root(s.seed));
const iv = (start: number, end: number) => ({ start, end, cause: "cdn" });

describe("flapping outage", () => {
  it("alternates down 90 s / up 30 s every 2 min for 9 min, cuts the last burst at 9 min, then fails hard", () => {
    const timeline = timelineOf(flapping({ flapping: { period: "2m", upFraction: 0.25, for: "9m" } }));
    const expected = [
      iv(10 * MIN, 11 * MIN + 30 * S),
      iv(12 * MIN, 13 * MIN + 30 * S),
      iv(14 * MIN, 15 * MIN + 30 * S),
      iv(16 * MIN, 17 * MIN + 30 * S),
      // The burst starting at 18m is cut at 19m, where the hard failure begins: one interval.
      iv(18 * MIN, 40 * MIN),
    ];
    for (const id of ["a#0", "a#1", "centralized"]) expect(timeline.downIntervals(id)).toEqual(expected);
    expect(timeline.transitions().filter((t) => t.nodeId === "a#0").map((t) => [t.time, t.up])).toEqual([
      [10 * MIN, false],
      [11 * MIN + 30 * S, true],
      [12 * MIN, false],
      [13 * MIN + 30 * S, true],
      [14 * MIN, false],
      [15 * MIN + 30 * S, true],
      [16 * MIN, false],
      [17 * MIN + 30 * S, true],
      [18 * MIN, false],
      [40 * MIN, true],
    ]);
    expect(timeline.downIntervals("multiCloud.primary")).toEqual([]);
  });

  it("flaps through the whole outage when `for` equals its duration", () => {
    const timeline = timelineOf(flapping({ duration: "10m", flapping: { period: "4m", upFraction: 0.5, for: "10m" } }));
    expect(timeline.downIntervals("a#0")).toEqual([iv(10 * MIN, 12 * MIN), iv(14 * MIN, 16 * MIN), iv(18 * MIN, 20 * MIN)]);
  });

  it("with upFraction 1 is up while flapping, then hard down", () => {
    const timeline = timelineOf(flapping({ flapping: { period: "2m", upFraction: 1, for: "10m" } }));
    expect(timeline.downIntervals("a#0")).toEqual([iv(20 * MIN, 40 * MIN)]);
  });

  it("with upFraction 0 is down throughout", () => {
    const timeline = timelineOf(flapping({ flapping: { period: "2m", upFraction: 0, for: "10m" } }));
    expect(timeline.downIntervals("a#0")).toEqual([iv(10 * MIN, 40 * MIN)]);
  });

  it("rounds the phases to whole milliseconds", () => {
    const timeline = timelineOf(flapping({ flapping: { period: "1s", upFraction: 1 / 3, for: "2s" } }));
    // down round(2/3 s) = 667 ms, up 333 ms.
    expect(timeline.downIntervals("a#0")).toEqual([iv(10 * MIN, 10 * MIN + 667), iv(10 * MIN + 1_000, 10 * MIN + 1_667), iv(10 * MIN + 2_000, 40 * MIN)]);
  });

  it("is followed by the recovery steps after the hard failure", () => {
    const timeline = timelineOf(flapping({ flapping: { period: "4m", upFraction: 0.5, for: "8m" }, recovery: { steps: 2, over: "10m" } }));
    // Providers: a#0 back at step 1 (45m), a#1 at step 2 (50m); the site at 1/2 then 1.
    expect(timeline.downIntervals("a#0")).toEqual([iv(10 * MIN, 12 * MIN), iv(14 * MIN, 16 * MIN), iv(18 * MIN, 45 * MIN)]);
    expect(timeline.downIntervals("a#1")).toEqual([iv(10 * MIN, 12 * MIN), iv(14 * MIN, 16 * MIN), iv(18 * MIN, 50 * MIN)]);
    expect(timeline.transitions().filter((t) => t.nodeId === "centralized").map((t) => [t.time / MIN, t.capacity])).toEqual([
      [10, 0],
      [12, 1],
      [14, 0],
      [16, 1],
      [18, 0],
      [45, 0.5],
      [50, 1],
    ]);
  });

  it("cloudflare-2025-11-18: 12 flaps of 75 s every 150 s, then hard down for 70 min, on every Cloudflare-fronted node", () => {
    const s = loadScenario("cloudflare-2025-11-18");
    const timeline = timelineOf(s);
    const window = timeline.outageWindows()[0]!;
    expect(window).toMatchObject({ start: 15 * MIN, end: 115 * MIN });
    const expected = [
      ...Array.from({ length: 12 }, (_, k) => ({ start: 15 * MIN + k * 150 * S, end: 15 * MIN + k * 150 * S + 75 * S, cause: "cloudflare" })),
      { start: 45 * MIN, end: 115 * MIN, cause: "cloudflare" },
    ];
    // Baselines have no crashes of their own: exactly the flapping profile.
    for (const id of ["centralized", "multiCloud.primary", "multiCloud.failover"]) expect(timeline.downIntervals(id)).toEqual(expected);
    expect(window.affected.filter((id) => id.includes("-cf#"))).toHaveLength(13);
  });
});
