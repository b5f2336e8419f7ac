// Background experiments for the API (POST /api/experiments): one child process per experiment,
// queued and capped by the shared job manager (server/jobs/child-jobs.ts: one job at a time,
// heap and resident-memory caps, a wall-clock limit, finished jobs' files in a temp folder the
// server owns). Fewer wait and fewer are kept than for simulations: an experiment is many runs.
// This file is what is particular to an experiment: its input, its progress in runs, its files.
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { EXPERIMENT_FILES } from "../../sim/experiment/experiment-folder.js";
import type { Json } from "../../sim/experiment/types.js";
import { ChildJobs, JobRefused, type ChildJobsOptions, type JobState, type JobStatus } from "../jobs/child-jobs.js";
import { OUTPUT_FOLDER, type ExperimentInput, type ExperimentJobProgress, type ExperimentJobResult } from "./experiment-protocol.js";

const CHILD_ENTRY = fileURLToPath(new URL("./experiment-child.mjs", import.meta.url));

/** Why an experiment was not accepted (the route answers 503). */
export { JobRefused as ExperimentRefused };

export type ExperimentFileName = (typeof EXPERIMENT_FILES)[number];

/** What a queued experiment needs (dropped when it starts). */
export interface ExperimentRequestData {
  data: Json;
  source: string;
  tasks: boolean;
}

/** What its summary shows, fixed at submission. */
export interface ExperimentMeta {
  name: string;
  ledger: "chain" | "memory";
  arms: number;
  seeds: number;
  runs: number;
  tasks: boolean;
}

export interface ExperimentSummaryJson {
  id: string;
  status: JobStatus;
  name: string;
  ledger: "chain" | "memory";
  arms: number;
  seeds: number;
  progress: ExperimentJobProgress & { fraction: number };
  headline?: string;
  error?: string;
  submittedAt: string;
  finishedAt?: string;
}

/** What `file(id, name)` finds. */
export type FileLookup = { found: false } | { found: true; status: JobStatus; file?: { path: string; csp?: string } };

export class ExperimentJobs {
  private readonly jobs: ChildJobs<ExperimentRequestData, ExperimentMeta, ExperimentInput, ExperimentJobProgress, ExperimentJobResult>;

  /** Defaults: two may wait (three accepted), the newest 10 finished kept, 10 minutes each. */
  constructor(options: ChildJobsOptions = {}) {
    this.jobs = new ChildJobs(
      {
        noun: "experiment",
        entry: CHILD_ENTRY,
        folderPrefix: "bidmesh-experiments-",
        label: (meta) => meta.name,
        input: ({ data, source, tasks }, dir, progressIntervalMs) => ({ type: "start", data, source, tasks, progressIntervalMs, dir }),
      },
      { maxQueued: 2, keepFinished: 10, ...options },
    );
  }

  /** @throws ExperimentRefused when the queue is full or the manager is closing. */
  submit(request: ExperimentRequestData, meta: ExperimentMeta): ExperimentSummaryJson {
    return summary(this.jobs.submit(request, meta));
  }

  get(id: string): ExperimentSummaryJson | undefined {
    const job = this.jobs.get(id);
    return job === undefined ? undefined : summary(job);
  }

  /** Every experiment kept, newest first. */
  list(): ExperimentSummaryJson[] {
    return this.jobs.list().map(summary);
  }

  /** One of a done experiment's files (tasks.parquet only if it was asked for), with experiment.html's policy. */
  file(id: string, name: ExperimentFileName): FileLookup {
    const job = this.jobs.get(id);
    if (job === undefined) return { found: false };
    if (job.dir === undefined || job.result === undefined) return { found: true, status: job.status };
    if (name === "tasks.parquet" && !job.meta.tasks) return { found: true, status: job.status };
    const path = join(job.dir, OUTPUT_FOLDER, name);
    return { found: true, status: job.status, file: name === "experiment.html" ? { path, csp: job.result.reportCsp } : { path } };
  }

  close(): Promise<void> {
    return this.jobs.close();
  }
}

function summary(job: JobState<ExperimentRequestData, ExperimentMeta, ExperimentJobProgress, ExperimentJobResult>): ExperimentSummaryJson {
  const p = job.progress ?? { done: 0, total: job.meta.runs, failed: 0, seeds: job.meta.seeds };
  return {
    id: job.id,
    status: job.status,
    name: job.meta.name,
    ledger: job.meta.ledger,
    arms: job.meta.arms,
    seeds: p.seeds,
    progress: { ...p, fraction: job.status === "done" ? 1 : p.total === 0 ? 0 : p.done / p.total },
    ...(job.result === undefined ? {} : { headline: job.result.headline }),
    ...(job.error === undefined ? {} : { error: job.error }),
    submittedAt: job.submittedAt.toISOString(),
    ...(job.finishedAt === undefined ? {} : { finishedAt: job.finishedAt.toISOString() }),
  };
}
