// Golden trace: the full trace.jsonl of a tiny scenario (fixtures/golden.yaml, memory ledger)
// must equal the committed fixtures/golden.trace.jsonl byte for byte.
//
// To accept a deliberate change of behaviour, regenerate the golden file:
//
//   UPDATE_GOLDEN=1 npx vitest run test/sim/golden-trace.test.ts
//
// and read the diff. A commit that changes golden.trace.jsonl must say in its message why the
// trace changed (which rule, order or number moved, and why that is right).
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bidmesh, fixture, readJsonLines, removeTempDirs, tempDir } from "./e2e.js";

const SCENARIO = fixture("golden.yaml");
const GOLDEN = fixture("golden.trace.jsonl");
const UPDATE = process.env["UPDATE_GOLDEN"] === "1";

let actual: string;

beforeAll(() => {
  const out = join(tempDir("golden"), "run");
  const run = bidmesh(["simulate", "--scenario", SCENARIO, "--ledger", "memory", "--out", out]);
  expect(run.stderr).toBe("");
  expect(run.status).toBe(0);
  actual = readFileSync(join(out, "trace.jsonl"), "utf8");
  if (UPDATE) writeFileSync(GOLDEN, actual);
}, 60_000);

afterAll(removeTempDirs);

describe("golden trace (fixtures/golden.yaml, memory ledger)", () => {
  it("trace.jsonl equals fixtures/golden.trace.jsonl byte for byte (UPDATE_GOLDEN=1 rewrites it)", () => {
    expect(existsSync(GOLDEN), `${GOLDEN} is missing: run with UPDATE_GOLDEN=1 once`).toBe(true);
    const golden = readFileSync(GOLDEN, "utf8");
    // First the first line that differs, for a readable failure; then the whole file.
    const a = actual.split("\n");
    const g = golden.split("\n");
    const first = a.findIndex((line, i) => line !== g[i]);
    if (first >= 0 || a.length !== g.length) {
      const at = first >= 0 ? first : Math.min(a.length, g.length);
      expect(a[at], `trace.jsonl line ${at + 1} differs from the golden file (${a.length - 1} vs ${g.length - 1} lines)`).toBe(g[at]);
    }
    expect(actual === golden).toBe(true);
  });

  it("the golden trace shows the outage forcing a reroute to a provider of the other group", () => {
    const trace = readJsonLines(GOLDEN);
    const registered = trace.filter((r) => r["type"] === "market.ProviderRegistered").map((r) => r["provider"] as string);
    expect(registered).toHaveLength(4);
    const groupA = new Set(registered.slice(0, 2)); // a#0, a#1 register first (scenario order)
    expect(trace.filter((r) => r["type"] === "task.arrival").length).toBeGreaterThanOrEqual(8);
    expect(trace.filter((r) => r["type"] === "task.arrival").length).toBeLessThanOrEqual(14);
    expect(trace.filter((r) => r["type"] === "node.down").map((r) => [r["t"], r["node"]])).toEqual([
      [240_000, "a#0"],
      [240_000, "a#1"],
    ]);

    const reroutes = trace.filter((r) => r["type"] === "market.TaskRerouted");
    expect(reroutes.length).toBeGreaterThan(0);
    for (const reroute of reroutes) {
      expect(groupA.has(reroute["provider"] as string)).toBe(true);
      expect(reroute["t"] as number).toBeGreaterThanOrEqual(240_000);
    }
    // Each rerouted task is delivered once, later, by a "b" provider at epoch 2 or more.
    for (const taskId of new Set(reroutes.map((r) => r["taskId"]))) {
      const results = trace.filter((r) => r["type"] === "market.ResultSubmitted" && r["taskId"] === taskId);
      expect(results, `task ${String(taskId)}`).toHaveLength(1);
      const result = results[0]!;
      expect(groupA.has(result["provider"] as string)).toBe(false);
      expect(result["epoch"] as number).toBeGreaterThanOrEqual(2);
      const lastReroute = reroutes.filter((r) => r["taskId"] === taskId).at(-1)!;
      expect(trace.indexOf(result)).toBeGreaterThan(trace.indexOf(lastReroute));
    }
  });
});
