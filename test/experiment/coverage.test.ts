// Do the experiment's 95% intervals cover 95% of the time on the simulator's own output? The
// number of tasks a scenario posts has a known mean: Poisson arrivals at a constant rate r per
// minute for T minutes post r·T tasks on average (here 1/min for 2 h: 120). Many experiments of
// 8 seeds each, summarised by the experiment's own code, must contain 120 about 95% of the time.
import { describe, expect, it } from "vitest";
import { RandomStream } from "../../sim/engine/rng.js";
import { runKey } from "../../sim/experiment/experiment-folder.js";
import { planExperiment } from "../../sim/experiment/plan.js";
import { summaryRows } from "../../sim/experiment/summarize.js";
import type { RunResult } from "../../sim/experiment/types.js";
import { generateWorkload } from "../../sim/model/workload.js";
import { parseScenario } from "../../sim/scenario/load.js";
import { tinyData } from "../scenario/tiny-scenario.js";

const SEEDS_PER_EXPERIMENT = 8;
const EXPERIMENTS = 600;
const TRUE_MEAN = 120;

describe("confidence intervals on simulator output", () => {
  it("contain the known mean of tasks posted in about 95% of experiments", () => {
    const scenario = parseScenario(tinyData());
    const seeds = Array.from({ length: SEEDS_PER_EXPERIMENT }, (_, i) => i + 1);
    const plan = planExperiment({ name: "coverage", base: tinyData(), seeds, metrics: ["tasksPosted"] }, "t");
    let covered = 0;
    for (let e = 0; e < EXPERIMENTS; e += 1) {
      const results = new Map<string, RunResult>();
      for (const seed of seeds) {
        // The workload exactly as simulate() draws it for this seed (the "workload" stream of the root).
        const posted = generateWorkload({ ...scenario, seed: e * 1_000 + seed }, RandomStream.root(e * 1_000 + seed).fork("workload")).length;
        const systems = { market: { tasksPosted: posted }, centralized: { tasksPosted: posted }, multiCloud: { tasksPosted: posted } };
        results.set(runKey(0, seed), { arm: 0, seed, ok: true, systems });
      }
      const row = summaryRows(plan, seeds, results).find((r) => r.system === "market")!;
      if (row.ciLow! <= TRUE_MEAN && TRUE_MEAN <= row.ciHigh!) covered += 1;
    }
    // Binomial sd at 600 experiments is 0.9 points: [0.925, 0.975] is ±2.8 sd. A normal (z) interval
    // with 8 seeds covers about 91.6%, outside it.
    expect(covered / EXPERIMENTS).toBeGreaterThanOrEqual(0.925);
    expect(covered / EXPERIMENTS).toBeLessThanOrEqual(0.975);
  }, 60_000);
});
