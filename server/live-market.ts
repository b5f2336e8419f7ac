// The live market: the simulator's MarketSystem over a ChainLedger, paced to the wall clock.
// The scenario's providers register in the first block, bid on every task (the scenario's
// workload, if on, and the API's), execute for virtual time and fail when told; the keeper
// closes auctions and reroutes missed deadlines. Only the pacing loop below reads the clock.
import { connectChain } from "../sim/chain/connect.js";
import { ChainError } from "../sim/chain/errors.js";
import type { LedgerEvent, LedgerFilter } from "../sim/chain/ledger-reader.js";
import { RandomStream } from "../sim/engine/rng.js";
import { actorAddress } from "../sim/ledger/actors.js";
import { ChainLedger } from "../sim/ledger/chain-ledger.js";
import type { Address } from "../sim/ledger/types.js";
import { MarketSystem, PostRefusedError, type TraceRecord } from "../sim/market/market-system.js";
import { buildFailureTimeline } from "../sim/model/failures.js";
import { generateWorkload } from "../sim/model/workload.js";
import { toMarketConfig, type Scenario } from "../sim/scenario/schema.js";
import { ChainMarketService, type MarketHealth, type MarketService, type PostTaskInput, type PostTaskResult } from "./market-service.js";
import { apiRequirementsRef } from "./task-ref.js";

export interface LiveMarketOptions {
  scenario: Scenario;
  /** A JSON-RPC node; omit for the embedded chain. */
  rpcUrl?: string;
  /** Virtual seconds per real second (default 1). */
  speed?: number;
  /**
   * Post the scenario's workload too (default true). Off, only API tasks run: the providers
   * still bid, execute and follow the scenario's failure timeline.
   */
  workload?: boolean;
  /** Where the market's trace records go (default: nowhere). */
  trace?: (record: TraceRecord) => void;
  /** Where an error that stops the market is reported (default stderr). */
  onError?: (error: unknown) => void;
  /** The wall clock in ms (default Date.now); tests may pass their own. */
  clock?: () => number;
}

/** The longest the pacing loop sleeps (ms) before it looks again. */
const MAX_SLEEP_MS = 1_000;

/** A MarketService whose writes go through a live MarketSystem; reads come from the chain. */
export class LiveMarket implements MarketService {
  /** API tasks are posted from their own account, apart from the workload's posters. */
  readonly posterAddress: Address = actorAddress("poster", 1_000_000);
  readonly speed: number;
  private readonly clock: () => number;
  private readonly wallStart: number;
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private stopped = false;
  private closing: Promise<void> | undefined;
  private failure: unknown;

  private constructor(
    readonly service: ChainMarketService,
    readonly system: MarketSystem,
    readonly scenario: Scenario,
    private readonly options: LiveMarketOptions,
  ) {
    this.speed = options.speed ?? 1;
    this.clock = options.clock ?? Date.now;
    this.wallStart = this.clock();
  }

  /** Connects the chain, deploys a market with the scenario's parameters and starts the clock. */
  static async start(options: LiveMarketOptions): Promise<LiveMarket> {
    const speed = options.speed ?? 1;
    if (!(Number.isFinite(speed) && speed > 0)) throw new RangeError(`speed ${speed} is not a positive number`);
    const { scenario } = options;
    const chain = await connectChain({ rpcUrl: options.rpcUrl });
    let ledger: ChainLedger;
    try {
      ledger = await ChainLedger.create(chain, toMarketConfig(scenario), Math.floor((options.clock ?? Date.now)() / 1000));
    } catch (error) {
      await chain.close();
      throw error;
    }
    const root = RandomStream.root(scenario.seed);
    const tasks = options.workload === false ? [] : generateWorkload(scenario, root.fork("workload"));
    const system = new MarketSystem({
      scenario,
      tasks,
      ledger,
      baseTimestamp: ledger.startTimestamp,
      horizon: Number.MAX_SAFE_INTEGER,
      rng: root.fork("market"),
      trace: options.trace ?? (() => undefined),
      endless: true,
    });
    system.scheduleWorkload();
    system.scheduleTimeline(buildFailureTimeline(scenario, root));
    system.start();
    const market = new LiveMarket(new ChainMarketService(chain, ledger), system, scenario, options);
    market.schedule(0);
    return market;
  }

  get marketAddress(): Address {
    return this.service.marketAddress;
  }

  get deployBlock(): number {
    return this.service.deployBlock;
  }

  /** Virtual time (ms) the wall clock has reached. */
  get targetTime(): number {
    return Math.floor((this.clock() - this.wallStart) * this.speed);
  }

  /**
   * Posts the task in the market's next block; it then gets the providers' bids, is awarded by
   * the contract and runs like any other. A refusal throws a ChainError with the custom error.
   */
  async postTask(input: PostTaskInput): Promise<PostTaskResult> {
    if (this.stopped) throw new ChainError("the live market has stopped");
    try {
      const posted = await this.system.addTask({
        from: this.posterAddress,
        requirementsHash: apiRequirementsRef(input.sizeMs),
        size: input.sizeMs,
        maxPrice: input.maxPrice,
        executionBudget: input.deadlineBudget,
        region: input.region,
        mechanism: input.mechanism,
      });
      return { taskId: posted.taskId, transactionHash: posted.transactionHash ?? "", blockNumber: posted.blockNumber };
    } catch (error) {
      if (error instanceof PostRefusedError) {
        throw new ChainError(error.message, { errorName: error.refusal.error, errorArgs: error.refusal.args });
      }
      throw error instanceof ChainError ? error : new ChainError(error instanceof Error ? error.message : String(error));
    }
  }

  /** Takes a provider offline or brings it back; false when no provider of this market has the address. */
  async setProviderOnline(address: Address, up: boolean): Promise<boolean> {
    const agent = this.system.agentAt(address);
    if (agent === undefined || this.stopped) return false;
    this.system.setNodeOnline(agent.nodeId, up);
    this.kick();
    return true;
  }

  /** Whether the provider at `address` is online now; undefined for an address that is not one of the market's providers. */
  providerOnline(address: Address): boolean | undefined {
    return this.system.agentAt(address)?.online;
  }

  readEvents(filter?: LedgerFilter): Promise<LedgerEvent[]> {
    return this.service.readEvents(filter);
  }

  health(): Promise<MarketHealth> {
    return this.service.health();
  }

  /** Stops the pacing loop, lets a block being committed finish, and closes the chain. */
  stop(): Promise<void> {
    return (this.closing ??= (async () => {
      this.stopped = true;
      clearTimeout(this.timer);
      this.timer = undefined;
      await this.ticking;
      await this.system.stop();
      await this.service.close();
    })());
  }

  close(): Promise<void> {
    return this.stop();
  }

  /** The error that stopped the market, if one did. */
  get error(): unknown {
    return this.failure;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.ticking = this.tick().finally(() => {
        this.ticking = undefined;
      });
    }, delayMs);
    this.timer.unref();
  }

  /** Wakes the loop now (an event was scheduled at the current virtual time). */
  private kick(): void {
    if (this.timer === undefined) return; // a tick is running: it sees the event
    clearTimeout(this.timer);
    this.schedule(0);
  }

  /** Processes every event up to the virtual time the clock has reached, then sleeps until the next. */
  private async tick(): Promise<void> {
    try {
      const target = this.targetTime;
      for (;;) {
        if (this.stopped) return;
        const next = this.system.nextEventTime;
        if (next === undefined || next > target) break;
        if (!(await this.system.step())) break;
      }
    } catch (error) {
      this.failure = error;
      this.stopped = true;
      (this.options.onError ?? ((e: unknown) => process.stderr.write(`bidmesh: the live market stopped: ${e instanceof Error ? e.message : String(e)}\n`)))(error);
      await this.system.stop();
      return;
    }
    const next = this.system.nextEventTime;
    if (next === undefined) return;
    const dueAt = this.wallStart + next / this.speed;
    this.schedule(Math.min(MAX_SLEEP_MS, Math.max(0, Math.ceil(dueAt - this.clock()))));
  }
}
