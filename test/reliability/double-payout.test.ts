// Every way of asking the market to pay for one task twice, or to pay on both sides of a task's
// end (a result and a refund), reverts with its exact custom error and moves no wei: the
// market's balance and totals, every account's credit, stake and ether balance, and every task
// are the same before and after. Some of these cases also sit in the contract tests
// (withdraw.attacks, result, reroute, tasks.post-cancel); this is the one place that holds them all.
import { describe, expect, it } from "vitest";
import { keccak256, parseEther, toUtf8Bytes, type ContractTransactionResponse, type JsonRpcSigner } from "ethers";
import type { ComputeMarket } from "../../types/ethers-contracts/index.js";
import { TASK_STATUS } from "../../sim/protocol/enums.js";
import {
  as,
  closeAfterWindow,
  mineAt,
  mined,
  now,
  passDeadline,
  postTask,
  registerProvider,
  useMarketFixture,
} from "../helpers/market-fixture.js";
import { enumNumbers, expectRevert, taskState } from "../helpers/market-assertions.js";

const TaskStatus = enumNumbers(TASK_STATUS);
const RESULT = keccak256(toUtf8Bytes("result"));

// maxRounds 1: a task whose assignees all fail is refunded at once (FallbacksExhausted).
const fx = useMarketFixture({ maxRounds: 1 });

const poster = () => fx.posters[0]!;
const provider = (i: number) => fx.providers[i]!;
const m = (signer: JsonRpcSigner): ComputeMarket => as(fx, signer);

// ---------------------------------------------------------------- states to attack

/** Providers 0 and 1 register; poster 0's 1 ETH task is awarded to provider 0 (0.3), provider 1 is its fallback (0.5). */
async function awardedTask(): Promise<bigint> {
  await registerProvider(fx, provider(0));
  await registerProvider(fx, provider(1));
  const taskId = await postTask(fx, poster(), { maxPrice: parseEther("1") });
  await mined(m(provider(0)).placeBid(taskId, parseEther("0.3")));
  await mined(m(provider(1)).placeBid(taskId, parseEther("0.5")));
  await closeAfterWindow(fx, taskId);
  return taskId;
}

/** The task completed by provider 0 (epoch 1). */
async function completedTask(): Promise<bigint> {
  const taskId = await awardedTask();
  await mined(m(provider(0)).submitResult(taskId, 1, RESULT));
  return taskId;
}

/** Both assignees missed their deadlines, no round is left: refunded (FallbacksExhausted). */
async function exhaustedTask(): Promise<bigint> {
  const taskId = await awardedTask();
  await passDeadline(fx, taskId);
  await mined(m(fx.stranger).reroute(taskId));
  await passDeadline(fx, taskId);
  await mined(m(fx.stranger).reroute(taskId));
  return taskId;
}

/** Poster 0 cancelled its open task before any bid (provider 0 is registered). */
async function cancelledTask(): Promise<bigint> {
  await registerProvider(fx, provider(0));
  const taskId = await postTask(fx, poster(), { maxPrice: parseEther("1") });
  await mined(m(poster()).cancelTask(taskId));
  return taskId;
}

// ---------------------------------------------------------------- the attempts

interface Attempt {
  name: string;
  /** Builds the state; returns the task and, when needed, a second (live) task. */
  setup: () => Promise<{ taskId: bigint; other?: bigint }>;
  attempt: (ids: { taskId: bigint; other?: bigint }) => Promise<ContractTransactionResponse>;
  error: string;
  args: (ids: { taskId: bigint; other?: bigint }) => Record<string, unknown>;
}

const status = (taskId: bigint, expected: keyof typeof TaskStatus, actual: keyof typeof TaskStatus) => ({
  taskId,
  expected: TaskStatus[expected],
  actual: TaskStatus[actual],
});

// prettier-ignore
const ATTEMPTS: Attempt[] = [
  // ---- result twice
  { name: "a second result from the paid assignee",
    setup: async () => ({ taskId: await completedTask() }),
    attempt: ({ taskId }) => m(provider(0)).submitResult(taskId, 1, RESULT),
    error: "InvalidTaskStatus", args: ({ taskId }) => status(taskId, "Awarded", "Completed") },
  { name: "a result from the fallback of a completed task, with the next epoch",
    setup: async () => ({ taskId: await completedTask() }),
    attempt: ({ taskId }) => m(provider(1)).submitResult(taskId, 2, RESULT),
    error: "InvalidTaskStatus", args: ({ taskId }) => status(taskId, "Awarded", "Completed") },
  { name: "a result from the assignee that abandoned, once its fallback holds the task",
    setup: async () => {
      const taskId = await awardedTask();
      await mined(m(provider(0)).abandonTask(taskId));
      return { taskId };
    },
    attempt: ({ taskId }) => m(provider(0)).submitResult(taskId, 1, RESULT),
    error: "StaleEpoch", args: ({ taskId }) => ({ taskId, given: 1n, current: 2n }) },
  { name: "a result from the fallback of a completed task, with the paid assignee's epoch",
    setup: async () => ({ taskId: await completedTask() }),
    attempt: ({ taskId }) => m(provider(1)).submitResult(taskId, 1, RESULT),
    error: "InvalidTaskStatus", args: ({ taskId }) => status(taskId, "Awarded", "Completed") },
  // ---- result after a refund
  { name: "a result after the poster cancelled (refund: Cancelled)",
    setup: async () => ({ taskId: await cancelledTask() }),
    attempt: ({ taskId }) => m(provider(0)).submitResult(taskId, 1, RESULT),
    error: "InvalidTaskStatus", args: ({ taskId }) => status(taskId, "Awarded", "Refunded") },
  { name: "a result from the last assignee after its expiry refunded the task (refund: FallbacksExhausted)",
    setup: async () => ({ taskId: await exhaustedTask() }),
    attempt: ({ taskId }) => m(provider(1)).submitResult(taskId, 2, RESULT),
    error: "InvalidTaskStatus", args: ({ taskId }) => status(taskId, "Awarded", "Refunded") },
  { name: "a result after the task expired unbid (refund: NoBids)",
    setup: async () => {
      await registerProvider(fx, provider(0));
      const taskId = await postTask(fx, poster(), { maxPrice: parseEther("1") });
      await closeAfterWindow(fx, taskId);
      return { taskId };
    },
    attempt: ({ taskId }) => m(provider(0)).submitResult(taskId, 0, RESULT),
    error: "InvalidTaskStatus", args: ({ taskId }) => status(taskId, "Awarded", "Refunded") },
  // ---- refund after a result
  { name: "a cancel after the result",
    setup: async () => ({ taskId: await completedTask() }),
    attempt: ({ taskId }) => m(poster()).cancelTask(taskId),
    error: "InvalidTaskStatus", args: ({ taskId }) => status(taskId, "Open", "Completed") },
  { name: "an abandon by the paid assignee after its result",
    setup: async () => ({ taskId: await completedTask() }),
    attempt: ({ taskId }) => m(provider(0)).abandonTask(taskId),
    error: "InvalidTaskStatus", args: ({ taskId }) => status(taskId, "Awarded", "Completed") },
  { name: "a closeAuction (no-bid refund path) after the result",
    setup: async () => ({ taskId: await completedTask() }),
    attempt: ({ taskId }) => m(fx.stranger).closeAuction(taskId),
    error: "InvalidTaskStatus", args: ({ taskId }) => status(taskId, "Open", "Completed") },
  // ---- reroute of a completed or refunded task
  { name: "a reroute of a completed task after its deadline (no slash, no second award)",
    setup: async () => {
      const taskId = await completedTask();
      await passDeadline(fx, taskId);
      return { taskId };
    },
    attempt: ({ taskId }) => m(fx.stranger).reroute(taskId),
    error: "InvalidTaskStatus", args: ({ taskId }) => status(taskId, "Awarded", "Completed") },
  { name: "a rerouteTasks batch of a late task and a completed one (all or nothing: the late one is not rerouted either)",
    setup: async () => {
      const other = await awardedTask(); // provider 0 holds it; it will be late
      const taskId = await postTask(fx, poster(), { maxPrice: parseEther("1") });
      await mined(m(provider(1)).placeBid(taskId, parseEther("0.2")));
      await closeAfterWindow(fx, taskId);
      await mined(m(provider(1)).submitResult(taskId, 1, RESULT));
      const deadlines = await Promise.all([other, taskId].map(async (id) => Number((await fx.market.getTask(id)).deadline)));
      await mineAt(fx, Math.max(...deadlines) + 1);
      return { taskId, other };
    },
    attempt: ({ taskId, other }) => m(fx.stranger).rerouteTasks([other!, taskId]),
    error: "InvalidTaskStatus", args: ({ taskId }) => status(taskId, "Awarded", "Completed") },
  { name: "a reroute of a refunded task",
    setup: async () => ({ taskId: await exhaustedTask() }),
    attempt: ({ taskId }) => m(fx.stranger).reroute(taskId),
    error: "InvalidTaskStatus", args: ({ taskId }) => status(taskId, "Awarded", "Refunded") },
  // ---- refund twice
  { name: "a second cancel",
    setup: async () => ({ taskId: await cancelledTask() }),
    attempt: ({ taskId }) => m(poster()).cancelTask(taskId),
    error: "InvalidTaskStatus", args: ({ taskId }) => status(taskId, "Open", "Refunded") },
  // ---- withdraw twice
  { name: "a second withdraw of the payment",
    setup: async () => {
      const taskId = await completedTask();
      await mined(m(provider(0)).withdraw());
      return { taskId };
    },
    attempt: () => m(provider(0)).withdraw(),
    error: "NothingToWithdraw", args: () => ({ account: fx.providerAddresses[0]! }) },
  { name: "a second withdrawStake of unbonded stake",
    setup: async () => {
      await registerProvider(fx, provider(0));
      await mined(m(provider(0)).requestStakeWithdrawal(fx.config.minStake));
      await mineAt(fx, (await now(fx)) + fx.config.unbondingDelay);
      await mined(m(provider(0)).withdrawStake());
      return { taskId: 0n };
    },
    attempt: () => m(provider(0)).withdrawStake(),
    error: "NothingToWithdraw", args: () => ({ account: fx.providerAddresses[0]! }) },
];

// ---------------------------------------------------------------- no wei moves

/** Where every wei is: the market's balance and totals, and each account's credit, stake and ether. */
async function money(): Promise<Record<string, unknown>> {
  const market = fx.market;
  const count = await market.taskCount();
  const tasks = [];
  for (let id = 1n; id <= count; id += 1n) tasks.push(await taskState(fx, id));
  return {
    balance: await fx.chain.provider.getBalance(fx.address),
    totalEscrow: await market.totalEscrow(),
    totalCredits: await market.totalCredits(),
    totalStaked: await market.totalStaked(),
    accounts: await Promise.all(
      fx.accounts.map(async (a) => {
        const p = await market.getProvider(a);
        return { a, credit: await market.creditOf(a), stake: p.stake, unbonding: p.unbonding, slashed: p.slashedTotal, ether: await fx.chain.provider.getBalance(a) };
      }),
    ),
    tasks,
  };
}

describe("double payouts revert and move no wei", () => {
  it.each(ATTEMPTS.map((a) => [a.name, a.error, a] as const))("%s: %s", async (_name, _error, a) => {
    const ids = await a.setup();
    await fx.conserved();
    const before = await money();
    await expectRevert(fx, a.attempt(ids), a.error, a.args(ids));
    expect(await money(), "nothing moved").toEqual(before);
    await fx.conserved();
  });
});
