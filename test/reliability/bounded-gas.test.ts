// Bounded gas: submitResult, reroute and withdraw cost the same (within 2%) whatever the market's
// history (1 or 500 earlier tasks) and however many providers bid on the task (few or 50): no
// loop over tasks or bids, no storage that grows with them. The figures are printed.
//
// Each measurement uses fresh accounts (a new poster, winner and fallback), so the only state
// that differs between measurements is the market's history and the task's bids. "Few" bidders
// is 1 for submitResult and withdraw, and 2 for reroute: a reroute with one bidder takes a
// different path by design (re-auction instead of the next fallback).
// The market is driven through the chain ledger (sim/ledger/chain-ledger.ts): hundreds of
// transactions per block, so the 500 earlier tasks take a few seconds.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toBeHex, type Interface } from "ethers";
import { ComputeMarket__factory } from "../../types/ethers-contracts/index.js";
import { connectChain, type Chain } from "../../sim/chain/connect.js";
import { latestTimestamp, mineBlockAt } from "../../sim/chain/time.js";
import { actorAddress } from "../../sim/ledger/actors.js";
import { ChainLedger } from "../../sim/ledger/chain-ledger.js";
import type { Address, MarketAction } from "../../sim/protocol/actions.js";
import { act, eth, LEDGER_TEST_CONFIG } from "../helpers/ledger-actors.js";

const HISTORY = 500;
const MANY_BIDDERS = 50;
const TOLERANCE = 0.02;
const WINDOW = 10;
const BUDGET = 20;

let chain: Chain;
let ledger: ChainLedger;
let keeper: Address;
/** Sends the measured reroutes: a dev account the ledger never uses (it caches its actors' nonces). */
let rerouter: Address;
let now = 0;
const iface: Interface = ComputeMarket__factory.createInterface();

beforeAll(async () => {
  chain = await connectChain();
  now = (await latestTimestamp(chain)) + 10;
  ledger = await ChainLedger.create(chain, LEDGER_TEST_CONFIG, now);
  now = ledger.startTimestamp;
  keeper = (await chain.signer(0)).address;
  rerouter = (await chain.signer(1)).address;
});

afterAll(async () => {
  await ledger?.close();
});

/** Commits one block at `now` (then moves `now` on by `dt`); every action must be accepted. */
async function block(actions: MarketAction[], dt = 1): Promise<void> {
  const result = await ledger.commitBlock(now, actions);
  expect(result.refused, "setup actions are all accepted").toEqual([]);
  now += dt;
}

/**
 * Sends one market call outside the ledger (a direct function call, not a batch) in a block of
 * its own at `now`, and returns its gas. The sender is an impersonated actor that the ledger no
 * longer uses, or an unlocked dev account; the node picks the nonce.
 */
async function measured(from: Address, fn: string, args: unknown[]): Promise<bigint> {
  const hash = (await chain.rpc("eth_sendTransaction", [
    { from, to: ledger.marketAddress, data: iface.encodeFunctionData(fn, args), gas: toBeHex(1_000_000) },
  ])) as string;
  await mineBlockAt(chain, now);
  now += 1;
  const receipt = (await chain.rpc("eth_getTransactionReceipt", [hash])) as { status: string; gasUsed: string };
  expect(receipt.status, `${fn} succeeded`).toBe("0x1");
  return BigInt(receipt.gasUsed);
}

// ---------------------------------------------------------------- history

let accounts = 0;
/** A never-used account of `role`. */
const fresh = (role: "poster" | "provider"): Address => actorAddress(role, ++accounts);

/** `count` tasks posted, bid on, awarded and delivered; their credits stay in the market. */
async function addHistory(count: number): Promise<void> {
  const poster = fresh("poster");
  const perProvider = 50;
  const providers = Array.from({ length: Math.ceil(count / perProvider) }, () => fresh("provider"));
  const firstId = (await taskCount()) + 1;
  const ids = Array.from({ length: count }, (_, i) => firstId + i);
  await block([
    ...providers.map((v) => act.register(v, { capacity: perProvider, stake: eth(perProvider + 1) })),
    ...ids.map(() => act.post(poster, now + WINDOW, { budget: BUDGET * 10 })),
  ]);
  await block(
    providers.map((v, p) => act.bids(v, ...ids.slice(p * perProvider, (p + 1) * perProvider).map((id): [number, bigint] => [id, eth(0.1)]))),
    WINDOW,
  );
  const batches = Array.from({ length: Math.ceil(count / 25) }, (_, b) => ids.slice(b * 25, (b + 1) * 25));
  await block(batches.map((batch) => act.close(keeper, ...batch)));
  await block(ids.map((id, i) => act.result(providers[Math.floor(i / perProvider)]!, id, 1)));
}

// ---------------------------------------------------------------- one measurement

interface Gas {
  submitResult: bigint;
  withdraw: bigint;
  reroute: bigint;
}

/**
 * Two fresh tasks of a fresh poster: one delivered (submitResult, then the winner's withdraw),
 * one whose winner misses its deadline (reroute to the fallback). `bidders` bid on each: the
 * winner, then for the rerouted task its fallback, then extra bidders at higher prices.
 */
async function measure(bidders: number): Promise<Gas> {
  const poster = fresh("poster");
  const winner = fresh("provider");
  const late = fresh("provider");
  const fallback = fresh("provider");
  const extras = Array.from({ length: bidders - 1 }, () => fresh("provider"));
  const delivered = (await taskCount()) + 1;
  const rerouted = delivered + 1;
  await block([
    ...[winner, late, fallback, ...extras].map((v) => act.register(v)),
    act.post(poster, now + WINDOW, { budget: BUDGET }),
    act.post(poster, now + WINDOW, { budget: BUDGET }),
  ]);
  await block(
    [
      act.bids(winner, [delivered, eth(0.1)]),
      act.bids(late, [rerouted, eth(0.1)]),
      act.bids(fallback, [rerouted, eth(0.2)]),
      // `bidders` on each task: the extras bid on the delivered task, all but one on the rerouted one.
      ...extras.map((v, i) => act.bids(v, [delivered, eth(0.3)], ...(i < bidders - 2 ? [[rerouted, eth(0.3)] as [number, bigint]] : []))),
    ],
    WINDOW,
  );
  await block([act.close(keeper, delivered, rerouted)]);
  const kept = async (id: number) => (await taskView("getFallbacks", id)).length;
  expect(await kept(delivered)).toBe(Math.min(bidders, LEDGER_TEST_CONFIG.fallbackDepth));
  const submitResult = await measured(winner, "submitResult", [delivered, 1, "0x" + "11".repeat(32)]);
  const withdraw = await measured(winner, "withdraw", []);
  now += BUDGET;
  const reroute = await measured(rerouter, "reroute", [rerouted]);
  const t = await taskView("getTask", rerouted);
  expect(t.provider, "rerouted to the fallback").toBe(fallback);
  return { submitResult, withdraw, reroute };
}

async function taskCount(): Promise<number> {
  return Number((await view("taskCount", []))[0]);
}

/** getTask or getFallbacks, decoded (a Result: fields by name). */
async function taskView(fn: "getTask" | "getFallbacks", id: number) {
  return (await view(fn, [id]))[0];
}

async function view(fn: string, args: unknown[]) {
  const raw = (await chain.rpc("eth_call", [{ to: ledger.marketAddress, data: iface.encodeFunctionData(fn, args) }, "latest"])) as string;
  return iface.decodeFunctionResult(fn, raw);
}

// ---------------------------------------------------------------- the test

describe("gas does not grow with the market's history or the task's bidders", () => {
  it(`submitResult, reroute and withdraw after 1 and ${HISTORY} earlier tasks, with few and ${MANY_BIDDERS} bidders, within ${TOLERANCE * 100}%`, async () => {
    const rows: Array<{ case: string } & Gas> = [];
    const row = async (bidders: number) => {
      const earlier = await taskCount();
      rows.push({ case: `after ${earlier} tasks, ${bidders === 1 ? "few" : bidders} bidders`, ...(await measure(bidders)) });
    };
    await addHistory(1);
    await row(1);
    await row(MANY_BIDDERS);
    await addHistory(HISTORY);
    await row(1);
    await row(MANY_BIDDERS);
    expect(rows[2]!.case).toMatch(new RegExp(`^after ${HISTORY + 5} tasks`));
    const base = rows[0]!;
    const ops = ["submitResult", "reroute", "withdraw"] as const;
    const pct = (g: bigint, b: bigint) => `${(((Number(g) - Number(b)) / Number(b)) * 100).toFixed(2)}%`;
    console.log(
      `bounded gas (gasUsed; Δ vs the first row)\n` +
        `${"case".padEnd(32)}${ops.map((op) => op.padStart(22)).join("")}\n` +
        rows.map((r) => `${r.case.padEnd(32)}${ops.map((op) => `${r[op]} (${pct(r[op], base[op])})`.padStart(22)).join("")}`).join("\n"),
    );
    for (const r of rows) {
      for (const op of ops) {
        const ratio = Number(r[op]) / Number(base[op]);
        expect(Math.abs(ratio - 1), `${op} ${r.case}: ${r[op]} vs ${base[op]}`).toBeLessThanOrEqual(TOLERANCE);
      }
    }
  }, 120_000);
});
