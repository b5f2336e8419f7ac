import { describe, expect, it } from "vitest";
import { id, parseEther, type JsonRpcSigner } from "ethers";
import { ComputeMarket__factory } from "../../types/ethers-contracts/index.js";
import { deployMarket, readMarketConfig } from "../../sim/chain/deploy.js";
import { keeperReserve } from "../../sim/protocol/market-config.js";
import {
  as,
  atTime,
  closeAtWindowEnd,
  mined,
  now,
  passDeadline,
  postTask,
  registerProvider,
  TEST_CONFIG,
  useMarketFixture,
} from "../helpers/market-fixture.js";
import {
  ConfigField,
  creditOf,
  ev,
  expectEvents,
  expectRevert,
  FailureReason,
  marketEvents,
  Mechanism,
  receivedBy,
  RefundReason,
  Status,
  type Receipt,
} from "../helpers/market-assertions.js";

// Keeper fees: every closeAuction and every reroute after a missed deadline credits its caller
// keeperFee from the task's keeper reserve, which postTask escrows on top of maxPrice
// (keeperFee × maxRounds × (fallbackDepth + 1)); what is left returns to the poster at the end.

const FEE = parseEther("0.01");
const fx = useMarketFixture({ keeperFee: FEE });
// TEST_CONFIG: two rounds, depth 3: per round one close and up to three reroutes.
const CALLS = BigInt(TEST_CONFIG.maxRounds * (TEST_CONFIG.fallbackDepth + 1));
const RESERVE = FEE * CALLS; // 0.08 ETH
const MAX_PRICE = parseEther("1");
const BUDGET = 300;

const addr = (s: JsonRpcSigner) => s.getAddress();

/** Registers the bidders, posts a task (1 ETH + reserve), has each bid, closes at the window end. */
async function awardedTask(bidders: JsonRpcSigner[], prices: string[]) {
  for (const p of bidders) await registerProvider(fx, p);
  const taskId = await postTask(fx, fx.posters[0]!, { maxPrice: MAX_PRICE, budget: BUDGET });
  await fx.conserved();
  for (const [i, p] of bidders.entries()) await mined(as(fx, p).placeBid(taskId, parseEther(prices[i]!)));
  const { end, receipt } = await closeAtWindowEnd(fx, taskId);
  await fx.conserved();
  return { taskId, deadline: end + BUDGET, closeReceipt: receipt };
}

async function reserveLeft(taskId: bigint): Promise<bigint> {
  return (await fx.market.getTask(taskId)).keeperReserve;
}

function keeperPaid(receipt: Receipt) {
  return marketEvents(fx, receipt).filter((e) => e.name === "KeeperPaid");
}

describe("deployment with a keeper fee", () => {
  it("reports keeperFee in config() and keeperFee × maxRounds × (fallbackDepth + 1) from keeperReserve()", async () => {
    expect(await readMarketConfig(fx.market)).toEqual({ ...TEST_CONFIG, keeperFee: FEE });
    expect(await fx.market.keeperReserve()).toBe(RESERVE);
    expect(keeperReserve(fx.config)).toBe(RESERVE);
  });

  it("refuses a fee whose reserve reaches 2^88 - 1 with InvalidConfig(KeeperFee, fee), and accepts the largest below it", async () => {
    const limit = 2n ** 88n - 1n;
    const tooLarge = limit / CALLS + 1n; // reserve > limit
    await expectRevert(fx, new ComputeMarket__factory(fx.deployer).deploy({ ...TEST_CONFIG, keeperFee: tooLarge }), "InvalidConfig", {
      field: ConfigField.KeeperFee,
      value: tooLarge,
    });
    // The largest fee whose reserve stays below the bound.
    const largest = (limit - 1n) / CALLS;
    const { market } = await deployMarket(fx.chain, fx.deployer, { ...TEST_CONFIG, keeperFee: largest });
    expect(await market.keeperReserve()).toBe(largest * CALLS);
    expect(largest * CALLS < limit).toBe(true);
    // A reserve exactly at the bound is refused too (maxRounds 1, depth 1: two calls).
    const odd = { ...TEST_CONFIG, maxRounds: 1, fallbackDepth: 1 };
    const atBound = (limit + 1n) / 2n; // 2 × atBound = 2^88 > limit
    await expectRevert(fx, new ComputeMarket__factory(fx.deployer).deploy({ ...odd, keeperFee: atBound }), "InvalidConfig", {
      field: ConfigField.KeeperFee,
      value: atBound,
    });
  });
});

describe("postTask escrows maxPrice + keeper reserve", () => {
  it("takes msg.value = maxPrice + reserve: TaskPosted(maxPrice, keeperReserve), maxPrice the bid cap, totalEscrow the whole value", async () => {
    const poster = fx.posters[0]!;
    const at = (await now(fx)) + 1;
    await atTime(fx, at);
    const receipt = await mined(
      as(fx, poster).postTask(id("job"), "0x" + "00".repeat(16), at + 60, BUDGET, Number(Mechanism.FirstPrice), { value: MAX_PRICE + RESERVE }),
    );
    expectEvents(fx, receipt, [
      ev("TaskPosted", {
        taskId: 1,
        poster: await addr(poster),
        maxPrice: MAX_PRICE,
        keeperReserve: RESERVE,
        requirementsHash: id("job"),
        region: "0x" + "00".repeat(16),
        bidWindowEnd: at + 60,
        executionBudget: BUDGET,
        mechanism: Mechanism.FirstPrice,
      }),
    ]);
    const task = await fx.market.getTask(1n);
    expect(task.maxPrice).toBe(MAX_PRICE);
    expect(task.keeperReserve).toBe(RESERVE);
    expect(await fx.market.totalEscrow()).toBe(MAX_PRICE + RESERVE);
    await fx.conserved();
    await registerProvider(fx, fx.providers[0]!);
    await expectRevert(fx, as(fx, fx.providers[0]!).placeBid(1n, MAX_PRICE + 1n), "BidAboveMaxPrice", { taskId: 1, price: MAX_PRICE + 1n, maxPrice: MAX_PRICE });
    await mined(as(fx, fx.providers[0]!).placeBid(1n, MAX_PRICE));
    await fx.conserved();
  });

  it("refuses msg.value ≤ reserve with EscrowBelowKeeperReserve(value, reserve), and no value with ZeroAmount", async () => {
    const poster = fx.posters[0]!;
    const at = (await now(fx)) + 10;
    const post = (value: bigint) => as(fx, poster).postTask(id("job"), "0x" + "00".repeat(16), at + 60, BUDGET, 0, { value });
    await expectRevert(fx, post(RESERVE), "EscrowBelowKeeperReserve", { value: RESERVE, reserve: RESERVE });
    await expectRevert(fx, post(1n), "EscrowBelowKeeperReserve", { value: 1n, reserve: RESERVE });
    await expectRevert(fx, post(0n), "ZeroAmount", {});
    const tooLarge = 2n ** 88n;
    await expectRevert(fx, post(tooLarge), "AmountTooLarge", { amount: tooLarge });
    expect(await fx.market.taskCount()).toBe(0n);
    // One wei above the reserve is a task with maxPrice 1.
    const taskId = await postTask(fx, poster, { value: RESERVE + 1n });
    expect((await fx.market.getTask(taskId)).maxPrice).toBe(1n);
    await fx.conserved();
  });
});

describe("closeAuction pays its caller", () => {
  it("on an award: KeeperPaid first, a credit of keeperFee to the caller, withdrawable", async () => {
    const [p1, p2] = fx.providers as [JsonRpcSigner, JsonRpcSigner];
    const { taskId, closeReceipt } = await awardedTask([p1, p2], ["0.1", "0.2"]);
    const events = marketEvents(fx, closeReceipt);
    expect(events.map((e) => e.name)).toEqual(["KeeperPaid", "TaskAwarded"]);
    expect(events[0]).toEqual(ev("KeeperPaid", { taskId, keeper: await addr(fx.stranger), amount: FEE }));
    expect(await creditOf(fx, fx.stranger)).toBe(FEE);
    expect(await reserveLeft(taskId)).toBe(RESERVE - FEE);
    const keeper = await addr(fx.stranger);
    const { receipt, received } = await receivedBy(fx, keeper, () => mined(as(fx, fx.stranger).withdraw()));
    expect(received).toBe(FEE);
    expectEvents(fx, receipt, [ev("Withdrawn", { account: keeper, amount: FEE })]);
    await fx.conserved();
  });

  it("on a re-auction (no bids, rounds left) and on the final refund: each close pays, the refund returns maxPrice + reserve left", async () => {
    const poster = fx.posters[0]!;
    const taskId = await postTask(fx, poster, { maxPrice: MAX_PRICE });
    const first = await closeAtWindowEnd(fx, taskId);
    expect(marketEvents(fx, first.receipt).map((e) => e.name)).toEqual(["KeeperPaid", "TaskReopened"]);
    await fx.conserved();
    const second = await closeAtWindowEnd(fx, taskId);
    const refund = MAX_PRICE + RESERVE - 2n * FEE;
    expectEvents(fx, second.receipt, [
      ev("KeeperPaid", { taskId, keeper: await addr(fx.stranger), amount: FEE }),
      ev("TaskRefunded", { taskId, poster: await addr(poster), amount: refund, reason: RefundReason.NoBids }),
    ]);
    expect(await creditOf(fx, fx.stranger)).toBe(2n * FEE);
    expect(await creditOf(fx, poster)).toBe(refund);
    expect(await reserveLeft(taskId)).toBe(0n);
    expect(await fx.market.totalEscrow()).toBe(0n);
    await fx.conserved();
  });

  it("closeAuctions credits the caller once for the batch, with one KeeperPaid per task", async () => {
    const poster = fx.posters[0]!;
    const ids = [await postTask(fx, poster), await postTask(fx, poster), await postTask(fx, poster)];
    const end = Number((await fx.market.getTask(ids[2]!)).bidWindowEnd);
    await atTime(fx, end);
    const receipt = await mined(as(fx, fx.stranger).closeAuctions(ids));
    const keeper = await addr(fx.stranger);
    expect(keeperPaid(receipt)).toEqual(ids.map((taskId) => ev("KeeperPaid", { taskId, keeper, amount: FEE })));
    expect(await creditOf(fx, fx.stranger)).toBe(3n * FEE);
    await fx.conserved();
  });
});

describe("reroute after a missed deadline pays its caller; abandon does not", () => {
  it("reroute: KeeperPaid, then TaskRerouted, ProviderSlashed, TaskAwarded; the caller is credited", async () => {
    const [p1, p2] = fx.providers as [JsonRpcSigner, JsonRpcSigner];
    const { taskId } = await awardedTask([p1, p2], ["0.1", "0.2"]);
    await passDeadline(fx, taskId);
    const keeper = fx.posters[1]!;
    const receipt = await mined(as(fx, keeper).reroute(taskId));
    const events = marketEvents(fx, receipt);
    expect(events.map((e) => e.name)).toEqual(["KeeperPaid", "TaskRerouted", "ProviderSlashed", "TaskAwarded"]);
    expect(events[0]).toEqual(ev("KeeperPaid", { taskId, keeper: await addr(keeper), amount: FEE }));
    expect(events[1]!.args["reason"]).toBe(FailureReason.DeadlineMissed);
    expect(await creditOf(fx, keeper)).toBe(FEE);
    expect(await reserveLeft(taskId)).toBe(RESERVE - 2n * FEE);
    await fx.conserved();
  });

  it("abandonTask pays no keeper fee and leaves the reserve as it was", async () => {
    const [p1, p2] = fx.providers as [JsonRpcSigner, JsonRpcSigner];
    const { taskId } = await awardedTask([p1, p2], ["0.1", "0.2"]);
    const before = await reserveLeft(taskId);
    const receipt = await mined(as(fx, p1).abandonTask(taskId));
    expect(keeperPaid(receipt)).toEqual([]);
    expect(await reserveLeft(taskId)).toBe(before);
    await fx.conserved();
  });

  it("rerouteTasks credits the caller once, with one KeeperPaid per task", async () => {
    const [p1, p2] = fx.providers as [JsonRpcSigner, JsonRpcSigner];
    await registerProvider(fx, p1);
    await registerProvider(fx, p2);
    const poster = fx.posters[0]!;
    const ids = [await postTask(fx, poster, { budget: BUDGET }), await postTask(fx, poster, { budget: BUDGET })];
    for (const taskId of ids) {
      await mined(as(fx, p1).placeBid(taskId, parseEther("0.1")));
      await mined(as(fx, p2).placeBid(taskId, parseEther("0.2")));
    }
    await atTime(fx, Number((await fx.market.getTask(ids[1]!)).bidWindowEnd));
    await mined(as(fx, fx.stranger).closeAuctions(ids));
    await passDeadline(fx, ids[1]!);
    const keeper = fx.posters[1]!;
    const receipt = await mined(as(fx, keeper).rerouteTasks(ids));
    const k = await addr(keeper);
    expect(keeperPaid(receipt)).toEqual(ids.map((taskId) => ev("KeeperPaid", { taskId, keeper: k, amount: FEE })));
    expect(await creditOf(fx, keeper)).toBe(2n * FEE);
    await fx.conserved();
  });
});

describe("what is left of the reserve goes back to the poster", () => {
  it("in ResultSubmitted.posterRefund: maxPrice - payment + reserve left", async () => {
    const [p1] = fx.providers as [JsonRpcSigner];
    const { taskId } = await awardedTask([p1], ["0.1"]);
    const poster = fx.posters[0]!;
    const receipt = await mined(as(fx, p1).submitResult(taskId, 1, id("result")));
    const posterRefund = MAX_PRICE - parseEther("0.1") + RESERVE - FEE;
    expectEvents(fx, receipt, [
      ev("ResultSubmitted", { taskId, provider: await addr(p1), epoch: 1, resultHash: id("result"), payment: parseEther("0.1"), posterRefund }),
    ]);
    expect(await creditOf(fx, poster)).toBe(posterRefund);
    expect(await reserveLeft(taskId)).toBe(0n);
    expect((await fx.market.getTask(taskId)).status).toBe(Status.Completed);
    expect(await fx.market.totalEscrow()).toBe(0n);
    await fx.conserved();
  });

  it("in TaskRefunded.amount on cancelTask: the whole escrow, reserve included", async () => {
    const poster = fx.posters[0]!;
    const taskId = await postTask(fx, poster);
    const receipt = await mined(as(fx, poster).cancelTask(taskId));
    expectEvents(fx, receipt, [ev("TaskRefunded", { taskId, poster: await addr(poster), amount: MAX_PRICE + RESERVE, reason: RefundReason.Cancelled })]);
    expect(await fx.market.totalEscrow()).toBe(0n);
    await fx.conserved();
  });

  it("never runs out: every round's close and every fallback missing its deadline are paid, and the refund holds exactly maxPrice", async () => {
    // A provider that failed the task may not bid on it again: fresh bidders each round.
    for (const p of fx.providers.slice(0, 6)) await registerProvider(fx, p);
    const poster = fx.posters[0]!;
    const taskId = await postTask(fx, poster, { budget: BUDGET });
    let paid = 0n;
    const count = (receipt: Receipt) => (paid += BigInt(keeperPaid(receipt).length));
    for (let round = 0; round < TEST_CONFIG.maxRounds; round += 1) {
      const bidders = fx.providers.slice(3 * round, 3 * round + 3);
      for (const [i, p] of bidders.entries()) await mined(as(fx, p).placeBid(taskId, parseEther(String(0.1 * (i + 1)))));
      count((await closeAtWindowEnd(fx, taskId)).receipt);
      await fx.conserved();
      for (let k = 0; k < TEST_CONFIG.fallbackDepth; k += 1) {
        await passDeadline(fx, taskId);
        count(await mined(as(fx, fx.stranger).reroute(taskId)));
        await fx.conserved();
      }
    }
    expect(paid).toBe(CALLS);
    expect(await creditOf(fx, fx.stranger)).toBe(RESERVE);
    const task = await fx.market.getTask(taskId);
    expect(task.status).toBe(Status.Refunded);
    expect(task.keeperReserve).toBe(0n);
    const refunded = (await fx.market.queryFilter(fx.market.filters.TaskRefunded(taskId))).at(-1)!;
    expect(refunded.args.amount).toBe(MAX_PRICE);
    expect(refunded.args.reason).toBe(RefundReason.FallbacksExhausted);
    expect(await fx.market.totalEscrow()).toBe(0n);
    await fx.conserved();
  });
});
