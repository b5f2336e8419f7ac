// The experiment statistics against textbook values, plus a coverage check that can fail: 95%
// intervals over simulated seeds must contain the true mean about 95% of the time.
import { describe as suite, expect, it } from "vitest";
import { RandomStream } from "../../sim/engine/rng.js";
import { ciHalfWidth, describe, describeRate, pairedDifference, tQuantile, wilsonInterval } from "../../sim/experiment/statistics.js";

suite("tQuantile", () => {
  it("matches the t table's 97.5% points", () => {
    expect(tQuantile(0.975, 1)).toBeCloseTo(12.706, 3);
    expect(tQuantile(0.975, 9)).toBeCloseTo(2.262, 3);
    expect(tQuantile(0.975, 29)).toBeCloseTo(2.045, 3);
    expect(tQuantile(0.975, 1000)).toBeCloseTo(1.962, 3);
  });

  it("rejects df below 1 and p outside (0, 1)", () => {
    expect(() => tQuantile(0.975, 0)).toThrow(RangeError);
    expect(() => tQuantile(0.975, Number.NaN)).toThrow(RangeError);
    expect(() => tQuantile(0, 5)).toThrow(RangeError);
    expect(() => tQuantile(1, 5)).toThrow(RangeError);
  });
});

suite("describe", () => {
  it("summarises a known small set with a t(7) interval", () => {
    const s = describe([2, 4, 4, 4, 5, 5, 7, 9]);
    const sd = Math.sqrt(32 / 7);
    expect(s.n).toBe(8);
    expect(s.mean).toBe(5);
    expect(s.sd).toBeCloseTo(2.138, 3);
    expect(s.ciLow).toBeCloseTo(5 - (2.365 * sd) / Math.sqrt(8), 3);
    expect(s.ciHigh).toBeCloseTo(5 + (2.365 * sd) / Math.sqrt(8), 3);
    expect(s).toMatchObject({ ciMethod: "t", min: 2, median: 4.5, max: 9 });
    expect(ciHalfWidth(s)).toBeCloseTo((2.365 * sd) / Math.sqrt(8), 3);
  });

  it("takes the middle value of an odd count and leaves its input unsorted", () => {
    const values = [9, 1, 5];
    expect(describe(values).median).toBe(5);
    expect(values).toEqual([9, 1, 5]);
  });

  it("gives nulls for no values and no spread for one", () => {
    const empty = describe([]);
    expect(empty).toEqual({ n: 0, mean: null, sd: null, ciLow: null, ciHigh: null, ciMethod: "none", min: null, median: null, max: null });
    expect(ciHalfWidth(empty)).toBeNull();
    expect(describe([3.5])).toEqual({ n: 1, mean: 3.5, sd: null, ciLow: null, ciHigh: null, ciMethod: "none", min: 3.5, median: 3.5, max: 3.5 });
  });

  it("keeps the variance of large, close values (no Σx² − n·mean² cancellation)", () => {
    // 4, 7, 13, 16 have variance 30; offset by 1e9 a one-pass formula loses it entirely.
    expect(describe([4, 7, 13, 16].map((v) => 1e9 + v)).sd).toBeCloseTo(Math.sqrt(30), 6);
  });

  it("rejects non-finite values and confidence outside (0, 1)", () => {
    expect(() => describe([1, Number.NaN])).toThrow(RangeError);
    expect(() => describe([1, 2], 1)).toThrow(RangeError);
  });
});

suite("wilsonInterval", () => {
  it("matches the textbook intervals, including at 0 and all successes", () => {
    const half = wilsonInterval(5, 10);
    expect(half.low).toBeCloseTo(0.2366, 4);
    expect(half.high).toBeCloseTo(0.7634, 4);
    expect(wilsonInterval(0, 10)).toEqual({ low: 0, high: expect.closeTo(0.2775, 4) });
    expect(wilsonInterval(10, 10)).toEqual({ low: expect.closeTo(0.7225, 4), high: 1 });
  });

  it("rejects zero trials and impossible counts", () => {
    expect(() => wilsonInterval(0, 0)).toThrow(RangeError);
    expect(() => wilsonInterval(11, 10)).toThrow(RangeError);
  });
});

suite("describeRate", () => {
  it("keeps a width below 1 when every seed is at 100% (Wilson of the pooled counts)", () => {
    const s = describeRate([1, 1, 1, 1, 1], 50, 50);
    expect(s.ciMethod).toBe("t+wilson");
    expect(s.ciHigh).toBe(1);
    expect(s.ciLow!).toBeLessThan(1);
    expect(s.ciLow).toBeCloseTo(wilsonInterval(50, 50).low, 12);
  });

  it("keeps the t interval when seeds vary more than the pooled counts suggest", () => {
    const rates = [0.5, 0.7, 0.6, 0.8, 0.4];
    const t = describe(rates);
    const s = describeRate(rates, 3000, 5000);
    expect(s.ciLow).toBe(t.ciLow);
    expect(s.ciHigh).toBe(t.ciHigh);
    expect(s.ciMethod).toBe("t+wilson");
  });

  it("clips the t interval to [0, 1] and uses Wilson alone for one seed", () => {
    const wide = describeRate([0.1, 0.99], 109, 200);
    expect(wide.ciLow).toBe(0);
    expect(wide.ciHigh).toBe(1);
    const one = describeRate([0.9], 9, 10);
    expect(one).toMatchObject({ n: 1, mean: 0.9, sd: null, ciMethod: "t+wilson", ciLow: wilsonInterval(9, 10).low, ciHigh: wilsonInterval(9, 10).high });
  });
});

suite("pairedDifference", () => {
  it("is tighter than the unpaired difference when the two share their noise", () => {
    // Common random numbers: each seed's shared noise moves both systems alike.
    const rng = RandomStream.root(7).fork("paired");
    const a: number[] = [];
    const b: number[] = [];
    for (let i = 0; i < 20; i += 1) {
      const shared = rng.normal(100, 20);
      a.push(shared + 5 + rng.normal(0, 1));
      b.push(shared + rng.normal(0, 1));
    }
    const paired = pairedDifference(a, b);
    const sa = describe(a).sd!;
    const sb = describe(b).sd!;
    const unpairedHalf = tQuantile(0.975, 2 * 20 - 2) * Math.sqrt((sa * sa + sb * sb) / 20);
    const pairedHalf = (paired.ciHigh! - paired.ciLow!) / 2;
    expect(paired.n).toBe(20);
    expect(paired.meanDiff).toBeCloseTo(5, 0);
    expect(pairedHalf).toBeLessThan(unpairedHalf / 5);
  });

  it("requires equal lengths", () => {
    expect(() => pairedDifference([1, 2], [1])).toThrow(RangeError);
  });
});

suite("coverage", () => {
  it("95% t intervals over 10 seeds contain the true mean about 95% of the time; z intervals do not", () => {
    const rng = RandomStream.root(2024).fork("coverage");
    const trials = 2000;
    const n = 10;
    let tHits = 0;
    let zHits = 0;
    for (let k = 0; k < trials; k += 1) {
      const sample = Array.from({ length: n }, () => rng.normal(3, 2));
      const s = describe(sample);
      if (s.ciLow! <= 3 && 3 <= s.ciHigh!) tHits += 1;
      // The same interval with the normal quantile: what forgetting the t correction would give.
      const zHalf = (1.96 * s.sd!) / Math.sqrt(n);
      if (Math.abs(s.mean! - 3) <= zHalf) zHits += 1;
    }
    // 2,000 intervals: a share's sd is about 0.005, so [0.935, 0.965] is about ±3 sd around 0.95.
    expect(tHits / trials).toBeGreaterThanOrEqual(0.935);
    expect(tHits / trials).toBeLessThanOrEqual(0.965);
    // P(|t₉| ≤ 1.96) ≈ 0.92: the test tells a t interval from a z one.
    expect(zHits / trials).toBeLessThan(0.935);
  });
});
