// A live market's session: the market system over the market, as a start builds it and as a
// reconnection builds it again from the chain's state (sim/market/resume.ts). live-market.ts
// paces a session to the wall clock and replaces it when the chain fails under it.
// Each session has its own repeated workload (workload-cycle.ts) and live KPIs (live-kpis.ts):
// a resumed session starts virtual time at 0, the scenario's workload with it (period 0 again),
// so both restart with the session rather than carry on from the one the chain failed under.
import type { Chain } from "../../sim/chain/connect.js";
import { RandomStream } from "../../sim/engine/rng.js";
import { openLedger } from "../../sim/ledger/open-ledger.js";
import type { BlockResult } from "../../sim/protocol/ledger.js";
import { MarketSystem, type TraceRecord } from "../../sim/market/market-system.js";
import type { ProviderAgent } from "../../sim/market/provider-agent.js";
import { resumeState, type ResumeState } from "../../sim/market/resume.js";
import { buildFailureTimeline, type FailureTimeline } from "../../sim/model/failures.js";
import { parseRequirementsRef } from "../../sim/model/task-ref.js";
import { generateWorkload, type WorkloadTask } from "../../sim/model/workload.js";
import { toMarketConfig, type Scenario } from "../../sim/scenario/schema.js";
import type { LiveMarketOptions } from "./live-market.js";
import type { MarketFeed } from "./market-feed.js";
import { ChainMarketService } from "../market-service.js";
import { OutageBook } from "./outage-book.js";
import { parseApiRequirementsRef } from "../task-ref.js";
import { createLiveKpis } from "./live-kpis-setup.js";
import type { LiveKpis } from "./live-kpis.js";
import { WorkloadCycle } from "./workload-cycle.js";

/**
 * One run of the market system over the market: what a start builds, and what a reconnection
 * builds again from the chain's state. Virtual time starts at 0 with each session.
 */
export interface Session {
  service: ChainMarketService;
  system: MarketSystem;
  wallStart: number;
  outageBook: OutageBook;
  byNode: ReadonlyMap<string, ProviderAgent>;
  /** The market was found in the deployment registry and resumed from its events. */
  resumed: boolean;
  /** The workload's later periods (from period 1, this session's virtual time); undefined when the workload is off. */
  cycle: WorkloadCycle | undefined;
  /**
   * The KPIs folded from this session's trace. They restart with the session, as its virtual
   * clock and workload do: a resume's tasks from before are the chain's, not this fold's
   * (their results are not counted), and the series' buckets stay in one virtual clock.
   */
  kpis: LiveKpis;
}
/** What the live market hears of a session's system: its trace, and each block it commits. */
export interface SessionObserver {
  trace(record: TraceRecord): void;
  block(now: number, result: BlockResult): void;
}

/**
 * Builds a session on `chain`: the market (new on the embedded chain; on an RPC node the one
 * the registry remembers, resumed from its events, else a new one), the system over it with the
 * scenario's workload and failure timeline scheduled, its outage book, its repeated workload
 * and its KPIs. The system's trace goes to options.trace, the KPIs, then `observe.trace` (the
 * market's); each committed block, its events applied, to `observe.block`.
 */
export async function openSession(chain: Chain, feed: MarketFeed, options: LiveMarketOptions, observe: SessionObserver): Promise<Session> {
  const { scenario } = options;
  const clock = options.clock ?? Date.now;
  const root = RandomStream.root(scenario.seed);
  const tasks = options.workload === false ? [] : generateWorkload(scenario, root.fork("workload"));
  // Later periods fork their own streams off the same "workload" stream: fixed by the seed alone.
  const cycle = options.workload === false ? undefined : new WorkloadCycle(scenario, root.fork("workload"));
  const config = toMarketConfig(scenario);
  const now = Math.floor(clock() / 1000);
  const opened = await openLedger({ ledger: "chain", config, startTimestamp: now, chain, registry: { file: options.registryFile } });
  const { ledger } = opened;
  let resume: ResumeState | undefined;
  // The service's event cache reads the market's history once: resume folds it from there.
  const service = new ChainMarketService(chain, ledger, { feed, chainTimeoutMs: options.chainTimeoutMs });
  if (opened.reused) resume = resumeState(await service.history(), (ref) => resumedTaskSize(ref, scenario, tasks));
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
      observe.trace(record);
    },
    onBlock: (now, result) => observe.block(now, result),
    endless: true,
    resume,
  });
  system.scheduleWorkload();
  system.scheduleTimeline(timeline);
  system.start();
  const byNode = new Map(system.agents.map((a) => [a.nodeId, a]));
  const outageBook = new OutageBook(options.outageLimits);
  bookScenarioOutages(outageBook, timeline, byNode);
  return { service, system, wallStart: clock(), outageBook, byNode, resumed: resume !== undefined, cycle, kpis };
}

/** The scenario's outage windows, with the market's providers they take down. */
function bookScenarioOutages(book: OutageBook, timeline: FailureTimeline, byNode: ReadonlyMap<string, ProviderAgent>): void {
  timeline.outageWindows().forEach((w, i) => {
    const affected = w.affected.flatMap((nodeId) => {
      const agent = byNode.get(nodeId);
      return agent === undefined ? [] : [agent.address];
    });
    book.add({ id: `scenario-${i + 1}`, source: "scenario", name: w.name, scope: w.scope, start: w.start, end: w.end, affected });
  });
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