import { afterAll, beforeAll, describe, expect, it } from "vitest";
import request from "supertest";
import { ComputeMarket__factory } from "../../types/ethers-contracts/index.js";
import { latestTimestamp } from "../../sim/chain/time.js";
import { actorAddress } from "../../sim/ledger/actors.js";
import { createApp } from "../../server/app.js";
import { BidPage, EventPage, HealthResponse, ProviderDetail, ProviderPage, TaskDetail, TaskPage } from "../../server/schemas.js";
import { act, AUTH, commit, createApiFixture, eth, provider, taskBody, TOKEN, type ApiFixture } from "./server-fixture.js";

// One history, built once and read by every test:
//   task A (API, any region, first-price): bids from p0, p1, p2; awarded to p1; completed.
//   task B (API, eu-west-1, second-price): bids from p0, p1; awarded to p0, which misses its
//     deadline: slashed, rerouted to p1 (epoch 2), still awarded.
//   task C (posted by another poster, straight on the ledger): one bid from p3; awarded.

let fx: ApiFixture;
const ids = { a: 0, b: 0, c: 0 };
const blocks = { bids: 0, close: 0 };
const OTHER_POSTER = actorAddress("poster", 1);
const [p0, p1, p2, p3] = [0, 1, 2, 3].map(provider) as [string, string, string, string];

beforeAll(async () => {
  fx = await createApiFixture();
  const m = fx.market;
  await commit(m, 1, [act.register(0, "eu-west-1"), act.register(1, "eu-west-1"), act.register(2, "us-east-1"), act.register(3, "eu-west-1", eth("3"))]);
  const post = async (overrides: Record<string, unknown>) => {
    const res = await request(fx.app).post("/api/tasks").set(AUTH).send(taskBody({ deadlineBudget: 60, ...overrides }));
    expect(res.status).toBe(201);
    return res.body.taskId as number;
  };
  ids.a = await post({ maxPrice: "0.01" });
  ids.b = await post({ region: "eu-west-1", mechanism: "second-price", maxPrice: "0.005" });
  const ts = (await latestTimestamp(m.chain)) + 1;
  const posted = await m.ledger.commitBlock(ts, [
    {
      kind: "post",
      from: OTHER_POSTER,
      maxPrice: eth("0.01"),
      keeperReserve: 0n,
      requirementsHash: `0x${"ab".repeat(32)}`,
      region: "any",
      bidWindowEnd: ts + 30,
      executionBudget: 60,
      mechanism: "FirstPrice",
    },
  ]);
  const postedC = posted.events.find((e) => e.name === "TaskPosted");
  ids.c = postedC?.name === "TaskPosted" ? postedC.taskId : -1;
  const bids = await commit(m, 1, [
    act.bid(0, ids.a, "0.004"),
    act.bid(1, ids.a, "0.003"),
    act.bid(2, ids.a, "0.005"),
    act.bid(0, ids.b, "0.002"),
    act.bid(1, ids.b, "0.0025"),
    act.bid(3, ids.c, "0.001"),
  ]);
  blocks.bids = bids.blockNumber;
  blocks.close = (await commit(m, 31, [act.close(ids.a, ids.b, ids.c)])).blockNumber;
  await commit(m, 1, [act.result(1, ids.a, 1)]);
  await commit(m, 61, [act.reroute(ids.b)]);
});

afterAll(async () => {
  await fx?.market.close();
});

describe("GET /api/ledger/bids", () => {
  it("lists every bid, newest first", async () => {
    const res = await request(fx.app).get("/api/ledger/bids").query({ pageSize: 100 });
    expect(res.status).toBe(200);
    const page = BidPage.parse(res.body);
    expect(page.total).toBe(6);
    expect(page.items.map((b) => [b.taskId, b.provider, b.price])).toEqual([
      [ids.c, p3, eth("0.001").toString()],
      [ids.b, p1, eth("0.0025").toString()],
      [ids.b, p0, eth("0.002").toString()],
      [ids.a, p2, eth("0.005").toString()],
      [ids.a, p1, eth("0.003").toString()],
      [ids.a, p0, eth("0.004").toString()],
    ]);
    for (const bid of page.items) expect(bid).toMatchObject({ blockNumber: blocks.bids, round: 0, transactionHash: expect.stringMatching(/^0x[0-9a-f]{64}$/) });
  });

  it("pages: consecutive pages make the whole list, past the end is empty", async () => {
    const all = (await request(fx.app).get("/api/ledger/bids")).body.items;
    const first = await request(fx.app).get("/api/ledger/bids").query({ page: 1, pageSize: 4 });
    const second = await request(fx.app).get("/api/ledger/bids").query({ page: 2, pageSize: 4 });
    const third = await request(fx.app).get("/api/ledger/bids").query({ page: 3, pageSize: 4 });
    expect(first.body).toMatchObject({ page: 1, pageSize: 4, total: 6 });
    expect([...first.body.items, ...second.body.items]).toEqual(all);
    expect(second.body.items).toHaveLength(2);
    expect(third.body).toEqual({ page: 3, pageSize: 4, total: 6, items: [] });
  });

  it("filters by task, by provider, and by both", async () => {
    const byTask = await request(fx.app).get("/api/ledger/bids").query({ task: ids.a });
    expect(byTask.body.items.map((b: { provider: string }) => b.provider)).toEqual([p2, p1, p0]);
    const byProvider = await request(fx.app).get("/api/ledger/bids").query({ provider: p0.toLowerCase() });
    expect(byProvider.body.items.map((b: { taskId: number }) => b.taskId)).toEqual([ids.b, ids.a]);
    const both = await request(fx.app).get("/api/ledger/bids").query({ task: ids.b, provider: p1 });
    expect(both.body.total).toBe(1);
  });

  it("filters by block range, inclusive", async () => {
    const inRange = await request(fx.app).get("/api/ledger/bids").query({ fromBlock: blocks.bids, toBlock: blocks.bids });
    expect(inRange.body.total).toBe(6);
    const before = await request(fx.app).get("/api/ledger/bids").query({ toBlock: blocks.bids - 1 });
    expect(before.body.total).toBe(0);
    const after = await request(fx.app).get("/api/ledger/bids").query({ fromBlock: blocks.bids + 1 });
    expect(after.body.total).toBe(0);
  });

  it.each([
    [{ fromBlock: 5, toBlock: 4 }, "toBlock"],
    [{ task: "x" }, "task"],
    [{ task: 0 }, "task"],
    [{ provider: "0x1234" }, "provider"],
    [{ page: 0 }, "page"],
    [{ pageSize: 101 }, "pageSize"],
    [{ pageSize: "1e2" }, "pageSize"],
    [{ fromBlock: -1 }, "fromBlock"],
    [{ sort: "asc" }, "sort"],
  ])("rejects %o → 400 naming %s", async (query, path) => {
    const res = await request(fx.app).get("/api/ledger/bids").query(query);
    expect(res.status).toBe(400);
    expect(res.body.issues.map((i: { path: string }) => i.path)).toContain(path);
  });
});

describe("GET /api/ledger/events", () => {
  it("lists every market event, newest first", async () => {
    const res = await request(fx.app).get("/api/ledger/events").query({ pageSize: 100 });
    const page = EventPage.parse(res.body);
    // 4 registrations, 3 posts, 6 bids, 3 awards, 1 result, then the reroute: rerouted, slashed, awarded.
    expect(page.total).toBe(20);
    const order = page.items.map((e) => [e.blockNumber, e.logIndex]);
    expect(order).toEqual([...order].sort((x, y) => y[0]! - x[0]! || y[1]! - x[1]!));
    expect(page.items.slice(0, 3).map((e) => e.name)).toEqual(["TaskAwarded", "ProviderSlashed", "TaskRerouted"]);
    const rerouted = page.items.find((e) => e.name === "TaskRerouted")!;
    expect(rerouted.args).toMatchObject({ provider: p0, reason: "DeadlineMissed", epoch: "1" });
  });

  it("filters by name, task, provider and account", async () => {
    const awards = await request(fx.app).get("/api/ledger/events").query({ name: "TaskAwarded" });
    // The reroute's award, then the three of closeAuctions (one transaction, in id order), newest first.
    expect(awards.body.items.map((e: { taskId: number }) => e.taskId)).toEqual([ids.b, ids.c, ids.b, ids.a]);
    const taskB = await request(fx.app).get("/api/ledger/events").query({ task: ids.b });
    expect(taskB.body.items.map((e: { name: string }) => e.name).reverse()).toEqual([
      "TaskPosted",
      "BidPlaced",
      "BidPlaced",
      "TaskAwarded",
      "TaskRerouted",
      "ProviderSlashed",
      "TaskAwarded",
    ]);
    const asPoster = await request(fx.app).get("/api/ledger/events").query({ account: OTHER_POSTER });
    expect(asPoster.body.items.map((e: { name: string }) => e.name)).toEqual(["TaskPosted"]);
    const asProvider = await request(fx.app).get("/api/ledger/events").query({ provider: p0, name: "BidPlaced" });
    expect(asProvider.body.total).toBe(2);
    const unknownName = await request(fx.app).get("/api/ledger/events").query({ name: "Transfer" });
    expect(unknownName.status).toBe(400);
  });
});

describe("GET /api/tasks", () => {
  it("lists tasks newest first, filtered by status, poster and provider", async () => {
    const all = TaskPage.parse((await request(fx.app).get("/api/tasks")).body);
    expect(all.items.map((t) => t.taskId)).toEqual([ids.c, ids.b, ids.a]);
    const ids_ = async (query: Record<string, unknown>) => ((await request(fx.app).get("/api/tasks").query(query)).body.items as Array<{ taskId: number }>).map((t) => t.taskId);
    expect(await ids_({ status: "completed" })).toEqual([ids.a]);
    expect(await ids_({ status: "awarded" })).toEqual([ids.c, ids.b]);
    expect(await ids_({ status: "refunded" })).toEqual([]);
    expect(await ids_({ poster: OTHER_POSTER })).toEqual([ids.c]);
    expect(await ids_({ poster: fx.market.posterAddress, status: "awarded" })).toEqual([ids.b]);
    expect(await ids_({ provider: p2 })).toEqual([ids.a]);
    expect(await ids_({ provider: p1 })).toEqual([ids.b, ids.a]);
    expect(await ids_({ page: 2, pageSize: 2 })).toEqual([ids.a]);
    expect((await request(fx.app).get("/api/tasks").query({ status: "lost" })).status).toBe(400);
  });

  it("summarises the current assignee, bids and reroutes", async () => {
    const items = TaskPage.parse((await request(fx.app).get("/api/tasks")).body).items;
    const b = items.find((t) => t.taskId === ids.b)!;
    expect(b).toMatchObject({ status: "awarded", provider: p1, bidCount: 2, rerouteCount: 1, size: 120 });
    const c = items.find((t) => t.taskId === ids.c)!;
    expect(c).toMatchObject({ status: "awarded", provider: p3, poster: OTHER_POSTER, size: null });
  });
});

describe("GET /api/tasks/:id", () => {
  it("a completed first-price task: bids, award, result and payment", async () => {
    const task = TaskDetail.parse((await request(fx.app).get(`/api/tasks/${ids.a}`)).body);
    expect(task.status).toBe("completed");
    expect(task.bids.map((b) => b.provider)).toEqual([p0, p1, p2]);
    expect(task.awards).toEqual([expect.objectContaining({ provider: p1, bidPrice: eth("0.003").toString(), payment: eth("0.003").toString(), epoch: 1, blockNumber: blocks.close })]);
    expect(task.result).toMatchObject({ provider: p1, epoch: 1, payment: eth("0.003").toString(), posterRefund: eth("0.007").toString() });
    expect(task.refund).toBeNull();
    expect(task.provider).toBe(p1);
  });

  it("a rerouted second-price task: the slash, the new epoch, the fallback's payment", async () => {
    const task = TaskDetail.parse((await request(fx.app).get(`/api/tasks/${ids.b}`)).body);
    expect(task).toMatchObject({ status: "awarded", mechanism: "second-price", region: "eu-west-1", provider: p1 });
    expect(task.awards.map((a) => [a.provider, a.epoch, a.payment])).toEqual([
      [p0, 1, eth("0.0025").toString()],
      [p1, 2, eth("0.0025").toString()],
    ]);
    expect(task.reroutes).toEqual([expect.objectContaining({ provider: p0, epoch: 1, reason: "DeadlineMissed", slashed: eth("0.2").toString() })]);
    expect(task.events).toHaveLength(7);
  });
});

describe("GET /api/providers", () => {
  it("lists the registered providers with their record", async () => {
    const page = ProviderPage.parse((await request(fx.app).get("/api/providers")).body);
    expect(page.total).toBe(4);
    expect(page.items.map((p) => [p.address, p.region])).toEqual([
      [p0, "eu-west-1"],
      [p1, "eu-west-1"],
      [p2, "us-east-1"],
      [p3, "eu-west-1"],
    ]);
    expect(page.items[0]!.tasks).toEqual({ bids: 2, won: 1, completed: 0, failed: 1 });
    expect(page.items[1]!.tasks).toEqual({ bids: 2, won: 2, completed: 1, failed: 0 });
    expect(page.items[0]!.slashes).toEqual({ count: 1, total: eth("0.2").toString() });
    const paged = await request(fx.app).get("/api/providers").query({ page: 2, pageSize: 3 });
    expect(paged.body.items.map((p: { address: string }) => p.address)).toEqual([p3]);
  });

  it("details one provider; its stake from events equals the contract's", async () => {
    const res = await request(fx.app).get(`/api/providers/${p0.toLowerCase()}`);
    expect(res.status).toBe(200);
    const detail = ProviderDetail.parse(res.body);
    expect(detail).toMatchObject({ address: p0, region: "eu-west-1", capacity: 4, stake: eth("1.8").toString(), unbonding: "0" });
    expect(detail.history.failures).toEqual([expect.objectContaining({ taskId: ids.b, epoch: 1, reason: "DeadlineMissed" })]);
    expect(detail.history.slashes).toEqual([expect.objectContaining({ taskId: ids.b, amount: eth("0.2").toString() })]);
    const market = ComputeMarket__factory.connect(fx.market.marketAddress, fx.market.chain.provider);
    for (const address of [p0, p1, p2, p3]) {
      const view = await market.getProvider(address);
      const body = (await request(fx.app).get(`/api/providers/${address}`)).body;
      expect([body.stake, body.slashes.count, body.slashes.total]).toEqual([view.stake.toString(), Number(view.slashCount), view.slashedTotal.toString()]);
    }
  });

  it("an unknown address → 404; a malformed one → 400", async () => {
    const unknown = await request(fx.app).get(`/api/providers/${fx.market.posterAddress}`);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toMatch(/no provider/);
    // A mixed-case address with one letter's case flipped fails its checksum.
    const letter = p0.slice(2).search(/[a-fA-F]/) + 2;
    const flip = (c: string) => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase());
    const badChecksum = p0.slice(0, letter) + flip(p0[letter]!) + p0.slice(letter + 1);
    for (const bad of ["0x123", "hello", `${p0}00`, badChecksum]) {
      const res = await request(fx.app).get(`/api/providers/${bad}`);
      expect(res.status, bad).toBe(400);
      expect(res.body.issues[0]).toMatchObject({ in: "path", path: "address" });
    }
  });
});

describe("GET /api/health", () => {
  it("says the chain answers, its latest block and the market", async () => {
    const res = await request(fx.app).get("/api/health");
    expect(res.status).toBe(200);
    expect(HealthResponse.parse(res.body)).toEqual({
      status: "ok",
      chain: { reachable: true, kind: "embedded", chainId: "31337", blockNumber: await fx.market.chain.provider.getBlockNumber(), timeoutMs: 5_000 },
      market: {
        address: fx.market.marketAddress,
        deployBlock: fx.market.deployBlock,
        live: false,
        running: false,
        state: null,
        reason: null,
        reconnects: null,
        scenario: null,
        virtualTime: null,
        speed: null,
        error: null,
        workload: null,
      },
    });
  });

  it("503 when the chain does not answer", async () => {
    const real = fx.market;
    const app = createApp({
      market: {
        marketAddress: real.marketAddress,
        deployBlock: real.deployBlock,
        posterAddress: real.posterAddress,
        postTask: (input) => real.postTask(input),
        readEvents: (filter) => real.readEvents(filter),
        history: () => real.history(),
        health: async () => ({ reachable: false, kind: "rpc", chainId: "1", blockNumber: null, timeoutMs: 5_000 }),
        feed: real.feed,
        snapshot: () => real.snapshot(),
        status: () => real.status(),
        close: async () => undefined,
      },
      token: TOKEN,
    });
    const res = await request(app).get("/api/health");
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ status: "unavailable", chain: { reachable: false, blockNumber: null } });
  });
});

describe("GET /metrics", () => {
  it("serves Prometheus text: requests and latency by route and status, tasks by state, bids, reroutes", async () => {
    await request(fx.app).get(`/api/tasks/${ids.a}`);
    await request(fx.app).get("/api/tasks/999999");
    await request(fx.app).get("/no/such/route");
    const res = await request(fx.app).get("/metrics");
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toMatch(/^text\/plain/);
    const text = res.text;
    expect(text).toMatch(/^# HELP bidmesh_http_requests_total /m);
    expect(text).toMatch(/^# TYPE bidmesh_http_request_duration_seconds histogram$/m);
    expect(text).toMatch(/^bidmesh_http_requests_total\{method="GET",route="\/api\/tasks\/:id",status="200"\} [1-9]\d*$/m);
    expect(text).toMatch(/^bidmesh_http_requests_total\{method="GET",route="\/api\/tasks\/:id",status="404"\} [1-9]\d*$/m);
    expect(text).toMatch(/^bidmesh_http_requests_total\{method="GET",route="unmatched",status="404"\} [1-9]\d*$/m);
    expect(text).toMatch(/^bidmesh_http_request_duration_seconds_bucket\{le="0.005",method="GET",route="\/api\/tasks\/:id",status="200"\} \d+$/m);
    expect(text).toMatch(/^bidmesh_tasks\{state="completed"\} 1$/m);
    expect(text).toMatch(/^bidmesh_tasks\{state="awarded"\} 2$/m);
    expect(text).toMatch(/^bidmesh_tasks\{state="open"\} 0$/m);
    expect(text).toMatch(/^bidmesh_tasks\{state="refunded"\} 0$/m);
    expect(text).toMatch(/^bidmesh_bids_total 6$/m);
    expect(text).toMatch(/^bidmesh_reroutes_total 1$/m);
    expect(text).toMatch(/^bidmesh_chain_up 1$/m);
    expect(text).toMatch(/^bidmesh_process_cpu_seconds_total /m);
    // A second scrape does not count the ledger twice.
    const again = (await request(fx.app).get("/metrics")).text;
    expect(again).toMatch(/^bidmesh_bids_total 6$/m);
    expect(again).toMatch(/^bidmesh_reroutes_total 1$/m);
  });
});

it("logged no unexpected error", () => {
  expect(fx.logged).toEqual([]);
});
