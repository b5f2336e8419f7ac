import type { MetricsCollector } from "../metrics/collector.js";
import { MarketSystem } from "./market-system.js";
import type { MarketRunOptions } from "./market-types.js";

/**
 * Runs the market over a fixed workload and failure timeline as fast as the ledger allows,
 * stepping the engine one event at a time and awaiting each block's commit, so simulated time
 * never runs ahead of the chain.
 */
export async function runMarket(options: MarketRunOptions): Promise<MetricsCollector> {
  const system = new MarketSystem(options);
  system.scheduleWorkload();
  system.scheduleTimeline(options.timeline);
  system.start();
  while (await system.step()) {
    // every event is handled inside step
  }
  return system.metrics;
}
