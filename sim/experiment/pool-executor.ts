// Runs an experiment on this machine's cores: a piscina pool of long-lived worker threads, each
// with its own ledger (memory, or its own embedded chain) and its modules loaded once, so a run
// costs its simulation and nothing else (no process start, no TypeScript compile).
import { setMaxListeners } from "node:events";
import { availableParallelism } from "node:os";
import { Piscina } from "piscina";
import type { RunExecutor } from "./executor.js";
import type { RunRequest, RunResult } from "./types.js";

const WORKER = new URL("./run-worker.mjs", import.meta.url);

/** The default --jobs: one thread per core. */
export function defaultJobs(): number {
  return availableParallelism();
}

export class PoolExecutor implements RunExecutor {
  private readonly pool: Piscina<RunRequest, RunResult>;

  constructor(readonly parallelism: number) {
    // Every thread starts at once and stays: idle threads are not reaped between runs.
    this.pool = new Piscina({ filename: WORKER.href, minThreads: parallelism, maxThreads: parallelism, idleTimeout: Number.POSITIVE_INFINITY, concurrentTasksPerWorker: 1 });
  }

  async runAll(requests: readonly RunRequest[], onResult: (result: RunResult) => void, signal: AbortSignal): Promise<void> {
    // Every queued run listens on the one signal: that is expected, not a leak.
    setMaxListeners(requests.length + 16, signal);
    await Promise.all(
      requests.map(async (request) => {
        try {
          onResult(await this.pool.run(request, { signal }));
        } catch (error) {
          if (signal.aborted) throw error;
          // A thread that died (out of memory, a native crash) fails this run, not the experiment.
          onResult({ arm: request.arm, seed: request.seed, ok: false, error: `worker thread failed: ${error instanceof Error ? error.message : String(error)}` });
        }
      }),
    );
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}
