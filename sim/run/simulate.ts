import { runCentralized, runMultiCloud } from "../baselines/baselines.js";
import { RandomStream } from "../engine/rng.js";
import { openLedger } from "../ledger/open-ledger.js";
import type { ChainBlockRecord, Ledger } from "../protocol/ledger.js";
import type { MarketProgress, TraceRecord } from "../market/market-types.js";
import { providerNodes } from "../market/provider-nodes.js";
import { runMarket } from "../market/run-market.js";
import { buildFailureTimeline, onlineCapacityShares } from "../model/failures.js";
import { generateWorkload, type WorkloadTask } from "../model/workload.js";
import type { TaskOutcome } from "../metrics/collector.js";
import { baselineBilling } from "../economics/baseline-billing.js";
import { runEconomics } from "../economics/run-economics.js";
import type { ReportInput, RunMetrics, SystemKey } from "../report/types.js";
import { toMarketConfig, type Scenario } from "../scenario/schema.js";

/**
 * Chain time (s) of simulated time 0: one hour after the embedded chain's genesis
 * (2025-10-20T00:00:00Z), so the memory ledger and the chain ledger stamp the same times.
 */
export const SIM_EPOCH = 1_760_918_400 + 3_600;

export interface SimulateOptions {
  scenario: Scenario;
  ledger: "chain" | "memory";
  /** JSON-RPC URL for the chain ledger; the embedded chain when absent. */
  rpcUrl?: string;
  onProgress?: (progress: MarketProgress) => void;
  /** Where trace records go; by default they are collected into `result.trace`. */
  trace?: (record: TraceRecord) => void;
  /** Where raw chain blocks go; by default they are collected into `result.chainLog`. */
  chainLog?: (block: ChainBlockRecord) => void;
  /**
   * What the report's reproduce command passes as `--scenario`: the file a person can run it
   * with (for a scenario file, its copy in the run folder). By default the scenario's name,
   * which is right for a built-in.
   */
  scenarioArg?: string;
}

/** Everything a run produces, before it is written out. */
export interface SimulationResult {
  metrics: RunMetrics;
  /** The trace, unless a `trace` sink was given. */
  trace: TraceRecord[];
  report: ReportInput;
  /** Chain timestamp (s) of simulated time 0. */
  baseTimestamp: number;
  /** Hash of the last block (chain ledger only). */
  finalBlockHash: string | null;
  /** Every block of the chain ledger, raw, unless a `chainLog` sink was given (empty for memory). */
  chainLog: ChainBlockRecord[];
  /** The market contract and its deployment block (chain ledger only), for `audit` and `ledger`. */
  chain: { rpcUrl: string | null; marketAddress: string; deployBlock: number } | null;
  /** Every provider's account, with its node name, group and region, in scenario order. */
  providers: ProviderDirectory;
  /** The workload, and each system's outcome of every task in it (same order). */
  tasks: readonly WorkloadTask[];
  outcomes: Record<SystemKey, readonly Readonly<TaskOutcome>[]>;
}

/** Provider accounts by address: which node of which group each one is. */
export type ProviderDirectory = Record<string, { node: string; group: string; region: string }>;

/**
 * Runs the market and both baselines on one workload and one failure timeline, all drawn
 * from the scenario's seed.
 */
export async function simulate(options: SimulateOptions): Promise<SimulationResult> {
  const { scenario } = options;
  const root = RandomStream.root(scenario.seed);
  const tasks = generateWorkload(scenario, root.fork("workload"));
  const timeline = buildFailureTimeline(scenario, root);
  // Blocks keep going after the last arrival until every task ends, within this horizon.
  const horizon = scenario.duration + 2 * scenario.workload.deadline;

  const trace: TraceRecord[] = [];
  const traceSink = options.trace ?? ((record: TraceRecord) => trace.push(record));
  // A simulation always deploys a new market, on an RPC node too (no registry).
  const opened = await openLedger(
    options.ledger === "memory"
      ? { ledger: "memory", config: toMarketConfig(scenario) }
      : { ledger: "chain", config: toMarketConfig(scenario), startTimestamp: SIM_EPOCH, chain: { rpcUrl: options.rpcUrl } },
  );
  const ledger: Ledger = opened.ledger;
  let baseTimestamp = SIM_EPOCH;
  let chainInfo: SimulationResult["chain"] = null;
  if (opened.kind !== "memory") {
    baseTimestamp = opened.ledger.startTimestamp;
    chainInfo = { rpcUrl: options.rpcUrl ?? null, marketAddress: opened.ledger.marketAddress, deployBlock: opened.ledger.deployBlock };
  }

  const chainLog: ChainBlockRecord[] = [];
  let lastHash: string | null = null;
  let market;
  try {
    market = await runMarket({
      scenario,
      tasks,
      timeline,
      ledger: recordBlocks(ledger, (raw) => {
        if (options.chainLog === undefined) chainLog.push(raw);
        else options.chainLog(raw);
        lastHash = raw.hash;
      }),
      baseTimestamp,
      horizon,
      rng: root.fork("market"),
      trace: traceSink,
      onProgress: options.onProgress,
    });
  } finally {
    await ledger.close();
  }
  const centralized = runCentralized(scenario, tasks, timeline, horizon);
  const multiCloud = runMultiCloud(scenario, tasks, timeline, horizon);

  const summary = { duration: scenario.duration, bucket: scenario.metricsBucket };
  const systems = { market: market.summarize(summary), centralized: centralized.summarize(summary), multiCloud: multiCloud.summarize(summary) };
  const metrics: RunMetrics = {
    scenario: scenario.name,
    seed: scenario.seed,
    ledger: options.ledger,
    systems,
    economics: runEconomics(systems, scenario.chain, baselineBilling(scenario)),
  };
  const reroutes = [market, centralized, multiCloud].flatMap((c) => c.rerouteLog.map((r) => ({ ...r, system: c.system })));
  return {
    metrics,
    trace,
    chainLog,
    tasks,
    outcomes: { market: market.taskOutcomes(), centralized: centralized.taskOutcomes(), multiCloud: multiCloud.taskOutcomes() },
    baseTimestamp,
    finalBlockHash: lastHash,
    chain: chainInfo,
    providers: Object.fromEntries(providerNodes(scenario).map((p) => [p.address, { node: p.node, group: p.group.group, region: p.group.region }])),
    report: {
      metrics,
      description: scenario.description,
      source: scenario.source,
      durationMs: scenario.duration,
      bucketMs: scenario.metricsBucket,
      outages: timeline.outageWindows().map((w) => ({
        name: w.name,
        start: w.start,
        end: w.end,
        hardDownEnd: w.hardDownEnd,
        recoverySteps: w.recoverySteps,
        scope: describeScope(w.scope),
      })),
      onlineCapacity: onlineCapacityShares(scenario, timeline, scenario.metricsBucket),
      reroutes,
      finalBlockHash: lastHash,
      generatedBy: reproduceCommand(options.scenarioArg ?? scenario.name, scenario.seed, options.ledger),
    },
  };
}

/** The command that runs the same scenario and seed on the same kind of ledger again. */
export function reproduceCommand(scenarioArg: string, seed: number, ledger: "chain" | "memory"): string {
  return `bidmesh simulate --scenario ${shellWord(scenarioArg)} --seed ${seed} --ledger ${ledger}`;
}

/** `word` as a POSIX shell reads it back: as is when it is plain, single-quoted otherwise. */
export function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

function describeScope(scope: unknown): string {
  if (typeof scope === "string") return scope;
  return Object.entries(scope as Record<string, unknown>)
    .map(([k, v]) => `${k} ${Array.isArray(v) ? v.join(", ") : String(v)}`)
    .join("; ");
}

/** Blocks between two turns of the event loop (see `recordBlocks`). */
const BLOCKS_PER_TURN = 64;

/**
 * Passes blocks through, handing each raw chain block to `onBlock`. Every few blocks it lets
 * the event loop turn: the memory ledger resolves at once, and without it a run would hold the
 * loop to its end, so Ctrl-C (a signal handler) could not stop it. Outcomes do not change.
 */
function recordBlocks(ledger: Ledger, onBlock: (raw: ChainBlockRecord) => void): Ledger {
  let blocks = 0;
  return {
    kind: ledger.kind,
    config: ledger.config,
    commitBlock: async (timestamp, actions) => {
      const result = await ledger.commitBlock(timestamp, actions);
      if (result.raw !== undefined) onBlock(result.raw);
      blocks += 1;
      if (blocks % BLOCKS_PER_TURN === 0) await new Promise((resolve) => setImmediate(resolve));
      return result;
    },
    close: () => ledger.close(),
  };
}
