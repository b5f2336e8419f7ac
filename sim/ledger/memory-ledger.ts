// The in-memory reference ledger: ComputeMarket's exact rules without a chain, for large sweeps,
// and as an independent model that the contract and this code check each other against
// (test/ledger/memory-vs-contract.test.ts).
import type { MarketConfig } from "../protocol/market-config.js";
import { MECHANISM, TASK_STATUS, type MechanismName, type TaskStatusName } from "../protocol/enums.js";
import { decodeAction, toChecksum, type DecodedCall } from "./memory/actions.js";
import { checkConfig, MarketMachine, type TxContext } from "./memory/machine.js";
import { MarketRefusal, MarketState, UINT32_MAX, UINT96_MAX, type TaskRecord } from "./memory/state.js";
import type { Address, MarketAction } from "../protocol/actions.js";
import type { MarketEvent } from "../protocol/events.js";
import type { BlockResult, Ledger, RefusedAction } from "../protocol/ledger.js";

export { MarketRefusal } from "./memory/state.js";

/** IComputeMarket.Task as the memory ledger reports it. Times in seconds, amounts in wei. */
export interface TaskView {
  poster: Address;
  maxPrice: bigint;
  /** Zero address unless Awarded or Completed. */
  provider: Address;
  payment: bigint;
  requirementsHash: string;
  /** Region name, "any" for the zero region. */
  region: string;
  bidWindowEnd: number;
  deadline: number;
  executionBudget: number;
  mechanism: MechanismName;
  status: TaskStatusName;
  bidWindowLength: number;
  epoch: number;
  reroutes: number;
  round: number;
  fallbackCursor: number;
  fallbackCount: number;
  /** Keeper reserve still escrowed; zero once Completed or Refunded. */
  keeperReserve: bigint;
}

/** IComputeMarket.Provider as the memory ledger reports it (all zero when not registered). */
export interface ProviderView {
  stake: bigint;
  /** Region name, "any" for the zero region (unregistered). */
  region: string;
  capacity: number;
  unbonding: bigint;
  unbondingReadyAt: number;
  activeAssignments: number;
  slashCount: number;
  registered: boolean;
  slashedTotal: bigint;
}

/** IComputeMarket.Bid. */
export interface FallbackBid {
  provider: Address;
  price: bigint;
}

/** Everything the ledger holds, as plain data: equal dumps mean equal states. */
export interface LedgerDump {
  blockNumber: number;
  timestamp: number | null;
  taskCount: number;
  totalEscrow: bigint;
  totalCredits: bigint;
  totalStaked: bigint;
  balance: bigint;
  tasks: Array<TaskView & { fallbacks: FallbackBid[] }>;
  providers: Record<Address, ProviderView>;
  credits: Record<Address, bigint>;
}

/** A saved state of a MemoryLedger; restore it any number of times. */
export class MemoryLedgerSnapshot {
  /** @internal */
  constructor(
    readonly blockNumber: number,
    readonly timestamp: number | null,
    /** @internal */
    readonly state: MarketState,
  ) {}
}

/**
 * ComputeMarket in memory. Same rules, same events in the same order, same refusals (custom
 * error name and arguments as ethers decodes them) as the contract, for the same actions.
 * Accounts have no balances: an action's value is simply received.
 * @example
 * const ledger = new MemoryLedger(DEFAULT_MARKET_CONFIG);
 * const block = await ledger.commitBlock(1_760_922_000, [{ kind: "withdraw", from: alice }]);
 * block.refused[0]?.error; // "NothingToWithdraw"
 */
export class MemoryLedger implements Ledger {
  readonly kind = "memory";
  readonly config: MarketConfig;
  private state = new MarketState();
  private readonly machine: MarketMachine;
  private lastBlock = 0;
  private lastTimestamp: number | null = null;
  private closed = false;

  /**
   * @throws RangeError when a field does not fit its Solidity type;
   * MarketRefusal InvalidConfig(field, value) when the contract's constructor would refuse it.
   */
  constructor(config: MarketConfig) {
    checkConfigTypes(config);
    checkConfig(config);
    this.config = Object.freeze({ ...config });
    this.machine = new MarketMachine(this.config, this.state);
  }

  // ---------------------------------------------------------------- blocks

  /** The last committed block's number (0 before the first). */
  get blockNumber(): number {
    return this.lastBlock;
  }

  /** The last committed block's timestamp, null before the first. */
  get timestamp(): number | null {
    return this.lastTimestamp;
  }

  async commitBlock(timestamp: number, actions: readonly MarketAction[]): Promise<BlockResult> {
    return this.applyBlock(timestamp, actions);
  }

  /**
   * commitBlock, synchronously: applies `actions` in order as one block at `timestamp` (seconds,
   * never decreasing). Each action is one transaction; a refused one changes nothing.
   * @throws RangeError for a decreasing or invalid timestamp or an action that cannot be
   * encoded; the ledger is then unchanged.
   */
  applyBlock(timestamp: number, actions: readonly MarketAction[]): BlockResult {
    if (this.closed) throw new Error("the memory ledger is closed");
    if (!Number.isSafeInteger(timestamp) || timestamp < 0) throw new RangeError(`timestamp ${timestamp} is not a whole number of seconds`);
    if (this.lastTimestamp !== null && timestamp < this.lastTimestamp) {
      throw new RangeError(`timestamp ${timestamp} is before the last block's (${this.lastTimestamp})`);
    }
    const calls: DecodedCall[] = actions.map((action, i) => {
      try {
        return decodeAction(action);
      } catch (error) {
        if (error instanceof RangeError) throw new RangeError(`action ${i}: ${error.message}`, { cause: error });
        throw error;
      }
    });

    this.lastBlock += 1;
    this.lastTimestamp = timestamp;
    const events: MarketEvent[] = [];
    const refused: RefusedAction[] = [];
    calls.forEach((call, i) => {
      const tx: TxContext = { sender: call.sender, value: call.value, now: timestamp, events: [] };
      this.state.begin();
      try {
        call.run(this.machine, tx);
        this.state.commit();
        for (const event of tx.events) events.push(event);
      } catch (error) {
        this.state.rollback();
        if (!(error instanceof MarketRefusal)) throw error;
        refused.push({ action: actions[i]!, error: error.errorName, args: error.errorArgs });
      }
    });
    return { blockNumber: this.lastBlock, timestamp, events, refused, gasUsed: null, hash: null };
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  // ---------------------------------------------------------------- views (the contract's)

  /** @throws MarketRefusal TaskNotFound(taskId) for an unknown id, as the contract's view. */
  getTask(taskId: number | bigint): TaskView {
    return taskView(this.machine.existingTask(BigInt(taskId)), this.machine);
  }

  /** The bids kept for the task's current round, best first. @throws MarketRefusal TaskNotFound */
  getFallbacks(taskId: number | bigint): FallbackBid[] {
    return this.machine.existingTask(BigInt(taskId)).fallbacks.map((b) => ({ provider: b.provider, price: b.price }));
  }

  getProvider(address: string): ProviderView {
    const p = this.state.readProvider(toChecksum(address));
    if (p === undefined) {
      return { stake: 0n, region: "any", capacity: 0, unbonding: 0n, unbondingReadyAt: 0, activeAssignments: 0, slashCount: 0, registered: false, slashedTotal: 0n };
    }
    return { ...p, region: this.machine.regionName(p.region) };
  }

  unlockedStake(address: string): bigint {
    const p = this.state.readProvider(toChecksum(address));
    return p === undefined ? 0n : this.machine.freeStake(p);
  }

  creditOf(address: string): bigint {
    return this.state.readCredit(toChecksum(address));
  }

  taskCount(): number {
    return this.state.totals.taskCount;
  }

  totalEscrow(): bigint {
    return this.state.totals.totalEscrow;
  }

  totalCredits(): bigint {
    return this.state.totals.totalCredits;
  }

  totalStaked(): bigint {
    return this.state.totals.totalStaked;
  }

  /** Ether held: all value received minus all paid; always totalEscrow + totalCredits + totalStaked. */
  balance(): bigint {
    return this.state.totals.balance;
  }

  // ---------------------------------------------------------------- copies

  snapshot(): MemoryLedgerSnapshot {
    return new MemoryLedgerSnapshot(this.lastBlock, this.lastTimestamp, this.state.copy());
  }

  /** Puts the ledger back to `snapshot` (taken from a ledger with the same config). */
  restore(snapshot: MemoryLedgerSnapshot): void {
    snapshot.state.copyInto(this.state);
    this.lastBlock = snapshot.blockNumber;
    this.lastTimestamp = snapshot.timestamp;
  }

  /** An independent ledger in the same state. */
  clone(): MemoryLedger {
    const other = new MemoryLedger(this.config);
    other.restore(this.snapshot());
    return other;
  }

  /** The whole state as plain data, for comparisons. */
  dump(): LedgerDump {
    const totals = this.state.totals;
    const tasks: LedgerDump["tasks"] = [];
    for (let id = 1; id <= totals.taskCount; id += 1) {
      tasks.push({ ...this.getTask(id), fallbacks: this.getFallbacks(id) });
    }
    const { providers, creditors } = this.state.accounts();
    return {
      blockNumber: this.lastBlock,
      timestamp: this.lastTimestamp,
      taskCount: totals.taskCount,
      totalEscrow: totals.totalEscrow,
      totalCredits: totals.totalCredits,
      totalStaked: totals.totalStaked,
      balance: totals.balance,
      tasks,
      providers: Object.fromEntries([...providers].sort().map((a) => [a, this.getProvider(a)])),
      credits: Object.fromEntries([...creditors].sort().filter((a) => this.creditOf(a) !== 0n).map((a) => [a, this.creditOf(a)])),
    };
  }
}

function taskView(t: TaskRecord, machine: MarketMachine): TaskView {
  return {
    poster: t.poster,
    maxPrice: t.maxPrice,
    provider: t.provider,
    payment: t.payment,
    requirementsHash: t.requirementsHash,
    region: machine.regionName(t.region),
    bidWindowEnd: t.bidWindowEnd,
    deadline: t.deadline,
    executionBudget: t.executionBudget,
    mechanism: MECHANISM[t.mechanism]!,
    status: TASK_STATUS[t.status],
    bidWindowLength: t.bidWindowLength,
    epoch: t.epoch,
    reroutes: t.reroutes,
    round: t.round,
    fallbackCursor: t.fallbackCursor,
    fallbackCount: t.fallbacks.length,
    keeperReserve: t.keeperReserve,
  };
}

function checkConfigTypes(config: MarketConfig): void {
  const uint = (name: keyof MarketConfig, value: number, max: number): void => {
    if (!Number.isSafeInteger(value) || value < 0 || value > max) throw new RangeError(`config.${name}: ${String(value)} does not fit its type`);
  };
  if (typeof config.minStake !== "bigint" || config.minStake < 0n || config.minStake > UINT96_MAX) {
    throw new RangeError(`config.minStake: ${String(config.minStake)} is not a uint96`);
  }
  uint("unbondingDelay", config.unbondingDelay, UINT32_MAX);
  uint("slashBps", config.slashBps, 0xffff);
  uint("abandonSlashBps", config.abandonSlashBps, 0xffff);
  uint("maxRounds", config.maxRounds, 0xff);
  uint("fallbackDepth", config.fallbackDepth, 0xff);
  if (typeof config.keeperFee !== "bigint" || config.keeperFee < 0n || config.keeperFee > UINT96_MAX) {
    throw new RangeError(`config.keeperFee: ${String(config.keeperFee)} is not a uint96`);
  }
}
