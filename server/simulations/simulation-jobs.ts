// Background simulation runs for the API (POST /api/simulations): one child process per run,
// queued and capped by the shared job manager (server/jobs/child-jobs.ts, whose header gives the
// decisions: one at a time, four waiting, heap and resident-memory caps, a wall-clock limit,
// the newest 20 finished runs kept in a temp folder the server owns). This file is what is
// particular to a simulation: its input, its progress (simulated time against the horizon) and
// its files (metrics.json and report.html).
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { MarketProgress } from "../../sim/market/market-types.js";
import type { Scenario } from "../../sim/scenario/schema.js";
import { ChildJobs, JobRefused, type ChildJobsOptions, type JobState } from "../jobs/child-jobs.js";
import { simulationHorizon, type LedgerKind, type SimulationProgress, type SimulationStatus, type SimulationSummaryJson } from "../simulation-schemas.js";
import { METRICS_FILE, REPORT_FILE, type SimulationInput, type SimulationResult } from "./simulation-protocol.js";

const CHILD_ENTRY = fileURLToPath(new URL("./simulation-child.mjs", import.meta.url));

export type SimulationJobsOptions = ChildJobsOptions;

/** Why a run was not accepted (the route answers 503). */
export { JobRefused as SimulationRefused };

/** What a queued run needs (dropped when it starts). */
interface SimulationRequest {
  scenario: Scenario;
  ledger: LedgerKind;
}

/** What its summary shows. */
interface SimulationMeta {
  scenarioName: string;
  seed: number;
  ledger: LedgerKind;
  horizon: number;
}

/** What `report(id)` finds. */
export type ReportLookup = { found: false } | { found: true; status: SimulationStatus; report?: { file: string; csp: string } };

export class SimulationJobs {
  private readonly jobs: ChildJobs<SimulationRequest, SimulationMeta, SimulationInput, MarketProgress, SimulationResult>;

  constructor(options: SimulationJobsOptions = {}) {
    this.jobs = new ChildJobs(
      {
        noun: "simulation",
        entry: CHILD_ENTRY,
        folderPrefix: "bidmesh-simulations-",
        label: (meta) => meta.scenarioName,
        input: ({ scenario, ledger }, dir, progressIntervalMs) => ({ type: "start", scenario, ledger, progressIntervalMs, dir }),
      },
      options,
    );
  }

  /** The temp folder holding finished runs' results, once the first run has started. */
  get resultsPath(): string | undefined {
    return this.jobs.resultsPath;
  }

  /**
   * Queues a run of `scenario` (its seed already chosen) and starts it if the run slot is free.
   * @throws SimulationRefused when the queue is full or the manager is closing.
   */
  submit(scenario: Scenario, ledger: LedgerKind): SimulationSummaryJson {
    const job = this.jobs.submit({ scenario, ledger }, { scenarioName: scenario.name, seed: scenario.seed, ledger, horizon: simulationHorizon(scenario) });
    return this.summary(job);
  }

  /** A run's summary (without metrics), or undefined for an unknown (or forgotten) id. */
  get(id: string): SimulationSummaryJson | undefined {
    const job = this.jobs.get(id);
    return job === undefined ? undefined : this.summary(job);
  }

  /** The file holding a done run's metrics (metrics.json), or undefined until it is done. */
  metricsFile(id: string): string | undefined {
    const dir = this.jobs.get(id)?.dir;
    return dir === undefined ? undefined : join(dir, METRICS_FILE);
  }

  /** Every run kept, newest first, without metrics. */
  list(): SimulationSummaryJson[] {
    return this.jobs.list().map((job) => this.summary(job));
  }

  /** A run's HTML report file and its policy, once done. */
  report(id: string): ReportLookup {
    const job = this.jobs.get(id);
    if (job === undefined) return { found: false };
    const done = job.dir !== undefined && job.result !== undefined;
    return { found: true, status: job.status, report: done ? { file: join(job.dir!, REPORT_FILE), csp: job.result!.reportCsp } : undefined };
  }

  /** Fails the waiting runs, kills the running one, and resolves once its child has exited and the results are removed. */
  close(): Promise<void> {
    return this.jobs.close();
  }

  /** A run as the API shows it, without metrics. */
  private summary(job: JobState<SimulationRequest, SimulationMeta, MarketProgress, SimulationResult>): SimulationSummaryJson {
    const meta = job.meta;
    const p = job.progress;
    const progress: SimulationProgress = {
      time: p?.time ?? 0,
      horizon: meta.horizon,
      fraction: job.status === "done" ? 1 : Math.min(1, Math.max(0, (p?.time ?? 0) / meta.horizon)),
      blocks: p?.blocks ?? 0,
      tasksPosted: p?.tasksPosted ?? 0,
      tasksDone: p?.tasksDone ?? 0,
    };
    return {
      id: job.id,
      status: job.status,
      scenario: meta.scenarioName,
      seed: meta.seed,
      ledger: meta.ledger,
      progress,
      ...(job.status === "done" ? { finalBlockHash: job.result?.finalBlockHash ?? null } : {}),
      ...(job.error === undefined ? {} : { error: job.error }),
      submittedAt: job.submittedAt.toISOString(),
      ...(job.finishedAt === undefined ? {} : { finishedAt: job.finishedAt.toISOString() }),
    };
  }
}
