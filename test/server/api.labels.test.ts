// The ledger answers name providers by node (`cheap#0`, as the simulator names nodes) beside
// their addresses, and give block times (ISO 8601 UTC of the block's chain timestamp) beside
// block numbers: tasks, a task's history, providers and their history, ledger bids and events.
// Fields are added; nothing else changes.
import { fileURLToPath } from "node:url";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp, type BidmeshApp } from "../../server/app.js";
import { LiveMarket } from "../../server/live/live-market.js";
import { EventPage, BidPage, ProviderDetail, ProviderPage, TaskDetail, TaskPage, type TaskDetailJson } from "../../server/schemas.js";
import { loadScenario } from "../../sim/scenario/load.js";
import { AUTH, createApiFixture, pollUntil, taskBody, TOKEN, type ApiFixture } from "./server-fixture.js";

const SCENARIO = fileURLToPath(new URL("./fixtures/live-small.yaml", import.meta.url));
const NODE = /^(cheap|dear)#[01]$/;
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/;

describe("node names and block times (live market)", () => {
  let market: LiveMarket;
  let app: BidmeshApp;
  let taskId: number;
  let task: TaskDetailJson;
  const logged: unknown[] = [];

  /** The block's time as the chain has it. */
  const timeOf = async (blockNumber: number): Promise<string> => {
    const block = await market.service.chain.provider.getBlock(blockNumber);
    return new Date(block!.timestamp * 1_000).toISOString();
  };
  const nodeOf = (address: string): string => market.system.agentAt(address)!.nodeId;

  beforeAll(async () => {
    market = await LiveMarket.start({ scenario: loadScenario(SCENARIO), speed: 200, workload: false, onError: (e) => logged.push(e) });
    app = createApp({ market, token: TOKEN, logError: (error) => logged.push(error) });
    await pollUntil<{ total: number }>(app, "/api/providers", (page) => page.total === 4);
    const res = await request(app).post("/api/tasks").set(AUTH).send(taskBody({ size: 60, maxPrice: "0.01", deadlineBudget: 300 }));
    expect(res.status).toBe(201);
    taskId = res.body.taskId;
    task = await pollUntil<TaskDetailJson>(app, `/api/tasks/${taskId}`, (t) => t.status === "completed", 15_000);
  }, 30_000);

  afterAll(async () => {
    await market?.stop();
    expect(logged).toEqual([]);
  });

  it("GET /api/tasks/:id: every provider with its node name, every block with its time", async () => {
    const t = TaskDetail.parse(task);
    expect(t.postedTime).toBe(await timeOf(t.postedBlock));
    expect(t.providerNode).toBe(nodeOf(t.provider!));
    expect(t.bids.length).toBeGreaterThanOrEqual(2);
    for (const b of t.bids) {
      expect(b.providerNode).toMatch(NODE);
      expect(b.providerNode).toBe(nodeOf(b.provider));
      expect(b.blockTime).toBe(await timeOf(b.blockNumber));
    }
    expect(t.awards[0]!.providerNode).toBe(nodeOf(t.awards[0]!.provider));
    expect(t.awards[0]!.blockTime).toMatch(ISO);
    expect(t.result!.providerNode).toBe(nodeOf(t.result!.provider));
    expect(t.result!.blockTime).toBe(await timeOf(t.result!.blockNumber));
    for (const e of t.events) {
      expect(e.blockTime).toBe(await timeOf(e.blockNumber));
      const provider = e.args["provider"];
      expect(e.providerNode).toBe(typeof provider === "string" ? nodeOf(provider) : null);
    }
    // The event's args stay the chain's own.
    expect(t.events.find((e) => e.name === "BidPlaced")!.args).not.toHaveProperty("providerNode");
  });

  it("GET /api/tasks: postedTime and providerNode beside postedBlock and provider", async () => {
    const page = TaskPage.parse((await request(app).get("/api/tasks")).body);
    const item = page.items.find((i) => i.taskId === taskId)!;
    expect(item).toMatchObject({ postedBlock: task.postedBlock, postedTime: task.postedTime, provider: task.provider, providerNode: nodeOf(task.provider!) });
  });

  it("GET /api/providers and /api/providers/:address: node and registeredTime; history with block times", async () => {
    const page = ProviderPage.parse((await request(app).get("/api/providers")).body);
    expect(page.items.map((p) => p.node).sort()).toEqual(["cheap#0", "cheap#1", "dear#0", "dear#1"]);
    for (const p of page.items) {
      expect(p.node).toBe(nodeOf(p.address));
      expect(p.registeredTime).toBe(await timeOf(p.registeredBlock));
    }
    const winner = ProviderDetail.parse((await request(app).get(`/api/providers/${task.result!.provider}`)).body);
    expect(winner.node).toBe(nodeOf(winner.address));
    const completion = winner.history.completions.find((c) => c.taskId === taskId)!;
    expect(completion.blockTime).toBe(await timeOf(completion.blockNumber));
    expect(winner.history.wins[0]!.blockTime).toMatch(ISO);
  });

  it("GET /api/ledger/bids and /api/ledger/events: providerNode and blockTime", async () => {
    const bids = BidPage.parse((await request(app).get("/api/ledger/bids").query({ task: taskId })).body);
    for (const b of bids.items) {
      expect(b.providerNode).toBe(nodeOf(b.provider));
      expect(b.blockTime).toBe(await timeOf(b.blockNumber));
    }
    const events = EventPage.parse((await request(app).get("/api/ledger/events").query({ task: taskId })).body);
    for (const e of events.items) expect(e.blockTime).toBe(await timeOf(e.blockNumber));
    expect(events.items.find((e) => e.name === "TaskAwarded")!.providerNode).toMatch(NODE);
    expect(events.items.find((e) => e.name === "TaskPosted")!.providerNode).toBeNull();
  });
});

describe("node names and block times (no live market)", () => {
  let fx: ApiFixture;
  beforeAll(async () => {
    fx = await createApiFixture();
  }, 20_000);
  afterAll(async () => {
    await fx?.market.close();
    expect(fx.logged).toEqual([]);
  });

  it("block times from the chain; node names null (no scenario names the providers)", async () => {
    const posted = await request(fx.app).post("/api/tasks").set(AUTH).send(taskBody());
    expect(posted.status).toBe(201);
    const item = TaskPage.parse((await request(fx.app).get("/api/tasks")).body).items[0]!;
    const block = await fx.market.chain.provider.getBlock(item.postedBlock);
    expect(item.postedTime).toBe(new Date(block!.timestamp * 1_000).toISOString());
    expect(item.providerNode).toBeNull();
    const events = EventPage.parse((await request(fx.app).get("/api/ledger/events")).body);
    expect(events.items[0]!.blockTime).toMatch(ISO);
    expect(events.items[0]!.providerNode).toBeNull();
  });
});
