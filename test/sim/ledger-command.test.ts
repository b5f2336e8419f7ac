// `bidmesh ledger --run DIR`: a task's or a provider's history, rebuilt from the chain log a
// chain run exported; checked against the run's own trace. Bad input exits 2.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { formatEther } from "ethers";
import { loadScenario } from "../../sim/scenario/load.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bidmesh, fixture, readJsonLines, removeTempDirs, STACK_LINE, tempDir } from "./e2e.js";

type Rec = Record<string, unknown> & { t: number; type: string; name?: string; taskId?: number };

let dir: string;
let memoryDir: string;
let trace: Rec[];
let market: Rec[];

beforeAll(() => {
  const root = tempDir("ledger-command");
  dir = join(root, "chain");
  memoryDir = join(root, "memory");
  for (const [out, ledger] of [
    [dir, "chain"],
    [memoryDir, "memory"],
  ] as const) {
    const run = bidmesh(["simulate", "--scenario", fixture("provider-offline.yaml"), "--ledger", ledger, "--out", out]);
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
  }
  trace = readJsonLines<Rec>(join(dir, "trace.jsonl"));
  market = trace.filter((r) => r.type.startsWith("market."));
}, 60_000);

afterAll(removeTempDirs);

const eth = (wei: bigint) => `${formatEther(wei).replace(/\.0$/, "")} ETH`;

/** The event column of a task ledger table: `  block  t+s  Event  details`. */
function tableEvents(stdout: string): string[] {
  return [...stdout.matchAll(/^\s+\d+\s+\d+\s+([A-Za-z]+)\s{2}/gm)].map((m) => m[1]!);
}

/** The status a task's events imply. */
function finalStatus(events: readonly Rec[]): string {
  const last = [...events].reverse().find((e) => ["TaskPosted", "TaskAwarded", "TaskReopened", "ResultSubmitted", "TaskRefunded"].includes(e.name!))!;
  return { TaskPosted: "Open", TaskAwarded: "Awarded", TaskReopened: "Open", ResultSubmitted: "Completed", TaskRefunded: "Refunded" }[last.name!]!;
}

describe("bidmesh ledger --run DIR (a chain run of fixtures/provider-offline.yaml)", () => {
  it("--task 1 prints the task's history, from TaskPosted to its final state, as the trace has it", () => {
    const run = bidmesh(["ledger", "--run", dir, "--task", "1"]);
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    const own = market.filter((e) => e.taskId === 1);
    const status = finalStatus(own);
    expect(status).toBe("Completed");
    expect(run.stdout).toMatch(new RegExp(`^task 1 \\(FirstPrice, max ${eth(BigInt(own[0]!["maxPrice"] as string)).replace(".", "\\.")}\\): ${status}$`, "m"));
    const events = tableEvents(run.stdout);
    expect(events[0]).toBe("TaskPosted");
    expect(events.at(-1)).toBe("ResultSubmitted");
    expect(events).toEqual(own.map((e) => e.name));
  });

  it("--task of a rerouted task shows the reroute, the slash and the delivery at epoch 2", () => {
    const reroute = market.find((e) => e.name === "TaskRerouted")!;
    const taskId = reroute.taskId!;
    const run = bidmesh(["ledger", "--run", dir, "--task", String(taskId)]);
    expect(run.status).toBe(0);
    const own = market.filter((e) => e.taskId === taskId);
    expect(tableEvents(run.stdout)).toEqual(own.map((e) => e.name));
    expect(run.stdout).toMatch(new RegExp(`^task ${taskId} \\(FirstPrice, max [0-9.]+ ETH\\): ${finalStatus(own)}$`, "m"));
    expect(run.stdout).toMatch(new RegExp(`TaskRerouted\\s+0x[0-9a-fA-F]{4}…[0-9a-fA-F]{4} failed epoch 1 \\(${String(reroute["reason"])}\\)`));
    expect(run.stdout).toMatch(/ProviderSlashed\s+0x[0-9a-fA-F]{4}…[0-9a-fA-F]{4} slashed [0-9.]+ ETH/);
    expect(run.stdout).toMatch(/ResultSubmitted\s+result from 0x[0-9a-fA-F]{4}…[0-9a-fA-F]{4} \(epoch 2\)/);
  });

  it("--provider ADDR prints the provider's bids, wins, deliveries, failures and slashes, as the trace has them", () => {
    // The first provider that failed a task: it has every kind of event.
    const address = market.find((e) => e.name === "TaskRerouted")!["provider"] as string;
    const mine = (name: string) => market.filter((e) => e.name === name && e["provider"] === address);
    const run = bidmesh(["ledger", "--run", dir, "--provider", address]);
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    const registered = mine("ProviderRegistered")[0]!;
    expect(run.stdout).toContain(`provider ${address} (${String(registered["region"])}, capacity ${String(registered["capacity"])})`);
    const slashed = mine("ProviderSlashed").reduce((s, e) => s + BigInt(e["amount"] as string), 0n);
    expect(slashed).toBeGreaterThan(0n);
    expect(run.stdout).toContain(
      `bids ${mine("BidPlaced").length}, wins ${mine("TaskAwarded").length}, delivered ${mine("ResultSubmitted").length}, failed ${mine("TaskRerouted").length}, slashed ${eth(slashed)}, withdrawn 0 ETH`,
    );
    expect(mine("TaskAwarded").length).toBeGreaterThan(0);
    // One line per event, bids and wins with their task ids.
    const lines = run.stdout.split("\n").filter((line) => /^ {2}block\s+\d+/.test(line));
    const ownEvents = market.filter((e) => Object.values(e).includes(address));
    expect(lines.map((line) => line.split(/\s+/)[3])).toEqual(ownEvents.map((e) => e.name));
    for (const win of mine("TaskAwarded")) expect(run.stdout).toMatch(new RegExp(`TaskAwarded\\s+task ${String(win.taskId)}\\s+payment`));
  });

  it("--task 99999 (no such task) is bad input: exit 2 and a clear message", () => {
    const run = bidmesh(["ledger", "--run", dir, "--task", "99999"]);
    expect(run.status, `stderr: ${run.stderr}`).toBe(2);
    expect(run.stderr).toMatch(/^bidmesh: .*task 99999/);
    expect(run.stderr).not.toMatch(STACK_LINE);
    expect(run.stdout).toBe("");
  });

  it("--provider with something that is not an address is bad input: exit 2 naming --provider", () => {
    const run = bidmesh(["ledger", "--run", dir, "--provider", "not-an-address"]);
    expect(run.status, `stderr: ${run.stderr}`).toBe(2);
    expect(run.stderr).toMatch(/^bidmesh: provider: /);
    expect(run.stderr).not.toMatch(STACK_LINE);
  });

  it("--provider with an address that never used the market: exit 2", () => {
    const nobody = "0x000000000000000000000000000000000000dEaD";
    const run = bidmesh(["ledger", "--run", dir, "--provider", nobody]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(`bidmesh: provider: ${nobody} has no events on this market`);
    expect(run.stderr).not.toMatch(STACK_LINE);
  });

  it("--run of a memory run: exit 2, it has no chain ledger", () => {
    const run = bidmesh(["ledger", "--run", memoryDir, "--task", "1"]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(`bidmesh: run: ${memoryDir} is a --ledger memory run: it has no chain ledger`);
    expect(run.stderr).not.toMatch(STACK_LINE);
  });
});

/** run.json of a run folder. */
const runInfo = (out: string) =>
  JSON.parse(readFileSync(join(out, "run.json"), "utf8")) as { providers: Record<string, { node: string; group: string; region: string }> };

describe("run.json names every provider, and ledger --provider takes the name", () => {
  it("run.json maps every provider address to its node name (group#i), group and region, as the chain registered them", () => {
    const scenario = loadScenario(fixture("provider-offline.yaml"));
    const expected = scenario.providers.flatMap((g) => Array.from({ length: g.count }, (_, i) => ({ node: `${g.group}#${i}`, group: g.group, region: g.region })));
    for (const out of [dir, memoryDir]) {
      const { providers } = runInfo(out);
      expect(Object.values(providers)).toEqual(expected);
    }
    // The addresses are the accounts that registered on chain, region for region, in order.
    const registered = market.filter((e) => e.name === "ProviderRegistered");
    expect(Object.keys(runInfo(dir).providers)).toEqual(registered.map((e) => e["provider"]));
    expect(Object.values(runInfo(dir).providers).map((p) => p.region)).toEqual(registered.map((e) => e["region"]));
    expect(runInfo(memoryDir).providers).toEqual(runInfo(dir).providers);
  });

  it("--provider NODE (cheap#1) prints the same history as --provider ADDRESS, with the node name", () => {
    const [address, node] = Object.entries(runInfo(dir).providers).find(([, p]) => p.node === "cheap#1")!;
    const byName = bidmesh(["ledger", "--run", dir, "--provider", "cheap#1"]);
    expect(byName.stderr).toBe("");
    expect(byName.status).toBe(0);
    const byAddress = bidmesh(["ledger", "--run", dir, "--provider", address]);
    expect(byName.stdout).toBe(byAddress.stdout);
    expect(byName.stdout).toContain(`provider ${address} (${node.region}, capacity 3), node cheap#1 of group cheap`);
  });

  it("--provider with a node name the run does not have: exit 2, listing the run's providers", () => {
    const run = bidmesh(["ledger", "--run", dir, "--provider", "colo-use1#3"]);
    expect(run.status).toBe(2);
    expect(run.stderr).toBe("bidmesh: provider: no provider named colo-use1#3 in this run; its providers: cheap#0…1, steady#0…3, spare#0…1\n");
  });

  it("--provider NODE with --rpc-url (no run.json to map it): exit 2, before connecting", () => {
    const run = bidmesh(["ledger", "--rpc-url", "http://127.0.0.1:1", "--market", "0x000000000000000000000000000000000000dEaD", "--provider", "cheap#1"]);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/^bidmesh: provider: a node name \(cheap#1\) needs --run DIR/);
  });
});

describe("bidmesh ledger --json: one JSON document", () => {
  type Doc = {
    market: string;
    nodes: Record<string, { node: string }>;
    task?: { taskId: string; status: string; maxPrice: string; events: Array<{ name: string; blockNumber: number; timestamp: number; args: Record<string, unknown> }> };
    provider?: { provider: string; node: string; group: string; bids: unknown[]; wins: unknown[]; events: Array<{ name: string }> };
  };

  it("--task 1 --json: the task's events as the trace has them, with block times, amounts in wei as strings", () => {
    const run = bidmesh(["ledger", "--run", dir, "--task", "1", "--json"]);
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    const doc = JSON.parse(run.stdout) as Doc;
    const own = market.filter((e) => e.taskId === 1);
    expect(doc.task!.taskId).toBe("1");
    expect(doc.task!.status).toBe("Completed");
    expect(doc.task!.maxPrice).toBe(String(own[0]!["maxPrice"]));
    expect(doc.task!.events.map((e) => e.name)).toEqual(own.map((e) => e.name));
    for (const e of doc.task!.events) expect(Number.isInteger(e.timestamp)).toBe(true);
    // Every provider in the task's events is named.
    const providers = new Set(doc.task!.events.map((e) => e.args["provider"]).filter((p): p is string => typeof p === "string"));
    for (const p of providers) expect(doc.nodes[p]?.node).toBe(runInfo(dir).providers[p]!.node);
  });

  it("--provider NODE --json: the provider's history with its node and group", () => {
    const run = bidmesh(["ledger", "--run", dir, "--provider", "steady#0", "--json"]);
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    const doc = JSON.parse(run.stdout) as Doc;
    const address = Object.entries(runInfo(dir).providers).find(([, p]) => p.node === "steady#0")![0];
    expect(doc.provider!.provider).toBe(address);
    expect(doc.provider!.node).toBe("steady#0");
    expect(doc.provider!.group).toBe("steady");
    expect(doc.provider!.bids.length).toBe(market.filter((e) => e.name === "BidPlaced" && e["provider"] === address).length);
    expect(doc.provider!.events.map((e) => e.name)).toEqual(market.filter((e) => Object.values(e).includes(address)).map((e) => e.name));
  });
});
