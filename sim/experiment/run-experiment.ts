// The coordinator: which runs an experiment still needs, handing them to an executor, and (with
// a target interval width) adding seeds until every summarised metric's interval is that narrow.
// Results are kept by (arm, seed) whatever order they arrive in, so the outputs do not depend on
// what ran them.
import type { RunExecutor } from "./executor.js";
import { runKey } from "./experiment-folder.js";
import type { ExperimentPlan } from "./plan.js";
import { widestHalfWidth } from "./summarize.js";
import type { RunRequest, RunResult } from "./types.js";

export interface ExperimentProgress {
  done: number;
  total: number;
  failed: number;
  /** Runs done per arm, by arm index. */
  perArm: number[];
  seeds: number;
}

export interface RunExperimentOptions {
  plan: ExperimentPlan;
  executor: RunExecutor;
  /** Ask for per-task rows (tasks.parquet). */
  tasks: boolean;
  /** Results from an earlier, stopped coordinator (by runKey); failed ones are run again. */
  known?: ReadonlyMap<string, RunResult>;
  /** Called once per new result, before progress (the journal appends it). */
  onResult?: (result: RunResult) => void;
  onProgress?: (progress: ExperimentProgress) => void;
  signal?: AbortSignal;
  /** Add seeds (to every arm, keeping common random numbers) until the widest half-width is at most `width`. */
  targetCi?: { width: number; maxSeeds: number };
}

export interface ExperimentRuns {
  /** The seeds every arm ran, in order. */
  seeds: number[];
  /** One result per (arm, seed), by runKey. */
  results: Map<string, RunResult>;
}

export async function runExperiment(options: RunExperimentOptions): Promise<ExperimentRuns> {
  const { plan, executor } = options;
  const signal = options.signal ?? new AbortController().signal;
  const results = new Map<string, RunResult>();
  for (const [key, result] of options.known ?? []) if (result.ok) results.set(key, result);
  let seeds = [...plan.seeds];

  for (;;) {
    await runSeeds(options, seeds, results, signal);
    const target = options.targetCi;
    if (target === undefined || seeds.length >= target.maxSeeds) break;
    const widest = widestHalfWidth(plan, seeds, results);
    if (widest === null || widest <= target.width) break;
    // Half as many again (at least two) per round, up to the cap: few rounds, little overshoot.
    const more = Math.min(target.maxSeeds - seeds.length, Math.max(2, Math.ceil(seeds.length / 2)));
    const next = Math.max(...seeds) + 1;
    seeds = [...seeds, ...Array.from({ length: more }, (_, i) => next + i)];
  }
  return { seeds, results };
}

async function runSeeds(options: RunExperimentOptions, seeds: readonly number[], results: Map<string, RunResult>, signal: AbortSignal): Promise<void> {
  const { plan } = options;
  const requests: RunRequest[] = [];
  const perArm = plan.arms.map(() => 0);
  let failed = 0;
  for (const arm of plan.arms) {
    for (const seed of seeds) {
      const known = results.get(runKey(arm.index, seed));
      if (known !== undefined) {
        perArm[arm.index]! += 1;
        continue;
      }
      requests.push({ arm: arm.index, seed, ledger: plan.file.ledger, scenario: arm.scenario, tasks: options.tasks });
    }
  }
  const total = plan.arms.length * seeds.length;
  let done = total - requests.length;
  const report = () => options.onProgress?.({ done, total, failed, perArm: [...perArm], seeds: seeds.length });
  report();
  if (requests.length === 0) return;
  const expected = new Set(requests.map((r) => runKey(r.arm, r.seed)));
  await options.executor.runAll(
    requests,
    (result) => {
      const key = runKey(result.arm, result.seed);
      // A retried job (a worker killed after it finished) may answer twice: the first is kept.
      if (!expected.delete(key)) return;
      results.set(key, result);
      options.onResult?.(result);
      done += 1;
      perArm[result.arm]! += 1;
      if (!result.ok) failed += 1;
      report();
    },
    signal,
  );
}
