import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { listBuiltinScenarios, loadScenario, parseScenario, ScenarioError } from "../../sim/scenario/load.js";
import { estimatedFailureIntervals, estimatedTasks, maxBlocks, metricBuckets, SCENARIO_LIMITS as L } from "../../sim/scenario/limits.js";
import { tinyData, type ScenarioData } from "./tiny-scenario.js";

// Every bound of the scenario schema (sim/scenario/limits.ts), at its edge: the value just
// under (or at) the bound is accepted, the one just over is refused with a message that names
// the field and the bound.

function parse(edit: (d: ScenarioData) => void) {
  const data = tinyData();
  edit(data);
  return parseScenario(data, "tiny");
}

/** The "field: problem" lines of a refused scenario. */
function issuesOf(edit: (d: ScenarioData) => void): string[] {
  try {
    parse(edit);
  } catch (error) {
    expect(error).toBeInstanceOf(ScenarioError);
    return (error as ScenarioError).issues.map((i) => `${i.field}: ${i.problem}`);
  }
  throw new Error("expected the scenario to be refused");
}

const group = (name: string, count: number, extra: ScenarioData = {}) => ({
  group: name,
  count,
  region: "r1",
  costPerSecond: "0.000001",
  strategy: { kind: "cost-plus", markup: 0.1 },
  ...extra,
});
const names = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
const x = (n: number) => "x".repeat(n);

/** A field bound: the value at the bound passes, one more is refused at `field` naming the bound. */
interface FieldBound {
  name: string;
  field: string;
  set: (d: ScenarioData, n: number) => void;
  max: number;
  /** The step past the bound (1 for counts, 1 ms for durations, ...). */
  over?: number;
  message: RegExp;
}

const FIELD_BOUNDS: FieldBound[] = [
  { name: "posters", field: "workload.posters", max: L.posters, set: (d, n) => (d["workload"].posters = n), message: /must be at most 10,000 \(the scenario limit\), got 10,001$/ },
  { name: "providers in a group", field: "providers.0.count", max: L.providers, set: (d, n) => (d["providers"][0].count = n), message: /must be at most 5,000 \(the scenario limit\), got 5,001$/ },
  {
    name: "provider groups",
    field: "providers",
    max: L.providerGroups,
    set: (d, n) => (d["providers"] = names(n, "g").map((g) => group(g, 1))),
    message: /must be at most 1,000 items \(the scenario limit\), got 1,001$/,
  },
  { name: "regions", field: "regions", max: L.regions, set: (d, n) => (d["regions"] = ["r1", "r2", ...names(n - 2, "x")]), message: /must be at most 64 items \(the scenario limit\), got 65$/ },
  { name: "dependsOn", field: "providers.0.dependsOn", max: L.dependsOn, set: (d, n) => (d["providers"][0].dependsOn = names(n, "dep")), message: /must be at most 32 items/ },
  {
    name: "bursts",
    field: "workload.arrivals.bursts",
    max: L.bursts,
    set: (d, n) => (d["workload"].arrivals.bursts = Array.from({ length: n }, () => ({ at: "1m", duration: "1m", multiplier: 1 }))),
    message: /must be at most 1,000 items/,
  },
  {
    name: "a burst's multiplier",
    field: "workload.arrivals.bursts.0.multiplier",
    max: L.burstMultiplier,
    set: (d, n) => (d["workload"].arrivals.bursts = [{ at: "1m", duration: "1m", multiplier: n }]),
    message: /must be at most 1,000 \(the scenario limit\), got 1,001$/,
  },
  {
    name: "outages",
    field: "failures.outages",
    max: L.outages,
    set: (d, n) => (d["failures"] = { outages: names(n, "o").map((name) => ({ name, scope: { region: "r1" }, start: "1m", duration: "1m" })) }),
    message: /must be at most 1,000 items/,
  },
  {
    name: "an outage's provider groups",
    field: "failures.outages.0.scope.providers",
    max: L.scopeProviders,
    set: (d, n) => {
      d["providers"] = names(n, "g").map((g) => group(g, 1));
      d["failures"] = { outages: [{ name: "o", scope: { providers: names(n, "g") }, start: "1m", duration: "1m" }] };
    },
    message: /must be at most 1,000 items/,
  },
  {
    name: "recovery steps",
    field: "failures.outages.0.recovery.steps",
    max: L.recoverySteps,
    set: (d, n) => (d["failures"] = { outages: [{ name: "o", scope: { region: "r1" }, start: "1m", duration: "1m", recovery: { steps: n, over: "10m" } }] }),
    message: /must be at most 10,000 \(the scenario limit\), got 10,001$/,
  },
  { name: "executionSlack", field: "workload.executionSlack", max: L.executionSlack, over: 0.5, set: (d, n) => (d["workload"].executionSlack = n), message: /must be at most 100 \(the scenario limit\)/ },
  { name: "the name", field: "name", max: L.nameLength, set: (d, n) => (d["name"] = x(n)), message: /must be at most 100 characters \(the scenario limit\), got 101$/ },
  { name: "the description", field: "description", max: L.descriptionLength, set: (d, n) => (d["description"] = x(n)), message: /must be at most 2,000 characters/ },
  { name: "the source", field: "source", max: L.sourceLength, set: (d, n) => (d["source"] = x(n)), message: /must be at most 10,000 characters/ },
  { name: "a group name", field: "providers.0.group", max: L.nameLength, set: (d, n) => (d["providers"][0].group = x(n)), message: /must be at most 100 characters/ },
  { name: "a dependency name", field: "providers.0.dependsOn.0", max: L.nameLength, set: (d, n) => (d["providers"][0].dependsOn = [x(n)]), message: /must be at most 100 characters/ },
  {
    name: "an outage name",
    field: "failures.outages.0.name",
    max: L.nameLength,
    set: (d, n) => (d["failures"] = { outages: [{ name: x(n), scope: { region: "r1" }, start: "1m", duration: "1m" }] }),
    message: /must be at most 100 characters/,
  },
  {
    name: "duration",
    field: "duration",
    max: L.durationMs,
    set: (d, n) => Object.assign(d, { duration: `${n}ms`, blockInterval: "1h", market: { bidWindow: "2h" }, workload: { ...d["workload"], arrivals: { ratePerMinute: 0.1 } } }),
    message: /must be at most 365d \(the scenario limit\), got 365d1ms$/,
  },
  { name: "a task's size", field: "workload.taskSize.max", max: L.taskSizeMs, set: (d, n) => (d["workload"].taskSize.max = `${n}ms`), message: /must be at most 365d \(the scenario limit\), got 365d1ms$/ },
];

describe("each field bound: at the bound accepted, one over refused naming the field and the bound", () => {
  it.each(FIELD_BOUNDS)("$name ($field)", ({ field, set, max, over = 1, message }) => {
    expect(() => parse((d) => set(d, max))).not.toThrow();
    const issues = issuesOf((d) => set(d, max + over));
    const mine = issues.filter((i) => i.startsWith(`${field}: `));
    expect(mine, issues.join("\n")).toHaveLength(1);
    expect(mine[0]).toMatch(message);
  });
});

/** A bound on what the scenario implies: `under` passes with the figure at the bound, `over` is refused at `field`. */
interface DerivedBound {
  name: string;
  field: string;
  under: (d: ScenarioData) => void;
  over: (d: ScenarioData) => void;
  message: RegExp;
}

const DERIVED_BOUNDS: DerivedBound[] = [
  {
    name: "providers over all groups",
    field: "providers",
    under: (d) => (d["providers"] = [group("a", 2_500), group("b", 2_500)]),
    over: (d) => (d["providers"] = [group("a", 2_500), group("b", 2_501)]),
    message: /^providers: the groups' counts add up to 5,001 providers, over the limit of 5,000: use fewer providers$/,
  },
  {
    name: "expected tasks (rate × duration)",
    field: "workload.arrivals.ratePerMinute",
    under: (d) => Object.assign(d, { duration: "1000m", workload: { ...d["workload"], arrivals: { ratePerMinute: 250 } } }),
    over: (d) => Object.assign(d, { duration: "1000m", workload: { ...d["workload"], arrivals: { ratePerMinute: 250.001 } } }),
    message: /would post about 250,001 tasks .*over the limit of 250,000/,
  },
  {
    name: "arrival draws (a burst's peak rate × duration)",
    field: "workload.arrivals.bursts.0.multiplier",
    under: (d) => Object.assign(d, { duration: "5000m", workload: { ...d["workload"], arrivals: { ratePerMinute: 1, bursts: [{ at: "1m", duration: "1m", multiplier: 1_000 }] } } }),
    over: (d) => Object.assign(d, { duration: "5000m", workload: { ...d["workload"], arrivals: { ratePerMinute: 1.0002, bursts: [{ at: "1m", duration: "1m", multiplier: 1_000 }] } } }),
    message: /5,001,000 draws, over the limit of 5,000,000/,
  },
  {
    name: "blocks (horizon ÷ blockInterval)",
    field: "blockInterval",
    under: (d) => (d["duration"] = "998798s"),
    over: (d) => (d["duration"] = "998800s"),
    message: /^blockInterval: \(duration 11d13h26m40s \+ 2 × workload.deadline 10m\) ÷ blockInterval 2s is up to 500,001 blocks, over the limit of 500,000: /,
  },
  {
    name: "metric buckets (duration ÷ metricsBucket)",
    field: "metricsBucket",
    under: (d) => Object.assign(d, { duration: "10000s", metricsBucket: "1s" }),
    over: (d) => Object.assign(d, { duration: "10001s", metricsBucket: "1s" }),
    message: /^metricsBucket: duration 2h46m41s ÷ metricsBucket 1s is 10,001 buckets, over the limit of 10,000: lengthen metricsBucket$/,
  },
  {
    name: "failure intervals (crashes)",
    field: "providers.0.mtbf",
    under: (d) => Object.assign(d, { duration: "2000000ms", providers: [group("a", 1, { mtbf: "1ms", mttr: "1ms" })] }),
    over: (d) => Object.assign(d, { duration: "2000002ms", providers: [group("a", 1, { mtbf: "1ms", mttr: "1ms" })] }),
    message: /about 1,000,001 failure intervals, most of them from here, over the limit of 1,000,000/,
  },
  {
    name: "failure intervals (flapping)",
    field: "failures.outages.0.flapping.period",
    // 2 providers and 2 baseline sites in r1, 250,000 cycles each (with the hard-down stretch).
    under: (d) =>
      Object.assign(d, { failures: { outages: [{ name: "o", scope: { region: "r1" }, start: "0s", duration: "1h", flapping: { period: "2ms", upFraction: 0.5, for: "499998ms" } }] } }),
    over: (d) =>
      Object.assign(d, { failures: { outages: [{ name: "o", scope: { region: "r1" }, start: "0s", duration: "1h", flapping: { period: "2ms", upFraction: 0.5, for: "500000ms" } }] } }),
    message: /about 1,000,004 failure intervals, most of them from here, over the limit of 1,000,000/,
  },
];

describe("each bound on what a scenario implies: just under accepted, just over refused naming the field and the bound", () => {
  it.each(DERIVED_BOUNDS)("$name ($field)", ({ field, under, over, message }) => {
    expect(() => parse(under)).not.toThrow();
    const issues = issuesOf(over);
    expect(issues, issues.join("\n")).toHaveLength(1);
    expect(issues[0]!.startsWith(`${field}: `), issues[0]).toBe(true);
    expect(issues[0]).toMatch(message);
  });

  it("the hostile request of the issue: a billion posters, refused at the field before anything is built", () => {
    const started = performance.now();
    expect(issuesOf((d) => (d["workload"].posters = 1_000_000_000))).toEqual(["workload.posters: must be at most 10,000 (the scenario limit), got 1,000,000,000"]);
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});

describe("the limits leave every scenario the project ships inside", () => {
  const yamlUnder = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return name === "node_modules" ? [] : yamlUnder(path);
      return /\.ya?ml$/.test(name) ? [path] : [];
    });
  const broken = new Set(["test/sim/fixtures/yaml-syntax-error.yaml", "test/sim/fixtures/invalid-capacity.yaml"]);
  const files = yamlUnder("test").filter((f) => !broken.has(f));

  it.each([...listBuiltinScenarios().map((s) => s.name), ...files])("%s", (ref) => {
    const s = loadScenario(ref);
    expect(estimatedTasks(s)).toBeLessThanOrEqual(L.tasks);
    expect(maxBlocks(s)).toBeLessThanOrEqual(L.blocks);
    expect(metricBuckets(s)).toBeLessThanOrEqual(L.buckets);
    expect(estimatedFailureIntervals(s)).toBeLessThanOrEqual(L.failureIntervals);
  });

  it("including the benchmark, with room to spare", () => {
    const s = loadScenario("test/bench/scenarios/market-scale.yaml");
    expect(s.providers.reduce((n, g) => n + g.count, 0)).toBe(1_000);
    expect(estimatedTasks(s)).toBeLessThan(L.tasks / 1.5);
  });
});
