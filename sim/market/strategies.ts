import type { RandomStream } from "../engine/rng.js";

/** How a provider prices its bids. Fractions are of its cost (cost-plus, random-band) or of the price (undercut). */
export type BidStrategy =
  | { kind: "cost-plus"; markup: number }
  | { kind: "undercut"; step: number; floorMarkup: number }
  | { kind: "random-band"; low: number; high: number };

/** What a provider knows when it prices a bid. */
export interface PricingInput {
  /** Its cost to run the task, in wei. */
  cost: bigint;
  maxPrice: bigint;
  /** The lowest bid seen on chain for the task this round, if any. */
  bestSeen: bigint | undefined;
}

const SCALE = 1_000_000n;

/** `amount × factor` in wei, with the factor rounded to a millionth. */
export function scale(amount: bigint, factor: number): bigint {
  return (amount * BigInt(Math.round(factor * Number(SCALE)))) / SCALE;
}

/**
 * The bid price, or undefined when the provider will not bid (it cannot cover its floor under
 * the task's maximum). Never above maxPrice, never zero.
 */
export function priceBid(strategy: BidStrategy, input: PricingInput, rng: RandomStream): bigint | undefined {
  const { cost, maxPrice, bestSeen } = input;
  let price: bigint;
  let floor: bigint;
  switch (strategy.kind) {
    case "cost-plus":
      floor = scale(cost, 1 + strategy.markup);
      price = floor;
      break;
    case "undercut": {
      floor = scale(cost, 1 + strategy.floorMarkup);
      // With a visible best bid, go one step under it; otherwise open one step under the maximum.
      const reference = bestSeen ?? maxPrice;
      price = scale(reference, 1 - strategy.step);
      if (price < floor) price = floor;
      break;
    }
    case "random-band":
      floor = scale(cost, 1 + strategy.low);
      price = scale(cost, 1 + rng.uniform(strategy.low, strategy.high));
      break;
  }
  if (floor > maxPrice) return undefined;
  if (price > maxPrice) price = maxPrice;
  return price > 0n ? price : 1n;
}
