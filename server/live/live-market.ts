// The live market: the simulator's MarketSystem over a ChainLedger, paced to the wall clock.
// The scenario's providers register in the first block, bid on every task (the scenario's
// workload, if on, and the API's), execute for virtual time and fail when told; the keeper
// closes auctions and reroutes missed deadlines. Only the pacing loop below reads the clock.
// On an --rpc-url node the market is found in the deployment registry and resumed from its
// events (see sim/market/resume.ts); the embedded chain is new each start and gets a new market.
// There the node may also stop answering, die, or come back: the market watches it, and when a
// block fails on it, reconnects with backoff and resumes from the chain's state as a restart
// would (a new session of the system over the same market), telling the feed as it goes.
// The workload repeats period after period past the scenario's duration (workload-cycle.ts),
// and the live KPIs (live-kpis.ts) are folded from the trace; both belong to the session.
import { connectChain, type Chain } from "../../sim/chain/connect.js";
import { ChainError } from "../../sim/chain/errors.js";
import type { MarketHistory } from "../../sim/protocol/history.js";
import type { BlockResult } from "../../sim/protocol/ledger.js";
import type { LedgerFilter, LoggedEvent } from "../../sim/protocol/logged-event.js";
import { actorAddress } from "../../sim/ledger/actors.js";
import type { Address } from "../../sim/protocol/actions.js";
import type { ProviderAgent } from "../../sim/market/provider-agent.js";
import { type MarketSystem, PostInterruptedError, PostRefusedError, type TraceRecord } from "../../sim/market/market-system.js";
import type { Scenario } from "../../sim/scenario/schema.js";
import { ChainUnavailableError, DEFAULT_CHAIN_TIMEOUT_MS, HEALTH_TIMEOUT_MS, isChainTransportError, transportReason, withChainDeadline } from "../chain-deadline.js";
import { HttpError } from "../errors.js";
import { openSession, type Session } from "./live-session.js";
import { MarketFeed, publishBlock, type ChainStateJson, type FeedSnapshot, type LiveProviderJson, type OutageJson } from "./market-feed.js";
import {
  type ChainMarketService,
  NOTHING_POSTED,
  POST_MAY_LAND,
  type LiveMarketState,
  type MarketHealth,
  type LiveControls,
  type MarketService,
  type MarketStatus,
  type OfflineHold,
  type OutageRequest,
  type PostTaskInput,
  type PostTaskResult,
} from "../market-service.js";
import { outageBookLimits, type OutageBookLimits } from "./outage-book.js";
import { apiRequirementsRef } from "../task-ref.js";
import type { CycleTask } from "./workload-cycle.js";
import { KPI_PUBLISH_EVERY_MS } from "./live-kpis-setup.js";
import type { KpisJson } from "./live-kpis.js";

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
  /**
   * Milliseconds the chain work of one request may take (a post waits for its block), and each
   * JSON-RPC call (default DEFAULT_CHAIN_TIMEOUT_MS, 5 s).
   */
  chainTimeoutMs?: number;
  /** `rpcUrl` only: milliseconds between probes of a chain that answers (default 1000). */
  probeIntervalMs?: number;
  /** Outages posted through the API active or pending at once, and ended ones kept (default DEFAULT_OUTAGE_LIMITS). */
  outageLimits?: Partial<OutageBookLimits>;
}

/** Longest pause (ms) between tries to reach a chain that does not answer. */
const MAX_BACKOFF_MS = 5_000;
const FIRST_BACKOFF_MS = 250;


/** Market events after which a provider's running tasks or stake differ. */
const PROVIDER_CHANGES: ReadonlySet<string> = new Set(["TaskAwarded", "ResultSubmitted", "TaskRerouted", "ProviderSlashed"]);

/** The longest the pacing loop sleeps (ms) before it looks again. */
const MAX_SLEEP_MS = 1_000;

/** A MarketService whose writes go through a live MarketSystem; reads come from the chain. */
export class LiveMarket implements MarketService, LiveControls {
  /** The live market is its own set of live controls (see LiveControls). */
  readonly live: LiveControls = this;
  /** API tasks are posted from their own account, apart from the workload's posters. */
  readonly posterAddress: Address = actorAddress("poster", 1_000_000);
  readonly speed: number;
  /** The market was found in the deployment registry and resumed, not deployed by this start. */
  readonly reused: boolean;
  private readonly clock: () => number;
  private readonly chainTimeoutMs: number;
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  /** Set by stop(), or when an error ends the market for good (the embedded chain). */
  private stopped = false;
  private closing: Promise<void> | undefined;
  private failure: unknown;
  private state: "running" | "reconnecting" | "stopped" = "running";
  /** The session's pacing loop found no further event: nothing will happen in it any more. */
  private ended = false;
  /** What the last probe of an RPC chain said; the embedded chain always answers. */
  private chainReachable = true;
  private reconnectCount = 0;
  private watchTimer: NodeJS.Timeout | undefined;
  private watching: Promise<void> | undefined;
  private backoffMs = FIRST_BACKOFF_MS;
  private readonly dependsOn: ReadonlyMap<string, readonly string[]>;
  /** Wall ms the stream's `kpis` event was last published: at most every KPI_PUBLISH_EVERY_MS. */
  private kpisPublishedAt = -Infinity;

  private constructor(
    private readonly chain: Chain,
    /** Every session's service publishes here, so a stream outlives a reconnection. */
    readonly feed: MarketFeed,
    private session: Session,
    readonly scenario: Scenario,
    private readonly options: LiveMarketOptions,
  ) {
    this.speed = options.speed ?? 1;
    this.clock = options.clock ?? Date.now;
    this.chainTimeoutMs = options.chainTimeoutMs ?? DEFAULT_CHAIN_TIMEOUT_MS;
    this.reused = session.resumed;
    this.dependsOn = new Map(scenario.providers.map((g) => [g.group, g.dependsOn]));
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
    outageBookLimits(options.outageLimits); // refused before the chain starts
    const chain = await connectChain({ rpcUrl: options.rpcUrl, callTimeoutMs: options.chainTimeoutMs ?? DEFAULT_CHAIN_TIMEOUT_MS });
    const feed = new MarketFeed();
    // The market is built after the system, and the system traces from its first block on.
    let market: LiveMarket | undefined;
    let session: Session;
    try {
      session = await openSession(chain, feed, options, { trace: (record) => market?.observe(record), block: (now, result) => market?.committed(now, result) });
    } catch (error) {
      await chain.close();
      throw error;
    }
    market = new LiveMarket(chain, feed, session, options.scenario, options);
    market.schedule(0);
    market.watch(market.probeIntervalMs);
    return market;
  }

  /** The current session's chain service and system (a reconnection replaces both). */
  get service(): ChainMarketService {
    return this.session.service;
  }

  get system(): MarketSystem {
    return this.session.system;
  }

  get marketAddress(): Address {
    return this.service.marketAddress;
  }

  get deployBlock(): number {
    return this.service.deployBlock;
  }

  /** Virtual time (ms) the wall clock has reached in this session. */
  get targetTime(): number {
    return Math.floor((this.clock() - this.session.wallStart) * this.speed);
  }

  /**
   * Posts the task in the market's next block; it then gets the providers' bids, is awarded by
   * the contract and runs like any other. A refusal throws a ChainError with the custom error.
   * Within the chain deadline: a post still waiting for its block then is withdrawn (never
   * sent); one in a block being committed may still land, and the 503 says which.
   */
  async postTask(input: PostTaskInput): Promise<PostTaskResult> {
    this.assertAvailable(NOTHING_POSTED);
    const { system } = this;
    const task = {
      from: this.posterAddress,
      requirementsHash: apiRequirementsRef(input.sizeMs),
      size: input.sizeMs,
      maxPrice: input.maxPrice,
      executionBudget: input.deadlineBudget,
      region: input.region,
      mechanism: input.mechanism,
    };
    try {
      const posted = await withChainDeadline(
        this.chainTimeoutMs,
        (signal) => system.addTask(task, signal),
        () => (system.isCommitting(task) ? POST_MAY_LAND : NOTHING_POSTED),
      );
      return { taskId: posted.taskId, transactionHash: posted.transactionHash ?? "", blockNumber: posted.blockNumber };
    } catch (error) {
      if (error instanceof PostRefusedError) {
        throw new ChainError(error.message, { errorName: error.refusal.error, errorArgs: error.refusal.args });
      }
      if (error instanceof PostInterruptedError) {
        const after = error.sent ? POST_MAY_LAND : NOTHING_POSTED;
        if (this.state === "reconnecting") throw new ChainUnavailableError(`the chain failed before the task's block was mined (${this.failureReason()})${after}`);
        throw new HttpError(503, { error: `the live market stopped before the task's block was mined${after}` });
      }
      if (error instanceof ChainUnavailableError || error instanceof HttpError || error instanceof ChainError) throw error;
      throw new ChainError(error instanceof Error ? error.message : String(error), { cause: error });
    }
  }

  /** Takes a provider offline or brings it back; false when no provider of this market has the address. */
  async setProviderOnline(address: Address, up: boolean): Promise<boolean> {
    if (this.state === "reconnecting") this.assertAvailable();
    const agent = this.system.agentAt(address);
    if (agent === undefined || this.stopped) return false;
    this.system.setNodeOnline(agent.nodeId, up);
    this.kick();
    return true;
  }

  /** The scenario's regions. */
  configuredRegions(): readonly string[] {
    return this.scenario.regions;
  }

  /**
   * What besides the operator holds the provider at `address` offline now: the outage windows
   * active now that take it down (posted or the scenario's), and a failure of the scenario's
   * timeline that is no outage window (a crash not yet repaired).
   */
  offlineHolds(address: Address): OfflineHold[] {
    const agent = this.system.agentAt(address);
    if (agent === undefined) return [];
    const windows = this.session.outageBook.list(this.targetTime).filter((o) => o.active && o.affected.includes(address));
    const holds: OfflineHold[] = windows.map((o) => ({ outage: o.id, name: o.name, start: o.start, end: o.end }));
    if (this.system.holdsOn(agent.nodeId).has("scenario") && !windows.some((o) => o.source === "scenario")) {
      holds.push({ outage: null, name: "a failure of the scenario's timeline", start: null, end: null });
    }
    return holds;
  }

  /** Whether the provider at `address` is online now; undefined for an address that is not one of the market's providers. */
  providerOnline(address: Address): boolean | undefined {
    return this.system.agentAt(address)?.online;
  }

  /**
   * Takes every provider in a region, or behind an upstream dependency, offline for `durationMs`
   * of virtual time from now; undefined when no provider of the market is there. Throws
   * OutageLimitError, changing nothing, when the book holds its most outages already.
   */
  async startOutage(request: OutageRequest): Promise<OutageJson | undefined> {
    if (this.state === "reconnecting") this.assertAvailable();
    if (this.stopped) return undefined;
    const { system, outageBook } = this.session;
    const affected = system.agents.filter((a) =>
      "region" in request ? a.region === request.region : (this.dependsOn.get(a.group) ?? []).includes(request.dependency),
    );
    if (affected.length === 0) return undefined;
    const start = Math.max(this.targetTime, system.engine.now);
    outageBook.assertRoom(start);
    const id = outageBook.nextApiId();
    const end = start + request.durationMs;
    for (const agent of affected) {
      system.holdNode(agent.nodeId, `outage:${id}`, true, start);
      system.holdNode(agent.nodeId, `outage:${id}`, false, end);
    }
    const scope = "region" in request ? { region: request.region } : { dependency: request.dependency };
    const name = "region" in request ? `region ${request.region} offline` : `dependency ${request.dependency} offline`;
    const outage = outageBook.add({ id, source: "api", name, scope, start, end, affected: affected.map((a) => a.address) });
    this.kick();
    return { ...outage, active: true };
  }

  /** Every outage window the book holds (the scenario's and the API's; of the ended ones, the latest), as of now. */
  outages(): { now: number; outages: OutageJson[] } {
    const now = this.targetTime;
    return { now, outages: this.session.outageBook.list(now) };
  }

  /**
   * The live KPIs as of the latest block (GET /api/kpis): the current session's, since they
   * restart with it (see live-session.ts).
   */
  kpis(): KpisJson {
    return this.session.kpis.snapshot();
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
      // Active and pending only: the snapshot stays bounded however many outages have ended.
      outages: this.session.outageBook.upcoming(now),
    };
  }

  status(): MarketStatus {
    const state = this.liveState();
    const virtualTime = this.targetTime;
    const { cycle } = this.session;
    return {
      live: true,
      running: state === "running",
      state,
      reason: this.stateReason(state),
      reconnects: this.reconnectCount,
      scenario: this.scenario.name,
      virtualTime,
      speed: this.speed,
      error: this.errorText(),
      workload:
        cycle === undefined
          ? { repeats: false, period: null, periodMs: this.scenario.duration }
          : { repeats: true, period: cycle.periodAt(virtualTime), periodMs: cycle.periodMs },
    };
  }

  readEvents(filter?: LedgerFilter): Promise<LoggedEvent[]> {
    return this.service.readEvents(filter);
  }

  history(): Promise<MarketHistory> {
    return this.service.history();
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

  /**
   * Stops the pacing loop and the chain watch, lets a block being committed finish (for at most
   * the chain deadline: a stopped node would hold it for good), and closes the chain.
   */
  stop(): Promise<void> {
    return (this.closing ??= (async () => {
      this.stopped = true;
      this.state = "stopped";
      clearTimeout(this.timer);
      this.timer = undefined;
      clearTimeout(this.watchTimer);
      this.watchTimer = undefined;
      this.feed.close();
      const bound = new Promise<void>((resolve) => setTimeout(resolve, this.chainTimeoutMs).unref());
      await Promise.race([Promise.all([this.ticking, this.watching]), bound]);
      await Promise.race([this.system.stop(), bound]);
      await this.service.close();
    })());
  }

  close(): Promise<void> {
    return this.stop();
  }

  /** The error that stopped the market (or its last session, while it reconnects), if one did. */
  get error(): unknown {
    return this.failure;
  }

  private get probeIntervalMs(): number {
    return this.options.probeIntervalMs ?? 1_000;
  }

  /** running, or stalled while the chain does not answer, or ended with no further event; reconnecting; stopped. */
  private liveState(): LiveMarketState {
    if (this.state !== "running") return this.state;
    if (this.ended) return "ended"; // nothing is pending: no block waits on the chain
    return this.chainReachable ? "running" : "stalled";
  }

  /** Why the market is not running, in a sentence; null while it runs. */
  private stateReason(state: LiveMarketState): string | null {
    switch (state) {
      case "running":
        return null;
      case "stalled":
        return "the chain stopped answering: the market carries on when it answers again";
      case "ended":
        return "the market has no further event to process";
      case "reconnecting":
        return this.errorText();
      case "stopped":
        return this.errorText() ?? "the live market was stopped (the server is shutting down)";
    }
  }

  /** Throws the 503 for a market that cannot take requests now; `suffix` ends its message. */
  private assertAvailable(suffix = ""): void {
    if (this.state === "reconnecting") {
      throw new ChainUnavailableError(`the live market lost the chain (${this.failureReason()}) and is reconnecting: it resumes from the chain's state when the chain answers${suffix}`);
    }
    if (this.state === "stopped") throw new HttpError(503, { error: `the live market has stopped; see the server's log${suffix}` });
  }

  /** What a person is told about the failure: a transport reason, never an internal message. */
  private failureReason(): string {
    return isChainTransportError(this.failure) ? transportReason(this.failure) : "a block failed on the chain; see the server's log";
  }

  private errorText(): string | null {
    if (this.failure === undefined) return null;
    if (this.state === "reconnecting") return `the chain failed (${this.failureReason()}): reconnecting, the market resumes from the chain's state when it answers`;
    return "the live market stopped on an error; see the server's log";
  }

  private publishChain(state: ChainStateJson["state"]): void {
    const data: ChainStateJson = {
      state,
      market: this.liveState(),
      reconnects: this.reconnectCount,
      error: this.errorText(),
      chainTimeZero: this.system.baseTimestamp,
    };
    this.feed.publish({ type: "chain", data });
  }

  /** Probes an RPC chain after `delayMs`, and on from there (the embedded chain is in this process). */
  private watch(delayMs: number): void {
    if (this.chain.kind !== "rpc" || this.stopped) return;
    clearTimeout(this.watchTimer);
    this.watchTimer = setTimeout(() => {
      this.watchTimer = undefined;
      if (this.watching !== undefined) return; // the look in progress schedules the next
      this.watching = this.look().finally(() => {
        this.watching = undefined;
      });
    }, delayMs);
    this.watchTimer.unref();
  }

  /**
   * One look at the chain: tells the feed when it stops or starts answering, resumes the market
   * when it answers again after a failed block, then schedules the next look: every
   * probeIntervalMs while all is well, else with a backoff doubling up to MAX_BACKOFF_MS.
   */
  private async look(): Promise<void> {
    const up = await this.probe();
    if (this.stopped) return;
    if (up !== this.chainReachable) {
      this.chainReachable = up;
      this.publishChain(up ? "up" : "down");
    }
    if (up && this.state === "reconnecting") await this.reconnect();
    if (this.stopped) return;
    const calm = this.chainReachable && this.state === "running";
    const delay = calm ? this.probeIntervalMs : this.backoffMs;
    this.backoffMs = calm ? FIRST_BACKOFF_MS : Math.min(MAX_BACKOFF_MS, this.backoffMs * 2);
    this.watch(delay);
  }

  private async probe(): Promise<boolean> {
    try {
      await withChainDeadline(Math.min(HEALTH_TIMEOUT_MS, this.chainTimeoutMs), () => this.chain.rpc("eth_blockNumber", []));
      return true;
    } catch {
      return false;
    }
  }

  /**
   * A new session from the chain's state, as a restart builds it: the market the registry
   * remembers, its providers and unfinished tasks read from its events, fresh nonces from the
   * node. The failed session is stopped already and sends nothing more.
   */
  private async reconnect(): Promise<void> {
    let session: Session;
    try {
      session = await openSession(this.chain, this.feed, this.options, { trace: (record) => this.observe(record), block: (now, result) => this.committed(now, result) });
    } catch (error) {
      this.failure = error; // the backoff tries again
      return;
    }
    if (this.stopped) {
      await session.system.stop();
      return;
    }
    this.session = session;
    this.state = "running";
    this.ended = false;
    this.failure = undefined;
    this.reconnectCount += 1;
    this.publishChain("resumed");
    for (const agent of session.system.agents) this.feed.publish({ type: "provider", data: this.providerJson(agent, agent.online) });
    this.schedule(0);
  }

  /** Turns the market's trace into the feed: providers going up or down. */
  private observe(record: TraceRecord): void {
    if (this.feed.size === 0) return;
    if (record.type === "node.up" || record.type === "node.down") {
      const agent = this.session.byNode.get(record["node"] as string);
      // The trace comes before the agent's state changes: the record says what it becomes.
      if (agent !== undefined) this.feed.publish({ type: "provider", data: this.providerJson(agent, record.type === "node.up") });
    }
  }

  /**
   * A committed block, its events applied: its time for the API's blockTime fields, then to the
   * feed the block, its events as the ledger decoded them, the providers they touched as the
   * block left them, and the KPIs. Nothing is read from the chain.
   */
  private committed(now: number, result: BlockResult): void {
    this.session.service.blockClock.record(result.blockNumber, result.timestamp);
    if (this.feed.size === 0) return;
    const txs = result.raw?.transactions.length ?? 0;
    publishBlock(this.feed, { number: result.blockNumber, timestamp: result.timestamp, now, txs }, result.logged ?? []);
    const touched = new Set<Address>();
    for (const event of result.events) if (PROVIDER_CHANGES.has(event.name) && "provider" in event) touched.add(event.provider);
    for (const address of touched) {
      const agent = this.session.system.agentAt(address);
      if (agent !== undefined) this.feed.publish({ type: "provider", data: this.providerJson(agent, agent.online) });
    }
    this.publishKpis();
  }

  /** Posts the repeated workload's tasks that arrive by `t` from their posters' accounts, in the current session. */
  private postRepeated(t: number): void {
    const { cycle, system } = this.session;
    if (cycle === undefined) return;
    for (const task of cycle.due(t)) {
      // The task's reference encodes its size, as an API task's does, so a resumed market knows it.
      system
        .addTask({
          from: actorAddress("poster", task.poster),
          requirementsHash: apiRequirementsRef(task.size),
          size: task.size,
          maxPrice: task.maxPrice,
          executionBudget: task.executionBudget,
          region: task.region,
          mechanism: this.scenario.workload.mechanism,
        })
        .catch((error: unknown) => this.repeatRefused(system, task, error));
    }
  }

  /**
   * A refused repeated task is traced, never fatal: the scenario's own arrivals are refused the
   * same way. One its session's end interrupted is no refusal: that session failed or stopped.
   */
  private repeatRefused(system: MarketSystem, task: CycleTask, error: unknown): void {
    if (this.stopped || error instanceof PostInterruptedError) return;
    this.options.trace?.({ t: system.engine.now, type: "task.repeat-refused", period: task.period, workloadTask: task.id, error: error instanceof Error ? error.message : String(error) });
  }

  /** The KPIs to the feed after a block, at most every KPI_PUBLISH_EVERY_MS of wall time (a fast market mines many blocks a second). */
  private publishKpis(): void {
    const wall = this.clock();
    if (wall - this.kpisPublishedAt < KPI_PUBLISH_EVERY_MS) return;
    this.kpisPublishedAt = wall;
    this.feed.publish({ type: "kpis", data: this.session.kpis.snapshot() });
  }

  private announceOutages(now: number): void {
    for (const outage of this.session.outageBook.changes(now)) this.feed.publish({ type: "outage", data: outage });
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
    if (this.stopped || this.state !== "running") return;
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
    const session = this.session;
    const { system } = session;
    try {
      const target = this.targetTime;
      for (;;) {
        if (this.stopped || this.session !== session) return;
        const next = system.nextEventTime;
        if (next === undefined || next > target) break;
        // Windows that open or close at this event's time are announced before its providers change.
        this.announceOutages(next);
        // Later periods' tasks that have arrived by this event go into the next block, as the
        // scenario's own arrivals do: which block takes a task depends on virtual time alone.
        this.postRepeated(next);
        if (!(await system.step())) break;
      }
      this.announceOutages(target);
    } catch (error) {
      await this.sessionFailed(system, error);
      return;
    }
    const next = system.nextEventTime;
    if (next === undefined) {
      this.ended = !this.stopped && this.session === session;
      return;
    }
    const dueAt = session.wallStart + next / this.speed;
    this.schedule(Math.min(MAX_SLEEP_MS, Math.max(0, Math.ceil(dueAt - this.clock()))));
  }

  /**
   * A block failed. On an RPC node the node went away or lost answers: stop this session (it
   * sends nothing more) and reconnect. On the embedded chain it is a bug: the market stops.
   */
  private async sessionFailed(system: MarketSystem, error: unknown): Promise<void> {
    this.failure = error;
    const reconnect = this.chain.kind === "rpc" && !this.stopped;
    if (reconnect) this.state = "reconnecting";
    else {
      this.stopped = true;
      this.state = "stopped";
    }
    const message = error instanceof Error ? error.message : String(error);
    (
      this.options.onError ??
      ((e: unknown) =>
        process.stderr.write(reconnect ? `bidmesh: the live market lost the chain (${message.split("\n")[0]}); reconnecting\n` : `bidmesh: the live market stopped: ${e instanceof Error ? e.message : String(e)}\n`))
    )(error);
    await system.stop();
    if (reconnect) this.watch(0);
  }
}

