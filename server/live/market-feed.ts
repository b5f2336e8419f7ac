// The live feed behind GET /api/stream: what happens in the market, as it happens, fanned out to
// every subscriber. Publishing never waits for a subscriber; a slow one is the stream's problem
// (the route ends a stream that falls too far behind).
import type { LoggedEvent } from "../../sim/protocol/logged-event.js";
import type { KpisJson } from "./live-kpis.js";
import type { LiveMarketState } from "../market-service.js";
import type { LedgerEventJson } from "../schemas.js";
import { eventJson } from "../views.js";

/** A live-market provider as the dashboard shows it. */
export interface LiveProviderJson {
  address: string;
  nodeId: string;
  group: string;
  region: string;
  dependsOn: string[];
  online: boolean;
  /** Wei, decimal: registration stake less slashes. */
  stake: string;
  capacity: number;
  /** Assignments it holds now. */
  running: number;
}

/** An outage window: from the scenario's failure timeline, or posted through the API. */
export interface OutageJson {
  id: string;
  source: "scenario" | "api";
  name: string;
  scope: { region: string } | { dependency: string } | { providers: string[] };
  /** Virtual ms from the market's start. */
  start: number;
  end: number;
  /** The same times in virtual seconds, the unit POST /api/outages takes its duration in. */
  startSeconds: number;
  endSeconds: number;
  durationSeconds: number;
  active: boolean;
  /** Addresses of the providers it takes down. */
  affected: string[];
}

export interface BlockJson {
  number: number;
  timestamp: number;
  /** Virtual ms of the block. */
  now: number;
  txs: number;
}

/** The chain behind a live market stopped answering (`down`), answers again (`up`), or the market resumed from its state (`resumed`). */
export interface ChainStateJson {
  state: "down" | "up" | "resumed";
  /** The live market's state as of this message (as in GET /api/health). */
  market: LiveMarketState;
  /** Times the market resumed from the chain. */
  reconnects: number;
  /** What failed, while the market reconnects. */
  error: string | null;
  /** Chain timestamp (s) of virtual time 0: a resumed market starts its virtual clock again. */
  chainTimeZero: number;
}

/** One message of the feed; `type` is the SSE event name. */
export type FeedMessage =
  | { type: "block"; data: BlockJson }
  | { type: "event"; data: LedgerEventJson }
  | { type: "provider"; data: LiveProviderJson }
  | { type: "outage"; data: OutageJson }
  | { type: "kpis"; data: KpisJson }
  | { type: "chain"; data: ChainStateJson };

/** What a new subscriber gets first. */
export interface FeedSnapshot {
  /** Virtual ms; 0 without a live market. */
  now: number;
  speed: number | null;
  live: boolean;
  scenario: string | null;
  /** Chain timestamp (s) of virtual time 0, so chain times (deadlines, bid windows) read as virtual ones; null without a live market. */
  chainTimeZero: number | null;
  providers: LiveProviderJson[];
  outages: OutageJson[];
}

export type FeedListener = (message: FeedMessage) => void;

export class MarketFeed {
  private readonly listeners = new Set<FeedListener>();
  private readonly closers = new Set<() => void>();
  private closed = false;

  /** Subscribers now. */
  get size(): number {
    return this.listeners.size;
  }

  /**
   * Adds a listener; `onClose` runs when the feed closes (the server is shutting down).
   * Returns the unsubscribe function.
   */
  subscribe(listener: FeedListener, onClose: () => void): () => void {
    if (this.closed) {
      onClose();
      return () => undefined;
    }
    this.listeners.add(listener);
    this.closers.add(onClose);
    return () => {
      this.listeners.delete(listener);
      this.closers.delete(onClose);
    };
  }

  publish(message: FeedMessage): void {
    for (const listener of [...this.listeners]) listener(message);
  }

  /** Ends every subscription (streams end, so the HTTP server can close). */
  close(): void {
    this.closed = true;
    const closers = [...this.closers];
    this.listeners.clear();
    this.closers.clear();
    for (const close of closers) close();
  }
}

/**
 * Publishes a committed block and its market events, as the ledger decoded them when it mined
 * the block (nothing is read from the chain again), in the shape of GET /api/ledger/events.
 */
export function publishBlock(feed: MarketFeed, block: BlockJson, events: readonly LoggedEvent[]): void {
  if (feed.size === 0) return;
  feed.publish({ type: "block", data: block });
  for (const logged of events) feed.publish({ type: "event", data: eventJson(logged) });
}
