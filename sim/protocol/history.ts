// The one fold of the market's history: every task's and every account's record, built from
// logged events in chain order. The API's views, the CLI's ledger, resume and the event cache
// read it; the cache adds each block's events as they arrive, so no read folds the whole
// history again. Task states move by applyTaskEvent, the rule the simulation uses too.
import { getAddress } from "ethers";
import type { Address } from "./actions.js";
import type { FailureReasonName, MechanismName, RefundReasonName, SkipReasonName } from "./enums.js";
import { accountsOf, eventMatcher, taskIdOf, type LedgerFilter, type LoggedEvent } from "./logged-event.js";
import { applyTaskEvent, postedTask, type TaskState } from "./task-state.js";

/** A task's whole history, and its state now. */
export interface TaskHistory extends TaskState {
  poster: Address;
  maxPrice: bigint;
  /** Keeper reserve still escrowed: as posted, less each keeper fee paid; 0 once the task ended. */
  keeperReserve: bigint;
  region: string;
  mechanism: MechanismName;
  requirementsHash: string;
  /** Seconds the assignee has to deliver, as posted. */
  executionBudget: number;
  /** End of the first round's bid window, as posted. */
  postedBidWindowEnd: number;
  postedBlock: number;
  bids: Array<{ provider: Address; price: bigint; round: number; blockNumber: number }>;
  awards: Array<{ provider: Address; bidPrice: bigint; payment: bigint; epoch: number; deadline: number; blockNumber: number }>;
  skipped: Array<{ provider: Address; reason: SkipReasonName; blockNumber: number }>;
  reroutes: Array<{ provider: Address; epoch: number; reason: FailureReasonName; caller: Address; slashed: bigint; blockNumber: number }>;
  reopens: Array<{ round: number; bidWindowEnd: number; blockNumber: number }>;
  /** Keeper fees paid from the reserve, one per close or reroute after a missed deadline. */
  keeperFees: Array<{ keeper: Address; amount: bigint; blockNumber: number }>;
  result?: { provider: Address; epoch: number; resultHash: string; payment: bigint; posterRefund: bigint; blockNumber: number };
  refund?: { amount: bigint; reason: RefundReasonName; blockNumber: number };
  /** Every event of the task, in chain order. */
  events: LoggedEvent[];
}

/** An account's history: as a provider if it registered, and what it was paid out. */
export interface ProviderHistory {
  address: Address;
  /** As ProviderRegistered gave it; undefined for an account that never registered. */
  registered?: { region: string; capacity: number; stake: bigint; blockNumber: number };
  /** Capacity, bonded stake and unbonding stake as the contract holds them now. */
  capacity: number;
  stake: bigint;
  unbonding: bigint;
  bids: Array<{ taskId: number; price: bigint; round: number; blockNumber: number }>;
  wins: Array<{ taskId: number; epoch: number; payment: bigint; blockNumber: number }>;
  completions: Array<{ taskId: number; epoch: number; payment: bigint; blockNumber: number }>;
  failures: Array<{ taskId: number; epoch: number; reason: FailureReasonName; blockNumber: number }>;
  slashes: Array<{ taskId: number; amount: bigint; blockNumber: number }>;
  slashedTotal: bigint;
  /** Stake added (positive) or withdrawn (negative), registration included. */
  stakeChanges: Array<{ amount: bigint; event: string; blockNumber: number }>;
  /** Credits withdrawn (payments, refunds, slashes received, keeper fees). */
  withdrawn: bigint;
  /** Keeper fees credited to the account for closing auctions and rerouting tasks. */
  keeperFeesEarned: bigint;
  /** Every event that names the account, in chain order. */
  events: LoggedEvent[];
}

/**
 * The market's events and the histories they imply, added in chain order. Events are shared
 * with every reader, so they are frozen as they are added.
 * @example
 * const history = new MarketHistory();
 * for (const logged of events) history.add(logged);
 * history.task(3)?.status; // "Completed"
 */
export class MarketHistory {
  private readonly all: LoggedEvent[] = [];
  // Indexes so a task's or an account's read does not scan the whole history; each list is
  // appended in chain order, so it is oldest first like `all`.
  private readonly byTask = new Map<number, LoggedEvent[]>();
  private readonly byAccount = new Map<Address, LoggedEvent[]>();
  private readonly taskHistories = new Map<number, TaskHistory>();
  private readonly accountHistories = new Map<Address, ProviderHistory>();
  private readonly registered: Address[] = [];
  private readonly eventCounts = new Map<string, number>();
  private readonly statuses = new Map<TaskState["status"], number>();
  private keeperFeeTotal = 0n;

  /** Wei of keeper fees paid (KeeperPaid) over the events added. */
  get keeperFeesWei(): bigint {
    return this.keeperFeeTotal;
  }

  /** Number of events held. */
  get size(): number {
    return this.all.length;
  }

  /** Adds the next event in chain order. */
  add(logged: LoggedEvent): void {
    Object.freeze(logged.event);
    Object.freeze(logged);
    this.all.push(logged);
    this.eventCounts.set(logged.event.name, (this.eventCounts.get(logged.event.name) ?? 0) + 1);
    if (logged.event.name === "KeeperPaid") this.keeperFeeTotal += logged.event.amount;
    const taskId = taskIdOf(logged.event);
    if (taskId !== undefined) append(this.byTask, taskId, logged);
    this.foldTask(logged);
    for (const account of accountsOf(logged.event)) this.foldAccount(account, logged);
  }

  /** The events passing `filter` (block bounds inclusive), oldest first. */
  events(filter: LedgerFilter = {}): LoggedEvent[] {
    const keep = eventMatcher(filter);
    const from = filter.fromBlock ?? -Infinity;
    const to = filter.toBlock ?? Infinity;
    // A NaN bound selects no block, as it reads none from the chain.
    if (Number.isNaN(from) || Number.isNaN(to)) return [];
    let candidates: readonly LoggedEvent[] = this.all;
    if (filter.taskId !== undefined) candidates = this.byTask.get(filter.taskId) ?? [];
    if (filter.account !== undefined) {
      const own = this.byAccount.get(getAddress(filter.account)) ?? [];
      if (own.length < candidates.length) candidates = own;
    }
    const found: LoggedEvent[] = [];
    for (let i = firstFrom(candidates, from); i < candidates.length && candidates[i]!.blockNumber <= to; i += 1) {
      if (keep(candidates[i]!)) found.push(candidates[i]!);
    }
    return found;
  }

  /** How many events of this name were added. */
  count(name: string): number {
    return this.eventCounts.get(name) ?? 0;
  }

  /** How many posted tasks are in each state now. */
  statusCounts(): ReadonlyMap<TaskState["status"], number> {
    return this.statuses;
  }

  /** Block of the latest event added; undefined before the first. */
  get lastBlock(): number | undefined {
    return this.all.at(-1)?.blockNumber;
  }

  /** A task's history; undefined unless its TaskPosted was added. */
  task(taskId: number): TaskHistory | undefined {
    return this.taskHistories.get(taskId);
  }

  /** Every posted task's history, by ascending id (the order the contract numbers posts in). */
  tasks(): TaskHistory[] {
    return [...this.taskHistories.values()];
  }

  /** An account's history; undefined if no event added names it. */
  account(address: Address): ProviderHistory | undefined {
    return this.accountHistories.get(address);
  }

  /** Every registered provider's history, in registration order. */
  providers(): ProviderHistory[] {
    return this.registered.map((address) => this.accountHistories.get(address)!);
  }

  private foldTask(logged: LoggedEvent): void {
    const { event, blockNumber } = logged;
    if (event.name === "TaskPosted") {
      this.taskHistories.set(event.taskId, {
        ...postedTask(event),
        poster: event.poster,
        maxPrice: event.maxPrice,
        keeperReserve: event.keeperReserve,
        region: event.region,
        mechanism: event.mechanism,
        requirementsHash: event.requirementsHash,
        executionBudget: event.executionBudget,
        postedBidWindowEnd: event.bidWindowEnd,
        postedBlock: blockNumber,
        bids: [],
        awards: [],
        skipped: [],
        reroutes: [],
        reopens: [],
        keeperFees: [],
        events: [logged],
      });
      this.moveStatus(undefined, "Open");
      return;
    }
    const taskId = taskIdOf(event);
    const h = taskId === undefined ? undefined : this.taskHistories.get(taskId);
    if (h === undefined) return; // no task, or one posted before the events added
    h.events.push(logged);
    const before = h.status;
    applyTaskEvent(h, event);
    if (h.status !== before) this.moveStatus(before, h.status);
    switch (event.name) {
      case "BidPlaced":
        h.bids.push({ provider: event.provider, price: event.price, round: event.round, blockNumber });
        break;
      case "TaskAwarded":
        h.awards.push({ provider: event.provider, bidPrice: event.bidPrice, payment: event.payment, epoch: event.epoch, deadline: event.deadline, blockNumber });
        break;
      case "FallbackSkipped":
        h.skipped.push({ provider: event.provider, reason: event.reason, blockNumber });
        break;
      case "TaskRerouted":
        h.reroutes.push({ provider: event.provider, epoch: event.epoch, reason: event.reason, caller: event.caller, slashed: 0n, blockNumber });
        break;
      case "ProviderSlashed": {
        // Emitted with the reroute it punishes.
        const last = h.reroutes.at(-1);
        if (last !== undefined) last.slashed = event.amount;
        break;
      }
      case "TaskReopened":
        h.reopens.push({ round: event.round, bidWindowEnd: event.bidWindowEnd, blockNumber });
        break;
      case "ResultSubmitted":
        h.result = {
          provider: event.provider,
          epoch: event.epoch,
          resultHash: event.resultHash,
          payment: event.payment,
          posterRefund: event.posterRefund,
          blockNumber,
        };
        h.keeperReserve = 0n; // returned to the poster within posterRefund
        break;
      case "TaskRefunded":
        h.refund = { amount: event.amount, reason: event.reason, blockNumber };
        h.keeperReserve = 0n; // returned to the poster within amount
        break;
      case "KeeperPaid":
        h.keeperFees.push({ keeper: event.keeper, amount: event.amount, blockNumber });
        h.keeperReserve -= event.amount;
        break;
      default:
        break;
    }
  }

  private moveStatus(from: TaskState["status"] | undefined, to: TaskState["status"]): void {
    if (from !== undefined) this.statuses.set(from, this.statuses.get(from)! - 1);
    this.statuses.set(to, (this.statuses.get(to) ?? 0) + 1);
  }

  private foldAccount(address: Address, logged: LoggedEvent): void {
    let p = this.accountHistories.get(address);
    if (p === undefined) {
      p = emptyAccount(address);
      this.accountHistories.set(address, p);
      this.byAccount.set(address, p.events);
    }
    p.events.push(logged);
    const { event, blockNumber } = logged;
    if (event.name === "Withdrawn") {
      p.withdrawn += event.amount;
      return;
    }
    if (event.name === "KeeperPaid") {
      if (event.keeper === address) p.keeperFeesEarned += event.amount;
      return;
    }
    // Everything else counts only where the account is the provider, not the poster or caller.
    if (!("provider" in event) || event.provider !== address) return;
    switch (event.name) {
      case "ProviderRegistered":
        p.registered = { region: event.region, capacity: event.capacity, stake: event.stake, blockNumber };
        p.capacity = event.capacity;
        p.stake = event.stake;
        p.stakeChanges.push({ amount: event.stake, event: event.name, blockNumber });
        this.registered.push(address);
        break;
      case "StakeAdded":
        p.stake = event.stake;
        p.stakeChanges.push({ amount: event.amount, event: event.name, blockNumber });
        break;
      case "CapacityUpdated":
        p.capacity = event.capacity;
        break;
      case "StakeWithdrawalRequested":
        p.stake -= event.amount;
        p.unbonding = event.unbonding;
        break;
      case "StakeWithdrawn":
        p.unbonding -= event.amount;
        p.stakeChanges.push({ amount: -event.amount, event: event.name, blockNumber });
        break;
      case "BidPlaced":
        p.bids.push({ taskId: event.taskId, price: event.price, round: event.round, blockNumber });
        break;
      case "TaskAwarded":
        p.wins.push({ taskId: event.taskId, epoch: event.epoch, payment: event.payment, blockNumber });
        break;
      case "ResultSubmitted":
        p.completions.push({ taskId: event.taskId, epoch: event.epoch, payment: event.payment, blockNumber });
        break;
      case "TaskRerouted":
        p.failures.push({ taskId: event.taskId, epoch: event.epoch, reason: event.reason, blockNumber });
        break;
      case "ProviderSlashed":
        p.stake -= event.amount;
        p.slashedTotal += event.amount;
        p.slashes.push({ taskId: event.taskId, amount: event.amount, blockNumber });
        break;
      default:
        break;
    }
  }
}

/** Folds `events` (any superset of the task's, in chain order) into one task's history. */
export function taskHistory(events: readonly LoggedEvent[], taskId: number): TaskHistory {
  const history = foldAll(events.filter((e) => taskIdOf(e.event) === taskId)).task(taskId);
  if (history === undefined) throw new RangeError(`task ${taskId} has no TaskPosted event in the range read`);
  return history;
}

/** Folds `events` (any superset of the account's, in chain order) into one account's history. */
export function providerHistory(events: readonly LoggedEvent[], provider: string): ProviderHistory {
  const address = getAddress(provider);
  return foldAll(events.filter((e) => accountsOf(e.event).includes(address))).account(address) ?? emptyAccount(address);
}

function foldAll(events: readonly LoggedEvent[]): MarketHistory {
  const history = new MarketHistory();
  for (const logged of events) history.add(logged);
  return history;
}

function emptyAccount(address: Address): ProviderHistory {
  return {
    address,
    capacity: 0,
    stake: 0n,
    unbonding: 0n,
    bids: [],
    wins: [],
    completions: [],
    failures: [],
    slashes: [],
    slashedTotal: 0n,
    stakeChanges: [],
    withdrawn: 0n,
    keeperFeesEarned: 0n,
    events: [],
  };
}

function append<K>(index: Map<K, LoggedEvent[]>, key: K, logged: LoggedEvent): void {
  const list = index.get(key);
  if (list === undefined) index.set(key, [logged]);
  else list.push(logged);
}

/** Index of the first event at or after block `from` (events oldest first): a binary search. */
function firstFrom(events: readonly LoggedEvent[], from: number): number {
  let lo = 0;
  let hi = events.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (events[mid]!.blockNumber < from) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
