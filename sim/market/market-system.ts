import { Engine } from "../engine/engine.js";
import type { Address } from "../protocol/actions.js";
import { MetricsCollector } from "../metrics/collector.js";
import { GasBySender } from "../metrics/gas-by-party.js";
import type { FailureTimeline } from "../model/failures.js";
import { BlockLoop } from "./block-loop.js";
import { ChainView } from "./chain-view.js";
import { Executions } from "./executions.js";
import { buildAgents } from "./market-agents.js";
import { PRIORITY, type ExternalTask, type MarketSimEvent, type MarketSystemOptions, type PostedTask } from "./market-types.js";
import { NodeHolds } from "./node-holds.js";
import { PostQueue } from "./post-queue.js";
import type { ProviderAgent } from "./provider-agent.js";
import { ProviderRoster } from "./provider-roster.js";

export {
  PostInterruptedError,
  PostRefusedError,
  type ExternalTask,
  type MarketProgress,
  type MarketRunOptions,
  type MarketSystemOptions,
  type PostedTask,
  type TraceRecord,
} from "./market-types.js";

/**
 * The market: providers bid, the contract (through the ledger) awards, providers execute for
 * simulated time, fail when told, and the keeper closes auctions and reroutes missed deadlines.
 * One transaction per actor per block; the system learns every outcome from the block's events.
 * It owns an Engine; a driver steps it (`runMarket` as fast as it can, the live market paced to
 * the wall clock). Nothing here reads the clock.
 *
 * This class only wires its parts together and routes the engine's events to them: the
 * providers (provider-roster.ts), their executions (executions.ts), the holds on their nodes
 * (node-holds.ts), the posts waiting for a block (post-queue.ts), what the chain says
 * (chain-view.ts) and the block loop (block-loop.ts).
 */
export class MarketSystem {
  readonly engine = new Engine<MarketSimEvent>(() => undefined);
  readonly metrics: MetricsCollector;
  readonly agents: readonly ProviderAgent[];
  private readonly roster: ProviderRoster;
  private readonly executions: Executions;
  private readonly holds: NodeHolds;
  private readonly posts: PostQueue;
  private readonly view: ChainView;
  private readonly loop: BlockLoop;

  constructor(private readonly options: MarketSystemOptions) {
    const { scenario, ledger, trace } = options;
    const { engine } = this;
    this.metrics = new MetricsCollector("market", options.tasks);
    this.metrics.gasUsed = ledger.kind === "chain" ? 0n : null;
    this.metrics.gasBySender = ledger.kind === "chain" ? new GasBySender() : null;
    // The agents' pricing streams are forked before the block loop forks "attention".
    this.roster = new ProviderRoster(buildAgents(scenario, options.rng));
    this.agents = this.roster.agents;
    this.executions = new Executions(engine, this.roster, this.metrics, trace, (taskId) => this.view.tasks.get(taskId)!.size);
    this.holds = new NodeHolds(engine, this.roster, this.executions, trace);
    this.posts = new PostQueue(trace, () => engine.now);
    this.view = new ChainView(this.roster, this.executions, this.metrics, trace, scenario.market.fallbackDepth);
    this.loop = new BlockLoop({ options, engine, metrics: this.metrics, roster: this.roster, posts: this.posts, view: this.view });
    engine.onEvent((event, e) => this.handle(event, e.now));
    if (options.resume !== undefined) this.view.resume(options.resume, engine.now);
  }

  /** Schedules the workload's arrivals. */
  scheduleWorkload(): void {
    for (const task of this.options.tasks) this.engine.schedule(task.arrival, { kind: "arrival", task }, PRIORITY.arrival);
  }

  /** Schedules the timeline's transitions of this market's nodes, up to the horizon. */
  scheduleTimeline(timeline: FailureTimeline): void {
    this.holds.scheduleTimeline(timeline, this.options.horizon);
  }

  /** Schedules the first block, at the engine's clock (the providers register in it). */
  start(): void {
    this.loop.start();
  }

  /** The time (ms) of the next event; undefined when the system has stopped or has none. */
  get nextEventTime(): number | undefined {
    return this.loop.stopped ? undefined : this.engine.nextTime;
  }

  /** Processes one event, waiting for its block to commit if it is one; false when the run is over. */
  async step(): Promise<boolean> {
    if (this.loop.stopped || !this.engine.step()) return false;
    await this.loop.idle;
    return true;
  }

  /** Ends the run: no further event is processed; pending external posts are rejected. */
  async stop(): Promise<void> {
    await this.loop.stop();
    this.posts.interrupt();
  }

  /**
   * Posts `task` in the next block; resolves with its chain id once the block commits. When
   * `signal` aborts before a block has taken the task, it is withdrawn (never sent) and the
   * promise rejects with the signal's reason; once a block being committed holds it, it stays.
   */
  addTask(task: ExternalTask, signal?: AbortSignal): Promise<PostedTask> {
    if (this.loop.stopped) return Promise.reject(new Error("the market has stopped"));
    return this.posts.addExternal(task, signal);
  }

  /** Whether a block being committed holds this external post (it can no longer be withdrawn). */
  isCommitting(task: ExternalTask): boolean {
    return this.posts.isCommitting(task);
  }

  /**
   * Holds a node down for `cause`, or releases that hold, at time `at` (default now, before the
   * next block). The node is online when no cause holds it. False for an unknown node.
   */
  holdNode(nodeId: string, cause: string, down: boolean, at: number = this.engine.now): boolean {
    return this.holds.hold(nodeId, cause, down, at);
  }

  /** The causes holding a node down as of the engine's time ("scenario", "operator", "outage:ID"); empty when online. */
  holdsOn(nodeId: string): ReadonlySet<string> {
    return this.holds.holdsOn(nodeId);
  }

  /** An operator takes a node down or brings it up, now; other holds (the timeline, outages) stay. */
  setNodeOnline(nodeId: string, up: boolean): boolean {
    return this.holdNode(nodeId, "operator", !up);
  }

  /** The agent at `address`, if it is one of this market's providers. */
  agentAt(address: Address): ProviderAgent | undefined {
    return this.roster.at(address);
  }

  /** Chain timestamp (s) of simulated time 0. */
  get baseTimestamp(): number {
    return this.options.baseTimestamp;
  }

  private handle(event: MarketSimEvent, now: number): void {
    switch (event.kind) {
      case "transition":
        this.holds.apply(event, now);
        break;
      case "arrival":
        this.posts.arrive(event.task, now);
        break;
      case "done":
        this.executions.finish(event, now);
        break;
      case "block":
        this.loop.run(now);
        break;
    }
  }
}
