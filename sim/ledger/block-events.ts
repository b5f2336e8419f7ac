// The MarketEvents of a mined block, read from the receipts ChainLedger recorded: the bids by
// the direct decoder, every other log through the ABI, each converted to the shape both ledgers
// report. Only successful transactions emit events (a reverted one's logs are discarded).
import { decodeBidPlaced } from "../chain/actions/decode-bid-placed.js";
import { decodeLog } from "../chain/ledger-reader.js";
import type { Address } from "../protocol/actions.js";
import type { MarketEvent } from "../protocol/events.js";
import type { ChainBlockRecord } from "../protocol/ledger.js";
import { toMarketEvent } from "./event-shapes.js";

/**
 * Every market event of `block`, in transaction and log order. `checksums` caches checksummed
 * provider addresses across blocks.
 */
export function blockEvents(block: ChainBlockRecord, checksums: Map<string, Address>): MarketEvent[] {
  const events: MarketEvent[] = [];
  for (const tx of block.transactions) {
    if (tx.status !== 1) continue;
    for (const log of tx.logs) {
      const bid = decodeBidPlaced(log.topics, log.data, checksums);
      if (bid !== undefined) {
        events.push(bid);
        continue;
      }
      const decoded = decodeLog({ topics: log.topics, data: log.data, blockNumber: block.number, transactionHash: tx.hash, index: log.logIndex });
      if (decoded !== undefined) events.push(toMarketEvent(decoded));
    }
  }
  return events;
}
