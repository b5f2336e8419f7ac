// Shared helpers of the simulator's end-to-end tests (test/sim/*.test.ts).
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { MarketEvent } from "../../sim/protocol/events.js";
import type { TraceRecord } from "../../sim/market/market-system.js";
import { runScript } from "../helpers/run-script.js";

/** The repository root (the CLI runs there). */
export const ROOT = new URL("../../", import.meta.url).pathname;

/** Absolute path of a scenario or golden file in test/sim/fixtures/. */
export function fixture(name: string): string {
  return join(ROOT, "test/sim/fixtures", name);
}

/** Runs `bidmesh ARGS` in a child process, as a user would (tsx on cli/main.ts). */
export function bidmesh(args: string[]): { status: number | null; stdout: string; stderr: string } {
  return runScript("cli/main.ts", args);
}

/** A stack trace line of Node's error output. */
export const STACK_LINE = /\n\s+at /;

/** Temporary folders, removed by `removeTempDirs` (call it from afterAll). */
const made: string[] = [];

export function tempDir(label: string): string {
  const dir = mkdtempSync(join(tmpdir(), `bidmesh-${label}-`));
  made.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** The records of a JSON-lines file, in order. */
export function readJsonLines<T = Record<string, unknown>>(path: string): T[] {
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as T);
}

/** A trace record of a market event: `market.<Name>` plus the event's fields. */
export type MarketRecord = TraceRecord & MarketEvent;

/** The market.* records of a trace, in order. */
export function marketRecords(trace: readonly TraceRecord[]): MarketRecord[] {
  return trace.filter((r) => r.type.startsWith("market.")) as MarketRecord[];
}

/** The market events of a trace, without the trace's own fields (t, type). */
export function marketEventsOf(trace: readonly TraceRecord[]): MarketEvent[] {
  return marketRecords(trace).map(({ t: _t, type: _type, ...event }) => event as unknown as MarketEvent);
}

/** Events of one kind, typed. */
export function eventsNamed<N extends MarketEvent["name"]>(records: readonly MarketRecord[], name: N): Array<TraceRecord & Extract<MarketEvent, { name: N }>> {
  return records.filter((r) => r.name === name) as Array<TraceRecord & Extract<MarketEvent, { name: N }>>;
}
