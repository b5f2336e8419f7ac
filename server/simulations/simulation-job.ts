// One background simulation, inside its own child process (forked by simulation-jobs.ts through
// simulation-child.mjs): waits for its input on the IPC channel, runs the scenario on its own
// ledger (a fresh embedded chain for "chain"), reports progress at most every
// `progressIntervalMs`, writes the metrics and the HTML report the CLI would write to the files
// the manager named, then says `done`. The trace and the raw chain blocks go to no-op sinks, so
// a long run's memory stays flat; the manager kills the process once it has said `done`, and its
// chain's memory goes back to the operating system with it.
import { writeFile } from "node:fs/promises";
import { InputError } from "../../sim/input-error.js";
import type { MarketProgress } from "../../sim/market/market-types.js";
import { renderReport } from "../../sim/report/html.js";
import { simulate } from "../../sim/run/simulate.js";
import { reportContentSecurityPolicy } from "./report-csp.js";
import type { JobInput, JobMessage } from "./simulation-protocol.js";

if (process.send === undefined) throw new Error("simulation-job.ts runs only in a process forked with an IPC channel");
const send = (message: JobMessage): Promise<void> =>
  new Promise((resolve) => {
    // A manager that has gone cannot be told; the disconnect handler below ends this process.
    if (!process.connected) return resolve();
    process.send!(message, undefined, {}, () => resolve());
  });

// The server went away (it exited, or was killed): nobody wants this run any more.
process.once("disconnect", () => process.exit(1));

process.once("message", (input: JobInput) => void run(input));
void send({ type: "ready" });

async function run(input: JobInput): Promise<void> {
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
          void send({ type: "progress", progress });
        }
      },
      trace: () => undefined,
      chainLog: () => undefined,
    });
    const reportHtml = renderReport(result.report);
    await writeFile(input.metricsFile, JSON.stringify(result.metrics));
    await writeFile(input.reportFile, reportHtml);
    await send({ type: "done", progress: latest, finalBlockHash: result.finalBlockHash, reportCsp: reportContentSecurityPolicy(reportHtml) });
  } catch (error) {
    // A scenario the simulator refuses at run time says why in its own words (field: problem);
    // anything else is internal, and its message stays in the server's log.
    await send(
      error instanceof InputError
        ? { type: "failed", error: error.message }
        : { type: "failed", error: "the simulation failed unexpectedly (details are in the server's log)", detail: error instanceof Error ? (error.stack ?? error.message) : String(error) },
    );
  }
}
