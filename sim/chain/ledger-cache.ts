// The market's events, read from the chain once and kept. Re-reading every log since the
// deployment on each request (readLedgerEvents) costs more the longer the market runs; this
// reads only the blocks it has not seen, then answers from memory.
import { getAddress, toQuantity } from "ethers";
import type { Chain } from "./connect.js";
import { eventMatcher, readEventRange, type LedgerEvent, type LedgerFilter } from "./ledger-reader.js";

/** A block as far as the cache needs it: where it is, and which block it was. */
interface BlockHead {
  number: number;
  hash: string;
}

/**
 * The decoded events of one market, oldest first, kept up to the chain's latest block.
 * `read` answers like readLedgerEvents (same filter, same order, equal events) but reads only
 * the blocks added since the last read. Events are shared between answers, so they are frozen.
 * @example
 * const cache = new LedgerEventCache(chain, market, deployBlock);
 * const bids = await cache.read({ taskId: 3n, names: ["BidPlaced"] });
 */
export class LedgerEventCache {
  private events: LedgerEvent[] = [];
  // Indexes so a task's or an account's read does not scan the whole history. Each list is
  // appended in chain order, so it is oldest first like `events`.
  private byTask = new Map<bigint, LedgerEvent[]>();
  private byAccount = new Map<string, LedgerEvent[]>();
  /** The last block read, with its hash then; undefined before the first read. */
  private last: BlockHead | undefined;
  /** A refresh callers may still join: it has not asked the chain for its latest block yet. */
  private pending: Promise<void> | undefined;
  /** The refresh reading now. */
  private running: Promise<void> | undefined;
  /** Refreshes run (catch-ups with the chain) and how many of them found the chain reset. */
  readonly stats = { refreshes: 0, resets: 0 };

  constructor(
    readonly chain: Chain,
    readonly marketAddress: string,
    /** Block of the market's deployment: nothing before it is read. */
    readonly deployBlock: number,
  ) {}

  /** The market's events passing `filter` (block bounds inclusive), oldest first, as of the latest block. */
  async read(filter: LedgerFilter = {}): Promise<LedgerEvent[]> {
    // Built first: an invalid account throws before the chain is asked anything.
    const keep = eventMatcher(filter);
    await this.refresh();
    return this.lookup(filter, keep);
  }

  /** Number of events held. */
  get size(): number {
    return this.events.length;
  }

  private lookup(filter: LedgerFilter, keep: (event: LedgerEvent) => boolean): LedgerEvent[] {
    const from = filter.fromBlock ?? -Infinity;
    const to = filter.toBlock ?? Infinity;
    // readLedgerEvents reads no block for a NaN bound; neither does this.
    if (Number.isNaN(from) || Number.isNaN(to)) return [];
    let candidates: readonly LedgerEvent[] = this.events;
    if (filter.taskId !== undefined) candidates = this.byTask.get(filter.taskId) ?? [];
    if (filter.account !== undefined) {
      const own = this.byAccount.get(getAddress(filter.account)) ?? [];
      if (own.length < candidates.length) candidates = own;
    }
    const found: LedgerEvent[] = [];
    for (let i = firstFrom(candidates, from); i < candidates.length && candidates[i]!.blockNumber <= to; i += 1) {
      const event = candidates[i]!;
      if (keep(event)) found.push(event);
    }
    return found;
  }

  /**
   * Brings the cache up to the chain's latest block. Callers arriving before a refresh has asked
   * for that block join it; those arriving later may have seen a block it will not read, so they
   * share one more refresh, started when the running one ends: never two reads at once.
   */
  private refresh(): Promise<void> {
    if (this.pending !== undefined) return this.pending;
    const refresh: Promise<void> = (this.running ?? Promise.resolve())
      .catch(() => undefined) // the previous refresh's failure went to its own callers
      .then(() => {
        this.pending = undefined;
        this.running = refresh;
        return this.catchUp();
      })
      .finally(() => {
        if (this.running === refresh) this.running = undefined;
      });
    this.pending = refresh;
    return refresh;
  }

  /** Reads the blocks after the last one read; everything again if the chain was reset. */
  private async catchUp(): Promise<void> {
    this.stats.refreshes += 1;
    const head = await this.block("latest");
    if (head === undefined) throw new Error("the chain has no latest block");
    const reset = this.last !== undefined && !(await this.stillOnChain(this.last, head));
    if (!reset && this.last !== undefined && head.number === this.last.number) return;
    const from = reset || this.last === undefined ? this.deployBlock : Math.max(this.deployBlock, this.last.number + 1);
    const fresh = await readEventRange(this.chain, this.marketAddress, from, head.number);
    // Applied only once everything is read: a read that fails leaves the cache as it was.
    if (reset) {
      this.stats.resets += 1;
      this.events = [];
      this.byTask = new Map();
      this.byAccount = new Map();
    }
    for (const event of fresh) this.add(event);
    this.last = head;
  }

  /**
   * Whether the last block read is still the chain's block at that height. A node that was
   * reset (restarted, or reverted to a snapshot) is lower than it, or has a different block
   * there; either way the events held may be gone, so they are all read again.
   */
  private async stillOnChain(last: BlockHead, head: BlockHead): Promise<boolean> {
    if (head.number < last.number) return false;
    const now = head.number === last.number ? head : await this.block(last.number);
    return now?.hash === last.hash;
  }

  private async block(tag: number | "latest"): Promise<BlockHead | undefined> {
    const block = (await this.chain.rpc("eth_getBlockByNumber", [tag === "latest" ? tag : toQuantity(tag), false])) as {
      number: string;
      hash: string;
    } | null;
    return block === null ? undefined : { number: Number(block.number), hash: block.hash };
  }

  private add(event: LedgerEvent): void {
    // Every answer hands out these very objects: freezing them keeps one caller from changing another's.
    Object.freeze(event.args);
    Object.freeze(event.accounts);
    Object.freeze(event);
    this.events.push(event);
    if (event.taskId !== undefined) append(this.byTask, event.taskId, event);
    for (const account of event.accounts) append(this.byAccount, account, event);
  }
}

function append<K>(index: Map<K, LedgerEvent[]>, key: K, event: LedgerEvent): void {
  const list = index.get(key);
  if (list === undefined) index.set(key, [event]);
  else list.push(event);
}

/** Index of the first event at or after block `from` (events oldest first): a binary search. */
function firstFrom(events: readonly LedgerEvent[], from: number): number {
  let lo = 0;
  let hi = events.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (events[mid]!.blockNumber < from) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
