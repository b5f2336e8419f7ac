// One background simulation, inside its own worker thread (loaded by simulation-worker.mjs):
// runs the scenario on its own ledger (a fresh embedded chain for "chain"), reports progress
// at most every `progressIntervalMs`, then posts the metrics, the final block hash and the
// HTML report the CLI would write. Nothing of the run is kept beyond that: the trace and the
// raw chain blocks go to no-op sinks, so a long run's memory stays flat.
import { parentPort, workerData } from "node:worker_threads";
import { InputError } from "../../sim/input-error.js";
import type { MarketProgress } from "../../sim/market/market-types.js";
import { renderReport } from "../../sim/report/html.js";
import { simulate } from "../../sim/run/simulate.js";
import type { JobInput, JobMessage } from "./simulation-protocol.js";

const port = parentPort;
if (port === null) throw new Error("simulation-job.ts runs only in a worker thread");
const post = (message: JobMessage): void => port.postMessage(message);

const input = workerData as JobInput;
let latest: MarketProgress | null = null;
// Wall-clock time only paces the messages; it never reaches the simulation.
let lastSent = -Infinity;

try {
  const result = await simulate({
    scenario: input.scenario,
    ledger: input.ledger,
    onProgress: (progress) => {
      latest = progress;
      const now = performance.now();
      if (now - lastSent >= input.progressIntervalMs) {
        lastSent = now;
        post({ type: "progress", progress });
      }
    },
    trace: () => undefined,
    chainLog: () => undefined,
  });
  post({
    type: "done",
    progress: latest,
    metrics: result.metrics,
    finalBlockHash: result.finalBlockHash,
    reportHtml: renderReport(result.report),
  });
} catch (error) {
  // A scenario the simulator refuses at run time says why in its own words (field: problem);
  // anything else is internal, and its message stays in the server's log.
  post(
    error instanceof InputError
      ? { type: "failed", error: error.message }
      : { type: "failed", error: "the simulation failed unexpectedly (details are in the server's log)", detail: error instanceof Error ? (error.stack ?? error.message) : String(error) },
  );
}
