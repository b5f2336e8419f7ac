import type { z } from "zod";
import { formatDuration } from "./duration.js";

// How much a scenario may ask of the machine, in one place for the CLI and the API (both parse
// with ScenarioSchema, which applies these). A run on one machine (2 cores, 24 GB shared) must
// be able to honour every scenario that validates: each count and size that makes the
// simulator allocate or loop has a bound, either on its field (posters, a group's count, list
// and string lengths) or on what it implies (tasks from rate × duration, blocks from horizon ÷
// block interval, metric buckets, failure intervals). The figures leave the built-ins, the test
// fixtures and the benchmark (test/bench/scenarios/market-scale.yaml: 1,000 providers, ~130,000
// expected tasks, 9,001 blocks) well inside. What a run produces follows from them: the trace
// and the chain log grow with tasks and blocks, the metrics with buckets and tasks.

export const SCENARIO_LIMITS = {
  /** Poster accounts: the market builds an address for each. */
  posters: 10_000,
  /** Providers in one group, and over all groups: each is an agent, an account and a failure timeline. */
  providers: 5_000,
  providerGroups: 1_000,
  /** Tasks the workload is expected to post (rate at its diurnal peak × duration, plus bursts). */
  tasks: 250_000,
  /** Candidate arrivals the workload draws (its peak rate × duration) before thinning to the rate. */
  arrivalDraws: 5_000_000,
  /** Blocks the run may mine: its horizon (duration + 2 × deadline) ÷ blockInterval. */
  blocks: 500_000,
  /** Availability buckets per system: duration ÷ metricsBucket. */
  buckets: 10_000,
  /** Down intervals over every node: crashes (duration ÷ (mtbf + mttr) per provider), flapping cycles, recovery steps. */
  failureIntervals: 1_000_000,
  /** Longest run (ms): a year of simulated time. */
  durationMs: 365 * 86_400_000,
  /** Largest task (compute-ms): with executionSlack ≤ 100 its on-chain budget stays a uint32 of seconds. */
  taskSizeMs: 365 * 86_400_000,
  executionSlack: 100,
  burstMultiplier: 1_000,
  recoverySteps: 10_000,
  /** List lengths. */
  regions: 64,
  dependsOn: 32,
  bursts: 1_000,
  outages: 1_000,
  scopeProviders: 1_000,
  /** String lengths, in characters. */
  nameLength: 100,
  descriptionLength: 2_000,
  sourceLength: 10_000,
  /** The chain section's figures: far above any seen (docs/pricing.md), below where USD sums lose meaning. */
  gasPriceGwei: 10_000,
  ethUsd: 1_000_000,
  l1DataFeeUsdPerTx: 100,
  /** Compute prices in USD per GPU-hour (docs/pricing.md: $0.70 to $12.29). */
  usdPerGpuHour: 1_000_000,
} as const;

/**
 * Tighter bounds for background runs in the server (server/simulation-schemas.ts), by ledger, so
 * that one request cannot hold the single worker slot for hours: the built-ins are far inside
 * the chain's (the largest, steady, mines at most 1,800 blocks for about 340 tasks in about 5 s).
 */
export const LEDGER_RUN_LIMITS = {
  chain: { blocks: 20_000, tasks: 10_000, providers: 500 },
  memory: { blocks: 200_000, tasks: 100_000, providers: 2_000 },
} as const;

/** A count as the messages write it: 10,000. */
export function formatCount(n: number): string {
  return Number.isFinite(n) ? n.toLocaleString("en") : String(n);
}

/** The error of a field over its bound, naming the bound: "must be at most 10,000 (a limit of bidmesh runs), got 1000000000". */
export function atMost(max: number, unit = "") {
  return {
    error: (issue: { input?: unknown }) => {
      const got = Array.isArray(issue.input) ? issue.input.length : typeof issue.input === "string" ? issue.input.length : issue.input;
      return `must be at most ${formatCount(max)}${unit} (the scenario limit), got ${formatCount(Number(got))}`;
    },
  };
}

/** The part of a parsed scenario the estimates read (kept structural so both schema stages fit). */
export interface ScenarioShape {
  duration: number;
  blockInterval: number;
  metricsBucket?: number | undefined;
  providers: ReadonlyArray<{ group: string; count: number; region: string; dependsOn: readonly string[]; mtbf?: number | undefined; mttr?: number | undefined }>;
  workload: {
    deadline: number;
    arrivals: { ratePerMinute: number; diurnal?: { amplitude: number } | undefined; bursts: ReadonlyArray<{ duration: number; multiplier: number }> };
  };
  failures: {
    crashes: boolean;
    outages: ReadonlyArray<{
      scope: { region: string } | { dependency: string } | { providers: readonly string[] };
      recovery?: { steps: number } | undefined;
      flapping?: { period: number; for: number } | undefined;
    }>;
  };
  baselines: {
    centralized: { region: string; dependsOn: readonly string[] };
    multiCloud: { primary: { region: string; dependsOn: readonly string[] }; failover: { region: string; dependsOn: readonly string[] } };
  };
}

/** Simulated ms the run may last: blocks go on after the last arrival until every task ends, within this (as sim/run/simulate.ts). */
export function simulationHorizon(scenario: Pick<ScenarioShape, "duration" | "workload">): number {
  return scenario.duration + 2 * scenario.workload.deadline;
}

/** The most blocks a run may mine. */
export function maxBlocks(scenario: Pick<ScenarioShape, "duration" | "workload" | "blockInterval">): number {
  return Math.floor(simulationHorizon(scenario) / scenario.blockInterval) + 1;
}

/** The tasks a run is expected to post, at the diurnal peak (an upper estimate of the mean). */
export function estimatedTasks(scenario: Pick<ScenarioShape, "duration" | "workload">): number {
  const { arrivals } = scenario.workload;
  const peak = 1 + (arrivals.diurnal?.amplitude ?? 0);
  const burstMs = arrivals.bursts.reduce((sum, b) => sum + b.duration * Math.max(0, b.multiplier - 1), 0);
  return Math.ceil((arrivals.ratePerMinute * peak * (scenario.duration + burstMs)) / 60_000);
}

/** Candidate arrivals the workload draws: it thins a Poisson process at the peak rate (sim/model/workload.ts). */
export function arrivalDraws(scenario: Pick<ScenarioShape, "duration" | "workload">): number {
  const { arrivals } = scenario.workload;
  const peakBurst = Math.max(1, ...arrivals.bursts.map((b) => b.multiplier));
  return Math.ceil((arrivals.ratePerMinute * (1 + (arrivals.diurnal?.amplitude ?? 0)) * peakBurst * scenario.duration) / 60_000);
}

/** Availability buckets per system (sim/metrics/collector.ts). */
export function metricBuckets(scenario: Pick<ScenarioShape, "duration" | "metricsBucket">, bucket = scenario.metricsBucket): number {
  return bucket === undefined ? 0 : Math.max(1, Math.ceil(scenario.duration / bucket));
}

/**
 * An estimate of the down intervals the failure timeline holds (sim/model/failures.ts), by the
 * field that makes them: each crashing group's expected crashes (count × duration ÷ (mtbf +
 * mttr)), each outage's flapping cycles (and hard-down stretch) for every node it affects, and
 * its recovery steps for every baseline site it affects.
 */
export function failureIntervalSources(scenario: ScenarioShape): Array<{ path: PropertyKey[]; intervals: number }> {
  const out: Array<{ path: PropertyKey[]; intervals: number }> = [];
  if (scenario.failures.crashes) {
    scenario.providers.forEach((g, i) => {
      if (g.mtbf !== undefined && g.mttr !== undefined) {
        out.push({ path: ["providers", i, "mtbf"], intervals: g.count * Math.ceil(scenario.duration / Math.max(2, g.mtbf + g.mttr)) });
      }
    });
  }
  const { centralized, multiCloud } = scenario.baselines;
  const sites = [centralized, multiCloud.primary, multiCloud.failover];
  scenario.failures.outages.forEach((outage, i) => {
    const scope = outage.scope;
    const covers = (node: { region: string; dependsOn: readonly string[]; group?: string }) => {
      if ("region" in scope) return node.region === scope.region;
      if ("dependency" in scope) return node.dependsOn.includes(scope.dependency);
      return node.group !== undefined && scope.providers.includes(node.group);
    };
    const nodes = scenario.providers.filter((g) => covers(g)).reduce((n, g) => n + g.count, 0) + sites.filter((site) => covers(site)).length;
    const cycles = outage.flapping === undefined ? 0 : Math.ceil(outage.flapping.for / outage.flapping.period);
    out.push({ path: ["failures", "outages", i, ...(outage.flapping === undefined ? [] : ["flapping", "period"])], intervals: nodes * (cycles + 1) });
    const baselines = sites.filter((site) => covers(site)).length;
    if (outage.recovery !== undefined && baselines > 0) out.push({ path: ["failures", "outages", i, "recovery", "steps"], intervals: baselines * outage.recovery.steps });
  });
  return out;
}

/** The down intervals over every node, estimated (see failureIntervalSources). */
export function estimatedFailureIntervals(scenario: ScenarioShape): number {
  return failureIntervalSources(scenario).reduce((n, source) => n + source.intervals, 0);
}

/**
 * The checks on what a scenario implies, each reported at the field to change, naming the
 * figure and the bound. Runs after the fields parsed; an estimate over a field that failed
 * (NaN) is not reported twice.
 */
export function checkScenarioLimits(s: ScenarioShape, ctx: z.RefinementCtx, bucket = s.metricsBucket): void {
  const L = SCENARIO_LIMITS;
  /** `figure` reads "<how> makes N <noun>"; reported only when N is over `max`. */
  const over = (path: PropertyKey[], value: number, max: number, figure: (n: string) => string, hint: string) => {
    if (value > max) ctx.addIssue({ code: "custom", path, message: `${figure(formatCount(value))}, over the limit of ${formatCount(max)}: ${hint}` });
  };
  const providers = s.providers.reduce((n, g) => n + g.count, 0);
  over(["providers"], providers, L.providers, (n) => `the groups' counts add up to ${n} providers`, "use fewer providers");
  over(
    ["blockInterval"],
    maxBlocks(s),
    L.blocks,
    (n) => `(duration ${formatDuration(s.duration)} + 2 × workload.deadline ${formatDuration(s.workload.deadline)}) ÷ blockInterval ${formatDuration(s.blockInterval)} is up to ${n} blocks`,
    "lengthen blockInterval, or shorten duration or workload.deadline",
  );
  const tasks = estimatedTasks(s);
  over(["workload", "arrivals", "ratePerMinute"], tasks, L.tasks, (n) => `the workload would post about ${n} tasks (ratePerMinute at the diurnal peak × duration, plus bursts)`, "lower the arrival rate or shorten duration");
  const bursts = s.workload.arrivals.bursts;
  if (bursts.length > 0 && !(tasks > L.tasks)) {
    const highest = bursts.reduce((best, b, i) => (b.multiplier > bursts[best]!.multiplier ? i : best), 0);
    over(
      ["workload", "arrivals", "bursts", highest, "multiplier"],
      arrivalDraws(s),
      L.arrivalDraws,
      (n) => `the workload draws candidate arrivals at its highest burst's rate over the whole run: ${n} draws`,
      "lower the multiplier or the arrival rate",
    );
  }
  if (bucket !== undefined) {
    over(["metricsBucket"], metricBuckets(s, bucket), L.buckets, (n) => `duration ${formatDuration(s.duration)} ÷ metricsBucket ${formatDuration(bucket)} is ${n} buckets`, "lengthen metricsBucket");
  }
  const sources = failureIntervalSources(s);
  if (sources.length > 0) {
    const largest = sources.reduce((best, source) => (source.intervals > best.intervals ? source : best));
    over(
      largest.path,
      sources.reduce((n, source) => n + source.intervals, 0),
      L.failureIntervals,
      (n) => `crashes (count × duration ÷ (mtbf + mttr) per group), flapping cycles and recovery steps make about ${n} failure intervals, most of them from here`,
      "lengthen mtbf and mttr or flapping.period, or use fewer recovery steps",
    );
  }
}
