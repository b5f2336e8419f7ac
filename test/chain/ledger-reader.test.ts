import { beforeAll, describe, expect, it } from "vitest";
import { id, parseEther } from "ethers";
import { providerHistory, readLedgerEvents, taskHistory, type LedgerEvent } from "../../sim/chain/ledger-reader.js";
import { enumName, TASK_STATUS } from "../../sim/protocol/enums.js";
import {
  as,
  closeAfterWindow,
  mined,
  passDeadline,
  postTask,
  registerProvider,
  SECOND_PRICE,
  useMarketFixture,
} from "../helpers/market-fixture.js";

// Build varied histories on chain, then check that events alone reproduce what the contract holds.

// No reset between tests: every test reads the one history built below.
const fx = useMarketFixture({}, { resetBeforeEach: false });
let events: LedgerEvent[];
const tasks: Record<string, bigint> = {};
let providers: string[];

beforeAll(async () => {
  const [a, b, c, d] = fx.providers as [never, never, never, never];
  for (const p of [a, b, c, d]) await registerProvider(fx, p);
  await mined(as(fx, a).addStake({ value: parseEther("0.5") }));
  const poster = fx.posters[0]!;
  providers = await Promise.all([a, b, c, d].map((p: { getAddress(): Promise<string> }) => p.getAddress()));

  // completed at once
  tasks["completed"] = await postTask(fx, poster);
  await mined(as(fx, a).placeBid(tasks["completed"], parseEther("0.4")));
  await mined(as(fx, b).placeBid(tasks["completed"], parseEther("0.3")));
  await closeAfterWindow(fx, tasks["completed"]);
  await mined(as(fx, b).submitResult(tasks["completed"], 1, id("ok")));

  // rerouted once (missed deadline), then completed by the fallback; second price
  tasks["rerouted"] = await postTask(fx, poster, { mechanism: SECOND_PRICE });
  await mined(as(fx, a).placeBid(tasks["rerouted"], parseEther("0.2")));
  await mined(as(fx, c).placeBid(tasks["rerouted"], parseEther("0.25")));
  await mined(as(fx, d).placeBid(tasks["rerouted"], parseEther("0.5")));
  await closeAfterWindow(fx, tasks["rerouted"]);
  await passDeadline(fx, tasks["rerouted"]);
  await mined(as(fx, fx.stranger).reroute(tasks["rerouted"]));
  await mined(as(fx, c).submitResult(tasks["rerouted"], 2, id("ok")));

  // abandoned by its only bidder: re-auction, nobody bids, refund
  tasks["refunded"] = await postTask(fx, fx.posters[1]!);
  await mined(as(fx, d).placeBid(tasks["refunded"], parseEther("0.9")));
  await closeAfterWindow(fx, tasks["refunded"]);
  await mined(as(fx, d).abandonTask(tasks["refunded"]));
  await closeAfterWindow(fx, tasks["refunded"]);

  // cancelled before any bid
  tasks["cancelled"] = await postTask(fx, poster);
  await mined(as(fx, poster).cancelTask(tasks["cancelled"]));

  // still awarded
  tasks["awarded"] = await postTask(fx, poster);
  await mined(as(fx, b).placeBid(tasks["awarded"], parseEther("0.6")));
  await closeAfterWindow(fx, tasks["awarded"]);

  await mined(as(fx, b).withdraw());
  events = await readLedgerEvents(fx.chain, fx.address);
});

describe("task histories rebuilt from events", () => {
  it.each(["completed", "rerouted", "refunded", "cancelled", "awarded"])("match the contract for the %s task", async (name) => {
    const taskId = tasks[name]!;
    const onChain = await fx.market.getTask(taskId);
    const h = taskHistory(events, taskId);
    expect(h.status).toBe(enumName(TASK_STATUS, onChain.status));
    expect(h.poster).toBe(onChain.poster);
    expect(h.maxPrice).toBe(onChain.maxPrice);
    expect(h.awards.length).toBe(Number(onChain.epoch));
    expect(h.reroutes.length).toBe(Number(onChain.reroutes));
    expect(h.reopens.length).toBe(Number(onChain.round));
    if (onChain.status === 2n || onChain.status === 3n) {
      expect(h.awards.at(-1)!.provider).toBe(onChain.provider);
      expect(h.awards.at(-1)!.payment).toBe(onChain.payment);
      expect(h.awards.at(-1)!.deadline).toBe(Number(onChain.deadline));
    }
    const fallbacks = await fx.market.getFallbacks(taskId);
    // The kept fallbacks are exactly the round's cheapest bids, earlier first on ties (a stable sort).
    const bidsThisRound = h.bids.filter((b) => b.round === Number(onChain.round));
    const expected = [...bidsThisRound].sort((x, y) => (x.price < y.price ? -1 : x.price > y.price ? 1 : 0)).slice(0, fx.config.fallbackDepth);
    expect(fallbacks.map((b) => [b.provider, b.price])).toEqual(expected.map((b) => [b.provider, b.price]));
  });

  it("records the reroute with its reason, caller, slash and the fallback's second-price payment", async () => {
    const h = taskHistory(events, tasks["rerouted"]!);
    expect(h.reroutes).toEqual([
      expect.objectContaining({ provider: providers[0], epoch: 1, reason: "DeadlineMissed", caller: await fx.stranger.getAddress(), slashed: parseEther("0.25") }),
    ]);
    expect(h.awards.map((a) => [a.provider, a.payment])).toEqual([
      [providers[0], parseEther("0.25")],
      [providers[2], parseEther("0.5")],
    ]);
    expect(h.result).toEqual(expect.objectContaining({ provider: providers[2], epoch: 2, payment: parseEther("0.5"), posterRefund: parseEther("0.5") }));
    expect(h.mechanism).toBe("SecondPrice");
  });

  it("records abandon, re-auction and refund in order", () => {
    const h = taskHistory(events, tasks["refunded"]!);
    expect(h.events.map((e) => e.name)).toEqual([
      "TaskPosted",
      "BidPlaced",
      "TaskAwarded",
      "TaskRerouted",
      "ProviderSlashed",
      "TaskReopened",
      "TaskRefunded",
    ]);
    expect(h.reroutes[0]!.reason).toBe("Abandoned");
    expect(h.refund).toEqual(expect.objectContaining({ amount: parseEther("1"), reason: "NoBids" }));
    expect(h.region).toBe("any");
  });

  it("records a cancellation as a refund", () => {
    expect(taskHistory(events, tasks["cancelled"]!).refund?.reason).toBe("Cancelled");
  });

  it("refuses a task whose posting is outside the events read", () => {
    expect(() => taskHistory(events, 999n)).toThrow("task 999 has no TaskPosted event");
  });
});

describe("provider histories rebuilt from events", () => {
  it("match the contract's stake, slashes and assignments for every provider", async () => {
    for (const address of providers) {
      const h = providerHistory(events, address);
      const p = await fx.market.getProvider(address);
      expect(h.registered?.region).toBe("eu-west-1");
      expect(h.failures.length).toBe(Number(p.slashCount));
      expect(h.slashes.reduce((sum, s) => sum + s.amount, 0n)).toBe(p.slashedTotal);
      const deposited = h.stakeChanges.reduce((sum, c) => sum + c.amount, 0n);
      expect(deposited - p.slashedTotal).toBe(p.stake + p.unbonding);
      expect(h.wins.length - h.completions.length - h.failures.length).toBe(Number(p.activeAssignments));
    }
  });

  it("counts bids, wins, deliveries and withdrawals", () => {
    const b = providerHistory(events, providers[1]!);
    expect(b.bids.map((x) => x.taskId)).toEqual([tasks["completed"], tasks["awarded"]]);
    expect(b.wins.map((x) => x.taskId)).toEqual([tasks["completed"], tasks["awarded"]]);
    expect(b.completions.map((x) => x.taskId)).toEqual([tasks["completed"]]);
    expect(b.withdrawn).toBe(parseEther("0.3"));
  });
});

describe("filters", () => {
  it("by task returns only that task's events", async () => {
    const filtered = await readLedgerEvents(fx.chain, fx.address, { taskId: tasks["rerouted"]! });
    expect(filtered.length).toBeGreaterThan(0);
    expect(filtered).toEqual(events.filter((e) => e.taskId === tasks["rerouted"]));
  });

  it("by account returns every event naming it, in any role", async () => {
    const poster = await fx.posters[0]!.getAddress();
    const filtered = await readLedgerEvents(fx.chain, fx.address, { account: poster.toLowerCase() });
    expect(filtered).toEqual(events.filter((e) => e.accounts.includes(poster)));
    expect(new Set(filtered.map((e) => e.name))).toEqual(new Set(["TaskPosted", "ProviderSlashed", "TaskRefunded"]));
  });

  it("by block range is inclusive at both ends", async () => {
    const middle = events[Math.floor(events.length / 2)]!.blockNumber;
    const filtered = await readLedgerEvents(fx.chain, fx.address, { fromBlock: middle, toBlock: middle + 2 });
    expect(filtered).toEqual(events.filter((e) => e.blockNumber >= middle && e.blockNumber <= middle + 2));
  });

  it("by event name, combined with a task", async () => {
    const filtered = await readLedgerEvents(fx.chain, fx.address, { names: ["BidPlaced"], taskId: tasks["rerouted"]! });
    expect(filtered.map((e) => e.args["price"])).toEqual([parseEther("0.2"), parseEther("0.25"), parseEther("0.5")]);
  });
});
