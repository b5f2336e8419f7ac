// API read latency on a market with a long history: the API answering from its event cache,
// next to the old way (every request re-reads and re-decodes every log since the deployment),
// both over the same chain and the same seeded request mix, in one run.
import { MarketHistory } from "../../sim/protocol/history.js";
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { keccak256, parseEther, toUtf8Bytes } from "ethers";
import { connectChain } from "../../sim/chain/connect.js";
import { DEFAULT_MARKET_CONFIG } from "../../sim/protocol/market-config.js";
import { readLedgerEvents } from "../../sim/chain/ledger-reader.js";
import { RandomStream } from "../../sim/engine/rng.js";
import { actorAddress } from "../../sim/ledger/actors.js";
import { ChainLedger } from "../../sim/ledger/chain-ledger.js";
import type { MarketAction } from "../../sim/protocol/actions.js";
import { SIM_EPOCH } from "../../sim/run/simulate.js";
import { createApp } from "../../server/app.js";
import { ChainMarketService, type MarketService } from "../../server/market-service.js";

const SEED = 20_251_020;
const TASKS = 2_400;
const TASKS_PER_ROUND = 200;
const PROVIDERS = 40;
const POSTERS = 8;
const BIDS_PER_TASK = 3;
/** Share of awarded tasks whose winner delivers; the rest stay awarded. */
const DELIVERED = 0.9;
/** Tasks closed per keeper transaction. */
const CLOSE_BATCH = 50;
/** Timed requests: each of the mix's four kinds in turn. The old way is slow, so it gets fewer. */
const REQUESTS = 200;
const BASELINE_REQUESTS = 20;

const provider = (i: number): string => actorAddress("provider", i);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/**
 * Builds the history: rounds of TASKS_PER_ROUND posts, BIDS_PER_TASK bids each from random
 * providers (one batch per provider), a close that awards them, and results for most.
 */
async function buildMarket(rng: RandomStream): Promise<{ ledger: ChainLedger; blocks: number }> {
  const chain = await connectChain();
  const ledger = await ChainLedger.create(chain, DEFAULT_MARKET_CONFIG, SIM_EPOCH);
  let ts = SIM_EPOCH;
  let blocks = 0;
  const commit = async (actions: MarketAction[]) => {
    const block = await ledger.commitBlock(ts, actions);
    if (block.refused.length > 0) throw new Error(`setup block at ${ts} refused ${block.refused.map((r) => r.error).join(", ")}`);
    blocks += 1;
    return block;
  };
  await commit(Array.from({ length: PROVIDERS }, (_, i): MarketAction => ({ kind: "register", from: provider(i), region: "us-east-1", capacity: 1_000, stake: parseEther("10") })));
  const prices = rng.fork("prices");
  const bidders = rng.fork("bidders");
  const delivers = rng.fork("delivers");
  for (let first = 1; first <= TASKS; first += TASKS_PER_ROUND) {
    const ids = Array.from({ length: Math.min(TASKS_PER_ROUND, TASKS - first + 1) }, (_, k) => first + k);
    ts += 2;
    await commit(
      ids.map((id): MarketAction => ({
        kind: "post",
        from: actorAddress("poster", id % POSTERS),
        maxPrice: parseEther("0.01"), keeperReserve: 0n,
        requirementsHash: keccak256(toUtf8Bytes(`bench task ${id}`)),
        region: "any",
        bidWindowEnd: ts + 30,
        executionBudget: 600,
        mechanism: id % 3 === 0 ? "SecondPrice" : "FirstPrice",
      })),
    );
    const byProvider = new Map<number, Array<{ taskId: number; price: bigint }>>();
    for (const taskId of ids) {
      const chosen = new Set<number>();
      while (chosen.size < BIDS_PER_TASK) chosen.add(bidders.int(0, PROVIDERS - 1));
      for (const p of chosen) {
        const bids = byProvider.get(p) ?? [];
        bids.push({ taskId, price: parseEther("0.001") + BigInt(prices.int(0, 8_000_000)) * 10n ** 9n });
        byProvider.set(p, bids);
      }
    }
    ts += 2;
    await commit([...byProvider].map(([p, bids]): MarketAction => ({ kind: "bids", from: provider(p), bids })));
    ts += 31;
    const closes: MarketAction[] = [];
    for (let k = 0; k < ids.length; k += CLOSE_BATCH) closes.push({ kind: "close", from: actorAddress("keeper", 0), taskIds: ids.slice(k, k + CLOSE_BATCH) });
    const closed = await commit(closes);
    ts += 5;
    const results: MarketAction[] = [];
    for (const e of closed.events) {
      if (e.name !== "TaskAwarded" || !delivers.bernoulli(DELIVERED)) continue;
      results.push({ kind: "result", from: e.provider, taskId: e.taskId, epoch: e.epoch, resultHash: keccak256(toUtf8Bytes(`result ${e.taskId}`)) });
    }
    await commit(results);
  }
  return { ledger, blocks };
}

/** The API's reads as they were: readLedgerEvents over every log since the deployment, each time. */
function rereadingService(real: ChainMarketService): MarketService {
  return {
    marketAddress: real.marketAddress,
    deployBlock: real.deployBlock,
    posterAddress: real.posterAddress,
    postTask: (input) => real.postTask(input),
    readEvents: (filter = {}) => readLedgerEvents(real.chain, real.marketAddress, { ...filter, fromBlock: Math.max(real.deployBlock, filter.fromBlock ?? 0) }),
    history: async () => {
      const history = new MarketHistory();
      for (const logged of await readLedgerEvents(real.chain, real.marketAddress, { fromBlock: real.deployBlock })) history.add(logged);
      return history;
    },
    health: () => real.health(),
    feed: real.feed,
    snapshot: () => real.snapshot(),
    status: () => real.status(),
    close: async () => undefined,
  };
}

async function listen(market: MarketService): Promise<{ server: Server; base: string }> {
  const app = createApp({ market, token: "bench-token", rateLimit: { windowMs: 60_000, limit: 1_000_000_000 }, logError: () => undefined });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, "127.0.0.1", () => resolve(s));
  });
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const KINDS = ["task", "bids", "tasks", "providers"] as const;
type Kind = (typeof KINDS)[number];

/** The mix: each kind in turn; task ids drawn from the seeded stream. */
function requestMix(rng: RandomStream, count: number): Array<{ kind: Kind; path: string }> {
  return Array.from({ length: count }, (_, i) => {
    const kind = KINDS[i % KINDS.length]!;
    const id = rng.int(1, TASKS);
    const path = { task: `/api/tasks/${id}`, bids: `/api/ledger/bids?task=${id}`, tasks: "/api/tasks?page=1", providers: "/api/providers" }[kind];
    return { kind, path };
  });
}

/** Milliseconds of each request, by kind; every answer must be a 200. */
async function timeRequests(base: string, mix: Array<{ kind: Kind; path: string }>): Promise<Map<Kind | "all", number[]>> {
  const times = new Map<Kind | "all", number[]>([["all", []], ...KINDS.map((k): [Kind, number[]] => [k, []])]);
  for (const { kind, path } of mix) {
    const t0 = performance.now();
    const res = await fetch(base + path);
    await res.arrayBuffer();
    const ms = performance.now() - t0;
    if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}`);
    times.get(kind)!.push(ms);
    times.get("all")!.push(ms);
  }
  return times;
}

/**
 * A market of TASKS tasks with bids, awards and results on the embedded chain, then the median
 * latency of GET /api/tasks/:id, /api/ledger/bids?task=, /api/tasks?page=1 and /api/providers
 * (in turn), through the app listening on 127.0.0.1: the cached reads, and the re-reading ones.
 */
export async function benchApiReads(): Promise<Record<string, number>> {
  const rng = RandomStream.root(SEED);
  const t0 = performance.now();
  const { ledger, blocks } = await buildMarket(rng.fork("market"));
  const setupSeconds = (performance.now() - t0) / 1_000;
  const service = new ChainMarketService(ledger.chain, ledger);
  const ours = await listen(service);
  const baseline = await listen(rereadingService(service));
  try {
    // The first read fills the cache from the deployment block: what a new server pays once.
    const t1 = performance.now();
    const events = (await service.readEvents()).length;
    const fillMs = performance.now() - t1;
    // Warm both apps up on one request of each kind.
    const warmUp = requestMix(rng.fork("warm-up"), KINDS.length);
    await timeRequests(ours.base, warmUp);
    await timeRequests(baseline.base, warmUp);
    const mix = requestMix(rng.fork("requests"), REQUESTS);
    const oursTimes = await timeRequests(ours.base, mix);
    const baselineTimes = await timeRequests(baseline.base, mix.slice(0, BASELINE_REQUESTS));
    const figures: Record<string, number> = {
      apiReadsTasks: TASKS,
      apiReadsEvents: events,
      apiReadsBlocks: blocks,
      apiReadsSetupSeconds: setupSeconds,
      apiReadsCacheFillMs: fillMs,
      apiReadsRequests: oursTimes.get("all")!.length,
      apiReadsBaselineRequests: baselineTimes.get("all")!.length,
    };
    for (const kind of ["all", ...KINDS] as const) {
      const key = kind[0]!.toUpperCase() + kind.slice(1);
      figures[`apiReads${key}Ms`] = median(oursTimes.get(kind)!);
      figures[`apiReadsBaseline${key}Ms`] = median(baselineTimes.get(kind)!);
    }
    return figures;
  } finally {
    for (const { server } of [ours, baseline]) {
      // fetch keeps its connections alive: drop them, or close waits for them to time out.
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
    await service.close();
  }
}
