import { describe, expect, it } from "vitest";
import { InputError } from "../../sim/input-error.js";
import { loadExperiment, planExperiment } from "../../sim/experiment/plan.js";
import { builtinExperimentNames } from "../../sim/experiment/builtin-experiments.js";
import { tinyData } from "../scenario/tiny-scenario.js";

const groupsOf = (scenario: unknown) => (scenario as { providers: Array<{ group: string; count: number; region: string; dependsOn?: string[] }> }).providers;

function issuesOf(data: unknown): string[] {
  try {
    planExperiment(data, "test.yaml");
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return (error as Error).message.split("\n");
  }
  throw new Error("expected the experiment to be refused");
}

describe("experiment file", () => {
  it("names every bad field by its path", () => {
    const lines = issuesOf({ name: "bad name", base: 3, ledger: "disk", seeds: 0, vary: [{ path: "market.fallbackDepth" }, { axis: "nope", values: [1] }, { values: [1] }], extra: 1 });
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^name: /),
        expect.stringMatching(/^base: /),
        expect.stringMatching(/^ledger: expected one of "memory", "chain"/),
        expect.stringMatching(/^seeds: /),
        expect.stringMatching(/^vary\.0\.values: required/),
        expect.stringMatching(/^vary\.1\.axis: unknown axis "nope"; allowed: hiddenShare, placement, providerCount, arrivalRate, blockInterval/),
        expect.stringMatching(/^vary\.2: each axis needs path: .* or axis: /),
        expect.stringMatching(/^extra: unknown field; allowed: name, description, base/),
      ]),
    );
  });

  it("refuses an unknown metric, listing them", () => {
    expect(issuesOf({ name: "x", base: "steady", metrics: ["onTimeRate", "speed"] })).toEqual([expect.stringMatching(/^metrics\.1: unknown metric "speed"; metrics: tasksPosted, /)]);
  });

  it("refuses duplicate axes, zipped axes of different lengths and placement without hiddenShare", () => {
    const lines = issuesOf({
      name: "x",
      base: tinyData(),
      combine: "zip",
      vary: [
        { path: "market.fallbackDepth", values: [1, 2] },
        { path: "market.fallbackDepth", values: [1] },
        { axis: "placement", values: ["spread"] },
      ],
    });
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^vary\.1: axis "market\.fallbackDepth" is already vary\.0/),
        expect.stringMatching(/^vary\.1\.values: combine: zip needs every axis to have 2 values/),
        expect.stringMatching(/^vary\.2\.axis: placement places the hidden dependency of a hiddenShare axis/),
      ]),
    );
  });

  it("refuses an axis value that makes an invalid scenario, naming the arm and the scenario field", () => {
    const lines = issuesOf({ name: "x", base: tinyData(), vary: [{ path: "market.fallbackDepth", values: [2, 99] }] });
    expect(lines).toEqual([expect.stringMatching(/^arm-02 \(market\.fallbackDepth=99\): market\.fallbackDepth: must be at most 8, got 99$/)]);
  });

  it("refuses a path that leads nowhere, saying what is there", () => {
    const lines = issuesOf({ name: "x", base: tinyData(), vary: [{ path: "providers.nobody.count", values: [1] }] });
    expect(lines).toEqual([expect.stringMatching(/^arm-01 \(providers\.nobody\.count=1\): providers\.nobody\.count: providers has no item "nobody" \(items: a\)$/)]);
  });

  it("addresses provider groups by name and expands the cartesian product, first axis slowest", () => {
    const base = { ...tinyData(), providers: [...tinyData().providers, { group: "b", count: 1, region: "r2", costPerSecond: "0.000001", strategy: { kind: "cost-plus", markup: 0.1 } }] };
    const plan = planExperiment({ name: "x", base, seeds: [5, 7], vary: [{ path: "providers.b.count", values: [1, 3] }, { path: "market.fallbackDepth", values: [1, 2, 3] }] }, "t");
    expect(plan.arms.map((a) => a.label)).toEqual([
      "providers.b.count=1, market.fallbackDepth=1",
      "providers.b.count=1, market.fallbackDepth=2",
      "providers.b.count=1, market.fallbackDepth=3",
      "providers.b.count=3, market.fallbackDepth=1",
      "providers.b.count=3, market.fallbackDepth=2",
      "providers.b.count=3, market.fallbackDepth=3",
    ]);
    expect(groupsOf(plan.arms[4]!.scenario).map((g) => [g.group, g.count])).toEqual([["a", 2], ["b", 3]]);
    expect(plan.seeds).toEqual([5, 7]);
    // The fingerprint is the arms' scenarios, not the seeds (sequential stopping adds seeds).
    expect(planExperiment({ name: "x", base, seeds: 3, vary: [{ path: "providers.b.count", values: [1, 3] }, { path: "market.fallbackDepth", values: [1, 2, 3] }] }, "t").fingerprint).toBe(plan.fingerprint);
  });

  it("zips axes when asked", () => {
    const plan = planExperiment({ name: "x", base: tinyData(), combine: "zip", vary: [{ path: "market.fallbackDepth", values: [1, 2] }, { path: "market.maxRounds", values: [5, 6] }] }, "t");
    expect(plan.arms.map((a) => a.params)).toEqual([
      { "market.fallbackDepth": 1, "market.maxRounds": 5 },
      { "market.fallbackDepth": 2, "market.maxRounds": 6 },
    ]);
  });
});

describe("derived axes", () => {
  it("hiddenShare spreads the hidden nodes across regions or concentrates them in one", () => {
    const spread = loadExperiment("hidden-share").arms.find((a) => a.params["placement"] === "spread" && a.params["hiddenShare"] === 0.2)!;
    const concentrated = loadExperiment("hidden-share").arms.find((a) => a.params["placement"] === "concentrated" && a.params["hiddenShare"] === 0.2)!;
    const hiddenBy = (scenario: unknown) => {
      const regions = new Map<string, number>();
      for (const g of groupsOf(scenario)) {
        if (g.dependsOn?.includes("aws:us-east-1")) regions.set(g.region, (regions.get(g.region) ?? 0) + g.count);
      }
      return Object.fromEntries(regions);
    };
    // 20% of the 25 independent nodes is 5: one or two per region when spread, all in one region when concentrated.
    expect(hiddenBy(spread.scenario)).toEqual({ "eu-central-1": 1, "ap-southeast-1": 1, "us-west-2": 1, "us-east-1": 2 });
    expect(hiddenBy(concentrated.scenario)).toEqual({ "us-west-2": 5 });
    // The hyperscaler resellers keep their own dependencies and are never candidates.
    expect(groupsOf(spread.scenario).find((g) => g.group === "azure-euw")!.dependsOn).toEqual(["azure:westeurope", "azure-front-door"]);
  });

  it("hiddenShare 0 and 1 take the dependency off every candidate and put it on every one", () => {
    const plan = planExperiment({ name: "x", base: "hidden-dependency", vary: [{ axis: "hiddenShare", values: [0, 1] }] }, "t");
    const onIt = (scenario: unknown) => groupsOf(scenario).filter((g) => g.dependsOn?.includes("aws:us-east-1")).reduce((n, g) => n + g.count, 0);
    expect(plan.arms.map((a) => onIt(a.scenario))).toEqual([0, 25]);
  });

  it("providerCount shares the total among the groups in proportion, each keeping one", () => {
    const plan = planExperiment({ name: "x", base: "hidden-dependency", vary: [{ axis: "providerCount", values: [10, 60] }] }, "t");
    for (const [arm, total] of [[0, 10], [1, 60]] as const) {
      const groups = groupsOf(plan.arms[arm]!.scenario);
      expect(groups.reduce((n, g) => n + g.count, 0)).toBe(total);
      expect(Math.min(...groups.map((g) => g.count))).toBeGreaterThanOrEqual(1);
    }
    expect(() => planExperiment({ name: "x", base: "hidden-dependency", vary: [{ axis: "providerCount", values: [3] }] }, "t")).toThrow(/providerCount 3 is fewer than the 10 provider groups/);
  });

  it("blockInterval keeps the bid window's number of blocks, or its time", () => {
    const blocks = planExperiment({ name: "x", base: "hidden-dependency", vary: [{ axis: "blockInterval", values: ["2s", "12s"] }] }, "t");
    expect(blocks.arms.map((a) => [(a.scenario as { blockInterval: string }).blockInterval, (a.scenario as { market: { bidWindow: string } }).market.bidWindow])).toEqual([
      ["2s", "6s"],
      ["12s", "36s"],
    ]);
    expect(() => planExperiment({ name: "x", base: "hidden-dependency", vary: [{ axis: "blockInterval", values: ["30s"], bidWindow: "keep-time" }] }, "t")).toThrow(
      /arm-01 \(blockInterval=30s\): market\.bidWindow: must be longer than blockInterval/,
    );
  });

  it("arrivalRate sets the workload's rate", () => {
    const plan = planExperiment({ name: "x", base: tinyData(), vary: [{ axis: "arrivalRate", values: [0.5, 4] }] }, "t");
    expect(plan.arms.map((a) => (a.scenario as { workload: { arrivals: { ratePerMinute: number } } }).workload.arrivals.ratePerMinute)).toEqual([0.5, 4]);
  });
});

describe("built-in experiments", () => {
  it("each one plans: 30 seeds or more on the memory ledger; on the chain, fewer, within what the API runs (60)", () => {
    expect(builtinExperimentNames()).toEqual(expect.arrayContaining(["hidden-share", "aws-block-fallback", "gas-price"]));
    for (const name of builtinExperimentNames()) {
      const plan = loadExperiment(name);
      expect(plan.arms.length, name).toBeGreaterThan(1);
      if (plan.file.ledger === "memory") expect(plan.seeds.length, name).toBeGreaterThanOrEqual(30);
      else expect(plan.arms.length * plan.seeds.length, name).toBeLessThanOrEqual(60);
    }
  });

  it("a path into a section the base leaves out (chain) starts from its defaults; a misspelt one is still refused", () => {
    const plan = planExperiment({ name: "g", base: tinyData(), vary: [{ path: "chain.gasPriceGwei", values: [0, 20] }] }, "t");
    expect(plan.arms.map((a) => (a.scenario as { chain: unknown }).chain)).toEqual([{ gasPriceGwei: 0 }, { gasPriceGwei: 20 }]);
    expect(() => planExperiment({ name: "g", base: tinyData(), vary: [{ path: "chian.gasPriceGwei", values: [0, 20] }] }, "t")).toThrow(/the scenario has no field "chian"/);
  });

  it("an unknown built-in lists the built-ins", () => {
    expect(() => loadExperiment("nope")).toThrow(/unknown built-in experiment "nope"; built-ins: aws-block-fallback, gas-price, hidden-share/);
  });
});
