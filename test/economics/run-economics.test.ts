// The USD cost model against hand-computed cases, the chain section's validation, and the
// break-even gas price: below it the market's cost per completed task is under the baseline's,
// above it over, for the same run re-priced and for two runs either side of it.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { baselineBilling } from "../../sim/economics/baseline-billing.js";
import { resolveChainCost } from "../../sim/economics/chain-cost.js";
import { runEconomics } from "../../sim/economics/run-economics.js";
import type { SystemMetrics } from "../../sim/metrics/collector.js";
import { ScenarioError } from "../../sim/scenario/load.js";
import { systemMetrics } from "../helpers/system-metrics.js";
import { tinyScenario } from "../scenario/tiny-scenario.js";
import { bidmesh, fixture, removeTempDirs, tempDir } from "../sim/e2e.js";

afterAll(removeTempDirs);

const ETH = 10n ** 18n;

const system = systemMetrics;

// The market: 10 tasks posted, 8 completed (6 on time), 1 ETH paid; posters sent 4 transactions
// of 2,000,000 gas in all, providers 10 of 3,000,000, the keeper 2 of 1,000,000.
const market = system({
  tasksCompleted: 8,
  onTimeRate: 0.6,
  totalPaidWei: String(ETH),
  gasUsed: "6000000",
  gasByParty: { posters: { gas: "2000000", transactions: 4 }, providers: { gas: "3000000", transactions: 10 }, keepers: { gas: "1000000", transactions: 2 } },
});
// A baseline that completed 10 tasks for 2 ETH.
const baseline = system({ totalPaidWei: String(2n * ETH) });

describe("runEconomics", () => {
  it("prices each party's gas and the posters' cost per task by hand", () => {
    const chain = resolveChainCost({ preset: "ethereum-l1", gasPriceGwei: 10, ethUsd: 2_000, l1DataFeeUsdPerTx: 0.5 });
    const e = runEconomics({ market, centralized: baseline, multiCloud: baseline }, chain);
    // gas × 10 gwei × $2,000 / 1e9 + transactions × $0.5
    expect(e.systems.market.gasCostUsd!.posters).toBeCloseTo(2e6 * 10 * 2_000 / 1e9 + 4 * 0.5, 9); // 40 + 2
    expect(e.systems.market.gasCostUsd!.providers).toBeCloseTo(60 + 5, 9);
    expect(e.systems.market.gasCostUsd!.keepers).toBeCloseTo(20 + 1, 9);
    expect(e.systems.market.gasCostUsd!.total).toBeCloseTo(42 + 65 + 21, 9);
    // Posters paid $2,000 of compute and $42 of their own gas: over 8 completed and 6 on time.
    expect(e.systems.market.computePaidUsd).toBeCloseTo(2_000, 9);
    expect(e.systems.market.costPerCompletedTaskUsd).toBeCloseTo(2_042 / 8, 9);
    expect(e.systems.market.costPerOnTimeTaskUsd).toBeCloseTo(2_042 / 6, 9);
    expect(e.systems.centralized).toEqual({ costPerCompletedTaskUsd: 400, costPerOnTimeTaskUsd: 400, computePaidUsd: 4_000, reservedIdleUsd: 0, gasCostUsd: null });
    // Break-even: 2,000 + 2 + 2e6 × g × 2,000 / 1e9 = 400 × 8 → g = 299.5 gwei.
    expect(e.breakEvenGasPriceGwei.centralized).toBeCloseTo(299.5, 9);
  });

  it("puts the market under the baseline exactly below the break-even gas price", () => {
    const at = (gasPriceGwei: number) => runEconomics({ market, centralized: baseline, multiCloud: baseline }, resolveChainCost({ preset: "l2-rollup", gasPriceGwei }));
    const breakEven = at(0.01).breakEvenGasPriceGwei.centralized!;
    // 2 ETH over 10 tasks at $3,100.
    const centralized = at(0.01).systems.centralized.costPerCompletedTaskUsd!;
    expect(centralized).toBeCloseTo(620, 9);
    expect(at(breakEven * 0.99).systems.market.costPerCompletedTaskUsd!).toBeLessThan(centralized);
    expect(at(breakEven * 1.01).systems.market.costPerCompletedTaskUsd!).toBeGreaterThan(centralized);
    expect(at(breakEven).systems.market.costPerCompletedTaskUsd!).toBeCloseTo(centralized, 6);
  });

  it("has no gas cost or break-even off chain, and says 'dearer even at no gas' with a negative break-even", () => {
    const offChain = runEconomics({ market: { ...market, gasUsed: null, gasByParty: null }, centralized: baseline, multiCloud: baseline }, resolveChainCost({ preset: "app-chain" }));
    expect(offChain.systems.market.gasCostUsd).toBeNull();
    expect(offChain.breakEvenGasPriceGwei).toEqual({ centralized: null, multiCloud: null });
    const cheap = system({ totalPaidWei: String(ETH / 100n) });
    const dearer = runEconomics({ market, centralized: cheap, multiCloud: cheap }, resolveChainCost({ preset: "app-chain" }));
    expect(dearer.breakEvenGasPriceGwei.centralized!).toBeLessThan(0);
  });
});

describe("baselines billed for reserved capacity", () => {
  it("bills a reserved baseline for its whole capacity over the duration, less the discount, and says how much sat idle", () => {
    // The tiny scenario: 2 h; centralized 4 slots at 0.00001 ETH a second; multi-cloud 4 + 2 slots at 0.00001 and 0.000012.
    const scenario = tinyScenario((d) => {
      d["baselines"]["centralized"] = { ...d["baselines"]["centralized"], billing: "reserved", reservedDiscount: 0.3 };
      d["baselines"]["multiCloud"] = { ...d["baselines"]["multiCloud"], billing: "reserved" };
    });
    const billing = baselineBilling(scenario);
    const centralizedFull = 4n * 10_000_000_000_000n * 7_200n; // 0.288 ETH
    expect(billing.centralized).toEqual({ wei: (centralizedFull * 7n) / 10n, discount: 0.3 });
    expect(billing.multiCloud).toEqual({ wei: 4n * 10_000_000_000_000n * 7_200n + 2n * 12_000_000_000_000n * 7_200n, discount: 0 });
    expect(baselineBilling(tinyScenario())).toEqual({ centralized: null, multiCloud: null });

    const chain = resolveChainCost({ preset: "app-chain", ethUsd: 1_000 });
    // Used: 0.01 ETH of compute on demand (10 tasks).
    const e = runEconomics({ market, centralized: system({}), multiCloud: system({}) }, chain, billing);
    expect(e.systems.centralized.computePaidUsd).toBeCloseTo(0.2016 * 1_000, 9);
    expect(e.systems.centralized.costPerCompletedTaskUsd).toBeCloseTo(20.16, 9);
    // Idle: the bill less the used seconds at the reserved rate, 201.6 − 10 × 0.7.
    expect(e.systems.centralized.reservedIdleUsd).toBeCloseTo(201.6 - 7, 9);
    expect(e.systems.multiCloud.computePaidUsd).toBeCloseTo((0.288 + 0.1728) * 1_000, 9);
    expect(runEconomics({ market, centralized: system({}), multiCloud: system({}) }, chain).systems.centralized.reservedIdleUsd).toBe(0);
  });

  it("refuses an unknown billing and a discount over 0.95, naming the field", () => {
    expect(() => tinyScenario((d) => (d["baselines"]["centralized"]["billing"] = "spot"))).toThrow(/baselines\.centralized\.billing/);
    expect(() => tinyScenario((d) => (d["baselines"]["multiCloud"]["reservedDiscount"] = 1))).toThrow(/baselines\.multiCloud\.reservedDiscount: must be at most 0\.95/);
  });
});

describe("the scenario's chain section", () => {
  it("defaults to the l2-rollup preset and takes overrides", () => {
    expect(tinyScenario().chain).toEqual({ preset: "l2-rollup", gasPriceGwei: 0.01, ethUsd: 3_100, l1DataFeeUsdPerTx: 0.0003 });
    expect(tinyScenario((d) => (d["chain"] = { preset: "ethereum-l1", ethUsd: 2_500 })).chain).toEqual({ preset: "ethereum-l1", gasPriceGwei: 0.5, ethUsd: 2_500, l1DataFeeUsdPerTx: 0 });
  });

  it("refuses an unknown preset and figures out of range, naming each field", () => {
    let error: unknown;
    try {
      tinyScenario((d) => (d["chain"] = { preset: "mainnet", gasPriceGwei: -1, ethUsd: 0, l1DataFeeUsdPerTx: 1_000, gas: 1 }));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ScenarioError);
    const fields = (error as ScenarioError).issues.map((i) => i.field).sort();
    expect(fields).toEqual(["chain.ethUsd", "chain.gas", "chain.gasPriceGwei", "chain.l1DataFeeUsdPerTx", "chain.preset"]);
    expect((error as ScenarioError).issues.find((i) => i.field === "chain.preset")!.problem).toMatch(/ethereum-l1.*l2-rollup.*app-chain/);
  });
});

describe("break-even across two chain runs", () => {
  it("the market's cost per completed task is under the centralised one's below the reported break-even, and over it above", () => {
    const dir = tempDir("break-even");
    const base = parse(readFileSync(fixture("small-outage.yaml"), "utf8")) as Record<string, unknown>;
    const run = (name: string, gasPriceGwei: number) => {
      const file = join(dir, `${name}.yaml`);
      writeFileSync(file, stringify({ ...base, chain: { preset: "ethereum-l1", gasPriceGwei } }));
      const result = bidmesh(["simulate", "--scenario", file, "--out", join(dir, name)]);
      expect(result.stderr).toBe("");
      return JSON.parse(readFileSync(join(dir, name, "metrics.json"), "utf8")) as { economics: ReturnType<typeof runEconomics>; systems: Record<string, SystemMetrics> };
    };
    const first = run("first", 1);
    const breakEven = first.economics.breakEvenGasPriceGwei.centralized!;
    expect(breakEven).toBeGreaterThan(0);
    const centralized = first.economics.systems.centralized.costPerCompletedTaskUsd!;
    const below = run("below", breakEven * 0.9);
    const above = run("above", breakEven * 1.1);
    // The same behaviour (gas prices change no outcome), priced either side.
    expect(below.systems["market"]!.gasUsed).toBe(first.systems["market"]!.gasUsed);
    expect(above.systems["market"]!.gasUsed).toBe(first.systems["market"]!.gasUsed);
    expect(below.economics.systems.market.costPerCompletedTaskUsd!).toBeLessThan(centralized);
    expect(above.economics.systems.market.costPerCompletedTaskUsd!).toBeGreaterThan(centralized);
    expect(below.economics.breakEvenGasPriceGwei.centralized).toBeCloseTo(breakEven, 6);
  }, 120_000);
});

