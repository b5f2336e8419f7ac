// The live market's routes on the embedded chain at 200x: outages by region and by dependency
// (auth, validation, 404/409, nothing changed on refusal), the outage list, the live providers,
// the health report, and the event stream (snapshot, blocks with their events, providers going
// down and up, outage windows opening and closing, the cap on open streams).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import request from "supertest";
import { createApp, type BidmeshApp } from "../../server/app.js";
import { MAX_STREAMS } from "../../server/live/live-routes.js";
import { LiveProvider, Outage, OutageList } from "../../server/live/live-schemas.js";
import { LiveMarket } from "../../server/live/live-market.js";
import type { LiveProviderJson, OutageJson } from "../../server/live/market-feed.js";
import { createMarketService, type ChainMarketService } from "../../server/market-service.js";
import { HealthResponse } from "../../server/schemas.js";
import { loadScenario } from "../../sim/scenario/load.js";
import { AUTH, TOKEN, taskBody } from "./server-fixture.js";
import { openSse, type SseEvent } from "./sse-client.js";

const SCENARIO = fileURLToPath(new URL("./fixtures/live-regions.yaml", import.meta.url));
const SPEED = 200;

let market: LiveMarket;
let app: BidmeshApp;
let server: Server;
let url: string;
const logged: unknown[] = [];

const live = async (): Promise<LiveProviderJson[]> => LiveProvider.array().parse((await request(app).get("/api/live/providers")).body);
const inRegion = async (region: string): Promise<string[]> => (await live()).filter((p) => p.region === region).map((p) => p.address);

/** Polls `check` every 20 ms until it returns true, at most `timeoutMs`. */
async function eventually(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`condition not met in ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

beforeAll(async () => {
  market = await LiveMarket.start({ scenario: loadScenario(SCENARIO), speed: SPEED, workload: false, onError: (e) => logged.push(e) });
  app = createApp({ market, token: TOKEN, logError: (error) => logged.push(error) });
  server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  await eventually(async () => (await request(app).get("/api/providers")).body.total === 4);
}, 20_000);

afterAll(async () => {
  market?.feed.close();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await market?.stop();
  expect(logged).toEqual([]);
});

describe("GET /api/health with a live market", () => {
  it("says the market is live and running, with its scenario, speed and virtual time", async () => {
    const body = HealthResponse.parse((await request(app).get("/api/health")).body);
    expect(body.market).toMatchObject({ live: true, running: true, state: "running", reason: null, reconnects: 0, scenario: "live-regions", speed: SPEED, error: null });
    // The workload is off here: API tasks only, no period.
    expect(body.market.workload).toEqual({ repeats: false, period: null, periodMs: 2 * 3_600_000 });
    expect(body.market.virtualTime).toBeGreaterThan(0);
  });
});

describe("GET /api/outages and /api/live/providers", () => {
  it("lists the scenario's outage window with the providers it takes down", async () => {
    const res = await request(app).get("/api/outages");
    expect(res.status).toBe(200);
    const list = OutageList.parse(res.body);
    const late = list.outages.find((o) => o.id === "scenario-1");
    expect(late).toEqual({
      id: "scenario-1",
      source: "scenario",
      name: "eu-late",
      scope: { region: "eu-west-1" },
      start: 3_600_000,
      end: 4_200_000,
      startSeconds: 3_600,
      endSeconds: 4_200,
      durationSeconds: 600,
      active: false,
      affected: await inRegion("eu-west-1"),
    });
  });

  it("shows every provider with region, dependencies, stake and online state", async () => {
    const providers = await live();
    expect(providers.map((p) => [p.nodeId, p.region, p.dependsOn])).toEqual([
      ["eu#0", "eu-west-1", ["aws:eu-west-1"]],
      ["eu#1", "eu-west-1", ["aws:eu-west-1"]],
      ["us#0", "us-east-1", ["gcp:us-east1"]],
      ["us#1", "us-east-1", ["gcp:us-east1"]],
    ]);
    expect(providers.every((p) => p.stake === "500000000000000000" && p.capacity === 2)).toBe(true);
  });
});

describe("POST /api/outages: refusals change nothing", () => {
  const cases: Array<[string, Record<string, unknown>, number, RegExp]> = [
    ["neither region nor dependency", { duration: 60 }, 400, /exactly one of region or dependency/],
    ["both", { region: "eu-west-1", dependency: "aws:eu-west-1", duration: 60 }, 400, /exactly one of region or dependency/],
    ["no duration", { region: "eu-west-1" }, 400, /duration/],
    ["a zero duration", { region: "eu-west-1", duration: 0 }, 400, /at least 1 second/],
    ["a fractional duration", { region: "eu-west-1", duration: 1.5 }, 400, /whole number/],
    ["a duration over a week", { region: "eu-west-1", duration: 604_801 }, 400, /at most 604800/],
    ["a string duration", { region: "eu-west-1", duration: "60" }, 400, /whole number of seconds/],
    ["an unknown field", { region: "eu-west-1", duration: 60, providers: ["x"] }, 400, /providers/],
    ["an empty region", { region: "", duration: 60 }, 400, /must not be empty/],
    ["a region the market does not know", { region: "mars-1", duration: 60 }, 400, /unknown region \\"mars-1\\": this market knows eu-west-1, us-east-1"/],
    ["a region spelled with a bidi override", { region: "\u202e1-tsae-su", duration: 60 }, 400, /unknown region \\"\\\\u202e1-tsae-su\\"/],
    ["any (no outage takes every region)", { region: "any", duration: 60 }, 400, /unknown region \\"any\\": this market knows eu-west-1, us-east-1"/],
    ["a dependency nobody has", { dependency: "azure:frontdoor", duration: 60 }, 404, /depends on "azure:frontdoor"/],
  ];
  it.each(cases)("%s → %i", async (_name, body, status, message) => {
    const before = (await request(app).get("/api/outages")).body as { outages: OutageJson[] };
    const res = await request(app).post("/api/outages").set(AUTH).send(body);
    expect(res.status).toBe(status);
    expect(`${res.body.error} ${JSON.stringify(res.body.issues ?? [])}`).toMatch(message);
    expect(((await request(app).get("/api/outages")).body as { outages: OutageJson[] }).outages).toHaveLength(before.outages.length);
    expect((await live()).every((p) => p.online)).toBe(true);
  });

  it("401 without the token, 401 with a wrong one", async () => {
    expect((await request(app).post("/api/outages").send({ region: "eu-west-1", duration: 60 })).status).toBe(401);
    expect((await request(app).post("/api/outages").set({ Authorization: "Bearer wrong-token-000000000" }).send({ region: "eu-west-1", duration: 60 })).status).toBe(401);
    expect((await live()).every((p) => p.online)).toBe(true);
  });
});

describe("POST /api/outages takes providers down for the duration", () => {
  it("a dependency outage takes down exactly the providers behind it, then brings them back", async () => {
    const eu = await inRegion("eu-west-1");
    const res = await request(app).post("/api/outages").set(AUTH).send({ dependency: "aws:eu-west-1", duration: 120 });
    expect(res.status).toBe(201);
    const outage = Outage.parse(res.body);
    expect(outage).toMatchObject({ source: "api", scope: { dependency: "aws:eu-west-1" }, active: true, affected: eu });
    expect(outage.end - outage.start).toBe(120_000);
    await eventually(async () => (await live()).filter((p) => !p.online).map((p) => p.address).join() === eu.join(), 5_000);
    // 120 virtual seconds are 0.6 s at 200x.
    await eventually(async () => (await live()).every((p) => p.online), 5_000);
    const listed = OutageList.parse((await request(app).get("/api/outages")).body).outages.find((o) => o.id === outage.id);
    expect(listed).toMatchObject({ active: false, affected: eu });
  });
});

describe("GET /api/stream", () => {
  it("sends a snapshot, then blocks with their events, providers going down and up, and the outage window", async () => {
    const { status, contentType, stream } = await openSse(`${url}/api/stream`);
    try {
      expect(status).toBe(200);
      expect(contentType).toMatch(/^text\/event-stream/);
      const snapshot = (await stream.next()) as SseEvent & { data: { live: boolean; providers: unknown[]; outages: unknown[]; scenario: string } };
      expect(snapshot.event).toBe("snapshot");
      expect(snapshot.data).toMatchObject({ live: true, scenario: "live-regions", speed: SPEED, chainTimeZero: market.system.baseTimestamp });
      expect(snapshot.data.providers).toHaveLength(4);

      const posted = await request(app).post("/api/tasks").set(AUTH).send(taskBody({ size: 30, region: "any" }));
      expect(posted.status).toBe(201);
      const taskPosted = await stream.next((e) => e.event === "event" && (e.data as { name: string }).name === "TaskPosted");
      expect(taskPosted.data).toMatchObject({ taskId: posted.body.taskId, blockNumber: posted.body.blockNumber, transactionHash: posted.body.transactionHash });
      await stream.next((e) => e.event === "event" && (e.data as { name: string; taskId: number }).name === "BidPlaced");
      // The award's provider is sent again with its new running count.
      const award = await stream.next((e) => e.event === "event" && (e.data as { name: string }).name === "TaskAwarded");
      const winner = (award.data as { args: { provider: string } }).args.provider;
      const busy = await stream.next((e) => e.event === "provider" && (e.data as LiveProviderJson).address === winner);
      expect(busy.data).toMatchObject({ online: true, running: 1 });

      const us = await inRegion("us-east-1");
      const res = await request(app).post("/api/outages").set(AUTH).send({ region: "us-east-1", duration: 60 });
      expect(res.status).toBe(201);
      const started = await stream.next((e) => e.event === "outage" && (e.data as OutageJson).id === res.body.id);
      expect(started.data).toMatchObject({ active: true, affected: us });
      const wentDown = (e: SseEvent): boolean => e.event === "provider" && !(e.data as LiveProviderJson).online;
      const down = [await stream.next(wentDown), await stream.next(wentDown)];
      expect(down.map((e) => [(e.data as LiveProviderJson).address, (e.data as LiveProviderJson).online])).toEqual(us.map((a) => [a, false]));
      const ended = await stream.next((e) => e.event === "outage" && (e.data as OutageJson).id === res.body.id);
      expect(ended.data).toMatchObject({ active: false });
      await stream.next((e) => e.event === "provider" && (e.data as LiveProviderJson).online);
    } finally {
      stream.close();
    }
  }, 30_000);

  it(`503 once ${MAX_STREAMS} streams are open; the server ends streams when the feed closes`, async () => {
    const unsubscribe = Array.from({ length: MAX_STREAMS }, () => market.feed.subscribe(() => undefined, () => undefined));
    try {
      const res = await request(app).get("/api/stream");
      expect(res.status).toBe(503);
      expect(res.body.error).toMatch(/too many event streams/);
    } finally {
      for (const u of unsubscribe) u();
    }
  });
});

describe("POST /api/providers/:address/online while an outage holds the provider down", () => {
  const online = async (address: string): Promise<boolean | undefined> => (await live()).find((p) => p.address === address)?.online;

  it("answers 409 with the outage and its window, changes nothing, and the provider comes back when the window ends", async () => {
    const [held] = await inRegion("us-east-1");
    // 600 virtual seconds are 3 s at 200x: time enough to ask while it lasts.
    const started = await request(app).post("/api/outages").set(AUTH).send({ region: "us-east-1", duration: 600 });
    expect(started.status).toBe(201);
    const outage = Outage.parse(started.body);
    await eventually(async () => (await online(held!)) === false, 5_000);

    const res = await request(app).post(`/api/providers/${held}/online`).set(AUTH);
    expect(res.status, res.text).toBe(409);
    expect(res.body.heldBy).toEqual([{ outage: outage.id, name: "region us-east-1 offline", start: outage.start, end: outage.end }]);
    expect(res.body.error).toBe(
      `provider ${held} stays offline: it is held by outage ${outage.id} (region us-east-1 offline) until virtual time ${outage.end / 1000} s; nothing changed (post again once that ends)`,
    );
    expect(await online(held!)).toBe(false);

    // The window ends: nothing else holds it, so it is back without another request.
    await eventually(async () => (await online(held!)) === true, 10_000);
    const again = await request(app).post(`/api/providers/${held}/online`).set(AUTH);
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ address: held, online: true });
  }, 20_000);

  it("taken offline by the operator and then by an outage: online answers 409 during the outage and 200 after it, when it comes back", async () => {
    const [, held] = await inRegion("us-east-1");
    expect((await request(app).post(`/api/providers/${held}/offline`).set(AUTH)).status).toBe(200);
    await eventually(async () => (await online(held!)) === false, 5_000);
    const started = await request(app).post("/api/outages").set(AUTH).send({ region: "us-east-1", duration: 200 });
    expect(started.status).toBe(201);
    const refused = await request(app).post(`/api/providers/${held}/online`).set(AUTH);
    expect(refused.status).toBe(409);
    expect(refused.body.heldBy.map((h: { outage: string }) => h.outage)).toEqual([started.body.id]);

    // The outage ends, but the operator's hold stays (the 409 changed nothing) until it is lifted.
    await eventually(async () => (await request(app).get("/api/outages")).body.outages.find((o: OutageJson) => o.id === started.body.id)?.active === false, 10_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await online(held!)).toBe(false);
    const lifted = await request(app).post(`/api/providers/${held}/online`).set(AUTH);
    expect(lifted.status).toBe(200);
    await eventually(async () => (await online(held!)) === true, 5_000);
  }, 20_000);
});

describe("without a live market", () => {
  let bare: ChainMarketService;
  let bareApp: BidmeshApp;
  beforeAll(async () => {
    bare = await createMarketService();
    bareApp = createApp({ market: bare, token: TOKEN });
  });
  afterAll(async () => {
    await bare?.close();
  });

  it("outages answer 409, the live providers are none, health says no live market", async () => {
    const post = await request(bareApp).post("/api/outages").set(AUTH).send({ region: "eu-west-1", duration: 60 });
    expect(post.status).toBe(409);
    expect(post.body.error).toMatch(/no live market runs/);
    expect((await request(bareApp).get("/api/outages")).status).toBe(409);
    expect((await request(bareApp).get("/api/live/providers")).body).toEqual([]);
    const health = HealthResponse.parse((await request(bareApp).get("/api/health")).body);
    expect(health.market).toMatchObject({ live: false, running: false, state: null, reason: null, reconnects: null, workload: null, scenario: null, virtualTime: null, speed: null });
  });

  it("the stream sends a snapshot and then the API's own posts as they land", async () => {
    const bareServer = createServer(bareApp);
    await new Promise<void>((resolve) => bareServer.listen(0, "127.0.0.1", resolve));
    const { stream } = await openSse(`http://127.0.0.1:${(bareServer.address() as AddressInfo).port}/api/stream`);
    try {
      expect((await stream.next()).data).toMatchObject({ live: false, chainTimeZero: null, providers: [], outages: [] });
      const posted = await request(bareApp).post("/api/tasks").set(AUTH).send(taskBody());
      expect(posted.status).toBe(201);
      expect((await stream.next((e) => e.event === "event")).data).toMatchObject({ name: "TaskPosted", taskId: posted.body.taskId });
      bare.feed.close();
      expect(await stream.ended()).toBe(true);
    } finally {
      stream.close();
      await new Promise<void>((resolve) => bareServer.close(() => resolve()));
    }
  });
});
