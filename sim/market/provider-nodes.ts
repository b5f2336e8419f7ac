import { actorAddress } from "../ledger/actors.js";
import type { Address } from "../protocol/actions.js";
import type { ProviderGroup, Scenario } from "../scenario/schema.js";

/** One provider of a scenario: its node name, its account and the group it belongs to. */
export interface ProviderNode {
  /** Position among all providers, in scenario order. */
  index: number;
  /** Node name in the failure timeline and the trace: `${group}#${i}`, i from 0 within the group. */
  node: string;
  /** Its account on the market, the same on the chain and the memory ledger. */
  address: Address;
  group: ProviderGroup;
}

/**
 * Every provider of a scenario, in scenario order. The one place that says which account is
 * which node: the market's agents are built from it, and run.json records it so a person can
 * name a provider `colo-use1#3` instead of by its address.
 * @example providerNodes(scenario).find((p) => p.node === "use1#0")?.address
 */
export function providerNodes(scenario: Scenario): ProviderNode[] {
  const nodes: ProviderNode[] = [];
  for (const group of scenario.providers) {
    for (let i = 0; i < group.count; i += 1) {
      nodes.push({ index: nodes.length, node: `${group.group}#${i}`, address: actorAddress("provider", nodes.length), group });
    }
  }
  return nodes;
}
