import { describe, expect, it } from "vitest";
import { id, parseEther, type JsonRpcSigner } from "ethers";
import {
  as,
  atTime,
  closeAfterWindow,
  closeAtWindowEnd,
  mined,
  passDeadline,
  postTask,
  registerProvider,
  SECOND_PRICE,
  useMarketFixture,
} from "../helpers/market-fixture.js";
import {
  activeAssignments,
  creditOf,
  ev,
  expectEvents,
  expectRevert,
  marketEvents,
  Status,
  taskState,
} from "../helpers/market-assertions.js";

// submitResult: settlement, the deadline boundary, and every refusal.

const fx = useMarketFixture();

// ---------------------------------------------------------------- helpers

const BUDGET = 300;
const RESULT = id("result: 1 frame rendered");

/**
 * Registers three providers, posts a 1 ETH task, takes bids 0.3 (p1), 0.5 (p2), 0.6 (p3) and
 * closes the auction at exactly the end of its window, so p1 holds epoch 1 until `deadline`.
 */
async function awardedTask(mechanism?: number) {
  const [p1, p2, p3] = fx.providers as [JsonRpcSigner, JsonRpcSigner, JsonRpcSigner];
  const poster = fx.posters[0]!;
  for (const p of [p1, p2, p3]) await registerProvider(fx, p);
  await fx.conserved();
  const taskId = await postTask(fx, poster, { maxPrice: parseEther("1"), budget: BUDGET, mechanism });
  await fx.conserved();
  await mined(as(fx, p1).placeBid(taskId, parseEther("0.3")));
  await mined(as(fx, p2).placeBid(taskId, parseEther("0.5")));
  await mined(as(fx, p3).placeBid(taskId, parseEther("0.6")));
  await fx.conserved();
  const { end } = await closeAtWindowEnd(fx, taskId);
  await fx.conserved();
  const task = await fx.market.getTask(taskId);
  expect(task.provider).toBe(await p1.getAddress());
  expect(task.epoch).toBe(1n);
  expect(task.deadline).toBe(BigInt(end + BUDGET));
  return { taskId, deadline: end + BUDGET, poster, p1, p2, p3 };
}

// ---------------------------------------------------------------- success

describe("submitResult settles the task", () => {
  it("emits ResultSubmitted with exact args, credits provider and poster, frees the provider and completes the task", async () => {
    const { taskId, poster, p1 } = await awardedTask();
    expect(await activeAssignments(fx, p1)).toBe(1n);
    const receipt = await mined(as(fx, p1).submitResult(taskId, 1, RESULT));
    expectEvents(fx, receipt, [
      ev("ResultSubmitted", {
        taskId,
        provider: await p1.getAddress(),
        epoch: 1,
        resultHash: RESULT,
        payment: parseEther("0.3"),
        posterRefund: parseEther("0.7"),
      }),
    ]);
    await fx.conserved();
    expect(await creditOf(fx, p1)).toBe(parseEther("0.3"));
    expect(await creditOf(fx, poster)).toBe(parseEther("0.7"));
    expect(await activeAssignments(fx, p1)).toBe(0n);
    const task = await fx.market.getTask(taskId);
    expect(task.status).toBe(Status.Completed);
    expect(task.provider).toBe(await p1.getAddress());
    expect(task.payment).toBe(parseEther("0.3"));
    expect(await fx.market.totalEscrow()).toBe(0n);
    expect(await fx.market.totalCredits()).toBe(parseEther("1"));
    // The provider's stake is untouched and fully unlocked again.
    expect(await fx.market.unlockedStake(await p1.getAddress())).toBe(fx.config.minStake * 2n);
  });

  it("settles a second-price task at the second price and refunds the poster the rest", async () => {
    const { taskId, poster, p1 } = await awardedTask(SECOND_PRICE);
    const receipt = await mined(as(fx, p1).submitResult(taskId, 1, RESULT));
    expectEvents(fx, receipt, [
      ev("ResultSubmitted", {
        taskId,
        provider: await p1.getAddress(),
        epoch: 1,
        resultHash: RESULT,
        payment: parseEther("0.5"),
        posterRefund: parseEther("0.5"),
      }),
    ]);
    await fx.conserved();
    expect(await creditOf(fx, p1)).toBe(parseEther("0.5"));
    expect(await creditOf(fx, poster)).toBe(parseEther("0.5"));
    expect(await activeAssignments(fx, p1)).toBe(0n);
  });

  it("accepts a result at exactly the deadline", async () => {
    const { taskId, deadline, poster, p1 } = await awardedTask();
    await atTime(fx, deadline);
    const receipt = await mined(as(fx, p1).submitResult(taskId, 1, RESULT));
    expect((await receipt.getBlock()).timestamp).toBe(deadline);
    expect(marketEvents(fx, receipt).map((e) => e.name)).toEqual(["ResultSubmitted"]);
    await fx.conserved();
    expect((await fx.market.getTask(taskId)).status).toBe(Status.Completed);
    expect(await creditOf(fx, p1)).toBe(parseEther("0.3"));
    expect(await creditOf(fx, poster)).toBe(parseEther("0.7"));
    expect(await activeAssignments(fx, p1)).toBe(0n);
  });
});

// ---------------------------------------------------------------- refusals

describe("submitResult refusals", () => {
  it("reverts DeadlinePassed(taskId, deadline, nowTs) one second after the deadline and changes nothing", async () => {
    const { taskId, deadline, poster, p1 } = await awardedTask();
    const before = await taskState(fx, taskId);
    await atTime(fx, deadline + 1);
    await expectRevert(fx, as(fx, p1).submitResult(taskId, 1, RESULT), "DeadlinePassed", {
      taskId,
      deadline,
      nowTs: deadline + 1,
    });
    expect(await taskState(fx, taskId)).toEqual(before);
    expect(await creditOf(fx, p1)).toBe(0n);
    expect(await creditOf(fx, poster)).toBe(0n);
    expect(await activeAssignments(fx, p1)).toBe(1n);
    await fx.conserved();
  });

  it.each([
    ["another provider (a fallback bidder)", () => fx.providers[1]!],
    ["the poster", () => fx.posters[0]!],
    ["a stranger", () => fx.stranger],
  ])("reverts NotAssignedProvider(taskId, caller, assignee) when %s submits", async (_label, who) => {
    const { taskId, p1 } = await awardedTask();
    const caller = who();
    const before = await taskState(fx, taskId);
    await expectRevert(fx, as(fx, caller).submitResult(taskId, 1, RESULT), "NotAssignedProvider", {
      taskId,
      caller: await caller.getAddress(),
      assignee: await p1.getAddress(),
    });
    expect(await taskState(fx, taskId)).toEqual(before);
    expect(await creditOf(fx, caller)).toBe(0n);
    expect(await activeAssignments(fx, p1)).toBe(1n);
    await fx.conserved();
  });

  it("reverts StaleEpoch(taskId, 1, 2) when the original provider submits after a reroute to a fallback, and pays it nothing", async () => {
    const { taskId, poster, p1, p2 } = await awardedTask();
    await passDeadline(fx, taskId);
    await mined(as(fx, fx.stranger).reroute(taskId));
    await fx.conserved();
    const rerouted = await fx.market.getTask(taskId);
    expect(rerouted.provider).toBe(await p2.getAddress());
    expect(rerouted.epoch).toBe(2n);
    const slash = (fx.config.minStake * 2n * BigInt(fx.config.slashBps)) / 10_000n;
    const before = await taskState(fx, taskId);

    await expectRevert(fx, as(fx, p1).submitResult(taskId, 1, RESULT), "StaleEpoch", {
      taskId,
      given: 1,
      current: 2,
    });
    expect(await taskState(fx, taskId)).toEqual(before);
    expect(await creditOf(fx, p1)).toBe(0n);
    expect(await creditOf(fx, poster)).toBe(slash);
    expect(await activeAssignments(fx, p1)).toBe(0n);
    expect(await activeAssignments(fx, p2)).toBe(1n);
    await fx.conserved();

    // Naming the current epoch does not help the old assignee either.
    await expectRevert(fx, as(fx, p1).submitResult(taskId, 2, RESULT), "NotAssignedProvider", {
      taskId,
      caller: await p1.getAddress(),
      assignee: await p2.getAddress(),
    });

    // The fallback's result under epoch 2 is the one that settles.
    const receipt = await mined(as(fx, p2).submitResult(taskId, 2, RESULT));
    expectEvents(fx, receipt, [
      ev("ResultSubmitted", {
        taskId,
        provider: await p2.getAddress(),
        epoch: 2,
        resultHash: RESULT,
        payment: parseEther("0.5"),
        posterRefund: parseEther("0.5"),
      }),
    ]);
    await fx.conserved();
    expect(await creditOf(fx, p1)).toBe(0n);
    expect(await creditOf(fx, p2)).toBe(parseEther("0.5"));
    expect(await creditOf(fx, poster)).toBe(slash + parseEther("0.5"));
    expect(await activeAssignments(fx, p2)).toBe(0n);
  });

  it("reverts InvalidTaskStatus(taskId, Awarded, Open) for an open task", async () => {
    const [p1] = fx.providers as [JsonRpcSigner];
    await registerProvider(fx, p1);
    const taskId = await postTask(fx, fx.posters[0]!);
    await mined(as(fx, p1).placeBid(taskId, parseEther("0.3")));
    await expectRevert(fx, as(fx, p1).submitResult(taskId, 0, RESULT), "InvalidTaskStatus", {
      taskId,
      expected: Status.Awarded,
      actual: Status.Open,
    });
    expect((await fx.market.getTask(taskId)).status).toBe(Status.Open);
    expect(await creditOf(fx, p1)).toBe(0n);
  });

  it("reverts InvalidTaskStatus(taskId, Awarded, Completed) for a second result and pays nothing twice", async () => {
    const { taskId, poster, p1 } = await awardedTask();
    await mined(as(fx, p1).submitResult(taskId, 1, RESULT));
    await fx.conserved();
    await expectRevert(fx, as(fx, p1).submitResult(taskId, 1, id("again")), "InvalidTaskStatus", {
      taskId,
      expected: Status.Awarded,
      actual: Status.Completed,
    });
    expect(await creditOf(fx, p1)).toBe(parseEther("0.3"));
    expect(await creditOf(fx, poster)).toBe(parseEther("0.7"));
    expect(await activeAssignments(fx, p1)).toBe(0n);
    await fx.conserved();
  });

  it("reverts InvalidTaskStatus(taskId, Awarded, Refunded) after a cancel refund", async () => {
    const [p1] = fx.providers as [JsonRpcSigner];
    await registerProvider(fx, p1);
    const poster = fx.posters[0]!;
    const taskId = await postTask(fx, poster);
    await mined(as(fx, poster).cancelTask(taskId));
    await fx.conserved();
    await expectRevert(fx, as(fx, p1).submitResult(taskId, 0, RESULT), "InvalidTaskStatus", {
      taskId,
      expected: Status.Awarded,
      actual: Status.Refunded,
    });
    expect(await creditOf(fx, poster)).toBe(parseEther("1"));
    expect(await creditOf(fx, p1)).toBe(0n);
  });

  it("reverts InvalidTaskStatus(taskId, Awarded, Refunded) when the last assignee submits after the task was refunded", async () => {
    // One bidder, one round left: its failure refunds the task, and its late result is refused.
    const [p1] = fx.providers as [JsonRpcSigner];
    await registerProvider(fx, p1);
    const poster = fx.posters[0]!;
    const taskId = await postTask(fx, poster);
    await closeAfterWindow(fx, taskId); // no bids: round 1
    await mined(as(fx, p1).placeBid(taskId, parseEther("0.3")));
    await closeAfterWindow(fx, taskId);
    expect((await fx.market.getTask(taskId)).epoch).toBe(1n);
    await mined(as(fx, p1).abandonTask(taskId));
    await fx.conserved();
    expect((await fx.market.getTask(taskId)).status).toBe(Status.Refunded);
    await expectRevert(fx, as(fx, p1).submitResult(taskId, 1, RESULT), "InvalidTaskStatus", {
      taskId,
      expected: Status.Awarded,
      actual: Status.Refunded,
    });
    expect(await creditOf(fx, p1)).toBe(0n);
    expect(await activeAssignments(fx, p1)).toBe(0n);
    await fx.conserved();
  });

  it("reverts TaskNotFound for id 0 and for an id past taskCount", async () => {
    const { taskId, p1 } = await awardedTask();
    await expectRevert(fx, as(fx, p1).submitResult(0n, 1, RESULT), "TaskNotFound", { taskId: 0n });
    await expectRevert(fx, as(fx, p1).submitResult(taskId + 1n, 1, RESULT), "TaskNotFound", { taskId: taskId + 1n });
  });
});
