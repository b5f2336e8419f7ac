import { describe, expect, it } from "vitest";
import { id, parseEther, ZeroAddress, type JsonRpcSigner, type Result } from "ethers";
import {
  as,
  atTime,
  closeAfterWindow,
  closeAtWindowEnd,
  mined,
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
  FailureReason,
  marketEvents,
  RefundReason,
  SkipReason,
  Status,
  taskState,
  type Receipt,
} from "../helpers/market-assertions.js";

// reroute, rerouteTasks and abandonTask: slashes, fallbacks, re-auctions and refunds.

const fx = useMarketFixture();

// ---------------------------------------------------------------- helpers

async function providerState(signer: JsonRpcSigner): Promise<Record<string, unknown>> {
  return ((await fx.market.getProvider(await signer.getAddress())) as unknown as Result).toObject();
}

async function addr(signer: JsonRpcSigner): Promise<string> {
  return signer.getAddress();
}

const BUDGET = 300;
const STAKE = parseEther("2"); // registerProvider's default: 2 × minStake

const slashOf = (stake: bigint, bps: number) => (stake * BigInt(bps)) / 10_000n;

/**
 * Registers the bidders (unless told not to), posts a task, has bidder i bid prices[i], and closes
 * the auction at exactly the end of its window. Returns the task and its first deadline.
 */
async function awardedTask(
  bidders: JsonRpcSigner[],
  prices: string[],
  options: { mechanism?: number; register?: boolean; budget?: number; poster?: JsonRpcSigner } = {},
) {
  const poster = options.poster ?? fx.posters[0]!;
  const budget = options.budget ?? BUDGET;
  if (options.register ?? true) for (const p of bidders) await registerProvider(fx, p);
  await fx.conserved();
  const taskId = await postTask(fx, poster, { maxPrice: parseEther("1"), budget, mechanism: options.mechanism });
  await fx.conserved();
  for (const [i, p] of bidders.entries()) await mined(as(fx, p).placeBid(taskId, parseEther(prices[i]!)));
  await fx.conserved();
  const { end } = await closeAtWindowEnd(fx, taskId);
  await fx.conserved();
  return { taskId, poster, deadline: end + budget };
}

function providers(n: number): JsonRpcSigner[] {
  return fx.providers.slice(0, n);
}

// ---------------------------------------------------------------- reroute

describe("reroute after a missed deadline", () => {
  it("lets a stranger reroute: TaskRerouted, then ProviderSlashed(stake × slashBps / 10000) to the poster, then TaskAwarded to the next fallback with epoch 2 and a fresh deadline", async () => {
    const [p1, p2, p3] = providers(3) as [JsonRpcSigner, JsonRpcSigner, JsonRpcSigner];
    const { taskId, poster, deadline } = await awardedTask([p1, p2, p3], ["0.1", "0.2", "0.3"]);
    expect(await activeAssignments(fx, p1)).toBe(1n);
    const stakedBefore = await fx.market.totalStaked();

    const at = deadline + 1;
    await atTime(fx, at);
    const receipt = await mined(as(fx, fx.stranger).reroute(taskId));
    const slash = slashOf(STAKE, fx.config.slashBps);
    expect(slash).toBe(parseEther("0.2"));
    expectEvents(fx, receipt, [
      ev("TaskRerouted", {
        taskId,
        provider: await addr(p1),
        epoch: 1,
        reason: FailureReason.DeadlineMissed,
        caller: await addr(fx.stranger),
      }),
      ev("ProviderSlashed", { provider: await addr(p1), taskId, amount: slash, poster: await addr(poster) }),
      ev("TaskAwarded", {
        taskId,
        provider: await addr(p2),
        bidPrice: parseEther("0.2"),
        payment: parseEther("0.2"),
        epoch: 2,
        deadline: at + BUDGET,
      }),
    ]);
    await fx.conserved();

    const task = await fx.market.getTask(taskId);
    expect(task.status).toBe(Status.Awarded);
    expect(task.provider).toBe(await addr(p2));
    expect(task.payment).toBe(parseEther("0.2"));
    expect(task.epoch).toBe(2n);
    expect(task.deadline).toBe(BigInt(at + BUDGET));
    expect(task.reroutes).toBe(1n);
    expect(task.fallbackCursor).toBe(2n);
    const failed = await fx.market.getProvider(await addr(p1));
    expect(failed.activeAssignments).toBe(0n);
    expect(failed.stake).toBe(STAKE - slash);
    expect(failed.slashCount).toBe(1n);
    expect(failed.slashedTotal).toBe(slash);
    expect(await activeAssignments(fx, p2)).toBe(1n);
    expect(await activeAssignments(fx, p3)).toBe(0n);
    expect(await creditOf(fx, poster)).toBe(slash);
    expect(await creditOf(fx, fx.stranger)).toBe(0n);
    expect(await fx.market.totalStaked()).toBe(stakedBefore - slash);
    expect(await fx.market.totalEscrow()).toBe(parseEther("1"));

    // The fallback finishes the job and is paid its own (first-price) bid.
    await mined(as(fx, p2).submitResult(taskId, 2, id("r")));
    await fx.conserved();
    expect(await creditOf(fx, p2)).toBe(parseEther("0.2"));
    expect(await creditOf(fx, poster)).toBe(slash + parseEther("0.8"));
    expect(await activeAssignments(fx, p2)).toBe(0n);
  });

  it("reverts DeadlineNotPassed(taskId, deadline, nowTs) at exactly the deadline and changes nothing", async () => {
    const [p1, p2] = providers(2) as [JsonRpcSigner, JsonRpcSigner];
    const { taskId, poster, deadline } = await awardedTask([p1, p2], ["0.1", "0.2"]);
    const before = await taskState(fx, taskId);
    const p1Before = await providerState(p1);
    await atTime(fx, deadline);
    await expectRevert(fx, as(fx, fx.stranger).reroute(taskId), "DeadlineNotPassed", {
      taskId,
      deadline,
      nowTs: deadline,
    });
    expect(await taskState(fx, taskId)).toEqual(before);
    expect(await providerState(p1)).toEqual(p1Before);
    expect(await creditOf(fx, poster)).toBe(0n);
    await fx.conserved();
  });

  it("skips a fallback at capacity with FallbackSkipped and awards the one after it", async () => {
    const [p1, p2, p3] = providers(3) as [JsonRpcSigner, JsonRpcSigner, JsonRpcSigner];
    await registerProvider(fx, p1);
    await registerProvider(fx, p2, { capacity: 1 });
    await registerProvider(fx, p3);
    // p2 takes another task first, filling its capacity.
    const other = await postTask(fx, fx.posters[1]!, { window: 30 });
    await mined(as(fx, p2).placeBid(other, parseEther("0.5")));
    await closeAfterWindow(fx, other);
    await fx.conserved();
    expect(await activeAssignments(fx, p2)).toBe(1n);

    const { taskId, poster, deadline } = await awardedTask([p1, p2, p3], ["0.1", "0.2", "0.3"], { register: false });
    expect((await fx.market.getTask(taskId)).provider).toBe(await addr(p1));
    const at = deadline + 5;
    await atTime(fx, at);
    const receipt = await mined(as(fx, fx.stranger).reroute(taskId));
    expectEvents(fx, receipt, [
      ev("TaskRerouted", { taskId, provider: await addr(p1), epoch: 1, reason: FailureReason.DeadlineMissed, caller: await addr(fx.stranger) }),
      ev("ProviderSlashed", {
        provider: await addr(p1),
        taskId,
        amount: slashOf(STAKE, fx.config.slashBps),
        poster: await addr(poster),
      }),
      ev("FallbackSkipped", { taskId, provider: await addr(p2), reason: SkipReason.AtCapacity }),
      ev("TaskAwarded", {
        taskId,
        provider: await addr(p3),
        bidPrice: parseEther("0.3"),
        payment: parseEther("0.3"),
        epoch: 2,
        deadline: at + BUDGET,
      }),
    ]);
    await fx.conserved();
    const task = await fx.market.getTask(taskId);
    expect(task.fallbackCursor).toBe(3n);
    expect(await activeAssignments(fx, p1)).toBe(0n);
    expect(await activeAssignments(fx, p2)).toBe(1n);
    expect(await activeAssignments(fx, p3)).toBe(1n);
  });

  it("reverts InvalidTaskStatus(taskId, Awarded, Open) on an open task, from reroute and from abandonTask", async () => {
    const [p1] = providers(1) as [JsonRpcSigner];
    await registerProvider(fx, p1);
    const taskId = await postTask(fx, fx.posters[0]!);
    await mined(as(fx, p1).placeBid(taskId, parseEther("0.1")));
    const before = await taskState(fx, taskId);
    await expectRevert(fx, as(fx, fx.stranger).reroute(taskId), "InvalidTaskStatus", {
      taskId,
      expected: Status.Awarded,
      actual: Status.Open,
    });
    await expectRevert(fx, as(fx, p1).abandonTask(taskId), "InvalidTaskStatus", {
      taskId,
      expected: Status.Awarded,
      actual: Status.Open,
    });
    expect(await taskState(fx, taskId)).toEqual(before);
    expect((await fx.market.getProvider(await addr(p1))).slashCount).toBe(0n);
  });

  it("reverts InvalidTaskStatus(taskId, Awarded, Completed) on a completed task, even after its deadline, from reroute and from abandonTask", async () => {
    const [p1, p2] = providers(2) as [JsonRpcSigner, JsonRpcSigner];
    const { taskId, poster, deadline } = await awardedTask([p1, p2], ["0.1", "0.2"]);
    await mined(as(fx, p1).submitResult(taskId, 1, id("r")));
    await fx.conserved();
    const before = await taskState(fx, taskId);
    await atTime(fx, deadline + 1);
    await expectRevert(fx, as(fx, fx.stranger).reroute(taskId), "InvalidTaskStatus", {
      taskId,
      expected: Status.Awarded,
      actual: Status.Completed,
    });
    await expectRevert(fx, as(fx, p1).abandonTask(taskId), "InvalidTaskStatus", {
      taskId,
      expected: Status.Awarded,
      actual: Status.Completed,
    });
    expect(await taskState(fx, taskId)).toEqual(before);
    expect(await fx.market.getProvider(await addr(p1)).then((p) => p.stake)).toBe(STAKE);
    expect(await creditOf(fx, poster)).toBe(parseEther("0.9"));
  });

  it("reverts TaskNotFound for an unknown id, from reroute and from abandonTask", async () => {
    await registerProvider(fx, fx.providers[0]!);
    await expectRevert(fx, as(fx, fx.stranger).reroute(7n), "TaskNotFound", { taskId: 7n });
    await expectRevert(fx, as(fx, fx.providers[0]!).abandonTask(0n), "TaskNotFound", { taskId: 0n });
  });
});

// ---------------------------------------------------------------- abandonTask

describe("abandonTask", () => {
  it("lets the assignee give the task up at once: TaskRerouted(Abandoned), a slash at abandonSlashBps, then the next fallback", async () => {
    const [p1, p2] = providers(2) as [JsonRpcSigner, JsonRpcSigner];
    const { taskId, poster, deadline } = await awardedTask([p1, p2], ["0.1", "0.2"]);
    // The very next second after the award, long before the deadline.
    const at = deadline - BUDGET + 1;
    await atTime(fx, at);
    const receipt = await mined(as(fx, p1).abandonTask(taskId));
    const slash = slashOf(STAKE, fx.config.abandonSlashBps);
    expect(slash).toBe(parseEther("0.1"));
    expectEvents(fx, receipt, [
      ev("TaskRerouted", { taskId, provider: await addr(p1), epoch: 1, reason: FailureReason.Abandoned, caller: await addr(p1) }),
      ev("ProviderSlashed", { provider: await addr(p1), taskId, amount: slash, poster: await addr(poster) }),
      ev("TaskAwarded", {
        taskId,
        provider: await addr(p2),
        bidPrice: parseEther("0.2"),
        payment: parseEther("0.2"),
        epoch: 2,
        deadline: at + BUDGET,
      }),
    ]);
    await fx.conserved();
    const task = await fx.market.getTask(taskId);
    expect(task.provider).toBe(await addr(p2));
    expect(task.epoch).toBe(2n);
    expect(task.reroutes).toBe(1n);
    const failed = await fx.market.getProvider(await addr(p1));
    expect(failed.activeAssignments).toBe(0n);
    expect(failed.stake).toBe(STAKE - slash);
    expect(failed.slashCount).toBe(1n);
    expect(failed.slashedTotal).toBe(slash);
    expect(await activeAssignments(fx, p2)).toBe(1n);
    expect(await creditOf(fx, poster)).toBe(slash);
  });

  it.each([
    ["a fallback bidder", () => fx.providers[1]!],
    ["the poster", () => fx.posters[0]!],
    ["a stranger", () => fx.stranger],
  ])("reverts NotAssignedProvider(taskId, caller, assignee) when %s abandons", async (_label, who) => {
    const [p1, p2] = providers(2) as [JsonRpcSigner, JsonRpcSigner];
    const { taskId } = await awardedTask([p1, p2], ["0.1", "0.2"]);
    const caller = who();
    const before = await taskState(fx, taskId);
    const p1Before = await providerState(p1);
    await expectRevert(fx, as(fx, caller).abandonTask(taskId), "NotAssignedProvider", {
      taskId,
      caller: await addr(caller),
      assignee: await addr(p1),
    });
    expect(await taskState(fx, taskId)).toEqual(before);
    expect(await providerState(p1)).toEqual(p1Before);
    await fx.conserved();
  });
});

describe("abandonTask after the deadline (refused: the task can only be rerouted, at the full slash)", () => {
  it("lets the assignee abandon at exactly its deadline", async () => {
    const [p1, p2] = providers(2) as [JsonRpcSigner, JsonRpcSigner];
    const { taskId, poster, deadline } = await awardedTask([p1, p2], ["0.1", "0.2"]);
    await atTime(fx, deadline);
    const receipt = await mined(as(fx, p1).abandonTask(taskId));
    expectEvents(fx, receipt, [
      ev("TaskRerouted", { taskId, provider: await addr(p1), epoch: 1, reason: FailureReason.Abandoned, caller: await addr(p1) }),
      ev("ProviderSlashed", { provider: await addr(p1), taskId, amount: slashOf(STAKE, fx.config.abandonSlashBps), poster: await addr(poster) }),
      ev("TaskAwarded", { taskId, provider: await addr(p2), bidPrice: parseEther("0.2"), payment: parseEther("0.2"), epoch: 2, deadline: deadline + BUDGET }),
    ]);
    await fx.conserved();
  });

  it("reverts DeadlinePassed(taskId, deadline, nowTs) one second after the deadline, changes nothing, and the reroute then slashes slashBps", async () => {
    const [p1, p2] = providers(2) as [JsonRpcSigner, JsonRpcSigner];
    const { taskId, poster, deadline } = await awardedTask([p1, p2], ["0.1", "0.2"]);
    const before = await taskState(fx, taskId);
    const p1Before = await providerState(p1);
    await atTime(fx, deadline + 1);
    await expectRevert(fx, as(fx, p1).abandonTask(taskId), "DeadlinePassed", { taskId, deadline, nowTs: deadline + 1 });
    expect(await taskState(fx, taskId)).toEqual(before);
    expect(await providerState(p1)).toEqual(p1Before);
    const receipt = await mined(as(fx, fx.stranger).reroute(taskId));
    expect(marketEvents(fx, receipt).slice(0, 2)).toEqual([
      ev("TaskRerouted", { taskId, provider: await addr(p1), epoch: 1, reason: FailureReason.DeadlineMissed, caller: await addr(fx.stranger) }),
      ev("ProviderSlashed", { provider: await addr(p1), taskId, amount: slashOf(STAKE, fx.config.slashBps), poster: await addr(poster) }),
    ]);
    await fx.conserved();
  });

  it("checks the status, then the assignee (NotAssignedProvider), then the deadline", async () => {
    const [p1, p2] = providers(2) as [JsonRpcSigner, JsonRpcSigner];
    const { taskId, deadline } = await awardedTask([p1, p2], ["0.1", "0.2"]);
    await atTime(fx, deadline + 5);
    await expectRevert(fx, as(fx, p2).abandonTask(taskId), "NotAssignedProvider", {
      taskId,
      caller: await addr(p2),
      assignee: await addr(p1),
    });
    const open = await postTask(fx, fx.posters[1]!);
    await expectRevert(fx, as(fx, p1).abandonTask(open), "InvalidTaskStatus", { taskId: open, expected: Status.Awarded, actual: Status.Open });
    await expectRevert(fx, as(fx, p1).abandonTask(open + 1n), "TaskNotFound", { taskId: open + 1n });
  });
});

// ---------------------------------------------------------------- rerouteTasks

describe("rerouteTasks", () => {
  it("reroutes several tasks in one transaction, each to its own next step", async () => {
    const [p1, p2, p3, p4, p5] = providers(5) as [JsonRpcSigner, JsonRpcSigner, JsonRpcSigner, JsonRpcSigner, JsonRpcSigner];
    for (const p of [p1, p2, p3, p4, p5]) await registerProvider(fx, p);
    const [posterA, posterB] = fx.posters as [JsonRpcSigner, JsonRpcSigner];
    const t1 = await postTask(fx, posterA, { window: 60, budget: BUDGET });
    const t2 = await postTask(fx, posterB, { window: 60, budget: BUDGET });
    const t3 = await postTask(fx, posterA, { window: 60, budget: BUDGET });
    await mined(as(fx, p1).placeBid(t1, parseEther("0.1")));
    await mined(as(fx, p2).placeBid(t1, parseEther("0.2")));
    await mined(as(fx, p3).placeBid(t2, parseEther("0.3")));
    await mined(as(fx, p4).placeBid(t2, parseEther("0.4")));
    await mined(as(fx, p5).placeBid(t3, parseEther("0.5")));
    await fx.conserved();
    const closeAt = Number((await fx.market.getTask(t3)).bidWindowEnd);
    await atTime(fx, closeAt);
    await mined(as(fx, fx.stranger).closeAuctions([t1, t2, t3]));
    await fx.conserved();
    const deadline = closeAt + BUDGET;
    const t3Length = Number((await fx.market.getTask(t3)).bidWindowLength);

    const at = deadline + 1;
    await atTime(fx, at);
    const receipt = await mined(as(fx, fx.stranger).rerouteTasks([t1, t2, t3]));
    const slash = slashOf(STAKE, fx.config.slashBps);
    const stranger = await addr(fx.stranger);
    expectEvents(fx, receipt, [
      ev("TaskRerouted", { taskId: t1, provider: await addr(p1), epoch: 1, reason: FailureReason.DeadlineMissed, caller: stranger }),
      ev("ProviderSlashed", { provider: await addr(p1), taskId: t1, amount: slash, poster: await addr(posterA) }),
      ev("TaskAwarded", {
        taskId: t1,
        provider: await addr(p2),
        bidPrice: parseEther("0.2"),
        payment: parseEther("0.2"),
        epoch: 2,
        deadline: at + BUDGET,
      }),
      ev("TaskRerouted", { taskId: t2, provider: await addr(p3), epoch: 1, reason: FailureReason.DeadlineMissed, caller: stranger }),
      ev("ProviderSlashed", { provider: await addr(p3), taskId: t2, amount: slash, poster: await addr(posterB) }),
      ev("TaskAwarded", {
        taskId: t2,
        provider: await addr(p4),
        bidPrice: parseEther("0.4"),
        payment: parseEther("0.4"),
        epoch: 2,
        deadline: at + BUDGET,
      }),
      ev("TaskRerouted", { taskId: t3, provider: await addr(p5), epoch: 1, reason: FailureReason.DeadlineMissed, caller: stranger }),
      ev("ProviderSlashed", { provider: await addr(p5), taskId: t3, amount: slash, poster: await addr(posterA) }),
      ev("TaskReopened", { taskId: t3, round: 1, bidWindowEnd: at + t3Length }),
    ]);
    await fx.conserved();
    for (const p of [p1, p3, p5]) expect(await activeAssignments(fx, p)).toBe(0n);
    for (const p of [p2, p4]) expect(await activeAssignments(fx, p)).toBe(1n);
    expect(await creditOf(fx, posterA)).toBe(slash * 2n);
    expect(await creditOf(fx, posterB)).toBe(slash);
    for (const t of [t1, t2, t3]) expect((await fx.market.getTask(t)).reroutes).toBe(1n);
  });

  it("is all or nothing: a task whose deadline has not passed reverts the batch and reroutes none", async () => {
    const [p1, p2, p3, p4] = providers(4) as [JsonRpcSigner, JsonRpcSigner, JsonRpcSigner, JsonRpcSigner];
    for (const p of [p1, p2, p3, p4]) await registerProvider(fx, p);
    const poster = fx.posters[0]!;
    const t1 = await postTask(fx, poster, { window: 60, budget: 100 });
    const t2 = await postTask(fx, poster, { window: 60, budget: 500 });
    await mined(as(fx, p1).placeBid(t1, parseEther("0.1")));
    await mined(as(fx, p2).placeBid(t1, parseEther("0.2")));
    await mined(as(fx, p3).placeBid(t2, parseEther("0.1")));
    await mined(as(fx, p4).placeBid(t2, parseEther("0.2")));
    const closeAt = Number((await fx.market.getTask(t2)).bidWindowEnd);
    await atTime(fx, closeAt);
    await mined(as(fx, fx.stranger).closeAuctions([t1, t2]));
    await fx.conserved();
    const before1 = await taskState(fx, t1);
    const before2 = await taskState(fx, t2);
    const providersBefore = await Promise.all([p1, p2, p3, p4].map(providerState));

    const at = closeAt + 101;
    await atTime(fx, at);
    await expectRevert(fx, as(fx, fx.stranger).rerouteTasks([t1, t2]), "DeadlineNotPassed", {
      taskId: t2,
      deadline: closeAt + 500,
      nowTs: at,
    });
    // The same task twice: the first reroute hands it a fresh deadline, so the second is refused.
    await expectRevert(fx, as(fx, fx.stranger).rerouteTasks([t1, t1]), "DeadlineNotPassed", {
      taskId: t1,
      deadline: at + 100,
      nowTs: at,
    });
    expect(await taskState(fx, t1)).toEqual(before1);
    expect(await taskState(fx, t2)).toEqual(before2);
    expect(await Promise.all([p1, p2, p3, p4].map(providerState))).toEqual(providersBefore);
    expect(await creditOf(fx, poster)).toBe(0n);
    await fx.conserved();
  });
});

// ---------------------------------------------------------------- fallback exhaustion

describe("fallback exhaustion", () => {
  it("re-opens when both bidders fail, bars them from the task, then refunds FallbacksExhausted from Awarded when the round-1 winner fails too", async () => {
    const [p1, p2, p3] = providers(3) as [JsonRpcSigner, JsonRpcSigner, JsonRpcSigner];
    await registerProvider(fx, p3);
    const { taskId, poster, deadline } = await awardedTask([p1, p2], ["0.1", "0.2"]);
    const stranger = await addr(fx.stranger);
    const slash = slashOf(STAKE, fx.config.slashBps);
    const abandonSlash = slashOf(STAKE, fx.config.abandonSlashBps);
    const length = Number((await fx.market.getTask(taskId)).bidWindowLength);

    // p1 misses its deadline: p2 takes over.
    const at1 = deadline + 1;
    await atTime(fx, at1);
    let receipt = await mined(as(fx, fx.stranger).reroute(taskId));
    expectEvents(fx, receipt, [
      ev("TaskRerouted", { taskId, provider: await addr(p1), epoch: 1, reason: FailureReason.DeadlineMissed, caller: stranger }),
      ev("ProviderSlashed", { provider: await addr(p1), taskId, amount: slash, poster: await addr(poster) }),
      ev("TaskAwarded", {
        taskId,
        provider: await addr(p2),
        bidPrice: parseEther("0.2"),
        payment: parseEther("0.2"),
        epoch: 2,
        deadline: at1 + BUDGET,
      }),
    ]);
    await fx.conserved();
    expect(await activeAssignments(fx, p1)).toBe(0n);
    expect(await activeAssignments(fx, p2)).toBe(1n);

    // p2 misses its deadline too: no fallback left, a round left, so Awarded -> Open.
    const at2 = at1 + BUDGET + 1;
    await atTime(fx, at2);
    receipt = await mined(as(fx, fx.stranger).reroute(taskId));
    expectEvents(fx, receipt, [
      ev("TaskRerouted", { taskId, provider: await addr(p2), epoch: 2, reason: FailureReason.DeadlineMissed, caller: stranger }),
      ev("ProviderSlashed", { provider: await addr(p2), taskId, amount: slash, poster: await addr(poster) }),
      ev("TaskReopened", { taskId, round: 1, bidWindowEnd: at2 + length }),
    ]);
    await fx.conserved();
    let task = await fx.market.getTask(taskId);
    expect(task.status).toBe(Status.Open);
    expect(task.round).toBe(1n);
    expect(task.bidWindowEnd).toBe(BigInt(at2 + length));
    expect(task.provider).toBe(ZeroAddress);
    expect(task.payment).toBe(0n);
    expect(task.fallbackCount).toBe(0n);
    expect(task.fallbackCursor).toBe(0n);
    expect(task.reroutes).toBe(2n);
    expect(task.epoch).toBe(2n);
    expect((await fx.market.getFallbacks(taskId)).length).toBe(0);
    expect(await activeAssignments(fx, p1)).toBe(0n);
    expect(await activeAssignments(fx, p2)).toBe(0n);
    expect(await fx.market.totalEscrow()).toBe(parseEther("1"));

    // Providers that failed the task may not bid on it again.
    await expectRevert(fx, as(fx, p1).placeBid(taskId, parseEther("0.1")), "ProviderFailedTask", {
      taskId,
      provider: await addr(p1),
    });
    await expectRevert(fx, as(fx, p2).placeBid(taskId, parseEther("0.1")), "ProviderFailedTask", {
      taskId,
      provider: await addr(p2),
    });

    // A new provider bids in round 1 and wins.
    receipt = await mined(as(fx, p3).placeBid(taskId, parseEther("0.4")));
    expectEvents(fx, receipt, [
      ev("BidPlaced", { taskId, provider: await addr(p3), price: parseEther("0.4"), round: 1 }),
    ]);
    await fx.conserved();
    const at3 = at2 + length;
    await atTime(fx, at3);
    receipt = await mined(as(fx, fx.stranger).closeAuction(taskId));
    expectEvents(fx, receipt, [
      ev("TaskAwarded", {
        taskId,
        provider: await addr(p3),
        bidPrice: parseEther("0.4"),
        payment: parseEther("0.4"),
        epoch: 3,
        deadline: at3 + BUDGET,
      }),
    ]);
    await fx.conserved();
    expect(await activeAssignments(fx, p3)).toBe(1n);

    // p3 abandons: no fallback and no round left, so Awarded -> Refunded directly.
    const at4 = at3 + 10;
    await atTime(fx, at4);
    receipt = await mined(as(fx, p3).abandonTask(taskId));
    expectEvents(fx, receipt, [
      ev("TaskRerouted", { taskId, provider: await addr(p3), epoch: 3, reason: FailureReason.Abandoned, caller: await addr(p3) }),
      ev("ProviderSlashed", { provider: await addr(p3), taskId, amount: abandonSlash, poster: await addr(poster) }),
      ev("TaskRefunded", { taskId, poster: await addr(poster), amount: parseEther("1"), reason: RefundReason.FallbacksExhausted }),
    ]);
    await fx.conserved();
    task = await fx.market.getTask(taskId);
    expect(task.status).toBe(Status.Refunded);
    expect(task.reroutes).toBe(3n);
    expect(task.epoch).toBe(3n);
    expect(await activeAssignments(fx, p3)).toBe(0n);
    expect(await creditOf(fx, poster)).toBe(parseEther("1") + slash + slash + abandonSlash);
    expect(await fx.market.totalEscrow()).toBe(0n);
    for (const [p, cut] of [
      [p1, slash],
      [p2, slash],
      [p3, abandonSlash],
    ] as const) {
      const record = await fx.market.getProvider(await addr(p));
      expect(record.stake).toBe(STAKE - cut);
      expect(record.slashCount).toBe(1n);
      expect(record.slashedTotal).toBe(cut);
      expect(await creditOf(fx, p)).toBe(0n);
    }

    // Refunded is terminal.
    await expectRevert(fx, as(fx, fx.stranger).reroute(taskId), "InvalidTaskStatus", {
      taskId,
      expected: Status.Awarded,
      actual: Status.Refunded,
    });
    await expectRevert(fx, as(fx, fx.stranger).closeAuction(taskId), "InvalidTaskStatus", {
      taskId,
      expected: Status.Open,
      actual: Status.Refunded,
    });
  });
});

// ---------------------------------------------------------------- second price after reroutes

describe("second-price payment after a reroute", () => {
  it("pays the fallback at index i the price at index i + 1, and the last kept fallback its own price", async () => {
    const [p1, p2, p3, p4] = providers(4) as [JsonRpcSigner, JsonRpcSigner, JsonRpcSigner, JsonRpcSigner];
    // fallbackDepth is 3: p4's bid is recorded but not kept, so it never sets a price.
    expect(fx.config.fallbackDepth).toBe(3);
    const { taskId, poster, deadline } = await awardedTask([p1, p2, p3, p4], ["0.1", "0.2", "0.3", "0.4"], {
      mechanism: SECOND_PRICE,
    });
    const kept = await fx.market.getFallbacks(taskId);
    expect(kept.map((b) => [b.provider, b.price])).toEqual([
      [await addr(p1), parseEther("0.1")],
      [await addr(p2), parseEther("0.2")],
      [await addr(p3), parseEther("0.3")],
    ]);
    let task = await fx.market.getTask(taskId);
    expect(task.provider).toBe(await addr(p1));
    expect(task.payment).toBe(parseEther("0.2"));

    const awardOf = (receipt: Receipt) => marketEvents(fx, receipt).find((e) => e.name === "TaskAwarded");

    const at1 = deadline + 1;
    await atTime(fx, at1);
    let receipt = await mined(as(fx, fx.stranger).reroute(taskId));
    expect(awardOf(receipt)).toEqual(
      ev("TaskAwarded", {
        taskId,
        provider: await addr(p2),
        bidPrice: parseEther("0.2"),
        payment: parseEther("0.3"),
        epoch: 2,
        deadline: at1 + BUDGET,
      }),
    );
    await fx.conserved();
    expect(await activeAssignments(fx, p1)).toBe(0n);

    const at2 = at1 + BUDGET + 1;
    await atTime(fx, at2);
    receipt = await mined(as(fx, fx.stranger).reroute(taskId));
    expect(awardOf(receipt)).toEqual(
      ev("TaskAwarded", {
        taskId,
        provider: await addr(p3),
        bidPrice: parseEther("0.3"),
        payment: parseEther("0.3"),
        epoch: 3,
        deadline: at2 + BUDGET,
      }),
    );
    await fx.conserved();
    expect(await activeAssignments(fx, p2)).toBe(0n);
    task = await fx.market.getTask(taskId);
    expect(task.payment).toBe(parseEther("0.3"));
    expect(task.reroutes).toBe(2n);

    receipt = await mined(as(fx, p3).submitResult(taskId, 3, id("done")));
    const slash = slashOf(STAKE, fx.config.slashBps);
    expectEvents(fx, receipt, [
      ev("ResultSubmitted", {
        taskId,
        provider: await addr(p3),
        epoch: 3,
        resultHash: id("done"),
        payment: parseEther("0.3"),
        posterRefund: parseEther("0.7"),
      }),
    ]);
    await fx.conserved();
    expect(await creditOf(fx, p3)).toBe(parseEther("0.3"));
    expect(await creditOf(fx, poster)).toBe(parseEther("0.7") + slash * 2n);
    expect(await activeAssignments(fx, p3)).toBe(0n);
    expect(await creditOf(fx, p4)).toBe(0n);
  });
});


