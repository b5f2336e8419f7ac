// The one interface between the simulation and the market. Two implementations keep the same
// rules: the chain (ComputeMarket through ethers) and an in-memory reference model. For the same
// actions they emit the same events, so each checks the other.
import type { MarketConfig } from "../protocol/market-config.js";
import type { FailureReasonName, MechanismName, RefundReasonName, SkipReasonName } from "../protocol/enums.js";

/** A checksummed account address. */
export type Address = string;

/** Something a market participant does; each action is one transaction, atomic on its own. */
export type MarketAction =
  | { kind: "register"; from: Address; region: string; capacity: number; stake: bigint }
  | {
      kind: "post";
      from: Address;
      maxPrice: bigint;
      requirementsHash: string;
      /** Region name, or "any". */
      region: string;
      /** Seconds (chain time). */
      bidWindowEnd: number;
      /** Seconds. */
      executionBudget: number;
      mechanism: MechanismName;
    }
  /** All of one provider's bids for one block: one transaction. */
  | { kind: "bids"; from: Address; bids: ReadonlyArray<{ taskId: number; price: bigint }> }
  | { kind: "close"; from: Address; taskIds: readonly number[] }
  | { kind: "result"; from: Address; taskId: number; epoch: number; resultHash: string }
  | { kind: "reroute"; from: Address; taskIds: readonly number[] }
  | { kind: "abandon"; from: Address; taskId: number }
  | { kind: "withdraw"; from: Address };

/** A market event, as ComputeMarket emits it; amounts in wei, times in seconds. */
export type MarketEvent =
  | { name: "ProviderRegistered"; provider: Address; region: string; capacity: number; stake: bigint }
  | { name: "StakeAdded"; provider: Address; amount: bigint; stake: bigint }
  | { name: "CapacityUpdated"; provider: Address; capacity: number }
  | { name: "StakeWithdrawalRequested"; provider: Address; amount: bigint; unbonding: bigint; readyAt: number }
  | { name: "StakeWithdrawn"; provider: Address; amount: bigint }
  | {
      name: "TaskPosted";
      taskId: number;
      poster: Address;
      maxPrice: bigint;
      requirementsHash: string;
      region: string;
      bidWindowEnd: number;
      executionBudget: number;
      mechanism: MechanismName;
    }
  | { name: "BidPlaced"; taskId: number; provider: Address; price: bigint; round: number }
  | { name: "TaskAwarded"; taskId: number; provider: Address; bidPrice: bigint; payment: bigint; epoch: number; deadline: number }
  | { name: "FallbackSkipped"; taskId: number; provider: Address; reason: SkipReasonName }
  | { name: "TaskRerouted"; taskId: number; provider: Address; epoch: number; reason: FailureReasonName; caller: Address }
  | { name: "ProviderSlashed"; provider: Address; taskId: number; amount: bigint; poster: Address }
  | { name: "TaskReopened"; taskId: number; round: number; bidWindowEnd: number }
  | {
      name: "ResultSubmitted";
      taskId: number;
      provider: Address;
      epoch: number;
      resultHash: string;
      payment: bigint;
      posterRefund: bigint;
    }
  | { name: "TaskRefunded"; taskId: number; poster: Address; amount: bigint; reason: RefundReasonName }
  | { name: "Withdrawn"; account: Address; amount: bigint };

export type MarketEventName = MarketEvent["name"];

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
