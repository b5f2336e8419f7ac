import { EventQueue } from "./event-queue.js";

/** Called once for each event, with the clock already at the event's time. */
export type EventHandler<E> = (event: E, engine: Engine<E>) => void;

/**
 * When an event fires: an absolute time in ms (a bare number or `{ at }`), or a delay from the
 * current clock (`{ after }`). All are integers: time never accumulates floating-point error.
 */
export type ScheduleTime = number | { at: number; after?: never } | { after: number; at?: never };

/**
 * The discrete-event engine: a virtual clock in integer milliseconds and one queue of events
 * ordered by (time, priority, sequence). Lower priority fires first among events at the same
 * time; events equal on both fire in the order they were scheduled, so a run is a pure function
 * of what was scheduled. The engine never reads the wall clock: a live market paces it from
 * outside by calling `run(until)` with the wall time it has reached.
 *
 * The handler receives every event; models dispatch on the event's type. Handlers may schedule
 * and cancel, but may not call `step` or `run` (a run is not re-entrant).
 * @example
 * type Event = { kind: "arrive"; job: number } | { kind: "done"; job: number };
 * const engine = new Engine<Event>((event, sim) => {
 *   if (event.kind === "arrive") sim.schedule({ after: 250 }, { kind: "done", job: event.job });
 * });
 * engine.schedule(1_000, { kind: "arrive", job: 1 });
 * engine.run(); // 2 events processed; engine.now === 1_250
 */
export class Engine<E> {
  private clock = 0;
  private readonly queue = new EventQueue<E>();
  private handler: EventHandler<E> | undefined;
  private running = false;

  constructor(handler?: EventHandler<E>) {
    this.handler = handler;
  }

  /** The current simulation time, in ms. */
  get now(): number {
    return this.clock;
  }

  /** The number of events scheduled and neither fired nor cancelled. */
  get pending(): number {
    return this.queue.size;
  }

  /** The time of the next event, or undefined when none is scheduled. */
  get nextTime(): number | undefined {
    return this.queue.size === 0 ? undefined : this.queue.peekTime();
  }

  /** Sets the handler that receives every event from the next one on. */
  onEvent(handler: EventHandler<E>): this {
    this.handler = handler;
    return this;
  }

  /**
   * Schedules `event` and returns a handle for `cancel`.
   * @param when An absolute time in ms (`number` or `{ at }`) or a delay (`{ after }`).
   * @param priority Orders events at the same time: lower first (default 0; an integer in
   *   [MIN_PRIORITY, MAX_PRIORITY] = [-32768, 32767]).
   * @throws RangeError if the time is not an integer or lies before the clock, or the priority
   *   is out of range.
   */
  schedule(when: ScheduleTime, event: E, priority = 0): number {
    let time: number;
    if (typeof when === "number") {
      time = when;
    } else if (when.at !== undefined) {
      time = when.at;
    } else {
      if (!Number.isSafeInteger(when.after)) {
        throw new RangeError(`cannot schedule after ${when.after} ms: delays are integer ms`);
      }
      time = this.clock + when.after;
    }
    if (!Number.isSafeInteger(time)) throw new RangeError(`cannot schedule at ${time}: times are integer ms`);
    if (time < this.clock) throw new RangeError(`cannot schedule at ${time}: the clock is at ${this.clock}`);
    return this.queue.push(time, priority, event);
  }

  /**
   * Cancels a scheduled event. Returns false if it already fired, was already cancelled, or the
   * handle is unknown; a handle never comes back to life, even after its slot is reused.
   */
  cancel(handle: number): boolean {
    return this.queue.cancel(handle);
  }

  /** Processes the next event, if any; returns whether there was one. */
  step(): boolean {
    this.enter();
    try {
      if (this.queue.size === 0) return false;
      const handler = this.requireHandler();
      this.clock = this.queue.peekTime();
      handler(this.queue.pop() as E, this);
      return true;
    } finally {
      this.running = false;
    }
  }

  /**
   * Processes events in order until the queue is empty or, given `until`, until the next event
   * lies after it. Events exactly at `until` are processed, and the clock then stands at `until`
   * even if the last event came earlier, so consecutive `run(t)` calls tile time without gaps.
   * If a handler throws, the run stops with the clock at that event's time and the error
   * propagates; the event counts as consumed.
   * @returns The number of events processed.
   */
  run(until?: number): number {
    if (until !== undefined) {
      if (!Number.isSafeInteger(until)) throw new RangeError(`cannot run until ${until}: times are integer ms`);
      if (until < this.clock) throw new RangeError(`cannot run until ${until}: the clock is at ${this.clock}`);
    }
    const limit = until ?? Infinity;
    const queue = this.queue;
    let processed = 0;
    this.enter();
    try {
      while (queue.size > 0) {
        const time = queue.peekTime();
        if (time > limit) break;
        // Looked up per event so that a handler may hand over to another with onEvent.
        const handler = this.requireHandler();
        this.clock = time;
        const event = queue.pop() as E;
        processed += 1;
        handler(event, this);
      }
      if (until !== undefined) this.clock = until;
    } finally {
      this.running = false;
    }
    return processed;
  }

  private enter(): void {
    if (this.running) throw new Error("step and run cannot be called from inside an event handler");
    this.running = true;
  }

  private requireHandler(): EventHandler<E> {
    if (this.handler === undefined) throw new Error("no event handler: pass one to the Engine constructor or call onEvent");
    return this.handler;
  }
}
