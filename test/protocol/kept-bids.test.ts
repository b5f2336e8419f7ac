import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { keepBid, keepPrice, keptPosition, wouldKeep } from "../../sim/protocol/kept-bids.js";

// The kept-bid rule (FallbackBids.insert) against its plainest statement: of all the bids of a
// round, in arrival order, a task keeps the first `depth` of a stable sort by price.

const SEED = 1010;

interface Bid {
  id: number;
  price: bigint;
}

/** The oracle: a stable sort by price (ties stay in arrival order), cut at depth. */
function keptByOracle(bids: readonly Bid[], depth: number): Bid[] {
  return [...bids].sort((x, y) => (x.price < y.price ? -1 : x.price > y.price ? 1 : 0)).slice(0, depth);
}

const arrivals = fc.tuple(fc.integer({ min: 1, max: 8 }), fc.array(fc.bigInt({ min: 1n, max: 6n }), { maxLength: 24 }));

describe("the kept-bid rule", () => {
  it("keeps, after every bid, what a stable sort of the bids so far cut at depth keeps", () => {
    fc.assert(
      fc.property(arrivals, ([depth, prices]) => {
        const kept: Bid[] = [];
        const bids: Bid[] = [];
        for (const [id, price] of prices.entries()) {
          const bid = { id, price };
          const expected = keptByOracle([...bids, bid], depth);
          const willKeep = wouldKeep(
            kept.map((b) => b.price),
            depth,
            price,
          );
          expect(keepBid(kept, depth, bid, (b) => b.price)).toBe(expected.includes(bid));
          expect(willKeep).toBe(expected.includes(bid));
          bids.push(bid);
          expect(kept).toEqual(expected);
        }
      }),
      { seed: SEED, numRuns: 500 },
    );
  });

  it("keepPrice keeps the same prices as keepBid", () => {
    fc.assert(
      fc.property(arrivals, ([depth, prices]) => {
        const bare: bigint[] = [];
        const bids: Bid[] = [];
        for (const [id, price] of prices.entries()) {
          expect(keepPrice(bare, depth, price)).toBe(keepBid(bids, depth, { id, price }, (b) => b.price));
          expect(bare).toEqual(bids.map((b) => b.price));
        }
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  it("puts a tie after the bids already kept, and does not keep a tie with the last of a full list", () => {
    expect(keptPosition([1n, 2n], 3, 2n, (p) => p)).toBe(2);
    expect(keptPosition([1n, 2n, 3n], 3, 3n, (p) => p)).toBe(-1);
    expect(keptPosition([1n, 2n, 3n], 3, 2n, (p) => p)).toBe(2);
    expect(wouldKeep([1n, 2n, 3n], 3, 1n)).toBe(true);
    expect(wouldKeep([], 1, 99n)).toBe(true);
    const kept = [1n, 2n, 3n];
    expect(keepPrice(kept, 3, 0n)).toBe(true);
    expect(kept).toEqual([0n, 1n, 2n]);
  });
});
