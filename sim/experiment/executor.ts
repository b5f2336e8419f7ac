// What runs an experiment's runs: worker threads on this machine (pool-executor.ts) or workers
// anywhere through a queue (queue-executor.ts). The coordinator hands an executor the runs it
// still needs and receives each result as it arrives, in whatever order; results are keyed by
// (arm, seed), so the order never reaches the outputs.
import type { RunRequest, RunResult } from "./types.js";

export interface RunExecutor {
  /** How many runs it does at once (for progress and ETA). */
  readonly parallelism: number;
  /** Runs every request, calling `onResult` once per request; resolves when all are done. */
  runAll(requests: readonly RunRequest[], onResult: (result: RunResult) => void, signal: AbortSignal): Promise<void>;
  /** Releases threads and connections. */
  close(): Promise<void>;
}
