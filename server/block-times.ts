// Block timestamps by number, for the API's `blockTime` fields. A block's timestamp never
// changes once mined, so each is read from the chain once (eth_getBlockByNumber) and kept; the
// live market also records every block it commits, so its answers read nothing. Bounded: past
// MAX_ENTRIES the oldest half is dropped (and read again if asked for).
import type { Chain } from "../sim/chain/connect.js";

const MAX_ENTRIES = 200_000;
/** Block reads in flight at once for one answer. */
const READ_CONCURRENCY = 16;

export class BlockTimes {
  private readonly seconds = new Map<number, number>();

  constructor(private readonly chain: () => Chain) {}

  /** Remembers a block's timestamp (seconds), e.g. as the live market commits it. */
  record(blockNumber: number, timestamp: number): void {
    if (this.seconds.size >= MAX_ENTRIES) {
      let drop = MAX_ENTRIES / 2;
      for (const key of this.seconds.keys()) {
        if (drop-- <= 0) break;
        this.seconds.delete(key);
      }
    }
    this.seconds.set(blockNumber, timestamp);
  }

  /** The timestamps (chain seconds) of `blocks`; a block the chain does not have is left out. */
  async of(blocks: Iterable<number>): Promise<Map<number, number>> {
    const out = new Map<number, number>();
    const missing: number[] = [];
    for (const n of new Set(blocks)) {
      const known = this.seconds.get(n);
      if (known === undefined) missing.push(n);
      else out.set(n, known);
    }
    for (let i = 0; i < missing.length; i += READ_CONCURRENCY) {
      await Promise.all(
        missing.slice(i, i + READ_CONCURRENCY).map(async (n) => {
          const block = await this.chain().provider.getBlock(n);
          if (block === null) return;
          this.record(n, block.timestamp);
          out.set(n, block.timestamp);
        }),
      );
    }
    return out;
  }
}
