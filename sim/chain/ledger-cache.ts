// The market's history, read from the chain once and kept. Re-reading every log since the
// deployment on each request (readLedgerEvents) costs more the longer the market runs; this
// reads only the blocks it has not seen and adds their events to one MarketHistory, so a read
// answers from memory and no request folds the whole history again.
import { toQuantity } from "ethers";
import type { Chain } from "./connect.js";
import { readEventRange } from "./ledger-reader.js";
import { MarketHistory } from "../protocol/history.js";
import { eventMatcher, type LedgerFilter, type LoggedEvent } from "../protocol/logged-event.js";

/** A block as far as the cache needs it: where it is, and which block it was. */
interface BlockHead {
  number: number;
  hash: string;
}

/**
 * One market's history, kept up to the chain's latest block. `read` answers like
 * readLedgerEvents (same filter, same order, equal events) and `history` gives the fold, each
 * after reading only the blocks added since the last read.
 * @example
 * const cache = new LedgerEventCache(chain, market, deployBlock);
 * const bids = await cache.read({ taskId: 3, names: ["BidPlaced"] });
 * const task = (await cache.history()).task(3);
 */
export class LedgerEventCache {
  private folded = new MarketHistory();
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
  async read(filter: LedgerFilter = {}): Promise<LoggedEvent[]> {
    // An invalid account throws before the chain is asked anything.
    eventMatcher(filter);
    await this.refresh();
    return this.folded.events(filter);
  }

  /** The market's history as of the latest block. */
  async history(): Promise<MarketHistory> {
    await this.refresh();
    return this.folded;
  }

  /** Number of events held. */
  get size(): number {
    return this.folded.size;
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
      this.folded = new MarketHistory();
    }
    for (const logged of fresh) this.folded.add(logged);
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
}
