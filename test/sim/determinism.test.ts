// A run is a function of its scenario and seed: two separate processes running the same
// scenario and seed on the embedded chain write the same bytes and reach the same final block.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bidmesh, fixture, readJsonLines, removeTempDirs, tempDir } from "./e2e.js";

const SCENARIO = fixture("small-outage.yaml"); // seed 7 in the file

interface RunJson {
  finalBlockHash: string | null;
  scenario: { ref: string; seed: number };
}

let root: string;
const dirs = { first: "", second: "", otherSeed: "" };

function simulateInto(dir: string, extra: string[] = []): void {
  const run = bidmesh(["simulate", "--scenario", SCENARIO, "--ledger", "chain", "--out", dir, ...extra]);
  expect(run.stderr).toBe("");
  expect(run.status).toBe(0);
}

const read = (dir: string, file: string) => readFileSync(join(dir, file));
const runJson = (dir: string) => JSON.parse(read(dir, "run.json").toString("utf8")) as RunJson;

beforeAll(() => {
  root = tempDir("determinism");
  dirs.first = join(root, "first");
  dirs.second = join(root, "second");
  dirs.otherSeed = join(root, "seed-8");
  // Three processes, one after the other; each boots its own embedded chain.
  simulateInto(dirs.first);
  simulateInto(dirs.second);
  simulateInto(dirs.otherSeed, ["--seed", "8"]);
}, 120_000);

afterAll(removeTempDirs);

describe("determinism across processes (embedded chain)", () => {
  it("the same scenario and seed in two processes give byte-identical metrics.json and trace.jsonl and the same final block hash", () => {
    const trace = read(dirs.first, "trace.jsonl");
    // Not trivially equal: the run has blocks, bids, results and the outage's reroutes.
    const types = new Set(readJsonLines(join(dirs.first, "trace.jsonl")).map((r) => r["type"]));
    for (const type of ["block", "market.BidPlaced", "market.ResultSubmitted", "market.TaskRerouted", "node.down"]) expect(types).toContain(type);

    expect(read(dirs.second, "metrics.json").equals(read(dirs.first, "metrics.json"))).toBe(true);
    expect(read(dirs.second, "trace.jsonl").equals(trace)).toBe(true);
    expect(read(dirs.second, "chain-log.jsonl").equals(read(dirs.first, "chain-log.jsonl"))).toBe(true);

    const first = runJson(dirs.first);
    const second = runJson(dirs.second);
    expect(first.finalBlockHash).toMatch(/^0x[0-9a-f]{64}$/);
    expect(second.finalBlockHash).toBe(first.finalBlockHash);
    // The hash is the last block of the exported chain log.
    const log = readJsonLines<{ hash: string }>(join(dirs.first, "chain-log.jsonl"));
    expect(log.at(-1)!.hash).toBe(first.finalBlockHash);
  });

  it("a different seed gives a different trace and a different final block hash", () => {
    expect(runJson(dirs.otherSeed).scenario.seed).toBe(8);
    expect(runJson(dirs.first).scenario.seed).toBe(7);
    expect(read(dirs.otherSeed, "trace.jsonl").equals(read(dirs.first, "trace.jsonl"))).toBe(false);
    expect(runJson(dirs.otherSeed).finalBlockHash).toMatch(/^0x[0-9a-f]{64}$/);
    expect(runJson(dirs.otherSeed).finalBlockHash).not.toBe(runJson(dirs.first).finalBlockHash);
    // The workload itself differs, not only block stamps: the tasks arrive at other times.
    const arrivals = (dir: string) =>
      readJsonLines(join(dir, "trace.jsonl"))
        .filter((r) => r["type"] === "task.arrival")
        .map((r) => r["t"]);
    expect(arrivals(dirs.otherSeed)).not.toEqual(arrivals(dirs.first));
  });
});
