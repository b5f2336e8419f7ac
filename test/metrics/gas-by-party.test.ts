// Gas split by who sent each transaction: providers (they registered), posters (they posted a
// task), keepers (everyone else), with hand-computed totals.
import { describe, expect, it } from "vitest";
import { GasBySender } from "../../sim/metrics/gas-by-party.js";
import type { MarketEvent } from "../../sim/protocol/events.js";

const PROVIDER = "0x00000000000000000000000000000000000000A1";
const POSTER = "0x00000000000000000000000000000000000000B2";
const KEEPER = "0x00000000000000000000000000000000000000C3";

describe("GasBySender", () => {
  it("sums each sender's transactions into its party, reverted ones included, whatever the address case", () => {
    const gas = new GasBySender();
    gas.addTransaction(PROVIDER, 120_000n); // register
    gas.addTransaction(POSTER, "182000"); // post
    gas.addTransaction(PROVIDER.toLowerCase(), 7_176n); // a bid
    gas.addTransaction(KEEPER, 88_000n); // close
    gas.addTransaction(POSTER, 21_500n); // a reverted cancel: still paid for
    gas.addTransaction(KEEPER, 60_000n); // reroute
    // Roles come from events, whenever they arrive.
    gas.noteEvent({ name: "ProviderRegistered", provider: PROVIDER, region: "r1", capacity: 2, stake: 1n } as MarketEvent);
    gas.noteEvent({ name: "TaskPosted", taskId: 1, poster: POSTER.toLowerCase(), maxPrice: 1n, requirementsHash: "0x" } as unknown as MarketEvent);
    expect(gas.summarize()).toEqual({
      posters: { gas: "203500", transactions: 2 },
      providers: { gas: "127176", transactions: 2 },
      keepers: { gas: "148000", transactions: 2 },
    });
  });

  it("counts a sender that both registered and posted as a provider, and is empty with no transactions", () => {
    const gas = new GasBySender();
    expect(gas.summarize()).toEqual({ posters: { gas: "0", transactions: 0 }, providers: { gas: "0", transactions: 0 }, keepers: { gas: "0", transactions: 0 } });
    gas.addTransaction(PROVIDER, 10n);
    gas.noteEvent({ name: "TaskPosted", taskId: 1, poster: PROVIDER, maxPrice: 1n, requirementsHash: "0x" } as unknown as MarketEvent);
    gas.noteEvent({ name: "ProviderRegistered", provider: PROVIDER, region: "r1", capacity: 1, stake: 1n } as MarketEvent);
    expect(gas.summarize().providers).toEqual({ gas: "10", transactions: 1 });
  });
});
