// An ExperimentSummary for the experiment.html tests (test/experiment/report.test.ts and
// test/browser/experiment-report.test.ts): two axes of three values each (nine arms), five seeds,
// the three systems, two metrics (a rate and a latency), paired rows for both baselines, one
// failed run, and markup in the names, the description, an axis value and the error text.
// Every number follows from the arm's position: the same fixture every time.
import type { ExperimentSummary, Json, PairedRow, SummaryRow } from "../../sim/experiment/types.js";
import { SYSTEM_KEYS } from "../../sim/report/types.js";

export const HOSTILE_NAME = "<b>sweep</b> & co";
export const HOSTILE_VALUE = '<img src=x onerror="window.__pwned=1">';
export const HOSTILE_DESCRIPTION = "<script>window.__pwned=2</script> hidden share × placement";
export const HOSTILE_ERROR = "<svg/onload=window.__pwned=3> boom";

export function sampleExperiment(): ExperimentSummary {
  const axes: ExperimentSummary["axes"] = [
    { name: "hiddenShare", values: [0.2, 0.4, 0.6] },
    { name: "placement", values: ["spread", "packed", HOSTILE_VALUE] },
  ];
  const metrics = ["onTimeRate", "latencyMs.p95"];
  const arms: ExperimentSummary["arms"] = [];
  for (const hiddenShare of axes[0]!.values) {
    for (const placement of axes[1]!.values) {
      const index = arms.length;
      const params: Record<string, Json> = { hiddenShare, placement };
      arms.push({ key: `arm-${String(index + 1).padStart(2, "0")}`, label: `hiddenShare=${hiddenShare}, placement=${placement as string}`, params });
    }
  }
  const summary: SummaryRow[] = [];
  const paired: PairedRow[] = [];
  arms.forEach((arm, i) => {
    const share = arm.params["hiddenShare"] as number;
    const place = i % 3;
    const n = i === 4 ? 4 : 5; // arm-05 lost one seed (see failures)
    const means: Record<string, Record<string, number>> = {
      onTimeRate: { market: 0.97 - share * 0.1 - place * 0.01, centralized: 0.9 - share * 0.3, multiCloud: 0.94 - share * 0.15 },
      "latencyMs.p95": { market: 40_000 + share * 60_000 + place * 5_000, centralized: 30_000 + share * 200_000, multiCloud: 35_000 + share * 100_000 },
    };
    for (const metric of metrics) {
      const half = metric === "onTimeRate" ? 0.02 : 8_000;
      for (const system of SYSTEM_KEYS) {
        const mean = means[metric]![system]!;
        summary.push({
          arm: arm.key, system, metric, n, mean, sd: half * 0.8, ciLow: mean - half, ciHigh: mean + half,
          ciMethod: metric === "onTimeRate" ? "t+wilson" : "t", min: mean - half * 1.5, median: mean, max: mean + half * 1.5,
        });
      }
      for (const baseline of ["centralized", "multiCloud"] as const) {
        const meanDiff = means[metric]!["market"]! - means[metric]![baseline]!;
        // One arm without an interval: the chart draws its mean only.
        const open = i === 8 && baseline === "multiCloud";
        paired.push({ arm: arm.key, baseline, metric, n, meanDiff, sd: half * 0.5, ciLow: open ? null : meanDiff - half * 0.6, ciHigh: open ? null : meanDiff + half * 0.6 });
      }
    }
  });
  return {
    name: HOSTILE_NAME,
    description: HOSTILE_DESCRIPTION,
    base: "aws-us-east-1-2025-10-20",
    ledger: "memory",
    seeds: [1, 2, 3, 4, 5],
    axes,
    arms,
    metrics,
    summary,
    paired,
    failures: [{ arm: "arm-05", seed: 3, error: HOSTILE_ERROR }],
    generatedBy: "bidmesh experiment --spec experiments/hidden-share.yaml --seeds 5",
    version: "0.1.0",
  };
}
