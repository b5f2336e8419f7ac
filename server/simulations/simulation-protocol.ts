// The messages between the job manager (simulation-jobs.ts) and a job's worker thread
// (simulation-job.ts): types only, so the manager never loads the worker's code.
import type { MarketProgress } from "../../sim/market/market-types.js";
import type { RunMetrics } from "../../sim/report/types.js";
import type { Scenario } from "../../sim/scenario/schema.js";

/** The worker's `workerData`. A parsed scenario crosses threads by structured clone (bigints included). */
export interface JobInput {
  scenario: Scenario;
  ledger: "chain" | "memory";
  /** At most one progress message per this many milliseconds (the last one comes with `done`). */
  progressIntervalMs: number;
}

export type JobMessage =
  | { type: "progress"; progress: MarketProgress }
  | { type: "done"; progress: MarketProgress | null; metrics: RunMetrics; finalBlockHash: string | null; reportHtml: string }
  /**
   * `error` is for clients: a scenario problem's own message, or a fixed sentence. `detail` (the
   * original error's message and stack) is for the server's log only.
   */
  | { type: "failed"; error: string; detail?: string };
