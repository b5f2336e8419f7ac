import type { RunEconomics } from "../economics/run-economics.js";
import type { SystemMetrics } from "../metrics/collector.js";

/** The three systems every run compares, in the order the report shows them. */
export const SYSTEM_KEYS = ["market", "centralized", "multiCloud"] as const;
export type SystemKey = (typeof SYSTEM_KEYS)[number];

/** How the report names each system. */
export const SYSTEM_LABELS: Readonly<Record<SystemKey, string>> = {
  market: "market",
  centralized: "centralized",
  multiCloud: "multi-cloud",
};

/** metrics.json: one run, the market and both baselines on the same workload and failures. */
export interface RunMetrics {
  scenario: string;
  seed: number;
  ledger: "chain" | "memory";
  systems: { market: SystemMetrics; centralized: SystemMetrics; multiCloud: SystemMetrics };
  /** The same runs' money in USD at the scenario's chain costs (sim/economics/run-economics.ts). */
  economics: RunEconomics;
}

/** One reroute, for the report's timeline. */
export interface RerouteRecord {
  time: number;
  task: number;
  from: string;
  to: string | null;
  /**
   * Which system rerouted ("market", "centralized", "multiCloud"). Optional: when absent the
   * report infers it from the node id (the baselines' nodes are "centralized" and "multiCloud.*").
   */
  system?: string;
}

/** One outage window, for the report's table and the shading of its time charts. */
export interface ReportOutage {
  name: string;
  start: number;
  /** When its capacity is fully back (the end of the recovery; hardDownEnd without one). */
  end: number;
  /** End of the hard-down part (start + duration): the nodes are fully down over [start, hardDownEnd). */
  hardDownEnd: number;
  /** Times the recovery steps come (ascending, the last is `end`); empty when there is no recovery. */
  recoverySteps: number[];
  scope: string;
}

/** Everything report.html is drawn from. */
export interface ReportInput {
  metrics: RunMetrics;
  description: string;
  source: string;
  /** Simulated duration of the workload (ms). */
  durationMs: number;
  /** Width of the metrics buckets (ms). */
  bucketMs: number;
  outages: ReportOutage[];
  /**
   * Each system's share (0..1) of its capacity online per metrics bucket (the same buckets as
   * `availability`): the bucket's time-weighted mean, nodes weighted by their capacity.
   */
  onlineCapacity: Record<SystemKey, number[]>;
  reroutes: RerouteRecord[];
  finalBlockHash: string | null;
  /** The command that produced the run, e.g. "bidmesh simulate --scenario X --seed N". */
  generatedBy: string;
}
