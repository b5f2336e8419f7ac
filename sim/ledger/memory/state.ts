// The storage of the in-memory ComputeMarket: the same records as the contract, plus an undo
// journal so that a refused transaction (a revert) leaves nothing behind.
import type { Address } from "../../protocol/actions.js";
import { enumNumbers, TASK_STATUS } from "../../protocol/enums.js";

/** Zero address: the contract's `address(0)`. */
export const ZERO_ADDRESS: Address = "0x0000000000000000000000000000000000000000";
/** The zero bytes16 region code: any region. */
export const ZERO_REGION = "0x00000000000000000000000000000000";

export const UINT32_MAX = 0xffff_ffff;
export const UINT40_MAX = 2 ** 40 - 1;
/** Largest escrow, so largest price: the contract keeps prices in 88 bits. */
export const UINT88_MAX = 2n ** 88n - 1n;
export const UINT96_MAX = 2n ** 96n - 1n;
export const UINT128_MAX = 2n ** 128n - 1n;
export const UINT256_MAX = 2n ** 256n - 1n;

/** IComputeMarket.TaskStatus as the contract stores it: `{ None: 0, Open: 1, ... }`. */
export const Status = enumNumbers(TASK_STATUS);
export type StatusValue = (typeof Status)[keyof typeof Status];

/** Solidity's panic code for arithmetic overflow or underflow. */
export const PANIC_OVERFLOW = 0x11n;

/**
 * A revert with one of the market's custom errors (or a Panic), by name and arguments typed as
 * ethers decodes them: bigint for every uint (enums included), checksummed addresses, lowercase
 * hex for fixed bytes.
 */
export class MarketRefusal extends Error {
  override readonly name = "MarketRefusal";
  constructor(
    readonly errorName: string,
    readonly errorArgs: Record<string, unknown> = {},
  ) {
    super(`reverted with ${errorName}(${Object.entries(errorArgs).map(([k, v]) => `${k}=${String(v)}`).join(", ")})`);
  }
}

/** Reverts with a custom error. */
export function refuse(errorName: string, errorArgs: Record<string, unknown> = {}): never {
  throw new MarketRefusal(errorName, errorArgs);
}

/** Reverts the way checked arithmetic does; ethers names the Panic argument "". */
export function panicOverflow(): never {
  throw new MarketRefusal("Panic", { "": PANIC_OVERFLOW });
}

/** `uint40(block.timestamp) + delta` in checked uint40 arithmetic. */
export function addUint40Time(now: number, delta: number): number {
  const sum = (now % 2 ** 40) + delta;
  if (sum > UINT40_MAX) panicOverflow();
  return sum;
}

/** Checked addition in an unsigned type whose maximum is `max`. */
export function checkedAdd(a: bigint, b: bigint, max: bigint): bigint {
  const sum = a + b;
  if (sum > max) panicOverflow();
  return sum;
}

/** Checked subtraction (underflow reverts). */
export function checkedSub(a: bigint, b: bigint): bigint {
  if (b > a) panicOverflow();
  return a - b;
}

export interface BidRecord {
  provider: Address;
  price: bigint;
}

export interface BidderRecord {
  /** 0: never bid; r + 1: last bid in round r. */
  lastRoundPlusOne: number;
  /** Missed a deadline or abandoned this task: may not bid on it again. */
  failed: boolean;
}

/** A task as stored: IComputeMarket.Task, plus its fallback list (bidder states are kept apart). */
export interface TaskRecord {
  poster: Address;
  maxPrice: bigint;
  provider: Address;
  payment: bigint;
  /** Lowercase 0x-hex of 32 bytes. */
  requirementsHash: string;
  /** bytes16 region code, lowercase hex. */
  region: string;
  bidWindowEnd: number;
  deadline: number;
  executionBudget: number;
  /** An index into MECHANISM. */
  mechanism: number;
  status: StatusValue;
  bidWindowLength: number;
  epoch: number;
  reroutes: number;
  round: number;
  fallbackCursor: number;
  /** The kept bids of this round, best first: its length is the contract's fallbackCount. */
  fallbacks: BidRecord[];
  /** Keeper reserve still escrowed, wei (the contract stores the keeper calls paid); 0 once ended. */
  keeperReserve: bigint;
}

/** A provider as stored: IComputeMarket.Provider. */
export interface ProviderRecord {
  /** stake + unbonding never exceeds UINT96_MAX (addStake refuses deposits beyond it). */
  stake: bigint;
  /** bytes16 region code, lowercase hex. */
  region: string;
  capacity: number;
  unbonding: bigint;
  unbondingReadyAt: number;
  activeAssignments: number;
  slashCount: number;
  registered: boolean;
  /** A uint256: it never overflows. */
  slashedTotal: bigint;
}

export interface Totals {
  taskCount: number;
  totalEscrow: bigint;
  totalCredits: bigint;
  totalStaked: bigint;
  /** Ether the contract holds: value received minus value paid out. */
  balance: bigint;
}

export function emptyProvider(): ProviderRecord {
  return {
    stake: 0n,
    region: ZERO_REGION,
    capacity: 0,
    unbonding: 0n,
    unbondingReadyAt: 0,
    activeAssignments: 0,
    slashCount: 0,
    registered: false,
    slashedTotal: 0n,
  };
}

export function copyTask(t: TaskRecord): TaskRecord {
  return { ...t, fallbacks: t.fallbacks.map((b) => ({ ...b })) };
}

const NO_BIDDER: Readonly<BidderRecord> = Object.freeze({ lastRoundPlusOne: 0, failed: false });

/**
 * Everything the contract stores. Mutations go through `task`/`provider`/`setCredit`/`totals`,
 * which journal the first change of each record inside a transaction so `rollback` can undo it.
 */
export class MarketState {
  private readonly tasksById = new Map<number, TaskRecord>();
  private readonly providersByAddress = new Map<Address, ProviderRecord>();
  private readonly creditsByAccount = new Map<Address, bigint>();
  /** The contract's _bidders[taskId][provider], journalled entry by entry (a task may have many bidders). */
  private readonly biddersByTask = new Map<number, Map<Address, BidderRecord>>();
  private totalsRecord: Totals = { taskCount: 0, totalEscrow: 0n, totalCredits: 0n, totalStaked: 0n, balance: 0n };

  // The journal of the open transaction: originals (undefined: did not exist) of what it touched.
  private open = false;
  private readonly savedTasks = new Map<number, TaskRecord | undefined>();
  private readonly savedProviders = new Map<Address, ProviderRecord | undefined>();
  private readonly savedCredits = new Map<Address, bigint | undefined>();
  private readonly savedBidders: Array<{ taskId: number; provider: Address; original: BidderRecord | undefined }> = [];
  private savedTotals: Totals | undefined;

  // ---------------------------------------------------------------- transactions

  begin(): void {
    if (this.open) throw new Error("a transaction is already open");
    this.open = true;
  }

  commit(): void {
    this.clearJournal();
  }

  rollback(): void {
    for (const [id, original] of this.savedTasks) {
      if (original === undefined) this.tasksById.delete(id);
      else this.tasksById.set(id, original);
    }
    for (const [address, original] of this.savedProviders) {
      if (original === undefined) this.providersByAddress.delete(address);
      else this.providersByAddress.set(address, original);
    }
    for (const [address, original] of this.savedCredits) {
      if (original === undefined) this.creditsByAccount.delete(address);
      else this.creditsByAccount.set(address, original);
    }
    for (let i = this.savedBidders.length - 1; i >= 0; i -= 1) {
      const { taskId, provider, original } = this.savedBidders[i]!;
      const bidders = this.biddersByTask.get(taskId)!;
      if (original === undefined) bidders.delete(provider);
      else bidders.set(provider, original);
    }
    if (this.savedTotals !== undefined) this.totalsRecord = this.savedTotals;
    this.clearJournal();
  }

  private clearJournal(): void {
    this.open = false;
    this.savedTasks.clear();
    this.savedProviders.clear();
    this.savedCredits.clear();
    this.savedBidders.length = 0;
    this.savedTotals = undefined;
  }

  // ---------------------------------------------------------------- reads (never mutate the result)

  readTask(id: number): TaskRecord | undefined {
    return this.tasksById.get(id);
  }

  readProvider(address: Address): ProviderRecord | undefined {
    return this.providersByAddress.get(address);
  }

  readCredit(address: Address): bigint {
    return this.creditsByAccount.get(address) ?? 0n;
  }

  /** What the market knows of `provider` on task `taskId` (all zero if it never bid). */
  readBidder(taskId: number, provider: Address): Readonly<BidderRecord> {
    return this.biddersByTask.get(taskId)?.get(provider) ?? NO_BIDDER;
  }

  get totals(): Readonly<Totals> {
    return this.totalsRecord;
  }

  /** Accounts that hold or held a credit, providers that are or were stored. */
  accounts(): { providers: Address[]; creditors: Address[] } {
    return { providers: [...this.providersByAddress.keys()], creditors: [...this.creditsByAccount.keys()] };
  }

  // ---------------------------------------------------------------- writes

  /** The task, ready to be mutated. */
  task(id: number): TaskRecord {
    const t = this.tasksById.get(id);
    if (t === undefined) throw new Error(`task ${id} is not stored`);
    if (this.open && !this.savedTasks.has(id)) this.savedTasks.set(id, copyTask(t));
    return t;
  }

  createTask(id: number, record: TaskRecord): TaskRecord {
    if (this.open && !this.savedTasks.has(id)) this.savedTasks.set(id, undefined);
    this.tasksById.set(id, record);
    return record;
  }

  /** The provider (an all-zero record when unknown, as in a Solidity mapping), ready to be mutated. */
  provider(address: Address): ProviderRecord {
    let p = this.providersByAddress.get(address);
    if (this.open && !this.savedProviders.has(address)) this.savedProviders.set(address, p === undefined ? undefined : { ...p });
    if (p === undefined) {
      p = emptyProvider();
      this.providersByAddress.set(address, p);
    }
    return p;
  }

  setBidder(taskId: number, provider: Address, record: BidderRecord): void {
    let bidders = this.biddersByTask.get(taskId);
    if (bidders === undefined) {
      bidders = new Map();
      this.biddersByTask.set(taskId, bidders);
    }
    if (this.open) this.savedBidders.push({ taskId, provider, original: bidders.get(provider) });
    bidders.set(provider, record);
  }

  setCredit(address: Address, amount: bigint): void {
    if (this.open && !this.savedCredits.has(address)) this.savedCredits.set(address, this.creditsByAccount.get(address));
    this.creditsByAccount.set(address, amount);
  }

  /** The totals, ready to be mutated. */
  mutTotals(): Totals {
    if (this.open && this.savedTotals === undefined) this.savedTotals = { ...this.totalsRecord };
    return this.totalsRecord;
  }

  // ---------------------------------------------------------------- copies

  /** A deep copy (outside any transaction). */
  copy(): MarketState {
    if (this.open) throw new Error("cannot copy the state inside a transaction");
    const other = new MarketState();
    this.copyInto(other);
    return other;
  }

  /** Replaces `target`'s content with a deep copy of this state. */
  copyInto(target: MarketState): void {
    target.tasksById.clear();
    target.providersByAddress.clear();
    target.creditsByAccount.clear();
    target.biddersByTask.clear();
    for (const [id, t] of this.tasksById) target.tasksById.set(id, copyTask(t));
    for (const [id, bidders] of this.biddersByTask) target.biddersByTask.set(id, new Map(bidders));
    for (const [a, p] of this.providersByAddress) target.providersByAddress.set(a, { ...p });
    for (const [a, c] of this.creditsByAccount) target.creditsByAccount.set(a, c);
    target.totalsRecord = { ...this.totalsRecord };
    target.clearJournal();
  }
}
