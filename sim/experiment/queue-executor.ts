// Runs an experiment's runs on `bidmesh worker` processes anywhere, through a BullMQ queue on
// Redis (queue-worker.ts is the other end). Each run is one job whose id is the experiment's
// fingerprint with the arm and seed, so adding a run that is already on the queue (a rerun, a
// resumed coordinator, two coordinators) adds nothing, and a run that a previous coordinator's
// workers finished is read back instead of run again. Completed jobs are kept a day for that.
// Results arrive as QueueEvents `completed` / `failed` events; a periodic check of the jobs
// still awaited covers events missed while the connection was down.
import { hostname } from "node:os";
import { Job, Queue, QueueEvents } from "bullmq";
import { Redis } from "ioredis";
import { InputError } from "../input-error.js";
import type { RunExecutor } from "./executor.js";
import type { RunRequest, RunResult } from "./types.js";

/** The queue every coordinator and worker uses. */
export const QUEUE_NAME = "bidmesh-runs";
/** How long a completed run stays on the queue for a resumed coordinator to read (BullMQ evicts it when a later job completes). */
export const KEEP_COMPLETED_SECONDS = 24 * 60 * 60;
/** How long a run that failed for good stays (for inspection; a new coordinator runs it again). */
export const KEEP_FAILED_SECONDS = 7 * 24 * 60 * 60;
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
/** How often the jobs still awaited are looked up directly, in case an event was missed. */
const RECONCILE_MS = 10_000;
/** Redis round trips in flight at once when looking up many jobs. */
const LOOKUP_BATCH = 200;

/** A run's job id: BullMQ ignores adding an id that exists. Never contains ':' (BullMQ forbids it). */
export function runJobId(fingerprint: string, arm: number, seed: number): string {
  return `${fingerprint}-${arm}-${seed}`;
}

/** The URL without its password, for messages. */
export function redactRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== "") parsed.password = "***";
    return parsed.toString();
  } catch {
    return url;
  }
}

/**
 * A worker's BullMQ name carries its thread count (`bidmesh-t8-host-1234`), so a coordinator can
 * add up the threads of the workers it sees. No spaces or ':' (CLIENT SETNAME, BullMQ keys).
 */
export function workerName(concurrency: number): string {
  const host = hostname().replace(/[^A-Za-z0-9.-]/g, "_").slice(0, 60);
  return `bidmesh-t${concurrency}-${host}-${process.pid}`;
}

/**
 * Connects to Redis, or throws InputError on `queue` naming the URL within `timeoutMs`. Once
 * connected, the client reconnects by itself (backing off to 5 s) if Redis goes away; before
 * that, ioredis's default of retrying forever is off, so an unreachable Redis fails at once.
 * `maxRetriesPerRequest: null`, as BullMQ needs for its blocking connections (its duplicates).
 */
export async function openRedis(url: string, timeoutMs = DEFAULT_CONNECT_TIMEOUT_MS): Promise<Redis> {
  let connected = false;
  let lastError: Error | undefined;
  let client: Redis;
  try {
    client = new Redis(url, {
      lazyConnect: true,
      connectTimeout: timeoutMs,
      maxRetriesPerRequest: null,
      retryStrategy: (times) => (connected ? Math.min(times * 250, 5_000) : null),
    });
  } catch (error) {
    throw new InputError("queue", `cannot use ${redactRedisUrl(url)}: ${error instanceof Error ? error.message : String(error)}`);
  }
  // Without a listener ioredis prints every connection error; they reach callers as failed commands.
  client.on("error", (error: Error) => (lastError = error));
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs);
  });
  try {
    await Promise.race([client.connect().then(() => client.ping()), timeout]);
    connected = true;
    return client;
  } catch (error) {
    client.disconnect();
    const reason = lastError?.message || (error instanceof Error ? error.message : String(error));
    throw new InputError("queue", `cannot reach Redis at ${redactRedisUrl(url)}: ${reason}`);
  } finally {
    clearTimeout(timer);
  }
}

/** Closes a client politely, or drops it if Redis is gone. */
export async function closeRedis(client: Redis): Promise<void> {
  try {
    if (client.status === "ready") await client.quit();
    else client.disconnect();
  } catch {
    client.disconnect();
  }
}

/** The threads of the workers connected now, by their names (a worker not named by bidmesh counts 1); at least 1. */
export async function connectedWorkerThreads(queue: Queue): Promise<number> {
  try {
    const workers = await queue.getWorkers();
    let threads = 0;
    for (const worker of workers) {
      const raw = String(worker["rawname"] ?? "");
      const match = /:w:bidmesh-t(\d+)-/.exec(raw);
      threads += match === null ? 1 : Number(match[1]);
    }
    return Math.max(1, threads);
  } catch {
    // Some hosted Redis forbid CLIENT LIST.
    return 1;
  }
}

type Outcome = { kind: "result"; value: unknown } | { kind: "failed"; reason: string } | { kind: "pending" } | { kind: "missing" };

export class QueueExecutor implements RunExecutor {
  private constructor(
    private readonly client: Redis,
    private readonly queue: Queue,
    private readonly events: QueueEvents,
    private readonly fingerprint: string,
    private threads: number,
    private readonly fixedParallelism: boolean,
  ) {}

  /**
   * Connects to the queue on `url`.
   * @param options.fingerprint the plan's fingerprint: part of every job id.
   * @param options.parallelism for progress; by default the threads of the workers connected now (at least 1).
   * @throws InputError on `queue` when Redis does not answer within `connectTimeoutMs` (default 5 s).
   */
  static async connect(url: string, options: { fingerprint: string; parallelism?: number; connectTimeoutMs?: number }): Promise<QueueExecutor> {
    if (options.fingerprint === "" || options.fingerprint.includes(":")) throw new InputError("fingerprint", "must be non-empty and contain no ':'");
    const timeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    const client = await openRedis(url, timeoutMs);
    let queue: Queue | undefined;
    let events: QueueEvents | undefined;
    try {
      queue = new Queue(QUEUE_NAME, {
        connection: client,
        defaultJobOptions: { attempts: 1, removeOnComplete: { age: KEEP_COMPLETED_SECONDS }, removeOnFail: { age: KEEP_FAILED_SECONDS } },
      });
      queue.on("error", () => undefined);
      // Events from the stream's current end on, read before any job is added, so none is missed.
      const last = await client.xrevrange(queue.keys.events!, "+", "-", "COUNT", 1);
      events = new QueueEvents(QUEUE_NAME, { connection: client, lastEventId: last[0]?.[0] ?? "0-0" });
      events.on("error", () => undefined);
      await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
      const threads = options.parallelism ?? (await connectedWorkerThreads(queue));
      return new QueueExecutor(client, queue, events, options.fingerprint, threads, options.parallelism !== undefined);
    } catch (error) {
      await events?.close().catch(() => undefined);
      await queue?.close().catch(() => undefined);
      await closeRedis(client);
      if (error instanceof InputError) throw error;
      throw new InputError("queue", `cannot use the queue on ${redactRedisUrl(url)}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  get parallelism(): number {
    return this.threads;
  }

  async runAll(requests: readonly RunRequest[], onResult: (result: RunResult) => void, signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    if (!this.fixedParallelism) this.threads = await connectedWorkerThreads(this.queue);
    // By job id: the requests it answers (one, unless a request was passed twice).
    const pending = new Map<string, RunRequest[]>();
    for (const request of requests) {
      const id = runJobId(this.fingerprint, request.arm, request.seed);
      pending.set(id, [...(pending.get(id) ?? []), request]);
    }
    if (pending.size === 0) return;

    let resolve!: () => void;
    let reject!: (error: unknown) => void;
    const promise = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const cleanUp = () => {
      settled = true;
      clearInterval(timer);
      this.events.off("completed", onCompleted);
      this.events.off("failed", onFailed);
      signal.removeEventListener("abort", onAbort);
    };
    const fail = (error: unknown) => {
      if (settled) return;
      cleanUp();
      reject(error);
    };
    const deliver = (id: string, make: (request: RunRequest) => RunResult) => {
      const waiting = pending.get(id);
      if (waiting === undefined || settled) return;
      pending.delete(id);
      try {
        for (const request of waiting) onResult(make(request));
      } catch (error) {
        fail(error);
        return;
      }
      if (pending.size === 0) {
        cleanUp();
        resolve();
      }
    };
    /** A job's outcome; a result that lacks the task rows asked for is run again with the request as it is now. */
    const settle = async (id: string, outcome: Outcome, fresh: boolean) => {
      const waiting = pending.get(id);
      if (waiting === undefined) return;
      const request = waiting[0]!;
      if (outcome.kind === "pending") return;
      if (outcome.kind === "failed") {
        if (fresh) deliver(id, (r) => ({ arm: r.arm, seed: r.seed, ok: false, error: outcome.reason }));
        else await this.resubmit(id, request);
        return;
      }
      if (outcome.kind === "missing") {
        await this.resubmit(id, request);
        return;
      }
      const result = asResult(outcome.value, request);
      // A previous coordinator's failed run is run again (as the pool would), and so is a run
      // done without the task rows this one needs.
      if ((!fresh && !result.ok) || (result.ok && waiting.some((r) => r.tasks) && result.tasks === undefined)) {
        await this.resubmit(id, request);
        return;
      }
      deliver(id, (r) => ({ ...result, arm: r.arm, seed: r.seed }));
    };
    const onCompleted = ({ jobId, returnvalue }: { jobId: string; returnvalue: unknown }) => {
      void settle(jobId, { kind: "result", value: returnvalue }, true).catch(fail);
    };
    const onFailed = ({ jobId, failedReason }: { jobId: string; failedReason: string }) => {
      if (!pending.has(jobId)) return;
      // A failed attempt with attempts left goes back to wait; only a job left in `failed` is done.
      void this.queue
        .getJobState(jobId)
        .then((state) => (state === "failed" ? settle(jobId, { kind: "failed", reason: failedReason || "the job failed" }, true) : undefined))
        .catch(fail);
    };
    const onAbort = () => fail(signal.reason);
    this.events.on("completed", onCompleted);
    this.events.on("failed", onFailed);
    signal.addEventListener("abort", onAbort, { once: true });

    try {
      // What the queue already holds: results to reuse, runs in hand, and ids it has never seen.
      const ids = [...pending.keys()];
      const toAdd: string[] = [];
      for (let i = 0; i < ids.length && !settled; i += LOOKUP_BATCH) {
        const batch = ids.slice(i, i + LOOKUP_BATCH);
        const outcomes = await Promise.all(batch.map((id) => this.lookUp(id)));
        for (const [j, outcome] of outcomes.entries()) {
          const id = batch[j]!;
          if (outcome.kind === "missing") toAdd.push(id);
          else await settle(id, outcome, false);
        }
      }
      for (let i = 0; i < toAdd.length && !settled; i += LOOKUP_BATCH) {
        await this.queue.addBulk(toAdd.slice(i, i + LOOKUP_BATCH).map((id) => ({ name: "run", data: pending.get(id)![0]!, opts: { jobId: id } })));
      }
      if (!settled) {
        let checking = false;
        timer = setInterval(() => {
          if (checking || settled) return;
          checking = true;
          void this.reconcile([...pending.keys()], (id, outcome) => settle(id, outcome, true))
            .catch(fail)
            .finally(() => (checking = false));
        }, RECONCILE_MS);
      }
    } catch (error) {
      fail(error);
    }
    return promise;
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.events.close(), this.queue.close()]);
    await closeRedis(this.client);
  }

  /** Looks the jobs up directly (for events missed while disconnected). */
  private async reconcile(ids: string[], settle: (id: string, outcome: Outcome) => Promise<void>): Promise<void> {
    for (let i = 0; i < ids.length; i += LOOKUP_BATCH) {
      const batch = ids.slice(i, i + LOOKUP_BATCH);
      const outcomes = await Promise.all(batch.map((id) => this.lookUp(id)));
      for (const [j, outcome] of outcomes.entries()) await settle(batch[j]!, outcome);
    }
  }

  private async lookUp(id: string): Promise<Outcome> {
    const job = await Job.fromId(this.queue, id);
    if (job === undefined) return { kind: "missing" };
    const state = await job.getState();
    if (state === "completed") return { kind: "result", value: job.returnvalue };
    if (state === "failed") return { kind: "failed", reason: job.failedReason || "the job failed" };
    if (state === "unknown") return { kind: "missing" };
    return { kind: "pending" };
  }

  /** Replaces a finished job (a stale or failed result) with a new one for the request. */
  private async resubmit(id: string, request: RunRequest): Promise<void> {
    const job = await Job.fromId(this.queue, id);
    if (job !== undefined) {
      const state = await job.getState();
      // Someone else (another coordinator) already put it back: wait for that run.
      if (state !== "completed" && state !== "failed" && state !== "unknown") return;
      await job.remove().catch(() => undefined);
    }
    await this.queue.add("run", request, { jobId: id });
  }
}

/** A job's return value as a RunResult; anything else (a foreign worker's) is a failed run. */
function asResult(value: unknown, request: RunRequest): RunResult {
  const parsed = typeof value === "string" ? safeParse(value) : value;
  if (typeof parsed === "object" && parsed !== null && "ok" in parsed) {
    const result = parsed as RunResult;
    if (result.ok === false && typeof result.error === "string") return result;
    if (result.ok === true && typeof result.systems === "object" && result.systems !== null) return result;
  }
  return { arm: request.arm, seed: request.seed, ok: false, error: "the queue worker returned no run result" };
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
