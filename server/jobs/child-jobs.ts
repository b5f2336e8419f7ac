// Background jobs for the API, each in its own child process: a bounded queue, one job at a
// time, capped memory and wall-clock time, and the finished jobs' large results in files of a
// temp folder the server owns. Background simulations (server/simulations/simulation-jobs.ts)
// and background experiments (server/experiments/experiment-jobs.ts) are two kinds of job; this
// file is what they share.
//
// Decisions:
// - One job at a time (the machine has two cores, and the API and a live market need one):
//   up to `maxQueued` (default 4) more wait, so five are accepted (one running, four waiting) and
//   the sixth is refused (the route answers 503), as is any job while the manager is closing.
// - Each job is its own child process (child_process.fork of the kind's entry) with its own
//   ledger (a fresh embedded chain for "chain"). A process, not a worker thread: the embedded
//   chain (EDR) keeps gigabytes of native memory that a worker thread's end does not give back,
//   and it wants one EdrContext per process; a child's memory all goes back to the operating
//   system when it exits, and nothing it does (out of memory, a native crash) can take the
//   server down. The manager kills the child as soon as it has said done or failed.
// - A job's process runs at a lower CPU priority (nice 10) than the server, so that on a small
//   machine the API (and a live market) answer first.
// - Two memory caps: V8's heap (`--max-old-space-size`, default 2048 MB), and the child's resident
//   memory, read from /proc/<pid>/status every `memoryCheckIntervalMs` (default 8192 MB), which
//   counts the chain's native memory too: over it, the child is killed (SIGKILL) and the job fails
//   saying so. A job past the wall-clock limit (default 10 minutes) is stopped the same way.
// - The child writes its large results into the job's folder of a temp folder the server created
//   (results-folder.ts); the routes stream them from there: the server's heap holds only each
//   job's summary. The last `keepFinished` (default 20) finished jobs are kept; a forgotten job's
//   folder is removed, and the whole temp folder on close (or exit).
// - A failed job's error is for clients: an input problem's own message, or a fixed sentence;
//   the child's stack and internal messages go only to `logError`.
// - Wall-clock timestamps (submittedAt, finishedAt) belong to the server, never to a job: a
//   job's results depend on its input alone.
import { fork, type ChildProcess, type Serializable } from "node:child_process";
import { randomUUID } from "node:crypto";
import { setPriority } from "node:os";
import { residentMb } from "../simulations/resident-memory.js";
import { ResultsFolder } from "../simulations/results-folder.js";
import type { ChildMessage } from "./child-protocol.js";

/** A job's process niceness (0 is the server's, 19 the lowest priority). */
const CHILD_NICENESS = 10;
/** The last this many characters of a child's stderr are kept, to tell why it died. */
const STDERR_TAIL = 4096;

export type JobStatus = "queued" | "running" | "done" | "failed";

export interface ChildJobsOptions {
  /** Jobs that may wait while one runs (default 4: five accepted in all). */
  maxQueued?: number;
  /** Finished jobs kept (their summaries in memory, their results on disk), newest (default 20). */
  keepFinished?: number;
  /** Wall-clock ms a job may take before it is stopped and fails (default 10 minutes). */
  timeLimitMs?: number;
  /** At most one progress update per this many ms (default 250). */
  progressIntervalMs?: number;
  /** A job's V8 heap limit in MB (default 2048); the embedded chain's native memory is not in it. */
  maxHeapMb?: number;
  /** A job's resident-memory limit in MB, native chain memory included (default 8192); over it the job is killed and fails. */
  maxResidentMb?: number;
  /** How often a job's resident memory is read, in ms (default 250). */
  memoryCheckIntervalMs?: number;
  /** Where the server creates its temp folder for results (default the OS temp folder). */
  tempParent?: string;
  /** Where a job's internal errors are logged (default stderr); never sent to clients. */
  logError?: (error: unknown) => void;
}

/** What differs between kinds of job. */
export interface JobKind<Request, Meta, Input, Progress, Result> {
  /** In messages: "simulation", "experiment". */
  noun: string;
  /** The child's entry module (a .mjs that loads the job's code). */
  entry: string;
  /** The temp folder's name prefix (e.g. "bidmesh-simulations-"). */
  folderPrefix: string;
  /** Names a job in the server's log (its scenario's or experiment's name). */
  label(meta: Meta): string;
  /** The one message the child gets: what to do, and the folder (created, empty) to write into. */
  input(request: Request, dir: string, progressIntervalMs: number): Input;
}

/** Why a job was not accepted. */
export class JobRefused extends Error {
  override readonly name: string = "JobRefused";

  constructor(
    readonly reason: "queue-full" | "closing",
    message: string,
  ) {
    super(message);
  }
}

/** A job as the manager keeps it: what the kind's summary is made from. */
export interface JobState<Request, Meta, Progress, Result> {
  readonly id: string;
  /** What the job's summary shows about its request, kept after the request is dropped. */
  readonly meta: Meta;
  /** Submission order: the list is newest first by it. */
  readonly seq: number;
  status: JobStatus;
  /** Dropped once the job starts: the child has its copy. */
  request: Request | undefined;
  progress: Progress | null;
  /** Once done. */
  result?: Result;
  /** Once done: the folder the child wrote its files into. */
  dir?: string;
  /** Once failed: why, for clients. */
  error?: string;
  readonly submittedAt: Date;
  finishedAt?: Date;
}

interface Job<Request, Meta, Progress, Result> extends JobState<Request, Meta, Progress, Result> {
  child?: ChildProcess;
  timer?: NodeJS.Timeout;
  watchdog?: NodeJS.Timeout;
  readonly label: string;
}

export class ChildJobs<Request, Meta, Input, Progress, Result> {
  private readonly jobs = new Map<string, Job<Request, Meta, Progress, Result>>();
  private readonly queue: Job<Request, Meta, Progress, Result>[] = [];
  private running: Job<Request, Meta, Progress, Result> | undefined;
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

  constructor(
    private readonly kind: JobKind<Request, Meta, Input, Progress, Result>,
    options: ChildJobsOptions = {},
  ) {
    this.maxQueued = options.maxQueued ?? 4;
    this.keepFinished = options.keepFinished ?? 20;
    this.timeLimitMs = options.timeLimitMs ?? 10 * 60_000;
    this.progressIntervalMs = options.progressIntervalMs ?? 250;
    this.maxHeapMb = options.maxHeapMb ?? 2048;
    this.maxResidentMb = options.maxResidentMb ?? 8192;
    this.memoryCheckIntervalMs = options.memoryCheckIntervalMs ?? 250;
    this.results = new ResultsFolder(options.tempParent, kind.folderPrefix);
    this.logError = options.logError ?? ((error) => console.error(`bidmesh api: ${kind.noun} error:`, error));
  }

  /** The temp folder holding finished jobs' results, once the first job has started. */
  get resultsPath(): string | undefined {
    return this.results.path;
  }

  /**
   * Queues a job and starts it if the slot is free.
   * @throws JobRefused when the queue is full or the manager is closing.
   */
  submit(request: Request, meta: Meta): JobState<Request, Meta, Progress, Result> {
    const noun = this.kind.noun;
    if (this.closed) throw new JobRefused("closing", `the server is shutting down: no new ${noun}s`);
    if (this.queue.length >= this.maxQueued) {
      throw new JobRefused("queue-full", `the ${noun} queue is full (1 running, ${this.queue.length} waiting): retry once one finishes`);
    }
    const job: Job<Request, Meta, Progress, Result> = { id: randomUUID(), seq: ++this.seq, status: "queued", request, meta, progress: null, submittedAt: new Date(), label: this.kind.label(meta) };
    this.jobs.set(job.id, job);
    this.queue.push(job);
    this.pump();
    return job;
  }

  /** A job, or undefined for an unknown (or forgotten) id. */
  get(id: string): JobState<Request, Meta, Progress, Result> | undefined {
    return this.jobs.get(id);
  }

  /** Every job kept, newest first. */
  list(): JobState<Request, Meta, Progress, Result>[] {
    return [...this.jobs.values()].sort((a, b) => b.seq - a.seq);
  }

  /** Fails the waiting jobs, kills the running one, and resolves once its child has exited and the results are removed. */
  close(): Promise<void> {
    this.closed = true;
    const noun = this.kind.noun;
    return (this.closing ??= (async () => {
      for (const job of this.queue.splice(0)) this.finish(job, { error: `the server shut down before this ${noun} ran` });
      const running = this.running;
      if (running !== undefined) this.finish(running, { error: `the server shut down while this ${noun} ran` });
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

  private start(job: Job<Request, Meta, Progress, Result>): void {
    const request = job.request!;
    job.request = undefined;
    job.status = "running";
    this.running = job;
    const noun = this.kind.noun;
    const cannotStart = `the ${noun} could not start (details are in the server's log)`;
    let child: ChildProcess;
    let input: Input;
    let dir: string;
    try {
      dir = this.results.createRun(job.id);
      input = this.kind.input(request, dir, this.progressIntervalMs);
      // stdout goes to the server's own; stderr too, through a pipe that keeps its tail to tell
      // a heap exhaustion apart (nothing of either is sent to clients).
      child = fork(this.kind.entry, [], { execArgv: [`--max-old-space-size=${this.maxHeapMb}`], serialization: "advanced", stdio: ["ignore", "inherit", "pipe", "ipc"] });
    } catch (error) {
      this.logError(error);
      this.finish(job, { error: cannotStart });
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
      this.finish(job, { error: `stopped: the ${noun} ran longer than the limit of ${formatMs(this.timeLimitMs)}` });
    }, this.timeLimitMs);
    this.watchMemory(job, child);

    child.on("message", (message: ChildMessage<Progress, Result>) => {
      if (job.status !== "running") return;
      switch (message.type) {
        case "ready":
          // Structured clone ("advanced" serialization) carries any plain data, bigints included.
          child.send(input as Serializable, (error) => {
            if (error === null || job.status !== "running") return;
            this.logError(error);
            this.finish(job, { error: cannotStart });
          });
          break;
        case "progress":
          job.progress = message.progress;
          break;
        case "done":
          if (message.progress !== null) job.progress = message.progress;
          this.finish(job, { result: message.result, dir });
          break;
        case "failed":
          if (message.detail !== undefined) this.logError(new Error(`${noun} ${job.id} (${job.label}) failed: ${message.detail}`));
          this.finish(job, { error: message.error });
          break;
      }
    });
    child.on("error", (error) => {
      if (job.status !== "running") return;
      this.logError(error);
      this.finish(job, { error: cannotStart });
    });
    child.on("exit", (code, signal) => {
      if (job.status !== "running") return;
      const outOfHeap = /heap out of memory|Reached heap limit/.test(stderrTail);
      this.logError(new Error(`${noun} ${job.id} (${job.label}): its process exited (code ${code}, signal ${signal})`));
      this.finish(job, {
        error: outOfHeap ? `the ${noun} ran out of memory: it exceeded its JavaScript heap limit of ${this.maxHeapMb} MB` : `the ${noun} stopped unexpectedly (its process exited with ${signal ?? `code ${code}`})`,
      });
    });
  }

  /** Reads the child's resident memory every interval; over the cap, the job fails and the child is killed. */
  private watchMemory(job: Job<Request, Meta, Progress, Result>, child: ChildProcess): void {
    let reading = false;
    job.watchdog = setInterval(() => {
      if (reading || child.pid === undefined) return;
      reading = true;
      void residentMb(child.pid).then((mb) => {
        reading = false;
        if (mb === undefined || mb <= this.maxResidentMb || job.child !== child) return;
        this.logError(new Error(`${this.kind.noun} ${job.id} (${job.label}): resident memory ${Math.ceil(mb)} MB over the limit of ${this.maxResidentMb} MB; killed`));
        this.finish(job, { error: `stopped: the ${this.kind.noun} exceeded the memory limit of ${this.maxResidentMb} MB (resident memory reached ${Math.ceil(mb)} MB)` });
      });
    }, this.memoryCheckIntervalMs);
  }

  /** Ends a job: done with results, or failed with a client-safe error; kills its child and starts the next. */
  private finish(job: Job<Request, Meta, Progress, Result>, outcome: { result: Result; dir: string } | { error: string }): void {
    if (job.status === "done" || job.status === "failed") return;
    if ("error" in outcome) {
      job.status = "failed";
      job.error = outcome.error;
    } else {
      job.status = "done";
      job.result = outcome.result;
      job.dir = outcome.dir;
    }
    job.request = undefined;
    job.finishedAt = new Date();
    clearTimeout(job.timer);
    clearInterval(job.watchdog);
    job.timer = job.watchdog = undefined;
    const child = job.child;
    job.child = undefined;
    // The child has written its results (or must stop now): its chain's memory goes with it.
    child?.kill("SIGKILL");
    if (job.status === "failed") {
      // A failed job keeps no files; a child still alive might write one more, so after its exit.
      if (child !== undefined && child.exitCode === null && child.signalCode === null) child.once("exit", () => this.results.removeRun(job.id));
      else this.results.removeRun(job.id);
    }
    if (this.running === job) {
      this.running = undefined;
      process.off("exit", this.killOnExit);
    }
    this.forgetOldJobs();
    this.pump();
  }

  /** Keeps the newest `keepFinished` finished jobs; waiting and running ones always stay. */
  private forgetOldJobs(): void {
    const finished = [...this.jobs.values()].filter((j) => j.status === "done" || j.status === "failed").sort((a, b) => b.finishedAt!.getTime() - a.finishedAt!.getTime() || b.seq - a.seq);
    for (const job of finished.slice(this.keepFinished)) {
      this.jobs.delete(job.id);
      this.results.removeRun(job.id);
    }
  }
}

function formatMs(ms: number): string {
  if (ms % 60_000 === 0) return `${ms / 60_000} minute${ms === 60_000 ? "" : "s"}`;
  return `${ms / 1000} s`;
}
