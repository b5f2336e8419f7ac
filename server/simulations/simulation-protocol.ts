// What the simulation job manager (simulation-jobs.ts) and a simulation's child process
// (simulation-job.ts) tell each other, beyond the messages every job shares
// (server/jobs/child-protocol.ts). Types only, so the manager never loads the job's code.
import type { Scenario } from "../../sim/scenario/schema.js";

/** The files a done simulation leaves in its folder. */
export const METRICS_FILE = "metrics.json";
export const REPORT_FILE = "report.html";

/** The one message the manager sends: what to run, and the folder to write the results into. */
export interface SimulationInput {
  type: "start";
  scenario: Scenario;
  ledger: "chain" | "memory";
  /** At most one progress message per this many milliseconds (the last one comes with `done`). */
  progressIntervalMs: number;
  /** The folder (created, empty) the child writes metrics.json and report.html into before it says `done`. */
  dir: string;
}

/**
 * A done simulation's small result; metrics.json and report.html are in its folder, not in the
 * message: the server streams them from disk and never holds a large run's results in its heap.
 */
export interface SimulationResult {
  finalBlockHash: string | null;
  /** The Content-Security-Policy its report is served with (its inline scripts by hash). */
  reportCsp: string;
}
