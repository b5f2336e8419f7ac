// Background simulation runs for the API (POST /api/simulations): a queue, one child process
// per run, and the finished runs' results in files of a temp folder the server owns.
//
// Decisions:
// - One run at a time (the machine has two cores, and the API and a live market need one):
//   up to `maxQueued` (default 4) more wait, so five are accepted (one running, four waiting) and
//   the sixth is refused (the route answers 503), as is any run while the manager is closing.
// - Each run is its own child process (child_process.fork of simulation-child.mjs) with its own
//   ledger (a fresh embedded chain for "chain"). A process, not a worker thread: the embedded
//   chain (EDR) keeps gigabytes of native memory that a worker thread's end does not give back,
//   and it wants one EdrContext per process; a child's memory all goes back to the operating
//   system when it exits, and nothing it does (out of memory, a native crash) can take the
//   server down. The manager kills the child as soon as it has said done or failed.
// - A run's process runs at a lower CPU priority (nice 10) than the server, so that on a small
//   machine the API (and a live market) answer first.
// - Two memory caps: V8's heap (`--max-old-space-size`, default 2048 MB), and the child's resident
//   memory, read from /proc/<pid>/status every `memoryCheckIntervalMs` (default 8192 MB), which
//   counts the chain's native memory too: over it, the child is killed (SIGKILL) and the run fails
//   saying so. A run past the wall-clock limit (default 10 minutes) is stopped the same way.
// - Finished runs' large results (metrics.json, with every availability bucket and latency, and
//   report.html) are written by the child into the run's folder of a temp folder the server
//   created (results-folder.ts) and streamed from there by the routes: the server's heap holds
//   only each run's summary. The last `keepFinished` (default 20) finished runs are kept; a
//   forgotten run's folder is removed, and the whole temp folder on close (or exit).
// - A failed run's error is for clients: a scenario problem's own message, or a fixed sentence;
//   the child's stack and internal messages go only to `logError`.
// - Wall-clock timestamps (submittedAt, finishedAt) belong to the server, never to a run: a
//   run's metrics and final block hash depend on its scenario and seed alone.
import { fork, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { setPriority } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { MarketProgress } from "../../sim/market/market-types.js";
import type { Scenario } from "../../sim/scenario/schema.js";
import { simulationHorizon, type LedgerKind, type SimulationProgress, type SimulationStatus, type SimulationSummaryJson } from "../simulation-schemas.js";
import { residentMb } from "./resident-memory.js";
import { ResultsFolder } from "./results-folder.js";
import type { JobInput, JobMessage } from "./simulation-protocol.js";

const CHILD_ENTRY = fileURLToPath(new URL("./simulation-child.mjs", import.meta.url));
/** A run's process niceness (0 is the server's, 19 the lowest priority). */
const CHILD_NICENESS = 10;
/** The last this many characters of a child's stderr are kept, to tell why it died. */
const STDERR_TAIL = 4096;

export interface SimulationJobsOptions {
  /** Runs that may wait while one runs (default 4: five accepted in all). */
  maxQueued?: number;
  /** Finished runs kept (their summaries in memory, their results on disk), newest (default 20). */
  keepFinished?: number;
  /** Wall-clock ms a run may take before it is stopped and fails (default 10 minutes). */
  timeLimitMs?: number;
  /** At most one progress update per this many ms (default 250). */
  progressIntervalMs?: number;
  /** A run's V8 heap limit in MB (default 2048); the embedded chain's native memory is not in it. */
  maxHeapMb?: number;
  /** A run's resident-memory limit in MB, native chain memory included (default 8192); over it the run is killed and fails. */
  maxResidentMb?: number;
  /** How often a run's resident memory is read, in ms (default 250). */
  memoryCheckIntervalMs?: number;
  /** Where the server creates its temp folder for results (default the OS temp folder). */
  tempParent?: string;
  /** Where a run's internal errors are logged (default stderr); never sent to clients. */
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

/** A done run's results, in the server's temp folder. */
interface RunFiles {
  metrics: string;
  report: string;
  /** The Content-Security-Policy the report is served with (its inline scripts by hash). */
  reportCsp: string;
}

interface Job {
  readonly id: string;
  /** Submission order: the list is newest first by it. */
  readonly seq: number;
  status: SimulationStatus;
  /** Dropped once the run starts: the child has its copy. */
  scenario: Scenario | undefined;
  readonly scenarioName: string;
  readonly seed: number;
  readonly ledger: LedgerKind;
  readonly horizon: number;
  progress: MarketProgress | null;
  finalBlockHash?: string | null;
  files?: RunFiles;
  error?: string;
  readonly submittedAt: Date;
  finishedAt?: Date;
  child?: ChildProcess;
  timer?: NodeJS.Timeout;
  watchdog?: NodeJS.Timeout;
}

/** What `report(id)` finds. */
export type ReportLookup = { found: false } | { found: true; status: SimulationStatus; report?: { file: string; csp: string } };

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
  private readonly maxResidentMb: number;
  private readonly memoryCheckIntervalMs: number;
  private readonly results: ResultsFolder;
  private readonly logError: (error: unknown) => void;
  /** Settles when the running child has exited (close() waits for it). */
  private childExit: Promise<void> = Promise.resolve();
  /** If the server exits without close() (a forced exit), its running child goes with it. */
  private readonly killOnExit = (): void => {
    this.running?.child?.kill("SIGKILL");
  };

  constructor(options: SimulationJobsOptions = {}) {
    this.maxQueued = options.maxQueued ?? 4;
    this.keepFinished = options.keepFinished ?? 20;
    this.timeLimitMs = options.timeLimitMs ?? 10 * 60_000;
    this.progressIntervalMs = options.progressIntervalMs ?? 250;
    this.maxHeapMb = options.maxHeapMb ?? 2048;
    this.maxResidentMb = options.maxResidentMb ?? 8192;
    this.memoryCheckIntervalMs = options.memoryCheckIntervalMs ?? 250;
    this.results = new ResultsFolder(options.tempParent);
    this.logError = options.logError ?? ((error) => console.error("bidmesh api: simulation error:", error));
  }

  /** The temp folder holding finished runs' results, once the first run has started. */
  get resultsPath(): string | undefined {
    return this.results.path;
  }

  /**
   * Queues a run of `scenario` (its seed already chosen) and starts it if the run slot is free.
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

  /** A run's summary (without metrics), or undefined for an unknown (or forgotten) id. */
  get(id: string): SimulationSummaryJson | undefined {
    const job = this.jobs.get(id);
    return job === undefined ? undefined : summary(job);
  }

  /** The file holding a done run's metrics (metrics.json), or undefined until it is done. */
  metricsFile(id: string): string | undefined {
    return this.jobs.get(id)?.files?.metrics;
  }

  /** Every run kept, newest first, without metrics. */
  list(): SimulationSummaryJson[] {
    return [...this.jobs.values()].sort((a, b) => b.seq - a.seq).map(summary);
  }

  /** A run's HTML report file and its policy, once done. */
  report(id: string): ReportLookup {
    const job = this.jobs.get(id);
    if (job === undefined) return { found: false };
    return { found: true, status: job.status, report: job.files === undefined ? undefined : { file: job.files.report, csp: job.files.reportCsp } };
  }

  /** Fails the waiting runs, kills the running one, and resolves once its child has exited and the results are removed. */
  close(): Promise<void> {
    this.closed = true;
    return (this.closing ??= (async () => {
      for (const job of this.queue.splice(0)) this.finish(job, { error: "the server shut down before this simulation ran" });
      const running = this.running;
      if (running !== undefined) this.finish(running, { error: "the server shut down while this simulation ran" });
      await this.childExit;
      process.off("exit", this.killOnExit);
      this.results.removeAll();
    })());
  }

  private pump(): void {
    if (this.running !== undefined || this.closed) return;
    const job = this.queue.shift();
    if (job === undefined) return;
    this.start(job);
  }

  private start(job: Job): void {
    const scenario = job.scenario!;
    job.scenario = undefined;
    job.status = "running";
    this.running = job;
    let child: ChildProcess;
    let input: JobInput;
    try {
      const dir = this.results.createRun(job.id);
      input = { type: "start", scenario, ledger: job.ledger, progressIntervalMs: this.progressIntervalMs, metricsFile: join(dir, "metrics.json"), reportFile: join(dir, "report.html") };
      // stdout goes to the server's own; stderr too, through a pipe that keeps its tail to tell
      // a heap exhaustion apart (nothing of either is sent to clients).
      child = fork(CHILD_ENTRY, [], { execArgv: [`--max-old-space-size=${this.maxHeapMb}`], serialization: "advanced", stdio: ["ignore", "inherit", "pipe", "ipc"] });
    } catch (error) {
      this.logError(error);
      this.finish(job, { error: "the simulation could not start (details are in the server's log)" });
      return;
    }
    job.child = child;
    process.once("exit", this.killOnExit);
    try {
      // Below the server's own CPU priority: on a small machine the API answers first.
      if (child.pid !== undefined) setPriority(child.pid, CHILD_NICENESS);
    } catch {
      // Not allowed here (or the child is already gone): it runs at the server's priority.
    }
    this.childExit = new Promise((resolve) => {
      child.once("exit", () => resolve());
      // A child that never started emits only "error" (and has no pid).
      child.once("error", () => {
        if (child.pid === undefined) resolve();
      });
    });
    let stderrTail = "";
    child.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
      process.stderr.write(chunk);
      stderrTail = (stderrTail + chunk).slice(-STDERR_TAIL);
    });
    job.timer = setTimeout(() => {
      this.finish(job, { error: `stopped: the simulation ran longer than the limit of ${formatMs(this.timeLimitMs)}` });
    }, this.timeLimitMs);
    this.watchMemory(job, child);

    child.on("message", (message: JobMessage) => {
      if (job.status !== "running") return;
      switch (message.type) {
        case "ready":
          child.send(input, (error) => {
            if (error === null || job.status !== "running") return;
            this.logError(error);
            this.finish(job, { error: "the simulation could not start (details are in the server's log)" });
          });
          break;
        case "progress":
          job.progress = message.progress;
          break;
        case "done":
          if (message.progress !== null) job.progress = message.progress;
          this.finish(job, { finalBlockHash: message.finalBlockHash, files: { metrics: input.metricsFile, report: input.reportFile, reportCsp: message.reportCsp } });
          break;
        case "failed":
          if (message.detail !== undefined) this.logError(new Error(`simulation ${job.id} (${job.scenarioName}) failed: ${message.detail}`));
          this.finish(job, { error: message.error });
          break;
      }
    });
    child.on("error", (error) => {
      if (job.status !== "running") return;
      this.logError(error);
      this.finish(job, { error: "the simulation could not start (details are in the server's log)" });
    });
    child.on("exit", (code, signal) => {
      if (job.status !== "running") return;
      const outOfHeap = /heap out of memory|Reached heap limit/.test(stderrTail);
      this.logError(new Error(`simulation ${job.id} (${job.scenarioName}): its process exited (code ${code}, signal ${signal})`));
      this.finish(job, {
        error: outOfHeap ? `the simulation ran out of memory: it exceeded its JavaScript heap limit of ${this.maxHeapMb} MB` : `the simulation stopped unexpectedly (its process exited with ${signal ?? `code ${code}`})`,
      });
    });
  }

  /** Reads the child's resident memory every interval; over the cap, the run fails and the child is killed. */
  private watchMemory(job: Job, child: ChildProcess): void {
    let reading = false;
    job.watchdog = setInterval(() => {
      if (reading || child.pid === undefined) return;
      reading = true;
      void residentMb(child.pid).then((mb) => {
        reading = false;
        if (mb === undefined || mb <= this.maxResidentMb || job.child !== child) return;
        this.logError(new Error(`simulation ${job.id} (${job.scenarioName}): resident memory ${Math.ceil(mb)} MB over the limit of ${this.maxResidentMb} MB; killed`));
        this.finish(job, { error: `stopped: the simulation exceeded the memory limit of ${this.maxResidentMb} MB (resident memory reached ${Math.ceil(mb)} MB)` });
      });
    }, this.memoryCheckIntervalMs);
  }

  /** Ends a run: done with results, or failed with a client-safe error; kills its child and starts the next. */
  private finish(job: Job, outcome: { finalBlockHash: string | null; files: RunFiles } | { error: string }): void {
    if (job.status === "done" || job.status === "failed") return;
    if ("error" in outcome) {
      job.status = "failed";
      job.error = outcome.error;
    } else {
      job.status = "done";
      job.finalBlockHash = outcome.finalBlockHash;
      job.files = outcome.files;
    }
    job.scenario = undefined;
    job.finishedAt = new Date();
    clearTimeout(job.timer);
    clearInterval(job.watchdog);
    job.timer = job.watchdog = undefined;
    const child = job.child;
    job.child = undefined;
    // The child has written its results (or must stop now): its chain's memory goes with it.
    child?.kill("SIGKILL");
    if (job.status === "failed") {
      // A failed run keeps no files; a child still alive might write one more, so after its exit.
      if (child !== undefined && child.exitCode === null && child.signalCode === null) child.once("exit", () => this.results.removeRun(job.id));
      else this.results.removeRun(job.id);
    }
    if (this.running === job) {
      this.running = undefined;
      process.off("exit", this.killOnExit);
    }
    this.forgetOldRuns();
    this.pump();
  }

  /** Keeps the newest `keepFinished` finished runs; waiting and running ones always stay. */
  private forgetOldRuns(): void {
    const finished = [...this.jobs.values()].filter((j) => j.status === "done" || j.status === "failed").sort((a, b) => b.finishedAt!.getTime() - a.finishedAt!.getTime() || b.seq - a.seq);
    for (const job of finished.slice(this.keepFinished)) {
      this.jobs.delete(job.id);
      this.results.removeRun(job.id);
    }
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

function formatMs(ms: number): string {
  if (ms % 60_000 === 0) return `${ms / 60_000} minute${ms === 60_000 ? "" : "s"}`;
  return `${ms / 1000} s`;
}
