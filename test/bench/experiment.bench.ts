// Experiment throughput: runs of the AWS replay on the memory ledger per second, through the
// whole experiment path (plan, runs, statistics, every output file), with one worker thread,
// with one per core, and on two queue workers over a loopback Redis, beside the in-process floor
// (the same runs called one after another in a warm process, no experiment around them). The
// queue's overhead per run is its time over the local pool's with as many threads, per run.
// The machine's parallel ceiling is the floor loop in one process per core at once (no threads,
// nothing shared): what any split of the work across these cores can reach at best.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { RunExecutor } from "../../sim/experiment/executor.js";
import { ExperimentFolder } from "../../sim/experiment/experiment-folder.js";
import { executeExperiment } from "../../sim/experiment/execute.js";
import { planExperiment, type ExperimentPlan } from "../../sim/experiment/plan.js";
import { PoolExecutor } from "../../sim/experiment/pool-executor.js";
import { QueueExecutor } from "../../sim/experiment/queue-executor.js";
import { startQueueWorker } from "../../sim/experiment/queue-worker.js";
import { runExperimentRun } from "../../sim/experiment/run-one.js";
import { hasRedisServer, startRedisServer } from "../helpers/redis-server.js";

const COMPARED_RUNS = 200;
const LARGE_RUNS = 1_000;

function awsPlan(seeds: number, first = 1): ExperimentPlan {
  return planExperiment({ name: "bench", base: "aws-us-east-1-2025-10-20", ledger: "memory", seeds: Array.from({ length: seeds }, (_, i) => first + i), metrics: ["onTimeRate"] }, "bench");
}

/** Seconds for the whole experiment (runs, statistics, files) on `executor`. */
async function timeExperiment(plan: ExperimentPlan, executor: RunExecutor): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), "bidmesh-bench-exp-"));
  try {
    const folder = ExperimentFolder.open(join(dir, "out"), plan.fingerprint, false);
    const start = performance.now();
    await executeExperiment({ plan, folder, executor, tasks: false, generatedBy: "bench" });
    return (performance.now() - start) / 1_000;
  } finally {
    await executor.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const FLOOR_PROCESS = fileURLToPath(new URL("./floor-process.mts", import.meta.url));
const TSX = fileURLToPath(new URL("../../node_modules/tsx/dist/cli.mjs", import.meta.url));

/** The floor loop over `runs` seeds split across `processes` processes at once: the slowest one's loop, in seconds. */
async function parallelFloorSeconds(runs: number, processes: number): Promise<number> {
  const each = Math.ceil(runs / processes);
  const outputs = await Promise.all(
    Array.from({ length: processes }, (_, i) => promisify(execFile)(process.execPath, [TSX, FLOOR_PROCESS, String(each), String(1 + i * each)], { timeout: 300_000 })),
  );
  return Math.max(...outputs.map((o) => (JSON.parse(o.stdout.trim().split("\n").pop()!) as { ms: number }).ms)) / 1_000;
}

/** Warms the threads (their modules load once) with a few runs that are not timed. */
async function warm(executor: RunExecutor, plan: ExperimentPlan): Promise<void> {
  const requests = plan.seeds.slice(0, 2 * executor.parallelism).map((seed) => ({ arm: 0, seed: 10_000 + seed, ledger: "memory" as const, scenario: plan.arms[0]!.scenario, tasks: false }));
  await executor.runAll(requests, () => undefined, new AbortController().signal);
}

export async function benchExperiment(): Promise<Record<string, number>> {
  const cores = availableParallelism();
  const plan = awsPlan(COMPARED_RUNS);

  // The floor: the same runs in this process, back to back.
  await runExperimentRun({ arm: 0, seed: 9_999, ledger: "memory", scenario: plan.arms[0]!.scenario, tasks: false });
  const floorStart = performance.now();
  for (const seed of plan.seeds) await runExperimentRun({ arm: 0, seed, ledger: "memory", scenario: plan.arms[0]!.scenario, tasks: false });
  const floorSeconds = (performance.now() - floorStart) / 1_000;

  const ceilingSeconds = await parallelFloorSeconds(COMPARED_RUNS, cores);

  const one = new PoolExecutor(1);
  await warm(one, plan);
  const oneSeconds = await timeExperiment(plan, one);
  const all = new PoolExecutor(cores);
  await warm(all, plan);
  const allSeconds = await timeExperiment(plan, all);

  let queueSeconds = Number.NaN;
  if (hasRedisServer) {
    const redis = await startRedisServer();
    const workers = [await startQueueWorker({ url: redis.url, concurrency: 1 }), await startQueueWorker({ url: redis.url, concurrency: 1 })];
    try {
      await warm(await QueueExecutor.connect(redis.url, { fingerprint: `warm${plan.fingerprint.slice(0, 8)}` }), plan);
      queueSeconds = await timeExperiment(plan, await QueueExecutor.connect(redis.url, { fingerprint: plan.fingerprint }));
    } finally {
      for (const w of workers) await w.close();
      await redis.stop();
    }
  }

  // 1,000 runs, every core, files included: the target is under 45 s here.
  const large = awsPlan(LARGE_RUNS, 100_000);
  const largePool = new PoolExecutor(cores);
  await warm(largePool, large);
  const largeSeconds = await timeExperiment(large, largePool);

  return {
    experimentCores: cores,
    experimentRuns: COMPARED_RUNS,
    experimentFloorRunsPerSec: COMPARED_RUNS / floorSeconds,
    experimentJobs1RunsPerSec: COMPARED_RUNS / oneSeconds,
    experimentJobsAllRunsPerSec: COMPARED_RUNS / allSeconds,
    experimentQueueRunsPerSec: COMPARED_RUNS / queueSeconds,
    experimentSpeedup: oneSeconds / allSeconds,
    experimentCeilingRunsPerSec: COMPARED_RUNS / ceilingSeconds,
    experimentCeilingSpeedup: floorSeconds / ceilingSeconds,
    experimentQueueOverheadMsPerRun: ((queueSeconds - allSeconds) * 1_000) / COMPARED_RUNS,
    experimentLargeRuns: LARGE_RUNS,
    experimentLargeSeconds: largeSeconds,
  };
}
