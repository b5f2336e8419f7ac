// The kept-bid rule: which bids a task keeps as its winner and fallbacks. The contract's
// FallbackBids.insert is the rule; this is its one TypeScript mirror, used by the memory model
// (the kept list itself), the provider agents (the prices they have seen kept) and the block
// loop (whether a bid is worth its gas). test/protocol/kept-bids.test.ts checks it against a
// stable sort, and the memory-vs-contract tests check the memory model, and so this, against
// the contract.

/**
 * Where a bid at `price` goes in `kept` (sorted by price, cheapest first, at most `depth`
 * long), or -1 when it is not kept. An equal price goes after the bids already kept: ties keep
 * the earlier bid first, so a bid that only ties the last of a full list is not kept.
 * @example keptPosition([1n, 3n], 3, 2n, (p) => p) // 1
 */
export function keptPosition<T>(kept: readonly T[], depth: number, price: bigint, priceOf: (entry: T) => bigint): number {
  let i = Math.min(kept.length, depth);
  while (i > 0 && priceOf(kept[i - 1]!) > price) i -= 1;
  return i < depth ? i : -1;
}

/**
 * Inserts `entry` into `kept` by the rule, dropping the most expensive entry of a full list.
 * @returns whether the entry was kept.
 * @example keepBid(kept, 3, { provider, price }, (b) => b.price)
 */
export function keepBid<T>(kept: T[], depth: number, entry: T, priceOf: (entry: T) => bigint): boolean {
  const i = keptPosition(kept, depth, priceOf(entry), priceOf);
  if (i < 0) return false;
  kept.splice(i, 0, entry);
  if (kept.length > depth) kept.length = depth;
  return true;
}

const itself = (price: bigint): bigint => price;

/** keepBid for a list of bare prices. */
export function keepPrice(kept: bigint[], depth: number, price: bigint): boolean {
  return keepBid(kept, depth, price, itself);
}

/** Whether a bid at `price` would be kept by a task whose kept prices are `kept`. */
export function wouldKeep(kept: readonly bigint[], depth: number, price: bigint): boolean {
  return keptPosition(kept, depth, price, itself) >= 0;
}
