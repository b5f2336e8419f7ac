import type { RandomStream } from "../engine/rng.js";
import type { Scenario } from "../scenario/schema.js";
import { ProviderAgent } from "./provider-agent.js";
import { providerNodes } from "./provider-nodes.js";

/** One agent per provider of each group, in scenario order; each with its own random stream. */
export function buildAgents(scenario: Scenario, rng: RandomStream): ProviderAgent[] {
  const agents: ProviderAgent[] = [];
  const pricing = rng.fork("pricing");
  for (const { index, node, address, group } of providerNodes(scenario)) {
    agents.push(
      new ProviderAgent(
        node,
        index,
        address,
        group.group,
        group.region,
        group.capacity,
        group.speed,
        group.costPerSecond,
        group.strategy,
        group.stake,
        pricing.fork(node),
      ),
    );
  }
  return agents;
}
