// The memory ledger on its own: each script of test/helpers/ledger-actors.ts checked by hand
// against the contract's rules, plus the ledger's own contract (blocks, atomicity, copies).
// memory-vs-contract.test.ts replays the same scripts on ComputeMarket.
import { describe, expect, it } from "vitest";
import { encodeRegion } from "../../sim/protocol/region.js";
import { MarketRefusal, MemoryLedger } from "../../sim/ledger/memory-ledger.js";
import type { MarketEvent } from "../../sim/protocol/events.js";
import type { BlockResult } from "../../sim/protocol/ledger.js";
import { act, allActors, ETH, eth, hash, LEDGER_TEST_CONFIG, ledgerScripts, memoryActors, UINT96_MAX, type Actors } from "../helpers/ledger-actors.js";
import { deliberateChangeScripts, UINT88_MAX } from "./deliberate-changes.js";

const T0 = 1_760_922_000;
const A = memoryActors();
const [p0, p1] = A.posters;
const [v0, v1, v2, v3, v4] = A.providers;
const s = A.stranger;
const SCRIPTS = new Map([...ledgerScripts(A, T0), ...deliberateChangeScripts(A, T0)].map((script) => [script.name, script]));

/** Every invariant of the money: the balance, and each total against the records it sums. */
function expectConservation(ledger: MemoryLedger, actors: Actors, where: string): void {
  expect(ledger.balance(), `${where}: balance = escrow + credits + stakes`).toBe(ledger.totalEscrow() + ledger.totalCredits() + ledger.totalStaked());
  let escrow = 0n;
  for (let id = 1; id <= ledger.taskCount(); id += 1) {
    const t = ledger.getTask(id);
    if (t.status === "Open" || t.status === "Awarded") escrow += t.maxPrice;
  }
  expect(ledger.totalEscrow(), `${where}: escrow = open and awarded tasks' maxPrice`).toBe(escrow);
  const everyone = allActors(actors);
  expect(ledger.totalCredits(), `${where}: credits = sum of creditOf`).toBe(everyone.reduce((sum, a) => sum + ledger.creditOf(a), 0n));
  const staked = everyone.reduce((sum, a) => sum + ledger.getProvider(a).stake + ledger.getProvider(a).unbonding, 0n);
  expect(ledger.totalStaked(), `${where}: staked = sum of stake + unbonding`).toBe(staked);
}

/** Runs a script on a fresh memory ledger, checking conservation after every block. */
async function run(name: string): Promise<{ ledger: MemoryLedger; block: (label: string) => BlockResult; results: BlockResult[] }> {
  const script = SCRIPTS.get(name);
  if (script === undefined) throw new Error(`no script ${name}`);
  const ledger = new MemoryLedger(script.config);
  const results: BlockResult[] = [];
  const labelled = new Map<string, BlockResult>();
  for (const [i, b] of script.blocks.entries()) {
    const result = await ledger.commitBlock(T0 + b.at, b.actions);
    results.push(result);
    if (b.label !== undefined) labelled.set(b.label, result);
    expectConservation(ledger, A, `${name}, block ${i}`);
  }
  return {
    ledger,
    results,
    block: (label) => {
      const r = labelled.get(label);
      if (r === undefined) throw new Error(`no block labelled ${label}`);
      return r;
    },
  };
}

const names = (r: BlockResult): string[] => r.events.map((e) => e.name);
const refusals = (r: BlockResult) => r.refused.map(({ error, args }) => ({ error, args }));

describe("lifecycle", () => {
  it("first price: the lowest bid wins and is paid its own price; the poster gets the rest back", async () => {
    const { ledger, block, results } = await run("first-price lifecycle");
    expect(names(block("setup"))).toEqual(["ProviderRegistered", "ProviderRegistered", "ProviderRegistered", "TaskPosted"]);
    expect(block("setup").events[0]).toEqual({ name: "ProviderRegistered", provider: v0, region: "eu-west-1", capacity: 2, stake: 2n * ETH });
    expect(block("setup").events[3]).toEqual({
      name: "TaskPosted",
      taskId: 1,
      poster: p0,
      maxPrice: ETH,
      keeperReserve: 0n,
      requirementsHash: hash("render"),
      region: "any",
      bidWindowEnd: T0 + 60,
      executionBudget: 300,
      mechanism: "FirstPrice",
    });
    expect(block("bids").events).toEqual([
      { name: "BidPlaced", taskId: 1, provider: v0, price: eth(0.5), round: 0 },
      { name: "BidPlaced", taskId: 1, provider: v1, price: eth(0.3), round: 0 },
      { name: "BidPlaced", taskId: 1, provider: v2, price: eth(0.4), round: 0 },
    ]);
    expect(refusals(block("early close"))).toEqual([{ error: "BiddingStillOpen", args: { taskId: 1n, bidWindowEnd: BigInt(T0 + 60), nowTs: BigInt(T0 + 59) } }]);
    expect(refusals(block("close"))).toEqual([{ error: "BiddingClosed", args: { taskId: 1n, bidWindowEnd: BigInt(T0 + 60), nowTs: BigInt(T0 + 60) } }]);
    expect(block("close").events).toEqual([{ name: "TaskAwarded", taskId: 1, provider: v1, bidPrice: eth(0.3), payment: eth(0.3), epoch: 1, deadline: T0 + 360 }]);
    expect(block("result").events).toEqual([
      { name: "ResultSubmitted", taskId: 1, provider: v1, epoch: 1, resultHash: hash("frame"), payment: eth(0.3), posterRefund: eth(0.7) },
    ]);
    expect(block("withdraw").events).toEqual([
      { name: "Withdrawn", account: v1, amount: eth(0.3) },
      { name: "Withdrawn", account: p0, amount: eth(0.7) },
    ]);
    expect(refusals(block("withdraw"))).toEqual([
      { error: "NothingToWithdraw", args: { account: s } },
      { error: "NothingToWithdraw", args: { account: v1 } },
    ]);
    expect(ledger.getTask(1)).toMatchObject({ status: "Completed", provider: v1, payment: eth(0.3), epoch: 1, fallbackCursor: 1, fallbackCount: 3 });
    expect(ledger.getFallbacks(1)).toEqual([
      { provider: v1, price: eth(0.3) },
      { provider: v2, price: eth(0.4) },
      { provider: v0, price: eth(0.5) },
    ]);
    expect(ledger.getProvider(v1).activeAssignments).toBe(0);
    expect([ledger.totalEscrow(), ledger.totalCredits(), ledger.totalStaked(), ledger.balance()]).toEqual([0n, 0n, 6n * ETH, 6n * ETH]);
    expect(results.map((r) => r.blockNumber)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(results.every((r) => r.gasUsed === null && r.hash === null)).toBe(true);
  });

  it("second price: the winner is paid the next kept bid, or its own price alone; ties keep the earlier bid", async () => {
    const { ledger, block } = await run("second-price payments");
    expect(ledger.getFallbacks(3)).toEqual([
      { provider: v0, price: eth(0.2) },
      { provider: v1, price: eth(0.2) },
      { provider: v3, price: eth(0.2) },
    ]);
    expect(block("close").events).toEqual([
      { name: "TaskAwarded", taskId: 1, provider: v1, bidPrice: eth(0.3), payment: eth(0.4), epoch: 1, deadline: T0 + 330 },
      { name: "TaskAwarded", taskId: 2, provider: v0, bidPrice: eth(0.6), payment: eth(0.6), epoch: 1, deadline: T0 + 330 },
      { name: "TaskAwarded", taskId: 3, provider: v0, bidPrice: eth(0.2), payment: eth(0.2), epoch: 1, deadline: T0 + 330 },
    ]);
    expect(block("results").events.map((e) => (e.name === "ResultSubmitted" ? [e.payment, e.posterRefund] : null))).toEqual([
      [eth(0.4), eth(0.6)],
      [eth(0.6), eth(0.2)],
      [eth(0.2), eth(0.8)],
    ]);
    expect([ledger.creditOf(v0), ledger.creditOf(v1), ledger.creditOf(p0), ledger.creditOf(p1)]).toEqual([eth(0.8), eth(0.4), eth(0.6), eth(0.2)]);
  });
});

describe("reroute and abandon", () => {
  it("reroutes only after the deadline: TaskRerouted, ProviderSlashed (10%), then TaskAwarded to the next fallback; an assignee past its deadline cannot abandon, and is rerouted at the full slash", async () => {
    const { ledger, block } = await run("reroute after a missed deadline");
    expect(block("award").events).toEqual([{ name: "TaskAwarded", taskId: 1, provider: v0, bidPrice: eth(0.2), payment: eth(0.25), epoch: 1, deadline: T0 + 130 }]);
    expect(refusals(block("at deadline"))).toEqual([{ error: "DeadlineNotPassed", args: { taskId: 1n, deadline: BigInt(T0 + 130), nowTs: BigInt(T0 + 130) } }]);
    expect(block("reroute").events).toEqual([
      { name: "TaskRerouted", taskId: 1, provider: v0, epoch: 1, reason: "DeadlineMissed", caller: s },
      { name: "ProviderSlashed", provider: v0, taskId: 1, amount: eth(0.2), poster: p0 },
      { name: "TaskAwarded", taskId: 1, provider: v1, bidPrice: eth(0.25), payment: eth(0.5), epoch: 2, deadline: T0 + 231 },
    ]);
    expect(refusals(block("reroute"))).toEqual([
      { error: "DeadlinePassed", args: { taskId: 1n, deadline: BigInt(T0 + 130), nowTs: BigInt(T0 + 131) } },
      { error: "StaleEpoch", args: { taskId: 1n, given: 1n, current: 2n } },
      { error: "NotAssignedProvider", args: { taskId: 1n, caller: v0, assignee: v1 } },
    ]);
    expect(refusals(block("late result"))).toEqual([{ error: "DeadlinePassed", args: { taskId: 1n, deadline: BigInt(T0 + 231), nowTs: BigInt(T0 + 232) } }]);
    // v1's deadline (T0 + 231) has passed: it may no longer abandon for the smaller slash.
    expect(refusals(block("abandon"))).toEqual([{ error: "DeadlinePassed", args: { taskId: 1n, deadline: BigInt(T0 + 231), nowTs: BigInt(T0 + 232) } }]);
    expect(block("abandon").events).toEqual([]);
    // so v2 was never assigned, and its result names an epoch that never came
    expect(refusals(block("completed at the deadline"))).toEqual([{ error: "StaleEpoch", args: { taskId: 1n, given: 3n, current: 2n } }]);
    // The reroute slashes v1 the full 10%; v2 then abandons before its own deadline (5%), and with no
    // fallback left the task goes to round 1.
    expect(refusals(block("after completion"))).toEqual([]);
    expect(block("after completion").events).toEqual([
      { name: "TaskRerouted", taskId: 1, provider: v1, epoch: 2, reason: "DeadlineMissed", caller: s },
      { name: "ProviderSlashed", provider: v1, taskId: 1, amount: eth(0.2), poster: p0 },
      { name: "TaskAwarded", taskId: 1, provider: v2, bidPrice: eth(0.5), payment: eth(0.5), epoch: 3, deadline: T0 + 500 },
      { name: "TaskRerouted", taskId: 1, provider: v2, epoch: 3, reason: "Abandoned", caller: v2 },
      { name: "ProviderSlashed", provider: v2, taskId: 1, amount: eth(0.1), poster: p0 },
      { name: "TaskReopened", taskId: 1, round: 1, bidWindowEnd: T0 + 430 },
    ]);
    expect(ledger.getTask(1)).toMatchObject({ status: "Open", round: 1, reroutes: 3, epoch: 3, fallbackCursor: 0, fallbackCount: 0, payment: 0n });
    expect(ledger.getProvider(v0)).toMatchObject({ stake: eth(1.8), slashCount: 1, slashedTotal: eth(0.2), activeAssignments: 0 });
    expect(ledger.getProvider(v1)).toMatchObject({ stake: eth(1.8), slashCount: 1, slashedTotal: eth(0.2), activeAssignments: 0 });
    expect(ledger.creditOf(p0)).toBe(eth(0.5));
  });

  it("abandon: only the assignee, slashed at abandonSlashBps (floored), and the task moves on at once", async () => {
    const { block } = await run("abandon");
    expect(refusals(block("abandon"))).toEqual([
      { error: "NotAssignedProvider", args: { taskId: 1n, caller: s, assignee: v3 } },
      { error: "NotAssignedProvider", args: { taskId: 1n, caller: v4, assignee: v3 } },
    ]);
    expect(block("abandon").events).toEqual([
      { name: "TaskRerouted", taskId: 1, provider: v3, epoch: 1, reason: "Abandoned", caller: v3 },
      // (1.5 ETH + 1 wei) × 500 / 10000, floored
      { name: "ProviderSlashed", provider: v3, taskId: 1, amount: 75_000_000_000_000_000n, poster: p0 },
      { name: "TaskAwarded", taskId: 1, provider: v4, bidPrice: eth(0.35), payment: eth(0.35), epoch: 2, deadline: T0 + 331 },
    ]);
    // Task 2's deadline (T0 + 35) has passed: abandoning it (for abandonSlashBps, 5%, rather than the
    // reroute's slashBps, 10%) is refused.
    expect(refusals(block("abandon after the deadline"))).toEqual([
      { error: "DeadlinePassed", args: { taskId: 2n, deadline: BigInt(T0 + 35), nowTs: BigInt(T0 + 40) } },
    ]);
    expect(names(block("abandon after the deadline"))).toEqual(["ResultSubmitted"]);
  });

  it("fallback exhaustion re-opens the task, failed providers may not bid again, the last round refunds", async () => {
    const { ledger, block } = await run("fallback exhaustion, re-auction, refund");
    expect(block("close round 0").events).toEqual([
      { name: "TaskAwarded", taskId: 1, provider: v0, bidPrice: eth(0.1), payment: eth(0.1), epoch: 1, deadline: T0 + 70 },
      { name: "TaskReopened", taskId: 2, round: 1, bidWindowEnd: T0 + 40 },
    ]);
    expect(names(block("first fails"))).toEqual(["TaskRerouted", "ProviderSlashed", "TaskAwarded"]);
    expect(block("second fails").events.slice(2)).toEqual([{ name: "TaskReopened", taskId: 1, round: 1, bidWindowEnd: T0 + 142 }]);
    expect(refusals(block("round 1"))).toEqual([{ error: "ProviderFailedTask", args: { taskId: 1n, provider: v0 } }]);
    expect(block("round 1").events).toEqual([
      { name: "BidPlaced", taskId: 1, provider: v2, price: eth(0.3), round: 1 },
      { name: "BidPlaced", taskId: 1, provider: v3, price: eth(0.4), round: 1 },
      { name: "TaskRefunded", taskId: 2, poster: p1, amount: ETH, reason: "NoBids" },
    ]);
    expect(refusals(block("no bids again"))).toEqual([{ error: "InvalidTaskStatus", args: { taskId: 2n, expected: 1n, actual: 4n } }]);
    expect(block("exhausted").events).toEqual([
      { name: "TaskRerouted", taskId: 1, provider: v3, epoch: 4, reason: "DeadlineMissed", caller: s },
      { name: "ProviderSlashed", provider: v3, taskId: 1, amount: eth(0.2), poster: p0 },
      { name: "TaskRefunded", taskId: 1, poster: p0, amount: ETH, reason: "FallbacksExhausted" },
    ]);
    expect(ledger.getTask(1)).toMatchObject({ status: "Refunded", round: 1, epoch: 4, reroutes: 4, fallbackCursor: 2, fallbackCount: 2, provider: "0x0000000000000000000000000000000000000000" });
    expect(ledger.creditOf(p0)).toBe(0n); // withdrawn: 0.2 + 0.2 + 0.1 + 0.2 slashed, plus the 1 ETH refund
    expect(ledger.balance()).toBe(ledger.totalStaked());
  });

  it("skips a fallback at capacity, then one without free stake, and awards the next", async () => {
    const { ledger, block } = await run("skip at capacity and for insufficient free stake");
    expect(names(block("v0 busy"))).toEqual(["TaskAwarded"]);
    expect(block("skips").events).toEqual([
      { name: "TaskAwarded", taskId: 3, provider: v1, bidPrice: eth(0.1), payment: eth(0.1), epoch: 1, deadline: T0 + 320 },
      { name: "FallbackSkipped", taskId: 2, provider: v0, reason: "AtCapacity" },
      { name: "FallbackSkipped", taskId: 2, provider: v1, reason: "InsufficientFreeStake" },
      { name: "TaskAwarded", taskId: 2, provider: v2, bidPrice: eth(0.3), payment: eth(0.3), epoch: 1, deadline: T0 + 320 },
    ]);
    expect(ledger.getTask(2).fallbackCursor).toBe(3);
    expect(ledger.unlockedStake(v1)).toBe(eth(0.5));
  });

  it("pays each fallback the price after it under second price, the last one its own", async () => {
    const { block } = await run("second price after reroutes");
    const awards = (r: BlockResult) => r.events.filter((e): e is Extract<MarketEvent, { name: "TaskAwarded" }> => e.name === "TaskAwarded").map((e) => [e.provider, e.bidPrice, e.payment]);
    expect(awards(block("second"))).toEqual([[v0, eth(0.1), eth(0.2)]]);
    expect(refusals(block("third and last"))).toEqual([{ error: "NotAssignedProvider", args: { taskId: 1n, caller: v1, assignee: v0 } }]);
    expect(awards(block("third and last"))).toEqual([
      [v1, eth(0.2), eth(0.3)],
      [v2, eth(0.3), eth(0.3)],
    ]);
    expect(block("last fallback").events[0]).toMatchObject({ name: "ResultSubmitted", provider: v2, epoch: 4, payment: eth(0.3), posterRefund: eth(0.7) });
  });
});

describe("refusals", () => {
  it("refuses with the contract's first failing check and exact arguments, and changes nothing", async () => {
    const { ledger, block } = await run("refusals");
    expect(refusals(block("setup"))).toEqual([
      { error: "ProviderAlreadyRegistered", args: { provider: v0 } },
      { error: "InvalidRegion", args: {} },
      { error: "InvalidCapacity", args: {} },
      { error: "InsufficientStake", args: { provider: v1, stake: ETH - 1n, required: ETH } },
      { error: "AmountTooLarge", args: { amount: UINT96_MAX + 1n } },
      { error: "ZeroAmount", args: {} },
      { error: "AmountTooLarge", args: { amount: UINT96_MAX + 1n } },
      { error: "BidWindowInPast", args: { bidWindowEnd: BigInt(T0), nowTs: BigInt(T0) } },
      { error: "BidWindowTooLong", args: { length: 2n ** 32n } },
      { error: "InvalidExecutionBudget", args: {} },
    ]);
    expect(names(block("setup"))).toEqual(["ProviderRegistered", "ProviderRegistered", "ProviderRegistered", "TaskPosted", "TaskPosted"]);
    expect(refusals(block("bids"))).toEqual([
      { error: "RegionMismatch", args: { taskId: 1n, required: encodeRegion("us-east-1"), actual: encodeRegion("eu-west-1") } },
      { error: "ZeroBidPrice", args: { taskId: 1n } },
      { error: "BidAboveMaxPrice", args: { taskId: 1n, price: ETH + 1n, maxPrice: ETH } },
      { error: "DuplicateBid", args: { taskId: 1n, provider: v1, round: 0n } },
      { error: "TaskNotFound", args: { taskId: 9n } },
      { error: "ProviderNotRegistered", args: { account: s } },
      { error: "DuplicateBid", args: { taskId: 2n, provider: v1, round: 0n } },
      // the price check comes before the duplicate check
      { error: "BidAboveMaxPrice", args: { taskId: 2n, price: eth(0.5) + 1n, maxPrice: eth(0.5) } },
      { error: "BiddingStillOpen", args: { taskId: 2n, bidWindowEnd: BigInt(T0 + 10), nowTs: BigInt(T0 + 1) } },
      { error: "InvalidTaskStatus", args: { taskId: 1n, expected: 2n, actual: 1n } },
    ]);
    // the refused batch [1: 0.5, 1: 0.4] left no bid behind
    expect(ledger.getFallbacks(1)).toEqual([]);
    expect(refusals(block("window end"))).toEqual([
      { error: "BiddingClosed", args: { taskId: 2n, bidWindowEnd: BigInt(T0 + 10), nowTs: BigInt(T0 + 10) } },
      { error: "InvalidTaskStatus", args: { taskId: 2n, expected: 1n, actual: 2n } },
      { error: "InvalidTaskStatus", args: { taskId: 2n, expected: 1n, actual: 2n } },
    ]);
    expect(refusals(block("results"))).toEqual([
      { error: "StaleEpoch", args: { taskId: 2n, given: 0n, current: 1n } },
      { error: "StaleEpoch", args: { taskId: 2n, given: 2n, current: 1n } },
      { error: "NotAssignedProvider", args: { taskId: 2n, caller: v1, assignee: v0 } },
    ]);
    expect(refusals(block("late"))).toEqual([{ error: "DeadlinePassed", args: { taskId: 2n, deadline: BigInt(T0 + 30), nowTs: BigInt(T0 + 31) } }]);
    expect(names(block("late"))).toEqual(["TaskRerouted", "ProviderSlashed", "TaskAwarded"]);
    expect(refusals(block("after slash"))).toEqual([
      { error: "InsufficientStake", args: { provider: v0, stake: eth(0.9), required: ETH } },
      { error: "NothingToWithdraw", args: { account: v1 } },
      { error: "NothingToWithdraw", args: { account: s } },
    ]);
    expect(block("after slash").events).toEqual([{ name: "Withdrawn", account: p1, amount: eth(0.1) }]);
  });

  it("types refusal arguments as the chain decoder does: bigint uints and enums, checksummed addresses, lowercase bytes", async () => {
    const { block } = await run("refusals");
    for (const { args } of block("bids").refused) {
      for (const value of Object.values(args)) {
        if (typeof value === "string") expect(value).toMatch(/^0x([0-9a-f]{32}|[0-9a-fA-F]{40})$/);
        else expect(typeof value).toBe("bigint");
      }
    }
  });

  it("refuses a whole batch when one of its items fails, and applies the rest in order", async () => {
    const { ledger, block } = await run("batches are all or nothing");
    expect(refusals(block("bid batches"))).toEqual([
      { error: "DuplicateBid", args: { taskId: 1n, provider: v0, round: 0n } },
      { error: "BidAboveMaxPrice", args: { taskId: 2n, price: 2n * ETH, maxPrice: ETH } },
      { error: "ProviderNotRegistered", args: { account: s } },
    ]);
    expect(names(block("bid batches"))).toEqual(["BidPlaced", "BidPlaced", "BidPlaced", "BidPlaced", "BidPlaced"]);
    expect(refusals(block("close batches"))).toEqual([
      { error: "BiddingStillOpen", args: { taskId: 2n, bidWindowEnd: BigInt(T0 + 20), nowTs: BigInt(T0 + 10) } },
      { error: "InvalidTaskStatus", args: { taskId: 1n, expected: 1n, actual: 2n } },
    ]);
    expect(names(block("close batches"))).toEqual(["TaskAwarded", "TaskAwarded"]);
    expect(refusals(block("reroute not passed"))).toEqual([
      { error: "DeadlineNotPassed", args: { taskId: 2n, deadline: BigInt(T0 + 30), nowTs: BigInt(T0 + 21) } },
      { error: "DeadlineNotPassed", args: { taskId: 1n, deadline: BigInt(T0 + 31), nowTs: BigInt(T0 + 21) } },
    ]);
    expect(block("reroute not passed").events).toEqual([]);
    expect(block("reroute batch").events).toEqual([
      { name: "TaskRerouted", taskId: 1, provider: v0, epoch: 1, reason: "DeadlineMissed", caller: s },
      { name: "ProviderSlashed", provider: v0, taskId: 1, amount: eth(0.5), poster: p0 },
      { name: "TaskAwarded", taskId: 1, provider: v1, bidPrice: eth(0.6), payment: eth(0.6), epoch: 2, deadline: T0 + 51 },
      { name: "TaskRerouted", taskId: 3, provider: v0, epoch: 1, reason: "DeadlineMissed", caller: s },
      { name: "ProviderSlashed", provider: v0, taskId: 3, amount: eth(0.45), poster: p1 },
      { name: "TaskAwarded", taskId: 3, provider: v1, bidPrice: eth(0.6), payment: eth(0.6), epoch: 2, deadline: T0 + 71 },
      { name: "TaskRerouted", taskId: 2, provider: v0, epoch: 1, reason: "DeadlineMissed", caller: s },
      { name: "ProviderSlashed", provider: v0, taskId: 2, amount: eth(0.405), poster: p0 },
      { name: "TaskReopened", taskId: 2, round: 1, bidWindowEnd: T0 + 61 },
    ]);
    expect(ledger.getProvider(v0)).toMatchObject({ stake: 5n * ETH - eth(1.355), slashCount: 3, activeAssignments: 0 });
  });

  it("orders actions inside a block: each sees the ones before it", async () => {
    const { ledger, results, block } = await run("same block ordering");
    expect(refusals(results[0]!)).toEqual([
      { error: "ProviderNotRegistered", args: { account: v0 } },
      { error: "TaskNotFound", args: { taskId: 1n } },
    ]);
    expect(refusals(results[1]!)).toEqual([{ error: "BiddingClosed", args: { taskId: 1n, bidWindowEnd: BigInt(T0 + 1), nowTs: BigInt(T0 + 1) } }]);
    expect(ledger.getFallbacks(2)).toEqual([{ provider: v0, price: 1n }]);
    expect(results[2]!.events.map((e) => e.name)).toEqual(["TaskRerouted", "ProviderSlashed", "TaskRefunded"]);
    expect(results[2]!.events[2]).toMatchObject({ reason: "FallbacksExhausted" });
    expect(refusals(results[2]!)).toEqual([{ error: "InvalidTaskStatus", args: { taskId: 1n, expected: 2n, actual: 4n } }]);
    expect(results[2]!.timestamp).toBe(results[1]!.timestamp);
    expect(refusals(block("depth 1"))).toEqual([
      { error: "NotAssignedProvider", args: { taskId: 2n, caller: v1, assignee: v0 } },
      { error: "InvalidTaskStatus", args: { taskId: 2n, expected: 1n, actual: 2n } },
    ]);
  });
});

describe("cancel, stake and capacity actions", () => {
  it("stake top-ups, capacity, unbonding with its delay, and the locks of active assignments", async () => {
    const { ledger, block } = await run("provider stake and capacity");
    expect(refusals(block("setup"))).toEqual([
      { error: "ProviderNotRegistered", args: { account: v0 } },
      { error: "ProviderNotRegistered", args: { account: v0 } },
      { error: "ProviderNotRegistered", args: { account: v0 } },
      { error: "NothingToWithdraw", args: { account: v0 } },
      { error: "ZeroAmount", args: {} },
      { error: "AmountTooLarge", args: { amount: UINT96_MAX + 1n } },
      { error: "InvalidCapacity", args: {} },
    ]);
    expect(block("setup").events.find((e) => e.name === "StakeAdded")).toEqual({ name: "StakeAdded", provider: v0, amount: ETH, stake: 3n * ETH });
    expect(block("capacity 1").events.map((e) => e.name)).toEqual(["TaskAwarded", "FallbackSkipped", "TaskAwarded"]);
    expect(refusals(block("locked"))).toEqual([
      { error: "StakeLocked", args: { provider: v0, requested: 2n * ETH + 1n, unlocked: 2n * ETH } },
      { error: "ZeroAmount", args: {} },
    ]);
    expect(block("locked").events).toEqual([
      { name: "CapacityUpdated", provider: v0, capacity: 2 },
      { name: "StakeWithdrawalRequested", provider: v0, amount: eth(1.5), unbonding: eth(1.5), readyAt: T0 + 11 + 3_600 },
    ]);
    expect(block("unbonding").events).toEqual([{ name: "StakeWithdrawalRequested", provider: v0, amount: eth(0.5), unbonding: 2n * ETH, readyAt: T0 + 20 + 3_600 }]);
    expect(refusals(block("unbonding"))).toEqual([
      { error: "UnbondingNotFinished", args: { provider: v0, readyAt: BigInt(T0 + 3_620), nowTs: BigInt(T0 + 20) } },
      { error: "NothingToWithdraw", args: { account: v1 } },
    ]);
    expect(refusals(block("too early"))).toEqual([{ error: "UnbondingNotFinished", args: { provider: v0, readyAt: BigInt(T0 + 3_620), nowTs: BigInt(T0 + 3_619) } }]);
    expect(block("withdrawn").events).toEqual([{ name: "StakeWithdrawn", provider: v0, amount: 2n * ETH }]);
    expect(refusals(block("withdrawn"))).toEqual([
      { error: "NothingToWithdraw", args: { account: v0 } },
      { error: "DeadlinePassed", args: { taskId: 1n, deadline: BigInt(T0 + 110), nowTs: BigInt(T0 + 3_620) } },
    ]);
    expect(refusals(block("all out"))).toEqual([
      { error: "StakeLocked", args: { provider: v1, requested: ETH, unlocked: 0n } },
      { error: "InvalidTaskStatus", args: { taskId: 1n, expected: 1n, actual: 2n } },
    ]);
    expect(ledger.getProvider(v0)).toEqual({
      stake: ETH,
      region: "eu-west-1",
      capacity: 2,
      unbonding: 0n,
      unbondingReadyAt: T0 + 3_620,
      activeAssignments: 1,
      slashCount: 0,
      registered: true,
      slashedTotal: 0n,
    });
    expect(ledger.unlockedStake(v0)).toBe(0n);
  });

  it("cancel: poster only, no bids this round, a full refund; also after a re-auction", async () => {
    const { block } = await run("cancel");
    expect(refusals(block("cancel"))).toEqual([
      { error: "NotTaskPoster", args: { taskId: 1n, caller: p1, poster: p0 } },
      { error: "TaskNotFound", args: { taskId: 9n } },
      { error: "TaskHasBids", args: { taskId: 2n, bids: 1n } },
      { error: "InvalidTaskStatus", args: { taskId: 1n, expected: 1n, actual: 4n } },
    ]);
    expect(block("cancel").events.at(-1)).toEqual({ name: "TaskRefunded", taskId: 1, poster: p0, amount: ETH, reason: "Cancelled" });
    expect(names(block("reopened"))).toEqual(["TaskReopened", "TaskRefunded"]);
    expect(refusals(block("awarded"))).toEqual([{ error: "InvalidTaskStatus", args: { taskId: 2n, expected: 1n, actual: 2n } }]);
  });

  it("never reverts with Panic: a deposit taking stake + unbonding past 2^96 - 1 is AmountTooLarge(that sum), so unbonding cannot overflow", async () => {
    const { ledger, block, results } = await run("unbonding overflow and uint96 bounds");
    expect(refusals(block("overflow"))).toEqual([
      { error: "AmountTooLarge", args: { amount: 2n * UINT96_MAX } },
      { error: "StakeLocked", args: { provider: v0, requested: UINT96_MAX, unlocked: 0n } },
      { error: "StakeLocked", args: { provider: v0, requested: 1n, unlocked: 0n } },
    ]);
    // an escrow of 2^96 - 1 is above the 88-bit bound: task 1 is never posted
    expect(refusals(results[2]!)).toEqual([
      { error: "StakeLocked", args: { provider: v0, requested: 1n, unlocked: 0n } },
      { error: "AmountTooLarge", args: { amount: UINT96_MAX } },
    ]);
    expect(results.flatMap((r) => r.refused).some((r) => r.error === "Panic")).toBe(false);
    expect(ledger.getProvider(v0)).toMatchObject({ stake: 0n, unbonding: 0n, slashedTotal: 0n });
    expect(ledger.taskCount()).toBe(0);
  });
});

describe("deliberate changes of the gas-optimised contract", () => {
  it("(a) refuses an escrow above 2^88 - 1 with AmountTooLarge(escrow), and keeps prices up to 2^88 - 1 exactly", async () => {
    const { ledger, block } = await run("escrow and prices at the 88-bit bound");
    expect(refusals(block("post"))).toEqual([
      { error: "AmountTooLarge", args: { amount: UINT88_MAX + 1n } },
      { error: "AmountTooLarge", args: { amount: UINT96_MAX } },
    ]);
    expect(block("post").events.at(-1)).toMatchObject({ name: "TaskPosted", taskId: 1, maxPrice: UINT88_MAX });
    expect(refusals(block("bids"))).toEqual([{ error: "BidAboveMaxPrice", args: { taskId: 1n, price: UINT88_MAX + 1n, maxPrice: UINT88_MAX } }]);
    expect(ledger.getFallbacks(1)).toEqual([
      { provider: v1, price: UINT88_MAX - 1n },
      { provider: v0, price: UINT88_MAX },
    ]);
    expect(block("close").events).toEqual([
      { name: "TaskAwarded", taskId: 1, provider: v1, bidPrice: UINT88_MAX - 1n, payment: UINT88_MAX - 1n, epoch: 1, deadline: T0 + 310 },
    ]);
    expect(block("result").events).toEqual([
      { name: "ResultSubmitted", taskId: 1, provider: v1, epoch: 1, resultHash: hash("done"), payment: UINT88_MAX - 1n, posterRefund: 1n },
      { name: "Withdrawn", account: v1, amount: UINT88_MAX - 1n },
      { name: "Withdrawn", account: p0, amount: 1n },
    ]);
    expect([ledger.totalEscrow(), ledger.totalCredits(), ledger.balance()]).toEqual([0n, 0n, 4n * ETH]);
  });

  it("(b) lets an assignee abandon up to its deadline; after it, DeadlinePassed, checked after the status and the assignee", async () => {
    const { ledger, block } = await run("abandon up to the deadline only");
    expect(block("at the deadline").events).toEqual([
      { name: "TaskRerouted", taskId: 1, provider: v0, epoch: 1, reason: "Abandoned", caller: v0 },
      { name: "ProviderSlashed", provider: v0, taskId: 1, amount: eth(0.1), poster: p0 },
      { name: "TaskAwarded", taskId: 1, provider: v1, bidPrice: eth(0.2), payment: eth(0.2), epoch: 2, deadline: T0 + 50 },
    ]);
    expect(refusals(block("after the deadline"))).toEqual([
      { error: "NotAssignedProvider", args: { taskId: 2n, caller: v1, assignee: v0 } },
      { error: "NotAssignedProvider", args: { taskId: 2n, caller: s, assignee: v0 } },
      { error: "DeadlinePassed", args: { taskId: 2n, deadline: BigInt(T0 + 30), nowTs: BigInt(T0 + 31) } },
      { error: "TaskNotFound", args: { taskId: 3n } },
    ]);
    // the late assignee is rerouted instead, at the full slash: 10% of the 1.9 ETH left
    expect(block("after the deadline").events).toEqual([
      { name: "TaskRerouted", taskId: 2, provider: v0, epoch: 1, reason: "DeadlineMissed", caller: s },
      { name: "ProviderSlashed", provider: v0, taskId: 2, amount: eth(0.19), poster: p1 },
      { name: "TaskAwarded", taskId: 2, provider: v1, bidPrice: eth(0.2), payment: eth(0.2), epoch: 2, deadline: T0 + 51 },
    ]);
    expect(refusals(block("fallback"))).toEqual([{ error: "DeadlinePassed", args: { taskId: 1n, deadline: BigInt(T0 + 50), nowTs: BigInt(T0 + 51) } }]);
    expect(names(block("fallback"))).toEqual(["TaskRerouted", "ProviderSlashed", "TaskReopened"]);
    expect(ledger.getTask(1)).toMatchObject({ status: "Awarded", provider: v1, epoch: 2, reroutes: 1 });
    expect(ledger.getProvider(v0)).toMatchObject({ stake: eth(1.71), slashCount: 2, slashedTotal: eth(0.29), activeAssignments: 0 });
  });

  it("(c) bounds stake + unbonding by 2^96 - 1 with AmountTooLarge(stake + unbonding + value), and counts slashes past 2^96", async () => {
    const { ledger, block } = await run("stake bounds and slashedTotal past 2^96");
    expect(refusals(block("stake"))).toEqual([
      // stake 2^96 - 1 - 4 ETH, unbonding 1 ETH: 3 ETH + 1 wei is one wei too many
      { error: "AmountTooLarge", args: { amount: UINT96_MAX + 1n } },
      // with stake + unbonding at 2^96 - 1, not one wei more
      { error: "AmountTooLarge", args: { amount: UINT96_MAX + 1n } },
      // all of it unbonding still counts
      { error: "AmountTooLarge", args: { amount: 2n * UINT96_MAX } },
      { error: "AmountTooLarge", args: { amount: UINT96_MAX + 1n } },
      { error: "AmountTooLarge", args: { amount: UINT96_MAX + 1n } },
    ]);
    expect(block("stake").events.slice(2, 4)).toEqual([
      { name: "StakeAdded", provider: v0, amount: 3n * ETH, stake: UINT96_MAX - ETH },
      { name: "StakeWithdrawalRequested", provider: v0, amount: UINT96_MAX - ETH, unbonding: UINT96_MAX, readyAt: T0 },
    ]);
    expect(block("first slash").events[1]).toEqual({ name: "ProviderSlashed", provider: v1, taskId: 1, amount: UINT96_MAX, poster: p0 });
    expect(block("second slash").events[1]).toEqual({ name: "ProviderSlashed", provider: v1, taskId: 2, amount: UINT96_MAX, poster: p0 });
    expect(ledger.getProvider(v1)).toMatchObject({ stake: 0n, slashCount: 2, slashedTotal: 2n * UINT96_MAX });
    expect(block("second slash").events.slice(3)).toEqual([
      { name: "Withdrawn", account: p0, amount: 2n * UINT96_MAX },
      { name: "StakeWithdrawn", provider: v0, amount: UINT96_MAX },
    ]);
  });
});

describe("the ledger itself", () => {
  it("numbers blocks from 1, keeps timestamps from going back, and allows equal timestamps", async () => {
    const ledger = new MemoryLedger(LEDGER_TEST_CONFIG);
    expect(ledger.blockNumber).toBe(0);
    expect((await ledger.commitBlock(T0, [])).blockNumber).toBe(1);
    expect((await ledger.commitBlock(T0, [])).blockNumber).toBe(2);
    await expect(ledger.commitBlock(T0 - 1, [])).rejects.toThrow(RangeError);
    await expect(ledger.commitBlock(T0 + 0.5, [])).rejects.toThrow(RangeError);
    expect(ledger.blockNumber).toBe(2);
    expect(ledger.timestamp).toBe(T0);
    expect(ledger.kind).toBe("memory");
  });

  it("throws RangeError for an action the chain could not encode, before applying any action of the block", async () => {
    const ledger = new MemoryLedger(LEDGER_TEST_CONFIG);
    const before = ledger.dump();
    for (const bad of [
      act.register(v0, { region: "a-region-name-longer-than-16-bytes" }),
      act.register(v0, { capacity: 2 ** 32 }),
      { ...act.post(p0, T0 + 10), requirementsHash: "0x1234" },
      { ...act.post(p0, T0 + 10), mechanism: "Dutch" as never },
      act.bids(v0, [-1, 1n]),
      act.result(v0, 1, 2 ** 32),
      act.withdraw("0xnot-an-address"),
    ]) {
      await expect(ledger.commitBlock(T0, [act.register(v1), bad])).rejects.toThrow(RangeError);
    }
    expect(ledger.dump()).toEqual(before);
  });

  it("a refused action leaves the state exactly as it was, whatever it touched before failing", async () => {
    const { ledger } = await run("batches are all or nothing");
    const before = ledger.dump();
    // each of these mutates state before the failing check in its loop
    const block = await ledger.commitBlock(T0 + 42, [
      act.reroute(s, 1, 3),
      act.close(s, 2, 2),
      act.bids(v2, [2, eth(0.1)], [2, eth(0.2)]),
      act.result(v1, 1, 9),
    ]);
    expect(block.refused).toHaveLength(4);
    expect(block.events).toEqual([]);
    expect({ ...ledger.dump(), blockNumber: 0, timestamp: 0 }).toEqual({ ...before, blockNumber: 0, timestamp: 0 });
  });

  it("snapshot/restore and clone give independent copies", async () => {
    const { ledger } = await run("second-price payments");
    const snap = ledger.snapshot();
    const copy = ledger.clone();
    const original = ledger.dump();
    await ledger.commitBlock(T0 + 50, [act.withdraw(v0), act.withdraw(p0)]);
    expect(ledger.creditOf(v0)).toBe(0n);
    expect(copy.dump()).toEqual(original);
    ledger.restore(snap);
    expect(ledger.dump()).toEqual(original);
    await copy.commitBlock(T0 + 60, [act.withdraw(v1)]);
    expect(ledger.creditOf(v1)).toBe(eth(0.4));
    ledger.restore(snap); // a snapshot can be restored again
    expect(ledger.dump()).toEqual(original);
  });

  it("reports hashes lowercase and addresses checksummed, as the chain's logs decode", async () => {
    const ledger = new MemoryLedger(LEDGER_TEST_CONFIG);
    const upper = `0x${hash("x").slice(2).toUpperCase()}`;
    const block = await ledger.commitBlock(T0, [{ ...act.post(p0.toLowerCase(), T0 + 10), requirementsHash: upper }]);
    expect(block.events[0]).toMatchObject({ poster: p0, requirementsHash: hash("x") });
    expect(ledger.getTask(1).poster).toBe(p0);
  });

  it("validates the config like the constructor, and its views refuse unknown tasks like the contract", () => {
    expect(() => new MemoryLedger({ ...LEDGER_TEST_CONFIG, fallbackDepth: 9 })).toThrow(MarketRefusal);
    try {
      new MemoryLedger({ ...LEDGER_TEST_CONFIG, abandonSlashBps: 1_001 });
    } catch (error) {
      expect(error).toMatchObject({ errorName: "InvalidConfig", errorArgs: { field: 3n, value: 1_001n } });
    }
    const ledger = new MemoryLedger(LEDGER_TEST_CONFIG);
    expect(() => ledger.getTask(1)).toThrow(expect.objectContaining({ errorName: "TaskNotFound", errorArgs: { taskId: 1n } }));
    expect(ledger.getProvider(v0)).toMatchObject({ registered: false, region: "any", stake: 0n });
  });
});
