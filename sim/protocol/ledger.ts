// The one interface between the simulation and the market. Two implementations keep the same
// rules: the chain (ComputeMarket through ethers, sim/ledger/chain-ledger.ts) and an in-memory
// reference model (sim/ledger/memory-ledger.ts). For the same actions they emit the same events,
// so each checks the other.
import type { Address, MarketAction } from "./actions.js";
import type { MarketEvent } from "./events.js";
import type { LoggedEvent } from "./logged-event.js";
import type { MarketConfig } from "./market-config.js";

/** An action the market refused: the transaction reverted and changed nothing. */
export interface RefusedAction {
  action: MarketAction;
  /** The custom error's name, e.g. `BiddingClosed`. */
  error: string;
  /** Its arguments by parameter name. */
  args: Record<string, unknown>;
}

/** A block as the chain returned it: raw receipts and logs, for export and independent audit. */
export interface ChainBlockRecord {
  number: number;
  hash: string;
  /** Seconds. */
  timestamp: number;
  transactions: Array<{
    hash: string;
    from: Address;
    status: number;
    gasUsed: string;
    logs: Array<{ address: string; topics: string[]; data: string; logIndex: number }>;
  }>;
}

/** What one block did. */
export interface BlockResult {
  blockNumber: number;
  /** Seconds. */
  timestamp: number;
  /** Every event of the block, in order. */
  events: MarketEvent[];
  /** The same events with their transaction and log index (chain ledger only: memory has no transactions). */
  logged?: readonly LoggedEvent[];
  refused: RefusedAction[];
  /** Gas of all the block's transactions; null where the ledger does not measure gas (memory). */
  gasUsed: bigint | null;
  /** Block hash; null for the memory ledger. */
  hash: string | null;
  /** The raw block (chain ledger only). */
  raw?: ChainBlockRecord;
}

/** The market as the simulation sees it. */
export interface Ledger {
  readonly kind: "chain" | "memory";
  readonly config: MarketConfig;
  /**
   * Applies `actions` in order as one block at `timestamp` (seconds, never decreasing). Each
   * action is its own transaction: a refused one is reported and changes nothing.
   */
  commitBlock(timestamp: number, actions: readonly MarketAction[]): Promise<BlockResult>;
  /** Releases the chain; the ledger is unusable afterwards. */
  close(): Promise<void>;
}
