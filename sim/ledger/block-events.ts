// The market events of a mined block, read from the receipts ChainLedger recorded: the bids by
// the direct decoder, every other log through the ABI, each with its place in the chain. Only
// successful transactions emit events (a reverted one's logs are discarded).
import { decodeBidPlaced } from "../chain/actions/decode-bid-placed.js";
import { decodeMarketEvent } from "../chain/decode-event.js";
import type { Address } from "../protocol/actions.js";
import type { ChainBlockRecord } from "../protocol/ledger.js";
import type { LoggedEvent } from "../protocol/logged-event.js";

/**
 * Every market event of `block`, in transaction and log order. `checksums` caches checksummed
 * provider addresses across blocks.
 */
export function blockEvents(block: ChainBlockRecord, checksums: Map<string, Address>): LoggedEvent[] {
  const events: LoggedEvent[] = [];
  for (const tx of block.transactions) {
    if (tx.status !== 1) continue;
    for (const log of tx.logs) {
      const event = decodeBidPlaced(log.topics, log.data, checksums) ?? decodeMarketEvent(log.topics, log.data);
      if (event !== undefined) events.push({ event, blockNumber: block.number, transactionHash: tx.hash, logIndex: log.logIndex });
    }
  }
  return events;
}
