// A node is down while anything holds it: the failure timeline, an operator, an outage. One
// hold ending does not bring it back while another still holds it, and a hold on a node that
// is already down changes nothing the trace can see.
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { RandomStream } from "../../sim/engine/rng.js";
import { MemoryLedger } from "../../sim/ledger/memory-ledger.js";
import { MarketSystem, type TraceRecord } from "../../sim/market/market-system.js";
import { loadScenario } from "../../sim/scenario/load.js";
import { toMarketConfig } from "../../sim/scenario/schema.js";

const scenario = loadScenario(fileURLToPath(new URL("../server/fixtures/live-regions.yaml", import.meta.url)));

/** A market with no workload; `act` places holds; returns the node.up/node.down records up to `until` ms. */
async function nodeChanges(act: (system: MarketSystem) => void, until: number): Promise<Array<[number, string, string]>> {
  const trace: TraceRecord[] = [];
  const system = new MarketSystem({
    scenario,
    tasks: [],
    ledger: new MemoryLedger(toMarketConfig(scenario)),
    baseTimestamp: 1_000_000,
    horizon: until,
    rng: RandomStream.root(scenario.seed).fork("market"),
    trace: (record) => trace.push(record),
  });
  system.start();
  act(system);
  while ((system.nextEventTime ?? Infinity) <= until && (await system.step())) {
    // step until `until`
  }
  return trace.filter((r) => r.type === "node.up" || r.type === "node.down").map((r) => [r.t, r.type, r["node"] as string]);
}

describe("node holds", () => {
  it("overlapping holds: down at the first, up only when the last ends", async () => {
    const changes = await nodeChanges((s) => {
      s.holdNode("eu#0", "outage:a", true, 1_000);
      s.holdNode("eu#0", "outage:b", true, 2_000);
      s.holdNode("eu#0", "outage:a", false, 3_000);
      s.holdNode("eu#0", "outage:b", false, 4_000);
    }, 6_000);
    expect(changes).toEqual([
      [1_000, "node.down", "eu#0"],
      [4_000, "node.up", "eu#0"],
    ]);
  });

  it("an operator bringing a node online does not end an outage's hold", async () => {
    const changes = await nodeChanges((s) => {
      s.holdNode("us#1", "outage:a", true, 1_000);
      s.setNodeOnline("us#1", true); // releases only the operator's own hold (there is none)
      s.holdNode("us#1", "outage:a", false, 5_000);
    }, 6_000);
    expect(changes).toEqual([
      [1_000, "node.down", "us#1"],
      [5_000, "node.up", "us#1"],
    ]);
  });

  it("releasing a hold nobody placed changes nothing", async () => {
    expect(await nodeChanges((s) => s.holdNode("eu#1", "outage:x", false, 1_000), 3_000)).toEqual([]);
  });

  it("an unknown node is refused", async () => {
    await nodeChanges((s) => {
      expect(s.holdNode("nobody#0", "outage:a", true)).toBe(false);
      expect(s.setNodeOnline("nobody#0", false)).toBe(false);
    }, 1_000);
  });
});
