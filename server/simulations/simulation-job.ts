// One background simulation, inside its own child process (forked by simulation-jobs.ts through
// simulation-child.mjs): runs the scenario on its own ledger (a fresh embedded chain for
// "chain"), writes the metrics and the HTML report the CLI would write into the folder the
// manager made, then says `done`. The trace and the raw chain blocks go to no-op sinks, so a long
// run's memory stays flat; the manager kills the process once it has said `done`, and its
// chain's memory goes back to the operating system with it.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { MarketProgress } from "../../sim/market/market-types.js";
import { renderReport } from "../../sim/report/html.js";
import { simulate } from "../../sim/run/simulate.js";
import { serveChildJob } from "../jobs/child-side.js";
import { reportContentSecurityPolicy } from "./report-csp.js";
import { METRICS_FILE, REPORT_FILE, type SimulationInput, type SimulationResult } from "./simulation-protocol.js";

serveChildJob<SimulationInput, MarketProgress, SimulationResult>("simulation", async (input, progress) => {
  const result = await simulate({ scenario: input.scenario, ledger: input.ledger, onProgress: progress, trace: () => undefined, chainLog: () => undefined });
  const reportHtml = renderReport(result.report);
  await writeFile(join(input.dir, METRICS_FILE), JSON.stringify(result.metrics));
  await writeFile(join(input.dir, REPORT_FILE), reportHtml);
  return { finalBlockHash: result.finalBlockHash, reportCsp: reportContentSecurityPolicy(reportHtml) };
});
