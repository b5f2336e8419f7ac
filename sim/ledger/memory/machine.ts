// ComputeMarket's external functions, in TypeScript: the same checks in the same order, the same
// integer arithmetic and overflow bounds, the same events in the same order. Each function
// mutates MarketState directly and reverts by throwing MarketRefusal; the caller rolls the state
// back (MarketState's journal), so a refused call changes nothing, as on chain.
import { MECHANISM } from "../../protocol/enums.js";
import { keepBid } from "../../protocol/kept-bids.js";
import { FailureReason, MarketCore, RefundReason, toUint88, toUint96, type TxContext } from "./core.js";
import {
  addUint40Time,
  checkedAdd,
  checkedSub,
  refuse,
  Status,
  UINT128_MAX,
  UINT256_MAX,
  UINT32_MAX,
  UINT96_MAX,
  ZERO_ADDRESS,
  ZERO_REGION,
  type ProviderRecord,
} from "./state.js";

export { checkConfig, type TxContext } from "./core.js";

export class MarketMachine extends MarketCore {
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
    const current = this.registeredProvider(tx.sender);
    if (tx.value === 0n) refuse("ZeroAmount");
    // stake + unbonding + value must fit 96 bits; the refusal reports that sum.
    const total = current.stake + current.unbonding + tx.value;
    if (total > UINT96_MAX) refuse("AmountTooLarge", { amount: total });
    const stake = current.stake + tx.value;

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
    p.unbonding += amount; // stake + unbonding <= UINT96_MAX: no overflow
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
    const reserve = this.keeperReserve;
    if (tx.value <= reserve) {
      if (tx.value === 0n) refuse("ZeroAmount");
      refuse("EscrowBelowKeeperReserve", { value: tx.value, reserve });
    }
    const escrow = toUint88(tx.value);
    const maxPrice = escrow - reserve;
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
      keeperReserve: reserve,
    });
    this.receive(tx.value);
    totals.totalEscrow = checkedAdd(totals.totalEscrow, escrow, UINT128_MAX);
    tx.events.push({
      name: "TaskPosted",
      taskId,
      poster: tx.sender,
      maxPrice,
      keeperReserve: reserve,
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
    let fees = 0n;
    for (const taskId of taskIds) fees += this.closeAuction(tx, taskId);
    this.creditKeeper(tx, fees);
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
    const reserveLeft = t.keeperReserve;
    const posterRefund = t.maxPrice - payment + reserveLeft; // payment <= every kept bid <= maxPrice
    t.keeperReserve = 0n;
    t.status = Status.Completed;
    this.releaseAssignment(provider);
    const totals = this.state.mutTotals();
    totals.totalEscrow = checkedSub(totals.totalEscrow, t.maxPrice + reserveLeft);
    this.credit(provider, payment);
    this.credit(t.poster, posterRefund);
    tx.events.push({ name: "ResultSubmitted", taskId: id, provider, epoch, resultHash, payment, posterRefund });
  }

  /** reroute and rerouteTasks: each id in order, all or nothing. */
  rerouteTasks(tx: TxContext, taskIds: readonly bigint[]): void {
    let fees = 0n;
    for (const taskId of taskIds) fees += this.rerouteAfterDeadline(tx, taskId);
    this.creditKeeper(tx, fees);
  }

  abandonTask(tx: TxContext, taskId: bigint): void {
    const t = this.taskInStatus(taskId, Status.Awarded);
    if (tx.sender !== t.provider) refuse("NotAssignedProvider", { taskId, caller: tx.sender, assignee: t.provider });
    // Past its deadline an assignee is rerouted with the full slash; it may not abandon for less.
    if (tx.now > t.deadline) refuse("DeadlinePassed", { taskId, deadline: BigInt(t.deadline), nowTs: BigInt(tx.now) });

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

  // ================================================================ internal: one item of a batch

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
    const id = Number(taskId);
    const bidder = this.state.readBidder(id, tx.sender);
    if (bidder.failed) refuse("ProviderFailedTask", { taskId, provider: tx.sender });
    const round = current.round;
    if (bidder.lastRoundPlusOne === round + 1) refuse("DuplicateBid", { taskId, provider: tx.sender, round: BigInt(round) });

    const t = this.state.task(id);
    this.state.setBidder(id, tx.sender, { lastRoundPlusOne: round + 1, failed: false });
    keepBid(t.fallbacks, this.config.fallbackDepth, { provider: tx.sender, price }, (b) => b.price);
    tx.events.push({ name: "BidPlaced", taskId: id, provider: tx.sender, price, round });
  }

  /** @returns the keeper fee taken, for closeAuctions to credit. */
  private closeAuction(tx: TxContext, taskId: bigint): bigint {
    const current = this.taskInStatus(taskId, Status.Open);
    if (tx.now < current.bidWindowEnd) {
      refuse("BiddingStillOpen", { taskId, bidWindowEnd: BigInt(current.bidWindowEnd), nowTs: BigInt(tx.now) });
    }

    const id = Number(taskId);
    const fee = this.takeKeeperFee(tx, id);
    if (!this.assignNextFallback(tx, id)) this.reopenOrRefund(tx, id);
    return fee;
  }

  /** @returns the keeper fee taken, for rerouteTasks to credit. */
  private rerouteAfterDeadline(tx: TxContext, taskId: bigint): bigint {
    const t = this.taskInStatus(taskId, Status.Awarded);
    if (tx.now <= t.deadline) refuse("DeadlineNotPassed", { taskId, deadline: BigInt(t.deadline), nowTs: BigInt(tx.now) });

    const id = Number(taskId);
    const fee = this.takeKeeperFee(tx, id);
    this.failAssignment(tx, id, FailureReason.DeadlineMissed, this.config.slashBps);
    return fee;
  }
}
