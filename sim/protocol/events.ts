// What the market reports: ComputeMarket's events, typed, in the simulation's units.
import type { Address } from "./actions.js";
import type { FailureReasonName, MechanismName, RefundReasonName, SkipReasonName } from "./enums.js";

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
      /** The bid cap: escrow beyond the keeper reserve. */
      maxPrice: bigint;
      /** Escrowed on top of maxPrice to pay keepers; what is left goes back to the poster at the end. */
      keeperReserve: bigint;
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
      /** maxPrice - payment, plus the keeper reserve left. */
      posterRefund: bigint;
    }
  /** amount: maxPrice plus the keeper reserve left. */
  | { name: "TaskRefunded"; taskId: number; poster: Address; amount: bigint; reason: RefundReasonName }
  /** A closeAuction or a reroute after a missed deadline paid its caller keeperFee (only when nonzero). */
  | { name: "KeeperPaid"; taskId: number; keeper: Address; amount: bigint }
  | { name: "Withdrawn"; account: Address; amount: bigint };
