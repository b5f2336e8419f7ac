// One swarm run: the market of a scenario on a ledger, set up exactly as sim/run/simulate.ts sets
// it up (same workload, failure timeline and random streams), but with a horizon long enough
// for every task to settle after the last fault, and with every block's result handed to the
// caller, so the money on the memory ledger can be checked block by block.
import { RandomStream } from "../../sim/engine/rng.js";
import type { BlockResult, Ledger } from "../../sim/protocol/ledger.js";
import type { TraceRecord } from "../../sim/market/market-types.js";
import { runMarket } from "../../sim/market/run-market.js";
import type { MetricsCollector } from "../../sim/metrics/collector.js";
import { buildFailureTimeline } from "../../sim/model/failures.js";
import { generateWorkload } from "../../sim/model/workload.js";
import { SIM_EPOCH } from "../../sim/run/simulate.js";
import type { Scenario } from "../../sim/scenario/schema.js";
import { settleBound } from "./swarm-scenario.js";

export interface SwarmRun {
  trace: TraceRecord[];
  metrics: MetricsCollector;
  /** Workload tasks (the metrics follow them). */
  taskCount: number;
  /** When the last provider fault ended (ms): the last provider transition of the timeline. */
  faultsEnd: number;
  /** How long a task may take to end after max(faultsEnd, its arrival) (ms). */
  settleBound: number;
  horizon: number;
}

/**
 * Runs the market of `scenario` on `ledger` (closed afterwards). `onBlock` sees each committed
 * block before the market applies it.
 */
export async function runSwarmMarket(
  scenario: Scenario,
  ledger: Ledger,
  options: { baseTimestamp?: number; onBlock?: (result: BlockResult) => void } = {},
): Promise<SwarmRun> {
  const root = RandomStream.root(scenario.seed);
  const tasks = generateWorkload(scenario, root.fork("workload"));
  const timeline = buildFailureTimeline(scenario, root);
  const providerNodes = new Set(timeline.nodes.filter((n) => n.kind === "provider").map((n) => n.id));
  const faultsEnd = Math.max(0, ...timeline.transitions().filter((t) => providerNodes.has(t.nodeId)).map((t) => t.time));
  const bound = settleBound(scenario);
  // Past the last arrival and the last fault by more than the settle bound: a run that stops at
  // the horizon with work unfinished has broken the bound.
  const horizon = Math.max(scenario.duration, faultsEnd) + bound + scenario.blockInterval;
  const trace: TraceRecord[] = [];
  const observed: Ledger = {
    kind: ledger.kind,
    config: ledger.config,
    commitBlock: async (timestamp, actions) => {
      const result = await ledger.commitBlock(timestamp, actions);
      options.onBlock?.(result);
      return result;
    },
    close: () => ledger.close(),
  };
  let metrics: MetricsCollector;
  try {
    metrics = await runMarket({
      scenario,
      tasks,
      timeline,
      ledger: observed,
      baseTimestamp: options.baseTimestamp ?? SIM_EPOCH,
      horizon,
      rng: root.fork("market"),
      trace: (record) => trace.push(record),
    });
  } finally {
    await ledger.close();
  }
  return { trace, metrics, taskCount: tasks.length, faultsEnd, settleBound: bound, horizon };
}
