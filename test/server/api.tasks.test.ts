import { afterAll, beforeAll, describe, expect, it } from "vitest";
import request from "supertest";
import { PostTaskResponse, TaskDetail, TaskPage } from "../../server/schemas.js";
import { act, AUTH, chainState, commit, createApiFixture, taskBody, TOKEN, type ApiFixture } from "./server-fixture.js";

let fx: ApiFixture;

beforeAll(async () => {
  fx = await createApiFixture();
  // A task names a region the market knows: one a provider registered in.
  await commit(fx.market, 1, [act.register(0, "eu-west-1")]);
});

afterAll(async () => {
  await fx?.market.close();
});

describe("POST /api/tasks", () => {
  it("posts a task with the token: 201, then it is on chain, in GET /api/tasks/:id and in the ledger", async () => {
    const before = await chainState(fx.market);
    const res = await request(fx.app).post("/api/tasks").set(AUTH).send(taskBody({ size: 90.5, maxPrice: "0.02", deadlineBudget: 300 }));
    expect(res.status).toBe(201);
    const posted = PostTaskResponse.parse(res.body);
    expect(posted.transactionHash).toMatch(/^0x[0-9a-f]{64}$/);
    expect(posted.blockNumber).toBe(before.block + 1);

    const detail = await request(fx.app).get(`/api/tasks/${posted.taskId}`);
    expect(detail.status).toBe(200);
    const task = TaskDetail.parse(detail.body);
    expect(task).toMatchObject({
      taskId: posted.taskId,
      status: "open",
      poster: fx.market.posterAddress,
      maxPrice: "20000000000000000",
      size: 90.5,
      region: "any",
      mechanism: "first-price",
      deadlineBudget: 300,
      postedBlock: posted.blockNumber,
      provider: null,
      bids: [],
      result: null,
      refund: null,
    });
    expect(task.events.map((e) => [e.name, e.transactionHash])).toEqual([["TaskPosted", posted.transactionHash]]);

    const events = await request(fx.app).get("/api/ledger/events").query({ task: posted.taskId });
    expect(events.status).toBe(200);
    expect(events.body.items).toHaveLength(1);
    expect(events.body.items[0]).toMatchObject({ name: "TaskPosted", taskId: posted.taskId, blockNumber: posted.blockNumber, args: { maxPrice: "20000000000000000" } });
  });

  it("posts a second-price task for a region, and lists it first", async () => {
    const res = await request(fx.app).post("/api/tasks").set(AUTH).send(taskBody({ region: "eu-west-1", mechanism: "second-price", size: 1 }));
    expect(res.status).toBe(201);
    const list = await request(fx.app).get("/api/tasks").query({ status: "open", poster: fx.market.posterAddress.toLowerCase() });
    expect(list.status).toBe(200);
    const page = TaskPage.parse(list.body);
    expect(page.items[0]).toMatchObject({ taskId: res.body.taskId, region: "eu-west-1", mechanism: "second-price", size: 1 });
    expect(page.items.map((t) => t.taskId)).toEqual([...page.items.map((t) => t.taskId)].sort((a, b) => b - a));
  });

  it("answers 409 with the contract's custom error when the contract refuses, and changes nothing on chain", async () => {
    const before = await chainState(fx.market);
    // 400,000,000 ETH passes the schema but is above the contract's escrow cap (2^88 - 1 wei).
    const res = await request(fx.app).post("/api/tasks").set(AUTH).send(taskBody({ maxPrice: "400000000" }));
    expect(res.status).toBe(409);
    expect(res.body).toEqual({ error: "AmountTooLarge", args: { amount: "400000000000000000000000000" } });
    expect(await chainState(fx.market)).toEqual(before);
    // And the market still takes the next task, in the next block.
    const next = await request(fx.app).post("/api/tasks").set(AUTH).send(taskBody());
    expect(next.status).toBe(201);
    expect(next.body.blockNumber).toBe(before.block + 1);
  });

  it("posts concurrent requests one block each, with distinct ids", async () => {
    const results = await Promise.all([1, 2, 3].map(() => request(fx.app).post("/api/tasks").set(AUTH).send(taskBody())));
    expect(results.map((r) => r.status)).toEqual([201, 201, 201]);
    expect(new Set(results.map((r) => r.body.taskId)).size).toBe(3);
    expect(new Set(results.map((r) => r.body.blockNumber)).size).toBe(3);
  });
});

describe("POST /api/tasks without the right token", () => {
  const cases: Array<[string, Record<string, string>]> = [
    ["no Authorization header", {}],
    ["a wrong token of the same length", { Authorization: `Bearer ${TOKEN.slice(0, -1)}x` }],
    ["a wrong token of another length", { Authorization: `Bearer ${TOKEN}0` }],
    ["a prefix of the token", { Authorization: `Bearer ${TOKEN.slice(0, 8)}` }],
    ["the token under another scheme", { Authorization: `Basic ${TOKEN}` }],
    ["the bare token", { Authorization: TOKEN }],
    ["an empty bearer", { Authorization: "Bearer " }],
  ];
  it.each(cases)("%s → 401 JSON, nothing on chain", async (_name, headers) => {
    const before = await chainState(fx.market);
    const res = await request(fx.app).post("/api/tasks").set(headers).send(taskBody());
    expect(res.status).toBe(401);
    expect(res.headers["content-type"]).toMatch(/application\/json/);
    expect(res.headers["www-authenticate"]).toMatch(/^Bearer/);
    expect(res.body.error).toMatch(/unauthorized/);
    expect(await chainState(fx.market)).toEqual(before);
  });

  it("checks the token before reading the body: a stranger's malformed body is a 401", async () => {
    const res = await request(fx.app).post("/api/tasks").set("Content-Type", "application/json").send("{not json");
    expect(res.status).toBe(401);
  });

  it("accepts the scheme in any case", async () => {
    const res = await request(fx.app).post("/api/tasks").set("Authorization", `bearer ${TOKEN}`).send(taskBody());
    expect(res.status).toBe(201);
  });
});

describe("POST /api/tasks with invalid bodies", () => {
  const cases: Array<[string, unknown, string[]]> = [
    ["an unknown field", taskBody({ priority: "high" }), ["priority"]],
    ["two unknown fields", taskBody({ a: 1, b: 2 }), ["a", "b"]],
    ["a negative size", taskBody({ size: -5 }), ["size"]],
    ["a zero size", taskBody({ size: 0 }), ["size"]],
    ["a huge size", taskBody({ size: 1e300 }), ["size"]],
    ["a zero max price", taskBody({ maxPrice: "0.000" }), ["maxPrice"]],
    ["a negative max price", taskBody({ maxPrice: "-1" }), ["maxPrice"]],
    ["a huge max price", taskBody({ maxPrice: "1".repeat(40) }), ["maxPrice"]],
    ["a max price in exponent form", taskBody({ maxPrice: "1e18" }), ["maxPrice"]],
    ["a max price with 19 decimals", taskBody({ maxPrice: "0.0000000000000000001" }), ["maxPrice"]],
    ["a max price as a number", taskBody({ maxPrice: 0.01 }), ["maxPrice"]],
    ["a fractional deadline budget", taskBody({ deadlineBudget: 1.5 }), ["deadlineBudget"]],
    ["a negative deadline budget", taskBody({ deadlineBudget: -1 }), ["deadlineBudget"]],
    ["a deadline budget beyond uint32", taskBody({ deadlineBudget: 2 ** 32 }), ["deadlineBudget"]],
    ["a huge deadline budget", taskBody({ deadlineBudget: 1e21 }), ["deadlineBudget"]],
    ["a deadline budget as a string", taskBody({ deadlineBudget: "600" }), ["deadlineBudget"]],
    ["a size as a string", taskBody({ size: "120" }), ["size"]],
    ["a size as null", taskBody({ size: null }), ["size"]],
    ["a region over 16 bytes", taskBody({ region: "eu-west-1-extended-x" }), ["region"]],
    ["a region of 16 characters but 17 bytes", taskBody({ region: "é".repeat(8) + "x" }), ["region"]],
    ["an empty region", taskBody({ region: "" }), ["region"]],
    ["a region with a control character", taskBody({ region: "eu\u0000west" }), ["region"]],
    ["an unknown mechanism", taskBody({ mechanism: "dutch" }), ["mechanism"]],
    ["a missing field", { size: 1, maxPrice: "0.01", deadlineBudget: 10, region: "any" }, ["mechanism"]],
    ["an array", [taskBody()], [""]],
    ["everything wrong", { size: "x", maxPrice: 1, deadlineBudget: null, region: 7, mechanism: 1, extra: true }, ["size", "maxPrice", "deadlineBudget", "region", "mechanism", "extra"]],
  ];
  it.each(cases)("%s → 400 naming the field, nothing on chain", async (_name, body, paths) => {
    const before = await chainState(fx.market);
    const res = await request(fx.app).post("/api/tasks").set(AUTH).send(body as object);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe("invalid request");
    // Every problem is listed (a field may have more than one); each field named is expected.
    expect([...new Set((res.body.issues as Array<{ path: string }>).map((i) => i.path))].sort()).toEqual([...paths].sort());
    for (const issue of res.body.issues) {
      expect(issue.in).toBe("body");
      expect(issue.message).toEqual(expect.any(String));
    }
    expect(await chainState(fx.market)).toEqual(before);
  });

  it("a body that is not JSON → 415, nothing on chain", async () => {
    const before = await chainState(fx.market);
    const res = await request(fx.app).post("/api/tasks").set(AUTH).set("Content-Type", "text/plain").send("size=1");
    expect(res.status).toBe(415);
    expect(res.body.error).toMatch(/application\/json/);
    expect(await chainState(fx.market)).toEqual(before);
  });

  it("no body at all → 400 for the whole input", async () => {
    const res = await request(fx.app).post("/api/tasks").set(AUTH);
    expect(res.status).toBe(400);
    expect(res.body.issues).toEqual([{ in: "body", path: "", message: expect.any(String) }]);
  });

  it("an unknown query parameter on POST → 400", async () => {
    const res = await request(fx.app).post("/api/tasks?dryRun=1").set(AUTH).send(taskBody());
    expect(res.status).toBe(400);
    expect(res.body.issues).toEqual([{ in: "query", path: "dryRun", message: "unknown field" }]);
  });
});

describe("GET /api/tasks/:id", () => {
  it("an id never posted → 404 JSON", async () => {
    const res = await request(fx.app).get("/api/tasks/999999");
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: "task 999999 not found" });
  });

  it.each(["0", "abc", "-1", "1.5", "99999999999999999999"])("a malformed id %s → 400", async (id) => {
    const res = await request(fx.app).get(`/api/tasks/${id}`);
    expect(res.status).toBe(400);
    expect(res.body.issues[0]).toMatchObject({ in: "path", path: "id" });
  });
});

it("logged no unexpected error", () => {
  expect(fx.logged).toEqual([]);
});
