// One block's actions: registrations (first block, of providers not yet registered), posts, the
// providers' bids, results and abandons, and the keeper's closes and reroutes. Split from
// market-system.ts; it mutates the agents' and tasks' bid bookkeeping exactly as the block will see it.
import type { RandomStream } from "../engine/rng.js";
import type { Address, MarketAction } from "../protocol/actions.js";
import { requirementsRef, resultRef } from "../model/task-ref.js";
import type { Scenario } from "../scenario/schema.js";
import type { ChainTask, PendingPost } from "./market-types.js";
import type { ProviderAgent } from "./provider-agent.js";
import { priceBid } from "./strategies.js";
import { wouldKeep } from "../protocol/kept-bids.js";

/** What a block is built from: the market system's state. */
export interface BlockInputs {
  scenario: Scenario;
  agents: readonly ProviderAgent[];
  registered: boolean;
  /** Providers the market already has (a resumed market): the first block does not register them. */
  preRegistered: ReadonlySet<Address>;
  pendingPosts: readonly PendingPost[];
  posters: readonly Address[];
  /** Seconds. */
  bidWindow: number;
  openIds: ReadonlySet<number>;
  awardedIds: ReadonlySet<number>;
  chainTasks: ReadonlyMap<number, ChainTask>;
  /** Cleared: the agents in it act in this block. */
  needsAction: Set<number>;
  poolFor(region: string): readonly ProviderAgent[];
  offersPerBlock: number;
  attentionRng: RandomStream;
  keeper: Address;
  /** Wei every post sends on top of its maxPrice for the keepers: the market's keeperReserve. */
  keeperReserve: bigint;
}

/** The actions of the block stamped `ts` (chain seconds), in the order they are sent. */
export function buildBlockActions(s: BlockInputs, ts: number): MarketAction[] {
    const { scenario, chainTasks } = s;
    const actions: MarketAction[] = [];
    if (!s.registered) {
      for (const agent of s.agents) {
        if (s.preRegistered.has(agent.address)) continue;
        actions.push({ kind: "register", from: agent.address, region: agent.region, capacity: agent.capacity, stake: agent.stake });
      }
    }
    for (const post of s.pendingPosts) {
      const task = post.task;
      if (task !== undefined) {
        actions.push({
          kind: "post",
          from: s.posters[task.poster]!,
          maxPrice: task.maxPrice,
          keeperReserve: s.keeperReserve,
          requirementsHash: requirementsRef(task.id),
          region: task.region,
          bidWindowEnd: ts + s.bidWindow,
          executionBudget: task.executionBudget,
          mechanism: scenario.workload.mechanism,
        });
      } else {
        const x = post.external;
        actions.push({
          kind: "post",
          from: x.from,
          maxPrice: x.maxPrice,
          keeperReserve: s.keeperReserve,
          requirementsHash: x.requirementsHash,
          region: x.region,
          bidWindowEnd: ts + s.bidWindow,
          executionBudget: x.executionBudget,
          mechanism: x.mechanism,
        });
      }
    }
    // Bids, gathered per provider: one transaction each.
    const bidsOf = new Map<number, Array<{ taskId: number; price: bigint }>>();
    const budgetLeft = new Map<number, number>();
    for (const taskId of s.openIds) {
      const c = chainTasks.get(taskId)!;
      if (ts >= c.bidWindowEnd) continue;
      const pool = s.poolFor(c.region);
      if (pool.length === 0) continue;
      for (let k = 0; k < s.offersPerBlock; k += 1) {
        const agent = pool[s.attentionRng.int(0, pool.length - 1)]!;
        const roundKey = `${taskId}/${c.round}`;
        if (!agent.online || agent.failedTasks.has(taskId) || agent.bidRounds.has(roundKey)) continue;
        // Slashed below minStake, it may not bid at all (the contract's InsufficientStake): it knows, and saves the gas.
        if (agent.stake - agent.slashed < scenario.market.minStake) continue;
        const budget = budgetLeft.get(agent.index) ?? agent.bidBudget();
        if (budget <= 0) continue;
        const cost = agent.costPerSecond * BigInt(Math.ceil(c.size / 1_000));
        const price = priceBid(agent.strategy, { cost, maxPrice: c.maxPrice, bestSeen: c.bestSeen }, agent.rng);
        // A rational provider does not pay gas for a bid that cannot make the kept list.
        if (price === undefined || !wouldKeep(c.kept, scenario.market.fallbackDepth, price)) continue;
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
    const acting = [...new Set([...s.needsAction, ...bidsOf.keys()])].sort((x, y) => x - y);
    s.needsAction.clear();
    for (const index of acting) {
      const agent = s.agents[index]!;
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
    const toClose = [...s.openIds].filter((id) => ts >= chainTasks.get(id)!.bidWindowEnd);
    if (toClose.length > 0) actions.push({ kind: "close", from: s.keeper, taskIds: toClose });
    const toReroute = [...s.awardedIds].filter((id) => ts > chainTasks.get(id)!.deadline);
    if (toReroute.length > 0) actions.push({ kind: "reroute", from: s.keeper, taskIds: toReroute });
    return actions;
  }
