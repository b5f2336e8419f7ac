// Reads ComputeMarket's events from the chain's logs, decoded (decode-event.ts), oldest first.
import type { Chain } from "./connect.js";
import { decodeLog } from "./decode-event.js";
import { eventMatcher, type LedgerFilter, type LoggedEvent } from "../protocol/logged-event.js";

/** Blocks per eth_getLogs call: public endpoints cap the range, local ones answer faster in pieces. */
const LOG_CHUNK_BLOCKS = 5_000;

/**
 * Reads the market's events, oldest first, from the chain's logs alone.
 * @example
 * const bids = await readLedgerEvents(chain, market, { taskId: 3, names: ["BidPlaced"] });
 */
export async function readLedgerEvents(chain: Chain, marketAddress: string, filter: LedgerFilter = {}): Promise<LoggedEvent[]> {
  const latest = await chain.provider.getBlockNumber();
  const from = Math.max(0, filter.fromBlock ?? 0);
  const to = Math.min(latest, filter.toBlock ?? latest);
  return readEventRange(chain, marketAddress, from, to, eventMatcher(filter));
}

/**
 * Reads and decodes the market's events in blocks `from`..`to` (inclusive), oldest first,
 * keeping those `keep` accepts (all by default). The caller bounds `to` by the latest block.
 */
export async function readEventRange(
  chain: Chain,
  marketAddress: string,
  from: number,
  to: number,
  keep: (logged: LoggedEvent) => boolean = () => true,
): Promise<LoggedEvent[]> {
  const events: LoggedEvent[] = [];
  for (let start = from; start <= to; start += LOG_CHUNK_BLOCKS) {
    const end = Math.min(to, start + LOG_CHUNK_BLOCKS - 1);
    const logs = await chain.provider.getLogs({ address: marketAddress, fromBlock: start, toBlock: end });
    for (const log of logs) {
      const logged = decodeLog(log);
      if (logged !== undefined && keep(logged)) events.push(logged);
    }
  }
  return events;
}
