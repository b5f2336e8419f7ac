// The shared machinery of the in-memory ComputeMarket: lookups, money, and what happens when an
// auction closes or an assignment fails (award the next fallback, re-open, refund, slash).
// machine.ts builds the contract's external functions on it.
import { keeperReserve, type MarketConfig } from "../../protocol/market-config.js";
import { CONFIG_FIELD, enumNumbers, enumValues, FAILURE_REASON, MECHANISM, REFUND_REASON, SKIP_REASON } from "../../protocol/enums.js";
import { decodeRegion } from "../../protocol/region.js";
import type { Address } from "../../protocol/actions.js";
import type { MarketEvent } from "../../protocol/events.js";
import {
  addUint40Time,
  checkedAdd,
  checkedSub,
  MarketState,
  panicOverflow,
  refuse,
  Status,
  UINT128_MAX,
  UINT256_MAX,
  UINT88_MAX,
  UINT96_MAX,
  ZERO_ADDRESS,
  type ProviderRecord,
  type StatusValue,
  type TaskRecord,
} from "./state.js";

const BPS = 10_000n;
const MAX_UNBONDING_DELAY = 365 * 86_400;
const MAX_FALLBACK_DEPTH = 8;

// The contract's enum values, from the names in sim/protocol/enums.ts.
const Mechanism = enumNumbers(MECHANISM);
export const FailureReason = enumNumbers(FAILURE_REASON);
const SkipReason = enumNumbers(SKIP_REASON);
export const RefundReason = enumNumbers(REFUND_REASON);
/** Bigints: InvalidConfig's field argument as ethers decodes it. */
const ConfigField = enumValues(CONFIG_FIELD);

/** One transaction's context: msg.sender, msg.value, block.timestamp, and where events go. */
export interface TxContext {
  /** Checksummed. */
  sender: Address;
  value: bigint;
  /** block.timestamp, seconds. */
  now: number;
  events: MarketEvent[];
}

/**
 * Checks a MarketConfig the way the contract's constructor does.
 * @throws MarketRefusal InvalidConfig(field, value)
 */
export function checkConfig(cfg: MarketConfig): void {
  if (cfg.minStake === 0n) refuse("InvalidConfig", { field: ConfigField.MinStake, value: cfg.minStake });
  if (cfg.unbondingDelay > MAX_UNBONDING_DELAY) refuse("InvalidConfig", { field: ConfigField.UnbondingDelay, value: BigInt(cfg.unbondingDelay) });
  if (cfg.slashBps > 10_000) refuse("InvalidConfig", { field: ConfigField.SlashBps, value: BigInt(cfg.slashBps) });
  if (cfg.abandonSlashBps > cfg.slashBps) refuse("InvalidConfig", { field: ConfigField.AbandonSlashBps, value: BigInt(cfg.abandonSlashBps) });
  if (cfg.maxRounds === 0) refuse("InvalidConfig", { field: ConfigField.MaxRounds, value: BigInt(cfg.maxRounds) });
  if (cfg.fallbackDepth === 0 || cfg.fallbackDepth > MAX_FALLBACK_DEPTH) {
    refuse("InvalidConfig", { field: ConfigField.FallbackDepth, value: BigInt(cfg.fallbackDepth) });
  }
  // The reserve must leave room for a maxPrice of at least 1 wei under the escrow bound.
  if (keeperReserve(cfg) >= UINT88_MAX) refuse("InvalidConfig", { field: ConfigField.KeeperFee, value: cfg.keeperFee });
}

export class MarketCore {
  protected readonly minStake: bigint;
  /** keeperReserve(config): what every task escrows on top of its maxPrice. */
  readonly keeperReserve: bigint;
  private readonly regionNames = new Map<string, string>();

  constructor(
    readonly config: Readonly<MarketConfig>,
    readonly state: MarketState,
  ) {
    this.minStake = config.minStake;
    this.keeperReserve = keeperReserve(config);
  }

  // ================================================================ views (also used by MemoryLedger)

  /** Stake beyond what active assignments lock (minStake each). */
  freeStake(p: Readonly<ProviderRecord>): bigint {
    const locked = BigInt(p.activeAssignments) * this.minStake;
    return p.stake > locked ? p.stake - locked : 0n;
  }

  regionName(code: string): string {
    let name = this.regionNames.get(code);
    if (name === undefined) {
      name = decodeRegion(code);
      this.regionNames.set(code, name);
    }
    return name;
  }

  /** The stored task, or TaskNotFound. */
  existingTask(taskId: bigint): TaskRecord {
    const t = taskId <= BigInt(Number.MAX_SAFE_INTEGER) ? this.state.readTask(Number(taskId)) : undefined;
    if (t === undefined || t.status === Status.None) refuse("TaskNotFound", { taskId });
    return t;
  }

  // ================================================================ assignments ending, auctions closing

  /** Ends the current assignment without a result: slash, bar the provider, then move the task on. */
  protected failAssignment(tx: TxContext, id: number, reason: number, slashBps: number): void {
    const t = this.state.task(id);
    const failed = t.provider;
    t.provider = ZERO_ADDRESS;
    t.payment = 0n;
    t.reroutes += 1; // at most fallbackDepth * maxRounds <= 8 * 255: fits uint16
    this.state.setBidder(id, failed, { lastRoundPlusOne: this.state.readBidder(id, failed).lastRoundPlusOne, failed: true });
    this.releaseAssignment(failed);
    tx.events.push({ name: "TaskRerouted", taskId: id, provider: failed, epoch: t.epoch, reason: FAILURE_REASON[reason]!, caller: tx.sender });

    this.slash(tx, failed, id, t.poster, slashBps);

    if (!this.assignNextFallback(tx, id)) this.reopenOrRefund(tx, id);
  }

  /** Walks the fallback list from the cursor and assigns the first eligible bid. */
  protected assignNextFallback(tx: TxContext, id: number): boolean {
    const t = this.state.task(id);
    const list = t.fallbacks;
    const count = list.length;
    for (let i = t.fallbackCursor; i < count; i += 1) {
      const bid = list[i]!;
      const current = this.state.readProvider(bid.provider)!;
      if (current.activeAssignments >= current.capacity) {
        tx.events.push({ name: "FallbackSkipped", taskId: id, provider: bid.provider, reason: SKIP_REASON[SkipReason.AtCapacity] });
        continue;
      }
      if (this.freeStake(current) < this.minStake) {
        tx.events.push({ name: "FallbackSkipped", taskId: id, provider: bid.provider, reason: SKIP_REASON[SkipReason.InsufficientFreeStake] });
        continue;
      }
      let payment = bid.price;
      if (t.mechanism === Mechanism.SecondPrice && i + 1 < count) payment = list[i + 1]!.price;
      const deadline = addUint40Time(tx.now, t.executionBudget);
      t.fallbackCursor = i + 1;
      t.provider = bid.provider;
      t.payment = payment;
      t.deadline = deadline;
      t.status = Status.Awarded;
      t.epoch += 1;
      this.state.provider(bid.provider).activeAssignments += 1; // bounded by capacity
      tx.events.push({ name: "TaskAwarded", taskId: id, provider: bid.provider, bidPrice: bid.price, payment, epoch: t.epoch, deadline });
      return true;
    }
    t.fallbackCursor = count;
    return false;
  }

  protected reopenOrRefund(tx: TxContext, id: number): void {
    const t = this.state.task(id);
    if (t.round + 1 >= this.config.maxRounds) {
      this.refund(tx, id, t.fallbacks.length === 0 ? RefundReason.NoBids : RefundReason.FallbacksExhausted);
      return;
    }
    t.round += 1;
    const bidWindowEnd = addUint40Time(tx.now, t.bidWindowLength);
    t.status = Status.Open;
    t.bidWindowEnd = bidWindowEnd;
    t.fallbacks = [];
    t.fallbackCursor = 0;
    tx.events.push({ name: "TaskReopened", taskId: id, round: t.round, bidWindowEnd });
  }

  /**
   * Takes one keeper fee from the task's reserve (out of totalEscrow) and reports KeeperPaid; the
   * caller credits the keeper once per transaction (creditKeeper). Nothing at all for a zero fee.
   * @returns the fee taken.
   */
  protected takeKeeperFee(tx: TxContext, id: number): bigint {
    const fee = this.config.keeperFee;
    if (fee === 0n) return 0n;
    const t = this.state.task(id);
    t.keeperReserve = checkedSub(t.keeperReserve, fee); // never underflows: the reserve covers every keeper call
    const totals = this.state.mutTotals();
    totals.totalEscrow = checkedSub(totals.totalEscrow, fee);
    tx.events.push({ name: "KeeperPaid", taskId: id, keeper: tx.sender, amount: fee });
    return fee;
  }

  /** Credits msg.sender the keeper fees taken in this call. */
  protected creditKeeper(tx: TxContext, fees: bigint): void {
    if (fees !== 0n) this.credit(tx.sender, fees);
  }

  protected refund(tx: TxContext, id: number, reason: number): void {
    const t = this.state.task(id);
    const amount = t.maxPrice + t.keeperReserve;
    t.keeperReserve = 0n;
    t.status = Status.Refunded;
    const totals = this.state.mutTotals();
    totals.totalEscrow = checkedSub(totals.totalEscrow, amount);
    this.credit(t.poster, amount);
    tx.events.push({ name: "TaskRefunded", taskId: id, poster: t.poster, amount, reason: REFUND_REASON[reason]! });
  }

  // ================================================================ internal: stake and money

  protected slash(tx: TxContext, provider: Address, taskId: number, poster: Address, slashBps: number): void {
    const p = this.state.provider(provider);
    const amount = (p.stake * BigInt(slashBps)) / BPS;
    p.stake -= amount;
    p.slashedTotal = checkedAdd(p.slashedTotal, amount, UINT256_MAX); // a uint256: never reached
    p.slashCount += 1;
    const totals = this.state.mutTotals();
    totals.totalStaked = checkedSub(totals.totalStaked, amount);
    this.credit(poster, amount);
    tx.events.push({ name: "ProviderSlashed", provider, taskId, amount, poster });
  }

  protected releaseAssignment(provider: Address): void {
    const p = this.state.provider(provider);
    if (p.activeAssignments === 0) panicOverflow();
    p.activeAssignments -= 1;
  }

  protected credit(account: Address, amount: bigint): void {
    this.state.setCredit(account, checkedAdd(this.state.readCredit(account), amount, UINT256_MAX));
    const totals = this.state.mutTotals();
    totals.totalCredits = checkedAdd(totals.totalCredits, amount, UINT128_MAX);
  }

  /** msg.value arrives with the call. */
  protected receive(value: bigint): void {
    const totals = this.state.mutTotals();
    totals.balance += value;
  }

  /** Ether leaves (withdraw, withdrawStake). The memory model's accounts always accept it. */
  protected pay(amount: bigint): void {
    const totals = this.state.mutTotals();
    totals.balance -= amount;
  }

  // ================================================================ internal: lookups

  protected taskInStatus(taskId: bigint, expected: StatusValue): TaskRecord {
    const t = this.existingTask(taskId);
    if (t.status !== expected) refuse("InvalidTaskStatus", { taskId, expected: BigInt(expected), actual: BigInt(t.status) });
    return t;
  }

  protected registeredProvider(account: Address): ProviderRecord {
    const p = this.state.readProvider(account);
    if (p === undefined || !p.registered) refuse("ProviderNotRegistered", { account });
    return p;
  }
}

export function toUint96(amount: bigint): bigint {
  if (amount > UINT96_MAX) refuse("AmountTooLarge", { amount });
  return amount;
}

/** An escrow (a task's maxPrice): prices are kept in 88 bits. */
export function toUint88(amount: bigint): bigint {
  if (amount > UINT88_MAX) refuse("AmountTooLarge", { amount });
  return amount;
}
