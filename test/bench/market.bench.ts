// Market benchmarks: a large run on the memory ledger, and bids recorded on the embedded chain,
// batched as the simulator sends them next to the naive way (one transaction per bid, waiting
// for each receipt), measured in the same run.
import { parseEther, toBeHex } from "ethers";
import { connectChain } from "../../sim/chain/connect.js";
import { DEFAULT_MARKET_CONFIG } from "../../sim/protocol/market-config.js";
import { setAutomine } from "../../sim/chain/time.js";
import { actorAddress } from "../../sim/ledger/actors.js";
import { ChainLedger } from "../../sim/ledger/chain-ledger.js";
import type { MarketAction } from "../../sim/protocol/actions.js";
import { requirementsRef } from "../../sim/model/task-ref.js";
import { simulate, SIM_EPOCH } from "../../sim/run/simulate.js";
import { loadScenario } from "../../sim/scenario/load.js";
import { ComputeMarket__factory } from "../../types/ethers-contracts/index.js";

const SCALE_SCENARIO = new URL("./scenarios/market-scale.yaml", import.meta.url).pathname;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** 1,000 providers, ~100,000 tasks, a regional outage, memory ledger: wall seconds (median of 3). */
export async function benchMemoryRun(): Promise<Record<string, number>> {
  const scenario = loadScenario(SCALE_SCENARIO);
  const seconds: number[] = [];
  let tasks = 0;
  let providers = 0;
  let events = 0;
  for (let i = 0; i < 3; i += 1) {
    let traced = 0;
    const t0 = performance.now();
    const result = await simulate({ scenario, ledger: "memory", trace: () => (traced += 1) });
    seconds.push((performance.now() - t0) / 1_000);
    tasks = result.metrics.systems.market.tasksPosted;
    events = traced;
    providers = scenario.providers.reduce((sum, g) => sum + g.count, 0);
  }
  return { memoryRunSeconds: median(seconds), memoryRunTasks: tasks, memoryRunProviders: providers, memoryRunTraceRecords: events };
}

const PROVIDERS = 20;
const BIDS_PER_BATCH = 50;
const BLOCKS = 5;
const NAIVE_BIDS = 400;

/**
 * Bids per second of wall time on the embedded chain: PROVIDERS providers each send one batch
 * of BIDS_PER_BATCH bids per block, as the simulator does; and the same kind of bids sent one
 * transaction each, waiting for each receipt (automine), on a fresh chain.
 */
export async function benchChainBids(): Promise<Record<string, number>> {
  const chain = await connectChain();
  const ledger = await ChainLedger.create(chain, DEFAULT_MARKET_CONFIG, SIM_EPOCH);
  const providers = Array.from({ length: PROVIDERS }, (_, i) => actorAddress("provider", i));
  let ts = SIM_EPOCH;
  const tasks = BLOCKS * BIDS_PER_BATCH;
  await ledger.commitBlock(ts, providers.map((p) => ({ kind: "register", from: p, region: "us-east-1", capacity: 1_000, stake: parseEther("100") })));
  ts += 2;
  await ledger.commitBlock(
    ts,
    Array.from({ length: tasks }, (_, i): MarketAction => ({
      kind: "post",
      from: actorAddress("poster", i % 8),
      maxPrice: parseEther("0.01"), keeperReserve: 0n,
      requirementsHash: requirementsRef(i),
      region: "any",
      bidWindowEnd: ts + 3_600,
      executionBudget: 600,
      mechanism: "FirstPrice",
    })),
  );
  let bids = 0;
  let gas = 0n;
  let refused = 0;
  const t0 = performance.now();
  for (let b = 0; b < BLOCKS; b += 1) {
    ts += 2;
    // Every provider bids on the same 50 tasks this block, at distinct prices: 20 bids a task,
    // of which the contract keeps the best 3 (the others are events only).
    const actions = providers.map((from, p): MarketAction => ({
      kind: "bids",
      from,
      bids: Array.from({ length: BIDS_PER_BATCH }, (_, k) => ({ taskId: b * BIDS_PER_BATCH + k + 1, price: parseEther("0.005") + BigInt(p * 1_000 + k) })),
    }));
    const result = await ledger.commitBlock(ts, actions);
    bids += PROVIDERS * BIDS_PER_BATCH;
    gas += result.gasUsed ?? 0n;
    refused += result.refused.length;
  }
  const batchedSeconds = (performance.now() - t0) / 1_000;
  await ledger.close();
  if (refused > 0) throw new Error(`${refused} batches were refused: the benchmark measures nothing`);

  // The naive way, on a fresh chain: one transaction per bid, each awaited, gas estimated by ethers.
  const naive = await connectChain();
  const signer = await naive.signer(1);
  const provider = await naive.signer(2);
  const factory = new ComputeMarket__factory(await naive.signer(0));
  const market = await (await factory.deploy(DEFAULT_MARKET_CONFIG)).waitForDeployment();
  await setAutomine(naive, true);
  await (await market.connect(provider).registerProvider(toBeHex(0x75732d656173742d31n, 16), 1_000, { value: parseEther("100") })).wait();
  const latest = (await naive.provider.getBlock("latest"))!.timestamp;
  for (let i = 0; i < NAIVE_BIDS; i += 1) {
    await (await market.connect(signer).postTask(requirementsRef(i), `0x${"00".repeat(16)}`, latest + 86_400, 600, 0, { value: parseEther("0.01") })).wait();
  }
  const t1 = performance.now();
  for (let i = 0; i < NAIVE_BIDS; i += 1) {
    await (await market.connect(provider).placeBid(i + 1, parseEther("0.005"))).wait();
  }
  const naiveSeconds = (performance.now() - t1) / 1_000;
  await naive.close();

  return {
    chainBidsPerSec: bids / batchedSeconds,
    chainBids: bids,
    gasPerBatchedBid: Number(gas / BigInt(bids)),
    naiveChainBidsPerSec: NAIVE_BIDS / naiveSeconds,
    naiveChainBids: NAIVE_BIDS,
  };
}
