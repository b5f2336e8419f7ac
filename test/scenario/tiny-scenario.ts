import { parseScenario } from "../../sim/scenario/load.js";
import type { Scenario } from "../../sim/scenario/schema.js";

// A small valid scenario file, as data, for tests to bend one field at a time.

export type ScenarioData = Record<string, any>;

/** Two regions, one provider group of two in r1, a light workload, both baselines. */
export function tinyData(): ScenarioData {
  return {
    name: "tiny",
    description: "a tiny scenario for tests",
    duration: "2h",
    regions: ["r1", "r2"],
    providers: [{ group: "a", count: 2, region: "r1", costPerSecond: "0.000001", strategy: { kind: "cost-plus", markup: 0.1 } }],
    workload: {
      arrivals: { ratePerMinute: 1 },
      taskSize: { median: "1m", max: "5m" },
      maxPricePerSecond: "0.00001",
      deadline: "10m",
    },
    market: { bidWindow: "10s" },
    baselines: {
      centralized: { region: "r1", capacity: 4, pricePerSecond: "0.00001" },
      multiCloud: {
        primary: { region: "r1", capacity: 4, pricePerSecond: "0.00001" },
        failover: { region: "r2", capacity: 2, pricePerSecond: "0.000012" },
        detectionDelay: "1m",
      },
    },
  };
}

/** The tiny scenario with `edit` applied to its data, parsed. */
export function tinyScenario(edit: (data: ScenarioData) => void = () => undefined): Scenario {
  const data = tinyData();
  edit(data);
  return parseScenario(data, "tiny");
}
