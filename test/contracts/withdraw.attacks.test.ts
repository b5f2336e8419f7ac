import { describe, expect, it } from "vitest";
import { id, keccak256, parseEther, toUtf8Bytes, type ContractTransactionResponse, type JsonRpcSigner } from "ethers";
import {
  ForceSender__factory,
  HostilePayee__factory,
  ReentrantActor__factory,
  type HostilePayee,
  type MarketActor,
  type ReentrantActor,
} from "../../types/ethers-contracts/index.js";
import { TASK_STATUS } from "../../sim/protocol/enums.js";
import { encodeRegion } from "../../sim/protocol/region.js";
import {
  as,
  closeAfterWindow,
  FIRST_PRICE,
  mineAt,
  mined,
  now,
  passDeadline,
  postedTaskId,
  postTask,
  registerProvider,
  useMarketFixture,
} from "../helpers/market-fixture.js";
import {
  enumNumbers,
  expectRevert,
  rawMarketEvents,
  receivedBy,
  type Receipt,
} from "../helpers/market-assertions.js";

// Money leaving the market: withdraw and withdrawStake under attack. Re-entrant payees, payees that
// refuse payment, ether forced in by selfdestruct, and every way of asking to be paid twice.
// Escrow conservation is checked after every step that moves or could move value.

/** IComputeMarket.TaskStatus as numbers: this file compares Number(task.status). */
const TaskStatus = enumNumbers(TASK_STATUS);
/** HostilePayee.Mode, in declaration order. */
const PayeeMode = { Revert: 0, BurnGas: 1 } as const;
type PayeeModeName = keyof typeof PayeeMode;
/** Gas limit for transactions whose payee burns all the gas it is given (no estimation). */
const BURN_GAS_LIMIT = 3_000_000;
const BPS = 10_000n;
const RESULT = id("result");

// Conservation (fx.conserved) covers every EOA; tests add the mock contracts that may hold credits
// or stake with `extra`.
const fx = useMarketFixture();

// ---------------------------------------------------------------- helpers

function signer(list: JsonRpcSigner[], i: number): JsonRpcSigner {
  const s = list[i];
  if (s === undefined) throw new Error(`no signer ${i}`);
  return s;
}
const poster = (i: number) => signer(fx.posters, i);
const provider = (i: number) => signer(fx.providers, i);

const balanceOf = (address: string) => fx.chain.provider.getBalance(address);
const marketBalance = () => balanceOf(fx.address);
const creditOf = (address: string) => fx.market.creditOf(address);

/** Market events named `name` in a receipt, as plain argument arrays. */
function eventArgs(receipt: Receipt, name: string): unknown[][] {
  return rawMarketEvents(fx, receipt)
    .filter((e) => e.name === name)
    .map((e) => Object.values(e.args));
}

// Encoded market calls, for mocks to forward with act().
const data = {
  register: () => fx.market.interface.encodeFunctionData("registerProvider", [encodeRegion("eu-west-1"), 4]),
  bid: (taskId: bigint, price: bigint) => fx.market.interface.encodeFunctionData("placeBid", [taskId, price]),
  submit: (taskId: bigint, epoch: bigint) => fx.market.interface.encodeFunctionData("submitResult", [taskId, epoch, RESULT]),
  reroute: (taskId: bigint) => fx.market.interface.encodeFunctionData("reroute", [taskId]),
  cancel: (taskId: bigint) => fx.market.interface.encodeFunctionData("cancelTask", [taskId]),
  requestStake: (amount: bigint) => fx.market.interface.encodeFunctionData("requestStakeWithdrawal", [amount]),
  withdraw: () => fx.market.interface.encodeFunctionData("withdraw"),
  withdrawStake: () => fx.market.interface.encodeFunctionData("withdrawStake"),
  post: async (window = 60) =>
    fx.market.interface.encodeFunctionData("postTask", [
      keccak256(toUtf8Bytes("render 1 frame")),
      encodeRegion("any"),
      (await now(fx)) + window,
      300,
      FIRST_PRICE,
    ]),
};

/** Anything that forwards calls to the market with act(). */
type Actor = Pick<MarketActor, "act" | "getAddress">;

function act(actor: Actor, calldata: string, value?: bigint): Promise<ContractTransactionResponse> {
  return value === undefined ? actor.act(calldata) : actor.act(calldata, { value });
}

/** Registers a mock as a provider with 2 × minStake. */
async function registerActor(actor: Actor): Promise<void> {
  await mined(act(actor, data.register(), fx.config.minStake * 2n));
}

/** A mock posts a task for `maxPrice`; returns its id. */
async function postAs(actor: Actor, maxPrice: bigint): Promise<bigint> {
  return postedTaskId(fx, await mined(act(actor, await data.post(), maxPrice)));
}

async function deployReentrant(): Promise<{ actor: ReentrantActor; address: string }> {
  const actor = await new ReentrantActor__factory(fx.deployer).deploy(fx.address);
  await actor.waitForDeployment();
  return { actor, address: await actor.getAddress() };
}

async function deployHostile(mode: PayeeModeName): Promise<{ payee: HostilePayee; address: string }> {
  const payee = await new HostilePayee__factory(fx.deployer).deploy(fx.address, PayeeMode[mode]);
  await payee.waitForDeployment();
  expect(await payee.mode()).toBe(BigInt(PayeeMode[mode]));
  return { payee, address: await payee.getAddress() };
}

/** Moves chain time past the caller's unbonding delay. */
async function passUnbonding(address: string): Promise<void> {
  const p = await fx.market.getProvider(address);
  await mineAt(fx, Number(p.unbondingReadyAt) + 1);
}

/** An EOA withdraws: paid exactly `expected` (balance delta + gas), one Withdrawn event, credit zeroed. */
async function withdrawEoa(account: JsonRpcSigner, expected: bigint): Promise<void> {
  const address = await account.getAddress();
  expect(await creditOf(address)).toBe(expected);
  const [marketBefore, totalBefore] = await Promise.all([marketBalance(), fx.market.totalCredits()]);
  const { receipt, received } = await receivedBy(fx, address, () => mined(as(fx, account).withdraw()));
  expect(received).toBe(expected);
  expect(marketBefore - (await marketBalance())).toBe(expected);
  expect(totalBefore - (await fx.market.totalCredits())).toBe(expected);
  expect(await creditOf(address)).toBe(0n);
  expect(eventArgs(receipt, "Withdrawn")).toEqual([[address, expected]]);
}

/** The decoded market error a ReentrantActor recorded for its re-entry. */
async function attackError(actor: ReentrantActor): Promise<{ name: string; args: unknown[] }> {
  expect(await actor.attackAttempted(), "re-entry attempted").toBe(true);
  expect(await actor.attackSucceeded(), "re-entry failed").toBe(false);
  const parsed = fx.market.interface.parseError(await actor.attackRevertData());
  expect(parsed, "re-entry revert data is a market error").not.toBeNull();
  return { name: parsed!.name, args: [...parsed!.args] };
}

/** Everything that says where the market's wei is. */
async function moneySnapshot(accounts: readonly string[], providers: readonly string[]) {
  return {
    balance: await marketBalance(),
    escrow: await fx.market.totalEscrow(),
    credits: await fx.market.totalCredits(),
    staked: await fx.market.totalStaked(),
    perAccount: await Promise.all(accounts.map((a) => creditOf(a))),
    perProvider: await Promise.all(
      providers.map(async (a) => {
        const p = await fx.market.getProvider(a);
        return [p.stake, p.unbonding];
      }),
    ),
  };
}

/** Runs `refused`, which must revert, and asserts that not one wei moved or was re-attributed. */
async function expectNothingMoves(refused: () => Promise<void>): Promise<void> {
  const before = await moneySnapshot(fx.accounts, fx.providerAddresses);
  await refused();
  expect(await moneySnapshot(fx.accounts, fx.providerAddresses)).toEqual(before);
}

/**
 * A HostilePayee asks for its credit (`withdraw`) or unbonded stake (`withdrawStake`): the payment
 * is refused by its receive(), the market reverts TransferFailed(payee, amount), and nothing changes.
 * In BurnGas mode the transaction is sent with an explicit gas limit and mined as a failure.
 */
async function expectPaymentRefused(
  payee: HostilePayee,
  mode: PayeeModeName,
  fn: "withdraw" | "withdrawStake",
  amount: bigint,
): Promise<void> {
  const address = await payee.getAddress();
  const owed = async () =>
    fn === "withdraw" ? creditOf(address) : (await fx.market.getProvider(address)).unbonding;
  expect(await owed()).toBe(amount);
  const [marketBefore, payeeBefore, creditsBefore, stakedBefore] = await Promise.all([
    marketBalance(),
    balanceOf(address),
    fx.market.totalCredits(),
    fx.market.totalStaked(),
  ]);
  const calldata = fn === "withdraw" ? data.withdraw() : data.withdrawStake();
  if (mode === "Revert") {
    await expectRevert(fx, payee.act(calldata), "TransferFailed", { to: address, amount });
  } else {
    const blockBefore = await fx.chain.provider.getBlockNumber();
    await expectRevert(fx, payee.act(calldata, { gasLimit: BURN_GAS_LIMIT }), "TransferFailed", { to: address, amount });
    // The transaction was mined, failed, and its payee burned the gas it was forwarded.
    expect(await fx.chain.provider.getBlockNumber()).toBe(blockBefore + 1);
    const block = await fx.chain.provider.getBlock("latest");
    expect(block?.transactions).toHaveLength(1);
    const receipt = await fx.chain.provider.getTransactionReceipt(block!.transactions[0]!);
    expect(receipt?.status).toBe(0);
    expect(receipt?.to?.toLowerCase()).toBe(address.toLowerCase());
    expect(receipt!.gasUsed > 2_000_000n, `gas burned: ${receipt!.gasUsed}`).toBe(true);
  }
  expect(await owed()).toBe(amount);
  expect(await marketBalance()).toBe(marketBefore);
  expect(await balanceOf(address)).toBe(payeeBefore);
  expect(await fx.market.totalCredits()).toBe(creditsBefore);
  expect(await fx.market.totalStaked()).toBe(stakedBefore);
}

/**
 * The ReentrantActor registers, bids `price` on a fresh 1 ETH task of poster 0 and submits its
 * result: it is owed `price`, the poster 1 ETH - price. Returns the task id.
 */
async function actorCompletesTask(actor: ReentrantActor, price: bigint): Promise<bigint> {
  await registerActor(actor);
  const taskId = await postTask(fx, poster(0), { maxPrice: parseEther("1") });
  await mined(act(actor, data.bid(taskId, price)));
  await closeAfterWindow(fx, taskId);
  await mined(act(actor, data.submit(taskId, 1n)));
  expect(Number((await fx.market.getTask(taskId)).status)).toBe(TaskStatus.Completed);
  return taskId;
}

// ---------------------------------------------------------------- withdraw

describe("withdraw", () => {
  it("pays exactly the credit, emits Withdrawn(account, amount), zeroes the credit and lowers totalCredits by it", async () => {
    const p1 = provider(0);
    await registerProvider(fx, p1);
    const taskId = await postTask(fx, poster(0), { maxPrice: parseEther("1") });
    await mined(as(fx, p1).placeBid(taskId, parseEther("0.3")));
    await closeAfterWindow(fx, taskId);
    await mined(as(fx, p1).submitResult(taskId, 1, RESULT));
    await fx.conserved();

    // withdrawEoa checks the balance delta + gas, the market balance, totalCredits, the event and the zeroed credit.
    await withdrawEoa(p1, parseEther("0.3"));
    expect(await creditOf(fx.posterAddresses[0]!), "the poster's credit is untouched").toBe(parseEther("0.7"));
    expect(await fx.market.totalCredits()).toBe(parseEther("0.7"));
    await fx.conserved();

    await withdrawEoa(poster(0), parseEther("0.7"));
    expect(await fx.market.totalCredits()).toBe(0n);
    expect(await marketBalance()).toBe(fx.config.minStake * 2n);
    await fx.conserved();
  });

  it("reverts NothingToWithdraw(account) for an account with zero credit, even a staked provider", async () => {
    await registerProvider(fx, provider(0));
    await expectNothingMoves(async () => {
      await expectRevert(fx, as(fx, fx.stranger).withdraw(), "NothingToWithdraw", { account: fx.strangerAddress });
      await expectRevert(fx, as(fx, provider(0)).withdraw(), "NothingToWithdraw", { account: fx.providerAddresses[0]! });
    });
    await fx.conserved();
  });

  it("reverts NothingToWithdraw(account) on a second withdraw", async () => {
    const taskId = await postTask(fx, poster(0), { maxPrice: parseEther("0.4") });
    await mined(as(fx, poster(0)).cancelTask(taskId));
    await withdrawEoa(poster(0), parseEther("0.4"));
    await expectNothingMoves(() =>
      expectRevert(fx, as(fx, poster(0)).withdraw(), "NothingToWithdraw", { account: fx.posterAddresses[0]! }),
    );
    await fx.conserved();
  });
});

// ---------------------------------------------------------------- reentrancy

describe("re-entry from the payee's receive()", () => {
  it("withdraw re-entering withdraw: pays the credit once, the re-entry fails with ReentrantCall", async () => {
    const { actor, address } = await deployReentrant();
    const price = parseEther("0.3");
    await actorCompletesTask(actor, price);
    expect(await creditOf(address)).toBe(price);
    await fx.conserved({ extra: [address] });

    await mined(actor.setAttack(data.withdraw()));
    const [marketBefore, actorBefore, creditsBefore] = await Promise.all([
      marketBalance(),
      balanceOf(address),
      fx.market.totalCredits(),
    ]);
    const receipt = await mined(act(actor, data.withdraw()));

    expect((await balanceOf(address)) - actorBefore, "paid exactly the credit, once").toBe(price);
    expect(marketBefore - (await marketBalance())).toBe(price);
    expect(creditsBefore - (await fx.market.totalCredits())).toBe(price);
    expect(await creditOf(address)).toBe(0n);
    expect(eventArgs(receipt, "Withdrawn")).toEqual([[address, price]]);
    expect(await attackError(actor)).toEqual({ name: "ReentrantCall", args: [] });
    await fx.conserved({ extra: [address] });
  });

  it("withdrawStake re-entering withdrawStake: pays the unbonded stake once, the re-entry fails with ReentrantCall", async () => {
    const { actor, address } = await deployReentrant();
    const price = parseEther("0.3");
    await actorCompletesTask(actor, price);
    const unbond = fx.config.minStake;
    await mined(act(actor, data.requestStake(unbond)));
    await passUnbonding(address);
    await fx.conserved({ extra: [address] });

    await mined(actor.setAttack(data.withdrawStake()));
    const [marketBefore, actorBefore, stakedBefore] = await Promise.all([
      marketBalance(),
      balanceOf(address),
      fx.market.totalStaked(),
    ]);
    const receipt = await mined(act(actor, data.withdrawStake()));

    expect((await balanceOf(address)) - actorBefore, "paid exactly the unbonded stake, once").toBe(unbond);
    expect(marketBefore - (await marketBalance())).toBe(unbond);
    expect(stakedBefore - (await fx.market.totalStaked())).toBe(unbond);
    const p = await fx.market.getProvider(address);
    expect(p.unbonding).toBe(0n);
    expect(p.stake).toBe(fx.config.minStake * 2n - unbond);
    expect(await creditOf(address), "its credit is untouched").toBe(price);
    expect(eventArgs(receipt, "StakeWithdrawn")).toEqual([[address, unbond]]);
    expect(await attackError(actor)).toEqual({ name: "ReentrantCall", args: [] });
    await fx.conserved({ extra: [address] });
  });

  it("withdrawStake re-entering withdraw: the lock refuses it with ReentrantCall although credit is owed; a later withdraw pays it once", async () => {
    const { actor, address } = await deployReentrant();
    const price = parseEther("0.3");
    await actorCompletesTask(actor, price);
    const unbond = fx.config.minStake;
    await mined(act(actor, data.requestStake(unbond)));
    await passUnbonding(address);

    await mined(actor.setAttack(data.withdraw()));
    const [marketBefore, actorBefore] = await Promise.all([marketBalance(), balanceOf(address)]);
    const receipt = await mined(act(actor, data.withdrawStake()));

    expect((await balanceOf(address)) - actorBefore, "paid the unbonded stake only").toBe(unbond);
    expect(marketBefore - (await marketBalance())).toBe(unbond);
    expect(eventArgs(receipt, "StakeWithdrawn")).toEqual([[address, unbond]]);
    expect(eventArgs(receipt, "Withdrawn")).toEqual([]);
    expect(await creditOf(address), "credit still owed, not paid by the re-entry").toBe(price);
    expect((await fx.market.getProvider(address)).unbonding).toBe(0n);
    expect(await attackError(actor)).toEqual({ name: "ReentrantCall", args: [] });
    await fx.conserved({ extra: [address] });

    // Without an attack, the credit is paid exactly once by a normal withdraw.
    await mined(actor.setAttack("0x"));
    const before = await balanceOf(address);
    await mined(act(actor, data.withdraw()));
    expect((await balanceOf(address)) - before).toBe(price);
    expect(await creditOf(address)).toBe(0n);
    await fx.conserved({ extra: [address] });
  });

  it("withdraw re-entering withdrawStake: the lock refuses it with ReentrantCall although stake is unbonded", async () => {
    const { actor, address } = await deployReentrant();
    const price = parseEther("0.3");
    await actorCompletesTask(actor, price);
    const unbond = fx.config.minStake;
    await mined(act(actor, data.requestStake(unbond)));
    await passUnbonding(address);

    await mined(actor.setAttack(data.withdrawStake()));
    const [marketBefore, actorBefore] = await Promise.all([marketBalance(), balanceOf(address)]);
    const receipt = await mined(act(actor, data.withdraw()));

    expect((await balanceOf(address)) - actorBefore, "paid the credit only").toBe(price);
    expect(marketBefore - (await marketBalance())).toBe(price);
    expect(eventArgs(receipt, "Withdrawn")).toEqual([[address, price]]);
    expect(eventArgs(receipt, "StakeWithdrawn")).toEqual([]);
    expect((await fx.market.getProvider(address)).unbonding, "unbonding still owed").toBe(unbond);
    expect(await attackError(actor)).toEqual({ name: "ReentrantCall", args: [] });
    await fx.conserved({ extra: [address] });
  });

  it("submitResult for the task just paid, re-entered from withdraw, fails with InvalidTaskStatus(task, Awarded, Completed)", async () => {
    const { actor, address } = await deployReentrant();
    const price = parseEther("0.3");
    const taskId = await actorCompletesTask(actor, price);

    await mined(actor.setAttack(data.submit(taskId, 1n)));
    const [marketBefore, actorBefore, posterCredit] = await Promise.all([
      marketBalance(),
      balanceOf(address),
      creditOf(fx.posterAddresses[0]!),
    ]);
    const receipt = await mined(act(actor, data.withdraw()));

    expect(await attackError(actor)).toEqual({
      name: "InvalidTaskStatus",
      args: [taskId, BigInt(TaskStatus.Awarded), BigInt(TaskStatus.Completed)],
    });
    expect((await balanceOf(address)) - actorBefore).toBe(price);
    expect(marketBefore - (await marketBalance())).toBe(price);
    expect(await creditOf(address)).toBe(0n);
    expect(await creditOf(fx.posterAddresses[0]!)).toBe(posterCredit);
    expect(eventArgs(receipt, "ResultSubmitted")).toEqual([]);
    await fx.conserved({ extra: [address] });
  });

  it("submitResult for another live assignment, re-entered from withdraw, settles exactly as a normal result would", async () => {
    const { actor, address } = await deployReentrant();
    const priceA = parseEther("0.3");
    const priceB = parseEther("0.4");
    await registerActor(actor);
    const taskA = await postTask(fx, poster(0), { maxPrice: parseEther("1") });
    const taskB = await postTask(fx, poster(1), { maxPrice: parseEther("1") });
    await mined(act(actor, data.bid(taskA, priceA)));
    await mined(act(actor, data.bid(taskB, priceB)));
    await closeAfterWindow(fx, taskA);
    await closeAfterWindow(fx, taskB);
    await mined(act(actor, data.submit(taskA, 1n)));
    expect((await fx.market.getProvider(address)).activeAssignments).toBe(1n);
    await fx.conserved({ extra: [address] });

    await mined(actor.setAttack(data.submit(taskB, 1n)));
    const [marketBefore, actorBefore, escrowBefore, creditsBefore, poster1Before] = await Promise.all([
      marketBalance(),
      balanceOf(address),
      fx.market.totalEscrow(),
      fx.market.totalCredits(),
      creditOf(fx.posterAddresses[1]!),
    ]);
    const receipt = await mined(act(actor, data.withdraw()));

    expect(await actor.attackSucceeded()).toBe(true);
    // The outer withdraw paid task A's payment, once.
    expect((await balanceOf(address)) - actorBefore).toBe(priceA);
    expect(marketBefore - (await marketBalance())).toBe(priceA);
    expect(eventArgs(receipt, "Withdrawn")).toEqual([[address, priceA]]);
    // The inner result settled task B exactly as a direct submitResult: payment to the actor, rest to the poster.
    expect(eventArgs(receipt, "ResultSubmitted")).toEqual([[taskB, address, 1n, RESULT, priceB, parseEther("0.6")]]);
    expect(Number((await fx.market.getTask(taskB)).status)).toBe(TaskStatus.Completed);
    expect(await creditOf(address), "only task B's payment, still owed").toBe(priceB);
    expect((await creditOf(fx.posterAddresses[1]!)) - poster1Before).toBe(parseEther("0.6"));
    expect(escrowBefore - (await fx.market.totalEscrow())).toBe(parseEther("1"));
    expect(await fx.market.totalCredits()).toBe(creditsBefore - priceA + parseEther("1"));
    expect((await fx.market.getProvider(address)).activeAssignments).toBe(0n);
    await fx.conserved({ extra: [address] });

    // The credit from the inner result is paid by a later withdraw, once.
    await mined(actor.setAttack("0x"));
    const before = await balanceOf(address);
    await mined(act(actor, data.withdraw()));
    expect((await balanceOf(address)) - before).toBe(priceB);
    expect(await creditOf(address)).toBe(0n);
    await fx.conserved({ extra: [address] });
  });

  it("reroute of an overdue task, re-entered from withdraw, acts exactly as a normal reroute and credits the attacker nothing", async () => {
    const { actor, address } = await deployReentrant();
    const [p1, p2] = [provider(0), provider(1)];
    await registerProvider(fx, p1);
    await registerProvider(fx, p2);
    await registerActor(actor);
    const taskA = await postTask(fx, poster(0), { maxPrice: parseEther("1") });
    const taskC = await postTask(fx, poster(1), { maxPrice: parseEther("1") });
    const priceA = parseEther("0.3");
    await mined(act(actor, data.bid(taskA, priceA)));
    await mined(as(fx, p1).placeBid(taskC, parseEther("0.2")));
    await mined(as(fx, p2).placeBid(taskC, parseEther("0.5")));
    await closeAfterWindow(fx, taskA);
    await closeAfterWindow(fx, taskC);
    await mined(act(actor, data.submit(taskA, 1n)));
    await passDeadline(fx, taskC);
    await fx.conserved({ extra: [address] });

    await mined(actor.setAttack(data.reroute(taskC)));
    const [marketBefore, actorBefore, poster1Before, stakedBefore] = await Promise.all([
      marketBalance(),
      balanceOf(address),
      creditOf(fx.posterAddresses[1]!),
      fx.market.totalStaked(),
    ]);
    const receipt = await mined(act(actor, data.withdraw()));

    expect(await actor.attackSucceeded()).toBe(true);
    expect((await balanceOf(address)) - actorBefore).toBe(priceA);
    expect(marketBefore - (await marketBalance())).toBe(priceA);
    expect(await creditOf(address), "the attacker gains no credit").toBe(0n);
    // Exactly what a reroute by anyone does: slash p1 to the poster, award the fallback p2.
    const slash = (fx.config.minStake * 2n * BigInt(fx.config.slashBps)) / BPS;
    expect(eventArgs(receipt, "TaskRerouted")).toEqual([[taskC, fx.providerAddresses[0]!, 1n, 0n, address]]);
    expect(eventArgs(receipt, "ProviderSlashed")).toEqual([[fx.providerAddresses[0]!, taskC, slash, fx.posterAddresses[1]!]]);
    expect((await creditOf(fx.posterAddresses[1]!)) - poster1Before).toBe(slash);
    expect(stakedBefore - (await fx.market.totalStaked())).toBe(slash);
    const task = await fx.market.getTask(taskC);
    expect(Number(task.status)).toBe(TaskStatus.Awarded);
    expect(task.provider).toBe(fx.providerAddresses[1]!);
    expect(task.epoch).toBe(2n);
    expect(task.reroutes).toBe(1n);
    expect(task.payment).toBe(parseEther("0.5"));
    await fx.conserved({ extra: [address] });
  });

  it("reroute of a task before its deadline, re-entered from withdraw, fails with DeadlineNotPassed(task, deadline, now)", async () => {
    const { actor, address } = await deployReentrant();
    const p1 = provider(0);
    await registerProvider(fx, p1);
    const price = parseEther("0.3");
    await actorCompletesTask(actor, price);
    const taskC = await postTask(fx, poster(1), { maxPrice: parseEther("1") });
    await mined(as(fx, p1).placeBid(taskC, parseEther("0.2")));
    await closeAfterWindow(fx, taskC);
    const deadline = (await fx.market.getTask(taskC)).deadline;

    await mined(actor.setAttack(data.reroute(taskC)));
    const [marketBefore, actorBefore, poster1Before] = await Promise.all([
      marketBalance(),
      balanceOf(address),
      creditOf(fx.posterAddresses[1]!),
    ]);
    const receipt = await mined(act(actor, data.withdraw()));
    const block = await receipt.getBlock();

    expect(await attackError(actor)).toEqual({
      name: "DeadlineNotPassed",
      args: [taskC, deadline, BigInt(block.timestamp)],
    });
    expect((await balanceOf(address)) - actorBefore).toBe(price);
    expect(marketBefore - (await marketBalance())).toBe(price);
    expect(await creditOf(fx.posterAddresses[1]!)).toBe(poster1Before);
    const task = await fx.market.getTask(taskC);
    expect(Number(task.status)).toBe(TaskStatus.Awarded);
    expect(task.provider).toBe(fx.providerAddresses[0]!);
    expect(task.epoch).toBe(1n);
    expect((await fx.market.getProvider(fx.providerAddresses[0]!)).stake).toBe(fx.config.minStake * 2n);
    await fx.conserved({ extra: [address] });
  });
});

// ---------------------------------------------------------------- hostile payees

describe.each(["Revert", "BurnGas"] as const)("hostile payee (%s mode)", (mode) => {
  it("as poster: its own withdraw fails with TransferFailed and keeps its credit; everyone else's withdraws, results, reroutes and refunds still work", async () => {
    const { payee, address } = await deployHostile(mode);
    const mocks = [address];
    const [p1, p2, p3] = [provider(0), provider(1), provider(2)];
    for (const p of [p1, p2, p3]) await registerProvider(fx, p);
    await fx.conserved({ extra: mocks });

    // Tasks: T1 and T3 posted by the hostile poster, T2 by poster 0.
    const t1 = await postAs(payee, parseEther("1"));
    const t2 = await postTask(fx, poster(0), { maxPrice: parseEther("1") });
    const t3 = await postAs(payee, parseEther("0.5"));
    await fx.conserved({ extra: mocks });
    await mined(as(fx, p1).placeBid(t1, parseEther("0.3")));
    await mined(as(fx, p2).placeBid(t2, parseEther("0.4")));
    await mined(as(fx, p3).placeBid(t3, parseEther("0.1")));
    await mined(as(fx, p1).placeBid(t3, parseEther("0.2")));
    for (const t of [t1, t2, t3]) await closeAfterWindow(fx, t);
    await fx.conserved({ extra: mocks });

    // T1's result credits the hostile poster the unused escrow; it cannot take it out.
    await mined(as(fx, p1).submitResult(t1, 1, RESULT));
    await fx.conserved({ extra: mocks });
    let hostileCredit = parseEther("0.7");
    await expectPaymentRefused(payee, mode, "withdraw", hostileCredit);
    await fx.conserved({ extra: mocks });

    // Another account's withdraw works.
    await withdrawEoa(p1, parseEther("0.3"));
    await fx.conserved({ extra: mocks });

    // Another task's result works.
    await mined(as(fx, p2).submitResult(t2, 1, RESULT));
    expect(Number((await fx.market.getTask(t2)).status)).toBe(TaskStatus.Completed);
    await fx.conserved({ extra: mocks });

    // A reroute of the hostile poster's task works, and credits it the slash.
    await passDeadline(fx, t3);
    await mined(as(fx, fx.stranger).reroute(t3));
    const slash = (fx.config.minStake * 2n * BigInt(fx.config.slashBps)) / BPS;
    hostileCredit += slash;
    expect(await creditOf(address)).toBe(hostileCredit);
    const task3 = await fx.market.getTask(t3);
    expect(task3.provider).toBe(fx.providerAddresses[0]!);
    expect(task3.epoch).toBe(2n);
    await fx.conserved({ extra: mocks });
    await mined(as(fx, p1).submitResult(t3, 2, RESULT));
    hostileCredit += parseEther("0.3");
    expect(await creditOf(address)).toBe(hostileCredit);
    await fx.conserved({ extra: mocks });

    // Refunds work: the hostile poster cancels a task (credited), and so does poster 1.
    const t4 = await postAs(payee, parseEther("0.25"));
    await mined(act(payee, data.cancel(t4)));
    hostileCredit += parseEther("0.25");
    expect(await creditOf(address)).toBe(hostileCredit);
    const t5 = await postTask(fx, poster(1), { maxPrice: parseEther("0.6") });
    await mined(as(fx, poster(1)).cancelTask(t5));
    expect(Number((await fx.market.getTask(t5)).status)).toBe(TaskStatus.Refunded);
    await fx.conserved({ extra: mocks });

    // Its withdraw still fails, for the whole (grown) credit, and every other payee is paid.
    await expectPaymentRefused(payee, mode, "withdraw", hostileCredit);
    await fx.conserved({ extra: mocks });
    await withdrawEoa(p1, parseEther("0.2"));
    await withdrawEoa(p2, parseEther("0.4"));
    await withdrawEoa(poster(0), parseEther("0.6"));
    await withdrawEoa(poster(1), parseEther("0.6"));
    await fx.conserved({ extra: mocks });
    expect(await fx.market.totalCredits(), "only the hostile credit is left").toBe(hostileCredit);
    expect(await fx.market.totalEscrow()).toBe(0n);
  });

  it("as provider: its withdraw and withdrawStake fail with TransferFailed and keep what it is owed; everyone else's withdraws, results, reroutes and refunds still work", async () => {
    const { payee, address } = await deployHostile(mode);
    const mocks = [address];
    const [p1, p2] = [provider(0), provider(1)];
    await registerProvider(fx, p1);
    await registerProvider(fx, p2);
    await registerActor(payee);
    await fx.conserved({ extra: mocks });

    // T1 (poster 0): hostile wins at 0.3 over p1. T2 (poster 1): p1 alone. T3 (poster 0): hostile wins, p2 falls back.
    const t1 = await postTask(fx, poster(0), { maxPrice: parseEther("1") });
    const t2 = await postTask(fx, poster(1), { maxPrice: parseEther("1") });
    const t3 = await postTask(fx, poster(0), { maxPrice: parseEther("1") });
    await mined(act(payee, data.bid(t1, parseEther("0.3"))));
    await mined(as(fx, p1).placeBid(t1, parseEther("0.5")));
    await mined(as(fx, p1).placeBid(t2, parseEther("0.4")));
    await mined(act(payee, data.bid(t3, parseEther("0.1"))));
    await mined(as(fx, p2).placeBid(t3, parseEther("0.2")));
    for (const t of [t1, t2, t3]) await closeAfterWindow(fx, t);
    expect((await fx.market.getTask(t1)).provider).toBe(address);
    expect((await fx.market.getTask(t3)).provider).toBe(address);
    await fx.conserved({ extra: mocks });

    await mined(act(payee, data.submit(t1, 1n)));
    await fx.conserved({ extra: mocks });
    const hostileCredit = parseEther("0.3");
    await expectPaymentRefused(payee, mode, "withdraw", hostileCredit);
    await fx.conserved({ extra: mocks });

    // Another account's withdraw works.
    await withdrawEoa(poster(0), parseEther("0.7"));
    await fx.conserved({ extra: mocks });

    // Another task's result works, and its provider is paid.
    await mined(as(fx, p1).submitResult(t2, 1, RESULT));
    await fx.conserved({ extra: mocks });
    await withdrawEoa(p1, parseEther("0.4"));
    await fx.conserved({ extra: mocks });

    // A reroute away from the hostile provider works: slash to poster 0, fallback p2 awarded and paid.
    await passDeadline(fx, t3);
    await mined(as(fx, fx.stranger).reroute(t3));
    const slash = (fx.config.minStake * 2n * BigInt(fx.config.slashBps)) / BPS;
    expect(await creditOf(fx.posterAddresses[0]!)).toBe(slash);
    expect((await fx.market.getProvider(address)).stake).toBe(fx.config.minStake * 2n - slash);
    expect((await fx.market.getTask(t3)).provider).toBe(fx.providerAddresses[1]!);
    await fx.conserved({ extra: mocks });
    await mined(as(fx, p2).submitResult(t3, 2, RESULT));
    await fx.conserved({ extra: mocks });
    await withdrawEoa(p2, parseEther("0.2"));
    await withdrawEoa(poster(0), slash + parseEther("0.8"));
    await fx.conserved({ extra: mocks });

    // A refund works.
    const t4 = await postTask(fx, poster(1), { maxPrice: parseEther("0.6") });
    await mined(as(fx, poster(1)).cancelTask(t4));
    await fx.conserved({ extra: mocks });
    await withdrawEoa(poster(1), parseEther("0.6") + parseEther("0.6"));
    await fx.conserved({ extra: mocks });

    // Its unbonded stake cannot be paid to it either; another provider's can.
    const unbond = fx.config.minStake;
    await mined(act(payee, data.requestStake(unbond)));
    await mined(as(fx, p1).requestStakeWithdrawal(unbond));
    // p1 asked last, so its delay ends last: past it, both are ready.
    await passUnbonding(fx.providerAddresses[0]!);
    expect((await fx.market.getProvider(address)).unbondingReadyAt <= (await fx.market.getProvider(fx.providerAddresses[0]!)).unbondingReadyAt).toBe(true);
    await fx.conserved({ extra: mocks });
    await expectPaymentRefused(payee, mode, "withdrawStake", unbond);
    await fx.conserved({ extra: mocks });
    const { received } = await receivedBy(fx, fx.providerAddresses[0]!, () => mined(as(fx, p1).withdrawStake()));
    expect(received).toBe(unbond);
    expect((await fx.market.getProvider(fx.providerAddresses[0]!)).unbonding).toBe(0n);
    await fx.conserved({ extra: mocks });

    // And its credit is still intact and still refused.
    await expectPaymentRefused(payee, mode, "withdraw", hostileCredit);
    expect(await fx.market.totalCredits(), "only the hostile credit is left").toBe(hostileCredit);
    await fx.conserved({ extra: mocks });
  });
});

// ---------------------------------------------------------------- force-sent ether

describe("force-sent ether", () => {
  const forceSent = parseEther("1");

  async function forceSend(): Promise<void> {
    const sender = await new ForceSender__factory(fx.deployer).deploy(fx.address, { value: forceSent });
    await sender.waitForDeployment();
    expect(await marketBalance()).toBe(forceSent);
    expect(await fx.chain.provider.getCode(await sender.getAddress()), "the sender destroyed itself").toBe("0x");
  }

  it("credits nobody: totalCredits stays 0 and a withdraw by the stranger or the deployer reverts NothingToWithdraw", async () => {
    await forceSend();
    await fx.conserved({ forceSent });
    await expectNothingMoves(async () => {
      await expectRevert(fx, as(fx, fx.stranger).withdraw(), "NothingToWithdraw", { account: fx.strangerAddress });
      await expectRevert(fx, as(fx, fx.deployer).withdraw(), "NothingToWithdraw", {
        account: await fx.deployer.getAddress(),
      });
    });
    expect(await fx.market.totalCredits()).toBe(0n);
    await fx.conserved({ forceSent });
  });

  it("leaves a full lifecycle working, with balance = escrow + credits + stakes + forceSent after every step", async () => {
    const check = () => fx.conserved({ forceSent });
    await forceSend();
    await check();
    const [p1, p2, p3] = [provider(0), provider(1), provider(2)];
    for (const p of [p1, p2, p3]) {
      await registerProvider(fx, p);
      await check();
    }
    const t1 = await postTask(fx, poster(0), { maxPrice: parseEther("1") });
    await check();
    const t2 = await postTask(fx, poster(1), { maxPrice: parseEther("1") });
    await check();
    await mined(as(fx, p1).placeBid(t1, parseEther("0.3")));
    await check();
    await mined(as(fx, p2).placeBid(t2, parseEther("0.2")));
    await check();
    await mined(as(fx, p3).placeBid(t2, parseEther("0.5")));
    await check();
    await closeAfterWindow(fx, t1);
    await check();
    await closeAfterWindow(fx, t2);
    await check();
    await mined(as(fx, p1).submitResult(t1, 1, RESULT));
    await check();

    // Reroute on the other task: p2 missed its deadline, p3 takes over and delivers.
    await passDeadline(fx, t2);
    await mined(as(fx, fx.stranger).reroute(t2));
    await check();
    const slash = (fx.config.minStake * 2n * BigInt(fx.config.slashBps)) / BPS;
    expect((await fx.market.getTask(t2)).provider).toBe(fx.providerAddresses[2]!);
    await mined(as(fx, p3).submitResult(t2, 2, RESULT));
    await check();

    // Cancel a fresh task.
    const t3 = await postTask(fx, poster(0), { maxPrice: parseEther("0.4") });
    await check();
    await mined(as(fx, poster(0)).cancelTask(t3));
    await check();

    // Every withdraw pays exactly what is owed; none touches the forced ether.
    await withdrawEoa(p1, parseEther("0.3"));
    await check();
    await withdrawEoa(p3, parseEther("0.5"));
    await check();
    await withdrawEoa(poster(0), parseEther("0.7") + parseEther("0.4"));
    await check();
    await withdrawEoa(poster(1), slash + parseEther("0.5"));
    await check();

    // Drain every stake too: what remains is exactly the forced ether.
    for (const [i, p] of [p1, p2, p3].entries()) {
      const address = fx.providerAddresses[i]!;
      const stake = (await fx.market.getProvider(address)).stake;
      await mined(as(fx, p).requestStakeWithdrawal(stake));
      await check();
      await passUnbonding(address);
      await mined(as(fx, p).withdrawStake());
      await check();
    }
    expect(await fx.market.totalEscrow()).toBe(0n);
    expect(await fx.market.totalCredits()).toBe(0n);
    expect(await fx.market.totalStaked()).toBe(0n);
    expect(await marketBalance()).toBe(forceSent);
  });
});

// ---------------------------------------------------------------- double payouts

describe("double payouts are refused and move no wei", () => {
  /** Poster 0 posts a 1 ETH task, provider 0 wins it at 0.3 and delivers. */
  async function completedTask(): Promise<bigint> {
    const p1 = provider(0);
    await registerProvider(fx, p1);
    const taskId = await postTask(fx, poster(0), { maxPrice: parseEther("1") });
    await mined(as(fx, p1).placeBid(taskId, parseEther("0.3")));
    await closeAfterWindow(fx, taskId);
    await mined(as(fx, p1).submitResult(taskId, 1, RESULT));
    await fx.conserved();
    return taskId;
  }

  it("a second result reverts InvalidTaskStatus(task, Awarded, Completed)", async () => {
    const taskId = await completedTask();
    await expectNothingMoves(() =>
      expectRevert(fx, as(fx, provider(0)).submitResult(taskId, 1, RESULT), "InvalidTaskStatus", {
        taskId,
        expected: TaskStatus.Awarded,
        actual: TaskStatus.Completed,
      }),
    );
    await fx.conserved();
  });

  it("a result after the task was refunded reverts InvalidTaskStatus(task, Awarded, Refunded)", async () => {
    // maxRounds 2: p1 wins round 0 and misses; round 1 gets no bids; the task is refunded.
    const p1 = provider(0);
    await registerProvider(fx, p1);
    const taskId = await postTask(fx, poster(0), { maxPrice: parseEther("1") });
    await mined(as(fx, p1).placeBid(taskId, parseEther("0.3")));
    await closeAfterWindow(fx, taskId);
    await passDeadline(fx, taskId);
    await mined(as(fx, fx.stranger).reroute(taskId));
    expect(Number((await fx.market.getTask(taskId)).status)).toBe(TaskStatus.Open);
    await closeAfterWindow(fx, taskId);
    expect(Number((await fx.market.getTask(taskId)).status)).toBe(TaskStatus.Refunded);
    const slash = (fx.config.minStake * 2n * BigInt(fx.config.slashBps)) / BPS;
    expect(await creditOf(fx.posterAddresses[0]!)).toBe(parseEther("1") + slash);
    await fx.conserved();

    await expectNothingMoves(() =>
      expectRevert(fx, as(fx, p1).submitResult(taskId, 1, RESULT), "InvalidTaskStatus", {
        taskId,
        expected: TaskStatus.Awarded,
        actual: TaskStatus.Refunded,
      }),
    );
    await fx.conserved();
  });

  it("a cancel after the result reverts InvalidTaskStatus(task, Open, Completed)", async () => {
    const taskId = await completedTask();
    await expectNothingMoves(() =>
      expectRevert(fx, as(fx, poster(0)).cancelTask(taskId), "InvalidTaskStatus", {
        taskId,
        expected: TaskStatus.Open,
        actual: TaskStatus.Completed,
      }),
    );
    await fx.conserved();
  });

  it("a reroute of a completed task, after its deadline, reverts InvalidTaskStatus(task, Awarded, Completed)", async () => {
    const taskId = await completedTask();
    await passDeadline(fx, taskId);
    await expectNothingMoves(() =>
      expectRevert(fx, as(fx, fx.stranger).reroute(taskId), "InvalidTaskStatus", {
        taskId,
        expected: TaskStatus.Awarded,
        actual: TaskStatus.Completed,
      }),
    );
    expect((await fx.market.getProvider(fx.providerAddresses[0]!)).slashCount).toBe(0n);
    await fx.conserved();
  });

  it("a second withdraw reverts NothingToWithdraw(account)", async () => {
    await completedTask();
    await withdrawEoa(provider(0), parseEther("0.3"));
    await expectNothingMoves(() =>
      expectRevert(fx, as(fx, provider(0)).withdraw(), "NothingToWithdraw", { account: fx.providerAddresses[0]! }),
    );
    await fx.conserved();
  });
});
