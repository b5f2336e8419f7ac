import { Engine } from "../engine/engine.js";
import type { RandomStream } from "../engine/rng.js";
import { actorAddress } from "../ledger/actors.js";
import type { BlockResult, Ledger, MarketAction, MarketEvent } from "../ledger/types.js";
import { MetricsCollector } from "../metrics/collector.js";
import type { FailureTimeline } from "../model/failures.js";
import { requirementsRef, resultRef } from "../model/task-ref.js";
import type { WorkloadTask } from "../model/workload.js";
import type { Scenario } from "../scenario/schema.js";
import { ProviderAgent, type Assignment } from "./provider-agent.js";
import { priceBid } from "./strategies.js";

/** A record of trace.jsonl: one simulation event. */
export type TraceRecord = { t: number; type: string } & Record<string, unknown>;

/** Progress of a market run, for a progress bar. */
export interface MarketProgress {
  time: number;
  horizon: number;
  blocks: number;
  tasksPosted: number;
  tasksDone: number;
}

export interface MarketRunOptions {
  scenario: Scenario;
  tasks: readonly WorkloadTask[];
  timeline: FailureTimeline;
  ledger: Ledger;
  /** Chain timestamp (s) of simulated time 0. */
  baseTimestamp: number;
  /** Simulated time (ms) after which no block is mined. */
  horizon: number;
  rng: RandomStream;
  trace: (record: TraceRecord) => void;
  onProgress?: (progress: MarketProgress) => void;
}

type MarketSimEvent =
  | { kind: "transition"; nodeId: string; up: boolean }
  | { kind: "arrival"; task: WorkloadTask }
  | { kind: "done"; provider: number; taskId: number; epoch: number }
  | { kind: "block" };

// At equal times: failures first (a node failing at t does nothing at t), then completions,
// arrivals, and last the block, which sees everything that happened up to its time.
const PRIORITY = { transition: 0, done: 1, arrival: 2, block: 3 } as const;

/** Providers that consider a task per round, per bid the contract keeps. */
const ATTENTION_PER_KEPT_BID = 3;

/** What the simulation knows of an on-chain task. */
interface ChainTask {
  simId: number;
  status: "Open" | "Awarded" | "Done";
  bidWindowEnd: number;
  round: number;
  bestSeen?: bigint;
  /** The cheapest prices bid this round, ascending, at most fallbackDepth: what the contract keeps. */
  kept: bigint[];
  /** Agents with an outstanding bid on it this round. */
  bidders: number[];
  provider?: number;
  epoch: number;
  deadline: number;
}

/**
 * Runs the market: providers bid, the contract (through the ledger) awards, providers execute
 * for simulated time, fail when the timeline says so, and the keeper closes auctions and
 * reroutes missed deadlines. One transaction per actor per block; the simulation learns every
 * outcome from the block's events.
 */
export async function runMarket(options: MarketRunOptions): Promise<MetricsCollector> {
  const { scenario, tasks, timeline, ledger, baseTimestamp, horizon, trace } = options;
  const metrics = new MetricsCollector("market", tasks);
  metrics.gasUsed = ledger.kind === "chain" ? 0n : null;
  const keeper = actorAddress("keeper");
  const posters = Array.from({ length: scenario.workload.posters }, (_, i) => actorAddress("poster", i));
  const agents = buildAgents(scenario, options.rng);
  const byAddress = new Map(agents.map((a) => [a.address, a]));
  const byNode = new Map(agents.map((a) => [a.nodeId, a]));
  const chainTasks = new Map<number, ChainTask>();
  // Live indexes, so a block never scans tasks that are done (insertion order = task id order).
  const openIds = new Set<number>();
  const awardedIds = new Set<number>();
  /** Agents that may have a result to submit or an assignment to abandon at the next block. */
  const needsAction = new Set<number>();
  const byRegion = new Map<string, ProviderAgent[]>();
  for (const agent of agents) {
    const list = byRegion.get(agent.region) ?? [];
    list.push(agent);
    byRegion.set(agent.region, list);
  }
  const pendingPosts: WorkloadTask[] = [];
  const bidWindow = Math.round(scenario.market.bidWindow / 1_000);
  const blockInterval = scenario.blockInterval;
  const chainTime = (t: number) => baseTimestamp + Math.floor(t / 1_000);
  let blocks = 0;
  let postedCount = 0;
  let doneCount = 0;
  let registered = false;

  const engine = new Engine<MarketSimEvent>(() => undefined);
  const loseWork = (agent: ProviderAgent, a: { execution?: number; startedAt?: number; taskId: number }, now: number) => {
    if (a.execution !== undefined) {
      engine.cancel(a.execution);
      metrics.lostComputeMs += (now - (a.startedAt ?? now)) * agent.speed;
      trace({ t: now, type: "execution.lost", provider: agent.nodeId, task: a.taskId });
      a.execution = undefined;
    }
  };

  // Provider attention: a task is offered, each block of its bid window, to a few providers
  // sampled from those that may serve it, so that about ATTENTION_PER_KEPT_BID × fallbackDepth
  // providers consider it per round. Every provider watching every task is neither how a large
  // market behaves nor affordable at 1,000 providers; each sampled provider still decides for
  // itself (strategy, free capacity) whether and what to bid.
  const attentionRng = options.rng.fork("attention");
  const windowBlocks = Math.max(1, Math.ceil(scenario.market.bidWindow / blockInterval));
  const offersPerBlock = Math.ceil((ATTENTION_PER_KEPT_BID * scenario.market.fallbackDepth) / windowBlocks);
  const poolFor = (region: string): readonly ProviderAgent[] => (region === "any" ? agents : (byRegion.get(region) ?? []));

  const buildBlock = (now: number): MarketAction[] => {
    const ts = chainTime(now);
    const actions: MarketAction[] = [];
    if (!registered) {
      for (const agent of agents) {
        actions.push({ kind: "register", from: agent.address, region: agent.region, capacity: agent.capacity, stake: agent.stake });
      }
    }
    for (const task of pendingPosts) {
      actions.push({
        kind: "post",
        from: posters[task.poster]!,
        maxPrice: task.maxPrice,
        requirementsHash: requirementsRef(task.id),
        region: task.region,
        bidWindowEnd: ts + bidWindow,
        executionBudget: task.executionBudget,
        mechanism: scenario.workload.mechanism,
      });
    }
    // Bids, gathered per provider: one transaction each.
    const bidsOf = new Map<number, Array<{ taskId: number; price: bigint }>>();
    const budgetLeft = new Map<number, number>();
    for (const taskId of openIds) {
      const c = chainTasks.get(taskId)!;
      if (ts >= c.bidWindowEnd) continue;
      const task = tasks[c.simId]!;
      const pool = poolFor(task.region);
      if (pool.length === 0) continue;
      for (let k = 0; k < offersPerBlock; k += 1) {
        const agent = pool[attentionRng.int(0, pool.length - 1)]!;
        const roundKey = `${taskId}/${c.round}`;
        if (!agent.online || agent.failedTasks.has(taskId) || agent.bidRounds.has(roundKey)) continue;
        const budget = budgetLeft.get(agent.index) ?? agent.bidBudget();
        if (budget <= 0) continue;
        const cost = agent.costPerSecond * BigInt(Math.ceil(task.size / 1_000));
        const price = priceBid(agent.strategy, { cost, maxPrice: task.maxPrice, bestSeen: c.bestSeen }, agent.rng);
        // A rational provider does not pay gas for a bid that cannot make the kept list.
        if (price === undefined || (c.kept.length >= scenario.market.fallbackDepth && price >= c.kept[c.kept.length - 1]!)) continue;
        let list = bidsOf.get(agent.index);
        if (list === undefined) bidsOf.set(agent.index, (list = []));
        list.push({ taskId, price });
        agent.bidRounds.add(roundKey);
        agent.outstandingBids.add(taskId);
        c.bidders.push(agent.index);
        budgetLeft.set(agent.index, budget - 1);
      }
    }
    // Only agents with something to send: a finished result, an assignment to abandon, or bids.
    const acting = [...new Set([...needsAction, ...bidsOf.keys()])].sort((x, y) => x - y);
    needsAction.clear();
    for (const index of acting) {
      const agent = agents[index]!;
      if (!agent.online) continue;
      for (const a of agent.assignments.values()) {
        if (a.done === true && ts <= a.deadline) {
          actions.push({ kind: "result", from: agent.address, taskId: a.taskId, epoch: a.epoch, resultHash: resultRef(a.taskId, a.epoch) });
        } else if (a.done !== true && a.execution === undefined && ts <= a.deadline) {
          actions.push({ kind: "abandon", from: agent.address, taskId: a.taskId });
        }
      }
      const bids = bidsOf.get(agent.index);
      if (bids !== undefined) actions.push({ kind: "bids", from: agent.address, bids: bids.sort((x, y) => x.taskId - y.taskId) });
    }
    const toClose = [...openIds].filter((id) => ts >= chainTasks.get(id)!.bidWindowEnd);
    if (toClose.length > 0) actions.push({ kind: "close", from: keeper, taskIds: toClose });
    const toReroute = [...awardedIds].filter((id) => ts > chainTasks.get(id)!.deadline);
    if (toReroute.length > 0) actions.push({ kind: "reroute", from: keeper, taskIds: toReroute });
    return actions;
  };

  /** The auction round ended: its bidders' bids are no longer outstanding. */
  const clearBids = (taskId: number, c: ChainTask) => {
    for (const index of c.bidders) agents[index]!.outstandingBids.delete(taskId);
    c.bidders = [];
  };

  const applyBlock = (now: number, actions: readonly MarketAction[], result: BlockResult) => {
    blocks += 1;
    metrics.blocks = blocks;
    if (result.gasUsed !== null && metrics.gasUsed !== null) metrics.gasUsed += result.gasUsed;
    trace({ t: now, type: "block", number: result.blockNumber, timestamp: result.timestamp, txs: actions.length, events: result.events.length, gas: result.gasUsed?.toString() ?? null });
    for (const refusal of result.refused) {
      trace({ t: now, type: "refused", kind: refusal.action.kind, from: refusal.action.from, error: refusal.error, args: refusal.args });
    }
    registered = true;
    const posted = pendingPosts.splice(0, pendingPosts.length);
    let postIndex = 0;
    for (const event of result.events) {
      trace({ t: now, type: `market.${event.name}`, ...event });
      handleEvent(now, event, () => posted[postIndex++]);
    }
  };

  const handleEvent = (now: number, event: MarketEvent, nextPosted: () => WorkloadTask | undefined) => {
    switch (event.name) {
      case "TaskPosted": {
        const task = nextPosted();
        if (task === undefined) throw new Error(`TaskPosted ${event.taskId} matches no post of this block`);
        chainTasks.set(event.taskId, { simId: task.id, status: "Open", bidWindowEnd: event.bidWindowEnd, round: 0, kept: [], bidders: [], epoch: 0, deadline: 0 });
        openIds.add(event.taskId);
        postedCount += 1;
        break;
      }
      case "BidPlaced": {
        const c = chainTasks.get(event.taskId)!;
        if (c.bestSeen === undefined || event.price < c.bestSeen) c.bestSeen = event.price;
        keepPrice(c.kept, event.price, scenario.market.fallbackDepth);
        break;
      }
      case "TaskAwarded": {
        const c = chainTasks.get(event.taskId)!;
        const agent = byAddress.get(event.provider)!;
        clearBids(event.taskId, c);
        c.status = "Awarded";
        openIds.delete(event.taskId);
        awardedIds.add(event.taskId);
        c.provider = agent.index;
        c.epoch = event.epoch;
        c.deadline = event.deadline;
        const assignment: Assignment = { taskId: event.taskId, epoch: event.epoch, deadline: event.deadline };
        agent.assignments.set(event.taskId, assignment);
        if (agent.online) {
          assignment.startedAt = now;
          assignment.execution = engine.schedule(
            { after: Math.ceil(tasks[c.simId]!.size / agent.speed) },
            { kind: "done", provider: agent.index, taskId: event.taskId, epoch: event.epoch },
            PRIORITY.done,
          );
          trace({ t: now, type: "execution.start", provider: agent.nodeId, task: event.taskId, epoch: event.epoch });
        }
        break;
      }
      case "TaskRerouted": {
        const c = chainTasks.get(event.taskId)!;
        const agent = byAddress.get(event.provider)!;
        const a = agent.assignments.get(event.taskId);
        if (a !== undefined) loseWork(agent, a, now);
        agent.assignments.delete(event.taskId);
        agent.failedTasks.add(event.taskId);
        c.status = "Open"; // until the TaskAwarded, TaskReopened or TaskRefunded that follows
        awardedIds.delete(event.taskId);
        c.provider = undefined;
        metrics.rerouted(c.simId, now, agent.nodeId, null);
        break;
      }
      case "ProviderSlashed":
        metrics.slashes += 1;
        metrics.slashedWei += event.amount;
        break;
      case "TaskReopened": {
        const c = chainTasks.get(event.taskId)!;
        clearBids(event.taskId, c);
        c.status = "Open";
        openIds.add(event.taskId);
        c.round = event.round;
        c.bidWindowEnd = event.bidWindowEnd;
        c.bestSeen = undefined;
        c.kept = [];
        metrics.reauctioned(c.simId);
        break;
      }
      case "ResultSubmitted": {
        const c = chainTasks.get(event.taskId)!;
        byAddress.get(event.provider)!.assignments.delete(event.taskId);
        c.status = "Done";
        awardedIds.delete(event.taskId);
        doneCount += 1;
        metrics.completed(c.simId, now, event.payment);
        break;
      }
      case "TaskRefunded": {
        const c = chainTasks.get(event.taskId)!;
        clearBids(event.taskId, c);
        c.status = "Done";
        openIds.delete(event.taskId);
        awardedIds.delete(event.taskId);
        doneCount += 1;
        metrics.refunded(c.simId);
        break;
      }
      default:
        break;
    }
  };

  const unfinished = () => pendingPosts.length > 0 || openIds.size > 0 || awardedIds.size > 0;
  let stop = false;
  let blockQueue: Promise<void> = Promise.resolve();
  engine.onEvent((event, e) => {
    switch (event.kind) {
      case "transition": {
        const agent = byNode.get(event.nodeId);
        if (agent === undefined) return;
        trace({ t: e.now, type: event.up ? "node.up" : "node.down", node: event.nodeId });
        agent.online = event.up;
        if (event.up) needsAction.add(agent.index);
        if (!event.up) {
          for (const a of agent.assignments.values()) {
            loseWork(agent, a, e.now);
            if (a.done === true) {
              // A finished result it had not yet sent is lost with the node: all of its work.
              metrics.lostComputeMs += tasks[chainTasks.get(a.taskId)!.simId]!.size;
              trace({ t: e.now, type: "result.lost", provider: agent.nodeId, task: a.taskId, epoch: a.epoch });
              a.done = false;
            }
          }
          agent.outstandingBids.clear();
        }
        break;
      }
      case "arrival":
        pendingPosts.push(event.task);
        trace({ t: e.now, type: "task.arrival", workloadTask: event.task.id, size: event.task.size, region: event.task.region });
        break;
      case "done": {
        const agent = agents[event.provider]!;
        const a = agent.assignments.get(event.taskId);
        if (a === undefined || a.epoch !== event.epoch) return;
        a.execution = undefined;
        a.done = true;
        needsAction.add(agent.index);
        trace({ t: e.now, type: "execution.done", provider: agent.nodeId, task: event.taskId, epoch: event.epoch });
        break;
      }
      case "block":
        // The ledger is asynchronous: the engine pauses (see the loop below) while a block commits.
        blockQueue = (async () => {
          const actions = buildBlock(e.now);
          // A block with nothing in it changes nothing: it is not mined (by either ledger), so
          // quiet stretches cost no chain work. Time still moves on at the next block's stamp.
          if (actions.length > 0) {
            const result = await ledger.commitBlock(chainTime(e.now), actions);
            applyBlock(e.now, actions, result);
          }
          options.onProgress?.({ time: e.now, horizon, blocks, tasksPosted: postedCount, tasksDone: doneCount });
          const next = e.now + blockInterval;
          if (next <= horizon && (next <= scenario.duration || unfinished())) e.schedule(next, { kind: "block" }, PRIORITY.block);
          else stop = true;
        })();
        break;
    }
  });

  for (const task of tasks) engine.schedule(task.arrival, { kind: "arrival", task }, PRIORITY.arrival);
  for (const t of timeline.transitions()) {
    if (byNode.has(t.nodeId) && t.time <= horizon) engine.schedule(t.time, { kind: "transition", nodeId: t.nodeId, up: t.up }, PRIORITY.transition);
  }
  engine.schedule(0, { kind: "block" }, PRIORITY.block);
  // Step the engine one event at a time, awaiting each block's commit before going on, so
  // simulated time never runs ahead of the chain.
  while (!stop && engine.step()) {
    await blockQueue;
  }
  await blockQueue;
  return metrics;
}

/** One agent per provider of each group, in scenario order; each with its own random stream. */
function buildAgents(scenario: Scenario, rng: RandomStream): ProviderAgent[] {
  const agents: ProviderAgent[] = [];
  const pricing = rng.fork("pricing");
  for (const group of scenario.providers) {
    for (let i = 0; i < group.count; i += 1) {
      const nodeId = `${group.group}#${i}`;
      agents.push(
        new ProviderAgent(
          nodeId,
          agents.length,
          actorAddress("provider", agents.length),
          group.group,
          group.region,
          group.capacity,
          group.speed,
          group.costPerSecond,
          group.strategy,
          group.stake,
          pricing.fork(nodeId),
        ),
      );
    }
  }
  return agents;
}

/** Inserts `price` into the ascending list, keeping at most `depth` (an equal price goes after: ties keep the earlier bid). */
function keepPrice(kept: bigint[], price: bigint, depth: number): void {
  let i = kept.length;
  while (i > 0 && kept[i - 1]! > price) i -= 1;
  if (i >= depth) return;
  kept.splice(i, 0, price);
  if (kept.length > depth) kept.pop();
}
