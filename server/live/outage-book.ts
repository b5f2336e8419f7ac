// The live market's outage windows: the scenario's, from its failure timeline, and those posted
// through the API. It tells which windows started or ended as virtual time moves on, so the feed
// can announce them when they happen. It is bounded: at most `maxCurrent` API outages active or
// pending at once, and once a window's end has been announced it leaves the current list (the
// stream's snapshot) for a history of the latest `maxEnded`, which GET /api/outages still pages.
import type { OutageJson } from "./market-feed.js";
import { InputError } from "../../sim/input-error.js";

type Phase = "pending" | "active" | "ended";

export interface OutageBookLimits {
  /** API outages active or pending at once (default 256); one more is refused (the scenario's own are not counted). */
  maxCurrent: number;
  /** Ended outages kept, the latest (default 1,000); older ones are forgotten. */
  maxEnded: number;
}

export const DEFAULT_OUTAGE_LIMITS: Readonly<OutageBookLimits> = { maxCurrent: 256, maxEnded: 1_000 };

/** Thrown when the book already holds `limit` API outages active or pending. */
export class OutageLimitError extends Error {
  override readonly name = "OutageLimitError";

  constructor(
    readonly limit: number,
    /** Virtual ms when the first of them ends. */
    readonly nextEnd: number,
  ) {
    super(`the live market holds ${limit} outages active or pending, the most it takes`);
  }
}

/** `limits` over the defaults, checked: each a whole number of at least 1, else an InputError naming it. */
export function outageBookLimits(limits: Partial<OutageBookLimits> = {}): OutageBookLimits {
  const all = { ...DEFAULT_OUTAGE_LIMITS, ...limits };
  for (const [field, value] of Object.entries(all)) {
    if (!Number.isInteger(value) || value < 1) throw new InputError(`outageLimits.${field}`, `must be a whole number of at least 1 (got ${String(value)})`);
  }
  return all;
}

const byStart = (a: OutageJson, b: OutageJson): number => a.start - b.start || a.id.localeCompare(b.id);

export class OutageBook {
  readonly limits: Readonly<OutageBookLimits>;
  /** Windows whose end has not been announced yet. */
  private current: OutageJson[] = [];
  /** Windows whose end has been announced, in the order they ended; at most limits.maxEnded. */
  private ended: OutageJson[] = [];
  /** Each current outage's phase as last announced, by id. */
  private readonly phase = new Map<string, Phase>();
  private apiCount = 0;

  constructor(limits: Partial<OutageBookLimits> = {}) {
    this.limits = outageBookLimits(limits);
  }

  add(outage: Omit<OutageJson, "active" | "startSeconds" | "endSeconds" | "durationSeconds">): OutageJson {
    const seconds = { startSeconds: outage.start / 1_000, endSeconds: outage.end / 1_000, durationSeconds: (outage.end - outage.start) / 1_000 };
    const entry = { ...outage, ...seconds, active: false };
    this.current.push(entry);
    return { ...entry };
  }

  /** Throws OutageLimitError when `limits.maxCurrent` API outages are active or pending at `now`. */
  assertRoom(now: number): void {
    const held = this.current.filter((o) => o.source === "api" && o.end > now);
    if (held.length >= this.limits.maxCurrent) throw new OutageLimitError(this.limits.maxCurrent, Math.min(...held.map((o) => o.end)));
  }

  /** The next id of an API outage: api-1, api-2, … */
  nextApiId(): string {
    this.apiCount += 1;
    return `api-${this.apiCount}`;
  }

  /** Every outage the book holds (active, pending, and the kept history of ended ones) as of virtual time `now`, in start order. */
  list(now: number): OutageJson[] {
    return [...this.ended.map((o) => ({ ...o, active: false })), ...this.currentAt(now)].sort(byStart);
  }

  /** The outages active or pending at `now`, in start order: what a new stream's snapshot shows. */
  upcoming(now: number): OutageJson[] {
    return this.currentAt(now).filter((o) => now < o.end);
  }

  /**
   * What to announce since the last call, as of `now`: each outage that started (active true)
   * and each that ended (active false), in start order. One that started and ended between two
   * calls is announced twice, on then off, so no window goes unseen. An ended one moves to the
   * history.
   */
  changes(now: number): OutageJson[] {
    const changed: OutageJson[] = [];
    let over = false;
    for (const outage of this.currentAt(now)) {
      const was = this.phase.get(outage.id) ?? "pending";
      const is: Phase = now < outage.start ? "pending" : now < outage.end ? "active" : "ended";
      if (was === is) continue;
      if (was === "pending") changed.push({ ...outage, active: true });
      if (is === "ended") {
        changed.push({ ...outage, active: false });
        over = true;
      }
      this.phase.set(outage.id, is);
    }
    if (over) this.retire();
    return changed;
  }

  /** Moves the outages announced as ended to the history, and forgets the oldest past its bound. */
  private retire(): void {
    const done = this.current.filter((o) => this.phase.get(o.id) === "ended");
    this.current = this.current.filter((o) => this.phase.get(o.id) !== "ended");
    for (const o of done) this.phase.delete(o.id);
    this.ended.push(...done.sort(byStart));
    if (this.ended.length > this.limits.maxEnded) this.ended = this.ended.slice(-this.limits.maxEnded);
  }

  private currentAt(now: number): OutageJson[] {
    return this.current.map((o) => ({ ...o, active: now >= o.start && now < o.end })).sort(byStart);
  }
}
