// The live market's outage windows: the scenario's, from its failure timeline, and those posted
// through the API. It tells which windows started or ended as virtual time moves on, so the feed
// can announce them when they happen.
import type { OutageJson } from "./market-feed.js";

type Phase = "pending" | "active" | "ended";

export class OutageBook {
  private readonly outages: OutageJson[] = [];
  /** Each outage's phase as last announced, by id. */
  private readonly phase = new Map<string, Phase>();
  private apiCount = 0;

  add(outage: Omit<OutageJson, "active" | "startSeconds" | "endSeconds" | "durationSeconds">): OutageJson {
    const seconds = { startSeconds: outage.start / 1_000, endSeconds: outage.end / 1_000, durationSeconds: (outage.end - outage.start) / 1_000 };
    const entry = { ...outage, ...seconds, active: false };
    this.outages.push(entry);
    return { ...entry };
  }

  /** The next id of an API outage: api-1, api-2, … */
  nextApiId(): string {
    this.apiCount += 1;
    return `api-${this.apiCount}`;
  }

  /** Every outage as of virtual time `now`, in start order. */
  list(now: number): OutageJson[] {
    return this.outages.map((o) => ({ ...o, active: now >= o.start && now < o.end })).sort((a, b) => a.start - b.start || a.id.localeCompare(b.id));
  }

  /**
   * What to announce since the last call, as of `now`: each outage that started (active true)
   * and each that ended (active false), in start order. One that started and ended between two
   * calls is announced twice, on then off, so no window goes unseen.
   */
  changes(now: number): OutageJson[] {
    const changed: OutageJson[] = [];
    for (const outage of this.list(now)) {
      const was = this.phase.get(outage.id) ?? "pending";
      const is: Phase = now < outage.start ? "pending" : now < outage.end ? "active" : "ended";
      if (was === is) continue;
      if (was === "pending") changed.push({ ...outage, active: true });
      if (is === "ended") changed.push({ ...outage, active: false });
      this.phase.set(outage.id, is);
    }
    return changed;
  }
}
