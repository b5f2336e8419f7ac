// Fault swarm: many short market runs, each with a fault mix drawn from its seed (crash rate,
// regional and dependency outages, flapping, whole groups offline, up to every provider but
// one; see swarm-scenario.ts). After every trace record the market's invariants hold
// (market-invariants.ts); after the faults stop every task ends, Completed or Refunded, within
// a bound; no task is completed or paid twice; a result comes only from its online, current
// assignee; reroutes per task stay within fallbackDepth × maxRounds; and on the memory ledger
// the money is conserved after every block (escrow-conservation.ts). A few seeds also run on
// the chain ledger, which must agree with the memory ledger event for event.
//
// CI runs seeds 1..500 (a run takes a few ms); BIDMESH_SWARM_RUNS=N runs seeds 1..N. A failing
// seed is named in the assertion message; replay it alone (memory and chain), e.g. seed 1234:
//   BIDMESH_SWARM_SEED=1234 npx vitest run test/reliability/fault-swarm.test.ts
import { describe, expect, it } from "vitest";
import { connectChain } from "../../sim/chain/connect.js";
import { ChainLedger } from "../../sim/ledger/chain-ledger.js";
import { MemoryLedger } from "../../sim/ledger/memory-ledger.js";
import type { TraceRecord } from "../../sim/market/market-types.js";
import { SIM_EPOCH } from "../../sim/run/simulate.js";
import { toMarketConfig, type Scenario } from "../../sim/scenario/schema.js";
import { marketEventsOf } from "../sim/e2e.js";
import { EscrowConservation } from "./escrow-conservation.js";
import { MarketInvariants } from "./market-invariants.js";
import { runSwarmMarket, type SwarmRun } from "./swarm-run.js";
import { swarmScenario } from "./swarm-scenario.js";

const replaySeed = process.env["BIDMESH_SWARM_SEED"];
const SEEDS: number[] =
  replaySeed !== undefined ? [Number(replaySeed)] : Array.from({ length: Number(process.env["BIDMESH_SWARM_RUNS"] ?? 500) }, (_, i) => i + 1);
/**
 * Seeds that also run on the chain ledger (each boots an embedded chain, about a second): every
 * provider but one offline after dependency and regional outages (1), crashes and every provider
 * but one offline, with providers slashed below minStake, which then stop bidding (3), a flapping
 * regional outage with crashes, many reroutes, refunds and skipped fallbacks (4),
 * a flapping dependency outage with re-auctions (9), flapping group and regional outages (12).
 */
const CHAIN_SEEDS = replaySeed !== undefined ? SEEDS : [1, 3, 4, 9, 12];

/** What one seed found, and what it exercised. */
interface SeedOutcome {
  seed: number;
  violations: string[];
  reroutes: number;
  refunds: number;
  completed: number;
  allButOne: boolean;
  maxReroutes: number;
}

/** Trace invariants and the settle bound of a finished run. */
function checkTrace(scenario: Scenario, run: SwarmRun): MarketInvariants {
  const invariants = new MarketInvariants(scenario);
  for (const record of run.trace) invariants.observe(record);
  invariants.finish(run);
  const summary = run.metrics.summarize({ duration: scenario.duration, bucket: scenario.metricsBucket });
  if (summary.tasksCompleted + summary.tasksRefunded !== run.taskCount) {
    invariants.violations.push(`metrics: ${summary.tasksCompleted} completed + ${summary.tasksRefunded} refunded is not ${run.taskCount} tasks`);
  }
  return invariants;
}

/** One seed on the memory ledger, every check applied. */
async function runMemorySeed(seed: number): Promise<SeedOutcome> {
  const scenario = swarmScenario(seed);
  const ledger = new MemoryLedger(toMarketConfig(scenario));
  const money = new EscrowConservation(ledger, { slash: scenario.market.slashBps, abandon: scenario.market.abandonSlashBps });
  const run = await runSwarmMarket(scenario, ledger, { onBlock: (block) => money.onBlock(block) });
  money.finish();
  const invariants = checkTrace(scenario, run);
  const events = marketEventsOf(run.trace);
  return {
    seed,
    violations: [...invariants.violations, ...money.violations],
    reroutes: events.filter((e) => e.name === "TaskRerouted").length,
    refunds: events.filter((e) => e.name === "TaskRefunded").length,
    completed: events.filter((e) => e.name === "ResultSubmitted").length,
    allButOne: scenario.failures.outages.some((o) => o.name === "all-but-one"),
    maxReroutes: invariants.maxReroutesSeen(),
  };
}

function failureReport(failed: readonly SeedOutcome[]): string {
  return failed
    .map((o) => `seed ${o.seed} (replay: BIDMESH_SWARM_SEED=${o.seed} npx vitest run test/reliability/fault-swarm.test.ts):\n  ${o.violations.join("\n  ")}`)
    .join("\n");
}

describe(`fault swarm on the memory ledger (${SEEDS.length} seeds)`, () => {
  it("every seed keeps every invariant, settles within the bound and conserves escrow", { timeout: 120_000 }, async () => {
    const outcomes: SeedOutcome[] = [];
    for (const seed of SEEDS) {
      try {
        outcomes.push(await runMemorySeed(seed));
      } catch (error) {
        outcomes.push({ seed, violations: [`the run threw: ${(error as Error).message}`], reroutes: 0, refunds: 0, completed: 0, allButOne: false, maxReroutes: 0 });
      }
    }
    const failed = outcomes.filter((o) => o.violations.length > 0);
    expect(failed.length, `failing seeds: ${failed.map((o) => o.seed).join(", ")}\n${failureReport(failed)}`).toBe(0);

    // The swarm exercises what it is for: faults that reroute, refund and leave one provider.
    if (SEEDS.length >= 100) {
      expect(outcomes.filter((o) => o.reroutes > 0).length).toBeGreaterThan(SEEDS.length / 4);
      expect(outcomes.filter((o) => o.refunds > 0).length).toBeGreaterThan(SEEDS.length / 10);
      expect(outcomes.filter((o) => o.allButOne).length).toBeGreaterThan(SEEDS.length / 10);
      expect(outcomes.some((o) => o.maxReroutes >= 2)).toBe(true);
      expect(outcomes.reduce((n, o) => n + o.completed, 0)).toBeGreaterThan(0);
    }
  });
});

describe("the swarm's checks are not vacuous: they catch a broken run", () => {
  /** Seed 3's run, with `edit` applied to its trace, through the trace invariants. */
  async function violationsAfter(edit: (trace: TraceRecord[]) => void): Promise<string[]> {
    const scenario = swarmScenario(3);
    const run = await runSwarmMarket(scenario, new MemoryLedger(toMarketConfig(scenario)));
    expect(checkTrace(scenario, run).violations).toEqual([]);
    edit(run.trace);
    return checkTrace(scenario, run).violations;
  }
  const firstResult = (trace: TraceRecord[]) => trace.findIndex((r) => r.type === "market.ResultSubmitted");

  it("a task completed twice", async () => {
    const violations = await violationsAfter((trace) => void trace.splice(firstResult(trace) + 1, 0, trace[firstResult(trace)]!));
    expect(violations.join("\n")).toMatch(/already ended Completed/);
  });

  it("a result from an old epoch, or from a provider that is offline", async () => {
    const stale = await violationsAfter((trace) => {
      const i = firstResult(trace);
      trace[i] = { ...trace[i]!, epoch: (trace[i]!["epoch"] as number) - 1 };
    });
    expect(stale.join("\n")).toMatch(/result from .* epoch 0, the assignee is .* epoch 1/);
    const offline = await violationsAfter((trace) => {
      const i = firstResult(trace);
      const start = trace.findLast((r, j) => j < i && r.type === "execution.start" && r["task"] === trace[i]!["taskId"])!;
      trace.splice(i, 0, { t: trace[i]!.t, type: "node.down", node: start["provider"] });
    });
    expect(offline.join("\n")).toMatch(/which is offline/);
  });

  it("a task that never ends, and a payment the events do not show", async () => {
    const unsettled = await violationsAfter((trace) => {
      const i = trace.findLastIndex((r) => r.type === "market.ResultSubmitted" || r.type === "market.TaskRefunded");
      trace.splice(i, 1);
    });
    expect(unsettled.join("\n")).toMatch(/never ended/);

    const scenario = swarmScenario(3);
    const ledger = new MemoryLedger(toMarketConfig(scenario));
    const money = new EscrowConservation(ledger, { slash: scenario.market.slashBps, abandon: scenario.market.abandonSlashBps });
    let doubled = false;
    await runSwarmMarket(scenario, ledger, {
      onBlock: (block) => {
        // The ledger paid once; the model is told twice: the two must disagree.
        const result = block.events.find((e) => e.name === "ResultSubmitted");
        if (result !== undefined && !doubled) {
          doubled = true;
          money.onBlock({ ...block, events: [...block.events, result] });
        } else money.onBlock(block);
      },
    });
    expect(money.violations.join("\n")).toMatch(/credits .* the events say/);
  });
});

/** Market records and metrics of a run, gas aside, for comparing ledgers. */
function comparable(scenario: Scenario, run: SwarmRun): { events: unknown[]; trace: TraceRecord[]; metrics: unknown } {
  const { gasUsed: _gas, gasPerCompletedTask: _perTask, gasByParty: _parties, ...metrics } = run.metrics.summarize({ duration: scenario.duration, bucket: scenario.metricsBucket });
  // Blocks differ in gas and numbering only; every other record must be equal.
  const trace = run.trace.map((r) => (r.type === "block" ? { ...r, gas: null, number: null } : r));
  return { events: marketEventsOf(run.trace), trace, metrics };
}

describe.each(CHAIN_SEEDS)("fault swarm seed %i: chain and memory ledgers agree", (seed) => {
  it("gives the same market events, trace and metrics (gas aside), and keeps the invariants on chain", { timeout: 90_000 }, async () => {
    const scenario = swarmScenario(seed);
    const chainLedger = await ChainLedger.create(await connectChain(), toMarketConfig(scenario), SIM_EPOCH);
    const chainRun = await runSwarmMarket(scenario, chainLedger, { baseTimestamp: chainLedger.startTimestamp });
    const memoryRun = await runSwarmMarket(scenario, new MemoryLedger(toMarketConfig(scenario)), { baseTimestamp: chainLedger.startTimestamp });

    const replay = `seed ${seed} (replay: BIDMESH_SWARM_SEED=${seed} npx vitest run test/reliability/fault-swarm.test.ts)`;
    expect(checkTrace(scenario, chainRun).violations, `${replay}: invariants on chain`).toEqual([]);
    const chain = comparable(scenario, chainRun);
    const memory = comparable(scenario, memoryRun);
    expect(chain.events.length, replay).toBeGreaterThan(0);
    expect(chain.events, `${replay}: market events`).toEqual(memory.events);
    expect(chain.trace, `${replay}: trace`).toEqual(memory.trace);
    expect(chain.metrics, `${replay}: metrics`).toEqual(memory.metrics);
  });
});
