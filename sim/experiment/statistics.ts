// The statistics an experiment reports over an arm's seeds: descriptive summaries with confidence
// intervals, intervals for rates, and seed-by-seed paired differences. Everything here is pure and
// deterministic (no randomness, values summed in the order given), so the same runs always give
// byte-identical summary.csv and paired rows.
import jStat from "jstat";
import type { MetricSummary, PairedRow } from "./types.js";

/** The paired difference of one metric: the numeric part of a {@link PairedRow}. */
export type PairedDifference = Pick<PairedRow, "n" | "meanDiff" | "sd" | "ciLow" | "ciHigh">;

/**
 * The p-quantile of Student's t with `df` degrees of freedom. The t (not the normal) quantile is
 * what makes an interval over a handful of seeds cover as often as it claims: with 10 seeds,
 * z = 1.96 covers about 92%, not 95%.
 */
export function tQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`tQuantile: p must be in (0, 1), got ${p}`);
  if (!(df >= 1) || !Number.isFinite(df)) throw new RangeError(`tQuantile: df must be a finite number ≥ 1, got ${df}`);
  return jStat.studentt.inv(p, df);
}

/**
 * n, mean, sample sd, a Student-t interval for the mean, min, median and max of `values`.
 * With fewer than two values there is no spread to estimate, so sd and the interval are null
 * (ciMethod "none") rather than a misleading zero width. Non-finite values throw: a NaN would
 * silently poison every statistic, so callers drop missing metrics (null) before calling.
 */
export function describe(values: readonly number[], confidence = 0.95): MetricSummary {
  checkConfidence(confidence);
  const n = values.length;
  for (const v of values) if (!Number.isFinite(v)) throw new RangeError(`describe: values must be finite, got ${v}`);
  if (n === 0) return { n: 0, mean: null, sd: null, ciLow: null, ciHigh: null, ciMethod: "none", min: null, median: null, max: null };

  const sorted = [...values].sort((x, y) => x - y);
  const order = { min: sorted[0]!, median: median(sorted), max: sorted[n - 1]! };
  const mean = sum(values) / n;
  if (n === 1) return { n, mean, sd: null, ciLow: null, ciHigh: null, ciMethod: "none", ...order };

  // Corrected two-pass variance (Chan, Golub & LeVeque): squares of deviations from the mean, not
  // Σx² − n·mean², which cancels catastrophically for values like 1e9 + small; the second term
  // removes the rounding error left in the mean.
  let squares = 0;
  let residual = 0;
  for (const v of values) {
    const d = v - mean;
    squares += d * d;
    residual += d;
  }
  const sd = Math.sqrt(Math.max(0, (squares - (residual * residual) / n) / (n - 1)));
  const half = tQuantile(1 - (1 - confidence) / 2, n - 1) * (sd / Math.sqrt(n));
  return { n, mean, sd, ciLow: mean - half, ciHigh: mean + half, ciMethod: "t", ...order };
}

/**
 * The Wilson score interval for a binomial proportion. Unlike the normal (Wald) interval it stays
 * inside [0, 1] and keeps a non-zero width at 0 or `trials` successes, where rates such as
 * onTimeRate often sit.
 */
export function wilsonInterval(successes: number, trials: number, confidence = 0.95): { low: number; high: number } {
  checkConfidence(confidence);
  if (!(trials > 0) || !Number.isFinite(trials)) throw new RangeError(`wilsonInterval: trials must be positive, got ${trials}`);
  if (!(successes >= 0 && successes <= trials)) throw new RangeError(`wilsonInterval: successes must be in [0, ${trials}], got ${successes}`);
  const z = jStat.normal.inv(1 - (1 - confidence) / 2, 0, 1);
  const p = successes / trials;
  const z2n = (z * z) / trials;
  const centre = (p + z2n / 2) / (1 + z2n);
  const half = (z / (1 + z2n)) * Math.sqrt((p * (1 - p)) / trials + z2n / (4 * trials));
  // The bounds are exactly 0 and 1 at the extremes in exact arithmetic; clamping removes rounding.
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

/**
 * describe() for a metric that is a proportion (onTimeRate, completionRate), with the interval
 * widened to the envelope of the t interval (clipped to [0, 1]) and the Wilson interval of the
 * counts pooled over the seeds (`successes` of `trials`). Why both: a t interval collapses to a
 * point when every seed gives 100% and can leave [0, 1]; Wilson on pooled counts ignores the
 * variance between seeds. Each is wrong in the other's regime, and the wider envelope is right in
 * both. With one seed there is no t interval, so the Wilson interval stands alone.
 */
export function describeRate(rates: readonly number[], successes: number, trials: number, confidence = 0.95): MetricSummary {
  const base = describe(rates, confidence);
  if (base.n === 0) return base;
  const wilson = wilsonInterval(successes, trials, confidence);
  if (base.ciLow === null || base.ciHigh === null) return { ...base, ciLow: wilson.low, ciHigh: wilson.high, ciMethod: "t+wilson" };
  const tLow = Math.max(0, base.ciLow);
  const tHigh = Math.min(1, base.ciHigh);
  return { ...base, ciLow: Math.min(tLow, wilson.low), ciHigh: Math.max(tHigh, wilson.high), ciMethod: "t+wilson" };
}

/**
 * The mean of a[i] − b[i] with its t interval. Runs of one seed share their random numbers across
 * systems (common random numbers), so differencing seed by seed cancels the shared noise and gives
 * a far tighter interval than comparing the two means independently.
 */
export function pairedDifference(a: readonly number[], b: readonly number[], confidence = 0.95): PairedDifference {
  if (a.length !== b.length) throw new RangeError(`pairedDifference: lengths differ (${a.length} and ${b.length})`);
  const { n, mean, sd, ciLow, ciHigh } = describe(
    a.map((x, i) => x - b[i]!),
    confidence,
  );
  return { n, meanDiff: mean, sd, ciLow, ciHigh };
}

/** Half the interval's width, null without an interval: the precision a sequential stopping rule compares with its target. */
export function ciHalfWidth(summary: MetricSummary): number | null {
  if (summary.ciLow === null || summary.ciHigh === null) return null;
  return (summary.ciHigh - summary.ciLow) / 2;
}

/** Left to right, so the same input order always gives the same bits. */
function sum(values: readonly number[]): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}

/** The middle of a sorted, non-empty array; the average of the two middles when its length is even. */
function median(sorted: readonly number[]): number {
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** A confidence level outside (0, 1) has no interval; say so rather than fail inside a quantile. */
function checkConfidence(confidence: number): void {
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must be in (0, 1), got ${confidence}`);
}
