// The market's providers and the ways the system looks them up: by chain address (events name
// providers by address), by node id (the failure timeline and the holds name nodes), by region
// (a task is offered to the providers that may serve it). Built once; the agents are never
// replaced, only mutated, so every index stays valid for the whole run.
import type { Address } from "../protocol/actions.js";
import type { ProviderAgent } from "./provider-agent.js";

export class ProviderRoster {
  readonly agents: readonly ProviderAgent[];
  /**
   * Agents that may have a result to submit or an assignment to abandon at the next block; the
   * block loop clears it as it builds the block, so an idle provider costs nothing per block.
   */
  readonly needsAction = new Set<number>();
  private readonly byAddress: ReadonlyMap<Address, ProviderAgent>;
  private readonly byNode: ReadonlyMap<string, ProviderAgent>;
  private readonly byRegion = new Map<string, ProviderAgent[]>();

  constructor(agents: readonly ProviderAgent[]) {
    this.agents = agents;
    this.byAddress = new Map(agents.map((a) => [a.address, a]));
    this.byNode = new Map(agents.map((a) => [a.nodeId, a]));
    for (const agent of agents) {
      const list = this.byRegion.get(agent.region) ?? [];
      list.push(agent);
      this.byRegion.set(agent.region, list);
    }
  }

  /** The agent at `address`; undefined for a provider that is not ours (an --rpc-url node, a resumed market). */
  at(address: Address): ProviderAgent | undefined {
    return this.byAddress.get(address);
  }

  /** The agent running node `nodeId`, if it is one of this market's. */
  node(nodeId: string): ProviderAgent | undefined {
    return this.byNode.get(nodeId);
  }

  /** The providers a task in `region` may be offered to, in agent order ("any": all of them). */
  poolFor(region: string): readonly ProviderAgent[] {
    return region === "any" ? this.agents : (this.byRegion.get(region) ?? []);
  }
}
