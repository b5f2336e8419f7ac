// The queue end to end on a real redis-server (no mock): BullMQ workers in this process and in
// child processes give the local pool's results, a worker SIGKILLed mid-run loses nothing, a
// second coordinator reads back the results the queue holds, and the CLI writes the same files
// from two queue workers as from its own threads.
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Queue } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InputError } from "../../sim/input-error.js";
import { planExperiment, type ExperimentPlan } from "../../sim/experiment/plan.js";
import { PoolExecutor } from "../../sim/experiment/pool-executor.js";
import { QUEUE_NAME, QueueExecutor, runJobId } from "../../sim/experiment/queue-executor.js";
import { startQueueWorker, type QueueWorker } from "../../sim/experiment/queue-worker.js";
import { runExperiment } from "../../sim/experiment/run-experiment.js";
import type { RunResult } from "../../sim/experiment/types.js";
import { hasRedisServer, startRedisServer, type RedisServer } from "../helpers/redis-server.js";
import { bidmesh, removeTempDirs, ROOT, STACK_LINE, tempDir } from "../sim/e2e.js";
import { tinyData } from "../scenario/tiny-scenario.js";

const BIN = join(ROOT, "cli/bin/bidmesh.mjs");
/**
 * Short locks, so a killed worker's run is given to another within seconds rather than 30 s. Every
 * worker of these tests uses them: BullMQ's stalled check runs at most once per interval of
 * whichever worker ran it last, so one worker with the 30 s default would delay the recovery.
 */
const LOCK_MS = 1_500;

/** 2 arms × `seeds` of the tiny scenario; `depths` makes plans with different fingerprints (their jobs never mix). */
function tinyPlan(depths: [number, number], seeds: number): ExperimentPlan {
  return planExperiment({ name: "q", base: tinyData(), seeds, vary: [{ path: "market.fallbackDepth", values: depths }], metrics: ["onTimeRate", "tasksPosted"] }, "q");
}

/** The results by (arm, seed), as comparable JSON. */
function byRun(results: Iterable<RunResult>): Record<string, RunResult> {
  return Object.fromEntries([...results].map((r) => [`${r.arm}/${r.seed}`, r]).sort(([a], [b]) => (a! < b! ? -1 : 1)));
}

/** `bidmesh ARGS` in its own process, without blocking this one's event loop (its queue workers must go on). */
function bidmeshAsync(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.once("exit", (status) => resolve({ status, stdout, stderr }));
  });
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once("exit", () => resolve()));
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function startWorker(concurrency: number, onRun?: (result: RunResult) => void): Promise<QueueWorker> {
  return startQueueWorker({ url: redisUrl, concurrency, lockDurationMs: LOCK_MS, stalledIntervalMs: LOCK_MS, onRun });
}
let redisUrl = "";

describe.skipIf(!hasRedisServer)("experiments on the BullMQ queue", () => {
  let redis: RedisServer;
  const workers: QueueWorker[] = [];
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    redis = await startRedisServer();
    redisUrl = redis.url;
  });
  afterAll(async () => {
    for (const child of children) child.kill("SIGKILL");
    await Promise.all(children.map(exited));
    await Promise.all(workers.splice(0).map((w) => w.close()));
    await redis?.stop();
    removeTempDirs();
  });

  it("two workers give the local pool's results, and a second coordinator reads them back without running anything", async () => {
    const plan = tinyPlan([1, 2], 4);
    const pool = new PoolExecutor(2);
    const local = await runExperiment({ plan, executor: pool, tasks: false }).finally(() => pool.close());

    let ran = 0;
    for (let i = 0; i < 2; i++) workers.push(await startWorker(1, () => (ran += 1)));
    const first = await QueueExecutor.connect(redis.url, { fingerprint: plan.fingerprint });
    expect(first.parallelism).toBe(2);
    const queued = await runExperiment({ plan, executor: first, tasks: false }).finally(() => first.close());
    expect(byRun(queued.results.values())).toEqual(byRun(local.results.values()));
    expect(ran).toBe(8);

    const second = await QueueExecutor.connect(redis.url, { fingerprint: plan.fingerprint });
    const again = await runExperiment({ plan, executor: second, tasks: false }).finally(() => second.close());
    expect(byRun(again.results.values())).toEqual(byRun(local.results.values()));
    expect(ran).toBe(8);
    await Promise.all(workers.splice(0).map((w) => w.close()));
  }, 120_000);

  it("gives a SIGKILLed worker's run to another worker, and stores one result per run", async () => {
    const plan = tinyPlan([1, 3], 20);
    const child = spawn(process.execPath, [BIN, "worker", "--queue", redis.url, "--concurrency", "1"], {
      cwd: ROOT,
      env: { ...process.env, BIDMESH_QUEUE_LOCK_MS: String(LOCK_MS) },
      stdio: "ignore",
    });
    children.push(child);
    const coordinator = await QueueExecutor.connect(redis.url, { fingerprint: plan.fingerprint, parallelism: 1 });
    const queue = new Queue(QUEUE_NAME, { connection: { host: "127.0.0.1", port: redis.port } });
    const results: RunResult[] = [];
    try {
      const running = runExperiment({ plan, executor: coordinator, tasks: false, onResult: (r) => results.push(r) });
      // Kill the child while it holds a run: the only worker yet, so any active job is its.
      let victim: string | undefined;
      await waitFor("the child worker to take a run", async () => {
        const [active] = await queue.getActive(0, 0);
        victim = active?.id;
        return victim !== undefined && results.length >= 2;
      });
      child.kill("SIGKILL");
      await exited(child);
      expect(await queue.getJobState(victim!)).toBe("active");

      workers.push(await startWorker(2));
      const done = await running;
      expect(done.results.size).toBe(40);
      expect(results).toHaveLength(40);
      expect(new Set(results.map((r) => `${r.arm}/${r.seed}`)).size).toBe(40);
      expect(results.every((r) => r.ok)).toBe(true);
      // The victim's run was found stalled, given back, and completed by the other worker.
      const job = (await queue.getJob(victim!))!;
      expect(await job.getState()).toBe("completed");
      expect(job.stalledCounter).toBeGreaterThanOrEqual(1);
      const [arm, seed] = victim!.split("-").slice(-2).map(Number);
      expect(victim).toBe(runJobId(plan.fingerprint, arm!, seed!));
    } finally {
      await coordinator.close();
      await queue.close();
      await Promise.all(workers.splice(0).map((w) => w.close()));
    }
  }, 180_000);

  it("writes byte-identical files from two queue workers as from --jobs 2", async () => {
    const dir = tempDir("exp-queue");
    const file = join(dir, "experiment.json");
    writeFileSync(file, JSON.stringify({ name: "queue-files", base: tinyData(), seeds: 3, vary: [{ path: "market.fallbackDepth", values: [2, 4] }], metrics: ["onTimeRate", "reroutes"] }));
    const local = await bidmeshAsync(["experiment", file, "--out", join(dir, "local"), "--jobs", "2", "--tasks", "--no-progress"]);
    expect(local.stderr).toBe("");
    expect(local.status).toBe(0);

    for (let i = 0; i < 2; i++) workers.push(await startWorker(1));
    try {
      const queued = await bidmeshAsync(["experiment", file, "--out", join(dir, "queued"), "--queue", redis.url, "--tasks", "--no-progress"]);
      expect(queued.stderr).toBe("");
      expect(queued.status).toBe(0);
      for (const name of ["runs.csv", "runs.parquet", "tasks.parquet", "summary.csv", "paired.csv", "experiment.json", "experiment.html"]) {
        expect(readFileSync(join(dir, "queued", name)), name).toEqual(readFileSync(join(dir, "local", name)));
      }
    } finally {
      await Promise.all(workers.splice(0).map((w) => w.close()));
    }
  }, 180_000);

  it("refuses an unreachable Redis quickly, naming the queue", async () => {
    const started = Date.now();
    const error = await QueueExecutor.connect("redis://127.0.0.1:1", { fingerprint: "f", connectTimeoutMs: 2_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).field).toBe("queue");
    expect((error as Error).message).toMatch(/cannot reach Redis at redis:\/\/127\.0\.0\.1:1/);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("refuses a worker with a bad queue URL, exit 2 and no stack trace", () => {
    const bad = bidmesh(["worker", "--queue", "notaurl"]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^bidmesh: queue: /);
    expect(bad.stderr).not.toMatch(STACK_LINE);
    const down = bidmesh(["worker", "--queue", "redis://127.0.0.1:1", "--concurrency", "1"]);
    expect(down.status).toBe(2);
    expect(down.stderr).toMatch(/^bidmesh: queue: cannot reach Redis/);
  }, 60_000);
});
