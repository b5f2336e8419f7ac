// Prometheus metrics: the API's requests (count and latency by route and status), the process's
// defaults, and the market's state read from the ledger when scraped.
import type { RequestHandler } from "express";
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { MarketService } from "./market-service.js";
import { STATUS_PARAM } from "./views.js";

/** The route label of a request no route matched: one label, not one per path tried. */
export const UNMATCHED_ROUTE = "unmatched";

export interface ApiMetrics {
  readonly registry: Registry;
  /** Times every request; mount before the routes. */
  readonly middleware: RequestHandler;
  /** Reads the ledger into the market metrics, then renders every metric as Prometheus text. */
  render(market: MarketService): Promise<string>;
}

/** A registry of its own per app, so apps in one process (tests) do not share counters. */
export function createMetrics(): ApiMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "bidmesh_" });

  const labelNames = ["method", "route", "status"] as const;
  const requests = new Counter({ name: "bidmesh_http_requests_total", help: "HTTP requests answered, by method, route and status", labelNames, registers: [registry] });
  const latency = new Histogram({
    name: "bidmesh_http_request_duration_seconds",
    help: "HTTP request latency, by method, route and status",
    labelNames,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const tasks = new Gauge({ name: "bidmesh_tasks", help: "Market tasks by state, from the chain's events", labelNames: ["state"] as const, registers: [registry] });
  const bids = new Counter({ name: "bidmesh_bids_total", help: "Bids placed on the market (BidPlaced events)", registers: [registry] });
  const reroutes = new Counter({ name: "bidmesh_reroutes_total", help: "Tasks rerouted away from a failed provider (TaskRerouted events)", registers: [registry] });
  const chainUp = new Gauge({ name: "bidmesh_chain_up", help: "1 when the chain answered the last scrape, else 0", registers: [registry] });
  const blockNumber = new Gauge({ name: "bidmesh_chain_block_number", help: "The chain's latest block at the last scrape", registers: [registry] });

  for (const state of Object.values(STATUS_PARAM)) tasks.set({ state }, 0);
  let countedBids = 0;
  let countedReroutes = 0;

  const middleware: RequestHandler = (req, res, next) => {
    const stop = latency.startTimer();
    res.once("finish", () => {
      const route = typeof res.locals["route"] === "string" ? res.locals["route"] : UNMATCHED_ROUTE;
      const labels = { method: req.method, route, status: String(res.statusCode) };
      stop(labels);
      requests.inc(labels);
    });
    next();
  };

  const refreshLedger = async (market: MarketService): Promise<void> => {
    try {
      // The history is folded as blocks arrive: a scrape reads its counts, never the events.
      const history = await market.history();
      const statuses = history.statusCounts();
      for (const [status, state] of Object.entries(STATUS_PARAM) as Array<[keyof typeof STATUS_PARAM, string]>) tasks.set({ state }, statuses.get(status) ?? 0);
      // Counters only go up: add what the ledger holds beyond what was counted.
      const bidTotal = history.count("BidPlaced");
      const rerouteTotal = history.count("TaskRerouted");
      if (bidTotal > countedBids) bids.inc(bidTotal - countedBids);
      if (rerouteTotal > countedReroutes) reroutes.inc(rerouteTotal - countedReroutes);
      countedBids = Math.max(countedBids, bidTotal);
      countedReroutes = Math.max(countedReroutes, rerouteTotal);
      blockNumber.set(history.lastBlock ?? market.deployBlock);
      const health = await market.health();
      if (health.blockNumber !== null) blockNumber.set(health.blockNumber);
      chainUp.set(health.reachable ? 1 : 0);
    } catch {
      // The chain did not answer: keep the last values, say so.
      chainUp.set(0);
    }
  };

  return {
    registry,
    middleware,
    render: async (market) => {
      await refreshLedger(market);
      return registry.metrics();
    },
  };
}
