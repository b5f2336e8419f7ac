// What the simulation knows of the market on chain, folded from the block's events as they
// arrive (and, for a resumed market, from the chain's history once at the start): each task's
// status, round, window, kept prices, assignee and deadline, and the live indexes the block
// loop reads so a block never scans tasks that are done. Its providers learn their awards,
// reroutes, results and slashes here too: an agent knows only what the events told it.
import type { Address } from "../protocol/actions.js";
import type { MarketEvent } from "../protocol/events.js";
import { keepPrice } from "../protocol/kept-bids.js";
import { applyTaskEvent, postedTask } from "../protocol/task-state.js";
import type { MetricsCollector } from "../metrics/collector.js";
import { countMarketEvent } from "../metrics/market-event-metrics.js";
import type { Executions } from "./executions.js";
import type { ChainTask, TraceRecord } from "./market-types.js";
import type { NextPosted } from "./post-queue.js";
import type { Assignment } from "./provider-agent.js";
import type { ProviderRoster } from "./provider-roster.js";
import type { ResumeState } from "./resume.js";

export class ChainView {
  readonly tasks = new Map<number, ChainTask>();
  // Live indexes (insertion order = task id order, which keeps the keeper's batches sorted).
  readonly openIds = new Set<number>();
  readonly awardedIds = new Set<number>();
  /** Providers the market already had when the system started (a resumed market): they do not register again. */
  readonly preRegistered = new Set<Address>();
  posted = 0;
  done = 0;

  constructor(
    private readonly roster: ProviderRoster,
    private readonly executions: Executions,
    private readonly metrics: MetricsCollector,
    private readonly trace: (record: TraceRecord) => void,
    /** The contract's fallbackDepth: how many prices a task keeps per round. */
    private readonly depth: number,
  ) {}

  /** Whether a task is still open or awarded: the market has work left. */
  get unfinished(): boolean {
    return this.openIds.size > 0 || this.awardedIds.size > 0;
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
  resume(state: ResumeState, now: number): void {
    const { roster } = this;
    for (const agent of roster.agents) {
      // A provider registered by an earlier run keeps its on-chain region, capacity and stake,
      // even if the scenario now says otherwise: it cannot register twice.
      if (state.registered.has(agent.address)) this.preRegistered.add(agent.address);
      agent.slashed = state.slashed.get(agent.address) ?? 0n;
    }
    let lost = 0;
    for (const t of state.tasks) {
      const c: ChainTask = {
        taskId: t.taskId,
        status: t.status,
        round: t.round,
        bidWindowEnd: t.bidWindowEnd,
        epoch: t.epoch,
        deadline: t.deadline,
        assignee: t.assignee,
        simId: null,
        size: t.size,
        region: t.region,
        maxPrice: t.maxPrice,
        kept: [],
        bidders: [],
      };
      for (const bid of t.bids) {
        const agent = roster.at(bid.provider);
        agent?.bidRounds.add(`${t.taskId}/${bid.round}`);
        if (t.status !== "Open" || bid.round !== t.round) continue;
        if (c.bestSeen === undefined || bid.price < c.bestSeen) c.bestSeen = bid.price;
        keepPrice(c.kept, this.depth, bid.price);
        if (agent !== undefined) {
          agent.outstandingBids.add(t.taskId);
          c.bidders.push(agent.index);
        }
      }
      for (const provider of t.failed) roster.at(provider)?.failedTasks.add(t.taskId);
      this.tasks.set(t.taskId, c);
      if (t.status === "Open") {
        this.openIds.add(t.taskId);
        continue;
      }
      this.awardedIds.add(t.taskId);
      const agent = t.assignee === undefined ? undefined : roster.at(t.assignee);
      if (agent === undefined) continue;
      c.provider = agent.index;
      agent.assignments.set(t.taskId, { taskId: t.taskId, epoch: t.epoch, deadline: t.deadline });
      roster.needsAction.add(agent.index);
      this.trace({ t: now, type: "resume.lost", provider: agent.nodeId, task: t.taskId, epoch: t.epoch });
      lost += 1;
    }
    this.trace({ t: now, type: "resume", registered: this.preRegistered.size, open: this.openIds.size, awarded: this.awardedIds.size, lost });
  }

  /** Folds one of the block's events, in chain order; `nextPosted` pairs a TaskPosted with the post that sent it. */
  apply(now: number, event: MarketEvent, nextPosted: NextPosted): void {
    const { tasks, metrics, roster, openIds, awardedIds } = this;
    // The task's state moves by the protocol's rule; what follows is what the simulation does about it.
    const task = "taskId" in event ? tasks.get(event.taskId) : undefined;
    if (task !== undefined) applyTaskEvent(task, event);
    switch (event.name) {
      case "TaskPosted": {
        const post = nextPosted(event.taskId);
        if (post === undefined) throw new Error(`TaskPosted ${event.taskId} matches no post of this block`);
        const spec = post.task ?? post.external;
        tasks.set(event.taskId, {
          ...postedTask(event),
          simId: post.task?.id ?? null,
          size: spec.size,
          region: spec.region,
          maxPrice: spec.maxPrice,
          kept: [],
          bidders: [],
        });
        openIds.add(event.taskId);
        this.posted += 1;
        break;
      }
      case "BidPlaced": {
        const c = task!;
        if (c.bestSeen === undefined || event.price < c.bestSeen) c.bestSeen = event.price;
        keepPrice(c.kept, this.depth, event.price);
        break;
      }
      case "TaskAwarded": {
        const c = task!;
        // Not one of ours on a market others use too (an --rpc-url node, a resumed market).
        const agent = roster.at(event.provider);
        this.clearBids(event.taskId, c);
        openIds.delete(event.taskId);
        awardedIds.add(event.taskId);
        c.provider = agent?.index;
        if (agent === undefined) break;
        const assignment: Assignment = { taskId: event.taskId, epoch: event.epoch, deadline: event.deadline };
        agent.assignments.set(event.taskId, assignment);
        // A node that is down holds the award without running it; the block logic abandons it when the node is back.
        if (agent.online) this.executions.start(agent, assignment, c.size, now);
        break;
      }
      case "TaskRerouted": {
        const c = task!;
        const agent = roster.at(event.provider);
        const a = agent?.assignments.get(event.taskId);
        if (a !== undefined) this.executions.lose(agent!, a, now);
        agent?.assignments.delete(event.taskId);
        agent?.failedTasks.add(event.taskId);
        awardedIds.delete(event.taskId);
        c.provider = undefined;
        break;
      }
      case "ProviderSlashed": {
        const agent = roster.at(event.provider);
        if (agent !== undefined) agent.slashed += event.amount;
        break;
      }
      case "TaskReopened": {
        const c = task!;
        this.clearBids(event.taskId, c);
        openIds.add(event.taskId);
        c.bestSeen = undefined;
        c.kept = [];
        break;
      }
      case "ResultSubmitted": {
        const c = task!;
        roster.at(event.provider)?.assignments.delete(event.taskId);
        awardedIds.delete(event.taskId);
        this.done += 1;
        break;
      }
      case "TaskRefunded": {
        const c = task!;
        this.clearBids(event.taskId, c);
        openIds.delete(event.taskId);
        awardedIds.delete(event.taskId);
        this.done += 1;
        break;
      }
      default:
        break;
    }
    countMarketEvent(metrics, event, task?.simId ?? null, now, (provider) => roster.at(provider)?.nodeId ?? provider);
  }

  /** The auction round ended: its bidders' bids are no longer outstanding. */
  private clearBids(taskId: number, c: ChainTask): void {
    for (const index of c.bidders) this.roster.agents[index]!.outstandingBids.delete(taskId);
    c.bidders = [];
  }
}
