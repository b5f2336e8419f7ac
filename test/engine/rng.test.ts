import { describe, expect, it } from "vitest";
import { RandomStream } from "../../sim/engine/rng.js";

// Seeds are pinned, so every figure below is fixed; tolerances are still set at about four to
// five standard errors of the estimate, so that a correct distribution passes on any seed and
// a wrong mean, range or weight does not.
const SEED = 20_250_601;
const N = 200_000;

function draws(stream: RandomStream, count: number, draw: (s: RandomStream) => number = (s) => s.float()): number[] {
  return Array.from({ length: count }, () => draw(stream));
}

function mean(values: readonly number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

function min(values: readonly number[]): number {
  return values.reduce((lowest, value) => Math.min(lowest, value), Infinity);
}

function max(values: readonly number[]): number {
  return values.reduce((highest, value) => Math.max(highest, value), -Infinity);
}

function frequencies(values: readonly number[], size: number): number[] {
  const counts = new Array<number>(size).fill(0);
  for (const value of values) counts[value] = counts[value]! + 1;
  return counts.map((count) => count / values.length);
}

describe("RandomStream reproducibility", () => {
  it("gives the same sequence for the same seed and path", () => {
    const a = RandomStream.root(SEED).fork("failures").fork("provider-3");
    const b = RandomStream.root(SEED).fork("failures").fork("provider-3");
    expect(a.path).toBe("root/failures/provider-3");
    expect(a.seed).toBe(SEED);
    expect(draws(a, 1_000)).toEqual(draws(b, 1_000));
  });

  it("gives different sequences for different paths", () => {
    const root = RandomStream.root(SEED);
    const sequences = [root, root.fork("a"), root.fork("b"), root.fork("a").fork("b"), root.fork("b").fork("a")].map(
      (stream) => draws(stream, 100).join(","),
    );
    expect(new Set(sequences).size).toBe(sequences.length);
  });

  it("keeps forks independent: drawing from one does not shift another", () => {
    const untouched = draws(RandomStream.root(SEED).fork("arrivals"), 1_000);
    const root = RandomStream.root(SEED);
    const services = root.fork("services");
    const arrivals = root.fork("arrivals");
    const interleaved: number[] = [];
    for (let i = 0; i < 1_000; i += 1) {
      draws(services, 7);
      services.fork(`child-${i}`).float();
      interleaved.push(arrivals.float());
    }
    expect(interleaved).toEqual(untouched);
  });

  it("does not consume the parent's draws when forking", () => {
    const plain = draws(RandomStream.root(SEED), 100);
    const root = RandomStream.root(SEED);
    const withForks = Array.from({ length: 100 }, (_, i) => {
      root.fork(`child-${i}`).float();
      return root.float();
    });
    expect(withForks).toEqual(plain);
  });

  it("gives different sequences for different seeds, including ones beyond 32 bits", () => {
    const seeds = [0, 1, 2, -1, 2 ** 32, 2 ** 40, Number.MAX_SAFE_INTEGER];
    const sequences = seeds.map((seed) => draws(RandomStream.root(seed).fork("x"), 100).join(","));
    expect(new Set(sequences).size).toBe(seeds.length);
  });

  it.each([1.5, Number.NaN, Infinity, 2 ** 53])("refuses the seed %s with a RangeError", (seed) => {
    expect(() => RandomStream.root(seed)).toThrow(RangeError);
    expect(() => RandomStream.root(seed)).toThrow(`seed must be a safe integer, got ${seed}`);
  });
});

describe("RandomStream distributions", () => {
  const stream = (name: string) => RandomStream.root(SEED).fork("distributions").fork(name);

  it("draws float uniformly in [0, 1)", () => {
    const values = draws(stream("float"), N);
    expect(min(values)).toBeGreaterThanOrEqual(0);
    expect(max(values)).toBeLessThan(1);
    // Standard error of the mean: 0.289 / √N ≈ 0.00065.
    expect(Math.abs(mean(values) - 0.5)).toBeLessThan(0.003);
    const deciles = frequencies(values.map((value) => Math.floor(value * 10)), 10);
    for (const share of deciles) expect(Math.abs(share - 0.1)).toBeLessThan(0.003);
  });

  it("draws exponential values with the given mean and a matching spread", () => {
    const values = draws(stream("exponential"), N, (s) => s.exponential(1_000));
    expect(min(values)).toBeGreaterThanOrEqual(0);
    // Standard error: 1000 / √N ≈ 2.2 ms; allow 10 ms.
    expect(Math.abs(mean(values) - 1_000)).toBeLessThan(10);
    // P(X > mean) = e^-1 for an exponential, whatever the mean.
    const aboveMean = values.filter((value) => value > 1_000).length / N;
    expect(Math.abs(aboveMean - Math.exp(-1))).toBeLessThan(0.005);
  });

  it("draws int(min, max) uniformly over the inclusive range", () => {
    const values = draws(stream("int"), N, (s) => s.int(1, 6));
    expect(min(values)).toBe(1);
    expect(max(values)).toBe(6);
    expect(values.every(Number.isInteger)).toBe(true);
    // Standard error of each share: √(1/6 · 5/6 / N) ≈ 0.0008.
    const shares = frequencies(values, 7).slice(1);
    for (const share of shares) expect(Math.abs(share - 1 / 6)).toBeLessThan(0.004);
  });

  it("covers negative ranges and the one-value range", () => {
    const values = draws(stream("int-negative"), 10_000, (s) => s.int(-3, 3));
    expect(new Set(values)).toEqual(new Set([-3, -2, -1, 0, 1, 2, 3]));
    expect(draws(stream("int-one"), 100, (s) => s.int(5, 5)).every((value) => value === 5)).toBe(true);
  });

  it("draws log-normal values around the given median", () => {
    const values = draws(stream("lognormal"), N, (s) => s.lognormal(200, 0.8)).sort((a, b) => a - b);
    const median = values[N / 2]!;
    // Standard error of the log of the sample median: 0.8 · √(π/2) / √N ≈ 0.0022.
    expect(Math.abs(median / 200 - 1)).toBeLessThan(0.012);
    const logs = values.map(Math.log);
    const logMean = mean(logs);
    const logSd = Math.sqrt(mean(logs.map((value) => (value - logMean) ** 2)));
    expect(Math.abs(logSd - 0.8)).toBeLessThan(0.01);
  });

  it("draws normal values with the given mean and standard deviation", () => {
    const values = draws(stream("normal"), N, (s) => s.normal(5, 2));
    const sampleMean = mean(values);
    const sd = Math.sqrt(mean(values.map((value) => (value - sampleMean) ** 2)));
    // Standard errors: 2 / √N ≈ 0.0045 for the mean, about 0.0032 for the sd.
    expect(Math.abs(sampleMean - 5)).toBeLessThan(0.02);
    expect(Math.abs(sd - 2)).toBeLessThan(0.015);
  });

  it("draws weightedIndex in proportion to the weights, never a zero weight", () => {
    const weights = [1, 2, 0, 7];
    const values = draws(stream("weighted"), N, (s) => s.weightedIndex(weights));
    const shares = frequencies(values, weights.length);
    expect(shares[2]).toBe(0);
    // Largest standard error: √(0.3 · 0.7 / N) ≈ 0.001.
    [0.1, 0.2, 0, 0.7].forEach((expected, index) => expect(Math.abs(shares[index]! - expected)).toBeLessThan(0.005));
  });

  it("draws bernoulli(p) true with probability p", () => {
    const values = draws(stream("bernoulli"), N, (s) => (s.bernoulli(0.3) ? 1 : 0));
    expect(Math.abs(mean(values) - 0.3)).toBeLessThan(0.005);
  });

  it("draws uniform(min, max) in [min, max) with the midpoint as mean", () => {
    const values = draws(stream("uniform"), N, (s) => s.uniform(-10, 30));
    expect(min(values)).toBeGreaterThanOrEqual(-10);
    expect(max(values)).toBeLessThan(30);
    expect(Math.abs(mean(values) - 10)).toBeLessThan(0.15);
  });

  it("picks every element of an array, uniformly", () => {
    const items = ["a", "b", "c", "d"] as const;
    const picked = draws(stream("pick"), N, (s) => items.indexOf(s.pick(items)));
    for (const share of frequencies(picked, items.length)) expect(Math.abs(share - 0.25)).toBeLessThan(0.005);
  });
});

describe("RandomStream argument checks", () => {
  const stream = RandomStream.root(SEED);

  it("refuses int with max below min", () => {
    expect(() => stream.int(3, 2)).toThrow(RangeError);
    expect(() => stream.int(3, 2)).toThrow("int(3, 2): max is below min");
  });

  it("refuses pick from an empty array", () => {
    expect(() => stream.pick([])).toThrow(RangeError);
  });

  it.each([[[]], [[0, 0]], [[-1, 0.5]], [[Number.NaN, 1]]])("refuses weightedIndex(%j): no positive total", (weights) => {
    expect(() => stream.weightedIndex(weights)).toThrow(RangeError);
    expect(() => stream.weightedIndex(weights)).toThrow("weightedIndex needs a positive total weight");
  });
});
