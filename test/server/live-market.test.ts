// The live market on the embedded chain at 200x: API tasks get real bids from the scenario's
// providers, are awarded by the contract, run and are paid; a task whose winner is taken
// offline after the award is rerouted by the keeper and completed by another provider.
// Deterministic in outcome (margins of hundreds of virtual seconds, i.e. over a real second),
// not in timing.
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import request from "supertest";
import { createApp, type BidmeshApp } from "../../server/app.js";
import { LiveMarket } from "../../server/live/live-market.js";
import { PostTaskResponse, ProviderDetail, TaskDetail, type LedgerEventJson, type TaskDetailJson } from "../../server/schemas.js";
import { loadScenario } from "../../sim/scenario/load.js";
import { AUTH, pollUntil, TOKEN, taskBody } from "./server-fixture.js";

const SCENARIO = fileURLToPath(new URL("./fixtures/live-small.yaml", import.meta.url));
const SPEED = 200;

let market: LiveMarket;
let app: BidmeshApp;
const logged: unknown[] = [];

/** Polls GET `path` until `done(body)`, at most `timeoutMs`. */
const until = <T>(path: string, done: (body: T) => boolean, timeoutMs?: number): Promise<T> => pollUntil(app, path, done, timeoutMs);

async function post(body: Record<string, unknown>): Promise<number> {
  const res = await request(app).post("/api/tasks").set(AUTH).send(body);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  const posted = PostTaskResponse.parse(res.body);
  expect(posted.transactionHash).toMatch(/^0x[0-9a-f]{64}$/);
  return posted.taskId;
}

beforeAll(async () => {
  market = await LiveMarket.start({ scenario: loadScenario(SCENARIO), speed: SPEED, workload: false, onError: (e) => logged.push(e) });
  app = createApp({ market, token: TOKEN, logError: (error) => logged.push(error) });
  await until<{ total: number }>("/api/providers", (page) => page.total === 4);
}, 20_000);

afterAll(async () => {
  await market?.stop();
  expect(logged).toEqual([]);
});

describe("live market (embedded chain, 200x)", () => {
  it("an API task gets bids from several providers, is awarded, run and paid", async () => {
    const id = await post(taskBody({ size: 60, maxPrice: "0.01", deadlineBudget: 300, region: "any" }));
    const task = TaskDetail.parse(await until<TaskDetailJson>(`/api/tasks/${id}`, (t) => t.status === "completed"));
    expect(new Set(task.bids.map((b) => b.provider)).size).toBeGreaterThanOrEqual(2);
    expect(task.awards).toHaveLength(1);
    expect(task.reroutes).toEqual([]);
    expect(task.result).not.toBeNull();
    expect(task.result!.provider).toBe(task.awards[0]!.provider);
    expect(BigInt(task.result!.payment)).toBeGreaterThan(0n);
    expect(task.result!.payment).toBe(task.awards[0]!.payment);
    expect(task.poster).toBe(market.posterAddress);
    const winner = ProviderDetail.parse((await request(app).get(`/api/providers/${task.result!.provider}`)).body);
    expect(winner.online).toBe(true);
    expect(winner.history.completions.map((c) => c.taskId)).toContain(id);
  }, 15_000);

  it("a task whose winner goes offline after the award is rerouted and completed by another provider", async () => {
    // 300 compute-seconds (1.5 s of real time at 200x) leave room to act after the award.
    const id = await post(taskBody({ size: 300, maxPrice: "0.05", deadlineBudget: 450, region: "eu-west-1" }));
    const awarded = await until<TaskDetailJson>(`/api/tasks/${id}`, (t) => t.awards.length >= 1, 5_000);
    const winner = awarded.awards[0]!.provider;
    const off = await request(app).post(`/api/providers/${winner}/offline`).set(AUTH);
    expect(off.status).toBe(200);
    expect(off.body).toEqual({ address: winner, online: false });
    expect((await request(app).get(`/api/providers/${winner}`)).body.online).toBe(false);

    const task = TaskDetail.parse(await until<TaskDetailJson>(`/api/tasks/${id}`, (t) => t.status === "completed", 15_000));
    expect(task.reroutes).toEqual([expect.objectContaining({ provider: winner, reason: "DeadlineMissed" })]);
    expect(task.result!.provider).not.toBe(winner);
    expect(task.awards.at(-1)!.provider).toBe(task.result!.provider);

    const bids = await request(app).get("/api/ledger/bids").query({ task: id });
    expect(new Set(bids.body.items.map((b: { provider: string }) => b.provider)).size).toBeGreaterThanOrEqual(2);
    const events = await request(app).get("/api/ledger/events").query({ task: id, name: "TaskRerouted" });
    expect(events.body.total).toBe(1);

    const on = await request(app).post(`/api/providers/${winner}/online`).set(AUTH);
    expect(on.body).toEqual({ address: winner, online: true });
  }, 25_000);

  it("posts that arrive together, even while a block commits, each land in a block and complete", async () => {
    const ids = await Promise.all([1, 2, 3].map((i) => post(taskBody({ size: 20 * i, maxPrice: "0.01", deadlineBudget: 300, region: "any" }))));
    expect(new Set(ids).size).toBe(3);
    for (const id of ids) await until<TaskDetailJson>(`/api/tasks/${id}`, (t) => t.status === "completed");
  }, 15_000);

  it("the feed carries each block's events as the ledger reads them back, decoded once when the block was mined", async () => {
    const fed: LedgerEventJson[] = [];
    const unsubscribe = market.feed.subscribe((m) => {
      if (m.type === "event") fed.push(m.data);
    }, () => undefined);
    try {
      const id = await post(taskBody({ size: 30, maxPrice: "0.01", deadlineBudget: 300, region: "any" }));
      await until<TaskDetailJson>(`/api/tasks/${id}`, (t) => t.status === "completed");
      const read = await request(app).get("/api/ledger/events").query({ task: id, pageSize: 100 });
      expect(read.status).toBe(200);
      expect(read.body.items.length).toBeGreaterThanOrEqual(4);
      // The API answers newest first and labels blocks and nodes; the feed sends the events as mined.
      const core = ({ name, blockNumber, transactionHash, logIndex, taskId, accounts, args }: LedgerEventJson) => ({ name, blockNumber, transactionHash, logIndex, taskId, accounts, args });
      expect(fed.filter((e) => e.taskId === id).map(core)).toEqual([...read.body.items].reverse().map(core));
    } finally {
      unsubscribe();
    }
  }, 15_000);

  it("offline/online need the token and a provider of the market", async () => {
    const provider = market.system.agents[0]!.address;
    expect((await request(app).post(`/api/providers/${provider}/offline`)).status).toBe(401);
    const unknown = await request(app).post(`/api/providers/${market.posterAddress}/offline`).set(AUTH);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toMatch(/no provider/);
  });
});
