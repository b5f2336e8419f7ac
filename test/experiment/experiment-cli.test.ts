// `bidmesh experiment` end to end, as a user runs it: the same files whatever the number of
// threads, nothing written for a bad file, and a killed coordinator resumed without redoing runs.
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { bidmesh, removeTempDirs, ROOT, STACK_LINE, tempDir } from "../sim/e2e.js";
import { tinyData } from "../scenario/tiny-scenario.js";

afterAll(removeTempDirs);

/** 2 arms × 4 seeds of the tiny scenario with an outage: seconds per experiment. */
function tinyExperiment(dir: string, seeds = 4): string {
  const base = {
    ...tinyData(),
    providers: [
      { group: "a", count: 3, region: "r1", costPerSecond: "0.000001", strategy: { kind: "cost-plus", markup: 0.1 } },
      { group: "b", count: 2, region: "r2", costPerSecond: "0.000002", strategy: { kind: "random-band", low: 0.1, high: 0.5 } },
    ],
    failures: { outages: [{ name: "r1-down", scope: { region: "r1" }, start: "20m", duration: "30m" }] },
  };
  const file = join(dir, "tiny-experiment.json");
  writeFileSync(file, JSON.stringify({ name: "tiny-exp", base, seeds, vary: [{ path: "market.fallbackDepth", values: [1, 3] }], metrics: ["onTimeRate", "latencyMs.p95", "reroutes"] }));
  return file;
}

const FILES = ["runs.csv", "runs.parquet", "tasks.parquet", "summary.csv", "paired.csv", "experiment.json", "experiment.html"];

describe("bidmesh experiment", () => {
  it("writes byte-identical files with --jobs 1 and --jobs 2", () => {
    const dir = tempDir("exp-jobs");
    const file = tinyExperiment(dir);
    const one = bidmesh(["experiment", file, "--out", join(dir, "one"), "--jobs", "1", "--tasks", "--no-progress"]);
    const two = bidmesh(["experiment", file, "--out", join(dir, "two"), "--jobs", "2", "--tasks", "--no-progress"]);
    expect(one.stderr).toBe("");
    expect(one.status).toBe(0);
    expect(two.status).toBe(0);
    expect(one.stdout).toMatch(/tiny-exp: 2 arms × 4 seeds on the memory ledger, 8 of 8 runs done/);
    expect(one.stdout).toMatch(/onTimeRate, mean \[95% interval\] over 4 seeds/);
    expect(readdirSync(join(dir, "one")).sort()).toEqual([...FILES].sort());
    for (const name of FILES) expect(readFileSync(join(dir, "two", name)), name).toEqual(readFileSync(join(dir, "one", name)));
    // No working folder is left behind.
    expect(existsSync(join(dir, "one.partial"))).toBe(false);
    const runs = readFileSync(join(dir, "one", "runs.csv"), "utf8").trim().split("\n");
    expect(runs).toHaveLength(1 + 2 * 4 * 3);
    expect(runs[0]).toMatch(/^arm,label,market\.fallbackDepth,seed,system,ok,error,tasksPosted,/);
  }, 120_000);

  it("refuses a bad file with every field named, exit 2 and nothing written", () => {
    const dir = tempDir("exp-bad");
    const file = join(dir, "bad.yaml");
    writeFileSync(file, "name: bad\nbase: hidden-dependency\nseeds: -1\nvary:\n  - path: market.fallbackDepth\n    values: [2, 40]\nmetrics: [onTime]\n");
    const result = bidmesh(["experiment", file, "--out", join(dir, "out")]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^bidmesh: seeds: /);
    expect(result.stderr).toMatch(/metrics\.0: unknown metric "onTime"/);
    expect(result.stderr).not.toMatch(STACK_LINE);
    expect(readdirSync(dir)).toEqual(["bad.yaml"]);

    const arm = join(dir, "arm.yaml");
    writeFileSync(arm, "name: arm\nbase: hidden-dependency\nvary:\n  - path: market.fallbackDepth\n    values: [2, 40]\n");
    const armResult = bidmesh(["experiment", arm, "--out", join(dir, "out")]);
    expect(armResult.status).toBe(2);
    expect(armResult.stderr.trim()).toBe("bidmesh: arm-02 (market.fallbackDepth=40): market.fallbackDepth: must be at most 8, got 40");
    expect(readdirSync(dir).sort()).toEqual(["arm.yaml", "bad.yaml"]);
  }, 60_000);

  it("refuses a non-empty --out and a --jobs with --queue", () => {
    const dir = tempDir("exp-out");
    const file = tinyExperiment(dir);
    const taken = bidmesh(["experiment", file, "--out", dir]);
    expect(taken.status).toBe(2);
    expect(taken.stderr).toMatch(/^bidmesh: out: .* exists and is not empty/);
    const both = bidmesh(["experiment", file, "--jobs", "2", "--queue", "redis://127.0.0.1:1"]);
    expect(both.status).toBe(2);
    expect(both.stderr).toMatch(/^bidmesh: jobs: /);
  }, 60_000);

  it("resumes a killed coordinator, running only what it has no result for, to the same files", async () => {
    const dir = tempDir("exp-resume");
    const file = tinyExperiment(dir, 12);
    const out = join(dir, "out");
    const journal = `${out}.partial/results.jsonl`;
    // The bin runs the CLI in its own process (tsx's cli would leave a grandchild the kill misses).
    const child = spawn(process.execPath, [join(ROOT, "cli/bin/bidmesh.mjs"), "experiment", file, "--out", out, "--jobs", "1", "--no-progress"], { cwd: ROOT, stdio: "ignore" });
    // Kill it (no chance to clean up) once some runs, not all, are in the journal.
    await new Promise<void>((resolve, reject) => {
      const poll = setInterval(() => {
        const lines = existsSync(journal) ? readFileSync(journal, "utf8").split("\n").filter(Boolean).length : 0;
        if (lines >= 3) {
          clearInterval(poll);
          child.kill("SIGKILL");
          resolve();
        }
      }, 20);
      child.on("exit", () => {
        clearInterval(poll);
        reject(new Error("the experiment finished before it could be killed"));
      });
    });
    await new Promise((resolve) => child.once("exit", resolve));
    const kept = readFileSync(journal, "utf8").split("\n").filter(Boolean).length;
    expect(kept).toBeLessThan(24);
    expect(existsSync(out)).toBe(false);

    const again = bidmesh(["experiment", file, "--out", out, "--jobs", "1", "--no-progress"]);
    expect(again.status).toBe(2);
    expect(again.stderr).toMatch(/^bidmesh: resume: a stopped experiment's runs are in .*out\.partial; add --resume/);

    const resumed = bidmesh(["experiment", file, "--out", out, "--jobs", "2", "--resume", "--no-progress"]);
    expect(resumed.stderr).toBe("");
    expect(resumed.status).toBe(0);
    expect(existsSync(`${out}.partial`)).toBe(false);

    const fresh = bidmesh(["experiment", file, "--out", join(dir, "fresh"), "--no-progress"]);
    expect(fresh.status).toBe(0);
    for (const name of FILES.filter((f) => f !== "tasks.parquet")) expect(readFileSync(join(out, name)), name).toEqual(readFileSync(join(dir, "fresh", name)));
  }, 180_000);
});
