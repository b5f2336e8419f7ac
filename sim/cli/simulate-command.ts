import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { InputError } from "../input-error.js";
import { formatComparisonTable } from "../report/comparison-table.js";
import { simulate } from "../run/simulate.js";
import { RunWriter } from "../run/write-run.js";
import { loadScenario } from "../scenario/load.js";
import { progressReporter } from "./progress.js";

export interface SimulateCommandOptions {
  scenario: string;
  seed?: number;
  ledger: "chain" | "memory";
  rpcUrl?: string;
  out?: string;
  progress: boolean;
}

/** `bidmesh simulate`: run, print the comparison, write the run folder. */
export async function simulateCommand(options: SimulateCommandOptions): Promise<void> {
  if (options.rpcUrl !== undefined && options.ledger !== "chain") {
    throw new InputError("rpc-url", "only applies to --ledger chain");
  }
  const scenario = loadScenario(options.scenario, { seed: options.seed });
  const out = options.out ?? join("runs", `${scenario.name}-${scenario.seed}`);
  const progress = options.progress ? progressReporter(scenario.name) : { update: () => undefined, stop: () => undefined };
  const writer = RunWriter.open(out);
  let result;
  try {
    result = await simulate({
      scenario,
      ledger: options.ledger,
      rpcUrl: options.rpcUrl,
      onProgress: progress.update,
      trace: writer.traceSink,
      chainLog: writer.chainSink,
    });
  } catch (error) {
    writer.abort();
    throw error;
  } finally {
    progress.stop();
  }
  // A file is remembered by its absolute path, a built-in by its name, so `audit` can reload it.
  writer.commit(result, existsSync(options.scenario) ? resolve(options.scenario) : options.scenario);
  console.log(`${scenario.name}, seed ${scenario.seed}, ${options.ledger} ledger${result.finalBlockHash === null ? "" : `, final block ${result.finalBlockHash}`}\n`);
  console.log(formatComparisonTable(result.metrics));
  console.log(`\nwrote ${join(out, "metrics.json")}, ${join(out, "trace.jsonl")}, ${join(out, "report.html")}`);
}
