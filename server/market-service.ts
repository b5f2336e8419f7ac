// What the HTTP API needs from the market: post a task, read the ledger, tell whether the chain
// answers. The API depends on this interface only, so tests can also hand it a stub.
import { toBeHex, type Interface } from "ethers";
import { ComputeMarket__factory } from "../types/ethers-contracts/index.js";
import type { Chain } from "../sim/chain/connect.js";
import { DEFAULT_MARKET_CONFIG, keeperReserve, type MarketConfig } from "../sim/protocol/market-config.js";
import { ChainError, decodeChainError } from "../sim/chain/errors.js";
import { LedgerEventCache } from "../sim/chain/ledger-cache.js";
import type { MarketHistory } from "../sim/protocol/history.js";
import type { LedgerFilter, LoggedEvent } from "../sim/protocol/logged-event.js";
import type { MechanismName } from "../sim/protocol/enums.js";
import { latestTimestamp, setNextBlockTimestamp } from "../sim/chain/time.js";
import { actorAddress } from "../sim/ledger/actors.js";
import type { ChainLedger } from "../sim/ledger/chain-ledger.js";
import { openLedger } from "../sim/ledger/open-ledger.js";
import type { Address, MarketAction } from "../sim/protocol/actions.js";
import { ChainUnavailableError, DEFAULT_CHAIN_TIMEOUT_MS, HEALTH_TIMEOUT_MS, withChainDeadline } from "./chain-deadline.js";
import { MarketFeed, publishBlock, type FeedSnapshot, type OutageJson } from "./live/market-feed.js";
import { BlockTimes } from "./block-times.js";
import type { KpisJson } from "./live/live-kpis.js";
import { apiRequirementsRef } from "./task-ref.js";

/** A task to post, validated. */
export interface PostTaskInput {
  /** Compute-milliseconds (a whole number). */
  sizeMs: number;
  /** Maximum price, wei; the post escrows it plus the market's keeper reserve. */
  maxPrice: bigint;
  /** Seconds the assignee gets to deliver (the contract's execution budget). */
  deadlineBudget: number;
  /** Region name, or "any". */
  region: string;
  mechanism: MechanismName;
}

export interface PostTaskResult {
  taskId: number;
  transactionHash: string;
  blockNumber: number;
}

export interface MarketHealth {
  reachable: boolean;
  kind: "embedded" | "rpc";
  chainId: string;
  /** Latest block; null when the chain does not answer. */
  blockNumber: number | null;
  /** Milliseconds a request's chain work may take before it answers 503. */
  timeoutMs: number;
}

/** The market as the API sees it. */
export interface MarketService {
  readonly marketAddress: Address;
  /** Block of the market's deployment: its ledger starts there. */
  readonly deployBlock: number;
  /** The account API tasks are posted from. */
  readonly posterAddress: Address;
  /**
   * Posts a task in one block at the next chain second. A refusal throws a ChainError carrying
   * the decoded custom error, and leaves the chain as it was (no transaction, no block).
   */
  postTask(input: PostTaskInput): Promise<PostTaskResult>;
  /** The market's events, oldest first; `filter` as readLedgerEvents takes it. */
  readEvents(filter?: LedgerFilter): Promise<LoggedEvent[]>;
  /** The market's history (tasks, providers) as of the latest block, folded as blocks arrive. */
  history(): Promise<MarketHistory>;
  health(): Promise<MarketHealth>;
  close(): Promise<void>;
  /** What only a live market can do; absent when no live market runs (the routes answer 409). */
  readonly live?: LiveControls;
  /** What happens in the market as it happens (GET /api/stream). */
  readonly feed: MarketFeed;
  /** What a new subscriber of the feed sees first. */
  snapshot(): FeedSnapshot;
  /** Whether a live market runs, and where it is. */
  status(): MarketStatus;
  /** The chain timestamps (s) of these blocks, for the answers' blockTime fields; absent: no times. */
  blockTimes?(blocks: Iterable<number>): Promise<Map<number, number>>;
}

/**
 * A live market's controls and live figures: one object, present on the MarketService exactly
 * when a scenario's providers run behind the API, so a route asks one question (`market.live`).
 */
export interface LiveControls {
  /** Takes one of its providers offline or back online; resolves false when no provider of the market has this address. */
  setProviderOnline(address: Address, up: boolean): Promise<boolean>;
  /** What other than the operator keeps a provider offline now (empty when nothing does, or for an address that is not one of its providers). */
  offlineHolds(address: Address): OfflineHold[];
  /** The regions its scenario configures (tasks and outages may also name regions providers registered in on chain). */
  configuredRegions(): readonly string[];
  /** Whether a provider is online; undefined for an address that is not one of its providers. */
  providerOnline(address: Address): boolean | undefined;
  /** Takes a region or a dependency offline; undefined when no provider is there. */
  startOutage(request: OutageRequest): Promise<OutageJson | undefined>;
  /** Every outage window as of now. */
  outages(): { now: number; outages: OutageJson[] };
  /** Its key figures as of the latest block, and the baselines' on the same workload. */
  kpis(): KpisJson;
  /** The node name (`group#i`) of one of its providers; undefined for any other address. */
  nodeName(address: string): string | undefined;
}

/** Something other than the operator that keeps a live-market provider offline. */
export interface OfflineHold {
  /** The outage window's id (as GET /api/outages lists it); null for a failure of the scenario's timeline that is no outage window. */
  outage: string | null;
  name: string;
  /** Virtual ms from the market's start; null when the hold has no known window. */
  start: number | null;
  end: number | null;
}

/** An outage to inject: a region or an upstream dependency, for a span of virtual time. */
export type OutageRequest = ({ region: string } | { dependency: string }) & { durationMs: number };

export interface MarketStatus {
  /** A live market (a scenario's providers) runs behind the API. */
  live: boolean;
  /** The live market is stepping (false while it waits for the chain, reconnects, or has stopped). */
  running: boolean;
  /** Null without a live market; see LiveMarketState. */
  state: LiveMarketState | null;
  /** Why the live market is not running (stalled, reconnecting, ended or stopped); null while it runs. */
  reason: string | null;
  /** Times the live market resumed from the chain after losing it; null without one. */
  reconnects: number | null;
  /** The live market's workload: whether it repeats past the scenario's duration, and the period now. */
  workload: LiveWorkloadStatus | null;
  scenario: string | null;
  /** Virtual ms since the live market started; null without one. */
  virtualTime: number | null;
  speed: number | null;
  /** Why the live market stopped, when an error stopped it. */
  error: string | null;
}

/**
 * running: the pacing loop steps the market; stalled: the chain stopped answering mid-block (it
 * carries on when the chain does); reconnecting: a block failed on the chain (it resumes from
 * the chain's state once the chain answers, retrying with backoff); ended: it has no further
 * event (nothing happens any more, though the API still reads the chain); stopped: shut down,
 * or stopped by an error.
 */
export type LiveMarketState = "running" | "stalled" | "reconnecting" | "ended" | "stopped";

export interface LiveWorkloadStatus {
  /** The scenario's workload repeats period after period (false: the workload is off, API tasks only). */
  repeats: boolean;
  /** The period virtual time is in, from 0 (the scenario's own workload); null when the workload is off. */
  period: number | null;
  /** One period: the scenario's duration, virtual ms. */
  periodMs: number;
}

export interface MarketServiceOptions {
  /** The market was found in the deployment registry rather than deployed now (an RPC node). */
  reused?: boolean;
  /** Where committed blocks are published (default: a feed of its own). */
  feed?: MarketFeed;
  /** Seconds a posted task is open for bids (default 30). */
  bidWindowSeconds?: number;
  /** Milliseconds health() waits for the chain (default HEALTH_TIMEOUT_MS, or chainTimeoutMs if shorter). */
  healthTimeoutMs?: number;
  /**
   * Milliseconds the chain work of one request (a post, a ledger read) may take; past it the
   * request fails with a ChainUnavailableError, a 503 (default DEFAULT_CHAIN_TIMEOUT_MS, 5 s).
   */
  chainTimeoutMs?: number;
}

/** What a post's 503 adds, past its deadline. */
export const NOTHING_POSTED = "; nothing was posted";
export const POST_MAY_LAND =
  "; the task was sent and may still be posted when the chain answers: retry with the same Idempotency-Key, or look for it in GET /api/tasks, before posting it again";

/** Ether given to the poster (dev chains only): far more than any run escrows, like ChainLedger's actors. */
const POSTER_BALANCE = toBeHex(10n ** 30n);

/**
 * A MarketService over a ChainLedger: writes go through it, reads come from the chain's logs,
 * kept in a LedgerEventCache so a request reads only the blocks added since the last one.
 */
export class ChainMarketService implements MarketService {
  readonly posterAddress: Address = actorAddress("poster", 0);
  private readonly iface: Interface = ComputeMarket__factory.createInterface();
  private readonly bidWindowSeconds: number;
  private readonly healthTimeoutMs: number;
  readonly chainTimeoutMs: number;
  /** Writes one at a time: each is one block at latest + 1 s. */
  private writes: Promise<unknown> = Promise.resolve();
  private closed = false;
  private posterFunded = false;
  private readonly events: LedgerEventCache;
  readonly feed: MarketFeed;
  /** Found in the deployment registry rather than deployed by this service. */
  readonly reused: boolean;
  /** Block timestamps read once and kept (the live market records its blocks here too). */
  readonly blockClock = new BlockTimes(() => this.chain);

  constructor(
    readonly chain: Chain,
    readonly ledger: ChainLedger,
    options: MarketServiceOptions = {},
  ) {
    this.feed = options.feed ?? new MarketFeed();
    this.reused = options.reused ?? false;
    this.bidWindowSeconds = options.bidWindowSeconds ?? 30;
    this.chainTimeoutMs = options.chainTimeoutMs ?? DEFAULT_CHAIN_TIMEOUT_MS;
    this.healthTimeoutMs = options.healthTimeoutMs ?? Math.min(HEALTH_TIMEOUT_MS, this.chainTimeoutMs);
    this.events = new LedgerEventCache(chain, ledger.marketAddress, ledger.deployBlock);
  }

  get marketAddress(): Address {
    return this.ledger.marketAddress;
  }

  get deployBlock(): number {
    return this.ledger.deployBlock;
  }

  /**
   * Within the chain deadline, from the moment it is asked (waiting behind other writes counts).
   * A post whose deadline passes before it is sent is never sent; one already sent may still be
   * mined when the chain answers, and the 503 says which.
   */
  postTask(input: PostTaskInput): Promise<PostTaskResult> {
    let sent = false;
    return withChainDeadline(
      this.chainTimeoutMs,
      (signal) => this.serialized(() => this.postNow(input, signal, () => (sent = true))),
      () => (sent ? POST_MAY_LAND : NOTHING_POSTED),
    );
  }

  private async postNow(input: PostTaskInput, signal: AbortSignal, sending: () => void): Promise<PostTaskResult> {
    signal.throwIfAborted();
    const timestamp = (await latestTimestamp(this.chain)) + 1;
    const action: Extract<MarketAction, { kind: "post" }> = {
      kind: "post",
      from: this.posterAddress,
      maxPrice: input.maxPrice,
      // The market's keeper reserve rides on top of maxPrice; what keepers leave of it comes back.
      keeperReserve: keeperReserve(this.ledger.config),
      requirementsHash: apiRequirementsRef(input.sizeMs),
      region: input.region,
      bidWindowEnd: timestamp + this.bidWindowSeconds,
      executionBudget: input.deadlineBudget,
      mechanism: input.mechanism,
    };
    await this.fundPoster();
    await this.preflight(action, timestamp);
    // The caller gave up while this waited for the chain: send nothing it will not hear about.
    signal.throwIfAborted();
    sending();
    const block = await this.ledger.commitBlock(timestamp, [action]);
    const refused = block.refused[0];
    if (refused !== undefined) {
      // The preflight passed but the block refused it: only another writer on the same
      // chain could cause this. Report it like a preflight refusal.
      throw new ChainError(`reverted with ${refused.error}`, { errorName: refused.error, errorArgs: refused.args });
    }
    const posted = block.events.find((e) => e.name === "TaskPosted");
    const transaction = block.raw?.transactions[0];
    if (posted === undefined || transaction === undefined) throw new ChainError("postTask was mined but emitted no TaskPosted event");
    publishBlock(this.feed, { number: block.blockNumber, timestamp, now: 0, txs: 1 }, block.logged ?? []);
    return { taskId: posted.taskId, transactionHash: transaction.hash, blockNumber: block.blockNumber };
  }

  snapshot(): FeedSnapshot {
    return { now: 0, speed: null, live: false, scenario: null, chainTimeZero: null, providers: [], outages: [] };
  }

  status(): MarketStatus {
    return { live: false, running: false, state: null, reason: null, reconnects: null, scenario: null, virtualTime: null, speed: null, error: null, workload: null };
  }

  blockTimes(blocks: Iterable<number>): Promise<Map<number, number>> {
    return this.blockClock.of(blocks);
  }

  /**
   * From the cache: it holds the events from the deployment block on, so nothing earlier is read.
   * Within the chain deadline; a read that answers later still fills the cache.
   */
  readEvents(filter: LedgerFilter = {}): Promise<LoggedEvent[]> {
    return withChainDeadline(this.chainTimeoutMs, () => this.events.read(filter));
  }

  /** From the same cache, within the chain deadline. */
  history(): Promise<MarketHistory> {
    return withChainDeadline(this.chainTimeoutMs, () => this.events.history());
  }

  async health(): Promise<MarketHealth> {
    const base = { kind: this.chain.kind, chainId: this.chain.chainId.toString(), timeoutMs: this.chainTimeoutMs };
    try {
      const blockNumber = await withChainDeadline(this.healthTimeoutMs, () => this.chain.provider.getBlockNumber());
      return { ...base, reachable: true, blockNumber };
    } catch {
      return { ...base, reachable: false, blockNumber: null };
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.feed.close();
    // Let a write in progress finish before the chain goes away, for at most the chain
    // deadline: a stopped node would hold it (and the shutdown) for good.
    const bound = new Promise<void>((resolve) => setTimeout(resolve, this.chainTimeoutMs).unref());
    await Promise.race([this.writes.catch(() => undefined), bound]);
    await this.ledger.close();
  }

  /**
   * Runs the post against the pending block stamped `timestamp`, so a refusal is known (and
   * decoded) before anything is sent: a refused request leaves no transaction and no block.
   */
  private async preflight(action: Extract<MarketAction, { kind: "post" }>, timestamp: number): Promise<void> {
    // The very transaction the ledger would send, so the preflight judges what will be mined.
    const tx = this.ledger.encodeAction(action);
    await setNextBlockTimestamp(this.chain, timestamp);
    try {
      await this.chain.rpc("eth_call", [
        { from: action.from, to: this.marketAddress, data: tx.data, value: toBeHex(tx.value), gas: toBeHex(tx.gas) },
        "pending",
      ]);
    } catch (error) {
      throw decodeChainError(error, this.iface);
    }
  }

  /**
   * Funds the poster before its first preflight. ChainLedger funds an actor only when it first
   * sends, but the preflight's eth_call comes earlier and carries the escrow as value: anvil
   * refuses such a call from an empty account ("insufficient funds", no revert data, so a 500),
   * where Hardhat does not check the balance.
   */
  private async fundPoster(): Promise<void> {
    if (this.posterFunded) return;
    await this.chain.rpc("hardhat_setBalance", [this.posterAddress, POSTER_BALANCE]);
    this.posterFunded = true;
  }

  private serialized<T>(write: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new ChainUnavailableError("the market service is closed"));
    const next = this.writes.then(write, write);
    this.writes = next.catch(() => undefined);
    return next;
  }
}

export interface CreateMarketServiceOptions extends MarketServiceOptions {
  /** A JSON-RPC node; omit for the embedded chain. */
  rpcUrl?: string;
  /** Market parameters of a newly deployed market (default DEFAULT_MARKET_CONFIG). */
  config?: MarketConfig;
  /**
   * `rpcUrl` only: the deployment registry that remembers the market per chain (default
   * DEFAULT_REGISTRY_FILE, relative to the working directory).
   */
  registryFile?: string;
}

/**
 * Connects to the embedded chain (or `rpcUrl`) and wraps a market. The embedded chain is new
 * each time, so it gets a new market at the current wall-clock second. An RPC node may outlive
 * the server (a persisted anvil): the market the registry remembers for that chain is reused,
 * with everything on it, and one is deployed and remembered only if there is none.
 * @example
 * const market = await createMarketService();
 * await market.postTask({ sizeMs: 60_000, maxPrice: parseEther("0.01"), deadlineBudget: 300, region: "any", mechanism: "FirstPrice" });
 */
export async function createMarketService(options: CreateMarketServiceOptions = {}): Promise<ChainMarketService> {
  const opened = await openLedger({
    ledger: "chain",
    config: options.config ?? DEFAULT_MARKET_CONFIG,
    startTimestamp: Math.floor(Date.now() / 1000),
    chain: { rpcUrl: options.rpcUrl, callTimeoutMs: options.chainTimeoutMs ?? DEFAULT_CHAIN_TIMEOUT_MS },
    registry: { file: options.registryFile },
  });
  return new ChainMarketService(opened.ledger.chain, opened.ledger, { ...options, reused: opened.reused });
}
