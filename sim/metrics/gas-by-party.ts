// Who paid the market's gas: on a real chain the sender of each transaction pays for it, so the
// gas of a run splits by its senders' roles. A sender is a provider if it registered
// (ProviderRegistered), a poster if it posted a task (TaskPosted), and a keeper otherwise (it only
// closed auctions, rerouted or refunded). The simulation (as blocks land) and the audit (from the
// exported chain log) feed the same transactions and events here, so they split gas the same way.
import type { MarketEvent } from "../protocol/events.js";

export type Party = "posters" | "providers" | "keepers";
export const PARTIES: readonly Party[] = ["posters", "providers", "keepers"];

/** Gas (decimal string, gas units) and transactions sent by one party. */
export interface PartyGas {
  gas: string;
  transactions: number;
}

export class GasBySender {
  private readonly bySender = new Map<string, { gas: bigint; transactions: number }>();
  private readonly providers = new Set<string>();
  private readonly posters = new Set<string>();

  /** One mined transaction (reverted ones too: their sender paid for them). */
  addTransaction(from: string, gasUsed: bigint | string): void {
    const key = from.toLowerCase();
    const entry = this.bySender.get(key) ?? { gas: 0n, transactions: 0 };
    entry.gas += BigInt(gasUsed);
    entry.transactions += 1;
    this.bySender.set(key, entry);
  }

  /** Learns senders' roles from the market's events. */
  noteEvent(event: MarketEvent): void {
    if (event.name === "ProviderRegistered") this.providers.add(event.provider.toLowerCase());
    else if (event.name === "TaskPosted") this.posters.add(event.poster.toLowerCase());
  }

  summarize(): Record<Party, PartyGas> {
    const totals: Record<Party, { gas: bigint; transactions: number }> = { posters: { gas: 0n, transactions: 0 }, providers: { gas: 0n, transactions: 0 }, keepers: { gas: 0n, transactions: 0 } };
    for (const [sender, { gas, transactions }] of this.bySender) {
      // A provider that also posted counts as a provider: registering is the stronger role.
      const party: Party = this.providers.has(sender) ? "providers" : this.posters.has(sender) ? "posters" : "keepers";
      totals[party].gas += gas;
      totals[party].transactions += transactions;
    }
    return Object.fromEntries(PARTIES.map((p) => [p, { gas: totals[p].gas.toString(), transactions: totals[p].transactions }])) as Record<Party, PartyGas>;
  }
}
