import { beforeAll, describe, expect, it } from "vitest";
import { id, parseEther } from "ethers";
import { readLedgerEvents } from "../../sim/chain/ledger-reader.js";
import { MarketHistory, providerHistory, taskHistory } from "../../sim/protocol/history.js";
import { accountsOf, eventMatcher, taskIdOf, type LedgerFilter, type LoggedEvent } from "../../sim/protocol/logged-event.js";
import type { Address } from "../../sim/protocol/actions.js";
import { ComputeMarket__factory } from "../../types/ethers-contracts/index.js";
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
let events: LoggedEvent[];
const tasks: Record<string, bigint> = {};
/** A task id as the events carry it (a number). */
const idOf = (name: string): number => Number(tasks[name]!);
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
    const h = taskHistory(events, Number(taskId));
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
    const h = taskHistory(events, idOf("rerouted"));
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
    const h = taskHistory(events, idOf("refunded"));
    expect(h.events.map((e) => e.event.name)).toEqual([
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
    expect(taskHistory(events, idOf("cancelled")).refund?.reason).toBe("Cancelled");
  });

  it("refuses a task whose posting is outside the events read", () => {
    expect(() => taskHistory(events, 999)).toThrow("task 999 has no TaskPosted event");
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
    expect(b.bids.map((x) => x.taskId)).toEqual([idOf("completed"), idOf("awarded")]);
    expect(b.wins.map((x) => x.taskId)).toEqual([idOf("completed"), idOf("awarded")]);
    expect(b.completions.map((x) => x.taskId)).toEqual([idOf("completed")]);
    expect(b.withdrawn).toBe(parseEther("0.3"));
  });
});

describe("filters", () => {
  it("by task returns only that task's events", async () => {
    const filtered = await readLedgerEvents(fx.chain, fx.address, { taskId: idOf("rerouted") });
    expect(filtered.length).toBeGreaterThan(0);
    expect(filtered).toEqual(events.filter((e) => taskIdOf(e.event) === idOf("rerouted")));
  });

  it("by account returns every event naming it, in any role", async () => {
    const poster = await fx.posters[0]!.getAddress();
    const filtered = await readLedgerEvents(fx.chain, fx.address, { account: poster.toLowerCase() });
    expect(filtered).toEqual(events.filter((e) => accountsOf(e.event).includes(poster)));
    expect(new Set(filtered.map((e) => e.event.name))).toEqual(new Set(["TaskPosted", "ProviderSlashed", "TaskRefunded"]));
  });

  it("by block range is inclusive at both ends", async () => {
    const middle = events[Math.floor(events.length / 2)]!.blockNumber;
    const filtered = await readLedgerEvents(fx.chain, fx.address, { fromBlock: middle, toBlock: middle + 2 });
    expect(filtered).toEqual(events.filter((e) => e.blockNumber >= middle && e.blockNumber <= middle + 2));
  });

  it("by event name, combined with a task", async () => {
    const filtered = await readLedgerEvents(fx.chain, fx.address, { names: ["BidPlaced"], taskId: idOf("rerouted") });
    expect(filtered.map(({ event }) => (event.name === "BidPlaced" ? event.price : undefined))).toEqual([parseEther("0.2"), parseEther("0.25"), parseEther("0.5")]);
  });
});

describe("the incremental fold", () => {
  const folded = (): MarketHistory => {
    const history = new MarketHistory();
    for (const logged of events) history.add(logged);
    return history;
  };

  it("gives every task the history a fold of that task's events alone gives", () => {
    const history = folded();
    expect(history.tasks().map((t) => t.taskId)).toEqual(Object.values(tasks).map(Number).sort((x, y) => x - y));
    for (const name of Object.keys(tasks)) expect(history.task(idOf(name))).toEqual(taskHistory(events, idOf(name)));
  });

  it("gives every account the history a fold of that account's events alone gives, providers in registration order", () => {
    const history = folded();
    expect(history.providers().map((p) => p.address)).toEqual(providers);
    for (const address of [...providers, ...fx.posters.map((p) => p.address)]) {
      expect(history.account(address as Address)).toEqual(providerHistory(events, address));
    }
  });

  it("counts statuses and event names as a recount of the histories does", () => {
    const history = folded();
    const recount = new Map<string, number>();
    for (const t of history.tasks()) recount.set(t.status, (recount.get(t.status) ?? 0) + 1);
    expect(new Map([...history.statusCounts()].filter(([, n]) => n > 0))).toEqual(recount);
    for (const name of new Set(events.map((e) => e.event.name))) {
      expect(history.count(name)).toBe(events.filter((e) => e.event.name === name).length);
    }
    expect(history.lastBlock).toBe(events.at(-1)!.blockNumber);
  });

  it("selects by task, account, names and blocks exactly as a scan does", () => {
    const history = folded();
    const first = events[0]!.blockNumber;
    const last = events.at(-1)!.blockNumber;
    const filters: LedgerFilter[] = [];
    for (const taskId of [undefined, idOf("rerouted"), 999]) {
      for (const account of [undefined, providers[2]!.toLowerCase()]) {
        for (const [fromBlock, toBlock] of [[undefined, undefined], [first + 3, last - 3], [last + 1, undefined], [first + 5, first + 5]]) {
          filters.push({ taskId, account, fromBlock, toBlock }, { taskId, account, fromBlock, toBlock, names: ["BidPlaced", "TaskRerouted"] });
        }
      }
    }
    for (const filter of filters) {
      const keep = eventMatcher(filter);
      const scanned = events.filter((e) => e.blockNumber >= (filter.fromBlock ?? 0) && e.blockNumber <= (filter.toBlock ?? Infinity) && keep(e));
      expect(history.events(filter), JSON.stringify(filter)).toEqual(scanned);
    }
  });

  it("freezes what it holds, so one reader cannot change another's events", () => {
    const history = folded();
    const logged = history.events()[0]!;
    expect(Object.isFrozen(logged) && Object.isFrozen(logged.event)).toBe(true);
  });
});

describe("decoded events", () => {
  it("carry every ABI input, in the contract's declaration order", () => {
    const abi = ComputeMarket__factory.createInterface();
    const seen = new Set<string>();
    for (const { event } of events) {
      const fragment = abi.getEvent(event.name)!;
      const { name, ...fields } = event;
      expect(Object.keys(fields), name).toEqual(fragment.inputs.map((input) => input.name));
      seen.add(name);
    }
    // The history above emits most of the events; the rest are decoded in their own tests.
    expect(seen.size).toBeGreaterThanOrEqual(10);
  });
});
