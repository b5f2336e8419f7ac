// An experiment from plan to files: its runs (on whichever executor), its statistics and its
// outputs, committed onto --out all or nothing. What `bidmesh experiment` and the API's
// background experiments both call.
import type { RunExecutor } from "./executor.js";
import type { ExperimentFolder } from "./experiment-folder.js";
import { writeExperimentOutputs } from "./outputs.js";
import type { ExperimentPlan } from "./plan.js";
import { runExperiment, type ExperimentProgress } from "./run-experiment.js";
import { pairedRows, summaryRows } from "./summarize.js";
import type { ExperimentSummary } from "./types.js";
import { BIDMESH_VERSION } from "../version.js";

export interface ExecuteExperimentOptions {
  plan: ExperimentPlan;
  folder: ExperimentFolder;
  executor: RunExecutor;
  tasks: boolean;
  targetCi?: { width: number; maxSeeds: number };
  onProgress?: (progress: ExperimentProgress) => void;
  signal?: AbortSignal;
  /** The command that reruns it, for the report. */
  generatedBy: string;
}

export async function executeExperiment(options: ExecuteExperimentOptions): Promise<ExperimentSummary> {
  const { plan, folder } = options;
  const runs = await runExperiment({
    plan,
    executor: options.executor,
    tasks: options.tasks,
    known: folder.known,
    onResult: (result) => folder.record(result),
    onProgress: options.onProgress,
    signal: options.signal,
    targetCi: options.targetCi,
  });
  const summary = await writeExperimentOutputs(folder.outputStaging(), {
    plan,
    seeds: runs.seeds,
    results: runs.results,
    summary: summaryRows(plan, runs.seeds, runs.results),
    paired: pairedRows(plan, runs.seeds, runs.results),
    tasks: options.tasks,
    version: BIDMESH_VERSION,
    generatedBy: options.generatedBy,
  });
  folder.commit();
  return summary;
}
