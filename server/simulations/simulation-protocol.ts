// The messages between the job manager (simulation-jobs.ts) and a job's child process
// (simulation-job.ts), over the fork's IPC channel with "advanced" serialization (structured
// clone, so a parsed scenario's bigints cross as they are): types only, so the manager never
// loads the job's code.
import type { MarketProgress } from "../../sim/market/market-types.js";
import type { Scenario } from "../../sim/scenario/schema.js";

/** The one message the manager sends: what to run, and where to write the results. */
export interface JobInput {
  type: "start";
  scenario: Scenario;
  ledger: "chain" | "memory";
  /** At most one progress message per this many milliseconds (the last one comes with `done`). */
  progressIntervalMs: number;
  /** The files the child writes before it says `done`; the manager created their folder. */
  metricsFile: string;
  reportFile: string;
}

export type JobMessage =
  /** Sent once the child listens: only then does the manager send its input (a message sent earlier could be lost). */
  | { type: "ready" }
  | { type: "progress"; progress: MarketProgress }
  /**
   * The metrics (metrics.json) and the HTML report are in their files, not in the message: the
   * server streams them from disk and never holds a large run's results in its heap.
   */
  | { type: "done"; progress: MarketProgress | null; finalBlockHash: string | null; reportCsp: string }
  /**
   * `error` is for clients: a scenario problem's own message, or a fixed sentence. `detail` (the
   * original error's message and stack) is for the server's log only.
   */
  | { type: "failed"; error: string; detail?: string };
