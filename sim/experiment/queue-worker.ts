// The worker end of the queue (queue-executor.ts is the coordinator's): a BullMQ Worker that
// takes `concurrency` runs at a time off `bidmesh-runs` and does each on a piscina pool of as
// many long-lived threads (the local executor's pool), returning the RunResult as the job's
// return value. The simulation never runs on the main thread, so it stays free to renew the
// jobs' locks. A worker that dies mid-run (SIGKILL, a lost machine) stops renewing them; when a
// lock has expired, the stalled-job check of any worker puts the job back on the queue for
// another (a job may stall MAX_STALLED_COUNT times before it fails for good).
import { Worker, type Job } from "bullmq";
import { InputError } from "../input-error.js";
import { PoolExecutor } from "./pool-executor.js";
import { KEEP_COMPLETED_SECONDS, KEEP_FAILED_SECONDS, QUEUE_NAME, closeRedis, openRedis, workerName } from "./queue-executor.js";
import type { RunRequest, RunResult } from "./types.js";

/** BullMQ's own default: how long a worker holds a job without renewing its lock (renewed every half of it). */
export const DEFAULT_LOCK_DURATION_MS = 30_000;
/** BullMQ's own default: how often each worker looks for jobs whose lock expired. */
export const DEFAULT_STALLED_INTERVAL_MS = 30_000;
/** How many times a job may be found stalled (its worker gone) and given to another before it fails. */
export const MAX_STALLED_COUNT = 2;
/** Overrides both the lock duration and the stalled interval, in ms (tests use ~2000 to recover from a killed worker quickly). */
export const LOCK_ENV = "BIDMESH_QUEUE_LOCK_MS";

export interface QueueWorkerOptions {
  /** redis://HOST:PORT */
  url: string;
  /** Runs at once, each on its own thread. */
  concurrency: number;
  /** Default: $BIDMESH_QUEUE_LOCK_MS, else 30 s. */
  lockDurationMs?: number;
  /** Default: $BIDMESH_QUEUE_LOCK_MS, else 30 s. */
  stalledIntervalMs?: number;
  /** Called after each run this worker did (for counts). */
  onRun?: (result: RunResult) => void;
  /** Default 5 s. */
  connectTimeoutMs?: number;
}

export interface QueueWorker {
  /** Stops taking runs, finishes those in hand, then releases the threads and the connection. */
  close(): Promise<void>;
}

/**
 * Connects and starts taking runs.
 * @throws InputError on `queue` when Redis does not answer, on BIDMESH_QUEUE_LOCK_MS when it is not a duration in ms.
 */
export async function startQueueWorker(options: QueueWorkerOptions): Promise<QueueWorker> {
  const fromEnv = lockFromEnv();
  const lockDuration = options.lockDurationMs ?? fromEnv ?? DEFAULT_LOCK_DURATION_MS;
  const stalledInterval = options.stalledIntervalMs ?? fromEnv ?? DEFAULT_STALLED_INTERVAL_MS;
  const client = await openRedis(options.url, options.connectTimeoutMs);
  const pool = new PoolExecutor(options.concurrency);
  const never = new AbortController().signal;

  const processor = async (job: Job<RunRequest, RunResult>): Promise<RunResult> => {
    let result: RunResult | undefined;
    // The pool turns a thread that died into a failed run, so a job fails only by stalling.
    await pool.runAll([job.data], (r) => (result = r), never);
    if (result === undefined) throw new Error("the worker thread gave no result");
    options.onRun?.(result);
    return result;
  };

  let worker: Worker<RunRequest, RunResult>;
  try {
    worker = new Worker<RunRequest, RunResult>(QUEUE_NAME, processor, {
      connection: client,
      name: workerName(options.concurrency),
      concurrency: options.concurrency,
      lockDuration,
      stalledInterval,
      maxStalledCount: MAX_STALLED_COUNT,
      removeOnComplete: { age: KEEP_COMPLETED_SECONDS },
      removeOnFail: { age: KEEP_FAILED_SECONDS },
      autorun: false,
    });
    // Connection errors while Redis is away: ioredis reconnects, BullMQ retries; nothing to do.
    worker.on("error", () => undefined);
    await worker.waitUntilReady();
  } catch (error) {
    await pool.close();
    await closeRedis(client);
    throw error;
  }
  const running = worker.run().catch(() => undefined);

  let closing: Promise<void> | undefined;
  return {
    close() {
      closing ??= (async () => {
        await worker.close();
        await running;
        await pool.close();
        await closeRedis(client);
      })();
      return closing;
    },
  };
}

function lockFromEnv(): number | undefined {
  const value = process.env[LOCK_ENV];
  if (value === undefined || value === "") return undefined;
  if (!/^\d+$/.test(value) || Number(value) < 100 || Number(value) > 3_600_000) throw new InputError(LOCK_ENV, `"${value}" is not a whole number of milliseconds from 100 to 3600000`);
  return Number(value);
}
