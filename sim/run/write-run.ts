import { closeSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, renameSync, rmdirSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { basename, dirname, extname, join, resolve } from "node:path";
import type { ChainBlockRecord } from "../protocol/ledger.js";
import type { TraceRecord } from "../market/market-system.js";
import { renderReport } from "../report/html.js";
import { checkOutFolder, fileSystemProblem, RUN_FILES } from "./out-folder.js";
import type { RunInfo } from "./run-files.js";
import type { SimulationResult } from "./simulate.js";

/** JSON with bigints as decimal strings (wei amounts). */
export function toJson(value: unknown, indent?: number): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === "bigint" ? v.toString() : v), indent);
}

/** Appends JSON lines to a file through a buffer: a large run's trace never sits in memory. */
class JsonLines {
  private readonly fd: number;
  private buffer: string[] = [];
  private size = 0;

  constructor(path: string) {
    this.fd = openSync(path, "w");
  }

  write(value: unknown): void {
    const line = toJson(value);
    this.buffer.push(line);
    this.size += line.length + 1;
    if (this.size > 1 << 20) this.flush();
  }

  flush(): void {
    if (this.buffer.length === 0) return;
    writeSync(this.fd, `${this.buffer.join("\n")}\n`);
    this.buffer = [];
    this.size = 0;
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}

/** How a run folder is opened. */
export interface RunWriterOptions {
  /** Replace a folder that holds a previous run (its run.json and only the files a run writes). */
  replaceRun?: boolean;
}

/**
 * Writes a run folder all or nothing: everything goes into a fresh sibling folder while the
 * run streams its trace and chain log, and is renamed into place by `commit`; `abort` removes
 * it and any parent folder it created. A run that fails or is interrupted leaves nothing
 * behind, and never deletes what it did not create: `open` refuses a file, a non-empty folder
 * and the current folder (see `checkOutFolder`) before anything is created.
 * Files: metrics.json, trace.jsonl, run.json, report.html and (chain runs) chain-log.jsonl.
 */
export class RunWriter {
  private readonly trace: JsonLines;
  private chainLog: JsonLines | undefined;
  private closed = false;

  private constructor(
    readonly outDir: string,
    private readonly staging: string,
    /** The parent folders this writer created, outermost first; removed again if the run fails. */
    private readonly createdParents: readonly string[],
    private readonly replaceRun: boolean,
  ) {
    this.trace = new JsonLines(join(staging, "trace.jsonl"));
  }

  /**
   * @throws InputError (field `out`), one line naming the path, when the folder may not be
   * written: then nothing was created.
   */
  static open(outDir: string, options: RunWriterOptions = {}): RunWriter {
    const replaceRun = options.replaceRun === true;
    checkOutFolder(outDir, replaceRun);
    const parent = dirname(outDir);
    let first: string | undefined;
    try {
      first = mkdirSync(parent, { recursive: true });
    } catch (error) {
      throw fileSystemProblem("create", parent, error);
    }
    const created = first === undefined ? [] : foldersFrom(resolve(first), resolve(parent));
    let staging: string;
    try {
      staging = mkdtempSync(join(parent, `.${basename(outDir)}.partial-`));
    } catch (error) {
      removeEmptyFolders(created);
      throw fileSystemProblem("write in", parent, error);
    }
    try {
      return new RunWriter(outDir, staging, created, replaceRun);
    } catch (error) {
      removeRunFolder(staging);
      removeEmptyFolders(created);
      throw fileSystemProblem("write in", parent, error);
    }
  }

  /** Where `commit` copies a scenario file given by `scenarioRef`, so the run folder keeps it. */
  scenarioCopy(scenarioRef: string): string {
    return join(this.outDir, scenarioCopyName(scenarioRef));
  }

  /** A sink for trace records. */
  readonly traceSink = (record: TraceRecord): void => this.trace.write(record);

  /** A sink for raw chain blocks. */
  readonly chainSink = (block: ChainBlockRecord): void => {
    this.chainLog ??= new JsonLines(join(this.staging, "chain-log.jsonl"));
    this.chainLog.write(block);
  };

  commit(result: SimulationResult, scenarioRef: string): void {
    try {
      // A scenario file is copied in, so `audit` does not depend on it staying where it was.
      if (existsSync(scenarioRef)) copyFileSync(scenarioRef, join(this.staging, scenarioCopyName(scenarioRef)));
      this.closed = true;
      this.trace.close();
      this.chainLog?.close();
      const info: RunInfo = {
        scenario: { ref: scenarioRef, seed: result.metrics.seed },
        baseTimestamp: result.baseTimestamp,
        finalBlockHash: result.finalBlockHash,
        chain: result.chain,
        providers: result.providers,
      };
      writeFileSync(join(this.staging, "metrics.json"), `${toJson(result.metrics, 2)}\n`);
      writeFileSync(join(this.staging, "run.json"), `${toJson(info, 2)}\n`);
      writeFileSync(join(this.staging, "report.html"), renderReport(result.report));
      this.moveIntoPlace();
    } catch (error) {
      this.abort();
      throw error;
    }
  }

  /** Removes the staging folder and the parent folders this writer created (if still empty). */
  abort(): void {
    this.closeFiles();
    removeRunFolder(this.staging);
    removeEmptyFolders(this.createdParents);
  }

  private closeFiles(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.trace.close();
      this.chainLog?.close();
    } catch {
      // already closed
    }
  }

  /**
   * Renames the staging folder into place. The folder is checked again, since it may have
   * changed during the run. A previous run is renamed aside first and removed only once the new
   * one is in place, so a failure at any step leaves one whole run there, never a mix.
   */
  private moveIntoPlace(): void {
    const state = checkOutFolder(this.outDir, this.replaceRun);
    if (state !== "previous-run") {
      // Over nothing, or over an empty folder (rename(2) replaces an empty folder, and refuses
      // a non-empty one, so a folder filled meanwhile is not lost).
      renameSync(this.staging, this.outDir);
      return;
    }
    // rename(2) moves a folder over an empty one: mkdtemp gives a unique empty name beside it.
    const aside = mkdtempSync(join(dirname(this.outDir), `.${basename(this.outDir)}.replaced-`));
    try {
      renameSync(this.outDir, aside);
    } catch (error) {
      rmdirSync(aside); // still the empty folder mkdtemp made
      throw fileSystemProblem("move aside the previous run in", this.outDir, error);
    }
    try {
      renameSync(this.staging, this.outDir);
    } catch (error) {
      renameSync(aside, this.outDir);
      throw fileSystemProblem("move the new run into", this.outDir, error);
    }
    removeRunFolder(aside);
  }
}

/** The name of a scenario file's copy in its run folder (audit looks for it there). */
function scenarioCopyName(scenarioRef: string): string {
  return `scenario${extname(scenarioRef).toLowerCase()}`;
}

/** The folders from `first` down to `last` (which lies inside it), outermost first. */
function foldersFrom(first: string, last: string): string[] {
  const folders: string[] = [];
  for (let dir = last; ; dir = dirname(dir)) {
    folders.unshift(dir);
    if (dir === first || dirname(dir) === dir) return folders;
  }
}

/**
 * Removes a run's folder (the staging folder, or a previous run renamed aside): only the files a
 * run writes, then the folder, which stays, with whatever else is in it, if anything else got in.
 */
function removeRunFolder(dir: string): void {
  for (const name of RUN_FILES) rmSync(join(dir, name), { force: true });
  try {
    rmdirSync(dir);
  } catch {
    // not empty: a file no run writes was put there; leave it for its owner
  }
}

/** Removes the given folders, innermost first, stopping at the first that is not empty. */
function removeEmptyFolders(folders: readonly string[]): void {
  for (const dir of [...folders].reverse()) {
    try {
      rmdirSync(dir);
    } catch {
      // not empty (something else was put there meanwhile) or already gone: leave it
      return;
    }
  }
}
