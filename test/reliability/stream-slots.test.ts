// GET /api/stream against real listening servers over one live market (loopback, embedded
// chain): one address opening more than its share gets 429 while another address still
// connects; after an outage book large enough that the snapshot overflows the stream's backlog
// (every such stream ends right after its snapshot), no slot leaks: 70 sequential clients each
// get a stream and read its snapshot, and the feed is left with no subscriber.
import { fileURLToPath } from "node:url";
import { createServer, get, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../server/app.js";
import { LiveMarket } from "../../server/live/live-market.js";
import { DEFAULT_STREAM_LIMITS } from "../../server/live/stream-slots.js";
import { loadScenario } from "../../sim/scenario/load.js";

const TOKEN = "reliability-token-streams-0a1b2c";
const SCENARIO = fileURLToPath(new URL("../server/fixtures/live-regions.yaml", import.meta.url));
const PER_CLIENT = DEFAULT_STREAM_LIMITS.perClient;
/** The second server's backlog bound: small, so a modest outage book overflows its snapshot. */
const SMALL_BACKLOG = 8 * 1024;

let market: LiveMarket;
const servers: Server[] = [];
let normal: string;
let small: string;

async function listen(streams: Parameters<typeof createApp>[0]["streams"]): Promise<string> {
  const server = createServer(createApp({ market, token: TOKEN, streams, logError: (e) => console.error(e) }));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  market = await LiveMarket.start({ scenario: loadScenario(SCENARIO), speed: 200, workload: false });
  normal = await listen(undefined);
  small = await listen({ maxBacklogBytes: SMALL_BACKLOG });
}, 30_000);

afterAll(async () => {
  market?.feed.close();
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  await market?.stop();
});

interface Opened {
  status: number;
  /** The body so far. */
  text(): string;
  /** Resolves when the body holds `needle`. */
  until(needle: string): Promise<void>;
  /** Resolves when the server ended the response. */
  ended: Promise<void>;
  close(): void;
  res: IncomingMessage;
}

/** GET /api/stream from `localAddress` (any 127/8 address is this machine). */
function openStream(base: string, localAddress = "127.0.0.1"): Promise<Opened> {
  return new Promise((resolve, reject) => {
    const request = get(`${base}/api/stream`, { localAddress, agent: false, headers: { Accept: "text/event-stream" } }, (res) => {
      let body = "";
      const waiters: Array<() => void> = [];
      res.setEncoding("utf8").on("data", (chunk: string) => {
        body += chunk;
        for (const wake of waiters.splice(0)) wake();
      });
      const ended = new Promise<void>((done) => res.once("end", done));
      resolve({
        status: res.statusCode!,
        text: () => body,
        until: async (needle) => {
          const deadline = Date.now() + 10_000;
          while (!body.includes(needle)) {
            if (Date.now() > deadline) throw new Error(`no ${needle} in 10 s; got ${body.slice(0, 200)}`);
            await Promise.race([new Promise<void>((wake) => waiters.push(wake)), ended, new Promise((r) => setTimeout(r, 100))]);
          }
        },
        ended,
        close: () => request.destroy(),
        res,
      });
    });
    request.on("error", reject);
  });
}

/** Waits until the market's feed has `n` subscribers: the server has seen the streams end. */
async function feedSize(n: number): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (market.feed.size !== n) {
    if (Date.now() > deadline) throw new Error(`the feed has ${market.feed.size} subscribers, not ${n}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe("GET /api/stream slots", () => {
  it(`one address holding ${PER_CLIENT} streams gets 429 for another, while a second address still connects`, async () => {
    const mine = await Promise.all(Array.from({ length: PER_CLIENT }, () => openStream(normal)));
    const other: Opened[] = [];
    try {
      expect(mine.map((s) => s.status)).toEqual(Array(PER_CLIENT).fill(200));
      await Promise.all(mine.map((s) => s.until("event: snapshot")));
      const refused = await openStream(normal);
      await refused.ended;
      expect(refused.status).toBe(429);
      expect(refused.res.headers["retry-after"]).toBe("5");
      expect(JSON.parse(refused.text())).toEqual({ error: `too many event streams from this client (at most ${PER_CLIENT} at once); close one before opening another` });
      other.push(await openStream(normal, "127.0.0.2"));
      expect(other[0]!.status).toBe(200);
      await other[0]!.until("event: snapshot");
    } finally {
      for (const s of [...mine, ...other]) s.close();
    }
    await feedSize(0);
    const again = await openStream(normal);
    expect(again.status).toBe(200);
    again.close();
    await feedSize(0);
  }, 30_000);

  it("after the outage book makes the snapshot overflow the backlog, 70 sequential clients each get a stream and no slot leaks", async () => {
    // Long outages, so they stay in the snapshot for the whole test.
    for (let i = 0; i < 60; i += 1) {
      const res = await fetch(`${small}/api/outages`, {
        method: "POST",
        headers: { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/json" },
        body: JSON.stringify({ region: i % 2 === 0 ? "us-east-1" : "eu-west-1", duration: 86_400 }),
      });
      expect(res.status).toBe(201);
    }
    const snapshotBytes = JSON.stringify(market.snapshot()).length;
    expect(snapshotBytes).toBeGreaterThan(SMALL_BACKLOG);

    for (let i = 0; i < 70; i += 1) {
      const stream = await openStream(small);
      expect(stream.status, `client ${i}`).toBe(200);
      await stream.until("event: snapshot");
      // The snapshot alone overflows the backlog: the server ends the stream after sending it whole.
      await stream.ended;
      expect(stream.text().length).toBeGreaterThan(snapshotBytes);
      stream.close();
    }
    await feedSize(0);
    // The server with the default backlog still streams the same book, and still has every slot.
    const streams = await Promise.all(Array.from({ length: PER_CLIENT }, () => openStream(normal)));
    try {
      expect(streams.map((s) => s.status)).toEqual(Array(PER_CLIENT).fill(200));
      await Promise.all(streams.map((s) => s.until("event: snapshot")));
      expect(market.feed.size).toBe(PER_CLIENT);
    } finally {
      for (const s of streams) s.close();
    }
    await feedSize(0);
  }, 60_000);
});
