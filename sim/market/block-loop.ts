// The block loop: every blockInterval of simulated time, one block is built from what the
// system knows (market-block.ts), committed through the ledger at the block's chain timestamp,
// and its results folded back (the posts settled, the events into the chain view). The ledger
// is asynchronous, so a block is a promise the driver awaits before the next engine step: the
// simulation never runs ahead of the chain.
import type { Engine } from "../engine/engine.js";
import type { RandomStream } from "../engine/rng.js";
import { actorAddress } from "../ledger/actors.js";
import type { Address, MarketAction } from "../protocol/actions.js";
import type { BlockResult } from "../protocol/ledger.js";
import { keeperReserve } from "../protocol/market-config.js";
import type { MetricsCollector } from "../metrics/collector.js";
import type { ChainView } from "./chain-view.js";
import { buildBlockActions } from "./market-block.js";
import { ATTENTION_PER_KEPT_BID, PRIORITY, type MarketSimEvent, type MarketSystemOptions, type TraceRecord } from "./market-types.js";
import type { PostQueue } from "./post-queue.js";
import type { ProviderRoster } from "./provider-roster.js";

/** What the block loop works on: the system's other parts and its options. */
export interface BlockLoopParts {
  options: MarketSystemOptions;
  engine: Engine<MarketSimEvent>;
  metrics: MetricsCollector;
  roster: ProviderRoster;
  posts: PostQueue;
  view: ChainView;
}

export class BlockLoop {
  private readonly keeper = actorAddress("keeper");
  private readonly posters: Address[];
  /** Seconds. */
  private readonly bidWindow: number;
  private readonly attentionRng: RandomStream;
  private readonly offersPerBlock: number;
  /** What every post escrows on top of its maxPrice: the deployed market's keeper reserve. */
  private readonly keeperReserve: bigint;
  private blocks = 0;
  /** Whether the providers' registrations have been sent (in the first block). */
  private registered = false;
  private halted = false;
  /** The block being committed, or the last one: the driver awaits it before the next step. */
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly parts: BlockLoopParts) {
    const { scenario, rng } = parts.options;
    this.posters = Array.from({ length: scenario.workload.posters }, (_, i) => actorAddress("poster", i));
    this.bidWindow = Math.round(scenario.market.bidWindow / 1_000);
    // Provider attention: a task is offered, each block of its bid window, to a few providers
    // sampled from those that may serve it, so that about ATTENTION_PER_KEPT_BID × fallbackDepth
    // providers consider it per round. Every provider watching every task is neither how a large
    // market behaves nor affordable at 1,000 providers; each sampled provider still decides for
    // itself (strategy, free capacity) whether and what to bid.
    this.attentionRng = rng.fork("attention");
    const windowBlocks = Math.max(1, Math.ceil(scenario.market.bidWindow / scenario.blockInterval));
    this.offersPerBlock = Math.ceil((ATTENTION_PER_KEPT_BID * scenario.market.fallbackDepth) / windowBlocks);
    this.keeperReserve = keeperReserve(parts.options.ledger.config);
  }

  /** Whether the run is over: the last block was mined, or the system was stopped. */
  get stopped(): boolean {
    return this.halted;
  }

  /** Settles once the block being committed (if any) has been folded back. */
  get idle(): Promise<void> {
    return this.queue;
  }

  /** Schedules the first block, at the engine's clock (the providers register in it). */
  start(): void {
    this.parts.engine.schedule(this.parts.engine.now, { kind: "block" }, PRIORITY.block);
  }

  /** The engine reached a block's time: commit it (the driver awaits `idle` before stepping on). */
  run(now: number): void {
    this.queue = this.runBlock(now);
  }

  /** No further block is scheduled; waits for the one being committed, if any, whatever its outcome. */
  async stop(): Promise<void> {
    this.halted = true;
    await this.queue.catch(() => undefined);
  }

  private chainTime(t: number): number {
    return this.parts.options.baseTimestamp + Math.floor(t / 1_000);
  }

  private async runBlock(now: number): Promise<void> {
    const { options, engine, posts, view } = this.parts;
    const { scenario } = options;
    // Posts that arrive from outside while the block commits wait for the next one.
    const included = posts.size;
    const actions = this.buildBlock(now);
    // A block with nothing in it changes nothing: it is not mined (by either ledger), so
    // quiet stretches cost no chain work. Time still moves on at the next block's stamp.
    if (actions.length > 0) {
      posts.setCommitting(included);
      const result = await options.ledger.commitBlock(this.chainTime(now), actions);
      posts.setCommitting(0);
      this.applyBlock(now, actions, result, included);
    }
    options.onProgress?.({ time: now, horizon: options.horizon, blocks: this.blocks, tasksPosted: view.posted, tasksDone: view.done });
    const next = now + scenario.blockInterval;
    if (this.halted) return;
    if (options.endless === true || (next <= options.horizon && (next <= scenario.duration || posts.size > 0 || view.unfinished))) {
      engine.schedule(next, { kind: "block" }, PRIORITY.block);
    } else this.halted = true;
  }

  private buildBlock(now: number): MarketAction[] {
    const { options, roster, posts, view } = this.parts;
    return buildBlockActions(
      {
        scenario: options.scenario,
        agents: roster.agents,
        registered: this.registered,
        preRegistered: view.preRegistered,
        pendingPosts: posts.posts,
        posters: this.posters,
        bidWindow: this.bidWindow,
        openIds: view.openIds,
        awardedIds: view.awardedIds,
        chainTasks: view.tasks,
        needsAction: roster.needsAction,
        poolFor: (region) => roster.poolFor(region),
        offersPerBlock: this.offersPerBlock,
        attentionRng: this.attentionRng,
        keeper: this.keeper,
        keeperReserve: this.keeperReserve,
      },
      this.chainTime(now),
    );
  }

  private applyBlock(now: number, actions: readonly MarketAction[], result: BlockResult, included: number): void {
    const { metrics, posts, view } = this.parts;
    const trace: (record: TraceRecord) => void = this.parts.options.trace;
    this.blocks += 1;
    metrics.blocks = this.blocks;
    if (result.gasUsed !== null && metrics.gasUsed !== null) metrics.gasUsed += result.gasUsed;
    if (metrics.gasBySender !== null && result.raw !== undefined) {
      for (const tx of result.raw.transactions) metrics.gasBySender.addTransaction(tx.from, tx.gasUsed);
      for (const event of result.events) metrics.gasBySender.noteEvent(event);
    }
    trace({ t: now, type: "block", number: result.blockNumber, timestamp: result.timestamp, txs: actions.length, events: result.events.length, gas: result.gasUsed?.toString() ?? null });
    for (const refusal of result.refused) {
      trace({ t: now, type: "refused", kind: refusal.action.kind, from: refusal.action.from, error: refusal.error, args: refusal.args });
    }
    this.registered = true;
    const nextPosted = posts.settle(actions, result, included);
    for (const event of result.events) {
      trace({ t: now, type: `market.${event.name}`, ...event });
      view.apply(now, event, nextPosted);
    }
    this.parts.options.onBlock?.(now, result);
  }
}
