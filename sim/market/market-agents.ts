import type { RandomStream } from "../engine/rng.js";
import { actorAddress } from "../ledger/actors.js";
import type { Scenario } from "../scenario/schema.js";
import { ProviderAgent } from "./provider-agent.js";

/** One agent per provider of each group, in scenario order; each with its own random stream. */
export function buildAgents(scenario: Scenario, rng: RandomStream): ProviderAgent[] {
  const agents: ProviderAgent[] = [];
  const pricing = rng.fork("pricing");
  for (const group of scenario.providers) {
    for (let i = 0; i < group.count; i += 1) {
      const nodeId = `${group.group}#${i}`;
      agents.push(
        new ProviderAgent(
          nodeId,
          agents.length,
          actorAddress("provider", agents.length),
          group.group,
          group.region,
          group.capacity,
          group.speed,
          group.costPerSecond,
          group.strategy,
          group.stake,
          pricing.fork(nodeId),
        ),
      );
    }
  }
  return agents;
}

/** Inserts `price` into the ascending list, keeping at most `depth` (an equal price goes after: ties keep the earlier bid). */
export function keepPrice(kept: bigint[], price: bigint, depth: number): void {
  let i = kept.length;
  while (i > 0 && kept[i - 1]! > price) i -= 1;
  if (i >= depth) return;
  kept.splice(i, 0, price);
  if (kept.length > depth) kept.pop();
}
