import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { InputError } from "../sim/input-error.js";
import { formatChainCostNote, formatComparisonTable } from "../sim/report/comparison-table.js";
import { simulate } from "../sim/run/simulate.js";
import { RunWriter } from "../sim/run/write-run.js";
import { loadScenario } from "../sim/scenario/load.js";
import { onInterrupt } from "./interrupt.js";
import { progressReporter } from "./progress.js";

export interface SimulateCommandOptions {
  scenario: string;
  seed?: number;
  ledger: "chain" | "memory";
  rpcUrl?: string;
  out?: string;
  /** Replace `out` if it holds a previous run (and nothing else). */
  force?: boolean;
  progress: boolean;
}

/** `bidmesh simulate`: run, print the comparison, write the run folder. */
export async function simulateCommand(options: SimulateCommandOptions): Promise<void> {
  if (options.rpcUrl !== undefined && options.ledger !== "chain") {
    throw new InputError("rpc-url", "only applies to --ledger chain");
  }
  const scenario = loadScenario(options.scenario, { seed: options.seed });
  const out = options.out ?? join("runs", `${scenario.name}-${scenario.seed}`);
  // The default folder is bidmesh's own: a previous run of the same scenario and seed there is
  // replaced, so `npm start` can be run again. A folder the user names needs --force.
  const writer = RunWriter.open(out, { replaceRun: options.force === true || options.out === undefined });
  const progress = options.progress ? progressReporter(scenario.name) : { update: () => undefined, stop: () => undefined };
  const stopWatching = onInterrupt("the run was stopped and nothing was written", () => {
    progress.stop();
    writer.abort();
  });
  // A file is remembered by its absolute path, a built-in by its name, so `audit` can reload it.
  const isFile = existsSync(options.scenario);
  const scenarioRef = isFile ? resolve(options.scenario) : options.scenario;
  let result;
  try {
    result = await simulate({
      scenario,
      ledger: options.ledger,
      rpcUrl: options.rpcUrl,
      onProgress: progress.update,
      trace: writer.traceSink,
      chainLog: writer.chainSink,
      // The report's reproduce command runs the copy kept in the run folder.
      scenarioArg: isFile ? writer.scenarioCopy(scenarioRef) : undefined,
    });
  } catch (error) {
    stopWatching();
    writer.abort();
    throw error;
  } finally {
    progress.stop();
  }
  // commit is synchronous: no signal handler can run in the middle of it.
  try {
    writer.commit(result, scenarioRef);
  } finally {
    stopWatching();
  }
  console.log(`${scenario.name}, seed ${scenario.seed}, ${options.ledger} ledger${result.finalBlockHash === null ? "" : `, final block ${result.finalBlockHash}`}\n`);
  console.log(formatComparisonTable(result.metrics));
  console.log(formatChainCostNote(result.metrics));
  console.log(`\nwrote ${join(out, "metrics.json")}, ${join(out, "trace.jsonl")}, ${join(out, "report.html")}`);
}
