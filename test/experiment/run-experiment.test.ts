// The coordinator with real worker threads: a run that fails is recorded and the rest go on;
// sequential stopping adds seeds to every arm until the intervals are narrow enough.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { writeExperimentOutputs } from "../../sim/experiment/outputs.js";
import { planExperiment } from "../../sim/experiment/plan.js";
import { PoolExecutor } from "../../sim/experiment/pool-executor.js";
import { runExperiment } from "../../sim/experiment/run-experiment.js";
import { pairedRows, summaryRows } from "../../sim/experiment/summarize.js";
import type { RunExecutor } from "../../sim/experiment/executor.js";
import type { RunRequest, RunResult } from "../../sim/experiment/types.js";
import { removeTempDirs, tempDir } from "../sim/e2e.js";
import { tinyData } from "../scenario/tiny-scenario.js";

afterAll(removeTempDirs);

const plan = planExperiment({ name: "t", base: tinyData(), seeds: 3, vary: [{ path: "market.fallbackDepth", values: [1, 2] }], metrics: ["onTimeRate", "tasksPosted"] }, "t");

/** The real pool, except that arm 1's scenario arrives broken (as if the file changed under a queue worker). */
class BreakArm implements RunExecutor {
  readonly parallelism = 2;
  readonly pool = new PoolExecutor(2);
  runAll(requests: readonly RunRequest[], onResult: (r: RunResult) => void, signal: AbortSignal) {
    return this.pool.runAll(
      requests.map((r) => (r.arm === 1 ? { ...r, scenario: { ...(r.scenario as object), duration: 5 } } : r)),
      onResult,
      signal,
    );
  }
  close() {
    return this.pool.close();
  }
}

describe("runExperiment", () => {
  it("records a failing arm's runs with their error and summarises the others", async () => {
    const executor = new BreakArm();
    const recorded: RunResult[] = [];
    try {
      const runs = await runExperiment({ plan, executor, tasks: false, onResult: (r) => recorded.push(r) });
      expect(recorded).toHaveLength(6);
      const failed = recorded.filter((r) => !r.ok);
      expect(failed.map((r) => r.arm)).toEqual([1, 1, 1]);
      expect(failed[0]).toMatchObject({ ok: false, error: expect.stringMatching(/duration: 5 has no unit/) });
      const summary = summaryRows(plan, runs.seeds, runs.results);
      expect(summary.find((r) => r.arm === "arm-01" && r.system === "market" && r.metric === "tasksPosted")!.n).toBe(3);
      expect(summary.find((r) => r.arm === "arm-02" && r.system === "market" && r.metric === "tasksPosted")!).toMatchObject({ n: 0, mean: null, ciMethod: "none" });
      const dir = tempDir("exp-fail");
      const written = await writeExperimentOutputs(dir, { plan, seeds: runs.seeds, results: runs.results, summary, paired: pairedRows(plan, runs.seeds, runs.results), tasks: false, version: "test", generatedBy: "test" });
      expect(written.failures).toHaveLength(3);
      const csv = readFileSync(join(dir, "runs.csv"), "utf8");
      expect(csv).toMatch(/arm-02,market\.fallbackDepth=2,2\.0,1,market,false,.*has no unit/);
    } finally {
      await executor.close();
    }
  }, 60_000);

  it("adds seeds to every arm until the widest interval is narrow enough, up to the cap", async () => {
    const executor = new PoolExecutor(2);
    try {
      const wide = await runExperiment({ plan, executor, tasks: false, targetCi: { width: 1e-9, maxSeeds: 7 } });
      // Never narrow enough: grows 3 → 5 → 7 and stops at the cap.
      expect(wide.seeds).toEqual([1, 2, 3, 4, 5, 6, 7]);
      expect(wide.results.size).toBe(14);
      const easy = await runExperiment({ plan, executor, tasks: false, targetCi: { width: 1e9, maxSeeds: 7 } });
      expect(easy.seeds).toEqual([1, 2, 3]);
    } finally {
      await executor.close();
    }
  }, 120_000);
});
