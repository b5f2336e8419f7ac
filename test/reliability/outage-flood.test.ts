// A flood of posted outages against a real listening server over a live market (loopback,
// embedded chain, rate limit raised as for 3,000 source addresses): 3,000 short outages keep
// the stream's snapshot and every page of GET /api/outages bounded, and the ended ones stay
// pageable up to the history bound; long outages past the cap on active ones answer 429 with a
// clear message and change nothing.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../server/app.js";
import { LiveMarket } from "../../server/live/live-market.js";
import { OutageList } from "../../server/live/live-schemas.js";
import { DEFAULT_OUTAGE_LIMITS } from "../../server/live/outage-book.js";
import { loadScenario } from "../../sim/scenario/load.js";
import { openSse } from "../server/sse-client.js";

const TOKEN = "reliability-token-outages-0a1b2c";
const SCENARIO = fileURLToPath(new URL("../server/fixtures/live-regions.yaml", import.meta.url));
const FLOOD = 3_000;
const { maxCurrent: MAX_CURRENT, maxEnded: MAX_ENDED } = DEFAULT_OUTAGE_LIMITS;
/** Bounds the test holds the answers to (before the fix: 1.8 MB for 3,000 outages). */
const SNAPSHOT_BOUND = 150_000;
const PAGE_BOUND = 60_000;

let market: LiveMarket;
let server: Server;
let url: string;

beforeAll(async () => {
  market = await LiveMarket.start({ scenario: loadScenario(SCENARIO), speed: 100, workload: false });
  const app = createApp({ market, token: TOKEN, rateLimit: { windowMs: 60_000, limit: 100_000 }, logError: (e) => console.error(e) });
  server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 30_000);

afterAll(async () => {
  market?.feed.close();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await market?.stop();
});

async function postOutage(duration: number, i: number): Promise<{ status: number; body: { id?: string; error?: string } }> {
  const res = await fetch(`${url}/api/outages`, {
    method: "POST",
    headers: { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/json" },
    body: JSON.stringify({ region: i % 2 === 0 ? "us-east-1" : "eu-west-1", duration }),
  });
  return { status: res.status, body: (await res.json()) as never };
}

async function getOutages(query = ""): Promise<{ bytes: number; list: ReturnType<typeof OutageList.parse> }> {
  const res = await fetch(`${url}/api/outages${query}`);
  const text = await res.text();
  expect(res.status, text).toBe(200);
  return { bytes: text.length, list: OutageList.parse(JSON.parse(text)) };
}

/** The snapshot a new stream gets, and its size in bytes. */
async function streamSnapshot(): Promise<{ bytes: number; outages: Array<{ id: string; source: string }> }> {
  const { status, stream } = await openSse(`${url}/api/stream`);
  try {
    expect(status).toBe(200);
    const snapshot = (await stream.next((e) => e.event === "snapshot")).data as { outages: Array<{ id: string; source: string }> };
    return { bytes: JSON.stringify(snapshot).length, outages: snapshot.outages };
  } finally {
    stream.close();
  }
}

async function eventually(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`condition not met in ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe(`${FLOOD} posted outages`, () => {
  it("keep the snapshot and every page bounded; the latest ended ones stay pageable", async () => {
    // One virtual second each (10 ms at 100x), posted 10 at a time.
    const statuses: number[] = [];
    for (let i = 0; i < FLOOD; i += 10) {
      const batch = await Promise.all(Array.from({ length: 10 }, (_, j) => postOutage(1, i + j)));
      statuses.push(...batch.map((r) => r.status));
    }
    expect(statuses.filter((s) => s !== 201)).toEqual([]);

    await eventually(async () => (await getOutages("?state=ended")).list.total >= MAX_ENDED && (await getOutages("?state=active")).list.outages.every((o) => o.source !== "api"));
    const ended = await getOutages("?state=ended&pageSize=100");
    expect(ended.list.total).toBe(MAX_ENDED);
    expect(ended.list.outages).toHaveLength(100);
    expect(ended.bytes).toBeLessThan(PAGE_BOUND);
    // The history holds the latest: the last one posted is on the last page, the first long gone.
    const last = await getOutages(`?state=ended&pageSize=100&page=${MAX_ENDED / 100}`);
    expect(last.list.outages.filter((o) => o.source === "api").at(-1)!.id).toBe(`api-${FLOOD}`);
    expect((await getOutages(`?state=ended&pageSize=100&page=${MAX_ENDED / 100 + 1}`)).list.outages).toEqual([]);
    expect(ended.list.outages.map((o) => o.id)).not.toContain("api-1");

    const all = await getOutages();
    expect(all.list).toMatchObject({ page: 1, pageSize: 20 });
    expect(all.list.outages).toHaveLength(20);
    expect(all.list.total).toBeLessThanOrEqual(MAX_ENDED + 1);

    const snapshot = await streamSnapshot();
    expect(snapshot.outages.filter((o) => o.source === "api")).toEqual([]);
    expect(snapshot.bytes).toBeLessThan(SNAPSHOT_BOUND);
  }, 120_000);

  it(`past ${MAX_CURRENT} active or pending, a long outage answers 429 naming the cap, and changes nothing`, async () => {
    const results = [];
    for (let i = 0; i < MAX_CURRENT + 20; i += 1) results.push(await postOutage(86_400, i));
    expect(results.slice(0, MAX_CURRENT).map((r) => r.status)).toEqual(Array(MAX_CURRENT).fill(201));
    for (const refused of results.slice(MAX_CURRENT)) {
      expect(refused.status).toBe(429);
      expect(refused.body.error).toMatch(new RegExp(`^the live market holds ${MAX_CURRENT} outages active or pending, the most it takes: wait until one ends \\(the first ends at virtual ms \\d+\\), then retry$`));
    }
    const current = await getOutages("?state=current&pageSize=100");
    expect(current.list.outages.filter((o) => o.source === "api").length).toBeGreaterThan(0);
    expect((await getOutages("?state=current")).list.total).toBeLessThanOrEqual(MAX_CURRENT + 1);
    const apiCurrent = (await Promise.all([1, 2, 3].map((page) => getOutages(`?state=current&pageSize=100&page=${page}`)))).flatMap((p) => p.list.outages).filter((o) => o.source === "api");
    expect(apiCurrent).toHaveLength(MAX_CURRENT);
    expect(apiCurrent.map((o) => o.id)).toEqual(results.slice(0, MAX_CURRENT).map((r) => r.body.id));

    const snapshot = await streamSnapshot();
    expect(snapshot.outages.filter((o) => o.source === "api")).toHaveLength(MAX_CURRENT);
    expect(snapshot.bytes).toBeLessThan(SNAPSHOT_BOUND);
  }, 120_000);

  it("a state or a page out of range answers 400 naming the field", async () => {
    const res = await fetch(`${url}/api/outages?state=gone&pageSize=1000`);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { issues: Array<{ path: string }> };
    expect(body.issues.map((i) => i.path).sort()).toEqual(["pageSize", "state"]);
  });
});
