import { availableParallelism } from "node:os";
import { redactRedisUrl } from "../sim/experiment/queue-executor.js";
import { startQueueWorker } from "../sim/experiment/queue-worker.js";
import type { RunResult } from "../sim/experiment/types.js";

export interface WorkerCommandOptions {
  /** redis://HOST:PORT, already checked by parseQueueUrl. */
  queue: string;
  /** Runs at once (threads); default one per core. */
  concurrency?: number;
}

/** How often a line says how many runs were done (only when some were). */
const REPORT_MS = 10_000;
/** The signals that stop a worker, with the shell's exit code for each (128 + n), used when a second one forces it. */
const SIGNALS = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const;

/**
 * `bidmesh worker`: takes experiment runs off the queue until stopped. The first SIGINT/SIGTERM
 * stops it taking runs and lets the runs in hand finish (their results reach the coordinator),
 * then it exits 0; a second one exits at once, and the queue gives its runs to another worker
 * once their locks expire.
 */
export async function workerCommand(options: WorkerCommandOptions): Promise<void> {
  const concurrency = options.concurrency ?? availableParallelism();
  let done = 0;
  let failed = 0;
  let reported = 0;
  const worker = await startQueueWorker({
    url: options.queue,
    concurrency,
    onRun: (result: RunResult) => {
      done += 1;
      if (!result.ok) failed += 1;
    },
  });
  console.log(`bidmesh worker: processing runs from ${redactRedisUrl(options.queue)} with ${concurrency} thread${concurrency === 1 ? "" : "s"}`);
  const counts = () => `${done} run${done === 1 ? "" : "s"} done${failed > 0 ? ` (${failed} failed)` : ""}`;
  const timer = setInterval(() => {
    if (done === reported) return;
    console.log(`bidmesh worker: ${counts()}, ${done - reported} in the last ${REPORT_MS / 1000} s`);
    reported = done;
  }, REPORT_MS);

  await new Promise<void>((resolve, reject) => {
    let stopping = false;
    const handlers = Object.entries(SIGNALS).map(([signal, code]) => {
      const handler = () => {
        if (stopping) {
          console.error(`bidmesh: interrupted again (${signal}); exiting now, the queue will give this worker's runs to another`);
          process.exit(code);
        }
        stopping = true;
        clearInterval(timer);
        console.log(`bidmesh worker: stopping (${signal}): finishing the runs in hand`);
        worker.close().then(() => {
          for (const [name, h] of handlers) process.off(name, h);
          console.log(`bidmesh worker: stopped; ${counts()}`);
          resolve();
        }, reject);
      };
      process.on(signal, handler);
      return [signal, handler] as const;
    });
  });
}
