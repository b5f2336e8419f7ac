// The event stream's slots and endings, in process over a response that never drains (a client
// that does not read): every way a stream ends frees its slot and its feed subscription, the
// snapshot overflowing the backlog included; the per-client and total caps answer 429 and 503.
import { EventEmitter } from "node:events";
import type { Request, Response } from "express";
import { afterEach, describe, expect, it, vi } from "vitest";
import { openStream, type StreamSource } from "../../server/live/event-stream.js";
import { MarketFeed, type FeedSnapshot } from "../../server/live/market-feed.js";
import { StreamSlots } from "../../server/live/stream-slots.js";
import { InputError } from "../../sim/input-error.js";

/** A response whose every byte stays buffered, as for a client that never reads. */
class StuckResponse extends EventEmitter {
  statusCode = 0;
  body: unknown;
  headers: Record<string, string> = {};
  written = "";
  writableLength = 0;
  writableFinished = false;
  destroyed = false;
  ended = false;
  status(code: number): this {
    this.statusCode = code;
    return this;
  }
  set(name: string | Record<string, string>, value?: string): this {
    if (typeof name === "string") this.headers[name] = value!;
    else Object.assign(this.headers, name);
    return this;
  }
  json(body: unknown): this {
    this.body = body;
    this.ended = true;
    return this;
  }
  flushHeaders(): void {}
  write(chunk: string): boolean {
    this.written += chunk;
    this.writableLength += Buffer.byteLength(chunk);
    return false;
  }
  end(): void {
    this.ended = true;
  }
  destroy(): void {
    this.destroyed = true;
    this.emit("close");
  }
}

function snapshotOf(outages: number): FeedSnapshot {
  const outage = (i: number) => ({ id: `api-${i}`, source: "api" as const, name: "region us-east-1 offline", scope: { region: "us-east-1" }, start: 0, end: 1e9, startSeconds: 0, endSeconds: 1e6, durationSeconds: 1e6, active: true, affected: ["0x" + "ab".repeat(20)] });
  return { now: 0, speed: 1, live: true, scenario: "t", chainTimeZero: 0, providers: [], outages: Array.from({ length: outages }, (_, i) => outage(i)) };
}

function open(source: StreamSource, slots: StreamSlots, ip = "127.0.0.1"): { req: EventEmitter; res: StuckResponse } {
  const req = Object.assign(new EventEmitter(), { ip });
  const res = new StuckResponse();
  openStream(source, slots, req as unknown as Request, res as unknown as Response);
  return { req, res };
}

afterEach(() => {
  vi.useRealTimers();
});

describe("an event stream's endings", () => {
  it("a snapshot that alone overflows the backlog ends the stream without a subscription left behind, and frees its slot", () => {
    const feed = new MarketFeed();
    const slots = new StreamSlots({ maxBacklogBytes: 4_096 });
    const source = { feed, snapshot: () => snapshotOf(100) };
    for (let i = 0; i < 70; i += 1) {
      const { res } = open(source, slots);
      expect(res.statusCode, `stream ${i}`).toBe(200);
      expect(res.written).toContain("event: snapshot");
      expect(res.ended).toBe(true);
    }
    expect(feed.size).toBe(0);
    expect(slots.size).toBe(0);
  });

  it("a stream that falls behind later is ended, unsubscribed, freed, and its socket cut if it never flushes", () => {
    vi.useFakeTimers();
    const feed = new MarketFeed();
    const slots = new StreamSlots({ maxBacklogBytes: 4_096 });
    const { res } = open({ feed, snapshot: () => snapshotOf(1) }, slots);
    expect([feed.size, slots.size]).toEqual([1, 1]);
    for (let i = 0; i < 100 && feed.size > 0; i += 1) feed.publish({ type: "block", data: { number: i, timestamp: i, now: i, txs: 0 } });
    expect([feed.size, slots.size, res.ended]).toEqual([0, 0, true]);
    expect(res.destroyed).toBe(false);
    vi.advanceTimersByTime(5_000);
    expect(res.destroyed).toBe(true);
  });

  it("the client leaving, the response closing and the feed closing each free the slot and the subscription", () => {
    const feed = new MarketFeed();
    const slots = new StreamSlots();
    const source = { feed, snapshot: () => snapshotOf(1) };
    open(source, slots).req.emit("close");
    open(source, slots).res.emit("close");
    open(source, slots).res.emit("error", new Error("EPIPE"));
    expect([feed.size, slots.size]).toEqual([0, 0]);
    const last = open(source, slots);
    expect([feed.size, slots.size]).toEqual([1, 1]);
    feed.close();
    expect([feed.size, slots.size, last.res.ended]).toEqual([0, 0, true]);
  });

  it("a snapshot that throws holds no slot", () => {
    const slots = new StreamSlots();
    expect(() =>
      open(
        {
          feed: new MarketFeed(),
          snapshot: () => {
            throw new Error("chain down");
          },
        },
        slots,
      ),
    ).toThrow("chain down");
    expect(slots.size).toBe(0);
  });
});

describe("stream slots", () => {
  it(`one address gets 429 past its share while another still connects; 503 once every slot is taken`, () => {
    const feed = new MarketFeed();
    const slots = new StreamSlots({ perClient: 3, max: 5 });
    const source = { feed, snapshot: () => snapshotOf(0) };
    const mine = [1, 2, 3].map(() => open(source, slots, "127.0.0.1"));
    expect(mine.map((s) => s.res.statusCode)).toEqual([200, 200, 200]);
    const refused = open(source, slots, "127.0.0.1").res;
    expect(refused.statusCode).toBe(429);
    expect(refused.headers["Retry-After"]).toBe("5");
    expect(refused.body).toEqual({ error: "too many event streams from this client (at most 3 at once); close one before opening another" });
    expect(open(source, slots, "127.0.0.2").res.statusCode).toBe(200);
    expect(open(source, slots, "::ffff:10.0.0.1").res.statusCode).toBe(200);
    const full = open(source, slots, "10.9.9.9").res;
    expect(full.statusCode).toBe(503);
    expect(full.body).toEqual({ error: "too many event streams are open (at most 5); retry later" });
    mine[0]!.req.emit("close");
    expect(open(source, slots, "127.0.0.1").res.statusCode).toBe(200);
  });

  it("counts an IPv6 client by its /56, which one host can fill with addresses", () => {
    const slots = new StreamSlots({ perClient: 1 });
    expect(StreamSlots.clientOf("2001:db8:0:1::1")).toBe(StreamSlots.clientOf("2001:db8:0:2::ffff"));
    expect(StreamSlots.clientOf("2001:db8:0:100::1")).not.toBe(StreamSlots.clientOf("2001:db8:0:1::1"));
    expect("refused" in slots.acquire(StreamSlots.clientOf("2001:db8::1"))).toBe(false);
    expect(slots.acquire(StreamSlots.clientOf("2001:db8::2"))).toEqual({ refused: "client", limit: 1 });
  });

  it("counts the feed's other listeners against the total", () => {
    const slots = new StreamSlots({ max: 2 });
    expect(slots.acquire("a", 2)).toEqual({ refused: "full", limit: 2 });
  });

  it("refuses a limit that is not a whole number of at least 1", () => {
    expect(() => new StreamSlots({ perClient: 0 })).toThrow(InputError);
    expect(() => new StreamSlots({ max: 2.5 })).toThrow(/streams\.max/);
  });
});
