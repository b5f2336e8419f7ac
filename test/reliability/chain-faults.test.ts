// Chain faults. (a) The JSON-RPC node stops in the middle of `bidmesh simulate --rpc-url`: the
// run fails with one clear line (no stack trace), a non-zero exit, and no half-written --out.
// (b) JSON-RPC answers get lost (faulty-chain.ts): the ChainLedger re-reads the chain (the
// sender's nonce, the latest block) before it retries, so every action lands exactly once and
// each block comes out exactly as it does without the fault; a node that never answers again
// ends the run with a ChainError after a bounded number of tries.
import { spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectChain, type Chain } from "../../sim/chain/connect.js";
import { ChainError } from "../../sim/chain/errors.js";
import { revertTo, snapshot } from "../../sim/chain/time.js";
import { ChainLedger } from "../../sim/ledger/chain-ledger.js";
import type { MarketAction } from "../../sim/protocol/actions.js";
import type { BlockResult } from "../../sim/protocol/ledger.js";
import { SIM_EPOCH } from "../../sim/run/simulate.js";
import { act, eth, LEDGER_TEST_CONFIG, memoryActors } from "../helpers/ledger-actors.js";
import { startHardhatNode, type HardhatNode } from "../helpers/hardhat-node.js";
import { fixture, removeTempDirs, ROOT, STACK_LINE, tempDir } from "../sim/e2e.js";
import { faultyChain, type Fault } from "./faulty-chain.js";

/** Asks the node for its block number; undefined when it does not answer. */
async function blockNumber(url: string): Promise<number | undefined> {
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_blockNumber", params: [] }),
    });
    return Number(((await response.json()) as { result: string }).result);
  } catch {
    return undefined;
  }
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("the JSON-RPC node stops in the middle of `bidmesh simulate --rpc-url URL --out DIR`", () => {
  let node: HardhatNode;
  let run: { status: number | null; stdout: string; stderr: string; blockAtStop: number };
  let out: string;
  let stopped = false;

  beforeAll(async () => {
    node = await startHardhatNode();
    out = join(tempDir("chain-fault"), "run");
    const child = spawn(
      process.execPath,
      [`${ROOT}node_modules/tsx/dist/cli.mjs`, "cli/main.ts", "simulate", "--scenario", fixture("provider-offline.yaml"), "--rpc-url", node.url, "--out", out, "--no-progress"],
      { cwd: ROOT },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    // The run mines about 120 blocks; stop the node once 20 are in (polls every 50 ms, 60 s at most).
    let blockAtStop = -1;
    for (let poll = 0; poll < 1_200 && child.exitCode === null; poll += 1) {
      const n = await blockNumber(node.url);
      if (n !== undefined && n >= 20) {
        blockAtStop = n;
        break;
      }
      await pause(50);
    }
    await node.stop();
    stopped = true;
    run = { status: await exited, stdout, stderr, blockAtStop };
  }, 90_000);

  afterAll(async () => {
    // HardhatNode.stop waits for an exit that has already happened if called twice.
    if (!stopped) await node?.stop();
    removeTempDirs();
  });

  it("fails with one clear line naming the lost node, no stack trace, and exit 1", () => {
    expect(run.blockAtStop, `the node was stopped mid-run; stderr: ${run.stderr}`).toBeGreaterThanOrEqual(20);
    expect(run.status, run.stderr).toBe(1);
    const lines = run.stderr.trim().split("\n");
    expect(lines, run.stderr).toHaveLength(1);
    // e.g. "bidmesh: the JSON-RPC node at http://127.0.0.1:PORT did not complete eth_sendTransaction from 0x… after 4 tries (last error: connect ECONNREFUSED …)"
    expect(lines[0]!.startsWith(`bidmesh: the JSON-RPC node at ${node.url} did not complete `), lines[0]).toBe(true);
    expect(lines[0]).toMatch(/ did not complete (eth|evm|debug|hardhat)_\w+.* after 4 tries \(last error: [^()]+\)$/);
    expect(run.stderr).not.toMatch(STACK_LINE);
    expect(run.stdout).not.toContain("wrote");
  });

  it("leaves no half-written report: --out does not exist and no staging folder is left beside it", () => {
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(join(out, ".."))).toEqual([]);
  });
});

// ---------------------------------------------------------------- (b) lost answers

const { posters, providers, stranger } = memoryActors();
const [p0, p1] = posters;
const [v0, v1, v2] = providers;

/** Four blocks that exercise every send path: new actors (nonce reads), a refusal (a trace read), results. */
function script(t0: number): Array<{ at: number; actions: MarketAction[] }> {
  return [
    { at: t0, actions: [act.register(v0), act.register(v1), act.register(v2), act.post(p0, t0 + 10), act.post(p1, t0 + 10)] as MarketAction[] },
    { at: t0 + 1, actions: [act.bids(v0, [1, eth(0.2)], [2, eth(0.4)]), act.bids(v1, [1, eth(0.3)]), act.bids(v2, [2, eth(0.1)])] },
    { at: t0 + 10, actions: [act.close(stranger, 1, 2), act.withdraw(stranger)] },
    { at: t0 + 20, actions: [act.result(v0, 1, 1), act.result(v2, 2, 1), act.withdraw(v0)] },
  ];
}

interface Played {
  results: BlockResult[];
  /** Per block: the senders and nonces of the transactions the chain holds. */
  landed: string[][];
}

describe("a JSON-RPC answer is lost while the ChainLedger commits a block", () => {
  let chain: Chain;
  let base: string;
  let clean: Played;

  /** Plays the script on a fresh market (the chain reverted to `base`) through `faults`. */
  async function play(faults: readonly Fault[]): Promise<Played & { faulty: ReturnType<typeof faultyChain> }> {
    await revertTo(chain, base);
    base = await snapshot(chain);
    const faulty = faultyChain(chain, faults);
    const ledger = await ChainLedger.create(faulty, LEDGER_TEST_CONFIG, SIM_EPOCH);
    faulty.arm();
    const results: BlockResult[] = [];
    const landed: string[][] = [];
    for (const block of script(ledger.startTimestamp)) {
      const result = await ledger.commitBlock(block.at, block.actions);
      results.push(result);
      const mined = (await chain.rpc("eth_getBlockByNumber", [`0x${result.blockNumber.toString(16)}`, true])) as { transactions: Array<{ from: string; nonce: string }> };
      landed.push(mined.transactions.map((tx) => `${tx.from.toLowerCase()}/${Number(tx.nonce)}`));
    }
    return { results, landed, faulty };
  }

  beforeAll(async () => {
    chain = await connectChain();
    base = await snapshot(chain);
    clean = await play([]);
  });

  afterAll(async () => {
    await chain?.close();
  });

  it("without faults: each block holds exactly its actions, each once", () => {
    expect(clean.landed.map((txs) => txs.length)).toEqual(script(0).map((b) => b.actions.length));
    for (const txs of clean.landed) expect(new Set(txs).size).toBe(txs.length);
    expect(clean.results[2]!.refused.map((r) => r.error)).toEqual(["NothingToWithdraw"]);
    expect(clean.results[3]!.events.filter((e) => e.name === "ResultSubmitted")).toHaveLength(2);
  });

  const cases: Array<{ name: string; faults: Fault[]; sends: number; mines: number }> = [
    // The node took the 2nd transaction but its answer was lost: the pending nonce shows it, no resend.
    { name: "eth_sendTransaction's answer (the node took it)", faults: [{ method: "eth_sendTransaction", nth: 2, lose: "answer" }], sends: 13, mines: 4 },
    // The 7th request never reached the node: the nonce shows it is missing, sent again once.
    { name: "eth_sendTransaction's request (the node never saw it)", faults: [{ method: "eth_sendTransaction", nth: 7, lose: "request" }], sends: 13, mines: 4 },
    { name: "two answers of eth_sendTransaction in a row", faults: [{ method: "eth_sendTransaction", nth: 9, lose: "answer", times: 2 }], sends: 13, mines: 4 },
    { name: "eth_getTransactionReceipt's answer", faults: [{ method: "eth_getTransactionReceipt", nth: 3, lose: "answer" }], sends: 13, mines: 4 },
    // The block was mined but the answer was lost: the latest block shows it, not mined again.
    { name: "evm_mine's answer (the block was mined)", faults: [{ method: "evm_mine", nth: 2, lose: "answer" }], sends: 13, mines: 4 },
    { name: "evm_mine's request (nothing was mined)", faults: [{ method: "evm_mine", nth: 3, lose: "request" }], sends: 13, mines: 4 },
    { name: "the nonce read of a new actor", faults: [{ method: "eth_getTransactionCount", nth: 1, lose: "request" }], sends: 13, mines: 4 },
    { name: "the revert trace of a refused action", faults: [{ method: "debug_traceTransaction", nth: 1, lose: "answer" }], sends: 13, mines: 4 },
  ];

  it.each(cases)("lost $name: every action lands once and every block is as without the fault", async ({ faults, sends, mines }) => {
    const run = await play(faults);
    expect(run.faulty.lost(faults[0]!.method)).toBe(faults[0]!.times ?? 1);
    // Each action reached the node once and each block was mined once...
    expect(run.faulty.reached("eth_sendTransaction")).toBe(sends);
    expect(run.faulty.reached("evm_mine")).toBe(mines);
    expect(run.landed).toEqual(clean.landed);
    // ...so every block is the same as without the fault, down to its hash.
    expect(run.results).toEqual(clean.results);
  });

  it("a node that never answers again: a ChainError after 4 tries, naming the call, and nothing sent twice", async () => {
    const error = await play([{ method: "eth_getTransactionReceipt", nth: 1, lose: "answer", times: Infinity }]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChainError);
    expect((error as ChainError).message).toBe("the embedded chain did not complete eth_getTransactionReceipt after 4 tries (last error: socket hang up)");
    // The first block's five transactions were sent once each, and it was mined once.
    const mined = (await chain.rpc("eth_getBlockByNumber", ["latest", true])) as { transactions: unknown[] };
    expect(mined.transactions).toHaveLength(5);
  });
});
