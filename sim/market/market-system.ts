import { Engine } from "../engine/engine.js";
import type { RandomStream } from "../engine/rng.js";
import { actorAddress } from "../ledger/actors.js";
import type { Address, MarketAction } from "../protocol/actions.js";
import type { MarketEvent } from "../protocol/events.js";
import type { BlockResult, Ledger } from "../protocol/ledger.js";
import { MetricsCollector } from "../metrics/collector.js";
import type { FailureTimeline } from "../model/failures.js";
import type { WorkloadTask } from "../model/workload.js";
import type { Scenario } from "../scenario/schema.js";
import { keepPrice } from "../protocol/kept-bids.js";
import { buildAgents } from "./market-agents.js";
import type { ResumeState } from "./resume.js";
import { buildBlockActions } from "./market-block.js";
import {
  ATTENTION_PER_KEPT_BID,
  PostInterruptedError,
  PostRefusedError,
  PRIORITY,
  type ChainTask,
  type ExternalTask,
  type MarketSimEvent,
  type MarketSystemOptions,
  type PendingPost,
  type PostedTask,
  type TraceRecord,
} from "./market-types.js";
import type { Assignment, ProviderAgent } from "./provider-agent.js";

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
 */
export class MarketSystem {
  readonly engine = new Engine<MarketSimEvent>(() => undefined);
  readonly metrics: MetricsCollector;
  readonly agents: readonly ProviderAgent[];
  private readonly scenario: Scenario;
  private readonly tasks: readonly WorkloadTask[];
  private readonly ledger: Ledger;
  private readonly trace: (record: TraceRecord) => void;
  private readonly keeper = actorAddress("keeper");
  private readonly posters: Address[];
  private readonly byAddress: Map<Address, ProviderAgent>;
  private readonly byNode: Map<string, ProviderAgent>;
  private readonly byRegion = new Map<string, ProviderAgent[]>();
  private readonly chainTasks = new Map<number, ChainTask>();
  /**
   * What holds each node down: the failure timeline ("scenario"), an operator, an outage. A node
   * is online when nothing holds it, so an outage ending does not revive a node the timeline
   * still has down, nor the other way round.
   */
  private readonly downCauses = new Map<string, Set<string>>();
  // Live indexes, so a block never scans tasks that are done (insertion order = task id order).
  private readonly openIds = new Set<number>();
  private readonly awardedIds = new Set<number>();
  /** Agents that may have a result to submit or an assignment to abandon at the next block. */
  private readonly needsAction = new Set<number>();
  private readonly pendingPosts: PendingPost[] = [];
  /** The first this many pending posts are in the block being committed: none may be withdrawn. */
  private committing = 0;
  private readonly bidWindow: number;
  private readonly attentionRng: RandomStream;
  private readonly offersPerBlock: number;
  private blocks = 0;
  private postedCount = 0;
  private doneCount = 0;
  private registered = false;
  /** Providers the market already had when the system started (a resumed market). */
  private readonly preRegistered = new Set<Address>();
  private stopped = false;
  private blockQueue: Promise<void> = Promise.resolve();

  constructor(private readonly options: MarketSystemOptions) {
    const { scenario, ledger } = options;
    this.scenario = scenario;
    this.tasks = options.tasks;
    this.ledger = ledger;
    this.trace = options.trace;
    this.metrics = new MetricsCollector("market", options.tasks);
    this.metrics.gasUsed = ledger.kind === "chain" ? 0n : null;
    this.posters = Array.from({ length: scenario.workload.posters }, (_, i) => actorAddress("poster", i));
    const agents = buildAgents(scenario, options.rng);
    this.agents = agents;
    this.byAddress = new Map(agents.map((a) => [a.address, a]));
    this.byNode = new Map(agents.map((a) => [a.nodeId, a]));
    for (const agent of agents) {
      const list = this.byRegion.get(agent.region) ?? [];
      list.push(agent);
      this.byRegion.set(agent.region, list);
    }
    this.bidWindow = Math.round(scenario.market.bidWindow / 1_000);
    // Provider attention: a task is offered, each block of its bid window, to a few providers
    // sampled from those that may serve it, so that about ATTENTION_PER_KEPT_BID × fallbackDepth
    // providers consider it per round. Every provider watching every task is neither how a large
    // market behaves nor affordable at 1,000 providers; each sampled provider still decides for
    // itself (strategy, free capacity) whether and what to bid.
    this.attentionRng = options.rng.fork("attention");
    const windowBlocks = Math.max(1, Math.ceil(scenario.market.bidWindow / scenario.blockInterval));
    this.offersPerBlock = Math.ceil((ATTENTION_PER_KEPT_BID * scenario.market.fallbackDepth) / windowBlocks);
    this.engine.onEvent((event, e) => this.handle(event, e.now));
    if (options.resume !== undefined) this.resume(options.resume);
  }

  /**
   * Takes over a market from the chain's events, before the first block: the registered
   * providers, their slashes, and every task still Open or Awarded with its round, window,
   * kept bids, epoch and deadline. Our agents remember the rounds they bid in and the tasks
   * they failed, as the contract does. An Open task goes on with its auction (the keeper closes
   * it when its window ends). An Awarded task assigned to one of our agents was running in the
   * process that stopped: that work is lost, so the agent holds the assignment with no
   * execution, and the block logic abandons it while its deadline has not passed (a small
   * slash; the task goes to its next fallback), or the keeper reroutes it after the deadline.
   * A task assigned to a provider that is not one of ours waits for it, or for the keeper.
   */
  private resume(state: ResumeState): void {
    const depth = this.scenario.market.fallbackDepth;
    for (const agent of this.agents) {
      // A provider registered by an earlier run keeps its on-chain region, capacity and stake,
      // even if the scenario now says otherwise: it cannot register twice.
      if (state.registered.has(agent.address)) this.preRegistered.add(agent.address);
      agent.slashed = state.slashed.get(agent.address) ?? 0n;
    }
    let lost = 0;
    for (const t of state.tasks) {
      const c: ChainTask = {
        simId: null,
        size: t.size,
        region: t.region,
        maxPrice: t.maxPrice,
        status: t.status,
        bidWindowEnd: t.bidWindowEnd,
        round: t.round,
        kept: [],
        bidders: [],
        epoch: t.epoch,
        deadline: t.deadline,
      };
      for (const bid of t.bids) {
        const agent = this.byAddress.get(bid.provider);
        agent?.bidRounds.add(`${t.taskId}/${bid.round}`);
        if (t.status !== "Open" || bid.round !== t.round) continue;
        if (c.bestSeen === undefined || bid.price < c.bestSeen) c.bestSeen = bid.price;
        keepPrice(c.kept, depth, bid.price);
        if (agent !== undefined) {
          agent.outstandingBids.add(t.taskId);
          c.bidders.push(agent.index);
        }
      }
      for (const provider of t.failed) this.byAddress.get(provider)?.failedTasks.add(t.taskId);
      this.chainTasks.set(t.taskId, c);
      if (t.status === "Open") {
        this.openIds.add(t.taskId);
        continue;
      }
      this.awardedIds.add(t.taskId);
      const agent = t.assignee === undefined ? undefined : this.byAddress.get(t.assignee);
      if (agent === undefined) continue;
      c.provider = agent.index;
      agent.assignments.set(t.taskId, { taskId: t.taskId, epoch: t.epoch, deadline: t.deadline });
      this.needsAction.add(agent.index);
      this.trace({ t: this.engine.now, type: "resume.lost", provider: agent.nodeId, task: t.taskId, epoch: t.epoch });
      lost += 1;
    }
    this.trace({
      t: this.engine.now,
      type: "resume",
      registered: this.preRegistered.size,
      open: this.openIds.size,
      awarded: this.awardedIds.size,
      lost,
    });
  }

  /** Schedules the workload's arrivals. */
  scheduleWorkload(): void {
    for (const task of this.tasks) this.engine.schedule(task.arrival, { kind: "arrival", task }, PRIORITY.arrival);
  }

  /** Schedules the timeline's transitions of this market's nodes, up to the horizon. */
  scheduleTimeline(timeline: FailureTimeline): void {
    for (const t of timeline.transitions()) {
      if (this.byNode.has(t.nodeId) && t.time <= this.options.horizon) this.engine.schedule(t.time, { kind: "transition", nodeId: t.nodeId, up: t.up }, PRIORITY.transition);
    }
  }

  /** Schedules the first block, at the engine's clock (the providers register in it). */
  start(): void {
    this.engine.schedule(this.engine.now, { kind: "block" }, PRIORITY.block);
  }

  /** The time (ms) of the next event; undefined when the system has stopped or has none. */
  get nextEventTime(): number | undefined {
    return this.stopped ? undefined : this.engine.nextTime;
  }

  /** Processes one event, waiting for its block to commit if it is one; false when the run is over. */
  async step(): Promise<boolean> {
    if (this.stopped || !this.engine.step()) return false;
    await this.blockQueue;
    return true;
  }

  /** Ends the run: no further event is processed; pending external posts are rejected. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.blockQueue.catch(() => undefined);
    // A failed block leaves `committing` set: its posts may have reached the node.
    this.pendingPosts.splice(0).forEach((post, i) => post.external !== undefined && post.reject(new PostInterruptedError(i < this.committing)));
    this.committing = 0;
  }

  /**
   * Posts `task` in the next block; resolves with its chain id once the block commits. When
   * `signal` aborts before a block has taken the task, it is withdrawn (never sent) and the
   * promise rejects with the signal's reason; once a block being committed holds it, it stays.
   */
  addTask(task: ExternalTask, signal?: AbortSignal): Promise<PostedTask> {
    if (this.stopped) return Promise.reject(new Error("the market has stopped"));
    return new Promise<PostedTask>((resolve, reject) => {
      const post: PendingPost = { external: task, resolve, reject };
      this.pendingPosts.push(post);
      this.trace({ t: this.engine.now, type: "task.external", from: task.from, size: task.size, region: task.region });
      signal?.addEventListener(
        "abort",
        () => {
          const index = this.pendingPosts.indexOf(post);
          if (index < this.committing) return;
          this.pendingPosts.splice(index, 1);
          this.trace({ t: this.engine.now, type: "task.withdrawn", from: task.from });
          reject(signal.reason);
        },
        { once: true },
      );
    });
  }

  /** Whether a block being committed holds this external post (it can no longer be withdrawn). */
  isCommitting(task: ExternalTask): boolean {
    return this.pendingPosts.slice(0, this.committing).some((p) => p.external === task);
  }

  /**
   * Holds a node down for `cause`, or releases that hold, at time `at` (default now, before the
   * next block). The node is online when no cause holds it. False for an unknown node.
   */
  holdNode(nodeId: string, cause: string, down: boolean, at: number = this.engine.now): boolean {
    if (!this.byNode.has(nodeId)) return false;
    this.engine.schedule(Math.max(at, this.engine.now), { kind: "transition", nodeId, up: !down, cause }, PRIORITY.transition);
    return true;
  }

  /** The causes holding a node down as of the engine's time ("scenario", "operator", "outage:ID"); empty when online. */
  holdsOn(nodeId: string): ReadonlySet<string> {
    return this.downCauses.get(nodeId) ?? new Set();
  }

  /** An operator takes a node down or brings it up, now; other holds (the timeline, outages) stay. */
  setNodeOnline(nodeId: string, up: boolean): boolean {
    return this.holdNode(nodeId, "operator", !up);
  }

  /** The agent at `address`, if it is one of this market's providers. */
  agentAt(address: Address): ProviderAgent | undefined {
    return this.byAddress.get(address);
  }

  /** Chain timestamp (s) of simulated time 0. */
  get baseTimestamp(): number {
    return this.options.baseTimestamp;
  }

  private chainTime(t: number): number {
    return this.options.baseTimestamp + Math.floor(t / 1_000);
  }

  private poolFor(region: string): readonly ProviderAgent[] {
    return region === "any" ? this.agents : (this.byRegion.get(region) ?? []);
  }

  private unfinished(): boolean {
    return this.pendingPosts.length > 0 || this.openIds.size > 0 || this.awardedIds.size > 0;
  }

  private loseWork(agent: ProviderAgent, a: { execution?: number; startedAt?: number; taskId: number }, now: number): void {
    if (a.execution !== undefined) {
      this.engine.cancel(a.execution);
      this.metrics.lostComputeMs += (now - (a.startedAt ?? now)) * agent.speed;
      this.trace({ t: now, type: "execution.lost", provider: agent.nodeId, task: a.taskId });
      a.execution = undefined;
    }
  }

  private handle(event: MarketSimEvent, now: number): void {
    const { trace, agents, chainTasks } = this;
    switch (event.kind) {
      case "transition": {
        const agent = this.byNode.get(event.nodeId);
        if (agent === undefined) return;
        let causes = this.downCauses.get(event.nodeId);
        if (causes === undefined) this.downCauses.set(event.nodeId, (causes = new Set()));
        if (event.up) causes.delete(event.cause ?? "scenario");
        else causes.add(event.cause ?? "scenario");
        if (agent.online === (causes.size === 0)) return; // still held, or already up
        trace({ t: now, type: event.up ? "node.up" : "node.down", node: event.nodeId });
        agent.online = event.up;
        if (event.up) this.needsAction.add(agent.index);
        if (!event.up) {
          for (const a of agent.assignments.values()) {
            this.loseWork(agent, a, now);
            if (a.done === true) {
              // A finished result it had not yet sent is lost with the node: all of its work.
              this.metrics.lostComputeMs += chainTasks.get(a.taskId)!.size;
              trace({ t: now, type: "result.lost", provider: agent.nodeId, task: a.taskId, epoch: a.epoch });
              a.done = false;
            }
          }
          agent.outstandingBids.clear();
        }
        break;
      }
      case "arrival":
        this.pendingPosts.push({ task: event.task });
        trace({ t: now, type: "task.arrival", workloadTask: event.task.id, size: event.task.size, region: event.task.region });
        break;
      case "done": {
        const agent = agents[event.provider]!;
        const a = agent.assignments.get(event.taskId);
        if (a === undefined || a.epoch !== event.epoch) return;
        a.execution = undefined;
        a.done = true;
        this.needsAction.add(agent.index);
        trace({ t: now, type: "execution.done", provider: agent.nodeId, task: event.taskId, epoch: event.epoch });
        break;
      }
      case "block":
        // The ledger is asynchronous: the driver awaits this before the next step.
        this.blockQueue = this.runBlock(now);
        break;
    }
  }

  private async runBlock(now: number): Promise<void> {
    const { scenario, options } = this;
    // Posts that arrive from outside while the block commits wait for the next one.
    const included = this.pendingPosts.length;
    const actions = this.buildBlock(now);
    // A block with nothing in it changes nothing: it is not mined (by either ledger), so
    // quiet stretches cost no chain work. Time still moves on at the next block's stamp.
    if (actions.length > 0) {
      this.committing = included;
      const result = await this.ledger.commitBlock(this.chainTime(now), actions);
      this.committing = 0;
      this.applyBlock(now, actions, result, included);
    }
    options.onProgress?.({ time: now, horizon: options.horizon, blocks: this.blocks, tasksPosted: this.postedCount, tasksDone: this.doneCount });
    const next = now + scenario.blockInterval;
    if (this.stopped) return;
    if (options.endless === true || (next <= options.horizon && (next <= scenario.duration || this.unfinished()))) {
      this.engine.schedule(next, { kind: "block" }, PRIORITY.block);
    } else this.stopped = true;
  }

  private buildBlock(now: number): MarketAction[] {
    return buildBlockActions(
      {
        scenario: this.scenario,
        agents: this.agents,
        registered: this.registered,
        preRegistered: this.preRegistered,
        pendingPosts: this.pendingPosts,
        posters: this.posters,
        bidWindow: this.bidWindow,
        openIds: this.openIds,
        awardedIds: this.awardedIds,
        chainTasks: this.chainTasks,
        needsAction: this.needsAction,
        poolFor: (region) => this.poolFor(region),
        offersPerBlock: this.offersPerBlock,
        attentionRng: this.attentionRng,
        keeper: this.keeper,
      },
      this.chainTime(now),
    );
  }

  /** The auction round ended: its bidders' bids are no longer outstanding. */
  private clearBids(taskId: number, c: ChainTask): void {
    for (const index of c.bidders) this.agents[index]!.outstandingBids.delete(taskId);
    c.bidders = [];
  }

  private applyBlock(now: number, actions: readonly MarketAction[], result: BlockResult, included: number): void {
    const { metrics, trace } = this;
    this.blocks += 1;
    metrics.blocks = this.blocks;
    if (result.gasUsed !== null && metrics.gasUsed !== null) metrics.gasUsed += result.gasUsed;
    trace({ t: now, type: "block", number: result.blockNumber, timestamp: result.timestamp, txs: actions.length, events: result.events.length, gas: result.gasUsed?.toString() ?? null });
    for (const refusal of result.refused) {
      trace({ t: now, type: "refused", kind: refusal.action.kind, from: refusal.action.from, error: refusal.error, args: refusal.args });
    }
    this.registered = true;
    const pending = this.pendingPosts.splice(0, included);
    // The block's posts, in order, with their transactions; a refused post emits no TaskPosted.
    const postActions = actions.map((action, index) => ({ action, index })).filter((p) => p.action.kind === "post");
    const posted: Array<{ post: PendingPost; index: number }> = [];
    pending.forEach((post, i) => {
      const sent = postActions[i]!;
      const refusal = result.refused.find((r) => r.action === sent.action);
      if (refusal === undefined) posted.push({ post, index: sent.index });
      else if (post.external !== undefined) post.reject(new PostRefusedError(refusal));
      else throw new Error(`the post of workload task ${post.task.id} was refused: ${refusal.error}`);
    });
    let postIndex = 0;
    for (const event of result.events) {
      trace({ t: now, type: `market.${event.name}`, ...event });
      this.handleEvent(now, event, () => {
        const next = posted[postIndex++];
        if (next?.post.external !== undefined) {
          const transactionHash = result.raw?.transactions[next.index]?.hash ?? null;
          next.post.resolve({ taskId: (event as { taskId: number }).taskId, blockNumber: result.blockNumber, transactionHash });
        }
        return next?.post;
      });
    }
  }

  private handleEvent(now: number, event: MarketEvent, nextPosted: () => PendingPost | undefined): void {
    const { chainTasks, metrics, byAddress, openIds, awardedIds } = this;
    switch (event.name) {
      case "TaskPosted": {
        const post = nextPosted();
        if (post === undefined) throw new Error(`TaskPosted ${event.taskId} matches no post of this block`);
        const spec = post.task ?? post.external;
        chainTasks.set(event.taskId, {
          simId: post.task?.id ?? null,
          size: spec.size,
          region: spec.region,
          maxPrice: spec.maxPrice,
          status: "Open",
          bidWindowEnd: event.bidWindowEnd,
          round: 0,
          kept: [],
          bidders: [],
          epoch: 0,
          deadline: 0,
        });
        openIds.add(event.taskId);
        this.postedCount += 1;
        break;
      }
      case "BidPlaced": {
        const c = chainTasks.get(event.taskId)!;
        if (c.bestSeen === undefined || event.price < c.bestSeen) c.bestSeen = event.price;
        keepPrice(c.kept, this.scenario.market.fallbackDepth, event.price);
        break;
      }
      case "TaskAwarded": {
        const c = chainTasks.get(event.taskId)!;
        // Not one of ours on a market others use too (an --rpc-url node, a resumed market).
        const agent = byAddress.get(event.provider);
        this.clearBids(event.taskId, c);
        c.status = "Awarded";
        openIds.delete(event.taskId);
        awardedIds.add(event.taskId);
        c.provider = agent?.index;
        c.epoch = event.epoch;
        c.deadline = event.deadline;
        if (agent === undefined) break;
        const assignment: Assignment = { taskId: event.taskId, epoch: event.epoch, deadline: event.deadline };
        agent.assignments.set(event.taskId, assignment);
        if (agent.online) {
          assignment.startedAt = now;
          assignment.execution = this.engine.schedule(
            { after: Math.ceil(c.size / agent.speed) },
            { kind: "done", provider: agent.index, taskId: event.taskId, epoch: event.epoch },
            PRIORITY.done,
          );
          this.trace({ t: now, type: "execution.start", provider: agent.nodeId, task: event.taskId, epoch: event.epoch });
        }
        break;
      }
      case "TaskRerouted": {
        const c = chainTasks.get(event.taskId)!;
        const agent = byAddress.get(event.provider);
        const a = agent?.assignments.get(event.taskId);
        if (a !== undefined) this.loseWork(agent!, a, now);
        agent?.assignments.delete(event.taskId);
        agent?.failedTasks.add(event.taskId);
        c.status = "Open"; // until the TaskAwarded, TaskReopened or TaskRefunded that follows
        awardedIds.delete(event.taskId);
        c.provider = undefined;
        if (c.simId !== null) metrics.rerouted(c.simId, now, agent?.nodeId ?? event.provider, null);
        break;
      }
      case "ProviderSlashed":
        metrics.slashes += 1;
        metrics.slashedWei += event.amount;
        if (byAddress.has(event.provider)) byAddress.get(event.provider)!.slashed += event.amount;
        break;
      case "TaskReopened": {
        const c = chainTasks.get(event.taskId)!;
        this.clearBids(event.taskId, c);
        c.status = "Open";
        openIds.add(event.taskId);
        c.round = event.round;
        c.bidWindowEnd = event.bidWindowEnd;
        c.bestSeen = undefined;
        c.kept = [];
        if (c.simId !== null) metrics.reauctioned(c.simId);
        break;
      }
      case "ResultSubmitted": {
        const c = chainTasks.get(event.taskId)!;
        byAddress.get(event.provider)?.assignments.delete(event.taskId);
        c.status = "Done";
        awardedIds.delete(event.taskId);
        this.doneCount += 1;
        if (c.simId !== null) metrics.completed(c.simId, now, event.payment);
        break;
      }
      case "TaskRefunded": {
        const c = chainTasks.get(event.taskId)!;
        this.clearBids(event.taskId, c);
        c.status = "Done";
        openIds.delete(event.taskId);
        awardedIds.delete(event.taskId);
        this.doneCount += 1;
        if (c.simId !== null) metrics.refunded(c.simId);
        break;
      }
      default:
        break;
    }
  }
}
