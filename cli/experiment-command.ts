import { join } from "node:path";
import { ExperimentFolder } from "../sim/experiment/experiment-folder.js";
import type { RunExecutor } from "../sim/experiment/executor.js";
import { formatHeadline } from "../sim/experiment/headline.js";
import { loadExperiment, type ExperimentPlan } from "../sim/experiment/plan.js";
import { defaultJobs, PoolExecutor } from "../sim/experiment/pool-executor.js";
import { executeExperiment } from "../sim/experiment/execute.js";
import { InputError } from "../sim/input-error.js";
import { shellWord } from "../sim/run/simulate.js";
import { experimentProgress } from "./experiment-progress.js";
import { onInterrupt } from "./interrupt.js";

export interface ExperimentCommandOptions {
  out?: string;
  jobs?: number;
  queue?: string;
  resume?: boolean;
  tasks?: boolean;
  targetCi?: number;
  maxSeeds?: number;
  progress: boolean;
}

/** `bidmesh experiment FILE`: every arm on every seed, then the statistics and the files, all or nothing. */
export async function experimentCommand(fileArg: string, options: ExperimentCommandOptions): Promise<void> {
  if (options.jobs !== undefined && options.queue !== undefined) throw new InputError("jobs", "runs on this machine's threads; with --queue the workers choose their own (bidmesh worker --concurrency)");
  if (options.maxSeeds !== undefined && options.targetCi === undefined) throw new InputError("max-seeds", "only applies with --target-ci");
  const plan = loadExperiment(fileArg);
  const out = options.out ?? join("experiments", plan.file.name);
  const folder = ExperimentFolder.open(out, plan.fingerprint, options.resume === true);
  const executor = await openExecutor(plan, options);
  const progress = experimentProgress(plan.file.name, options.progress);
  const controller = new AbortController();
  const stopWatching = onInterrupt(`the runs done so far are kept in ${folder.partialDir}; run the same command with --resume to go on`, () => {
    controller.abort();
    progress.stop();
  });
  let summary;
  try {
    summary = await executeExperiment({
      plan,
      folder,
      executor,
      tasks: options.tasks === true,
      onProgress: progress.update,
      signal: controller.signal,
      targetCi: options.targetCi === undefined ? undefined : { width: options.targetCi, maxSeeds: options.maxSeeds ?? 200 },
      generatedBy: reproduceCommand(fileArg, options),
    });
  } finally {
    progress.stop();
    stopWatching();
    await executor.close();
  }
  const total = plan.arms.length * summary.seeds.length;
  console.log(`${plan.file.name}: ${plan.arms.length} arms × ${summary.seeds.length} seeds on the ${plan.file.ledger} ledger, ${total - summary.failures.length} of ${total} runs done\n`);
  console.log(formatHeadline(summary));
  if (summary.failures.length > 0) {
    const first = summary.failures[0]!;
    console.error(`\nbidmesh: ${summary.failures.length} of ${total} runs failed (summarised without them); first: ${first.arm} seed ${first.seed}: ${first.error}`);
    if (summary.failures.length === total) process.exitCode = 1;
  }
  const files = ["runs.csv", "runs.parquet", ...(options.tasks === true ? ["tasks.parquet"] : []), "summary.csv", "paired.csv", "experiment.json", "experiment.html"];
  console.log(`\nwrote ${files.map((f) => join(out, f)).join(", ")}`);
}

async function openExecutor(plan: ExperimentPlan, options: ExperimentCommandOptions): Promise<RunExecutor> {
  if (options.queue === undefined) return new PoolExecutor(options.jobs ?? defaultJobs());
  const { QueueExecutor } = await import("../sim/experiment/queue-executor.js");
  return QueueExecutor.connect(options.queue, { fingerprint: plan.fingerprint });
}

/** What reruns the experiment: the file and what changes its results (not --out, --jobs or --queue, which do not). */
function reproduceCommand(fileArg: string, options: ExperimentCommandOptions): string {
  const extra = [options.tasks === true ? " --tasks" : "", options.targetCi === undefined ? "" : ` --target-ci ${options.targetCi}`, options.maxSeeds === undefined ? "" : ` --max-seeds ${options.maxSeeds}`];
  return `bidmesh experiment ${shellWord(fileArg)}${extra.join("")}`;
}
