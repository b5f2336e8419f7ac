// The live market's workload after the scenario's duration. A simulation ends there; a live
// market goes on, so the scenario's workload pattern (rate, diurnal shape, bursts, sizes, region
// preferences) repeats period after period: period k ≥ 1 covers [k·duration, (k+1)·duration) and
// is drawn with the same generator from its own stream, `workload/period-k`, so every period is
// fixed by the seed alone (whatever the wall clock did) and differs from the others as days do.
// Period 0 is the scenario's own workload, scheduled by the MarketSystem itself.
import type { RandomStream } from "../../sim/engine/rng.js";
import { generateWorkload, type WorkloadTask } from "../../sim/model/workload.js";
import type { Scenario } from "../../sim/scenario/schema.js";

/** A task of a repeated period, its arrival in virtual ms from the market's start. */
export interface CycleTask extends WorkloadTask {
  period: number;
}

export class WorkloadCycle {
  /** The next period to draw (period 0 is the scenario's own). */
  private nextPeriod = 1;
  /** Drawn tasks not yet handed out, in arrival order. */
  private queue: CycleTask[] = [];
  private head = 0;

  constructor(
    private readonly scenario: Scenario,
    /** The run's "workload" stream; each period forks its own child from it. */
    private readonly workloadRng: RandomStream,
  ) {}

  /** The scenario's duration: the length of one period (ms). */
  get periodMs(): number {
    return this.scenario.duration;
  }

  /** The period virtual time `t` (ms) falls in, from 0. */
  periodAt(t: number): number {
    return Math.max(0, Math.floor(t / this.periodMs));
  }

  /**
   * The repeated tasks that arrive at or before `t`, each once, in arrival order. Periods are
   * drawn one at a time as time reaches them, so memory holds at most about one period.
   */
  due(t: number): CycleTask[] {
    const out: CycleTask[] = [];
    for (;;) {
      while (this.head < this.queue.length) {
        const task = this.queue[this.head]!;
        if (task.arrival > t) return out;
        out.push(task);
        this.head += 1;
      }
      if (this.nextPeriod * this.periodMs > t) return out;
      this.drawNext();
    }
  }

  private drawNext(): void {
    const period = this.nextPeriod;
    this.nextPeriod += 1;
    const offset = period * this.periodMs;
    this.queue = generateWorkload(this.scenario, this.workloadRng.fork(`period-${period}`)).map((task) => ({ ...task, period, arrival: offset + task.arrival }));
    this.head = 0;
  }
}
