// Background simulation runs for the API (POST /api/simulations): a queue, one worker thread
// per run, and the finished runs' results in memory.
//
// Decisions:
// - One run at a time (the machine has two cores, and the API and a live market need one):
//   later runs wait in a bounded queue (default 4); a full queue refuses the run (the route
//   answers 503), as does a manager that is closing.
// - Each run is its own worker_threads Worker with its own ledger (a fresh embedded chain for
//   "chain"), so the API's event loop stays free and a crash or an out-of-memory kills only the
//   worker (its heap is capped). A run past the wall-clock limit (default 10 minutes) is stopped
//   and fails.
// - Finished runs (done or failed) are kept in memory, the last `keepFinished` (default 20),
//   each with its metrics and its HTML report (about 1.2 MB, mostly the inlined charting
//   library): about 25 MB at most. Nothing is written to disk.
// - A failed run's error is for clients: a scenario problem's own message, or a fixed sentence;
//   the worker's stack and internal messages go only to `logError`.
// - Wall-clock timestamps (submittedAt, finishedAt) belong to the server, never to a run: a
//   run's metrics and final block hash depend on its scenario and seed alone.
import { createHash, randomUUID } from "node:crypto";
import { Worker } from "node:worker_threads";
import type { MarketProgress } from "../../sim/market/market-types.js";
import type { RunMetrics } from "../../sim/report/types.js";
import type { Scenario } from "../../sim/scenario/schema.js";
import { simulationHorizon, type LedgerKind, type SimulationJson, type SimulationProgress, type SimulationStatus, type SimulationSummaryJson } from "../simulation-schemas.js";
import type { JobInput, JobMessage } from "./simulation-protocol.js";

const WORKER_ENTRY = new URL("./simulation-worker.mjs", import.meta.url);

export interface SimulationJobsOptions {
  /** Runs that may wait while one runs (default 4). */
  maxQueued?: number;
  /** Finished runs kept in memory, newest (default 20). */
  keepFinished?: number;
  /** Wall-clock ms a run may take before it is stopped and fails (default 10 minutes). */
  timeLimitMs?: number;
  /** At most one progress update per this many ms (default 250). */
  progressIntervalMs?: number;
  /** A worker's heap limit in MB (default 2048); the embedded chain's native memory is not counted. */
  maxHeapMb?: number;
  /** Where a worker's internal errors are logged (default stderr); never sent to clients. */
  logError?: (error: unknown) => void;
}

/** Why a run was not accepted. */
export class SimulationRefused extends Error {
  override readonly name = "SimulationRefused";

  constructor(
    readonly reason: "queue-full" | "closing",
    message: string,
  ) {
    super(message);
  }
}

interface Job {
  readonly id: string;
  /** Submission order: the list is newest first by it. */
  readonly seq: number;
  status: SimulationStatus;
  /** Dropped once the run starts: the worker has its copy. */
  scenario: Scenario | undefined;
  readonly scenarioName: string;
  readonly seed: number;
  readonly ledger: LedgerKind;
  readonly horizon: number;
  progress: MarketProgress | null;
  metrics?: RunMetrics;
  finalBlockHash?: string | null;
  reportHtml?: string;
  /** The Content-Security-Policy the report is served with (its inline scripts by hash). */
  reportCsp?: string;
  error?: string;
  readonly submittedAt: Date;
  finishedAt?: Date;
  worker?: Worker;
  timer?: NodeJS.Timeout;
}

/** What `report(id)` finds. */
export type ReportLookup = { found: false } | { found: true; status: SimulationStatus; report?: { html: string; csp: string } };

export class SimulationJobs {
  private readonly jobs = new Map<string, Job>();
  private readonly queue: Job[] = [];
  private running: Job | undefined;
  private seq = 0;
  private closed = false;
  private closing: Promise<void> | undefined;
  private readonly maxQueued: number;
  private readonly keepFinished: number;
  private readonly timeLimitMs: number;
  private readonly progressIntervalMs: number;
  private readonly maxHeapMb: number;
  private readonly logError: (error: unknown) => void;
  /** Settles when the running worker has exited (close() waits for it). */
  private workerExit: Promise<void> = Promise.resolve();

  constructor(options: SimulationJobsOptions = {}) {
    this.maxQueued = options.maxQueued ?? 4;
    this.keepFinished = options.keepFinished ?? 20;
    this.timeLimitMs = options.timeLimitMs ?? 10 * 60_000;
    this.progressIntervalMs = options.progressIntervalMs ?? 250;
    this.maxHeapMb = options.maxHeapMb ?? 2048;
    this.logError = options.logError ?? ((error) => console.error("bidmesh api: simulation worker error:", error));
  }

  /**
   * Queues a run of `scenario` (its seed already chosen) and starts it if the worker slot is free.
   * @throws SimulationRefused when the queue is full or the manager is closing.
   */
  submit(scenario: Scenario, ledger: LedgerKind): SimulationSummaryJson {
    if (this.closed) throw new SimulationRefused("closing", "the server is shutting down: no new simulations");
    if (this.queue.length >= this.maxQueued) {
      throw new SimulationRefused("queue-full", `the simulation queue is full (1 running, ${this.queue.length} waiting): retry once one finishes`);
    }
    const job: Job = {
      id: randomUUID(),
      seq: ++this.seq,
      status: "queued",
      scenario,
      scenarioName: scenario.name,
      seed: scenario.seed,
      ledger,
      horizon: simulationHorizon(scenario),
      progress: null,
      submittedAt: new Date(),
    };
    this.jobs.set(job.id, job);
    this.queue.push(job);
    this.pump();
    return summary(job);
  }

  /** A run with its metrics once done, or undefined for an unknown (or forgotten) id. */
  get(id: string): SimulationJson | undefined {
    const job = this.jobs.get(id);
    if (job === undefined) return undefined;
    return job.metrics === undefined ? summary(job) : { ...summary(job), metrics: job.metrics };
  }

  /** Every run kept, newest first, without metrics. */
  list(): SimulationSummaryJson[] {
    return [...this.jobs.values()].sort((a, b) => b.seq - a.seq).map(summary);
  }

  /** A run's HTML report, once done. */
  report(id: string): ReportLookup {
    const job = this.jobs.get(id);
    if (job === undefined) return { found: false };
    return { found: true, status: job.status, report: job.reportHtml === undefined ? undefined : { html: job.reportHtml, csp: job.reportCsp! } };
  }

  /** Fails the waiting runs, stops the running one, and resolves once its worker has exited. */
  close(): Promise<void> {
    this.closed = true;
    return (this.closing ??= (async () => {
      for (const job of this.queue.splice(0)) this.finish(job, { error: "the server shut down before this simulation ran" });
      const running = this.running;
      if (running !== undefined) this.finish(running, { error: "the server shut down while this simulation ran" });
      await this.workerExit;
    })());
  }

  private pump(): void {
    if (this.running !== undefined || this.closed) return;
    const job = this.queue.shift();
    if (job === undefined) return;
    this.start(job);
  }

  private start(job: Job): void {
    const input: JobInput = { scenario: job.scenario!, ledger: job.ledger, progressIntervalMs: this.progressIntervalMs };
    job.scenario = undefined;
    job.status = "running";
    this.running = job;
    let worker: Worker;
    try {
      // stdout/stderr: the worker's output goes to the server's own (nothing in it is sent to clients).
      worker = new Worker(WORKER_ENTRY, { workerData: input, resourceLimits: { maxOldGenerationSizeMb: this.maxHeapMb } });
    } catch (error) {
      this.logError(error);
      this.finish(job, { error: "the simulation could not start (details are in the server's log)" });
      return;
    }
    job.worker = worker;
    this.workerExit = new Promise((resolve) => worker.once("exit", () => resolve()));
    job.timer = setTimeout(() => {
      this.finish(job, { error: `stopped: the simulation ran longer than the limit of ${formatMs(this.timeLimitMs)}` });
    }, this.timeLimitMs);

    worker.on("message", (message: JobMessage) => {
      if (job.status !== "running") return;
      switch (message.type) {
        case "progress":
          job.progress = message.progress;
          break;
        case "done":
          if (message.progress !== null) job.progress = message.progress;
          this.finish(job, { metrics: message.metrics, finalBlockHash: message.finalBlockHash, reportHtml: message.reportHtml });
          break;
        case "failed":
          if (message.detail !== undefined) this.logError(new Error(`simulation ${job.id} (${job.scenarioName}) failed: ${message.detail}`));
          this.finish(job, { error: message.error });
          break;
      }
    });
    worker.on("error", (error) => {
      if (job.status !== "running") return;
      this.logError(error);
      const outOfMemory = (error as NodeJS.ErrnoException).code === "ERR_WORKER_OUT_OF_MEMORY";
      this.finish(job, { error: outOfMemory ? "the simulation ran out of memory" : "the simulation crashed (details are in the server's log)" });
    });
    worker.on("exit", (code) => {
      if (job.status !== "running") return;
      this.finish(job, { error: `the simulation stopped unexpectedly (worker exit code ${code})` });
    });
  }

  /** Ends a run: done with results, or failed with a client-safe error; frees its worker and starts the next. */
  private finish(job: Job, outcome: { metrics: RunMetrics; finalBlockHash: string | null; reportHtml: string } | { error: string }): void {
    if (job.status === "done" || job.status === "failed") return;
    if ("error" in outcome) {
      job.status = "failed";
      job.error = outcome.error;
    } else {
      job.status = "done";
      job.metrics = outcome.metrics;
      job.finalBlockHash = outcome.finalBlockHash;
      job.reportHtml = outcome.reportHtml;
      job.reportCsp = reportContentSecurityPolicy(outcome.reportHtml);
    }
    job.scenario = undefined;
    job.finishedAt = new Date();
    if (job.timer !== undefined) clearTimeout(job.timer);
    job.timer = undefined;
    if (job.worker !== undefined) {
      // The worker has posted its results (or must stop now): its chain goes with it.
      void job.worker.terminate().catch((error: unknown) => this.logError(error));
      job.worker = undefined;
    }
    if (this.running === job) this.running = undefined;
    this.forgetOldRuns();
    this.pump();
  }

  /** Keeps the newest `keepFinished` finished runs; waiting and running ones always stay. */
  private forgetOldRuns(): void {
    const finished = [...this.jobs.values()].filter((j) => j.status === "done" || j.status === "failed").sort((a, b) => b.finishedAt!.getTime() - a.finishedAt!.getTime() || b.seq - a.seq);
    for (const job of finished.slice(this.keepFinished)) this.jobs.delete(job.id);
  }
}

/** A run as the API shows it, without metrics. */
function summary(job: Job): SimulationSummaryJson {
  const p = job.progress;
  const progress: SimulationProgress = {
    time: p?.time ?? 0,
    horizon: job.horizon,
    fraction: job.status === "done" ? 1 : Math.min(1, Math.max(0, (p?.time ?? 0) / job.horizon)),
    blocks: p?.blocks ?? 0,
    tasksPosted: p?.tasksPosted ?? 0,
    tasksDone: p?.tasksDone ?? 0,
  };
  return {
    id: job.id,
    status: job.status,
    scenario: job.scenarioName,
    seed: job.seed,
    ledger: job.ledger,
    progress,
    ...(job.status === "done" ? { finalBlockHash: job.finalBlockHash ?? null } : {}),
    ...(job.error === undefined ? {} : { error: job.error }),
    submittedAt: job.submittedAt.toISOString(),
    ...(job.finishedAt === undefined ? {} : { finishedAt: job.finishedAt.toISOString() }),
  };
}

/**
 * The report page's own Content-Security-Policy: its scripts are inline (the CLI's report is
 * one self-contained file), so the API's default policy would block them. This one allows
 * exactly those scripts, by hash, and nothing from anywhere else.
 */
export function reportContentSecurityPolicy(html: string): string {
  const hashes = [...html.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/gi)].map((m) => `'sha256-${createHash("sha256").update(m[1]!, "utf8").digest("base64")}'`);
  return [
    "default-src 'none'",
    `script-src ${hashes.join(" ")}`,
    "style-src 'unsafe-inline'",
    "img-src data: blob:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'self'",
    // The report is served on the dashboard's origin, where the API token lives in
    // sessionStorage: sandboxed without allow-same-origin, the page (its charts run) has an
    // opaque origin of its own, so a slip in its escaping could not read the token or call the
    // API as the dashboard.
    "sandbox allow-scripts",
  ].join("; ");
}

function formatMs(ms: number): string {
  if (ms % 60_000 === 0) return `${ms / 60_000} minute${ms === 60_000 ? "" : "s"}`;
  return `${ms / 1000} s`;
}
