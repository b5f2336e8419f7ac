// One run of an experiment: an arm's scenario with one seed, through the same simulate() as
// `bidmesh simulate` (the market and both baselines on one workload and failure timeline),
// reduced to its scalar metrics (and, when asked, one row per task). What a worker thread or a
// queue worker executes; the request and the result are plain data.
import { parseScenario } from "../scenario/load.js";
import { simulate, type SimulationResult } from "../run/simulate.js";
import { SYSTEM_KEYS, type SystemKey } from "../report/types.js";
import { scalarMetrics } from "./scalar-metrics.js";
import type { RunRequest, RunResult, TaskRow } from "./types.js";

const discard = () => undefined;

/**
 * Runs one (arm, seed). Never throws: a run that fails (a scenario that fails at run time, a
 * chain error) comes back as `ok: false` with its message, so the experiment goes on.
 */
export async function runExperimentRun(request: RunRequest): Promise<RunResult> {
  const { arm, seed } = request;
  try {
    const scenario = { ...parseScenario(request.scenario, `arm ${arm}`), seed };
    // The trace and chain log are not kept: an experiment keeps figures, not histories.
    const result = await simulate({ scenario, ledger: request.ledger, trace: discard, chainLog: discard });
    const { economics } = result.metrics;
    const systems = Object.fromEntries(
      SYSTEM_KEYS.map((key) => [key, scalarMetrics(result.metrics.systems[key], economics.systems[key], key === "market" ? economics.breakEvenGasPriceGwei : null)]),
    ) as Record<SystemKey, Record<string, number | null>>;
    return request.tasks ? { arm, seed, ok: true, systems, tasks: taskRows(result) } : { arm, seed, ok: true, systems };
  } catch (error) {
    return { arm, seed, ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}

/** Every task's outcome in each system, in workload order. */
function taskRows(result: SimulationResult): TaskRow[] {
  const rows: TaskRow[] = [];
  for (const system of SYSTEM_KEYS) {
    result.outcomes[system].forEach((o, i) => {
      const task = result.tasks[i]!;
      const latency = o.completedAt === undefined ? null : o.completedAt - task.arrival;
      rows.push({
        system,
        task: task.id,
        arrivalMs: task.arrival,
        region: task.region,
        sizeMs: task.size,
        winner: o.completedBy ?? null,
        priceWei: o.price === undefined ? null : o.price.toString(),
        latencyMs: latency,
        reroutes: o.reroutes,
        outcome: latency === null ? (o.refunded === true ? "refunded" : "unfinished") : latency <= task.deadline ? "on-time" : "late",
      });
    });
  }
  return rows;
}
