import { expect } from "vitest";
import type { ContractTransactionReceipt, JsonRpcSigner, Result } from "ethers";
import { decodeChainError } from "../../sim/chain/errors.js";
import {
  CONFIG_FIELD,
  enumNumbers,
  enumValues,
  FAILURE_REASON,
  MECHANISM,
  REFUND_REASON,
  SKIP_REASON,
  TASK_STATUS,
} from "../../sim/protocol/enums.js";
import type { MarketFixture } from "./market-fixture.js";

// What the contract tests assert with: enum values, exact comparison of decoded values, custom
// errors, events, state snapshots, and the escrow conservation check.

/** A mined transaction's receipt, as `mined` returns it. */
export type Receipt = ContractTransactionReceipt;

// ---------------------------------------------------------------- enums
// The ABI carries enums as uint8. The names come from sim/protocol/enums.ts, which
// test/protocol/enums.test.ts ties to the contract, so no test spells a value by hand.

// enumValues (bigints, as getTask and decoded events return them) and enumNumbers (numbers, for
// comparisons with `Number(...)` and for contract arguments) live with the names.
export { enumNumbers, enumValues } from "../../sim/protocol/enums.js";

/** IComputeMarket.TaskStatus: None 0n, Open 1n, Awarded 2n, Completed 3n, Refunded 4n. */
export const Status = enumValues(TASK_STATUS);
/** IComputeMarket.Mechanism: FirstPrice 0n, SecondPrice 1n. */
export const Mechanism = enumValues(MECHANISM);
/** IComputeMarket.FailureReason: DeadlineMissed 0n, Abandoned 1n. */
export const FailureReason = enumValues(FAILURE_REASON);
/** IComputeMarket.SkipReason: AtCapacity 0n, InsufficientFreeStake 1n. */
export const SkipReason = enumValues(SKIP_REASON);
/** IComputeMarket.RefundReason: Cancelled 0n, NoBids 1n, FallbacksExhausted 2n. */
export const RefundReason = enumValues(REFUND_REASON);

/** IComputeMarket.ConfigField as numbers: MinStake 0 … FallbackDepth 5, KeeperFee 6. */
export const ConfigField = enumNumbers(CONFIG_FIELD);

// ---------------------------------------------------------------- exact comparison

/**
 * Numbers become bigints and strings (addresses, hashes) lower case, so a hand-written expected
 * value compares exactly with what ethers decodes (bigint, checksummed address).
 */
export function normalise(value: unknown): unknown {
  return typeof value === "number" ? BigInt(value) : typeof value === "string" ? value.toLowerCase() : value;
}

/** `normalise` applied to every value of a record. */
export function normaliseArgs(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, normalise(v)]));
}

// ---------------------------------------------------------------- custom errors

/**
 * Asserts that `call` reverts with the market's custom error `name`, and, when given, with
 * exactly these arguments (by parameter name).
 */
export async function expectRevert(
  fx: MarketFixture,
  call: Promise<unknown>,
  name: string,
  args?: Record<string, unknown>,
): Promise<void> {
  let thrown: unknown;
  try {
    await call;
  } catch (error) {
    thrown = error;
  }
  expect(thrown, `expected a revert with ${name}`).toBeDefined();
  const decoded = decodeChainError(thrown, fx.market.interface);
  expect(decoded.errorName, decoded.message).toBe(name);
  if (args !== undefined) {
    expect(normaliseArgs(decoded.errorArgs ?? {})).toEqual(normaliseArgs(args));
  }
}

// ---------------------------------------------------------------- events

/** A market event: its name and its arguments by parameter name. */
export interface MarketEvent {
  name: string;
  args: Record<string, unknown>;
}

/**
 * Every log of the receipt decoded as a market event, in order, with its arguments exactly as
 * ethers decodes them (uints as bigint, checksummed addresses). A log from another contract, or
 * one the market's ABI does not describe, fails the test: no event goes unseen.
 */
export function rawMarketEvents(fx: MarketFixture, receipt: Receipt): MarketEvent[] {
  return receipt.logs.map((log) => {
    expect(log.address.toLowerCase(), "every log comes from the market").toBe(fx.address.toLowerCase());
    const parsed = fx.market.interface.parseLog(log);
    if (parsed === null) throw new Error(`a log the market's ABI does not describe: ${log.topics[0]}`);
    return {
      name: parsed.name,
      args: Object.fromEntries(parsed.fragment.inputs.map((input, i) => [input.name, parsed.args[i] as unknown])),
    };
  });
}

/** An expected event, its arguments normalised (see `normalise`) like `marketEvents`'. */
export function ev(name: string, args: Record<string, unknown>): MarketEvent {
  return { name, args: normaliseArgs(args) };
}

/** `rawMarketEvents` with normalised arguments, to compare with `ev(...)`. */
export function marketEvents(fx: MarketFixture, receipt: Receipt): MarketEvent[] {
  return rawMarketEvents(fx, receipt).map((e) => ev(e.name, e.args));
}

/** Asserts that the receipt's market events are exactly `expected`, in order (values normalised). */
export function expectEvents(fx: MarketFixture, receipt: Receipt, expected: readonly MarketEvent[]): void {
  expect(marketEvents(fx, receipt)).toEqual(expected.map((e) => ev(e.name, e.args)));
}

// ---------------------------------------------------------------- state snapshots
// For "a refused call changes nothing": compare a snapshot taken before with one taken after.

/** Every field of the stored task, by name. */
export async function taskState(fx: MarketFixture, taskId: bigint): Promise<Record<string, unknown>> {
  return ((await fx.market.getTask(taskId)) as unknown as Result).toObject();
}

/** The provider's number of active assignments. */
export async function activeAssignments(fx: MarketFixture, signer: JsonRpcSigner): Promise<bigint> {
  return (await fx.market.getProvider(await signer.getAddress())).activeAssignments;
}

/** The account's withdrawable credit. */
export async function creditOf(fx: MarketFixture, signer: JsonRpcSigner): Promise<bigint> {
  return fx.market.creditOf(await signer.getAddress());
}

// ---------------------------------------------------------------- money

/**
 * Sends `send` from `address` and returns its receipt and what the account received: its balance
 * change plus the gas it paid, i.e. exactly the wei the contract sent it.
 */
export async function receivedBy(
  fx: MarketFixture,
  address: string,
  send: () => Promise<Receipt>,
): Promise<{ receipt: Receipt; received: bigint }> {
  const before = await fx.chain.provider.getBalance(address);
  const receipt = await send();
  const after = await fx.chain.provider.getBalance(address);
  return { receipt, received: after - before + receipt.gasUsed * receipt.gasPrice };
}

/**
 * Checks escrow conservation two ways: the contract's totals against its balance, and the totals
 * against the per-task, per-account and per-provider state the test knows of.
 * `accounts` are every account that may hold credits; `providers` every registered provider.
 */
export async function expectConservation(
  fx: MarketFixture,
  accounts: readonly string[],
  providers: readonly string[],
  options: { forceSent?: bigint } = {},
): Promise<void> {
  const m = fx.market;
  const [balance, escrow, credits, staked, count] = await Promise.all([
    fx.chain.provider.getBalance(fx.address),
    m.totalEscrow(),
    m.totalCredits(),
    m.totalStaked(),
    m.taskCount(),
  ]);
  expect(balance, "contract balance = escrow + credits + stakes (+ force-sent)").toBe(
    escrow + credits + staked + (options.forceSent ?? 0n),
  );

  let openEscrow = 0n;
  for (let id = 1n; id <= count; id += 1n) {
    const task = await m.getTask(id);
    if (task.status === Status.Open || task.status === Status.Awarded) openEscrow += task.maxPrice + task.keeperReserve;
    else expect(task.keeperReserve, `task ${id} ended: no keeper reserve left`).toBe(0n);
  }
  expect(escrow, "totalEscrow = sum of maxPrice + keeper reserve left over Open and Awarded tasks").toBe(openEscrow);

  let sumCredits = 0n;
  for (const account of new Set(accounts)) sumCredits += await m.creditOf(account);
  expect(credits, "totalCredits = sum of every account's credit").toBe(sumCredits);

  let sumStakes = 0n;
  for (const provider of new Set(providers)) {
    const p = await m.getProvider(provider);
    sumStakes += p.stake + p.unbonding;
  }
  expect(staked, "totalStaked = sum of stake + unbonding").toBe(sumStakes);
}
