// Who may call what: every mutating function of ComputeMarket × every caller role, allowed or
// refused exactly as IComputeMarket.sol's NatSpec says, each refusal with its exact custom error
// and arguments. The roles are relative to one market state built once (see buildState):
//   poster    posted every task; owed credits from two settled tasks
//   assigned  provider A: the assignee of `running` and `late`, owed a credit, stake unbonded
//   other     provider B: registered, a fallback on `running`, owed a credit, stake unbonded
//   stranger  never registered, never posted, owed nothing
// Each cell starts from that state (evm_revert), at the same timestamp.
import { beforeAll, describe, expect, it } from "vitest";
import { keccak256, parseEther, toUtf8Bytes, type ContractTransactionResponse, type JsonRpcSigner } from "ethers";
import type { ComputeMarket } from "../../types/ethers-contracts/index.js";
import { encodeRegion } from "../../sim/protocol/region.js";
import { revertTo, snapshot } from "../../sim/chain/time.js";
import {
  as,
  atTime,
  closeAfterWindow,
  FIRST_PRICE,
  mineAt,
  mined,
  now,
  postTask,
  registerProvider,
  useMarketFixture,
} from "../helpers/market-fixture.js";
import { expectRevert, rawMarketEvents } from "../helpers/market-assertions.js";

const fx = useMarketFixture({}, { resetBeforeEach: false });

const ROLES = ["poster", "assigned", "other", "stranger"] as const;
type Role = (typeof ROLES)[number];

/** The market state every cell starts from. */
interface World {
  signer: Record<Role, JsonRpcSigner>;
  address: Record<Role, string>;
  /** Open, window far ahead, no bids: cancel and bid on these. */
  open: bigint;
  open2: bigint;
  /** Open, window ended, one bid: close it. */
  closable: bigint;
  /** Awarded to `assigned` (epoch 1), deadline far ahead, `other` its fallback: submit or abandon. */
  running: bigint;
  /** Awarded to `assigned`, deadline passed: reroute it. */
  late: bigint;
  /** Timestamp of every cell's transaction. */
  at: number;
  snap: string;
}
let world: World;

const FAR = 1_000_000; // seconds: windows and budgets that never end during the test
const RESULT = keccak256(toUtf8Bytes("result"));

beforeAll(async () => {
  world = await buildState();
});

async function buildState(): Promise<World> {
  const signer: Record<Role, JsonRpcSigner> = { poster: fx.posters[0]!, assigned: fx.providers[0]!, other: fx.providers[1]!, stranger: fx.stranger };
  const address = Object.fromEntries(await Promise.all(ROLES.map(async (r) => [r, await signer[r].getAddress()]))) as Record<Role, string>;
  const { poster, assigned: a, other: b } = signer;
  const min = fx.config.minStake;
  await registerProvider(fx, a, { stake: 3n * min });
  await registerProvider(fx, b, { stake: 3n * min });

  // Credits for poster, A and B: each provider delivers one task.
  for (const [provider, price] of [[a, "0.3"], [b, "0.4"]] as const) {
    const id = await postTask(fx, poster, { window: 10 });
    await mined(as(fx, provider).placeBid(id, parseEther(price)));
    await closeAfterWindow(fx, id);
    await mined(as(fx, provider).submitResult(id, 1, RESULT));
  }
  const late = await postTask(fx, poster, { window: 10, budget: 10 });
  const running = await postTask(fx, poster, { window: 10, budget: FAR });
  const closable = await postTask(fx, poster, { window: 20 });
  await mined(as(fx, a).placeBid(late, parseEther("0.2")));
  await mined(as(fx, a).placeBid(running, parseEther("0.3")));
  await mined(as(fx, b).placeBid(running, parseEther("0.5")));
  await mined(as(fx, b).placeBid(closable, parseEther("0.5")));
  await closeAfterWindow(fx, late);
  await closeAfterWindow(fx, running);
  const open = await postTask(fx, poster, { window: FAR });
  const open2 = await postTask(fx, poster, { window: FAR });
  // Unbonded stake for A and B, ready once the delay has passed (which also ends `late` and `closable`).
  await mined(as(fx, a).requestStakeWithdrawal(min / 2n));
  await mined(as(fx, b).requestStakeWithdrawal(min / 2n));
  await mineAt(fx, (await now(fx)) + fx.config.unbondingDelay + 1);

  const task = (id: bigint) => fx.market.getTask(id);
  expect((await task(running)).provider).toBe(address.assigned);
  expect((await task(late)).provider).toBe(address.assigned);
  expect(Number((await task(late)).deadline)).toBeLessThan(await now(fx));
  expect(Number((await task(closable)).bidWindowEnd)).toBeLessThan(await now(fx));
  for (const role of ["poster", "assigned", "other"] as const) expect(await fx.market.creditOf(address[role])).toBeGreaterThan(0n);
  return { signer, address, open, open2, closable, running, late, at: (await now(fx)) + 10, snap: await snapshot(fx.chain) };
}

// ---------------------------------------------------------------- the matrix

/** Allowed: the call succeeds and emits `event` (the state change it names). */
type Expectation = "allowed" | { error: string; args: (w: World, caller: string) => Record<string, unknown> };

const allowed = "allowed" as const;
const notRegistered: Expectation = { error: "ProviderNotRegistered", args: (_, caller) => ({ account: caller }) };
const alreadyRegistered: Expectation = { error: "ProviderAlreadyRegistered", args: (_, caller) => ({ provider: caller }) };
const nothingOwed: Expectation = { error: "NothingToWithdraw", args: (_, caller) => ({ account: caller }) };
const notPoster: Expectation = { error: "NotTaskPoster", args: (w, caller) => ({ taskId: w.open, caller, poster: w.address.poster }) };
const notAssignee: Expectation = { error: "NotAssignedProvider", args: (w, caller) => ({ taskId: w.running, caller, assignee: w.address.assigned }) };

interface Row {
  fn: string;
  call: (m: ComputeMarket, w: World) => Promise<ContractTransactionResponse>;
  /** The event an allowed call emits. */
  event: string;
  expect: Record<Role, Expectation>;
}

const row = (fn: string, event: string, call: Row["call"], poster: Expectation, assigned: Expectation, other: Expectation, stranger: Expectation): Row => ({
  fn,
  call,
  event,
  expect: { poster, assigned, other, stranger },
});

const REGION = encodeRegion("eu-west-1");
const post = (m: ComputeMarket, w: World) => m.postTask(RESULT, REGION, w.at + 60, 300, FIRST_PRICE, { value: parseEther("1") });

// IComputeMarket.sol, function by function (the NatSpec that sets who may call it in brackets).
// prettier-ignore
const MATRIX: Row[] = [
  //  function                 event                       call                                                                         poster          assigned           other              stranger
  // "Register the caller as a provider": anyone not yet registered.
  row("registerProvider",      "ProviderRegistered",       (m) => m.registerProvider(REGION, 4, { value: fx.config.minStake }),      allowed,        alreadyRegistered, alreadyRegistered, allowed),
  // "Add msg.value to the caller's stake" / "Change the caller's capacity" / "Move unlocked stake to unbonding": registered providers.
  row("addStake",              "StakeAdded",               (m) => m.addStake({ value: 1n }),                                          notRegistered,  allowed,           allowed,           notRegistered),
  row("updateCapacity",        "CapacityUpdated",          (m) => m.updateCapacity(2),                                                notRegistered,  allowed,           allowed,           notRegistered),
  row("requestStakeWithdrawal", "StakeWithdrawalRequested", (m) => m.requestStakeWithdrawal(1n),                                      notRegistered,  allowed,           allowed,           notRegistered),
  // "Pay out the caller's unbonding stake": whoever has some unbonded.
  row("withdrawStake",         "StakeWithdrawn",           (m) => m.withdrawStake(),                                                  nothingOwed,    allowed,           allowed,           nothingOwed),
  // "Post a task": anyone.
  row("postTask",              "TaskPosted",               post,                                                                      allowed,        allowed,           allowed,           allowed),
  // "Poster only: cancel an Open task".
  row("cancelTask",            "TaskRefunded",             (m, w) => m.cancelTask(w.open),                                            allowed,        notPoster,         notPoster,         notPoster),
  // "Bid on an Open task": registered, staked providers.
  row("placeBid",              "BidPlaced",                (m, w) => m.placeBid(w.open, parseEther("0.1")),                           notRegistered,  allowed,           allowed,           notRegistered),
  row("placeBids",             "BidPlaced",                (m, w) => m.placeBids([w.open, w.open2], [parseEther("0.1"), parseEther("0.2")]), notRegistered, allowed,   allowed,           notRegistered),
  // "Anyone: after the bid window, award ...".
  row("closeAuction",          "TaskAwarded",              (m, w) => m.closeAuction(w.closable),                                      allowed,        allowed,           allowed,           allowed),
  row("closeAuctions",         "TaskAwarded",              (m, w) => m.closeAuctions([w.closable]),                                   allowed,        allowed,           allowed,           allowed),
  // "Assignee only, before its deadline".
  row("submitResult",          "ResultSubmitted",          (m, w) => m.submitResult(w.running, 1, RESULT),                            notAssignee,    allowed,           notAssignee,       notAssignee),
  row("abandonTask",           "TaskRerouted",             (m, w) => m.abandonTask(w.running),                                        notAssignee,    allowed,           notAssignee,       notAssignee),
  // "Anyone, after the assignee's deadline" (the assignee itself included).
  row("reroute",               "TaskRerouted",             (m, w) => m.reroute(w.late),                                               allowed,        allowed,           allowed,           allowed),
  row("rerouteTasks",          "TaskRerouted",             (m, w) => m.rerouteTasks([w.late]),                                        allowed,        allowed,           allowed,           allowed),
  // "Pay out the caller's credits": whoever is owed.
  row("withdraw",              "Withdrawn",                (m) => m.withdraw(),                                                       allowed,        allowed,           allowed,           nothingOwed),
];

describe("the matrix names every mutating function of ComputeMarket", () => {
  it("has one row per non-view function of the ABI", () => {
    const mutating: string[] = [];
    fx.market.interface.forEachFunction((f) => {
      if (f.stateMutability !== "view" && f.stateMutability !== "pure") mutating.push(f.name);
    });
    mutating.sort();
    expect(MATRIX.map((r) => r.fn).sort()).toEqual(mutating);
  });
});

const outcome = (e: Expectation) => (e === "allowed" ? "allowed" : `refused ${e.error}`);

describe.each(MATRIX.map((r) => [r.fn, r] as const))("%s", (_, r) => {
  it.each(ROLES.map((role) => [role, outcome(r.expect[role])] as const))("by %s: %s", async (role) => {
    await revertTo(fx.chain, world.snap);
    world.snap = await snapshot(fx.chain);
    await atTime(fx, world.at);
    const caller = world.address[role];
    const call = r.call(as(fx, world.signer[role]), world);
    const expected = r.expect[role];
    if (expected === "allowed") {
      const events = rawMarketEvents(fx, await mined(call)).map((e) => e.name);
      expect(events, `${r.fn} by ${role} emits ${r.event}`).toContain(r.event);
      // A poster or the stranger may have registered: count their stake too.
      await fx.conserved({ extra: [world.address.poster, world.address.stranger] });
    } else {
      await expectRevert(fx, call, expected.error, expected.args(world, caller));
    }
  });
});
