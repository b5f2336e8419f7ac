import { describe, expect, it } from "vitest";
import { parseEther, ZeroAddress, type JsonRpcSigner } from "ethers";
import {
  as,
  atTime,
  closeAfterWindow,
  closeAtWindowEnd,
  mined,
  now,
  postTask,
  registerProvider,
  SECOND_PRICE,
  useMarketFixture,
} from "../helpers/market-fixture.js";
import {
  activeAssignments,
  ev,
  expectEvents,
  expectRevert,
  Status,
  taskState,
  type Receipt,
} from "../helpers/market-assertions.js";

// closeAuction and closeAuctions: awards, re-auctions, refunds, skipped winners and refusals.

const fx = useMarketFixture();

// ---------------------------------------------------------------- helpers

async function blockTime(receipt: Receipt): Promise<number> {
  return (await receipt.getBlock()).timestamp;
}

/** Timestamp of the block that posted the task. */
async function postedAt(taskId: bigint): Promise<number> {
  const [log] = await fx.market.queryFilter(fx.market.filters.TaskPosted(taskId));
  if (log === undefined) throw new Error(`no TaskPosted for task ${taskId}`);
  return (await log.getBlock()).timestamp;
}

function signers(n: number): JsonRpcSigner[] {
  return fx.providers.slice(0, n);
}

// ---------------------------------------------------------------- awards

describe("closeAuction awards the best bid", () => {
  it("lets a stranger close at exactly bidWindowEnd and emits TaskAwarded(provider, bidPrice, payment, epoch 1, deadline = block time + budget)", async () => {
    const [p1, p2, p3] = signers(3) as [JsonRpcSigner, JsonRpcSigner, JsonRpcSigner];
    for (const p of [p1, p2, p3]) await registerProvider(fx, p);
    await fx.conserved();
    const taskId = await postTask(fx, fx.posters[0]!, { budget: 300 });
    await fx.conserved();
    await mined(as(fx, p1).placeBid(taskId, parseEther("0.5")));
    await mined(as(fx, p2).placeBid(taskId, parseEther("0.3")));
    await mined(as(fx, p3).placeBid(taskId, parseEther("0.4")));
    await fx.conserved();

    const { end, receipt } = await closeAtWindowEnd(fx, taskId);
    const ts = await blockTime(receipt);
    expect(ts).toBe(end);
    expectEvents(fx, receipt, [
      ev("TaskAwarded", {
        taskId,
        provider: await p2.getAddress(),
        bidPrice: parseEther("0.3"),
        payment: parseEther("0.3"),
        epoch: 1,
        deadline: ts + 300,
      }),
    ]);
    await fx.conserved();

    const task = await fx.market.getTask(taskId);
    expect(task.status).toBe(Status.Awarded);
    expect(task.provider).toBe(await p2.getAddress());
    expect(task.payment).toBe(parseEther("0.3"));
    expect(task.epoch).toBe(1n);
    expect(task.deadline).toBe(BigInt(ts + 300));
    expect(task.fallbackCursor).toBe(1n);
    expect(task.fallbackCount).toBe(3n);
    expect(await activeAssignments(fx, p1)).toBe(0n);
    expect(await activeAssignments(fx, p2)).toBe(1n);
    expect(await activeAssignments(fx, p3)).toBe(0n);
    // Closing moves no money: the escrow stays locked until a result or a refund.
    expect(await fx.market.totalEscrow()).toBe(parseEther("1"));
    expect(await fx.market.totalCredits()).toBe(0n);
  });

  it.each([
    ["the poster", () => fx.posters[0]!],
    ["a bidder that lost", () => fx.providers[1]!],
    ["the deployer", () => fx.deployer],
  ])("lets %s close the auction too", async (_label, closer) => {
    const [p1, p2] = signers(2) as [JsonRpcSigner, JsonRpcSigner];
    await registerProvider(fx, p1);
    await registerProvider(fx, p2);
    const taskId = await postTask(fx, fx.posters[0]!);
    await mined(as(fx, p1).placeBid(taskId, parseEther("0.2")));
    await mined(as(fx, p2).placeBid(taskId, parseEther("0.7")));
    await closeAfterWindow(fx, taskId, closer());
    await fx.conserved();
    const task = await fx.market.getTask(taskId);
    expect(task.status).toBe(Status.Awarded);
    expect(task.provider).toBe(await p1.getAddress());
  });

  it("emits TaskAwarded with the second-best price as payment under second price", async () => {
    const [p1, p2, p3] = signers(3) as [JsonRpcSigner, JsonRpcSigner, JsonRpcSigner];
    for (const p of [p1, p2, p3]) await registerProvider(fx, p);
    const taskId = await postTask(fx, fx.posters[0]!, { mechanism: SECOND_PRICE, budget: 500 });
    await mined(as(fx, p1).placeBid(taskId, parseEther("0.6")));
    await mined(as(fx, p2).placeBid(taskId, parseEther("0.2")));
    await mined(as(fx, p3).placeBid(taskId, parseEther("0.45")));
    await fx.conserved();
    const { end, receipt } = await closeAtWindowEnd(fx, taskId, { after: 10 });
    expectEvents(fx, receipt, [
      ev("TaskAwarded", {
        taskId,
        provider: await p2.getAddress(),
        bidPrice: parseEther("0.2"),
        payment: parseEther("0.45"),
        epoch: 1,
        deadline: end + 10 + 500,
      }),
    ]);
    await fx.conserved();
    expect((await fx.market.getTask(taskId)).payment).toBe(parseEther("0.45"));
  });
});

// ---------------------------------------------------------------- refusals

describe("closeAuction refusals", () => {
  it("reverts BiddingStillOpen(taskId, bidWindowEnd, nowTs) one second before the window ends and changes nothing", async () => {
    const [p1] = signers(1) as [JsonRpcSigner];
    await registerProvider(fx, p1);
    const taskId = await postTask(fx, fx.posters[0]!, { window: 120 });
    await mined(as(fx, p1).placeBid(taskId, parseEther("0.2")));
    const before = await taskState(fx, taskId);
    const end = Number(before["bidWindowEnd"]);

    await atTime(fx, end - 1);
    await expectRevert(fx, as(fx, fx.stranger).closeAuction(taskId), "BiddingStillOpen", {
      taskId,
      bidWindowEnd: end,
      nowTs: end - 1,
    });
    expect(await taskState(fx, taskId)).toEqual(before);
    expect(await activeAssignments(fx, p1)).toBe(0n);
    await fx.conserved();
  });

  it("reverts BiddingStillOpen in the block right after posting", async () => {
    const taskId = await postTask(fx, fx.posters[0]!, { window: 60 });
    const end = Number((await fx.market.getTask(taskId)).bidWindowEnd);
    const t = (await now(fx)) + 1;
    await atTime(fx, t);
    await expectRevert(fx, as(fx, fx.stranger).closeAuction(taskId), "BiddingStillOpen", {
      taskId,
      bidWindowEnd: end,
      nowTs: t,
    });
    expect((await fx.market.getTask(taskId)).status).toBe(Status.Open);
  });

  it("reverts InvalidTaskStatus(taskId, Open, Awarded) on an awarded task and keeps the award", async () => {
    const [p1] = signers(1) as [JsonRpcSigner];
    await registerProvider(fx, p1);
    const taskId = await postTask(fx, fx.posters[0]!);
    await mined(as(fx, p1).placeBid(taskId, parseEther("0.2")));
    await closeAfterWindow(fx, taskId);
    const before = await taskState(fx, taskId);
    await expectRevert(fx, as(fx, fx.stranger).closeAuction(taskId), "InvalidTaskStatus", {
      taskId,
      expected: Status.Open,
      actual: Status.Awarded,
    });
    expect(await taskState(fx, taskId)).toEqual(before);
    expect(await activeAssignments(fx, p1)).toBe(1n);
  });

  it("reverts InvalidTaskStatus(taskId, Open, Refunded) on a cancelled task", async () => {
    const taskId = await postTask(fx, fx.posters[0]!);
    await mined(as(fx, fx.posters[0]!).cancelTask(taskId));
    await atTime(fx, Number((await fx.market.getTask(taskId)).bidWindowEnd));
    await expectRevert(fx, as(fx, fx.stranger).closeAuction(taskId), "InvalidTaskStatus", {
      taskId,
      expected: Status.Open,
      actual: Status.Refunded,
    });
  });

  it("reverts TaskNotFound for id 0 and for an id past taskCount", async () => {
    const taskId = await postTask(fx, fx.posters[0]!);
    await expectRevert(fx, as(fx, fx.stranger).closeAuction(0n), "TaskNotFound", { taskId: 0n });
    await expectRevert(fx, as(fx, fx.stranger).closeAuction(taskId + 1n), "TaskNotFound", { taskId: taskId + 1n });
  });
});

// ---------------------------------------------------------------- closeAuctions

describe("closeAuctions", () => {
  it("closes several auctions in one transaction, each with its own outcome, in the order given", async () => {
    const [p1, p2, p3] = signers(3) as [JsonRpcSigner, JsonRpcSigner, JsonRpcSigner];
    for (const p of [p1, p2, p3]) await registerProvider(fx, p);
    const poster = fx.posters[0]!;
    const t1 = await postTask(fx, poster, { window: 60, budget: 100 });
    const t2 = await postTask(fx, fx.posters[1]!, { window: 60, budget: 200, mechanism: SECOND_PRICE });
    const t3 = await postTask(fx, poster, { window: 60 });
    await mined(as(fx, p1).placeBid(t1, parseEther("0.3")));
    await mined(as(fx, p2).placeBid(t1, parseEther("0.1")));
    await mined(as(fx, p3).placeBid(t2, parseEther("0.4")));
    await mined(as(fx, p1).placeBid(t2, parseEther("0.5")));
    await fx.conserved();

    const ends = await Promise.all([t1, t2, t3].map(async (t) => Number((await fx.market.getTask(t)).bidWindowEnd)));
    const at = Math.max(...ends) + 5;
    const t3Length = Number((await fx.market.getTask(t3)).bidWindowLength);
    await atTime(fx, at);
    const receipt = await mined(as(fx, fx.stranger).closeAuctions([t2, t1, t3]));
    expectEvents(fx, receipt, [
      ev("TaskAwarded", {
        taskId: t2,
        provider: await p3.getAddress(),
        bidPrice: parseEther("0.4"),
        payment: parseEther("0.5"),
        epoch: 1,
        deadline: at + 200,
      }),
      ev("TaskAwarded", {
        taskId: t1,
        provider: await p2.getAddress(),
        bidPrice: parseEther("0.1"),
        payment: parseEther("0.1"),
        epoch: 1,
        deadline: at + 100,
      }),
      ev("TaskReopened", { taskId: t3, round: 1, bidWindowEnd: at + t3Length }),
    ]);
    await fx.conserved();
    expect((await fx.market.getTask(t1)).status).toBe(Status.Awarded);
    expect((await fx.market.getTask(t2)).status).toBe(Status.Awarded);
    expect((await fx.market.getTask(t3)).status).toBe(Status.Open);
    expect(await activeAssignments(fx, p1)).toBe(0n);
    expect(await activeAssignments(fx, p2)).toBe(1n);
    expect(await activeAssignments(fx, p3)).toBe(1n);
  });

  it("is all or nothing: one task whose window is still open reverts the batch and closes none", async () => {
    const [p1, p2] = signers(2) as [JsonRpcSigner, JsonRpcSigner];
    await registerProvider(fx, p1);
    await registerProvider(fx, p2);
    const t1 = await postTask(fx, fx.posters[0]!, { window: 60 });
    const t2 = await postTask(fx, fx.posters[0]!, { window: 600 });
    await mined(as(fx, p1).placeBid(t1, parseEther("0.2")));
    await mined(as(fx, p2).placeBid(t2, parseEther("0.2")));
    const before1 = await taskState(fx, t1);
    const before2 = await taskState(fx, t2);
    const end1 = Number(before1["bidWindowEnd"]);
    const end2 = Number(before2["bidWindowEnd"]);

    await atTime(fx, end1);
    await expectRevert(fx, as(fx, fx.stranger).closeAuctions([t1, t2]), "BiddingStillOpen", {
      taskId: t2,
      bidWindowEnd: end2,
      nowTs: end1,
    });
    expect(await taskState(fx, t1)).toEqual(before1);
    expect(await taskState(fx, t2)).toEqual(before2);
    expect(await activeAssignments(fx, p1)).toBe(0n);
    expect(await activeAssignments(fx, p2)).toBe(0n);
    await fx.conserved();
  });

  it("is all or nothing: an unknown id or the same id twice reverts the batch and closes none", async () => {
    const [p1] = signers(1) as [JsonRpcSigner];
    await registerProvider(fx, p1);
    const t1 = await postTask(fx, fx.posters[0]!, { window: 60 });
    await mined(as(fx, p1).placeBid(t1, parseEther("0.2")));
    const before = await taskState(fx, t1);
    await atTime(fx, Number(before["bidWindowEnd"]));
    await expectRevert(fx, as(fx, fx.stranger).closeAuctions([t1, 99n]), "TaskNotFound", { taskId: 99n });
    expect(await taskState(fx, t1)).toEqual(before);
    await expectRevert(fx, as(fx, fx.stranger).closeAuctions([t1, t1]), "InvalidTaskStatus", {
      taskId: t1,
      expected: Status.Open,
      actual: Status.Awarded,
    });
    expect(await taskState(fx, t1)).toEqual(before);
    expect(await activeAssignments(fx, p1)).toBe(0n);
    await fx.conserved();
  });
});

// ---------------------------------------------------------------- no bids

describe("closeAuction with no bids", () => {
  it("re-opens on the first close: TaskReopened(taskId, round 1, bidWindowEnd = now + original window length)", async () => {
    const poster = fx.posters[0]!;
    const taskId = await postTask(fx, poster, { window: 90 });
    await fx.conserved();
    const posted = await fx.market.getTask(taskId);
    const end = Number(posted.bidWindowEnd);
    // The original window runs from the posting block to bidWindowEnd.
    const length = end - (await postedAt(taskId));
    expect(posted.bidWindowLength).toBe(BigInt(length));
    const at = end + 17;
    await atTime(fx, at);
    const receipt = await mined(as(fx, fx.stranger).closeAuction(taskId));
    expectEvents(fx, receipt, [ev("TaskReopened", { taskId, round: 1, bidWindowEnd: at + length })]);
    await fx.conserved();
    const task = await fx.market.getTask(taskId);
    expect(task.status).toBe(Status.Open);
    expect(task.round).toBe(1n);
    expect(task.bidWindowEnd).toBe(BigInt(at + length));
    expect(task.bidWindowLength).toBe(BigInt(length));
    expect(task.epoch).toBe(0n);
    expect(task.provider).toBe(ZeroAddress);
    expect(await fx.market.totalEscrow()).toBe(parseEther("1"));
    expect(await fx.market.creditOf(await poster.getAddress())).toBe(0n);
  });

  it("refunds on the second close with TaskRefunded(taskId, poster, maxPrice, NoBids)", async () => {
    const poster = fx.posters[0]!;
    const taskId = await postTask(fx, poster, { window: 90, maxPrice: parseEther("0.75") });
    await closeAfterWindow(fx, taskId);
    await fx.conserved();
    const newEnd = Number((await fx.market.getTask(taskId)).bidWindowEnd);

    await atTime(fx, newEnd - 1);
    await expectRevert(fx, as(fx, fx.stranger).closeAuction(taskId), "BiddingStillOpen", {
      taskId,
      bidWindowEnd: newEnd,
      nowTs: newEnd - 1,
    });

    await atTime(fx, newEnd);
    const receipt = await mined(as(fx, fx.stranger).closeAuction(taskId));
    expectEvents(fx, receipt, [
      ev("TaskRefunded", { taskId, poster: await poster.getAddress(), amount: parseEther("0.75"), reason: 1 }),
    ]);
    await fx.conserved();
    const task = await fx.market.getTask(taskId);
    expect(task.status).toBe(Status.Refunded);
    expect(task.round).toBe(1n);
    expect(await fx.market.creditOf(await poster.getAddress())).toBe(parseEther("0.75"));
    expect(await fx.market.totalEscrow()).toBe(0n);

    await expectRevert(fx, as(fx, fx.stranger).closeAuction(taskId), "InvalidTaskStatus", {
      taskId,
      expected: Status.Open,
      actual: Status.Refunded,
    });
  });

  it("takes bids in round 1 after a re-open and awards them", async () => {
    const [p1] = signers(1) as [JsonRpcSigner];
    await registerProvider(fx, p1);
    const taskId = await postTask(fx, fx.posters[0]!, { window: 60, budget: 400 });
    await closeAfterWindow(fx, taskId);
    const bid = await mined(as(fx, p1).placeBid(taskId, parseEther("0.3")));
    expectEvents(fx, bid, [
      ev("BidPlaced", { taskId, provider: await p1.getAddress(), price: parseEther("0.3"), round: 1 }),
    ]);
    await fx.conserved();
    const { end, receipt } = await closeAtWindowEnd(fx, taskId);
    expectEvents(fx, receipt, [
      ev("TaskAwarded", {
        taskId,
        provider: await p1.getAddress(),
        bidPrice: parseEther("0.3"),
        payment: parseEther("0.3"),
        epoch: 1,
        deadline: end + 400,
      }),
    ]);
    await fx.conserved();
  });
});

// ---------------------------------------------------------------- skipped winners

describe("closeAuction skips ineligible winners", () => {
  /** Registers `busy` with the given options and awards it task A, then opens task B. */
  async function busyProviderAndSecondTask(busyOptions: { capacity?: number; stake?: bigint }) {
    const [busy, other] = signers(2) as [JsonRpcSigner, JsonRpcSigner];
    await registerProvider(fx, busy, busyOptions);
    await registerProvider(fx, other);
    await fx.conserved();
    const taskA = await postTask(fx, fx.posters[0]!, { window: 60 });
    const taskB = await postTask(fx, fx.posters[1]!, { window: 300, budget: 250 });
    await mined(as(fx, busy).placeBid(taskA, parseEther("0.5")));
    await closeAfterWindow(fx, taskA);
    await fx.conserved();
    expect((await fx.market.getTask(taskA)).provider).toBe(await busy.getAddress());
    expect(await activeAssignments(fx, busy)).toBe(1n);
    return { busy, other, taskA, taskB };
  }

  it("skips a winner at capacity with FallbackSkipped(taskId, provider, AtCapacity) and awards the next bid", async () => {
    const { busy, other, taskB } = await busyProviderAndSecondTask({ capacity: 1 });
    await mined(as(fx, busy).placeBid(taskB, parseEther("0.1")));
    await mined(as(fx, other).placeBid(taskB, parseEther("0.2")));
    await fx.conserved();

    const { end, receipt } = await closeAtWindowEnd(fx, taskB);
    expectEvents(fx, receipt, [
      ev("FallbackSkipped", { taskId: taskB, provider: await busy.getAddress(), reason: 0 }),
      ev("TaskAwarded", {
        taskId: taskB,
        provider: await other.getAddress(),
        bidPrice: parseEther("0.2"),
        payment: parseEther("0.2"),
        epoch: 1,
        deadline: end + 250,
      }),
    ]);
    await fx.conserved();
    const task = await fx.market.getTask(taskB);
    expect(task.provider).toBe(await other.getAddress());
    expect(task.epoch).toBe(1n);
    expect(task.fallbackCursor).toBe(2n);
    expect(await activeAssignments(fx, busy)).toBe(1n);
    expect(await activeAssignments(fx, other)).toBe(1n);
  });

  it("skips a winner whose free stake is below minStake with FallbackSkipped(taskId, provider, InsufficientFreeStake)", async () => {
    const { busy, other, taskB } = await busyProviderAndSecondTask({ capacity: 4, stake: fx.config.minStake });
    // Its whole stake is locked by task A, yet it still has minStake and may bid.
    expect(await fx.market.unlockedStake(await busy.getAddress())).toBe(0n);
    await mined(as(fx, busy).placeBid(taskB, parseEther("0.1")));
    await mined(as(fx, other).placeBid(taskB, parseEther("0.2")));
    await fx.conserved();

    const { end, receipt } = await closeAtWindowEnd(fx, taskB, { after: 3 });
    expectEvents(fx, receipt, [
      ev("FallbackSkipped", { taskId: taskB, provider: await busy.getAddress(), reason: 1 }),
      ev("TaskAwarded", {
        taskId: taskB,
        provider: await other.getAddress(),
        bidPrice: parseEther("0.2"),
        payment: parseEther("0.2"),
        epoch: 1,
        deadline: end + 3 + 250,
      }),
    ]);
    await fx.conserved();
    expect((await fx.market.getTask(taskB)).provider).toBe(await other.getAddress());
    expect(await activeAssignments(fx, busy)).toBe(1n);
    expect(await activeAssignments(fx, other)).toBe(1n);
  });

  it("pays a second-price winner that follows a skipped bid the price of the bid after it", async () => {
    const { busy, other } = await busyProviderAndSecondTask({ capacity: 1 });
    const third = fx.providers[2]!;
    await registerProvider(fx, third);
    const taskC = await postTask(fx, fx.posters[0]!, { window: 100, mechanism: SECOND_PRICE, budget: 50 });
    await mined(as(fx, busy).placeBid(taskC, parseEther("0.1")));
    await mined(as(fx, other).placeBid(taskC, parseEther("0.2")));
    await mined(as(fx, third).placeBid(taskC, parseEther("0.35")));
    await fx.conserved();
    const { end, receipt } = await closeAtWindowEnd(fx, taskC);
    expectEvents(fx, receipt, [
      ev("FallbackSkipped", { taskId: taskC, provider: await busy.getAddress(), reason: 0 }),
      ev("TaskAwarded", {
        taskId: taskC,
        provider: await other.getAddress(),
        bidPrice: parseEther("0.2"),
        payment: parseEther("0.35"),
        epoch: 1,
        deadline: end + 50,
      }),
    ]);
    await fx.conserved();
  });

  it("re-opens the task when every bid is skipped and rounds are left", async () => {
    const { busy, taskB } = await busyProviderAndSecondTask({ capacity: 1 });
    await mined(as(fx, busy).placeBid(taskB, parseEther("0.1")));
    const task = await fx.market.getTask(taskB);
    const end = Number(task.bidWindowEnd);
    await atTime(fx, end);
    const receipt = await mined(as(fx, fx.stranger).closeAuction(taskB));
    expectEvents(fx, receipt, [
      ev("FallbackSkipped", { taskId: taskB, provider: await busy.getAddress(), reason: 0 }),
      ev("TaskReopened", { taskId: taskB, round: 1, bidWindowEnd: end + Number(task.bidWindowLength) }),
    ]);
    await fx.conserved();
    const after = await fx.market.getTask(taskB);
    expect(after.status).toBe(Status.Open);
    expect(after.round).toBe(1n);
    expect(after.fallbackCount).toBe(0n);
    expect((await fx.market.getFallbacks(taskB)).length).toBe(0);
    expect(await activeAssignments(fx, busy)).toBe(1n);
    // Skipped is not failed: the provider may bid again in the new round.
    await mined(as(fx, busy).placeBid(taskB, parseEther("0.1")));
    expect((await fx.market.getFallbacks(taskB)).length).toBe(1);
  });
});
