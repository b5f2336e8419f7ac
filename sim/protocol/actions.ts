// What market participants do: one action per transaction, in the contract's own terms (wei,
// seconds, region names, mechanism names). The memory model runs them; the chain adapter encodes
// them as calls of ComputeMarket.
import type { MechanismName } from "./enums.js";

/** A checksummed account address. */
export type Address = string;

/**
 * Something a market participant does; each action is one transaction, atomic on its own. The
 * kinds cover every mutating function of IComputeMarket: `bids` is placeBid / placeBids,
 * `close` closeAuction / closeAuctions, `reroute` reroute / rerouteTasks (the batch and the
 * single-task entry points do the same thing; the chain encoder picks one).
 */
export type MarketAction =
  | { kind: "register"; from: Address; region: string; capacity: number; stake: bigint }
  | {
      kind: "post";
      from: Address;
      /** The bid cap, wei. */
      maxPrice: bigint;
      /**
       * Wei sent on top of maxPrice for the keepers: the market's keeperReserve (keeperReserve(config)).
       * The call carries maxPrice + keeperReserve; the contract takes the reserve back off.
       */
      keeperReserve: bigint;
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
  | { kind: "withdraw"; from: Address }
  /** The poster takes back an open task that has no bids. */
  | { kind: "cancel"; from: Address; taskId: number }
  | { kind: "addStake"; from: Address; amount: bigint }
  | { kind: "updateCapacity"; from: Address; capacity: number }
  | { kind: "requestStakeWithdrawal"; from: Address; amount: bigint }
  | { kind: "withdrawStake"; from: Address };

/** The kinds of action, one per group of the contract's mutating functions. */
export type MarketActionKind = MarketAction["kind"];
