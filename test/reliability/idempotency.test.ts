// Retried posts against a real listening server (loopback, port 0, embedded chain): two
// concurrent sends and one later send of one POST /api/tasks with the same Idempotency-Key post
// one task on chain and answer the same status and body three times, the retries marked
// Idempotent-Replayed; the same key with another body, or on another route, is refused with 422
// and posts nothing; a malformed key is refused with 400; a new key posts a new task.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serve, type RunningServer } from "../../server/index.js";
import { ChainMarketService } from "../../server/market-service.js";
import { ComputeMarket__factory } from "../../types/ethers-contracts/index.js";

const TOKEN = "reliability-token-idem-0a1b2c3d";
const BODY = { size: 120, maxPrice: "0.01", deadlineBudget: 600, region: "any", mechanism: "first-price" };

let running: RunningServer;

beforeAll(async () => {
  running = await serve({ port: 0, host: "127.0.0.1", handleSignals: false, token: TOKEN, print: () => undefined, env: {} });
}, 30_000);

afterAll(async () => {
  await running?.close();
});

interface Answer {
  status: number;
  replayed: string | null;
  text: string;
}

async function post(path: string, key: string | undefined, body: unknown): Promise<Answer> {
  const headers: Record<string, string> = { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/json" };
  if (key !== undefined) headers["Idempotency-Key"] = key;
  const res = await fetch(`${running.url}${path}`, { method: "POST", headers, body: JSON.stringify(body) });
  return { status: res.status, replayed: res.headers.get("idempotent-replayed"), text: await res.text() };
}

/** Tasks on chain: the contract's count, and the TaskPosted events (they must agree). */
async function tasksOnChain(): Promise<number> {
  const market = running.market as ChainMarketService;
  const count = Number(await ComputeMarket__factory.connect(market.marketAddress, market.chain.provider).taskCount());
  expect((await market.readEvents({ names: ["TaskPosted"] })).length).toBe(count);
  return count;
}

describe("POST /api/tasks with an Idempotency-Key", () => {
  it("2 concurrent sends and 1 later send post one task and answer the same three times", async () => {
    expect(running.market).toBeInstanceOf(ChainMarketService);
    expect(await tasksOnChain()).toBe(0);
    const key = "retry-4f1c7a2e-0001";
    const concurrent = await Promise.all([post("/api/tasks", key, BODY), post("/api/tasks", key, BODY)]);
    // Keys in another order are the same body.
    const later = await post("/api/tasks", key, Object.fromEntries(Object.entries(BODY).reverse()));
    const answers = [...concurrent, later];

    expect(answers.map((a) => a.status)).toEqual([201, 201, 201]);
    expect(new Set(answers.map((a) => a.text)).size).toBe(1);
    expect(JSON.parse(later.text)).toMatchObject({ taskId: 1 });
    expect(answers.map((a) => a.replayed).sort()).toEqual([null, "true", "true"].sort());
    expect(later.replayed).toBe("true");
    expect(await tasksOnChain()).toBe(1);
  }, 30_000);

  it("the same key with another body, or on another route, answers 422 and posts nothing", async () => {
    const key = "retry-4f1c7a2e-0001";
    const before = await tasksOnChain();
    const other = await post("/api/tasks", key, { ...BODY, maxPrice: "0.02" });
    expect(other.status).toBe(422);
    expect(JSON.parse(other.text)).toEqual({
      error: `Idempotency-Key "${key}" was already used for a different request (another body, method or path); use a new key for a new request`,
    });
    expect(other.replayed).toBeNull();
    const elsewhere = await post("/api/outages", key, { region: "us-east-1", duration: 60 });
    expect(elsewhere.status).toBe(422);
    expect(await tasksOnChain()).toBe(before);
    // The first answer is still the one kept.
    const again = await post("/api/tasks", key, BODY);
    expect([again.status, again.replayed, JSON.parse(again.text).taskId]).toEqual([201, "true", 1]);
  });

  it("a malformed key answers 400 naming the header and posts nothing; a new key posts a new task", async () => {
    const before = await tasksOnChain();
    for (const key of ["k".repeat(256), "caf\u00e9"]) {
      const res = await post("/api/tasks", key, BODY);
      expect(res.status).toBe(400);
      expect(JSON.parse(res.text)).toEqual({ error: "invalid Idempotency-Key header: must be 1 to 255 printable ASCII characters" });
    }
    expect(await tasksOnChain()).toBe(before);
    const fresh = await post("/api/tasks", "k".repeat(255), BODY);
    expect([fresh.status, fresh.replayed]).toEqual([201, null]);
    expect(await tasksOnChain()).toBe(before + 1);
    // Without a key, nothing is deduplicated.
    expect((await post("/api/tasks", undefined, BODY)).status).toBe(201);
    expect((await post("/api/tasks", undefined, BODY)).status).toBe(201);
    expect(await tasksOnChain()).toBe(before + 3);
  });

  it("a refusal below 500 is kept and answered again: a retry of a 409 does not run again", async () => {
    // No live market: the outage route refuses with 409, and the retry gets that answer back.
    const first = await post("/api/outages", "outage-key-1", { region: "us-east-1", duration: 60 });
    const retry = await post("/api/outages", "outage-key-1", { region: "us-east-1", duration: 60 });
    expect([first.status, first.replayed]).toEqual([409, null]);
    expect([retry.status, retry.replayed, retry.text]).toEqual([409, "true", first.text]);
  });
});
