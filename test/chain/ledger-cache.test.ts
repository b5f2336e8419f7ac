import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { keccak256, parseEther, toUtf8Bytes } from "ethers";
import { connectChain, type Chain } from "../../sim/chain/connect.js";
import { DEFAULT_MARKET_CONFIG } from "../../sim/protocol/market-config.js";
import { LedgerEventCache } from "../../sim/chain/ledger-cache.js";
import { readLedgerEvents } from "../../sim/chain/ledger-reader.js";
import { accountsOf, type LedgerFilter, type LoggedEvent } from "../../sim/protocol/logged-event.js";
import { latestTimestamp, revertTo, snapshot } from "../../sim/chain/time.js";
import { actorAddress } from "../../sim/ledger/actors.js";
import { ChainLedger } from "../../sim/ledger/chain-ledger.js";
import type { MarketAction } from "../../sim/protocol/actions.js";
import { SIM_EPOCH } from "../../sim/run/simulate.js";

// The cache must answer exactly as readLedgerEvents does (from the deployment block on, as the
// API read before it), after every block, under concurrent reads, and after the chain is reset.

const provider = (i: number): string => actorAddress("provider", i);
const poster = (i: number): string => actorAddress("poster", i);
const KEEPER = actorAddress("keeper", 0);

const act = {
  register: (i: number, region = "eu-west-1"): MarketAction => ({ kind: "register", from: provider(i), region, capacity: 4, stake: parseEther("2") }),
  post: (from: string, ts: number): MarketAction => ({
    kind: "post",
    from,
    maxPrice: parseEther("0.01"),
    keeperReserve: 0n,
    requirementsHash: keccak256(toUtf8Bytes(`task from ${from} at ${ts}`)),
    region: "any",
    bidWindowEnd: ts + 30,
    executionBudget: 60,
    mechanism: "FirstPrice",
  }),
  bid: (i: number, taskId: number, price: string): MarketAction => ({ kind: "bids", from: provider(i), bids: [{ taskId, price: parseEther(price) }] }),
  close: (...taskIds: number[]): MarketAction => ({ kind: "close", from: KEEPER, taskIds }),
  result: (i: number, taskId: number, epoch: number): MarketAction => ({ kind: "result", from: provider(i), taskId, epoch, resultHash: keccak256(toUtf8Bytes(`${taskId}/${epoch}`)) }),
  reroute: (...taskIds: number[]): MarketAction => ({ kind: "reroute", from: KEEPER, taskIds }),
};

interface Market {
  chain: Chain;
  ledger: ChainLedger;
}

async function newMarket(): Promise<Market> {
  const chain = await connectChain();
  const ledger = await ChainLedger.create(chain, DEFAULT_MARKET_CONFIG, SIM_EPOCH);
  return { chain, ledger };
}

/** Commits `actions` in one block `dt` seconds after the latest; every action must succeed. */
async function commit(m: Market, dt: number, actions: MarketAction[]): Promise<number> {
  const block = await m.ledger.commitBlock((await latestTimestamp(m.chain)) + dt, actions);
  expect(block.refused.map((r) => r.error)).toEqual([]);
  return block.blockNumber;
}

/** The old answer: every log from the deployment block on, read and decoded again. */
function reread(m: Market, filter: LedgerFilter): Promise<LoggedEvent[]> {
  return readLedgerEvents(m.chain, m.ledger.marketAddress, { ...filter, fromBlock: Math.max(m.ledger.deployBlock, filter.fromBlock ?? 0) });
}

/** Filters of every kind and their combinations, over the market as it is now. */
async function filtersNow(m: Market, taskCount: number): Promise<LedgerFilter[]> {
  const deploy = m.ledger.deployBlock;
  const head = await m.chain.provider.getBlockNumber();
  const middle = Math.floor((deploy + head) / 2);
  const tasks = Array.from({ length: taskCount }, (_, i) => i + 1);
  return [
    {},
    ...tasks.map((taskId) => ({ taskId })),
    { taskId: 999 },
    { account: provider(0) },
    { account: provider(1).toLowerCase() },
    { account: poster(0) },
    { account: KEEPER },
    { account: actorAddress("provider", 77) },
    { names: ["BidPlaced"] },
    { names: ["TaskPosted", "TaskAwarded", "ResultSubmitted"] },
    { names: [] },
    { fromBlock: deploy },
    { fromBlock: head },
    { fromBlock: middle, toBlock: middle },
    { fromBlock: deploy + 1, toBlock: head - 1 },
    { toBlock: deploy + 2 },
    { toBlock: deploy - 1 },
    { fromBlock: head + 5 },
    { fromBlock: 0, toBlock: 0 },
    { taskId: 1, names: ["BidPlaced"] },
    { taskId: 2, account: provider(0) },
    { account: provider(1), names: ["BidPlaced", "TaskAwarded"], fromBlock: middle },
    { account: poster(0), taskId: 1, names: ["TaskPosted"], fromBlock: deploy, toBlock: head },
  ];
}

async function expectSameAnswers(m: Market, cache: LedgerEventCache, taskCount: number): Promise<void> {
  for (const filter of await filtersNow(m, taskCount)) {
    const label = JSON.stringify(filter, (_k, v: unknown) => (typeof v === "bigint" ? `${v}n` : v));
    expect(await cache.read(filter), label).toEqual(await reread(m, filter));
  }
}

describe("LedgerEventCache, block by block", () => {
  let m: Market;
  beforeAll(async () => {
    m = await newMarket();
  });
  afterAll(async () => {
    await m?.ledger.close();
  });

  it("answers every filter as readLedgerEvents does after each block", async () => {
    const cache = new LedgerEventCache(m.chain, m.ledger.marketAddress, m.ledger.deployBlock);
    await expectSameAnswers(m, cache, 0);
    // [seconds after the latest block, actions at that block's timestamp, tasks posted so far]
    const script: Array<[number, (at: number) => MarketAction[], number]> = [
      [1, () => [act.register(0), act.register(1), act.register(2, "us-east-1"), act.register(3)], 0],
      [1, (at) => [act.post(poster(0), at), act.post(poster(0), at + 1), act.post(poster(1), at)], 3],
      [1, () => [act.bid(0, 1, "0.004"), act.bid(1, 1, "0.003"), act.bid(2, 1, "0.005"), act.bid(0, 2, "0.002"), act.bid(1, 2, "0.0025"), act.bid(3, 3, "0.001")], 3],
      [31, () => [act.close(1, 2, 3)], 3],
      [1, () => [act.result(1, 1, 1)], 3],
      [1, () => [], 3], // a block without market events
      [61, (at) => [act.reroute(2), act.post(poster(1), at)], 4],
      [1, () => [act.result(1, 2, 2), act.bid(2, 4, "0.006")], 4],
    ];
    for (const [dt, actions, taskCount] of script) {
      await commit(m, dt, actions((await latestTimestamp(m.chain)) + dt));
      await expectSameAnswers(m, cache, taskCount);
    }
    // A cache built now, in one read, holds the same.
    const fresh = new LedgerEventCache(m.chain, m.ledger.marketAddress, m.ledger.deployBlock);
    expect(await fresh.read()).toEqual(await cache.read());
    expect(cache.size).toBe((await reread(m, {})).length);
    expect(cache.stats.resets).toBe(0);
  });

  it("hands out frozen events, so no caller changes another's answer", async () => {
    const cache = new LedgerEventCache(m.chain, m.ledger.marketAddress, m.ledger.deployBlock);
    const [first] = await cache.read({ names: ["TaskPosted"] });
    expect(() => {
      (first as { blockNumber: number }).blockNumber = -1;
    }).toThrow(TypeError);
    expect(() => {
      (first!.event as { name: string }).name = "changed";
    }).toThrow(TypeError);
    expect((await cache.read({ names: ["TaskPosted"] }))[0]!.event.name).toBe("TaskPosted");
  });

  it("throws for an invalid account, as readLedgerEvents does, without reading the chain", async () => {
    const cache = new LedgerEventCache(m.chain, m.ledger.marketAddress, m.ledger.deployBlock);
    await expect(cache.read({ account: "0x1234" })).rejects.toThrow(/invalid address/);
    await expect(reread(m, { account: "0x1234" })).rejects.toThrow(/invalid address/);
    expect(cache.stats.refreshes).toBe(0);
  });
});

describe("LedgerEventCache, concurrent reads", () => {
  let m: Market;
  beforeAll(async () => {
    m = await newMarket();
    await commit(m, 1, [act.register(0), act.register(1), act.register(2)]);
    const at = (await latestTimestamp(m.chain)) + 1;
    await commit(m, 1, [act.post(poster(0), at), act.post(poster(1), at)]);
  });
  afterAll(async () => {
    await m?.ledger.close();
  });

  it("reads started together share one refresh and answer as sequential reads do", async () => {
    const cache = new LedgerEventCache(m.chain, m.ledger.marketAddress, m.ledger.deployBlock);
    const filters = await filtersNow(m, 2);
    const together = await Promise.all(filters.map((f) => cache.read(f)));
    expect(cache.stats.refreshes).toBe(1);
    for (const [i, filter] of filters.entries()) {
      expect(together[i]).toEqual(await cache.read(filter));
      expect(together[i]).toEqual(await reread(m, filter));
    }
  });

  it("never reads twice at once while blocks land, and a read after a block sees it", async () => {
    const cache = new LedgerEventCache(m.chain, m.ledger.marketAddress, m.ledger.deployBlock);
    await cache.read();
    // Every log read goes through getLogs: count how many run at once.
    let inFlight = 0;
    let most = 0;
    const getLogs = m.chain.provider.getLogs.bind(m.chain.provider);
    const spy = vi.spyOn(m.chain.provider, "getLogs").mockImplementation(async (filter) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      try {
        return await getLogs(filter);
      } finally {
        inFlight -= 1;
      }
    });
    try {
      const filters = await filtersNow(m, 4);
      const answers: Array<{ filter: LedgerFilter; before: number; after: number; events: Promise<LoggedEvent[]> }> = [];
      const price = ["0.004", "0.003", "0.005"];
      for (let b = 0; b < 6; b += 1) {
        const before = await m.chain.provider.getBlockNumber();
        // Reads in flight while the next block is committed.
        const early = filters.map((filter) => ({ filter, events: cache.read(filter) }));
        const at = (await latestTimestamp(m.chain)) + 1;
        const landed = await commit(m, 1, b % 2 === 0 ? [act.bid(b % 3, 1 + (b % 2), price[b % 3]!)] : [act.post(poster(b % 2), at)]);
        for (const e of early) answers.push({ ...e, before, after: landed });
        // The feed's read of the block just committed must see it, even with a refresh still running.
        const feedRead = cache.read({ fromBlock: landed, toBlock: landed });
        expect(await feedRead).toEqual(await reread(m, { fromBlock: landed, toBlock: landed }));
        expect((await feedRead).length).toBeGreaterThan(0);
      }
      // Each early read answered as of the block before or after the one that landed meanwhile.
      for (const { filter, before, after, events } of answers) {
        const got = await events;
        const asBefore = await reread(m, { ...filter, toBlock: Math.min(before, filter.toBlock ?? before) });
        const asAfter = await reread(m, { ...filter, toBlock: Math.min(after, filter.toBlock ?? after) });
        expect([asBefore, asAfter]).toContainEqual(got);
      }
    } finally {
      spy.mockRestore();
    }
    expect(most).toBe(1);
    await expectSameAnswers(m, cache, 5);
  });

  it("a read arriving after its block landed does not join a refresh that asked for the head before", async () => {
    // A chain whose answers to the cache's block queries wait at a gate once the node answered:
    // the refresh has its latest block, a block lands, then a second read comes.
    let gate: Promise<void> | undefined;
    let open = (): void => undefined;
    let answered = (): void => undefined;
    const headAnswered = new Promise<void>((resolve) => (answered = resolve));
    const gated: Chain = {
      ...m.chain,
      rpc: async (method, params) => {
        const answer = await m.chain.rpc(method, params);
        if (method === "eth_getBlockByNumber" && gate !== undefined) {
          answered();
          await gate;
        }
        return answer;
      },
    };
    const cache = new LedgerEventCache(gated, m.ledger.marketAddress, m.ledger.deployBlock);
    await cache.read();
    const before = await m.chain.provider.getBlockNumber();
    gate = new Promise<void>((resolve) => (open = resolve));
    const first = cache.read();
    await headAnswered;
    const landed = await commit(m, 1, [act.post(poster(2), (await latestTimestamp(m.chain)) + 1)]);
    const second = cache.read({ fromBlock: landed, toBlock: landed });
    gate = undefined;
    open();
    expect(await first).toEqual(await reread(m, { toBlock: before }));
    expect((await second).map((e) => e.event.name)).toEqual(["TaskPosted"]);
    expect(cache.stats.refreshes).toBe(3);
  });
});

describe("LedgerEventCache, a reset chain", () => {
  let m: Market;
  let cache: LedgerEventCache;
  beforeAll(async () => {
    m = await newMarket();
    cache = new LedgerEventCache(m.chain, m.ledger.marketAddress, m.ledger.deployBlock);
    await commit(m, 1, [act.register(0), act.register(1)]);
    const at = (await latestTimestamp(m.chain)) + 1;
    await commit(m, 1, [act.post(poster(0), at), act.post(poster(0), at + 1)]);
    await commit(m, 1, [act.bid(0, 1, "0.004"), act.bid(1, 2, "0.003")]);
    await expectSameAnswers(m, cache, 2);
  });
  afterAll(async () => {
    await m?.ledger.close();
  });

  // After a revert the ledger's cached nonces of the actors that sent since the snapshot are
  // wrong, so each test acts through actors that never sent before (fresh posters, providers).

  it("reads everything again when the chain is below the last block read", async () => {
    const snap = await snapshot(m.chain);
    await commit(m, 1, [act.register(5)]);
    await commit(m, 1, [act.bid(5, 1, "0.002")]);
    await expectSameAnswers(m, cache, 2);
    await revertTo(m.chain, snap);
    const resets = cache.stats.resets;
    expect(await cache.read({ account: provider(5) })).toEqual([]);
    expect(cache.stats.resets).toBe(resets + 1);
    await expectSameAnswers(m, cache, 2);
  });

  it("reads everything again when the last block read was replaced at the same height", async () => {
    const snap = await snapshot(m.chain);
    const at = (await latestTimestamp(m.chain)) + 1;
    await commit(m, 1, [act.post(poster(3), at)]);
    await commit(m, 1, [act.register(6)]);
    const head = await m.chain.provider.getBlockNumber();
    await expectSameAnswers(m, cache, 3);
    await revertTo(m.chain, snap);
    const again = (await latestTimestamp(m.chain)) + 1;
    await commit(m, 1, [act.post(poster(4), again), act.post(poster(4), again + 1)]);
    await commit(m, 2, [act.register(7)]);
    expect(await m.chain.provider.getBlockNumber()).toBe(head);
    const resets = cache.stats.resets;
    expect(await cache.read({ account: provider(6) })).toEqual([]);
    expect((await cache.read({ account: poster(4) })).map((e) => e.event.name)).toEqual(["TaskPosted", "TaskPosted"]);
    expect(cache.stats.resets).toBe(resets + 1);
    await expectSameAnswers(m, cache, 4);
  });

  it("reads everything again when different blocks replaced it and went past it", async () => {
    const snap = await snapshot(m.chain);
    await commit(m, 1, [act.register(8)]);
    await expectSameAnswers(m, cache, 4);
    const head = await m.chain.provider.getBlockNumber();
    await revertTo(m.chain, snap);
    await commit(m, 3, [act.register(9)]);
    await commit(m, 1, [act.bid(9, 3, "0.001")]);
    await commit(m, 1, []);
    expect(await m.chain.provider.getBlockNumber()).toBeGreaterThan(head);
    const resets = cache.stats.resets;
    expect(await cache.read({ account: provider(8) })).toEqual([]);
    expect(cache.stats.resets).toBe(resets + 1);
    await expectSameAnswers(m, cache, 4);
    // With nothing reset since, a read reads only what is new.
    await commit(m, 1, [act.bid(9, 4, "0.002")]);
    await expectSameAnswers(m, cache, 4);
    expect(cache.stats.resets).toBe(resets + 1);
  });
});
