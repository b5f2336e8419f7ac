// A stale provider: it held a task, went silent past its deadline, the keeper rerouted the task
// to the next kept bid, and then it comes back and reports its result anyway. The market must
// refuse it with the exact custom error (StaleEpoch for its old epoch, NotAssignedProvider if it
// claims the new one, InvalidTaskStatus once the task is done or re-auctioned), credit it
// nothing, and pay the new provider once. Run through the Ledger interface on the real contract
// (ChainLedger on the embedded chain) and on the memory ledger, which must agree block by block.
import { beforeAll, describe, expect, it } from "vitest";
import { connectChain } from "../../sim/chain/connect.js";
import { ChainLedger } from "../../sim/ledger/chain-ledger.js";
import { MemoryLedger } from "../../sim/ledger/memory-ledger.js";
import type { Address } from "../../sim/protocol/actions.js";
import type { BlockResult, Ledger } from "../../sim/protocol/ledger.js";
import { SIM_EPOCH } from "../../sim/run/simulate.js";
import { ComputeMarket__factory } from "../../types/ethers-contracts/index.js";
import { act, eth, LEDGER_TEST_CONFIG, memoryActors } from "../helpers/ledger-actors.js";

const { posters, providers, stranger: keeper } = memoryActors();
const [poster] = posters;
/** stale: wins task 1 and goes silent; next: the fallback it is rerouted to; lone: the only bidder on task 2. */
const [stale, next, lone] = providers;
const STATUS = { Open: 1n, Awarded: 2n, Completed: 3n } as const;
const BUDGET = 60;
const STALE_PRICE = eth(0.2);
const NEXT_PRICE = eth(0.3);

/** The blocks of the story, by name, and the credits each account ends with. */
interface StaleStory {
  blocks: Record<"award" | "reroute" | "staleReturns" | "afterCompletion", BlockResult>;
  credits: Record<"stale" | "next" | "lone", bigint>;
}

/** Plays the story on `ledger` from timestamp `t0`; `creditOf` reads the ledger's credits. */
async function playStaleStory(ledger: Ledger, t0: number, creditOf: (a: Address) => Promise<bigint>): Promise<StaleStory> {
  const at = (dt: number) => t0 + dt;
  await ledger.commitBlock(at(0), [
    act.register(stale),
    act.register(next),
    act.register(lone),
    act.post(poster, at(10), { budget: BUDGET }),
    act.post(poster, at(10), { budget: BUDGET }),
  ]);
  await ledger.commitBlock(at(1), [act.bids(stale, [1, STALE_PRICE]), act.bids(next, [1, NEXT_PRICE]), act.bids(lone, [2, STALE_PRICE])]);
  const award = await ledger.commitBlock(at(10), [act.close(keeper, 1, 2)]);
  // Both assignees go silent; past the deadline the keeper reroutes: task 1 to `next` at epoch 2,
  // task 2 (no other bid) back to auction.
  const reroute = await ledger.commitBlock(at(10 + BUDGET + 1), [act.reroute(keeper, 1, 2)]);
  // They come back and report anyway; then the new assignee reports, once.
  const staleReturns = await ledger.commitBlock(at(10 + BUDGET + 2), [
    act.result(stale, 1, 1),
    act.result(stale, 1, 2),
    act.result(lone, 2, 1),
    act.bids(lone, [2, STALE_PRICE]),
    act.result(next, 1, 2),
  ]);
  const afterCompletion = await ledger.commitBlock(at(10 + BUDGET + 3), [act.result(stale, 1, 1), act.result(next, 1, 2)]);
  return {
    blocks: { award, reroute, staleReturns, afterCompletion },
    credits: { stale: await creditOf(stale), next: await creditOf(next), lone: await creditOf(lone) },
  };
}

/** The checks, the same on both ledgers. */
function checkStory(story: StaleStory): void {
  const { award, reroute, staleReturns, afterCompletion } = story.blocks;
  expect(award.events.filter((e) => e.name === "TaskAwarded")).toMatchObject([
    { taskId: 1, provider: stale, epoch: 1 },
    { taskId: 2, provider: lone, epoch: 1 },
  ]);
  expect(reroute.events.map((e) => [e.name, "taskId" in e ? e.taskId : undefined])).toEqual([
    ["TaskRerouted", 1],
    ["ProviderSlashed", 1],
    ["TaskAwarded", 1],
    ["TaskRerouted", 2],
    ["ProviderSlashed", 2],
    ["TaskReopened", 2],
  ]);
  expect(reroute.events[2]).toMatchObject({ provider: next, epoch: 2, payment: NEXT_PRICE });

  // Every late report is refused with the exact custom error; the new assignee's is not.
  expect(staleReturns.refused.map((r) => ({ kind: r.action.kind, from: r.action.from, error: r.error, args: r.args }))).toEqual([
    { kind: "result", from: stale, error: "StaleEpoch", args: { taskId: 1n, given: 1n, current: 2n } },
    { kind: "result", from: stale, error: "NotAssignedProvider", args: { taskId: 1n, caller: stale, assignee: next } },
    { kind: "result", from: lone, error: "InvalidTaskStatus", args: { taskId: 2n, expected: STATUS.Awarded, actual: STATUS.Open } },
    { kind: "bids", from: lone, error: "ProviderFailedTask", args: { taskId: 2n, provider: lone } },
  ]);
  expect(staleReturns.events).toEqual([
    expect.objectContaining({ name: "ResultSubmitted", taskId: 1, provider: next, epoch: 2, payment: NEXT_PRICE, posterRefund: eth(1) - NEXT_PRICE }),
  ]);
  expect(afterCompletion.events).toEqual([]);
  expect(afterCompletion.refused.map((r) => [r.action.from, r.error, r.args])).toEqual([
    [stale, "InvalidTaskStatus", { taskId: 1n, expected: STATUS.Awarded, actual: STATUS.Completed }],
    [next, "InvalidTaskStatus", { taskId: 1n, expected: STATUS.Awarded, actual: STATUS.Completed }],
  ]);

  // No credit for the stale providers; the new one is paid its price, once.
  expect(story.credits).toEqual({ stale: 0n, next: NEXT_PRICE, lone: 0n });
}

/** Events and refusals of each block: what both ledgers must agree on. */
function outcomes(story: StaleStory): unknown {
  return Object.fromEntries(Object.entries(story.blocks).map(([name, b]) => [name, { events: b.events, refused: b.refused.map((r) => [r.action, r.error, r.args]) }]));
}

describe("a stale provider reports after its task was rerouted", () => {
  let memory: StaleStory;
  let chain: StaleStory;

  beforeAll(async () => {
    const chainLedger = await ChainLedger.create(await connectChain(), LEDGER_TEST_CONFIG, SIM_EPOCH);
    const market = chainLedger.marketAddress;
    const iface = ComputeMarket__factory.createInterface();
    const creditOf = async (account: Address): Promise<bigint> => {
      const data = iface.encodeFunctionData("creditOf", [account]);
      const raw = (await chainLedger.chain.rpc("eth_call", [{ to: market, data }, "latest"])) as string;
      return iface.decodeFunctionResult("creditOf", raw)[0] as bigint;
    };
    try {
      chain = await playStaleStory(chainLedger, chainLedger.startTimestamp, creditOf);
    } finally {
      await chainLedger.close();
    }
    // The same story from the same first timestamp, so deadlines in the events compare equal.
    const memoryLedger = new MemoryLedger(LEDGER_TEST_CONFIG);
    memory = await playStaleStory(memoryLedger, chainLedger.startTimestamp, async (a) => memoryLedger.creditOf(a));
  });

  it("on the memory ledger: refused with the exact error, no credit, the new provider paid once", () => {
    checkStory(memory);
  });

  it("on the chain (ComputeMarket through ChainLedger): the same", () => {
    checkStory(chain);
  });

  it("both ledgers give the same events and refusals, block for block", () => {
    expect(outcomes(chain)).toEqual(outcomes(memory));
  });
});
