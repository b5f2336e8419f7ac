// The benchmark's models, checked against queueing theory, so that the figures it prints come
// from a correct simulation. M/M/1 with λ = 0.9/s and μ = 1/s: ρ = 0.9, L = ρ/(1-ρ) = 9,
// Lq = 8.1, W = 1/(μ-λ) = 10 s.
import { describe, expect, it } from "vitest";
import { Engine } from "../../sim/engine/engine.js";
import { NaiveEngine, runHold, runMm1 } from "../bench/engine.bench.js";

describe("M/M/1 model of the engine benchmark", () => {
  // Spread over 12 seeds at 50,000 customers: a standard deviation of about 0.005 for the
  // utilisation and 0.5 for L (ρ = 0.9 mixes slowly); the bounds are about four of them.
  it.each([1, 2, 20_250_601])("has utilisation ≈ 0.9 and queue figures near theory (seed %i)", (seed) => {
    const result = runMm1(new Engine<number>(), { customers: 50_000, seed });
    const where = `seed ${seed}`;
    expect(result.events, where).toBe(100_000);
    expect(Math.abs(result.utilisation - 0.9), where).toBeLessThan(0.02);
    expect(Math.abs(result.meanInSystem - 9), where).toBeLessThan(2.2);
    expect(result.meanQueueLength, where).toBeCloseTo(result.meanInSystem - result.utilisation, 10);
    expect(Math.abs(result.meanTimeInSystemMs - 10_000), where).toBeLessThan(2_500);
  });

  it("follows the load: at λ = 0.5/s utilisation is ≈ 0.5 and L ≈ 1", () => {
    const result = runMm1(new Engine<number>(), { customers: 50_000, seed: 3, arrivalRate: 0.5 });
    expect(Math.abs(result.utilisation - 0.5)).toBeLessThan(0.01);
    expect(Math.abs(result.meanInSystem - 1)).toBeLessThan(0.06);
  });

  it("gives exactly the same results on Engine and on the sorted-array baseline", () => {
    const ours = runMm1(new Engine<number>(), { customers: 20_000, seed: 5 });
    const baseline = runMm1(new NaiveEngine<number>(), { customers: 20_000, seed: 5 });
    expect(baseline).toEqual(ours);
  });

  it("is reproducible: the same seed gives the same figures", () => {
    const first = runMm1(new Engine<number>(), { customers: 10_000, seed: 8 });
    expect(runMm1(new Engine<number>(), { customers: 10_000, seed: 8 })).toEqual(first);
    expect(runMm1(new Engine<number>(), { customers: 10_000, seed: 9 })).not.toEqual(first);
  });
});

describe("hold model of the engine benchmark", () => {
  it("keeps `pending` events queued and processes exactly `events`", () => {
    const engine = new Engine<number>();
    expect(runHold(engine, { pending: 1_000, events: 20_000, seed: 1 })).toBe(20_000);
    expect(engine.pending).toBe(0);
  });

  it("fires the same events at the same times on Engine and on the baseline", () => {
    const trace = (engine: Engine<number> | NaiveEngine<number>): string[] => {
      const log: string[] = [];
      const traced = {
        get now() {
          return engine.now;
        },
        schedule: (time: number, event: number) => engine.schedule(time, event),
        onEvent: (handler: (event: number) => void) =>
          engine.onEvent((event: number) => {
            log.push(`${engine.now}:${event}`);
            handler(event);
          }),
        run: () => engine.run(),
      };
      runHold(traced, { pending: 200, events: 5_000, seed: 4 });
      return log;
    };
    const ours = trace(new Engine<number>());
    expect(ours).toHaveLength(5_000);
    expect(trace(new NaiveEngine<number>())).toEqual(ours);
  });
});
