import type { Scenario } from "../scenario/schema.js";
import type { RandomStream } from "../engine/rng.js";

/** A task of the workload: every system (market and baselines) gets exactly this list. */
export interface WorkloadTask {
  /** Index in the workload, from 0. */
  id: number;
  /** When it is posted (ms). */
  arrival: number;
  /** Work in compute-milliseconds: a node of speed 1 needs this long. */
  size: number;
  /** Escrow and maximum price, in wei. */
  maxPrice: bigint;
  /** Seconds an assignee gets on chain: ceil(size in s × executionSlack). */
  executionBudget: number;
  /** The poster's SLA: a result by arrival + deadline counts as on time (ms). */
  deadline: number;
  /** Required region, or "any". */
  region: string;
  /** Which poster account posts it. */
  poster: number;
}

/**
 * Draws the workload: Poisson arrivals whose rate follows the diurnal shape and the bursts
 * (by thinning a process at the peak rate), log-normal sizes, and region preferences.
 * Only the "workload" stream is used, so the list depends on the seed and the workload section.
 */
export function generateWorkload(scenario: Scenario, rng: RandomStream): WorkloadTask[] {
  const { workload, duration } = scenario;
  const arrivalsRng = rng.fork("arrivals");
  const sizeRng = rng.fork("sizes");
  const regionRng = rng.fork("regions");
  const posterRng = rng.fork("posters");

  const baseRatePerMs = workload.arrivals.ratePerMinute / 60_000;
  const diurnal = workload.arrivals.diurnal;
  const peakBurst = Math.max(1, ...workload.arrivals.bursts.map((b) => b.multiplier));
  const peakRate = baseRatePerMs * (1 + (diurnal?.amplitude ?? 0)) * peakBurst;
  const rateAt = (t: number): number => {
    let rate = baseRatePerMs;
    if (diurnal !== undefined) rate *= 1 + diurnal.amplitude * Math.cos((2 * Math.PI * (t - diurnal.peakAt)) / diurnal.period);
    for (const burst of workload.arrivals.bursts) {
      if (t >= burst.at && t < burst.at + burst.duration) rate *= burst.multiplier;
    }
    return rate;
  };

  const regionNames = Object.keys(workload.regionPreference);
  const regionWeights = regionNames.map((name) => workload.regionPreference[name]!);
  const tasks: WorkloadTask[] = [];
  if (peakRate <= 0) return tasks;
  let t = 0;
  for (;;) {
    t += Math.max(1, Math.round(arrivalsRng.exponential(1 / peakRate)));
    if (t >= duration) break;
    if (!arrivalsRng.bernoulli(rateAt(t) / peakRate)) continue;
    const size = Math.min(workload.taskSize.max, Math.max(1_000, Math.round(sizeRng.lognormal(workload.taskSize.median, workload.taskSize.sigma))));
    const sizeSeconds = Math.ceil(size / 1_000);
    tasks.push({
      id: tasks.length,
      arrival: t,
      size,
      maxPrice: workload.maxPricePerSecond * BigInt(sizeSeconds),
      executionBudget: Math.ceil(sizeSeconds * workload.executionSlack),
      deadline: workload.deadline,
      region: regionNames[regionRng.weightedIndex(regionWeights)]!,
      poster: posterRng.int(0, workload.posters - 1),
    });
  }
  return tasks;
}
