// The live market: the simulator's MarketSystem over a ChainLedger, paced to the wall clock.
// The scenario's providers register in the first block, bid on every task (the scenario's
// workload, if on, and the API's), execute for virtual time and fail when told; the keeper
// closes auctions and reroutes missed deadlines. Only the pacing loop below reads the clock.
// On an --rpc-url node the market is found in the deployment registry and resumed from its
// events (see sim/market/resume.ts); the embedded chain is new each start and gets a new market.
import { connectChain } from "../sim/chain/connect.js";
import { DEFAULT_REGISTRY_FILE } from "../sim/chain/deploy.js";
import { ChainError } from "../sim/chain/errors.js";
import type { LedgerEvent, LedgerFilter } from "../sim/chain/ledger-reader.js";
import { RandomStream } from "../sim/engine/rng.js";
import { actorAddress } from "../sim/ledger/actors.js";
import { ChainLedger } from "../sim/ledger/chain-ledger.js";
import type { Address } from "../sim/ledger/types.js";
import type { ProviderAgent } from "../sim/market/provider-agent.js";
import { MarketSystem, PostRefusedError, type TraceRecord } from "../sim/market/market-system.js";
import { readResumeState, type ResumeState } from "../sim/market/resume.js";
import { buildFailureTimeline, type FailureTimeline } from "../sim/model/failures.js";
import { parseRequirementsRef } from "../sim/model/task-ref.js";
import { generateWorkload, type WorkloadTask } from "../sim/model/workload.js";
import { toMarketConfig, type Scenario } from "../sim/scenario/schema.js";
import { MarketFeed, publishBlock, type FeedSnapshot, type LiveProviderJson, type OutageJson } from "./market-feed.js";
import {
  ChainMarketService,
  type MarketHealth,
  type MarketService,
  type MarketStatus,
  type OutageRequest,
  type PostTaskInput,
  type PostTaskResult,
} from "./market-service.js";
import { OutageBook } from "./outage-book.js";
import { apiRequirementsRef, parseApiRequirementsRef } from "./task-ref.js";
import { WorkloadCycle, type CycleTask } from "./workload-cycle.js";
import { createLiveKpis, KPI_PUBLISH_EVERY_MS } from "./live-kpis-setup.js";
import type { KpisJson, LiveKpis } from "./live-kpis.js";

export interface LiveMarketOptions {
  scenario: Scenario;
  /** A JSON-RPC node; omit for the embedded chain. */
  rpcUrl?: string;
  /** Virtual seconds per real second (default 1). */
  speed?: number;
  /**
   * Post the scenario's workload too (default true), repeating its pattern period after period
   * past the scenario's duration (see workload-cycle.ts). Off, only API tasks run: the providers
   * still bid, execute and follow the scenario's failure timeline.
   */
  workload?: boolean;
  /** Where the market's trace records go (default: nowhere). */
  trace?: (record: TraceRecord) => void;
  /** Where an error that stops the market is reported (default stderr). */
  onError?: (error: unknown) => void;
  /** The wall clock in ms (default Date.now); tests may pass their own. */
  clock?: () => number;
  /**
   * `rpcUrl` only: the deployment registry that remembers the market per chain and market
   * config (default DEFAULT_REGISTRY_FILE, relative to the working directory).
   */
  registryFile?: string;
}

/** Market events after which a provider's running tasks or stake differ. */
const PROVIDER_CHANGES = new Set(["market.TaskAwarded", "market.ResultSubmitted", "market.TaskRerouted", "market.ProviderSlashed"]);

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
  /** The pacing loop found no further event: nothing will happen any more. */
  private ended = false;
  private readonly outageBook = new OutageBook();
  private readonly byNode: ReadonlyMap<string, ProviderAgent>;
  private readonly dependsOn: ReadonlyMap<string, readonly string[]>;
  /** Providers the current block's events touched, published after its events. */
  private touched = new Set<Address>();
  /** Reads of committed blocks' events for the feed, in block order. */
  private feedReads: Promise<void> = Promise.resolve();
  /** The live KPIs, folded from the trace as blocks commit; published to the feed at most every KPI_PUBLISH_EVERY_MS. */
  private readonly liveKpis: LiveKpis;
  private kpisPublishedAt = -Infinity;

  private constructor(
    readonly service: ChainMarketService,
    readonly system: MarketSystem,
    readonly scenario: Scenario,
    private readonly options: LiveMarketOptions,
    /** The market was found in the deployment registry and resumed, not deployed by this start. */
    readonly reused: boolean,
    /** The workload's later periods; undefined when the workload is off. */
    private readonly cycle: WorkloadCycle | undefined,
    kpis: LiveKpis,
  ) {
    this.speed = options.speed ?? 1;
    this.clock = options.clock ?? Date.now;
    this.wallStart = this.clock();
    this.byNode = new Map(system.agents.map((a) => [a.nodeId, a]));
    this.dependsOn = new Map(scenario.providers.map((g) => [g.group, g.dependsOn]));
    this.liveKpis = kpis;
  }

  /**
   * Connects the chain and starts the clock over a market with the scenario's parameters: on the
   * embedded chain a new one; on an RPC node the one the registry remembers for this chain and
   * config, resumed from its events (its virtual time starts after the chain's latest block),
   * else a new one, remembered.
   */
  static async start(options: LiveMarketOptions): Promise<LiveMarket> {
    const speed = options.speed ?? 1;
    if (!(Number.isFinite(speed) && speed > 0)) throw new RangeError(`speed ${speed} is not a positive number`);
    const { scenario } = options;
    const root = RandomStream.root(scenario.seed);
    const tasks = options.workload === false ? [] : generateWorkload(scenario, root.fork("workload"));
    const cycle = options.workload === false ? undefined : new WorkloadCycle(scenario, root.fork("workload"));
    const chain = await connectChain({ rpcUrl: options.rpcUrl });
    let ledger: ChainLedger;
    let resume: ResumeState | undefined;
    try {
      const config = toMarketConfig(scenario);
      const now = Math.floor((options.clock ?? Date.now)() / 1000);
      if (chain.kind === "rpc") {
        const found = await ChainLedger.findOrCreate(chain, config, now, { registryFile: options.registryFile ?? DEFAULT_REGISTRY_FILE });
        ledger = found.ledger;
        if (found.reused) resume = await readResumeState(chain, ledger.marketAddress, ledger.deployBlock, (ref) => resumedTaskSize(ref, scenario, tasks));
      } else {
        ledger = await ChainLedger.create(chain, config, now);
      }
    } catch (error) {
      await chain.close();
      throw error;
    }
    // The market is built after the system, and the system traces from its first block on.
    let market: LiveMarket | undefined;
    const trace = options.trace ?? (() => undefined);
    const timeline = buildFailureTimeline(scenario, root);
    const kpis = createLiveKpis(scenario, tasks, timeline);
    const system = new MarketSystem({
      scenario,
      tasks,
      ledger,
      baseTimestamp: ledger.startTimestamp,
      horizon: Number.MAX_SAFE_INTEGER,
      rng: root.fork("market"),
      trace: (record) => {
        trace(record);
        kpis.observe(record);
        market?.observe(record);
      },
      endless: true,
      resume,
    });
    system.scheduleWorkload();
    system.scheduleTimeline(timeline);
    system.start();
    market = new LiveMarket(new ChainMarketService(chain, ledger, { feed: new MarketFeed() }), system, scenario, options, resume !== undefined, cycle, kpis);
    market.bookScenarioOutages(timeline);
    market.schedule(0);
    return market;
  }

  get feed(): MarketFeed {
    return this.service.feed;
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

  /**
   * Takes every provider in a region, or behind an upstream dependency, offline for `durationMs`
   * of virtual time from now; undefined when no provider of the market is there.
   */
  async startOutage(request: OutageRequest): Promise<OutageJson | undefined> {
    if (this.stopped) return undefined;
    const affected = this.system.agents.filter((a) =>
      "region" in request ? a.region === request.region : (this.dependsOn.get(a.group) ?? []).includes(request.dependency),
    );
    if (affected.length === 0) return undefined;
    const id = this.outageBook.nextApiId();
    const start = Math.max(this.targetTime, this.system.engine.now);
    const end = start + request.durationMs;
    for (const agent of affected) {
      this.system.holdNode(agent.nodeId, `outage:${id}`, true, start);
      this.system.holdNode(agent.nodeId, `outage:${id}`, false, end);
    }
    const scope = "region" in request ? { region: request.region } : { dependency: request.dependency };
    const name = "region" in request ? `region ${request.region} offline` : `dependency ${request.dependency} offline`;
    const outage = this.outageBook.add({ id, source: "api", name, scope, start, end, affected: affected.map((a) => a.address) });
    this.kick();
    return { ...outage, active: true };
  }

  /** Every outage window, the scenario's and the API's, as of now. */
  outages(): { now: number; outages: OutageJson[] } {
    const now = this.targetTime;
    return { now, outages: this.outageBook.list(now) };
  }

  /** The live KPIs as of the latest block (GET /api/kpis). */
  kpis(): KpisJson {
    return this.liveKpis.snapshot();
  }

  /** What a new subscriber of the feed sees first. */
  snapshot(): FeedSnapshot {
    const now = this.targetTime;
    return {
      now,
      speed: this.speed,
      live: true,
      scenario: this.scenario.name,
      chainTimeZero: this.system.baseTimestamp,
      providers: this.system.agents.map((a) => this.providerJson(a, a.online)),
      outages: this.outageBook.list(now),
    };
  }

  status(): MarketStatus {
    const error = this.failure === undefined ? null : "the live market stopped on an error; see the server's log";
    const virtualTime = this.targetTime;
    const state = this.stopped ? "stopped" : this.ended ? "ended" : "running";
    const reason =
      state === "running" ? null : error ?? (state === "ended" ? "the market has no further event to process" : "the live market was stopped (the server is shutting down)");
    return {
      live: true,
      running: state === "running",
      state,
      reason,
      scenario: this.scenario.name,
      virtualTime,
      speed: this.speed,
      error,
      workload:
        this.cycle === undefined
          ? { repeats: false, period: null, periodMs: this.scenario.duration }
          : { repeats: true, period: this.cycle.periodAt(virtualTime), periodMs: this.cycle.periodMs },
    };
  }

  readEvents(filter?: LedgerFilter): Promise<LedgerEvent[]> {
    return this.service.readEvents(filter);
  }

  blockTimes(blocks: Iterable<number>): Promise<Map<number, number>> {
    return this.service.blockTimes(blocks);
  }

  nodeName(address: string): string | undefined {
    return this.system.agentAt(address)?.nodeId;
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
      this.feed.close();
      await this.ticking;
      await this.system.stop();
      await this.feedReads;
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

  /** The scenario's outage windows, with the market's providers they take down. */
  private bookScenarioOutages(timeline: FailureTimeline): void {
    timeline.outageWindows().forEach((w, i) => {
      const affected = w.affected.flatMap((nodeId) => {
        const agent = this.byNode.get(nodeId);
        return agent === undefined ? [] : [agent.address];
      });
      this.outageBook.add({ id: `scenario-${i + 1}`, source: "scenario", name: w.name, scope: w.scope, start: w.start, end: w.end, affected });
    });
  }

  /** Turns the market's trace into the feed: blocks with their events, providers going up or down. */
  private observe(record: TraceRecord): void {
    // Every committed block's time, so the API's blockTime fields read no chain.
    if (record.type === "block") this.service.blockClock.record(record["number"] as number, record["timestamp"] as number);
    if (this.feed.size === 0) return;
    if (record.type === "block") {
      const block = { number: record["number"] as number, timestamp: record["timestamp"] as number, now: record.t, txs: record["txs"] as number };
      // The block's events are traced (and handled) right after this record, synchronously: by
      // the time this read runs, the providers they touched are marked and up to date.
      const touched = (this.touched = new Set<Address>());
      this.feedReads = this.feedReads
        .then(() => publishBlock(this.feed, this.service, block))
        .then(() => {
          for (const address of touched) {
            const agent = this.system.agentAt(address);
            if (agent !== undefined) this.feed.publish({ type: "provider", data: this.providerJson(agent, agent.online) });
          }
          this.publishKpis();
        });
    } else if (record.type.startsWith("market.") && PROVIDER_CHANGES.has(record.type) && typeof record["provider"] === "string") {
      // An award, a result, a reroute or a slash changes a provider's running tasks or stake.
      this.touched.add(record["provider"]);
    } else if (record.type === "node.up" || record.type === "node.down") {
      const agent = this.byNode.get(record["node"] as string);
      // The trace comes before the agent's state changes: the record says what it becomes.
      if (agent !== undefined) this.feed.publish({ type: "provider", data: this.providerJson(agent, record.type === "node.up") });
    }
  }

  /** Posts the repeated workload's tasks that arrive by `t` from their posters' accounts. */
  private postRepeated(t: number): void {
    if (this.cycle === undefined) return;
    for (const task of this.cycle.due(t)) {
      // The task's reference encodes its size, as an API task's does, so a resumed market knows it.
      this.system
        .addTask({
          from: actorAddress("poster", task.poster),
          requirementsHash: apiRequirementsRef(task.size),
          size: task.size,
          maxPrice: task.maxPrice,
          executionBudget: task.executionBudget,
          region: task.region,
          mechanism: this.scenario.workload.mechanism,
        })
        .catch((error: unknown) => this.repeatRefused(task, error));
    }
  }

  /** A refused repeated task is traced, never fatal: the scenario's own arrivals are refused the same way. */
  private repeatRefused(task: CycleTask, error: unknown): void {
    if (this.stopped) return;
    this.options.trace?.({ t: this.system.engine.now, type: "task.repeat-refused", period: task.period, workloadTask: task.id, error: error instanceof Error ? error.message : String(error) });
  }

  /** The KPIs to the feed after a block, at most every KPI_PUBLISH_EVERY_MS of wall time (a fast market mines many blocks a second). */
  private publishKpis(): void {
    const wall = this.clock();
    if (wall - this.kpisPublishedAt < KPI_PUBLISH_EVERY_MS) return;
    this.kpisPublishedAt = wall;
    this.feed.publish({ type: "kpis", data: this.liveKpis.snapshot() });
  }

  private announceOutages(now: number): void {
    for (const outage of this.outageBook.changes(now)) this.feed.publish({ type: "outage", data: outage });
  }

  private providerJson(agent: ProviderAgent, online: boolean): LiveProviderJson {
    return {
      address: agent.address,
      nodeId: agent.nodeId,
      group: agent.group,
      region: agent.region,
      dependsOn: [...(this.dependsOn.get(agent.group) ?? [])],
      online,
      // The agent's slashes come from the market's events, a resumed market's earlier ones included.
      stake: (agent.stake - agent.slashed).toString(),
      capacity: agent.capacity,
      running: agent.assignments.size,
    };
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
        // Windows that open or close at this event's time are announced before its providers change.
        this.announceOutages(next);
        // Later periods' tasks that have arrived by this event go into the next block, as the
        // scenario's own arrivals do: which block takes a task depends on virtual time alone.
        this.postRepeated(next);
        if (!(await this.system.step())) break;
      }
      this.announceOutages(target);
    } catch (error) {
      this.failure = error;
      this.stopped = true;
      (this.options.onError ?? ((e: unknown) => process.stderr.write(`bidmesh: the live market stopped: ${e instanceof Error ? e.message : String(e)}\n`)))(error);
      await this.system.stop();
      return;
    }
    const next = this.system.nextEventTime;
    if (next === undefined) {
      this.ended = !this.stopped;
      return;
    }
    const dueAt = this.wallStart + next / this.speed;
    this.schedule(Math.min(MAX_SLEEP_MS, Math.max(0, Math.ceil(dueAt - this.clock()))));
  }
}

/**
 * The size (compute-ms) of a task resumed from the chain, which holds only its requirements
 * reference: an API task's reference encodes its size; a workload task's encodes its index in
 * the scenario's workload, which this start regenerated from the same seed (when its workload
 * is on); any other task (posted by another client, or a workload that is off now) gets the
 * scenario's median task size, a guess that only sets how long a provider of ours runs it.
 */
function resumedTaskSize(ref: string, scenario: Scenario, tasks: readonly WorkloadTask[]): number {
  const workloadIndex = parseRequirementsRef(ref);
  return parseApiRequirementsRef(ref) ?? (workloadIndex === undefined ? undefined : tasks[workloadIndex]?.size) ?? scenario.workload.taskSize.median;
}
