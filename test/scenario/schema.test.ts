import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseEther } from "ethers";
import { describe, expect, it } from "vitest";
import { InputError } from "../../sim/input-error.js";
import { BUILTIN_DIR, listBuiltinScenarios, loadScenario, parseScenario, ScenarioError } from "../../sim/scenario/load.js";
import { toMarketConfig } from "../../sim/scenario/schema.js";
import { tinyData, tinyScenario, type ScenarioData } from "./tiny-scenario.js";

/** The users' page of incidents that every built-in cites. */
const INCIDENTS_PAGE = readFileSync(new URL("../../docs/incidents.md", import.meta.url), "utf8");

/** The issues of data that must not validate, as "field: problem" lines. */
function issuesOf(edit: (data: ScenarioData) => void): string[] {
  const data = tinyData();
  edit(data);
  try {
    parseScenario(data, "tiny");
  } catch (error) {
    expect(error).toBeInstanceOf(ScenarioError);
    return (error as ScenarioError).issues.map((i) => `${i.field}: ${i.problem}`);
  }
  throw new Error("expected the scenario to be refused");
}

/** Exactly one issue, returned. */
function onlyIssue(edit: (data: ScenarioData) => void): string {
  const issues = issuesOf(edit);
  expect(issues).toHaveLength(1);
  return issues[0]!;
}

const BUILTINS = ["aws-us-east-1-2025-10-20", "azure-front-door-2025-10-29", "cloudflare-2025-11-18", "hidden-dependency", "steady"];

describe("built-in scenarios", () => {
  it("are the five, each with a description", () => {
    const list = listBuiltinScenarios();
    expect(list.map((s) => s.name)).toEqual(BUILTINS);
    for (const s of list) expect(s.description.length).toBeGreaterThan(20);
  });

  it.each(BUILTINS)("%s loads, is named after its file, cites a section of docs/incidents.md and is sized to run fast", (name) => {
    const s = loadScenario(name);
    expect(s.name).toBe(name);
    const header = readFileSync(join(BUILTIN_DIR, `${name}.yaml`), "utf8").split("\n").filter((l) => l.startsWith("#")).join("\n");
    expect(header).toContain("docs/incidents.md");
    expect(s.source).toContain("docs/incidents.md");
    // The section it cites is one the users' page has (by its heading, quoted).
    const headings = INCIDENTS_PAGE.split("\n").filter((l) => l.startsWith("## ")).map((l) => l.slice(3));
    expect(headings.some((h) => header.replace(/\n# /g, " ").includes(`"${h}"`))).toBe(true);
    expect(s.regions.length).toBeGreaterThanOrEqual(4);
    expect(s.regions.length).toBeLessThanOrEqual(6);
    const providers = s.providers.reduce((n, g) => n + g.count, 0);
    expect(providers).toBeGreaterThanOrEqual(20);
    expect(providers).toBeLessThanOrEqual(40);
    const expectedTasks = (s.workload.arrivals.ratePerMinute * s.duration) / 60_000;
    expect(expectedTasks).toBeGreaterThanOrEqual(200);
    expect(expectedTasks).toBeLessThanOrEqual(400);
    expect(s.blockInterval).toBeGreaterThanOrEqual(2_000);
    expect(s.blockInterval).toBeLessThanOrEqual(12_000);
    expect(s.duration / s.blockInterval).toBeLessThanOrEqual(1_000);
    // Both kinds of provider: hyperscaler-hosted without crashes, independent with mtbf/mttr.
    expect(s.providers.some((g) => g.mtbf === undefined && g.dependsOn.some((d) => /^(aws|azure|gcp):/.test(d)))).toBe(true);
    expect(s.providers.some((g) => g.mtbf !== undefined && g.mttr !== undefined)).toBe(true);
    // Every provider can use its whole capacity: each assignment locks minStake.
    for (const g of s.providers) expect(g.stake).toBeGreaterThanOrEqual(s.market.minStake * BigInt(g.capacity));
  });

  it("steady has no outage; each incident has exactly one, shaped as docs/incidents.md describes", () => {
    expect(loadScenario("steady").failures.outages).toEqual([]);

    const aws = loadScenario("aws-us-east-1-2025-10-20");
    const [awsOutage] = aws.failures.outages;
    expect(awsOutage?.scope).toEqual({ dependency: "aws:us-east-1" });
    expect(awsOutage?.recovery?.steps).toBeGreaterThan(1);
    // ~15 h compressed 10x: 90 minutes from first errors to full recovery.
    expect(awsOutage!.duration + awsOutage!.recovery!.over).toBe(90 * 60_000);
    expect(aws.baselines.centralized).toMatchObject({ region: "us-east-1", dependsOn: ["aws:us-east-1"] });

    const azure = loadScenario("azure-front-door-2025-10-29");
    expect(azure.failures.outages[0]).toMatchObject({ scope: { dependency: "azure-front-door" }, duration: 60 * 60_000 });
    // Global: the providers behind the shared layer are in more than one region.
    const afdRegions = new Set(azure.providers.filter((g) => g.dependsOn.includes("azure-front-door")).map((g) => g.region));
    expect(afdRegions.size).toBeGreaterThan(1);

    const cloudflare = loadScenario("cloudflare-2025-11-18");
    const flap = cloudflare.failures.outages[0]!;
    expect(flap.scope).toEqual({ dependency: "cloudflare" });
    expect(flap.flapping!.period).toBeGreaterThanOrEqual(60_000);
    expect(flap.flapping!.period).toBeLessThanOrEqual(5 * 60_000);
    expect(flap.flapping!.for).toBeLessThan(flap.duration); // then hard failure
    // Over 3 h real at the stated 2x compression.
    expect(flap.duration * 2).toBeGreaterThan(3 * 3_600_000);

    const hidden = loadScenario("hidden-dependency");
    const independent = hidden.providers.filter((g) => g.mtbf !== undefined);
    const total = independent.reduce((n, g) => n + g.count, 0);
    const onAws = independent.filter((g) => g.dependsOn.includes("aws:us-east-1")).reduce((n, g) => n + g.count, 0);
    expect(onAws / total).toBe(0.6);
    expect(hidden.failures.outages[0]?.scope).toEqual({ dependency: "aws:us-east-1" });
  });
});

describe("units and defaults", () => {
  it("turns durations into ms, ETH into wei, the mechanism into the contract's name", () => {
    const s = tinyScenario((d) => {
      d["duration"] = "1h30m";
      d["workload"].mechanism = "second-price";
      d["providers"][0].mtbf = "1.5h";
      d["providers"][0].mttr = "90000ms";
    });
    expect(s.duration).toBe(5_400_000);
    expect(s.providers[0]!.mtbf).toBe(5_400_000);
    expect(s.providers[0]!.mttr).toBe(90_000);
    expect(s.providers[0]!.costPerSecond).toBe(parseEther("0.000001"));
    expect(s.workload.maxPricePerSecond).toBe(10_000_000_000_000n);
    expect(s.workload.taskSize).toEqual({ median: 60_000, sigma: 0.5, max: 300_000 });
    expect(s.workload.mechanism).toBe("SecondPrice");
  });

  it("fills every default", () => {
    const s = tinyScenario();
    expect(s.seed).toBe(1);
    expect(s.source).toBe("");
    expect(s.blockInterval).toBe(2_000);
    expect(s.metricsBucket).toBe(150_000); // 2 h / 48
    expect(s.providers[0]).toMatchObject({ dependsOn: [], capacity: 4, speed: 1, stake: parseEther("2") });
    expect(s.providers[0]!.mtbf).toBeUndefined();
    expect(s.workload).toMatchObject({ posters: 4, executionSlack: 3, regionPreference: { any: 1 }, mechanism: "FirstPrice" });
    expect(s.workload.arrivals.bursts).toEqual([]);
    expect(s.market).toEqual({
      bidWindow: 10_000,
      fallbackDepth: 3,
      maxRounds: 3,
      slashBps: 1_000,
      abandonSlashBps: 500,
      minStake: parseEther("1"),
      unbondingDelay: 86_400_000,
      keeperFee: 0n,
    });
    expect(s.failures).toEqual({ crashes: true, outages: [] });
    expect(s.baselines.centralized.speed).toBe(1);
    expect(s.baselines.multiCloud.failbackDelay).toBe(60_000); // = detectionDelay
  });

  it("rounds the default metrics bucket to a whole second", () => {
    expect(tinyScenario((d) => (d["duration"] = "100s")).metricsBucket).toBe(2_000); // 2.083 s
    expect(tinyScenario((d) => (d["duration"] = "10s")).metricsBucket).toBe(1_000); // at least 1 s
    expect(tinyScenario((d) => (d["metricsBucket"] = "30s")).metricsBucket).toBe(30_000);
  });

  it("gives defaults to fresh lists on every parse", () => {
    const a = tinyScenario();
    a.providers[0]!.dependsOn.push("x");
    a.failures.outages.push(undefined as never);
    const b = tinyScenario();
    expect(b.providers[0]!.dependsOn).toEqual([]);
    expect(b.failures.outages).toEqual([]);
  });

  it("maps the market section to the contract's MarketConfig (seconds, wei)", () => {
    const s = tinyScenario((d) => (d["market"] = { bidWindow: "30s", fallbackDepth: 5, maxRounds: 2, slashBps: 2_000, abandonSlashBps: 2_000, minStake: "0.05", unbondingDelay: "2h", keeperFee: "0.0001" }));
    expect(toMarketConfig(s)).toEqual({
      keeperFee: parseEther("0.0001"),
      minStake: parseEther("0.05"),
      unbondingDelay: 7_200,
      slashBps: 2_000,
      abandonSlashBps: 2_000,
      maxRounds: 2,
      fallbackDepth: 5,
    });
  });

  it("accepts each strategy kind and each outage scope", () => {
    const s = tinyScenario((d) => {
      d["providers"] = [
        { group: "a", count: 1, region: "r1", dependsOn: ["x"], costPerSecond: 0.000001, strategy: { kind: "cost-plus", markup: 0 } },
        { group: "b", count: 1, region: "r2", costPerSecond: "0.000001", strategy: { kind: "undercut", step: 0.05, floorMarkup: 0.1 } },
        { group: "c", count: 1, region: "r2", costPerSecond: 1e-7, strategy: { kind: "random-band", low: 0.1, high: 0.1 } },
      ];
      d["failures"] = {
        outages: [
          { name: "o1", scope: { region: "r1" }, start: "1m", duration: "1m" },
          { name: "o2", scope: { dependency: "x" }, start: "1m", duration: "1m", recovery: { steps: 2, over: "2m" } },
          { name: "o3", scope: { providers: ["b", "c"] }, start: "1m", duration: "10m", flapping: { period: "1m", upFraction: 0.5, for: "5m" } },
        ],
      };
    });
    expect(s.providers.map((g) => g.strategy.kind)).toEqual(["cost-plus", "undercut", "random-band"]);
    expect(s.providers[2]!.costPerSecond).toBe(100_000_000_000n);
    expect(s.failures.outages.map((o) => o.scope)).toEqual([{ region: "r1" }, { dependency: "x" }, { providers: ["b", "c"] }]);
  });
});

describe("compute prices in USD per GPU-hour", () => {
  it("converts USD per GPU-hour to wei per compute-second at chain.ethUsd, and gives every price in both units", () => {
    const s = tinyScenario((d) => {
      delete d["providers"][0].costPerSecond;
      d["providers"][0].costPerGpuHourUsd = 3.1;
      delete d["workload"].maxPricePerSecond;
      d["workload"].maxPricePerGpuHourUsd = 6.2;
      d["chain"] = { preset: "l2-rollup", ethUsd: 3_100 };
    });
    // $3.10 an hour at $3,100 an ETH is 0.001 ETH an hour: 1e15 / 3600 wei a second, rounded down.
    expect(s.providers[0]!.costPerSecond).toBe(277_777_777_777n);
    expect(s.providers[0]!.costPerGpuHourUsd).toBe(3.1);
    expect(s.workload.maxPricePerSecond).toBe(555_555_555_555n);
    // A price given in ETH is shown in USD too: 0.00001 ETH a second × 3600 × $3,100.
    expect(s.baselines.centralized.pricePerGpuHourUsd).toBeCloseTo(111.6, 9);
  });

  it("the same USD price is fewer wei when ETH is dearer", () => {
    const at = (ethUsd: number) =>
      tinyScenario((d) => {
        delete d["providers"][0].costPerSecond;
        d["providers"][0].costPerGpuHourUsd = 2.4;
        d["chain"] = { ethUsd };
      }).providers[0]!.costPerSecond;
    expect(at(3_000)).toBe(2n * at(6_000));
  });

  it("refuses both units, neither, and a price below 1 wei a second", () => {
    expect(onlyIssue((d) => (d["providers"][0].costPerGpuHourUsd = 2))).toBe(
      "providers.0.costPerGpuHourUsd: give costPerSecond (ETH per compute-second) or costPerGpuHourUsd (USD per GPU-hour), not both",
    );
    expect(onlyIssue((d) => delete d["workload"].maxPricePerSecond)).toBe(
      "workload.maxPricePerSecond: required: maxPricePerSecond (ETH per compute-second) or maxPricePerGpuHourUsd (USD per GPU-hour, see docs/pricing.md)",
    );
    expect(
      onlyIssue((d) => {
        delete d["providers"][0].costPerSecond;
        d["providers"][0].costPerGpuHourUsd = 1e-12;
      }),
    ).toBe("providers.0.costPerGpuHourUsd: is less than 1 wei a compute-second at chain.ethUsd 3100, got 1e-12");
    expect(
      onlyIssue((d) => {
        delete d["baselines"].centralized.pricePerSecond;
        d["baselines"].centralized.pricePerGpuHourUsd = 2_000_000;
      }),
    ).toMatch(/^baselines\.centralized\.pricePerGpuHourUsd: .*1,000,000/);
  });
});

describe("each bad field gets its own message, naming its path", () => {
  it("an unknown key, listing the allowed ones", () => {
    expect(onlyIssue((d) => (d["providers"][0].colour = "red"))).toBe(
      "providers.0.colour: unknown field; allowed: group, count, region, dependsOn, capacity, speed, costPerSecond, costPerGpuHourUsd, strategy, stake, mtbf, mttr",
    );
    expect(onlyIssue((d) => (d["extra"] = 1))).toMatch(/^extra: unknown field; allowed: name, description, source, seed, duration,/);
  });

  it("a bad duration", () => {
    expect(onlyIssue((d) => (d["duration"] = "90 minutes"))).toBe(
      'duration: expected a duration like 90s, 15m or 6h (a number with a unit: ms, s, m, h or d), got "90 minutes"',
    );
    expect(onlyIssue((d) => (d["workload"].deadline = -5))).toBe(`workload.deadline: expected a duration like 90s, 15m or 6h ${"(a number with a unit: ms, s, m, h or d)"}, got -5`);
    expect(onlyIssue((d) => (d["workload"].taskSize.median = "0.5ms"))).toBe('workload.taskSize.median: "0.5ms" is not a whole number of milliseconds');
    expect(onlyIssue((d) => (d["market"].bidWindow = true))).toBe("market.bidWindow: expected a duration like 90s, 15m or 6h (a number with a unit: ms, s, m, h or d), got boolean true");
  });

  it("a duration without a unit, even 0, showing both readings", () => {
    expect(onlyIssue((d) => (d["workload"].deadline = 1500))).toBe("workload.deadline: 1500 has no unit: write 1500ms or 1500s");
    expect(onlyIssue((d) => (d["workload"].deadline = "1500"))).toBe("workload.deadline: 1500 has no unit: write 1500ms or 1500s");
    expect(onlyIssue((d) => (d["workload"].arrivals.diurnal = { amplitude: 0.5, period: "1h", peakAt: 0 }))).toBe(
      "workload.arrivals.diurnal.peakAt: 0 has no unit: write 0ms or 0s",
    );
    expect(tinyScenario((d) => (d["workload"].deadline = "1500s")).workload.deadline).toBe(1_500_000);
  });

  it("a region that is not listed", () => {
    expect(onlyIssue((d) => (d["providers"][0].region = "mars"))).toBe('providers.0.region: region "mars" is not listed in regions (r1, r2)');
    expect(onlyIssue((d) => (d["baselines"].multiCloud.failover.region = "r3"))).toBe(
      'baselines.multiCloud.failover.region: region "r3" is not listed in regions (r1, r2)',
    );
    expect(onlyIssue((d) => (d["workload"].regionPreference = { any: 1, r9: 2 }))).toBe(
      'workload.regionPreference.r9: "r9" is neither "any" nor a region listed in regions (r1, r2)',
    );
  });

  it("a region name longer than 16 bytes, or 'any'", () => {
    expect(onlyIssue((d) => d["regions"].push("europe-west-12345"))).toBe('regions.2: region "europe-west-12345" is 17 bytes long; at most 16 are allowed');
    expect(onlyIssue((d) => d["regions"].push("any"))).toMatch(/^regions\.2: "any" is reserved/);
  });

  it("an unknown strategy kind, listing the kinds", () => {
    expect(onlyIssue((d) => (d["providers"][0].strategy = { kind: "dutch", markup: 1 }))).toBe(
      'providers.0.strategy.kind: unknown kind "dutch"; allowed: cost-plus, undercut, random-band',
    );
    expect(onlyIssue((d) => (d["providers"][0].strategy = { markup: 1 }))).toBe("providers.0.strategy.kind: required: one of cost-plus, undercut, random-band");
    expect(onlyIssue((d) => (d["providers"][0].strategy = { kind: "random-band", low: 0.5, high: 0.2 }))).toBe(
      "providers.0.strategy.high: must be at least low (0.5), got 0.2",
    );
  });

  it("abandonSlashBps above slashBps", () => {
    expect(onlyIssue((d) => Object.assign(d["market"], { slashBps: 300, abandonSlashBps: 500 }))).toBe(
      "market.abandonSlashBps: must be at most slashBps (300): abandoning early is never punished more than missing the deadline, got 500",
    );
  });

  it("a negative count", () => {
    expect(onlyIssue((d) => (d["providers"][0].count = -2))).toBe("providers.0.count: must be at least 1, got -2");
    expect(onlyIssue((d) => (d["providers"][0].count = 1.5))).toBe("providers.0.count: expected a whole number, got 1.5");
  });

  it("a blockInterval that is not whole seconds, saying why", () => {
    const why = "must be a whole number of seconds, at least 1s (chain timestamps are seconds)";
    expect(onlyIssue((d) => (d["blockInterval"] = "2500ms"))).toBe(`blockInterval: ${why}, got 2s500ms`);
    expect(onlyIssue((d) => (d["blockInterval"] = "0s"))).toBe(`blockInterval: ${why}, got 0s`);
    expect(onlyIssue((d) => (d["market"].bidWindow = "1.5s"))).toBe(`market.bidWindow: ${why}, got 1s500ms`);
  });

  it("a missing required field", () => {
    expect(onlyIssue((d) => delete d["workload"].deadline)).toBe(
      "workload.deadline: required: expected a duration like 90s, 15m or 6h (a number with a unit: ms, s, m, h or d)",
    );
    expect(onlyIssue((d) => delete d["name"])).toBe("name: required: a string");
    expect(onlyIssue((d) => delete d["baselines"].centralized.pricePerSecond)).toBe(
      "baselines.centralized.pricePerSecond: required: pricePerSecond (ETH per compute-second) or pricePerGpuHourUsd (USD per GPU-hour, see docs/pricing.md)",
    );
  });

  it("bad amounts of ETH", () => {
    expect(onlyIssue((d) => (d["providers"][0].costPerSecond = "1,5"))).toBe(
      'providers.0.costPerSecond: expected an amount in ETH like "0.002" (at most 18 decimals), got "1,5"',
    );
    expect(onlyIssue((d) => (d["providers"][0].costPerSecond = "0"))).toBe("providers.0.costPerSecond: must be more than 0 ETH");
    expect(onlyIssue((d) => (d["providers"][0].stake = "0.5"))).toBe(
      "providers.0.stake: must be at least market.minStake (1.0 ETH) or the provider cannot register, got 0.5 ETH",
    );
  });

  it("the mechanism, fractions and counts out of range", () => {
    expect(onlyIssue((d) => (d["workload"].mechanism = "dutch"))).toBe('workload.mechanism: expected one of "first-price", "second-price", got "dutch"');
    expect(onlyIssue((d) => (d["market"].fallbackDepth = 9))).toBe("market.fallbackDepth: must be at most 8, got 9");
    expect(onlyIssue((d) => (d["workload"].arrivals.diurnal = { amplitude: 1.5, period: "1h", peakAt: "0s" }))).toBe(
      "workload.arrivals.diurnal.amplitude: must be at most 1, got 1.5",
    );
    expect(onlyIssue((d) => (d["providers"] = []))).toBe("providers: must have at least 1 item");
    expect(onlyIssue((d) => (d["regions"] = "r1"))).toBe('regions: expected a list, got "r1"');
  });

  it("mtbf without mttr", () => {
    expect(onlyIssue((d) => (d["providers"][0].mtbf = "1h"))).toBe("providers.0.mttr: mtbf and mttr go together: give both for independent crashes, or neither");
  });

  it("a bid window no longer than the block interval", () => {
    expect(onlyIssue((d) => Object.assign(d, { blockInterval: "12s" }))).toBe(
      "market.bidWindow: must be longer than blockInterval (12s) so that providers have a block to bid in, got 10s",
    );
  });

  it("outages: scope names that do not exist, scopes with two keys, windows past the end", () => {
    const outage = (o: ScenarioData) => (d: ScenarioData) => (d["failures"] = { outages: [{ name: "o", start: "10m", duration: "10m", ...o }] });
    expect(onlyIssue(outage({ scope: { region: "r7" } }))).toBe('failures.outages.0.scope.region: region "r7" is not listed in regions (r1, r2)');
    expect(onlyIssue(outage({ scope: { providers: ["a", "zz"] } }))).toBe('failures.outages.0.scope.providers.1: no provider group is named "zz" (groups: a)');
    expect(onlyIssue(outage({ scope: { dependency: "cloudflair" } }))).toBe(
      'failures.outages.0.scope.dependency: no provider group or baseline depends on "cloudflair" (known dependencies: none)',
    );
    expect(onlyIssue(outage({ scope: { region: "r1", dependency: "x" } }))).toBe(
      "failures.outages.0.scope: expected exactly one of {region: name}, {dependency: name} or {providers: [group, ...]}, got region and dependency",
    );
    expect(onlyIssue(outage({ scope: { region: "r1" }, start: "2h" }))).toBe("failures.outages.0.start: must be before the end of the run (2h), got 2h");
    expect(onlyIssue(outage({ scope: { region: "r1" }, duration: "1h55m" }))).toBe(
      "failures.outages.0.duration: the outage must end within the run: start 10m + duration 1h55m is past 2h",
    );
    expect(onlyIssue(outage({ scope: { region: "r1" }, recovery: { steps: 3, over: "2h" } }))).toBe(
      "failures.outages.0.recovery.over: the recovery must end within the run: start 10m + duration 10m + over 2h is past 2h",
    );
    expect(onlyIssue(outage({ scope: { region: "r1" }, flapping: { period: "1m", upFraction: 0.5, for: "11m" } }))).toBe(
      "failures.outages.0.flapping.for: must be at most the outage's duration (10m), got 11m",
    );
    expect(onlyIssue(outage({ scope: { region: "r1" }, recovery: { steps: 0, over: "5m" } }))).toBe("failures.outages.0.recovery.steps: must be at least 1, got 0");
  });

  it("duplicate names", () => {
    expect(onlyIssue((d) => d["providers"].push({ ...d["providers"][0] }))).toBe('providers.1.group: duplicate group "a"; group names must be unique');
    expect(onlyIssue((d) => d["regions"].push("r1"))).toBe('regions.2: duplicate region "r1"');
    expect(onlyIssue((d) => (d["providers"][0].group = "a#1"))).toBe("providers.0.group: a group name has no spaces and no '#' (node ids are group#index)");
  });
});

describe("every issue is reported at once", () => {
  it("lists all field issues, one line each, in the error's message", () => {
    const data = tinyData();
    data["duration"] = "soon";
    data["providers"][0].count = -1;
    data["providers"][0].strategy.kind = "dutch";
    data["market"].colour = "red";
    let error: unknown;
    try {
      parseScenario(data, "tiny");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ScenarioError);
    expect(error).toBeInstanceOf(InputError);
    const e = error as ScenarioError;
    expect(e.issues.map((i) => i.field)).toEqual(["duration", "providers.0.count", "providers.0.strategy.kind", "market.colour"]);
    expect(e.field).toBe("duration");
    expect(e.message.split("\n")).toEqual(e.issues.map((i) => `${i.field}: ${i.problem}`));
  });

  it("reports cross-field issues together with the local checks that failed", () => {
    const issues = issuesOf((d) => {
      d["providers"][0].region = "mars";
      d["baselines"].centralized.region = "venus";
      d["market"].abandonSlashBps = 5_000;
    });
    expect(issues.map((i) => i.split(":")[0])).toEqual(["market.abandonSlashBps", "providers.0.region", "baselines.centralized.region"]);
  });
});

describe("--seed override", () => {
  it("replaces the seed and nothing else", () => {
    const base = loadScenario("steady");
    const seeded = loadScenario("steady", { seed: 42 });
    expect(base.seed).toBe(1);
    expect(seeded.seed).toBe(42);
    expect({ ...seeded, seed: 1 }).toEqual(base);
  });

  it("refuses a seed that is not a whole number", () => {
    expect(() => loadScenario("steady", { seed: 1.5 })).toThrow(new InputError("seed", "must be a whole number, got 1.5"));
  });
});
