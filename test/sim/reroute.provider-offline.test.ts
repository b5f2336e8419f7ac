// A provider group is taken offline (an outage scoped {providers: [cheap]}) while it holds
// assignments, on the chain ledger. Its tasks must be rerouted away from it (DeadlineMissed, or
// Abandoned when it comes back), it must be slashed for each, and each task must then be
// delivered once, by a different provider, at epoch 2 or later; the work it lost is counted.
import { beforeAll, describe, expect, it } from "vitest";
import type { MarketEvent } from "../../sim/protocol/events.js";
import type { TraceRecord } from "../../sim/market/market-system.js";
import { chainLogEvents } from "../../sim/run/run-files.js";
import { simulate, type SimulationResult } from "../../sim/run/simulate.js";
import { loadScenario } from "../../sim/scenario/load.js";
import type { Scenario } from "../../sim/scenario/schema.js";
import { eventsNamed, fixture, marketEventsOf, marketRecords, type MarketRecord } from "./e2e.js";

/** What one provider node held (awarded, not yet resolved) while it was down. */
interface Held {
  taskId: number;
  node: string;
  address: string;
  epoch: number;
}

/** Node ids (`group#i`) by address, from the registrations (scenario order) and checked against execution.start. */
function nodeIdsByAddress(scenario: Scenario, records: readonly MarketRecord[], trace: readonly TraceRecord[]): Map<string, string> {
  const nodes = scenario.providers.flatMap((g) => Array.from({ length: g.count }, (_, i) => `${g.group}#${i}`));
  const addresses = eventsNamed(records, "ProviderRegistered").map((r) => r.provider);
  expect(addresses).toHaveLength(nodes.length);
  const byAddress = new Map(addresses.map((a, i) => [a, nodes[i]!]));
  // Every execution.start follows the TaskAwarded that caused it: same task, same node.
  for (let i = 1; i < trace.length; i += 1) {
    const r = trace[i]!;
    if (r.type !== "execution.start") continue;
    const award = trace[i - 1]!;
    expect(award.type).toBe("market.TaskAwarded");
    expect(byAddress.get(award["provider"] as string)).toBe(r["provider"]);
  }
  return byAddress;
}

/** Tasks awarded to a node of `group` before it came back up and not resolved before it went down. */
function heldWhileDown(records: readonly MarketRecord[], nodeOf: Map<string, string>, group: string, down: number, up: number): Held[] {
  const current = new Map<number, Held & { awardedAt: number }>();
  const held: Held[] = [];
  for (const r of records) {
    if (r.name === "TaskAwarded") {
      const node = nodeOf.get(r.provider)!;
      if (node.startsWith(`${group}#`) && r.t < up) current.set(r.taskId, { taskId: r.taskId, node, address: r.provider, epoch: r.epoch, awardedAt: r.t });
      else current.delete(r.taskId);
    } else if (r.name === "ResultSubmitted" || r.name === "TaskRerouted") {
      const h = current.get(r.taskId);
      // Resolved before the outage: not held while down. Resolved after it began: held.
      if (h !== undefined && r.t >= down) held.push({ taskId: h.taskId, node: h.node, address: h.address, epoch: h.epoch });
      current.delete(r.taskId);
    }
  }
  // Anything still current at the end was held and never resolved: also held (and a failure below).
  for (const h of current.values()) if (h.awardedAt < up) held.push(h);
  return held;
}

/** Trace records of lost work: an execution cut short, or a finished result not yet on chain. */
const LOSS_TYPES = ["execution.lost", "result.lost"];

/**
 * Compute-ms lost according to the trace: each loss record loses the work from its execution's
 * start to the loss, or to its finish if it had finished but its result was not yet on chain
 * (all providers of these fixtures run at speed 1).
 */
function lostComputeMsFromTrace(trace: readonly TraceRecord[]): number {
  let lostMs = 0;
  for (const lost of trace.filter((r) => LOSS_TYPES.includes(r.type))) {
    const same = (r: TraceRecord) => r["provider"] === lost["provider"] && r["task"] === lost["task"] && r.t <= lost.t;
    const start = trace.filter((r) => r.type === "execution.start" && same(r)).at(-1);
    expect(start, `execution.start of ${String(lost["provider"])} task ${String(lost["task"])}`).toBeDefined();
    const done = trace.find((r) => r.type === "execution.done" && same(r) && r["epoch"] === start!["epoch"] && r.t >= start!.t);
    lostMs += (done ?? lost).t - start!.t;
  }
  return lostMs;
}

describe("a provider group goes offline holding assignments (chain ledger, fixtures/provider-offline.yaml)", () => {
  let scenario: Scenario;
  let run: SimulationResult;
  let records: MarketRecord[];
  let nodeOf: Map<string, string>;
  let held: Held[];
  let down: number;
  let up: number;

  beforeAll(async () => {
    scenario = loadScenario(fixture("provider-offline.yaml"));
    const outage = scenario.failures.outages[0]!;
    expect(outage.scope).toEqual({ providers: ["cheap"] });
    down = outage.start;
    up = outage.start + outage.duration;
    run = await simulate({ scenario, ledger: "chain" });
    records = marketRecords(run.trace);
    nodeOf = nodeIdsByAddress(scenario, records, run.trace);
    held = heldWhileDown(records, nodeOf, "cheap", down, up);
  }, 60_000);

  it("the chain log's events are exactly the trace's market events", () => {
    expect(run.metrics.ledger).toBe("chain");
    const fromChain: MarketEvent[] = chainLogEvents(run.chainLog, run.chain!.marketAddress).map((e) => e.event);
    expect(fromChain.length).toBeGreaterThan(0);
    expect(fromChain).toEqual(marketEventsOf(run.trace));
  });

  it("only the cheap group goes down, at the outage's start, while holding work it had started", () => {
    const transitions = run.trace.filter((r) => r.type === "node.down" || r.type === "node.up").map((r) => [r.t, r.type, r["node"]]);
    expect(transitions).toEqual([
      [down, "node.down", "cheap#0"],
      [down, "node.down", "cheap#1"],
      [up, "node.up", "cheap#0"],
      [up, "node.up", "cheap#1"],
    ]);
    // Both providers held assignments they were executing when they went down.
    const lostAtDown = run.trace.filter((r) => r.type === "execution.lost" && r.t === down);
    expect(new Set(lostAtDown.map((r) => r["provider"]))).toEqual(new Set(["cheap#0", "cheap#1"]));
    const heldAtDown = held.filter((h) => lostAtDown.some((r) => r["task"] === h.taskId));
    expect(heldAtDown.length).toBe(lostAtDown.length);
    expect(held.length).toBeGreaterThanOrEqual(4);
  });

  it("each task it held is rerouted away from it (DeadlineMissed or Abandoned) and it is slashed for it", () => {
    // Stakes, to check each slash's amount: slashBps (missed deadline) or abandonSlashBps of the stake at the time.
    const stake = new Map(eventsNamed(records, "ProviderRegistered").map((r) => [r.provider, r.stake]));
    const expectedSlash = new Map<string, bigint>(); // `${taskId}/${address}` -> amount
    for (const r of records) {
      if (r.name === "TaskRerouted") {
        const bps = r.reason === "Abandoned" ? scenario.market.abandonSlashBps : scenario.market.slashBps;
        expectedSlash.set(`${r.taskId}/${r.provider}`, (stake.get(r.provider)! * BigInt(bps)) / 10_000n);
      } else if (r.name === "ProviderSlashed") {
        stake.set(r.provider, stake.get(r.provider)! - r.amount);
      }
    }
    for (const h of held) {
      const own = records.filter((r) => r.taskId === h.taskId);
      const i = own.findIndex((r) => r.name === "TaskRerouted" && r.provider === h.address && r.epoch === h.epoch);
      expect(i, `task ${h.taskId} (held by ${h.node}, epoch ${h.epoch}) is rerouted`).toBeGreaterThanOrEqual(0);
      const reroute = own[i]! as Extract<MarketRecord, { name: "TaskRerouted" }>;
      expect(["DeadlineMissed", "Abandoned"]).toContain(reroute.reason);
      expect(reroute.t).toBeGreaterThanOrEqual(down);
      // No result from it for this task, ever after it went down.
      expect(own.some((r) => r.name === "ResultSubmitted" && r.provider === h.address)).toBe(false);
      // The slash comes with the reroute, in the same block, for the expected amount.
      const slash = own[i + 1]! as Extract<MarketRecord, { name: "ProviderSlashed" }>;
      expect(slash.name).toBe("ProviderSlashed");
      expect(slash.provider).toBe(h.address);
      expect(slash.t).toBe(reroute.t);
      expect(slash.amount).toBeGreaterThan(0n);
      expect(slash.amount).toBe(expectedSlash.get(`${h.taskId}/${h.address}`));
    }
    const slashes = eventsNamed(records, "ProviderSlashed");
    expect(run.metrics.systems.market.slashes).toBe(slashes.length);
    expect(run.metrics.systems.market.slashedWei).toBe(slashes.reduce((s, r) => s + r.amount, 0n).toString());
    expect(run.metrics.systems.market.reroutes).toBe(eventsNamed(records, "TaskRerouted").length);
  });

  it("each of those tasks is then delivered by a different provider at epoch 2 or later", () => {
    for (const h of held) {
      const own = records.filter((r) => r.taskId === h.taskId);
      const results = own.filter((r) => r.name === "ResultSubmitted") as Array<Extract<MarketRecord, { name: "ResultSubmitted" }>>;
      expect(results, `task ${h.taskId}`).toHaveLength(1);
      const result = results[0]!;
      const failed = new Set(own.filter((r) => r.name === "TaskRerouted").map((r) => (r as Extract<MarketRecord, { name: "TaskRerouted" }>).provider));
      expect(failed.has(h.address)).toBe(true);
      expect(failed.has(result.provider), `task ${h.taskId} is delivered by a provider that did not fail it`).toBe(false);
      expect(result.provider).not.toBe(h.address);
      expect(result.epoch).toBeGreaterThanOrEqual(2);
      // Its epoch is the last award's, which came after the last reroute.
      const awards = own.filter((r) => r.name === "TaskAwarded") as Array<Extract<MarketRecord, { name: "TaskAwarded" }>>;
      expect(awards.at(-1)!.provider).toBe(result.provider);
      expect(awards.at(-1)!.epoch).toBe(result.epoch);
      expect(own.indexOf(result)).toBeGreaterThan(own.findLastIndex((r) => r.name === "TaskRerouted"));
    }
  });

  it("no task is completed twice, in the trace or on chain", () => {
    const count = (events: readonly MarketEvent[]) => {
      const n = new Map<number, number>();
      for (const e of events) if (e.name === "ResultSubmitted") n.set(e.taskId, (n.get(e.taskId) ?? 0) + 1);
      return n;
    };
    const fromTrace = count(marketEventsOf(run.trace));
    const fromChain = count(chainLogEvents(run.chainLog, run.chain!.marketAddress).map((e) => e.event));
    expect([...fromTrace.values()].every((n) => n === 1)).toBe(true);
    expect(fromChain).toEqual(fromTrace);
    expect(run.metrics.systems.market.tasksCompleted).toBe(fromTrace.size);
    // A task whose result is in never has a later award, reroute or refund.
    for (const [taskId] of fromTrace) {
      const own = records.filter((r) => r.taskId === taskId);
      expect(own.at(-1)!.name, `task ${taskId}`).toBe("ResultSubmitted");
    }
  });

  it("counts the compute the offline providers lost (computeSecondsLost > 0, from their started executions)", () => {
    const lost = run.trace.filter((r) => LOSS_TYPES.includes(r.type));
    expect(lost.length).toBeGreaterThan(0);
    expect(lost.every((r) => String(r["provider"]).startsWith("cheap#"))).toBe(true);
    // Each lost execution ran from its start to the loss, at speed 1 (the cheap group's speed).
    expect(scenario.providers.find((g) => g.group === "cheap")!.speed).toBe(1);
    const lostMs = lostComputeMsFromTrace(run.trace);
    expect(lostMs).toBeGreaterThan(0);
    expect(run.metrics.systems.market.computeSecondsLost).toBeGreaterThan(0);
    expect(run.metrics.systems.market.computeSecondsLost).toBe(Math.round(lostMs / 1_000));
  });
});

describe("a result finished but not yet submitted when its provider goes down (chain ledger, fixtures/golden.yaml)", () => {
  let run: SimulationResult;

  beforeAll(async () => {
    run = await simulate({ scenario: loadScenario(fixture("golden.yaml")), ledger: "chain" });
  }, 60_000);

  it("is rerouted, traced as lost work, and the compute it took is counted as lost", () => {
    const downAt = new Map(run.trace.filter((r) => r.type === "node.down").map((r) => [r["node"] as string, r.t]));
    // Executions that finished on a node that went down before the next block could carry the result.
    const finishedThenLost = run.trace.filter((r) => {
      if (r.type !== "execution.done") return false;
      const d = downAt.get(r["provider"] as string);
      if (d === undefined || r.t > d) return false;
      const nextBlock = run.trace.find((b) => b.type === "block" && b.t >= r.t)!;
      return nextBlock.t >= d;
    });
    expect(finishedThenLost.length).toBeGreaterThan(0);
    for (const done of finishedThenLost) {
      const records = marketRecords(run.trace).filter((r) => r.taskId === done["task"]);
      // The finished result never reached the chain: the task was rerouted from that epoch...
      expect(records.some((r) => r.name === "TaskRerouted" && r.epoch === done["epoch"])).toBe(true);
      expect(records.some((r) => r.name === "ResultSubmitted" && r.epoch === done["epoch"])).toBe(false);
      // ...and the trace says the work was lost (execution.lost or result.lost), when the node went down.
      const lost = run.trace.filter((r) => LOSS_TYPES.includes(r.type) && r["provider"] === done["provider"] && r["task"] === done["task"]);
      expect(lost.map((r) => r.t), `loss record of ${String(done["provider"])} task ${String(done["task"])}`).toEqual([downAt.get(done["provider"] as string)]);
    }
    // Its whole run counts as lost compute, with the executions the outage cut short.
    expect(run.metrics.systems.market.computeSecondsLost).toBe(Math.round(lostComputeMsFromTrace(run.trace) / 1_000));
  });
});
