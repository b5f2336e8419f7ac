// The event stream's slots: how many streams may be open at once, in all and per client, so one
// peer cannot hold them all (heartbeats keep an idle stream alive for ever). A client is its
// address as the rate limiter sees it (an IPv6 address by its /56, which one host can fill).
import { ipKeyGenerator } from "express-rate-limit";
import { InputError } from "../../sim/input-error.js";

export interface StreamLimits {
  /** Streams open at once, over all clients (default 64); more answer 503. */
  max: number;
  /** Streams one client address may hold at once (default 8); more answer 429. */
  perClient: number;
  /** A stream whose client has not read this many bytes is ended: it fell behind (default 1 MiB). */
  maxBacklogBytes: number;
}

export const DEFAULT_STREAM_LIMITS: Readonly<StreamLimits> = { max: 64, perClient: 8, maxBacklogBytes: 1 << 20 };

/** A held slot: `release` frees it, once, however many times it is called. */
export interface StreamSlot {
  release(): void;
}

export type SlotRefusal = { refused: "full"; limit: number } | { refused: "client"; limit: number };

export class StreamSlots {
  readonly limits: Readonly<StreamLimits>;
  private readonly byClient = new Map<string, number>();
  private held = 0;

  constructor(limits: Partial<StreamLimits> = {}) {
    const all = { ...DEFAULT_STREAM_LIMITS, ...limits };
    for (const [field, value] of Object.entries(all)) {
      if (!Number.isInteger(value) || value < 1) throw new InputError(`streams.${field}`, `must be a whole number of at least 1 (got ${String(value)})`);
    }
    this.limits = all;
  }

  /** The key of a request's client: its socket address (X-Forwarded-For is never believed), an IPv6 one by its /56. */
  static clientOf(ip: string | undefined): string {
    return ip === undefined || ip === "" ? "unknown" : ipKeyGenerator(ip, 56);
  }

  /** Slots held now. */
  get size(): number {
    return this.held;
  }

  /** Slots `client` holds now. */
  heldBy(client: string): number {
    return this.byClient.get(client) ?? 0;
  }

  /**
   * A slot for `client`, or why there is none. `feedSubscribers`: the feed's listeners now, which
   * may include streams of another app on the same market: the total cap counts whichever is more.
   */
  acquire(client: string, feedSubscribers = 0): StreamSlot | SlotRefusal {
    if (Math.max(this.held, feedSubscribers) >= this.limits.max) return { refused: "full", limit: this.limits.max };
    const mine = this.heldBy(client);
    if (mine >= this.limits.perClient) return { refused: "client", limit: this.limits.perClient };
    this.byClient.set(client, mine + 1);
    this.held += 1;
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.held -= 1;
        const left = this.heldBy(client) - 1;
        if (left > 0) this.byClient.set(client, left);
        else this.byClient.delete(client);
      },
    };
  }
}
