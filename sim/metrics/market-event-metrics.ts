// What a market event adds to the market's metrics: the one rule the simulation (as each block's
// events arrive) and the audit (replaying a run's exported chain log) both count by, so an audit
// recomputes the figures the way the run made them.
import type { MarketEvent } from "../protocol/events.js";
import type { MetricsCollector } from "./collector.js";

/**
 * Counts one event. `simId` is the workload task it concerns (null for a task outside the
 * workload, or an event of no task); `nameOf` names a provider in the reroute log.
 */
export function countMarketEvent(
  metrics: MetricsCollector,
  event: MarketEvent,
  simId: number | null,
  now: number,
  nameOf: (provider: string) => string,
): void {
  if (event.name === "ProviderSlashed") {
    metrics.slashes += 1;
    metrics.slashedWei += event.amount;
    return;
  }
  if (simId === null) return;
  switch (event.name) {
    case "ResultSubmitted":
      metrics.completed(simId, now, event.payment, nameOf(event.provider));
      break;
    case "TaskRefunded":
      metrics.refunded(simId);
      break;
    case "TaskRerouted":
      metrics.rerouted(simId, now, nameOf(event.provider), null, event.reason === "DeadlineMissed" ? "deadlineMissed" : "abandoned");
      break;
    case "TaskReopened":
      metrics.reauctioned(simId);
      break;
    default:
      break;
  }
}
