// Shared by the API tests: a market on the embedded chain, the app over it, and helpers to act
// on the market directly (providers register, bid, deliver) where the API has no route yet.
import { expect } from "vitest";
import { keccak256, parseEther, toUtf8Bytes } from "ethers";
import request from "supertest";
import { latestTimestamp } from "../../sim/chain/time.js";
import { actorAddress } from "../../sim/ledger/actors.js";
import type { MarketAction } from "../../sim/protocol/actions.js";
import type { BlockResult } from "../../sim/protocol/ledger.js";
import { createApp, type AppDeps, type BidmeshApp } from "../../server/app.js";
import { MarketFeed } from "../../server/live/market-feed.js";
import { createMarketService, type ChainMarketService, type MarketService } from "../../server/market-service.js";

export const TOKEN = "test-token-5f0c1d2e3a4b5c6d7e8f";
export const AUTH = { Authorization: `Bearer ${TOKEN}` };
export const eth = (value: string): bigint => parseEther(value);

export const provider = (i: number): string => actorAddress("provider", i);
export const KEEPER = actorAddress("keeper", 0);

/** Polls GET `path` on `app` until `done(body)`, at most `timeoutMs`: how the live-market tests wait for the market. */
export async function pollUntil<T>(app: BidmeshApp, path: string, done: (body: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const res = await request(app).get(path);
    if (res.status === 200 && done(res.body as T)) return res.body as T;
    if (Date.now() > end) throw new Error(`${path}: condition not met in ${timeoutMs} ms; last ${res.status} ${JSON.stringify(res.body).slice(0, 2000)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A valid POST /api/tasks body; override fields per test. */
export function taskBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { size: 120, maxPrice: "0.01", deadlineBudget: 600, region: "any", mechanism: "first-price", ...overrides };
}

export interface ApiFixture {
  market: ChainMarketService;
  app: BidmeshApp;
  /** Unexpected errors the app logged. */
  logged: unknown[];
}

/** Boots the embedded chain, deploys a market and builds the app over it. */
export async function createApiFixture(deps: Partial<Omit<AppDeps, "market">> = {}): Promise<ApiFixture> {
  const market = await createMarketService();
  const logged: unknown[] = [];
  const app = createApp({ market, token: TOKEN, logError: (error) => logged.push(error), ...deps });
  return { market, app, logged };
}

/** What a refused request must leave unchanged: the block number and the market's events. */
export async function chainState(market: ChainMarketService): Promise<{ block: number; events: number }> {
  return { block: await market.chain.provider.getBlockNumber(), events: (await market.readEvents()).length };
}

/** Commits `actions` in one block `dt` seconds after the latest; every action must succeed. */
export async function commit(market: ChainMarketService, dt: number, actions: MarketAction[]): Promise<BlockResult> {
  const block = await market.ledger.commitBlock((await latestTimestamp(market.chain)) + dt, actions);
  expect(block.refused, JSON.stringify(block.refused, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v))).toEqual([]);
  return block;
}

export const act = {
  register: (i: number, region: string, stake = eth("2")): MarketAction => ({ kind: "register", from: provider(i), region, capacity: 4, stake }),
  bid: (i: number, taskId: number, price: string): MarketAction => ({ kind: "bids", from: provider(i), bids: [{ taskId, price: eth(price) }] }),
  close: (...taskIds: number[]): MarketAction => ({ kind: "close", from: KEEPER, taskIds }),
  result: (i: number, taskId: number, epoch: number): MarketAction => ({
    kind: "result",
    from: provider(i),
    taskId,
    epoch,
    resultHash: keccak256(toUtf8Bytes(`result ${taskId}/${epoch}`)),
  }),
  reroute: (...taskIds: number[]): MarketAction => ({ kind: "reroute", from: KEEPER, taskIds }),
};

/** A MarketService whose every call fails the test: for tests that must not reach the market. */
export function unusedMarket(): MarketService {
  const fail = (): never => {
    throw new Error("this test must not reach the market");
  };
  return {
    marketAddress: "0x0000000000000000000000000000000000000001",
    deployBlock: 0,
    posterAddress: "0x0000000000000000000000000000000000000002",
    postTask: fail,
    readEvents: fail,
    history: fail,
    health: fail,
    feed: new MarketFeed(),
    snapshot: fail,
    status: fail,
    close: async () => undefined,
  };
}
