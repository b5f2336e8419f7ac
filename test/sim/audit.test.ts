// `bidmesh audit DIR` recomputes the market's metrics of a chain run from its exported chain
// log and compares them with metrics.json: exit 0 when they match, 1 naming each field that
// does not, 2 for a folder it cannot audit.
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bidmesh, fixture, removeTempDirs, STACK_LINE, tempDir } from "./e2e.js";

let root: string;
let chainRun: string;
let memoryRun: string;

beforeAll(() => {
  root = tempDir("audit");
  chainRun = join(root, "chain");
  memoryRun = join(root, "memory");
  for (const [dir, ledger] of [
    [chainRun, "chain"],
    [memoryRun, "memory"],
  ] as const) {
    const run = bidmesh(["simulate", "--scenario", fixture("small-outage.yaml"), "--ledger", ledger, "--out", dir]);
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
  }
}, 60_000);

afterAll(removeTempDirs);

/** A copy of the chain run whose metrics.json has had `edit` applied to the market's metrics. */
function tampered(name: string, edit: (market: Record<string, any>, metrics: Record<string, any>) => void): string {
  const dir = join(root, name);
  cpSync(chainRun, dir, { recursive: true });
  const path = join(dir, "metrics.json");
  const metrics = JSON.parse(readFileSync(path, "utf8")) as { systems: { market: Record<string, any> } };
  edit(metrics.systems.market, metrics);
  writeFileSync(path, `${JSON.stringify(metrics, null, 2)}\n`);
  return dir;
}

/** The field paths audit names on stderr, one per `  field: metrics.json says ...` line. */
function namedFields(stderr: string): string[] {
  return [...stderr.matchAll(/^ {2}(\S+): metrics\.json says /gm)].map((m) => m[1]!);
}

describe("bidmesh audit", () => {
  it("passes a chain run: exit 0, 'audit passed'", () => {
    const run = bidmesh(["audit", chainRun]);
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^audit passed: \d+ fields of the market's metrics match the chain's events/);
  });

  it("fails with exit 1 naming exactly systems.market.tasksCompleted when it is off by one", () => {
    let reported = 0;
    const dir = tampered("tasks-completed", (m) => {
      reported = (m["tasksCompleted"] as number) + 1;
      m["tasksCompleted"] = reported;
    });
    const run = bidmesh(["audit", dir]);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^audit FAILED: 1 of \d+ fields differ from the chain's events/);
    expect(namedFields(run.stderr)).toEqual(["systems.market.tasksCompleted"]);
    expect(run.stderr).toContain(`systems.market.tasksCompleted: metrics.json says ${reported}, the chain says ${reported - 1}`);
    expect(run.stdout).not.toContain("audit passed");
    expect(run.stderr).not.toMatch(STACK_LINE);
  });

  it("re-derives why each reroute happened: a missed deadline relabelled as an abandon fails naming both counts", () => {
    const reported = JSON.parse(readFileSync(join(chainRun, "metrics.json"), "utf8")).systems.market;
    const byReason = reported.reroutesByReason as { deadlineMissed: number; abandoned: number; failover: number };
    expect(byReason.deadlineMissed + byReason.abandoned).toBe(reported.reroutes);
    expect(byReason.failover).toBe(0);
    expect(byReason.deadlineMissed).toBeGreaterThan(0);
    const dir = tampered("reroute-reason", (m) => {
      m["reroutesByReason"]["deadlineMissed"] -= 1;
      m["reroutesByReason"]["abandoned"] += 1;
    });
    const run = bidmesh(["audit", dir]);
    expect(run.status).toBe(1);
    expect(namedFields(run.stderr).sort()).toEqual(["systems.market.reroutesByReason.abandoned", "systems.market.reroutesByReason.deadlineMissed"]);
  });

  it("re-derives who paid the gas: the parties' gas adds up to gasUsed, and a shifted share fails naming both parties", () => {
    const reported = JSON.parse(readFileSync(join(chainRun, "metrics.json"), "utf8")).systems.market;
    const parties = reported.gasByParty as Record<string, { gas: string; transactions: number }>;
    expect(Object.values(parties).reduce((sum, p) => sum + BigInt(p.gas), 0n)).toBe(BigInt(reported.gasUsed));
    for (const party of ["posters", "providers", "keepers"]) expect(parties[party]!.transactions, party).toBeGreaterThan(0);
    const dir = tampered("gas-party", (m) => {
      m["gasByParty"]["keepers"]["gas"] = String(BigInt(m["gasByParty"]["keepers"]["gas"]) - 1000n);
      m["gasByParty"]["posters"]["gas"] = String(BigInt(m["gasByParty"]["posters"]["gas"]) + 1000n);
    });
    const run = bidmesh(["audit", dir]);
    expect(run.status).toBe(1);
    expect(namedFields(run.stderr).sort()).toEqual(["systems.market.gasByParty.keepers.gas", "systems.market.gasByParty.posters.gas"]);
  });

  it("re-prices the market in USD from the chain: a lowered break-even gas price or cost per task fails naming it", () => {
    const dir = tampered("economics", (_m, metrics) => {
      metrics["economics"]["breakEvenGasPriceGwei"]["centralized"] /= 2;
      metrics["economics"]["systems"]["market"]["costPerCompletedTaskUsd"] *= 0.9;
    });
    const run = bidmesh(["audit", dir]);
    expect(run.status).toBe(1);
    expect(namedFields(run.stderr).sort()).toEqual(["economics.breakEvenGasPriceGwei.centralized", "economics.systems.market.costPerCompletedTaskUsd"]);
  });

  it("fails with exit 1 naming exactly systems.market.latencyMs.p95 when it is changed", () => {
    let original = 0;
    const dir = tampered("latency-p95", (m) => {
      original = m["latencyMs"]["p95"] as number;
      m["latencyMs"]["p95"] = original + 1_000;
    });
    const run = bidmesh(["audit", dir]);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^audit FAILED: 1 of \d+ fields differ/);
    expect(namedFields(run.stderr)).toEqual(["systems.market.latencyMs.p95"]);
    expect(run.stderr).toContain(`systems.market.latencyMs.p95: metrics.json says ${original + 1_000}, the chain says ${original}`);
    expect(run.stderr).not.toMatch(STACK_LINE);
  });

  /** A copy of the chain run whose chain-log.jsonl lines (one block each) went through `edit`. */
  function damagedLog(name: string, edit: (lines: string[]) => string[]): string {
    const dir = join(root, name);
    cpSync(chainRun, dir, { recursive: true });
    const path = join(dir, "chain-log.jsonl");
    const lines = readFileSync(path, "utf8").trimEnd().split("\n");
    writeFileSync(path, `${edit(lines).join("\n")}\n`);
    return dir;
  }
  const blockOf = (line: string) => (JSON.parse(line) as { number: number }).number;

  it("a chain log with a line missing in the middle: exit 1, one line naming the missing block (not dozens of fields)", () => {
    let missing = 0;
    const dir = damagedLog("gap", (lines) => {
      const i = Math.floor(lines.length / 2);
      missing = blockOf(lines[i]!);
      return lines.filter((_, j) => j !== i);
    });
    const run = bidmesh(["audit", dir]);
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(`audit FAILED: ${dir}/chain-log.jsonl is not the whole chain of the run: block ${missing} missing\n`);
    expect(run.stdout).toBe("");
  });

  it("a chain log missing its first line, several lines, or its last line: each named in one line", () => {
    const first = damagedLog("gap-first", (lines) => lines.slice(1));
    expect(bidmesh(["audit", first]).stderr).toMatch(/: block 2 missing\n$/);

    let range = "";
    const several = damagedLog("gap-range", (lines) => {
      range = `blocks ${blockOf(lines[10]!)}–${blockOf(lines[12]!)} missing, block ${blockOf(lines[20]!)} missing`;
      return lines.filter((_, j) => ![10, 11, 12, 20].includes(j));
    });
    const run = bidmesh(["audit", several]);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(new RegExp(`: ${range}\n$`));
    expect(run.stderr.split("\n")).toHaveLength(2);

    let after = 0;
    const last = damagedLog("gap-last", (lines) => {
      after = blockOf(lines.at(-1)!);
      return lines.slice(0, -1);
    });
    const end = bidmesh(["audit", last]);
    expect(end.status).toBe(1);
    expect(end.stderr).toMatch(new RegExp(`: blocks from ${after} on missing \\(the log ends before the run's final block 0x[0-9a-f]{64}\\)\n$`));
  });

  it("a chain log with a line repeated: exit 1, one line naming the block", () => {
    let repeated = 0;
    const dir = damagedLog("repeat", (lines) => {
      repeated = blockOf(lines[5]!);
      return [...lines.slice(0, 6), lines[5]!, ...lines.slice(6)];
    });
    const run = bidmesh(["audit", dir]);
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(`audit FAILED: ${dir}/chain-log.jsonl is not the whole chain of the run: block ${repeated} appears again after block ${repeated}\n`);
  });

  it("refuses a memory run with exit 2 and a clear message", () => {
    const run = bidmesh(["audit", memoryRun]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(`bidmesh: dir: ${memoryRun} is a --ledger memory run: there is no chain to audit against`);
    expect(run.stdout).toBe("");
    expect(run.stderr).not.toMatch(STACK_LINE);
  });

  it("refuses a missing folder with exit 2", () => {
    const missing = join(root, "no-such-run");
    const run = bidmesh(["audit", missing]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(`bidmesh: dir: ${missing} does not exist`);
    expect(run.stdout).toBe("");
    expect(run.stderr).not.toMatch(STACK_LINE);
  });
});
