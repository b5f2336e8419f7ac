import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus";
import { uniformFloat64 } from "pure-rand/distribution/uniformFloat64";
import type { RandomGenerator } from "pure-rand/types/RandomGenerator";

/**
 * A named, seeded random stream. Every model draws from its own stream, forked by name from
 * the run's root, so a new draw in one model never shifts another model's numbers:
 * `root.fork("failures").fork("provider-3")` depends only on the root seed and that path.
 * @example
 * const root = RandomStream.root(42);
 * const arrivals = root.fork("arrivals");
 * const gap = arrivals.exponential(1_000); // mean 1 s, in ms
 */
export class RandomStream {
  private readonly generator: RandomGenerator;

  private constructor(
    /** The root seed this stream descends from. */
    readonly seed: number,
    /** The fork path from the root, e.g. `root/failures/provider-3`. */
    readonly path: string,
  ) {
    this.generator = xoroshiro128plus(hashSeed(seed, path));
  }

  /** The root stream of a run. `seed` must be a safe integer. */
  static root(seed: number): RandomStream {
    if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be a safe integer, got ${seed}`);
    return new RandomStream(seed, "root");
  }

  /** An independent child stream; the same name always gives the same stream. */
  fork(name: string): RandomStream {
    return new RandomStream(this.seed, `${this.path}/${name}`);
  }

  /** Uniform in [0, 1). */
  float(): number {
    return uniformFloat64(this.generator);
  }

  /** Uniform integer in [min, max], both included. */
  int(min: number, max: number): number {
    if (max < min) throw new RangeError(`int(${min}, ${max}): max is below min`);
    return min + Math.floor(this.float() * (max - min + 1));
  }

  /** Uniform in [min, max). */
  uniform(min: number, max: number): number {
    return min + this.float() * (max - min);
  }

  /** True with probability p. */
  bernoulli(p: number): boolean {
    return this.float() < p;
  }

  /** Exponentially distributed with the given mean (inter-arrival times of a Poisson process). */
  exponential(mean: number): number {
    return -mean * Math.log(1 - this.float());
  }

  /** Normally distributed (Box–Muller; one draw pair per value, so streams stay simple to replay). */
  normal(mean: number, sd: number): number {
    const u = 1 - this.float();
    const v = this.float();
    return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Log-normally distributed with the given median and log-space standard deviation. */
  lognormal(median: number, sigma: number): number {
    return median * Math.exp(this.normal(0, sigma));
  }

  /** One element of a non-empty array, uniformly. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError("pick from an empty array");
    return items[this.int(0, items.length - 1)]!;
  }

  /** An index drawn with the given non-negative weights. */
  weightedIndex(weights: readonly number[]): number {
    const total = weights.reduce((sum, w) => sum + w, 0);
    if (!(total > 0)) throw new RangeError("weightedIndex needs a positive total weight");
    let target = this.float() * total;
    for (let i = 0; i < weights.length; i += 1) {
      target -= weights[i]!;
      if (target < 0) return i;
    }
    return weights.length - 1;
  }
}

/** cyrb53-style hash of (seed, path) to a 32-bit generator seed. */
function hashSeed(seed: number, path: string): number {
  let h1 = 0xdeadbeef ^ (seed >>> 0);
  let h2 = 0x41c6ce57 ^ Math.floor(seed / 0x1_0000_0000);
  for (let i = 0; i < path.length; i += 1) {
    const ch = path.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (h1 ^ h2) | 0;
}
