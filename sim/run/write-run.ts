import { closeSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, renameSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { basename, dirname, extname, join } from "node:path";
import type { ChainBlockRecord } from "../ledger/types.js";
import type { TraceRecord } from "../market/market-system.js";
import { renderReport } from "../report/html.js";
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

/**
 * Writes a run folder all or nothing: everything goes into a fresh sibling folder while the
 * run streams its trace and chain log, and is renamed into place by `commit`; `abort` removes
 * it. A run that fails leaves no half-written output, and an earlier run's output untouched.
 * Files: metrics.json, trace.jsonl, run.json, report.html and (chain runs) chain-log.jsonl.
 */
export class RunWriter {
  private readonly trace: JsonLines;
  private chainLog: JsonLines | undefined;

  private constructor(
    readonly outDir: string,
    private readonly staging: string,
    /** The first parent folder this writer created, removed again if the run fails. */
    private readonly createdParent: string | undefined,
  ) {
    this.trace = new JsonLines(join(staging, "trace.jsonl"));
  }

  static open(outDir: string): RunWriter {
    const parent = dirname(outDir);
    const created = mkdirSync(parent, { recursive: true });
    return new RunWriter(outDir, mkdtempSync(join(parent, `.${basename(outDir)}.partial-`)), created);
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
      if (existsSync(scenarioRef)) copyFileSync(scenarioRef, join(this.staging, `scenario${extname(scenarioRef)}`));
      this.trace.close();
      this.chainLog?.close();
      const info: RunInfo = {
        scenario: { ref: scenarioRef, seed: result.metrics.seed },
        baseTimestamp: result.baseTimestamp,
        finalBlockHash: result.finalBlockHash,
        chain: result.chain,
      };
      writeFileSync(join(this.staging, "metrics.json"), `${toJson(result.metrics, 2)}\n`);
      writeFileSync(join(this.staging, "run.json"), `${toJson(info, 2)}\n`);
      writeFileSync(join(this.staging, "report.html"), renderReport(result.report));
      rmSync(this.outDir, { recursive: true, force: true });
      renameSync(this.staging, this.outDir);
    } catch (error) {
      this.abort();
      throw error;
    }
  }

  abort(): void {
    try {
      this.trace.close();
      this.chainLog?.close();
    } catch {
      // already closed
    }
    rmSync(this.staging, { recursive: true, force: true });
    if (this.createdParent !== undefined) rmSync(this.createdParent, { recursive: true, force: true });
  }
}
