import { describe, expect, it } from "vitest";
import { id, parseEther, ZeroAddress, ZeroHash } from "ethers";
import { encodeRegion, ANY_REGION } from "../../sim/protocol/region.js";
import {
  as,
  atTime,
  closeAfterWindow,
  FIRST_PRICE,
  mineAt,
  mined,
  now,
  passDeadline,
  postTask,
  registerProvider,
  SECOND_PRICE,
  useMarketFixture,
  type MarketFixture,
} from "../helpers/market-fixture.js";
import { expectRevert, rawMarketEvents, receivedBy, RefundReason, Status } from "../helpers/market-assertions.js";

// postTask, getTask and cancelTask: what a posted task stores and emits, every refusal with its
// exact arguments, and the full refund of a cancelled task — with escrow conservation after every
// successful step.

const fx = useMarketFixture();

/** Every field of a stored task, as plain values. */
async function taskOf(taskId: bigint) {
  const t = await fx.market.getTask(taskId);
  return {
    poster: t.poster,
    maxPrice: t.maxPrice,
    provider: t.provider,
    payment: t.payment,
    requirementsHash: t.requirementsHash,
    region: t.region,
    bidWindowEnd: t.bidWindowEnd,
    deadline: t.deadline,
    executionBudget: t.executionBudget,
    mechanism: t.mechanism,
    status: t.status,
    bidWindowLength: t.bidWindowLength,
    epoch: t.epoch,
    reroutes: t.reroutes,
    round: t.round,
    fallbackCursor: t.fallbackCursor,
    fallbackCount: t.fallbackCount,
  };
}

/** A timestamp safely after the latest block, for pinning the next transaction. */
async function nextTs(ahead = 10): Promise<number> {
  return (await now(fx)) + ahead;
}

describe("postTask", () => {
  it("stores every field exactly: poster, maxPrice, hash, region, window end and length, budget, mechanism, status Open, epoch 0, round 0", async () => {
    const poster = fx.posters[0]!;
    const nowTs = await nextTs();
    const end = nowTs + 120;
    await atTime(fx, nowTs);
    const receipt = await mined(
      as(fx, poster).postTask(id("transcode 4k"), encodeRegion("us-east-1"), end, 450, SECOND_PRICE, {
        value: parseEther("1.5"),
      }),
    );
    expect(await now(fx)).toBe(nowTs);
    expect((await fx.chain.provider.getBlock(receipt.blockNumber))?.timestamp).toBe(nowTs);

    expect(await taskOf(1n)).toEqual({
      poster: await poster.getAddress(),
      maxPrice: parseEther("1.5"),
      provider: ZeroAddress,
      payment: 0n,
      requirementsHash: id("transcode 4k"),
      region: encodeRegion("us-east-1"),
      bidWindowEnd: BigInt(end),
      deadline: 0n,
      executionBudget: 450n,
      mechanism: BigInt(SECOND_PRICE),
      status: Status.Open,
      bidWindowLength: 120n,
      epoch: 0n,
      reroutes: 0n,
      round: 0n,
      fallbackCursor: 0n,
      fallbackCount: 0n,
    });
    expect(await fx.market.getFallbacks(1n)).toEqual([]);
    await fx.conserved();
  });

  it("stores a zero region as any region and the first-price mechanism as 0", async () => {
    const poster = fx.posters[1]!;
    const nowTs = await nextTs();
    await atTime(fx, nowTs);
    await mined(as(fx, poster).postTask(ZeroHash, ANY_REGION, nowTs + 1, 1, FIRST_PRICE, { value: 1n }));
    const task = await taskOf(1n);
    expect(task.region).toBe(ANY_REGION);
    expect(task.mechanism).toBe(0n);
    expect(task.requirementsHash).toBe(ZeroHash);
    expect(task.maxPrice).toBe(1n);
    expect(task.bidWindowEnd).toBe(BigInt(nowTs + 1));
    expect(task.bidWindowLength).toBe(1n);
    expect(task.executionBudget).toBe(1n);
    expect(task.poster).toBe(await poster.getAddress());
    await fx.conserved();
  });

  it("emits exactly one TaskPosted with taskId, poster, maxPrice, keeperReserve, requirementsHash, region, bidWindowEnd, executionBudget and mechanism", async () => {
    const poster = fx.posters[0]!;
    const nowTs = await nextTs();
    const end = nowTs + 90;
    await atTime(fx, nowTs);
    const receipt = await mined(
      as(fx, poster).postTask(id("train model"), encodeRegion("eu-west-1"), end, 600, SECOND_PRICE, {
        value: parseEther("0.8"),
      }),
    );
    expect(rawMarketEvents(fx, receipt)).toEqual([
      {
        name: "TaskPosted",
        args: {
          taskId: 1n,
          poster: await poster.getAddress(),
          maxPrice: parseEther("0.8"),
          keeperReserve: 0n,
          requirementsHash: id("train model"),
          region: encodeRegion("eu-west-1"),
          bidWindowEnd: BigInt(end),
          executionBudget: 600n,
          mechanism: BigInt(SECOND_PRICE),
        },
      },
    ]);
    await fx.conserved();
  });

  it("numbers tasks from 1 in posting order, returns the id, and counts them in taskCount", async () => {
    const [alice, bob] = fx.posters as [MarketFixture["posters"][0], MarketFixture["posters"][0]];
    expect(await fx.market.taskCount()).toBe(0n);
    const end = (await now(fx)) + 600;
    expect(await as(fx, alice).postTask.staticCall(ZeroHash, ANY_REGION, end, 10, FIRST_PRICE, { value: 1n })).toBe(1n);

    const first = await postTask(fx, alice);
    await fx.conserved();
    expect(first).toBe(1n);
    expect(await fx.market.taskCount()).toBe(1n);
    const second = await postTask(fx, bob);
    await fx.conserved();
    expect(second).toBe(2n);
    expect(await fx.market.taskCount()).toBe(2n);
    const third = await postTask(fx, alice);
    await fx.conserved();
    expect(third).toBe(3n);
    expect(await fx.market.taskCount()).toBe(3n);

    expect((await fx.market.getTask(1n)).poster).toBe(await alice.getAddress());
    expect((await fx.market.getTask(2n)).poster).toBe(await bob.getAddress());
    expect((await fx.market.getTask(3n)).poster).toBe(await alice.getAddress());
  });

  it("adds each task's maxPrice to totalEscrow and holds it in the contract balance", async () => {
    expect(await fx.market.totalEscrow()).toBe(0n);
    await postTask(fx, fx.posters[0]!, { maxPrice: parseEther("1") });
    await fx.conserved();
    expect(await fx.market.totalEscrow()).toBe(parseEther("1"));
    expect(await fx.chain.provider.getBalance(fx.address)).toBe(parseEther("1"));
    await postTask(fx, fx.posters[1]!, { maxPrice: parseEther("0.25") });
    await fx.conserved();
    expect(await fx.market.totalEscrow()).toBe(parseEther("1.25"));
    expect(await fx.chain.provider.getBalance(fx.address)).toBe(parseEther("1.25"));
    expect(await fx.market.totalCredits()).toBe(0n);
  });

  it("accepts a bid window of exactly 2^32 - 1 seconds", async () => {
    const nowTs = await nextTs();
    const end = nowTs + 2 ** 32 - 1;
    await atTime(fx, nowTs);
    await mined(as(fx, fx.posters[0]!).postTask(ZeroHash, ANY_REGION, end, 10, FIRST_PRICE, { value: 1n }));
    const task = await taskOf(1n);
    expect(task.bidWindowLength).toBe(2n ** 32n - 1n);
    expect(task.bidWindowEnd).toBe(BigInt(end));
    await fx.conserved();
  });

  describe("refusals (nothing is stored)", () => {
    async function expectNothingPosted() {
      expect(await fx.market.taskCount()).toBe(0n);
      expect(await fx.market.totalEscrow()).toBe(0n);
      expect(await fx.chain.provider.getBalance(fx.address)).toBe(0n);
    }

    it("reverts ZeroAmount when posted with no value", async () => {
      const end = (await now(fx)) + 600;
      await expectRevert(
        fx,
        as(fx, fx.posters[0]!).postTask(ZeroHash, ANY_REGION, end, 10, FIRST_PRICE, { value: 0n }),
        "ZeroAmount",
        {},
      );
      await expectNothingPosted();
    });

    it("reverts BidWindowInPast(bidWindowEnd, nowTs) when the window ends at the current block timestamp", async () => {
      const nowTs = await nextTs();
      await atTime(fx, nowTs);
      await expectRevert(
        fx,
        as(fx, fx.posters[0]!).postTask(ZeroHash, ANY_REGION, nowTs, 10, FIRST_PRICE, { value: 1n }),
        "BidWindowInPast",
        { bidWindowEnd: nowTs, nowTs },
      );
      await mineAt(fx, nowTs);
      await expectNothingPosted();
    });

    it("reverts BidWindowInPast(bidWindowEnd, nowTs) when the window ended before the current block timestamp", async () => {
      const nowTs = await nextTs();
      await atTime(fx, nowTs);
      await expectRevert(
        fx,
        as(fx, fx.posters[0]!).postTask(ZeroHash, ANY_REGION, nowTs - 1, 10, FIRST_PRICE, { value: 1n }),
        "BidWindowInPast",
        { bidWindowEnd: nowTs - 1, nowTs },
      );
      await mineAt(fx, nowTs);
      await expectNothingPosted();
    });

    it("reverts BidWindowTooLong(length) for a window of 2^32 seconds", async () => {
      const nowTs = await nextTs();
      await atTime(fx, nowTs);
      await expectRevert(
        fx,
        as(fx, fx.posters[0]!).postTask(ZeroHash, ANY_REGION, nowTs + 2 ** 32, 10, FIRST_PRICE, { value: 1n }),
        "BidWindowTooLong",
        { length: 2n ** 32n },
      );
      await mineAt(fx, nowTs);
      await expectNothingPosted();
    });

    it("reverts InvalidExecutionBudget for an execution budget of 0", async () => {
      const end = (await now(fx)) + 600;
      await expectRevert(
        fx,
        as(fx, fx.posters[0]!).postTask(ZeroHash, ANY_REGION, end, 0, FIRST_PRICE, { value: 1n }),
        "InvalidExecutionBudget",
        {},
      );
      await expectNothingPosted();
    });
  });
});

describe("getTask", () => {
  it("reverts TaskNotFound(taskId) for id 0 and for an id above taskCount", async () => {
    await expectRevert(fx, fx.market.getTask(0n), "TaskNotFound", { taskId: 0n });
    await expectRevert(fx, fx.market.getTask(1n), "TaskNotFound", { taskId: 1n });
    await postTask(fx, fx.posters[0]!);
    await fx.conserved();
    expect((await fx.market.getTask(1n)).status).toBe(Status.Open);
    await expectRevert(fx, fx.market.getTask(2n), "TaskNotFound", { taskId: 2n });
  });
});

describe("cancelTask", () => {
  it("refunds an Open task with no bids: status Refunded, one TaskRefunded(Cancelled), the full escrow credited to the poster", async () => {
    const poster = fx.posters[0]!;
    const posterAddress = await poster.getAddress();
    const taskId = await postTask(fx, poster, { maxPrice: parseEther("0.7") });
    await fx.conserved();

    const receipt = await mined(as(fx, poster).cancelTask(taskId));
    await fx.conserved();
    expect(rawMarketEvents(fx, receipt)).toEqual([
      {
        name: "TaskRefunded",
        args: { taskId, poster: posterAddress, amount: parseEther("0.7"), reason: RefundReason.Cancelled },
      },
    ]);
    expect((await fx.market.getTask(taskId)).status).toBe(Status.Refunded);
    expect(await fx.market.creditOf(posterAddress)).toBe(parseEther("0.7"));
    expect(await fx.market.totalEscrow()).toBe(0n);
    expect(await fx.market.totalCredits()).toBe(parseEther("0.7"));
    // The refund is a credit: the ether stays in the contract until the poster withdraws it.
    expect(await fx.chain.provider.getBalance(fx.address)).toBe(parseEther("0.7"));
  });

  it("lets the poster withdraw exactly the refunded escrow after cancelling", async () => {
    const poster = fx.posters[1]!;
    const posterAddress = await poster.getAddress();
    const taskId = await postTask(fx, poster, { maxPrice: parseEther("0.4") });
    await fx.conserved();
    await mined(as(fx, poster).cancelTask(taskId));
    await fx.conserved();

    const { received } = await receivedBy(fx, posterAddress, () => mined(as(fx, poster).withdraw()));
    await fx.conserved();
    expect(received).toBe(parseEther("0.4"));
    expect(await fx.market.creditOf(posterAddress)).toBe(0n);
    expect(await fx.chain.provider.getBalance(fx.address)).toBe(0n);
  });

  it("leaves the poster's other tasks and their escrow untouched", async () => {
    const poster = fx.posters[0]!;
    const kept = await postTask(fx, poster, { maxPrice: parseEther("0.3") });
    const cancelled = await postTask(fx, poster, { maxPrice: parseEther("0.5") });
    await fx.conserved();
    await mined(as(fx, poster).cancelTask(cancelled));
    await fx.conserved();
    expect((await fx.market.getTask(kept)).status).toBe(Status.Open);
    expect((await fx.market.getTask(cancelled)).status).toBe(Status.Refunded);
    expect(await fx.market.totalEscrow()).toBe(parseEther("0.3"));
    expect(await fx.market.creditOf(await poster.getAddress())).toBe(parseEther("0.5"));
  });

  it("refunds the full escrow of a reopened task whose earlier round had bids but whose current round has none", async () => {
    const [p1] = fx.providers;
    await registerProvider(fx, p1!);
    const poster = fx.posters[0]!;
    const posterAddress = await poster.getAddress();
    const taskId = await postTask(fx, poster, { maxPrice: parseEther("1") });
    await mined(as(fx, p1!).placeBid(taskId, parseEther("0.2")));
    await fx.conserved();
    await closeAfterWindow(fx, taskId);
    await fx.conserved();
    await passDeadline(fx, taskId);
    await mined(as(fx, fx.stranger).reroute(taskId));
    await fx.conserved();
    const reopened = await fx.market.getTask(taskId);
    expect(reopened.status).toBe(Status.Open);
    expect(reopened.round).toBe(1n);
    expect(reopened.fallbackCount).toBe(0n);
    const slash = await fx.market.creditOf(posterAddress);
    expect(slash).toBe((fx.config.minStake * 2n * BigInt(fx.config.slashBps)) / 10_000n);

    const receipt = await mined(as(fx, poster).cancelTask(taskId));
    await fx.conserved();
    expect(rawMarketEvents(fx, receipt)).toEqual([
      {
        name: "TaskRefunded",
        args: { taskId, poster: posterAddress, amount: parseEther("1"), reason: RefundReason.Cancelled },
      },
    ]);
    expect((await fx.market.getTask(taskId)).status).toBe(Status.Refunded);
    expect(await fx.market.creditOf(posterAddress)).toBe(slash + parseEther("1"));
    expect(await fx.market.totalEscrow()).toBe(0n);
  });

  it("reverts NotTaskPoster(taskId, caller, poster) when a stranger or another poster cancels", async () => {
    const poster = fx.posters[0]!;
    const taskId = await postTask(fx, poster);
    await fx.conserved();
    await expectRevert(fx, as(fx, fx.stranger).cancelTask(taskId), "NotTaskPoster", {
      taskId,
      caller: await fx.stranger.getAddress(),
      poster: await poster.getAddress(),
    });
    await expectRevert(fx, as(fx, fx.posters[1]!).cancelTask(taskId), "NotTaskPoster", {
      taskId,
      caller: await fx.posters[1]!.getAddress(),
      poster: await poster.getAddress(),
    });
    expect((await fx.market.getTask(taskId)).status).toBe(Status.Open);
    expect(await fx.market.totalEscrow()).toBe(parseEther("1"));
  });

  it("reverts TaskHasBids(taskId, bids) with the number of bids kept this round", async () => {
    const [p1, p2] = fx.providers;
    await registerProvider(fx, p1!);
    await registerProvider(fx, p2!);
    const poster = fx.posters[0]!;
    const taskId = await postTask(fx, poster);
    await mined(as(fx, p1!).placeBid(taskId, parseEther("0.5")));
    await fx.conserved();
    await expectRevert(fx, as(fx, poster).cancelTask(taskId), "TaskHasBids", { taskId, bids: 1n });
    await mined(as(fx, p2!).placeBid(taskId, parseEther("0.4")));
    await fx.conserved();
    await expectRevert(fx, as(fx, poster).cancelTask(taskId), "TaskHasBids", { taskId, bids: 2n });
    expect((await fx.market.getTask(taskId)).status).toBe(Status.Open);
    expect(await fx.market.creditOf(await poster.getAddress())).toBe(0n);
  });

  it("reverts InvalidTaskStatus(taskId, Open, Awarded) once the task is awarded", async () => {
    const [p1] = fx.providers;
    await registerProvider(fx, p1!);
    const poster = fx.posters[0]!;
    const taskId = await postTask(fx, poster);
    await mined(as(fx, p1!).placeBid(taskId, parseEther("0.5")));
    await closeAfterWindow(fx, taskId);
    await fx.conserved();
    expect((await fx.market.getTask(taskId)).status).toBe(Status.Awarded);
    await expectRevert(fx, as(fx, poster).cancelTask(taskId), "InvalidTaskStatus", {
      taskId,
      expected: Status.Open,
      actual: Status.Awarded,
    });
    expect(await fx.market.creditOf(await poster.getAddress())).toBe(0n);
  });

  it("reverts InvalidTaskStatus(taskId, Open, Refunded) when cancelled a second time", async () => {
    const poster = fx.posters[0]!;
    const taskId = await postTask(fx, poster, { maxPrice: parseEther("0.6") });
    await mined(as(fx, poster).cancelTask(taskId));
    await fx.conserved();
    await expectRevert(fx, as(fx, poster).cancelTask(taskId), "InvalidTaskStatus", {
      taskId,
      expected: Status.Open,
      actual: Status.Refunded,
    });
    expect(await fx.market.creditOf(await poster.getAddress())).toBe(parseEther("0.6"));
  });

  it("reverts TaskNotFound(taskId) for an id that was never posted", async () => {
    await expectRevert(fx, as(fx, fx.posters[0]!).cancelTask(1n), "TaskNotFound", { taskId: 1n });
    await postTask(fx, fx.posters[0]!);
    await expectRevert(fx, as(fx, fx.posters[0]!).cancelTask(7n), "TaskNotFound", { taskId: 7n });
  });
});
