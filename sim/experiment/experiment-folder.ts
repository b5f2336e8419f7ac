// Where an experiment keeps its runs while it works, and how its outputs reach --out all or
// nothing. Results go to `<out>.partial/` (beside --out, marked as bidmesh's) one line per run
// as each finishes, so a coordinator stopped by Ctrl-C or killed loses at most the runs in
// flight and `--resume` reruns only what has no result. At the end the outputs are written
// into that folder's `output/` and renamed onto --out in one step, then the folder (only the
// files this module wrote there) is removed. Nothing here deletes what it did not create.
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { InputError } from "../input-error.js";
import { checkOutFolder, fileSystemProblem } from "../run/out-folder.js";
import type { RunResult } from "./types.js";

const MARKER = ".made-by-bidmesh-experiment";
const PLAN = "plan.json";
const RESULTS = "results.jsonl";
const OUTPUT = "output";

/** The files an experiment writes, in --out. */
export const EXPERIMENT_FILES = ["runs.csv", "runs.parquet", "tasks.parquet", "summary.csv", "paired.csv", "experiment.json", "experiment.html"] as const;

/** (arm, seed) as one key: a run's identity in the journal, the queue and the outputs. */
export function runKey(arm: number, seed: number): string {
  return `${arm}/${seed}`;
}

export class ExperimentFolder {
  private constructor(
    readonly outDir: string,
    readonly partialDir: string,
    /** Results already there (resume), by runKey. */
    readonly known: Map<string, RunResult>,
  ) {}

  /**
   * Checks --out and opens the working folder: new, or with `resume` the one a stopped run of
   * the same experiment left. Refuses a non-empty --out, a working folder of another experiment,
   * and one not made by bidmesh.
   * @throws InputError on field `out` or `resume`, with nothing changed.
   */
  static open(outDir: string, fingerprint: string, resume: boolean): ExperimentFolder {
    checkOutFolder(outDir, false);
    const partialDir = `${resolve(outDir)}.partial`;
    const known = new Map<string, RunResult>();
    if (existsSync(partialDir)) {
      if (!existsSync(join(partialDir, MARKER))) throw new InputError("out", `${partialDir} exists and was not made by bidmesh; move it away (nothing was changed)`);
      if (!resume) throw new InputError("resume", `a stopped experiment's runs are in ${partialDir}; add --resume to continue it, or remove that folder to start again (nothing was changed)`);
      const plan = readJson(join(partialDir, PLAN)) as { fingerprint?: unknown } | undefined;
      if (plan?.fingerprint !== fingerprint) {
        throw new InputError("resume", `${partialDir} holds the runs of a different experiment (other arms, base or ledger); remove it to start this one (nothing was changed)`);
      }
      for (const result of readResults(join(partialDir, RESULTS))) known.set(runKey(result.arm, result.seed), result);
      return new ExperimentFolder(outDir, partialDir, known);
    }
    try {
      mkdirSync(partialDir, { recursive: true });
      writeFileSync(join(partialDir, MARKER), "made by bidmesh experiment; removed when the experiment's outputs are written\n");
      writeFileSync(join(partialDir, PLAN), `${JSON.stringify({ fingerprint })}\n`);
    } catch (error) {
      throw fileSystemProblem("create", partialDir, error);
    }
    return new ExperimentFolder(outDir, partialDir, known);
  }

  /** Appends one run's result (a failed run too: --resume runs failed runs again). */
  record(result: RunResult): void {
    appendFileSync(join(this.partialDir, RESULTS), `${JSON.stringify(result)}\n`);
  }

  /**
   * The folder the outputs are written into before they are moved onto --out. One left by a
   * coordinator killed while writing is emptied of the files an experiment writes, by name, and
   * nothing else: anything else in it makes rmdir fail and the experiment stop, removing nothing.
   */
  outputStaging(): string {
    const dir = join(this.partialDir, OUTPUT);
    if (existsSync(dir)) {
      for (const name of EXPERIMENT_FILES) rmSync(join(dir, name), { force: true });
      rmdirSync(dir);
    }
    mkdirSync(dir);
    return dir;
  }

  /** Moves the written outputs onto --out and removes the working folder's own files. */
  commit(): void {
    checkOutFolder(this.outDir, false);
    renameSync(join(this.partialDir, OUTPUT), resolve(this.outDir));
    for (const name of [RESULTS, PLAN, MARKER]) rmSync(join(this.partialDir, name), { force: true });
    try {
      rmdirSync(this.partialDir);
    } catch {
      // something else was put there: leave it
    }
  }
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as unknown;
  } catch {
    return undefined;
  }
}

/** The journal's results; a last line cut off by a kill is dropped (that run is done again). */
function readResults(path: string): RunResult[] {
  if (!existsSync(path)) return [];
  const results: RunResult[] = [];
  for (const line of readFileSync(path, "utf8").split("\n")) {
    if (line.trim() === "") continue;
    try {
      results.push(JSON.parse(line) as RunResult);
    } catch {
      // a partial line from a kill mid-write
    }
  }
  return results;
}
