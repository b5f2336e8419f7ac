// ComputeMarket, function by function, in TypeScript: the same checks in the same order, the same
// integer arithmetic and overflow bounds, the same events in the same order. Each function
// mutates MarketState directly and reverts by throwing MarketRefusal; the caller rolls the state
// back (MarketState's journal), so a refused call changes nothing, as on chain.
import type { MarketConfig } from "../../chain/deploy.js";
import { FAILURE_REASON, MECHANISM, REFUND_REASON, SKIP_REASON } from "../../chain/market-enums.js";
import { decodeRegion } from "../../chain/region.js";
import type { Address, MarketEvent } from "../types.js";
import {
  addUint40Time,
  checkedAdd,
  checkedSub,
  MarketState,
  refuse,
  Status,
  UINT128_MAX,
  UINT256_MAX,
  UINT32_MAX,
  UINT96_MAX,
  ZERO_ADDRESS,
  ZERO_REGION,
  type ProviderRecord,
  type StatusValue,
  type TaskRecord,
} from "./state.js";

const BPS = 10_000n;
const MAX_UNBONDING_DELAY = 365 * 86_400;
const MAX_FALLBACK_DEPTH = 8;

const FailureReason = { DeadlineMissed: 0, Abandoned: 1 } as const;
const SkipReason = { AtCapacity: 0, InsufficientFreeStake: 1 } as const;
const RefundReason = { Cancelled: 0, NoBids: 1, FallbacksExhausted: 2 } as const;
const ConfigField = { MinStake: 0n, UnbondingDelay: 1n, SlashBps: 2n, AbandonSlashBps: 3n, MaxRounds: 4n, FallbackDepth: 5n } as const;

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
}

export class MarketMachine {
  private readonly minStake: bigint;
  private readonly regionNames = new Map<string, string>();

  constructor(
    readonly config: Readonly<MarketConfig>,
    public state: MarketState,
  ) {
    this.minStake = config.minStake;
  }

  // ================================================================ providers

  registerProvider(tx: TxContext, region: string, capacity: number): void {
    const existing = this.state.readProvider(tx.sender);
    if (existing?.registered === true) refuse("ProviderAlreadyRegistered", { provider: tx.sender });
    if (region === ZERO_REGION) refuse("InvalidRegion");
    if (capacity === 0) refuse("InvalidCapacity");
    if (tx.value < this.minStake) refuse("InsufficientStake", { provider: tx.sender, stake: tx.value, required: this.minStake });
    const stake = toUint96(tx.value);

    const p = this.state.provider(tx.sender);
    p.registered = true;
    p.region = region;
    p.capacity = capacity;
    p.stake = stake;
    this.receive(tx.value);
    const totals = this.state.mutTotals();
    totals.totalStaked = checkedAdd(totals.totalStaked, stake, UINT256_MAX);
    tx.events.push({ name: "ProviderRegistered", provider: tx.sender, region: this.regionName(region), capacity, stake });
  }

  addStake(tx: TxContext): void {
    this.registeredProvider(tx.sender);
    if (tx.value === 0n) refuse("ZeroAmount");
    const current = this.state.readProvider(tx.sender)!.stake;
    const stake = toUint96(checkedAdd(current, tx.value, UINT256_MAX));

    const p = this.state.provider(tx.sender);
    p.stake = stake;
    this.receive(tx.value);
    const totals = this.state.mutTotals();
    totals.totalStaked = checkedAdd(totals.totalStaked, tx.value, UINT256_MAX);
    tx.events.push({ name: "StakeAdded", provider: tx.sender, amount: tx.value, stake });
  }

  updateCapacity(tx: TxContext, capacity: number): void {
    this.registeredProvider(tx.sender);
    if (capacity === 0) refuse("InvalidCapacity");

    this.state.provider(tx.sender).capacity = capacity;
    tx.events.push({ name: "CapacityUpdated", provider: tx.sender, capacity });
  }

  requestStakeWithdrawal(tx: TxContext, amount: bigint): void {
    const current = this.registeredProvider(tx.sender);
    if (amount === 0n) refuse("ZeroAmount");
    const unlocked = this.freeStake(current);
    if (amount > unlocked) refuse("StakeLocked", { provider: tx.sender, requested: amount, unlocked });

    const p = this.state.provider(tx.sender);
    p.stake -= amount;
    p.unbonding = checkedAdd(p.unbonding, amount, UINT96_MAX);
    const readyAt = addUint40Time(tx.now, this.config.unbondingDelay);
    p.unbondingReadyAt = readyAt;
    tx.events.push({ name: "StakeWithdrawalRequested", provider: tx.sender, amount, unbonding: p.unbonding, readyAt });
  }

  withdrawStake(tx: TxContext): void {
    const current = this.state.readProvider(tx.sender);
    const amount = current?.unbonding ?? 0n;
    if (amount === 0n || current === undefined) refuse("NothingToWithdraw", { account: tx.sender });
    if (tx.now < current.unbondingReadyAt) {
      refuse("UnbondingNotFinished", { provider: tx.sender, readyAt: BigInt(current.unbondingReadyAt), nowTs: BigInt(tx.now) });
    }

    this.state.provider(tx.sender).unbonding = 0n;
    const totals = this.state.mutTotals();
    totals.totalStaked = checkedSub(totals.totalStaked, amount);
    tx.events.push({ name: "StakeWithdrawn", provider: tx.sender, amount });
    this.pay(amount);
  }

  // ================================================================ tasks

  /** @returns the new task's id. */
  postTask(
    tx: TxContext,
    requirementsHash: string,
    region: string,
    bidWindowEnd: bigint,
    executionBudget: number,
    mechanism: number,
  ): number {
    if (tx.value === 0n) refuse("ZeroAmount");
    const maxPrice = toUint96(tx.value);
    const now = BigInt(tx.now);
    if (bidWindowEnd <= now) refuse("BidWindowInPast", { bidWindowEnd, nowTs: now });
    const windowLength = bidWindowEnd - now;
    if (windowLength > BigInt(UINT32_MAX)) refuse("BidWindowTooLong", { length: windowLength });
    if (executionBudget === 0) refuse("InvalidExecutionBudget");

    const totals = this.state.mutTotals();
    const taskId = totals.taskCount + 1;
    totals.taskCount = taskId;
    this.state.createTask(taskId, {
      poster: tx.sender,
      maxPrice,
      provider: ZERO_ADDRESS,
      payment: 0n,
      requirementsHash,
      region,
      bidWindowEnd: Number(bidWindowEnd % 2n ** 40n), // uint40(bidWindowEnd)
      deadline: 0,
      executionBudget,
      mechanism,
      status: Status.Open,
      bidWindowLength: Number(windowLength),
      epoch: 0,
      reroutes: 0,
      round: 0,
      fallbackCursor: 0,
      fallbacks: [],
      bidders: new Map(),
    });
    this.receive(tx.value);
    totals.totalEscrow = checkedAdd(totals.totalEscrow, maxPrice, UINT128_MAX);
    tx.events.push({
      name: "TaskPosted",
      taskId,
      poster: tx.sender,
      maxPrice,
      requirementsHash,
      region: this.regionName(region),
      bidWindowEnd: Number(bidWindowEnd),
      executionBudget,
      mechanism: MECHANISM[mechanism]!,
    });
    return taskId;
  }

  cancelTask(tx: TxContext, taskId: bigint): void {
    const t = this.taskInStatus(taskId, Status.Open);
    if (tx.sender !== t.poster) refuse("NotTaskPoster", { taskId, caller: tx.sender, poster: t.poster });
    if (t.fallbacks.length !== 0) refuse("TaskHasBids", { taskId, bids: BigInt(t.fallbacks.length) });

    this.refund(tx, Number(taskId), RefundReason.Cancelled);
  }

  /** placeBid and placeBids: one provider, bids in order, all or nothing. */
  placeBids(tx: TxContext, bids: ReadonlyArray<{ taskId: bigint; price: bigint }>): void {
    const p = this.registeredProvider(tx.sender);
    if (p.stake < this.minStake) refuse("InsufficientStake", { provider: tx.sender, stake: p.stake, required: this.minStake });
    for (const bid of bids) this.placeBid(tx, p, bid.taskId, bid.price);
  }

  /** closeAuction and closeAuctions: each id in order, all or nothing. */
  closeAuctions(tx: TxContext, taskIds: readonly bigint[]): void {
    for (const taskId of taskIds) this.closeAuction(tx, taskId);
  }

  submitResult(tx: TxContext, taskId: bigint, epoch: number, resultHash: string): void {
    const current = this.taskInStatus(taskId, Status.Awarded);
    if (epoch !== current.epoch) refuse("StaleEpoch", { taskId, given: BigInt(epoch), current: BigInt(current.epoch) });
    const provider = current.provider;
    if (tx.sender !== provider) refuse("NotAssignedProvider", { taskId, caller: tx.sender, assignee: provider });
    if (tx.now > current.deadline) refuse("DeadlinePassed", { taskId, deadline: BigInt(current.deadline), nowTs: BigInt(tx.now) });

    const id = Number(taskId);
    const t = this.state.task(id);
    const payment = t.payment;
    const posterRefund = t.maxPrice - payment; // payment <= every kept bid <= maxPrice
    t.status = Status.Completed;
    this.releaseAssignment(provider);
    const totals = this.state.mutTotals();
    totals.totalEscrow = checkedSub(totals.totalEscrow, t.maxPrice);
    this.credit(provider, payment);
    this.credit(t.poster, posterRefund);
    tx.events.push({ name: "ResultSubmitted", taskId: id, provider, epoch, resultHash, payment, posterRefund });
  }

  /** reroute and rerouteTasks: each id in order, all or nothing. */
  rerouteTasks(tx: TxContext, taskIds: readonly bigint[]): void {
    for (const taskId of taskIds) this.rerouteAfterDeadline(tx, taskId);
  }

  abandonTask(tx: TxContext, taskId: bigint): void {
    const t = this.taskInStatus(taskId, Status.Awarded);
    if (tx.sender !== t.provider) refuse("NotAssignedProvider", { taskId, caller: tx.sender, assignee: t.provider });

    this.failAssignment(tx, Number(taskId), FailureReason.Abandoned, this.config.abandonSlashBps);
  }

  withdraw(tx: TxContext): void {
    const amount = this.state.readCredit(tx.sender);
    if (amount === 0n) refuse("NothingToWithdraw", { account: tx.sender });

    this.state.setCredit(tx.sender, 0n);
    const totals = this.state.mutTotals();
    totals.totalCredits = checkedSub(totals.totalCredits, amount);
    tx.events.push({ name: "Withdrawn", account: tx.sender, amount });
    this.pay(amount);
  }

  // ================================================================ views

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

  // ================================================================ internal: bidding and awards

  private placeBid(tx: TxContext, p: Readonly<ProviderRecord>, taskId: bigint, price: bigint): void {
    const current = this.taskInStatus(taskId, Status.Open);
    if (tx.now >= current.bidWindowEnd) {
      refuse("BiddingClosed", { taskId, bidWindowEnd: BigInt(current.bidWindowEnd), nowTs: BigInt(tx.now) });
    }
    if (price === 0n) refuse("ZeroBidPrice", { taskId });
    if (price > current.maxPrice) refuse("BidAboveMaxPrice", { taskId, price, maxPrice: current.maxPrice });
    if (current.region !== ZERO_REGION && current.region !== p.region) {
      refuse("RegionMismatch", { taskId, required: current.region, actual: p.region });
    }
    const bidder = current.bidders.get(tx.sender);
    if (bidder?.failed === true) refuse("ProviderFailedTask", { taskId, provider: tx.sender });
    const round = current.round;
    if (bidder?.lastRoundPlusOne === round + 1) refuse("DuplicateBid", { taskId, provider: tx.sender, round: BigInt(round) });

    const id = Number(taskId);
    const t = this.state.task(id);
    t.bidders.set(tx.sender, { lastRoundPlusOne: round + 1, failed: bidder?.failed ?? false });
    insertBid(t.fallbacks, this.config.fallbackDepth, { provider: tx.sender, price });
    tx.events.push({ name: "BidPlaced", taskId: id, provider: tx.sender, price, round });
  }

  private closeAuction(tx: TxContext, taskId: bigint): void {
    const current = this.taskInStatus(taskId, Status.Open);
    if (tx.now < current.bidWindowEnd) {
      refuse("BiddingStillOpen", { taskId, bidWindowEnd: BigInt(current.bidWindowEnd), nowTs: BigInt(tx.now) });
    }

    const id = Number(taskId);
    if (!this.assignNextFallback(tx, id)) this.reopenOrRefund(tx, id);
  }

  private rerouteAfterDeadline(tx: TxContext, taskId: bigint): void {
    const t = this.taskInStatus(taskId, Status.Awarded);
    if (tx.now <= t.deadline) refuse("DeadlineNotPassed", { taskId, deadline: BigInt(t.deadline), nowTs: BigInt(tx.now) });

    this.failAssignment(tx, Number(taskId), FailureReason.DeadlineMissed, this.config.slashBps);
  }

  /** Ends the current assignment without a result: slash, bar the provider, then move the task on. */
  private failAssignment(tx: TxContext, id: number, reason: number, slashBps: number): void {
    const t = this.state.task(id);
    const failed = t.provider;
    t.provider = ZERO_ADDRESS;
    t.payment = 0n;
    t.reroutes += 1; // at most fallbackDepth * maxRounds <= 8 * 255: fits uint16
    const bidder = t.bidders.get(failed);
    t.bidders.set(failed, { lastRoundPlusOne: bidder?.lastRoundPlusOne ?? 0, failed: true });
    this.releaseAssignment(failed);
    tx.events.push({ name: "TaskRerouted", taskId: id, provider: failed, epoch: t.epoch, reason: FAILURE_REASON[reason]!, caller: tx.sender });

    this.slash(tx, failed, id, t.poster, slashBps);

    if (!this.assignNextFallback(tx, id)) this.reopenOrRefund(tx, id);
  }

  /** Walks the fallback list from the cursor and assigns the first eligible bid. */
  private assignNextFallback(tx: TxContext, id: number): boolean {
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
      if (t.mechanism === 1 && i + 1 < count) payment = list[count - 1]!.price;
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

  private reopenOrRefund(tx: TxContext, id: number): void {
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

  private refund(tx: TxContext, id: number, reason: number): void {
    const t = this.state.task(id);
    const amount = t.maxPrice;
    t.status = Status.Refunded;
    const totals = this.state.mutTotals();
    totals.totalEscrow = checkedSub(totals.totalEscrow, amount);
    this.credit(t.poster, amount);
    tx.events.push({ name: "TaskRefunded", taskId: id, poster: t.poster, amount, reason: REFUND_REASON[reason]! });
  }

  // ================================================================ internal: stake and money

  private slash(tx: TxContext, provider: Address, taskId: number, poster: Address, slashBps: number): void {
    const p = this.state.provider(provider);
    const amount = (p.stake * BigInt(slashBps)) / BPS;
    p.stake -= amount;
    p.slashedTotal = checkedAdd(p.slashedTotal, amount, UINT96_MAX);
    p.slashCount += 1;
    const totals = this.state.mutTotals();
    totals.totalStaked = checkedSub(totals.totalStaked, amount);
    this.credit(poster, amount);
    tx.events.push({ name: "ProviderSlashed", provider, taskId, amount, poster });
  }

  private releaseAssignment(provider: Address): void {
    const p = this.state.provider(provider);
    if (p.activeAssignments === 0) refuse("Panic", { "": 0x11n });
    p.activeAssignments -= 1;
  }

  private credit(account: Address, amount: bigint): void {
    this.state.setCredit(account, checkedAdd(this.state.readCredit(account), amount, UINT256_MAX));
    const totals = this.state.mutTotals();
    totals.totalCredits = checkedAdd(totals.totalCredits, amount, UINT128_MAX);
  }

  /** msg.value arrives with the call. */
  private receive(value: bigint): void {
    const totals = this.state.mutTotals();
    totals.balance += value;
  }

  /** Ether leaves (withdraw, withdrawStake). The memory model's accounts always accept it. */
  private pay(amount: bigint): void {
    const totals = this.state.mutTotals();
    totals.balance -= amount;
  }

  // ================================================================ internal: lookups

  private taskInStatus(taskId: bigint, expected: StatusValue): TaskRecord {
    const t = this.existingTask(taskId);
    if (t.status !== expected) refuse("InvalidTaskStatus", { taskId, expected: BigInt(expected), actual: BigInt(t.status) });
    return t;
  }

  private registeredProvider(account: Address): ProviderRecord {
    const p = this.state.readProvider(account);
    if (p === undefined || !p.registered) refuse("ProviderNotRegistered", { account });
    return p;
  }
}

/**
 * FallbackBids.insert: keeps `list` sorted by price, an equal price after the earlier bid, at most
 * `depth` entries. A bid that would land at index >= depth is dropped.
 */
export function insertBid(list: Array<{ provider: Address; price: bigint }>, depth: number, bid: { provider: Address; price: bigint }): boolean {
  let pos = 0;
  while (pos < list.length && list[pos]!.price <= bid.price) pos += 1;
  if (pos >= depth) return false;
  list.splice(pos, 0, bid);
  if (list.length > depth) list.length = depth;
  return true;
}

function toUint96(amount: bigint): bigint {
  if (amount > UINT96_MAX) refuse("AmountTooLarge", { amount });
  return amount;
}
