// Engine throughput side by side with the obvious engine (a sorted array), on the same models
// and seeds in the same process: M/M/1 (per-event overhead, one or two events pending) and the
// hold model (the event set's cost, 10,000 pending). Benchmarks may read the wall clock; the
// engine itself never does.
import { performance } from "node:perf_hooks";
import { Engine } from "../../sim/engine/engine.js";
import { RandomStream } from "../../sim/engine/rng.js";

/** What the models here need from an engine; both engines below provide it. */
export interface BenchEngine {
  readonly now: number;
  schedule(time: number, event: number): number;
  onEvent(handler: (event: number) => void): unknown;
  run(): number;
}

/** Parameters of an M/M/1 run. Rates are per time unit; a unit is `unitMs` milliseconds. */
export interface Mm1Options {
  /** Customers to admit; each is one arrival and one departure event, so events = 2 × customers. */
  customers: number;
  seed: number;
  arrivalRate?: number;
  serviceRate?: number;
  unitMs?: number;
}

/** Time averages over the run, which starts and ends with an empty system. */
export interface Mm1Result {
  events: number;
  /** The time of the last departure, in ms. */
  endTime: number;
  /** Fraction of the time the server was busy; ρ = λ/μ in theory. */
  utilisation: number;
  /** Mean number of customers in the system, L = ρ/(1-ρ) in theory. */
  meanInSystem: number;
  /** Mean number waiting (not in service), Lq = ρ²/(1-ρ) in theory. */
  meanQueueLength: number;
  /** Mean time from arrival to departure in ms, W = 1/(μ-λ) units in theory. */
  meanTimeInSystemMs: number;
}

const ARRIVAL = 0;
const DEPARTURE = 1;

/**
 * Runs an M/M/1 queue on `engine` until every admitted customer has left. Durations are drawn
 * from exponential distributions and rounded to whole ms, so the model's clock stays integral.
 * @example
 * const result = runMm1(new Engine<number>(), { customers: 10_000, seed: 1 });
 * result.utilisation; // ≈ 0.9
 */
export function runMm1(engine: BenchEngine, options: Mm1Options): Mm1Result {
  const { customers, seed, arrivalRate = 0.9, serviceRate = 1.0, unitMs = 1_000 } = options;
  if (!Number.isSafeInteger(customers) || customers < 1) throw new RangeError(`customers must be a positive integer, got ${customers}`);
  const model = RandomStream.root(seed).fork("mm1");
  const arrivals = model.fork("arrivals");
  const services = model.fork("services");
  const meanGap = unitMs / arrivalRate;
  const meanService = unitMs / serviceRate;

  let admitted = 0;
  let inSystem = 0;
  let lastChange = 0;
  // ∫ N(t) dt; the system starts and ends empty, so this is also the sum of sojourn times.
  let customerTime = 0;
  let busyTime = 0;

  const startService = (now: number): void => {
    const duration = Math.round(services.exponential(meanService));
    busyTime += duration;
    engine.schedule(now + duration, DEPARTURE);
  };

  engine.onEvent((event) => {
    const now = engine.now;
    customerTime += inSystem * (now - lastChange);
    lastChange = now;
    if (event === ARRIVAL) {
      inSystem += 1;
      admitted += 1;
      if (admitted < customers) engine.schedule(now + Math.round(arrivals.exponential(meanGap)), ARRIVAL);
      if (inSystem === 1) startService(now);
    } else {
      inSystem -= 1;
      if (inSystem > 0) startService(now);
    }
  });
  engine.schedule(engine.now + Math.round(arrivals.exponential(meanGap)), ARRIVAL);
  const events = engine.run();
  const endTime = engine.now;
  return {
    events,
    endTime,
    utilisation: busyTime / endTime,
    meanInSystem: customerTime / endTime,
    meanQueueLength: (customerTime - busyTime) / endTime,
    meanTimeInSystemMs: customerTime / customers,
  };
}

/**
 * The hold model, the classic test of an event set: `pending` independent jobs, each of which,
 * when it fires, schedules itself again after an exponential delay. The queue always holds
 * `pending` events, which M/M/1 (one or two) never exercises. Stops after `events` events.
 * @returns The number of events processed.
 * @example
 * runHold(new Engine<number>(), { pending: 10_000, events: 100_000, seed: 1 }); // 100_000
 */
export function runHold(engine: BenchEngine, options: { pending: number; events: number; seed: number; meanDelayMs?: number }): number {
  const { pending, events, seed, meanDelayMs = 1_000 } = options;
  const delays = RandomStream.root(seed).fork("hold").fork("delays");
  let scheduled = 0;
  const reschedule = (job: number): void => {
    scheduled += 1;
    engine.schedule(engine.now + Math.round(delays.exponential(meanDelayMs)), job);
  };
  engine.onEvent((job) => {
    if (scheduled < events) reschedule(job);
  });
  for (let job = 0; job < pending; job += 1) reschedule(job);
  return engine.run();
}

interface NaiveEntry<E> {
  time: number;
  priority: number;
  sequence: number;
  event: E;
}

/**
 * The baseline: the engine most people write first, an array kept sorted by linear search and
 * `splice`, popped with `shift`. Same ordering rules as Engine, so the same model gives the
 * same results on both.
 */
export class NaiveEngine<E> {
  now = 0;
  private entries: NaiveEntry<E>[] = [];
  private sequence = 0;
  private handler: ((event: E, engine: NaiveEngine<E>) => void) | undefined;

  onEvent(handler: (event: E, engine: NaiveEngine<E>) => void): this {
    this.handler = handler;
    return this;
  }

  get pending(): number {
    return this.entries.length;
  }

  schedule(time: number, event: E, priority = 0): number {
    if (!Number.isSafeInteger(time)) throw new RangeError(`cannot schedule at ${time}: times are integer ms`);
    if (time < this.now) throw new RangeError(`cannot schedule at ${time}: the clock is at ${this.now}`);
    const entry = { time, priority, sequence: this.sequence++, event };
    const index = this.entries.findIndex((other) => other.time > time || (other.time === time && other.priority > priority));
    this.entries.splice(index === -1 ? this.entries.length : index, 0, entry);
    return entry.sequence;
  }

  cancel(handle: number): boolean {
    const index = this.entries.findIndex((entry) => entry.sequence === handle);
    if (index === -1) return false;
    this.entries.splice(index, 1);
    return true;
  }

  run(until = Infinity): number {
    let processed = 0;
    while (this.entries.length > 0 && this.entries[0]!.time <= until) {
      const entry = this.entries.shift()!;
      this.now = entry.time;
      processed += 1;
      this.handler!(entry.event, this);
    }
    if (until !== Infinity) this.now = until;
    return processed;
  }
}

/** The figures benchEngine reports; events per second are medians of three timed runs. */
export interface EngineBenchResult {
  engineEventsPerSec: number;
  /** Events in each timed run of Engine. */
  events: number;
  /** Median wall time of the Engine runs, in seconds. */
  seconds: number;
  baselineEventsPerSec: number;
  /** Events in each timed run of the baseline. */
  baselineEvents: number;
  /** The model's own figures, to show the benchmark simulated a sane queue. */
  mm1Utilisation: number;
  mm1MeanInSystem: number;
}

const REPEATS = 3;
const SEED = 20_250_601;

/** Events per second of the median of REPEATS timed runs, after one untimed warm-up run. */
function medianRate(run: () => number, warmUp: () => number): { eventsPerSec: number; events: number; seconds: number } {
  // The warm-up lets the timed runs measure optimised code rather than the JIT warming up.
  warmUp();
  const runs = Array.from({ length: REPEATS }, () => {
    const start = performance.now();
    const events = run();
    return { events, seconds: (performance.now() - start) / 1_000 };
  });
  runs.sort((a, b) => a.events / a.seconds - b.events / b.seconds);
  const median = runs[Math.floor(REPEATS / 2)]!;
  return { eventsPerSec: median.events / median.seconds, ...median };
}

const MM1_CUSTOMERS = 500_000; // 1,000,000 events
const MM1_BASELINE_CUSTOMERS = 100_000; // 200,000 events: both are compared per event, not per run
const MM1_WARMUP_CUSTOMERS = 20_000;

/**
 * Times Engine and the sorted-array baseline on the same M/M/1 model (λ = 0.9, μ = 1 per second,
 * in integer ms), three runs each, and reports the medians. With one or two events pending, this
 * measures the engine's per-event overhead, not the event set: see benchHold for that.
 * @example
 * const { engineEventsPerSec, baselineEventsPerSec } = await benchEngine();
 */
export async function benchEngine(): Promise<EngineBenchResult> {
  let result: Mm1Result | undefined;
  const ours = medianRate(
    () => {
      result = runMm1(new Engine<number>(), { customers: MM1_CUSTOMERS, seed: SEED });
      return result.events;
    },
    () => runMm1(new Engine<number>(), { customers: MM1_WARMUP_CUSTOMERS, seed: SEED }).events,
  );
  const baseline = medianRate(
    () => runMm1(new NaiveEngine<number>(), { customers: MM1_BASELINE_CUSTOMERS, seed: SEED }).events,
    () => runMm1(new NaiveEngine<number>(), { customers: MM1_WARMUP_CUSTOMERS, seed: SEED }).events,
  );
  const { utilisation, meanInSystem } = result!;
  // A fast wrong simulation is worth nothing: refuse to report figures from a broken model.
  if (Math.abs(utilisation - 0.9) > 0.02) throw new Error(`M/M/1 utilisation is ${utilisation}, expected about 0.9`);
  return {
    engineEventsPerSec: ours.eventsPerSec,
    events: ours.events,
    seconds: ours.seconds,
    baselineEventsPerSec: baseline.eventsPerSec,
    baselineEvents: baseline.events,
    mm1Utilisation: utilisation,
    mm1MeanInSystem: meanInSystem,
  };
}

/** The figures benchHold reports, medians of three timed runs. */
export interface HoldBenchResult {
  holdEventsPerSec: number;
  holdBaselineEventsPerSec: number;
  /** Events always in the queue. */
  holdPending: number;
  holdEvents: number;
  holdBaselineEvents: number;
}

const HOLD_PENDING = 10_000;
const HOLD_EVENTS = 1_000_000;
const HOLD_BASELINE_EVENTS = 50_000; // the baseline pays O(pending) per insert
const HOLD_WARMUP_EVENTS = 20_000;

/**
 * Times both engines on the hold model with 10,000 events always pending: the event set's cost
 * (O(log n) per event for the heap, O(n) for the sorted array), which M/M/1 does not reach.
 * @example
 * const { holdEventsPerSec, holdBaselineEventsPerSec } = await benchHold();
 */
export async function benchHold(): Promise<HoldBenchResult> {
  const hold = (engine: BenchEngine, events: number) => runHold(engine, { pending: HOLD_PENDING, events, seed: SEED });
  const ours = medianRate(
    () => hold(new Engine<number>(), HOLD_EVENTS),
    () => hold(new Engine<number>(), HOLD_WARMUP_EVENTS),
  );
  const baseline = medianRate(
    () => hold(new NaiveEngine<number>(), HOLD_BASELINE_EVENTS),
    () => hold(new NaiveEngine<number>(), HOLD_WARMUP_EVENTS),
  );
  return {
    holdEventsPerSec: ours.eventsPerSec,
    holdBaselineEventsPerSec: baseline.eventsPerSec,
    holdPending: HOLD_PENDING,
    holdEvents: ours.events,
    holdBaselineEvents: baseline.events,
  };
}
