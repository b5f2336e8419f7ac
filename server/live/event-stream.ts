// GET /api/stream's response: the snapshot, then every feed message, as server-sent events,
// until the client leaves, the stream falls too far behind, or the server closes the feed. Every
// one of those ways, and a failed write, runs the same `end`, which frees the stream's slot and
// its feed subscription; a stream whose snapshot alone overflows the backlog never subscribes.
import type { Request, Response } from "express";
import type { FeedMessage, FeedSnapshot, MarketFeed } from "./market-feed.js";
import type { ErrorResponse } from "../schemas.js";
import { StreamSlots } from "./stream-slots.js";

/** A comment line this often keeps proxies and browsers from closing an idle stream. */
const HEARTBEAT_MS = 15_000;
/** A stream ended for falling behind gets this long to flush what it was sent; then its socket is cut, so a client that never reads cannot keep the memory. */
const FLUSH_GRACE_MS = 5_000;
/** Seconds a refused client is told to wait (Retry-After). */
const RETRY_AFTER_S = 5;

export interface StreamSource {
  feed: MarketFeed;
  snapshot(): FeedSnapshot;
}

/** Opens a stream for `req` on `res`, or answers 503 (every slot taken) or 429 (this client holds its share). */
export function openStream(source: StreamSource, slots: StreamSlots, req: Request, res: Response): void {
  const slot = slots.acquire(StreamSlots.clientOf(req.ip), source.feed.size);
  if ("refused" in slot) {
    const error =
      slot.refused === "full"
        ? `too many event streams are open (at most ${slot.limit}); retry later`
        : `too many event streams from this client (at most ${slot.limit} at once); close one before opening another`;
    res.status(slot.refused === "full" ? 503 : 429).set("Retry-After", String(RETRY_AFTER_S)).json({ error } satisfies ErrorResponse);
    return;
  }
  let snapshot: FeedSnapshot;
  try {
    snapshot = source.snapshot();
  } catch (error) {
    slot.release();
    throw error;
  }

  res.status(200);
  res.set({ "Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-cache, no-transform", "X-Accel-Buffering": "no" });
  res.flushHeaders();
  let open = true;
  let unsubscribe = (): void => undefined;
  const heartbeat = setInterval(() => {
    if (open) res.write(": keep-alive\n\n");
  }, HEARTBEAT_MS);
  heartbeat.unref();

  const end = (behind = false): void => {
    if (!open) return;
    open = false;
    clearInterval(heartbeat);
    unsubscribe();
    slot.release();
    if (res.destroyed) return;
    res.end();
    if (behind && !res.writableFinished) {
      const cut = setTimeout(() => res.destroy(), FLUSH_GRACE_MS);
      cut.unref();
      res.once("finish", () => clearTimeout(cut));
      res.once("close", () => clearTimeout(cut));
    }
  };
  const send = (event: string, data: unknown): void => {
    if (!open) return;
    res.write(`event: ${event}\ndata: ${JSON.stringify(data, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v))}\n\n`);
    if (res.writableLength > slots.limits.maxBacklogBytes) end(true);
  };
  req.once("close", () => end());
  res.once("close", () => end());
  res.once("error", () => end());

  res.write("retry: 3000\n\n");
  send("snapshot", snapshot);
  // The snapshot alone overflowed the backlog (or the client left): the stream is over; a
  // subscription taken now would never be dropped.
  if (!open) return;
  unsubscribe = source.feed.subscribe((message: FeedMessage) => send(message.type, message.data), () => end());
}
