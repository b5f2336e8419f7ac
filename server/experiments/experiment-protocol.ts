// What the experiment job manager (experiment-jobs.ts) and an experiment's child process
// (experiment-job.ts) tell each other, beyond the messages every job shares
// (server/jobs/child-protocol.ts). Types only, so the manager never loads the job's code.
import type { Json } from "../../sim/experiment/types.js";

/** The folder, inside the job's own, that the child commits the experiment's files onto. */
export const OUTPUT_FOLDER = "experiment";

/** The one message the manager sends. */
export interface ExperimentInput {
  type: "start";
  /** The experiment as the request validated it (its base a built-in scenario's name or inline): planned again, the same way, in the child. */
  data: Json;
  /** Where it came from, for the report: a built-in's name or "request". */
  source: string;
  /** Also write tasks.parquet. */
  tasks: boolean;
  /** At most one progress message per this many milliseconds (the last one comes with `done`). */
  progressIntervalMs: number;
  /** The job's folder (created, empty): the files go into OUTPUT_FOLDER inside it. */
  dir: string;
}

/** Runs done so far. */
export interface ExperimentJobProgress {
  done: number;
  total: number;
  failed: number;
  seeds: number;
}

/** A done experiment's small result; its files (experiment.json and the rest) are on disk. */
export interface ExperimentJobResult {
  /** The headline line `bidmesh experiment` prints. */
  headline: string;
  /** The Content-Security-Policy experiment.html is served with (its inline scripts by hash). */
  reportCsp: string;
}
