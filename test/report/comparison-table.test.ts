import { describe, expect, it } from "vitest";
import { resolveChainCost } from "../../sim/economics/chain-cost.js";
import { runEconomics } from "../../sim/economics/run-economics.js";
import { systemMetrics } from "../helpers/system-metrics.js";
import { comparisonRows, formatComparisonTable, formatCount, formatDuration, formatEth, formatPercent } from "../../sim/report/comparison-table.js";
import type { RunMetrics } from "../../sim/report/types.js";

const system = systemMetrics;

const systems: RunMetrics["systems"] = {
    market: system({
      tasksPosted: 3,
      tasksCompleted: 2,
      tasksRefunded: 1,
      completionRate: 2 / 3,
      onTimeRate: 0.5,
      latencyMs: { p50: 850, p95: 12_340, p99: 95_000, mean: 20_000 },
      pricePerCompletedTaskWei: "1234567890000000",
      pricePerOnTimeTaskWei: "2469135780000000",
      computeSecondsLost: 1_234,
      reroutes: 2,
      reroutesByReason: { deadlineMissed: 1, abandoned: 1, failover: 0 },
      reauctions: 1,
      slashes: 2,
      gasUsed: "1000000",
      gasPerCompletedTask: "512345",
    }),
    centralized: system({
      tasksPosted: 3,
      tasksCompleted: 0,
      tasksUnfinished: 3,
      completionRate: 0,
      onTimeRate: 0,
      latencyMs: { p50: null, p95: null, p99: null, mean: null },
      pricePerCompletedTaskWei: null,
      pricePerOnTimeTaskWei: null,
      totalPaidWei: "0",
    }),
    multiCloud: system({
      tasksPosted: 3,
      tasksCompleted: 3,
      completionRate: 1,
      onTimeRate: 0.999,
      latencyMs: { p50: 59_999, p95: 3_600_000, p99: 54_720_000, mean: 1 },
      pricePerCompletedTaskWei: "2000000000000000000",
      computeSecondsLost: 45,
    }),
};
const metrics: RunMetrics = { scenario: "tiny", seed: 7, ledger: "chain", systems, economics: runEconomics(systems, resolveChainCost({ preset: "l2-rollup" })) };

describe("formatComparisonTable", () => {
  it("lays out the systems as aligned columns, with n/a for nulls", () => {
    expect(formatComparisonTable(metrics)).toBe(
      [
        "                                market  centralized  multi-cloud",
        "----------------------------------------------------------------",
        "tasks posted                         3            3            3",
        "completed                            2            0            3",
        "refunded                             1            0            0",
        "unfinished                           0            3            0",
        "completion rate                  66.7%         0.0%       100.0%",
        "on time                          50.0%         0.0%        99.9%",
        "latency p50                     850 ms          n/a        1 min",
        "latency p95                     12.3 s          n/a          1 h",
        "latency p99                   1.58 min          n/a       15.2 h",
        "price per completed task  0.001235 ETH          n/a        2 ETH",
        "price per on-time task    0.002469 ETH          n/a    0.001 ETH",
        "cost per completed task         $15.50          n/a       $10.33",
        "cost per on-time task           $15.50          n/a       $10.33",
        "  reserved, left idle              n/a          n/a           $0",
        "compute lost                   1,234 s          0 s         45 s",
        "reroutes                             2            0            0",
        "  missed deadline                    1            0            0",
        "  abandoned                          1            0            0",
        "  failover                           0            0            0",
        "re-auctions                          1            0            0",
        "slashes                              2            0            0",
        "gas per completed task         512,345          n/a          n/a",
        "  sent by posters                  n/a          n/a          n/a",
        "  sent by providers                n/a          n/a          n/a",
        "  sent by keepers                  n/a          n/a          n/a",
        "  all parties, in USD              n/a          n/a          n/a",
        "break-even (centralized)           n/a          n/a          n/a",
        "break-even (multi-cloud)           n/a          n/a          n/a",
      ].join("\n"),
    );
  });

  it("uses no colours or tabs, and every line is as wide as the rule or narrower", () => {
    const table = formatComparisonTable(metrics);
    expect(table).not.toMatch(/\x1b|\t/);
    const lines = table.split("\n");
    const width = lines[1]!.length;
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(width);
  });

  it("shares its rows with the HTML report", () => {
    const rows = comparisonRows(metrics);
    expect(rows.map((r) => r.label)).toContain("gas per completed task");
    expect(rows.find((r) => r.label === "price per completed task")?.values).toEqual(["0.001235 ETH", "n/a", "2 ETH"]);
  });
});

describe("formatDuration", () => {
  it.each([
    [0, "0 ms"],
    [999.4, "999 ms"],
    [999.6, "1 s"],
    [1_000, "1 s"],
    [1_500, "1.5 s"],
    [12_345, "12.3 s"],
    [59_999, "1 min"],
    [90_000, "1.5 min"],
    [3_599_999, "1 h"],
    [5_400_000, "1.5 h"],
    [-2_500, "-2.5 s"],
  ])("%d ms is %s", (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it("is n/a for null and non-finite values", () => {
    expect(formatDuration(null)).toBe("n/a");
    expect(formatDuration(Number.NaN)).toBe("n/a");
  });
});

describe("formatEth", () => {
  it.each([
    ["0", "0 ETH"],
    ["1000000000000000000", "1 ETH"],
    ["350000000000000000", "0.35 ETH"],
    ["1234567890000000", "0.001235 ETH"],
    ["999999000000000000", "1 ETH"],
    ["1", "0.000000000000000001 ETH"],
    ["123456789000000000000", "123.5 ETH"],
  ])("%s wei is %s", (wei, text) => {
    expect(formatEth(wei)).toBe(text);
  });

  it("takes bigints, other precisions and null", () => {
    expect(formatEth(1_234_567_890_000_000n, 2)).toBe("0.0012 ETH");
    expect(formatEth(-5n * 10n ** 17n)).toBe("-0.5 ETH");
    expect(formatEth(null)).toBe("n/a");
  });
});

describe("formatCount and formatPercent", () => {
  it("groups thousands and rounds shares to one decimal", () => {
    expect(formatCount(0)).toBe("0");
    expect(formatCount(1_234_567)).toBe("1,234,567");
    expect(formatCount("98765432109876543210")).toBe("98,765,432,109,876,543,210");
    expect(formatCount(-1_000)).toBe("-1,000");
    expect(formatCount(null)).toBe("n/a");
    expect(formatPercent(0.9534)).toBe("95.3%");
    expect(formatPercent(1)).toBe("100.0%");
    expect(formatPercent(null)).toBe("n/a");
  });
});
