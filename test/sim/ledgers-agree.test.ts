// The memory ledger is the chain's rules without a chain: for the same scenario and seed,
// simulate() on both must produce the same metrics (gas aside) and the same trace, event for
// event. Three small fixtures: a regional outage that reroutes, second-price auctions with
// independent crashes, and a provider group taken offline while it holds work.
import { beforeAll, describe, expect, it } from "vitest";
import type { MarketEvent } from "../../sim/protocol/events.js";
import type { TraceRecord } from "../../sim/market/market-system.js";
import { simulate, type SimulationResult } from "../../sim/run/simulate.js";
import { loadScenario } from "../../sim/scenario/load.js";
import type { Scenario } from "../../sim/scenario/schema.js";
import { eventsNamed, fixture, marketEventsOf, marketRecords } from "./e2e.js";

interface Case {
  file: string;
  /** What makes the fixture worth comparing on (checked on both ledgers). */
  exercises: string;
  check: (run: SimulationResult, scenario: Scenario) => void;
}

const CASES: Case[] = [
  {
    file: "small-outage.yaml",
    exercises: "a regional outage takes down providers holding work: reroutes, slashes, re-auctions and refunds",
    check: (run) => {
      const m = run.metrics.systems.market;
      expect(m.reroutes).toBeGreaterThan(0);
      expect(m.slashes).toBeGreaterThan(0);
      expect(m.reauctions).toBeGreaterThan(0);
      expect(m.tasksRefunded).toBeGreaterThan(0);
      const records = marketRecords(run.trace);
      expect(eventsNamed(records, "TaskRerouted").length).toBe(m.reroutes);
      expect(run.trace.some((r) => r.type === "node.down")).toBe(true);
    },
  },
  {
    file: "small-second-price.yaml",
    exercises: "second-price auctions (ties, three kept bids, payments from the next kept bid) with crashes",
    check: (run, scenario) => {
      expect(scenario.workload.mechanism).toBe("SecondPrice");
      const records = marketRecords(run.trace);
      const awards = eventsNamed(records, "TaskAwarded");
      // Second price really applies: some winners are paid more than they bid...
      expect(awards.some((a) => a.payment > a.bidPrice)).toBe(true);
      // ...and every payment is the next kept bid's price (or the winner's own when it is last).
      const depth = scenario.market.fallbackDepth;
      const bids = new Map<number, Array<{ provider: string; price: bigint }>>();
      let withThreeKept = 0;
      for (const r of records) {
        if (r.name === "BidPlaced") {
          const list = bids.get(r.taskId) ?? [];
          list.push({ provider: r.provider, price: r.price });
          bids.set(r.taskId, list);
        } else if (r.name === "TaskReopened") {
          bids.set(r.taskId, []);
        } else if (r.name === "TaskAwarded") {
          // The contract keeps the cheapest `depth` bids of the round, ties to the earlier bid.
          const kept = [...(bids.get(r.taskId) ?? [])].sort((x, y) => (x.price < y.price ? -1 : x.price > y.price ? 1 : 0)).slice(0, depth);
          const index = kept.findIndex((b) => b.provider === r.provider && b.price === r.bidPrice);
          expect(index, `task ${r.taskId}: the winner's bid is kept`).toBeGreaterThanOrEqual(0);
          expect(r.payment, `task ${r.taskId} epoch ${r.epoch}: second price`).toBe(kept[index + 1]?.price ?? r.bidPrice);
          if (kept.length === 3 && index === 0 && kept[1]!.price < kept[2]!.price) withThreeKept += 1;
        }
      }
      // The case where "next kept bid" and "last kept bid" differ happens.
      expect(withThreeKept).toBeGreaterThan(0);
      expect(run.metrics.systems.market.reroutes).toBeGreaterThan(0);
    },
  },
  {
    file: "provider-offline.yaml",
    exercises: "one provider group goes offline holding assignments: deadline-missed reroutes to fallbacks",
    check: (run) => {
      const records = marketRecords(run.trace);
      expect(eventsNamed(records, "TaskRerouted").length).toBeGreaterThan(0);
      expect(eventsNamed(records, "TaskRerouted").every((r) => r.reason === "DeadlineMissed" || r.reason === "Abandoned")).toBe(true);
      expect(run.metrics.systems.market.computeSecondsLost).toBeGreaterThan(0);
    },
  },
];

/** Block records: the same everywhere except the gas (null in memory) and the block number. */
function splitBlock(record: TraceRecord): { gas: unknown; number: unknown; rest: Record<string, unknown> } {
  const { gas, number, ...rest } = record;
  return { gas, number, rest };
}

for (const c of CASES) {
  describe(`memory and chain ledgers agree on ${c.file} (${c.exercises})`, () => {
    let scenario: Scenario;
    let memory: SimulationResult;
    let chain: SimulationResult;

    beforeAll(async () => {
      scenario = loadScenario(fixture(c.file));
      memory = await simulate({ scenario, ledger: "memory" });
      chain = await simulate({ scenario, ledger: "chain" });
    }, 60_000);

    it("the fixture exercises what it is for, on both ledgers", () => {
      c.check(memory, scenario);
      c.check(chain, scenario);
    });

    it("gives identical metrics except the gas fields (null in memory, numbers on chain)", () => {
      expect(memory.metrics.ledger).toBe("memory");
      expect(chain.metrics.ledger).toBe("chain");
      const { gasUsed: memGas, gasPerCompletedTask: memPerTask, gasByParty: memParties, ...memMarket } = memory.metrics.systems.market;
      const { gasUsed: chainGas, gasPerCompletedTask: chainPerTask, gasByParty: chainParties, ...chainMarket } = chain.metrics.systems.market;
      expect(memGas).toBeNull();
      expect(memPerTask).toBeNull();
      expect(memParties).toBeNull();
      // Who sent the gas adds up to all of it, and every party sent some.
      expect(Object.values(chainParties!).reduce((sum, p) => sum + BigInt(p.gas), 0n).toString()).toBe(chainGas);
      for (const p of Object.values(chainParties!)) expect(p.transactions).toBeGreaterThan(0);
      expect(chainGas).toMatch(/^[1-9]\d*$/);
      expect(chainPerTask).toBe((BigInt(chainGas!) / BigInt(chainMarket.tasksCompleted)).toString());
      // The chain's gas is the sum of its blocks' gas.
      expect(chain.chainLog.reduce((s, b) => s + b.transactions.reduce((t, tx) => t + BigInt(tx.gasUsed), 0n), 0n).toString()).toBe(chainGas);

      expect(chainMarket).toEqual(memMarket);
      expect(chain.metrics.systems.centralized).toEqual(memory.metrics.systems.centralized);
      expect(chain.metrics.systems.multiCloud).toEqual(memory.metrics.systems.multiCloud);
      expect({ ...chain.metrics, ledger: "-", systems: null, economics: null }).toEqual({ ...memory.metrics, ledger: "-", systems: null, economics: null });
      // In USD the baselines agree; the market differs only by the gas the memory ledger cannot measure.
      const [memE, chainE] = [memory.metrics.economics, chain.metrics.economics];
      expect(chainE.chain).toEqual(memE.chain);
      expect(chainE.systems.centralized).toEqual(memE.systems.centralized);
      expect(chainE.systems.multiCloud).toEqual(memE.systems.multiCloud);
      expect(chainE.systems.market.computePaidUsd).toBe(memE.systems.market.computePaidUsd);
      expect(memE.systems.market.gasCostUsd).toBeNull();
      expect(chainE.systems.market.gasCostUsd!.total).toBeGreaterThan(0);
      expect(chainE.systems.market.costPerCompletedTaskUsd!).toBeCloseTo(memE.systems.market.costPerCompletedTaskUsd! + chainE.systems.market.gasCostUsd!.posters / chainMarket.tasksCompleted, 9);
      expect(memE.breakEvenGasPriceGwei).toEqual({ centralized: null, multiCloud: null });
    });

    it("gives the same market events in the same order, and the same trace otherwise (blocks differ only in gas and numbering)", () => {
      const memEvents: MarketEvent[] = marketEventsOf(memory.trace);
      const chainEvents: MarketEvent[] = marketEventsOf(chain.trace);
      expect(memEvents.length).toBeGreaterThan(0);
      expect(chainEvents).toEqual(memEvents);

      expect(chain.trace.length).toBe(memory.trace.length);
      const deployBlock = chain.chain!.deployBlock;
      for (let i = 0; i < memory.trace.length; i += 1) {
        const m = memory.trace[i]!;
        const ch = chain.trace[i]!;
        if (m.type !== "block") {
          expect(ch, `trace record ${i}`).toEqual(m);
          continue;
        }
        expect(ch.type, `trace record ${i}`).toBe("block");
        const mb = splitBlock(m);
        const cb = splitBlock(ch);
        expect(cb.rest, `block record ${i}: t, timestamp, txs, events`).toEqual(mb.rest);
        expect(mb.gas, `block record ${i}: memory gas`).toBeNull();
        expect(cb.gas, `block record ${i}: chain gas`).toMatch(/^[1-9]\d*$/);
        // The memory ledger counts blocks from 1; the chain's first market block follows the deployment.
        expect(cb.number, `block record ${i}: number`).toBe((mb.number as number) + deployBlock);
      }
      // Every chain block is in the chain log, hash and all; the memory ledger has neither.
      expect(chain.chainLog.map((b) => b.number)).toEqual(chain.trace.filter((r) => r.type === "block").map((r) => r["number"]));
      expect(chain.finalBlockHash).toBe(chain.chainLog.at(-1)!.hash);
      expect(chain.finalBlockHash).toMatch(/^0x[0-9a-f]{64}$/);
      expect(memory.chainLog).toEqual([]);
      expect(memory.finalBlockHash).toBeNull();
      expect(memory.chain).toBeNull();
    });
  });
}
