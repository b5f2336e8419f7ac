// The API's one route table: app.ts serves it and openapi.ts documents it, so the document
// lists exactly the routes served.
import { parseEther } from "ethers";
import type { MechanismName } from "../sim/protocol/enums.js";
import { annotate, type Plain } from "./annotate.js";
import { HttpError } from "./errors.js";
import { requireKnownRegion } from "./known-regions.js";
import type { MarketService, OfflineHold } from "./market-service.js";
import {
  AddressParams,
  BidPage,
  EventPage,
  HealthResponse,
  LedgerBidsQuery,
  LedgerEventsQuery,
  HtmlPage,
  MetricsText,
  NoQuery,
  OpenApiDocument,
  PostTaskRequest,
  PostTaskResponse,
  ProviderDetail,
  ProviderListQuery,
  ProviderOnlineResponse,
  ProviderPage,
  TaskDetail,
  TaskIdParams,
  TaskListQuery,
  TaskPage,
  type LedgerBidJson,
  type MechanismParam,
} from "./schemas.js";
import { json, route, type RouteDef } from "./route-spec.js";
import { liveRoutes } from "./live/live-routes.js";
import { experimentRoutes } from "./experiment-routes.js";
import { simulationRoutes } from "./simulation-routes.js";
import { DOCS_PAGE } from "./static.js";
import { eventJson, newestFirst, paginate, providerDetail, providerSummary, taskDetail, taskSummary } from "./views.js";
import { accountsOf } from "../sim/protocol/logged-event.js";

const MECHANISM_NAME: Record<MechanismParam, MechanismName> = { "first-price": "FirstPrice", "second-price": "SecondPrice" };

/** The answer of every route that asks the chain, when the chain cannot be used (see chain-deadline.ts). */
const CHAIN_UNAVAILABLE = {
  description: "The chain did not answer within the chain deadline (serve --chain-timeout), cannot be reached, or the live market is reconnecting to it; the message says which, and for a post whether it may still land",
};

export const routes: readonly RouteDef[] = [
  route({
    method: "post",
    path: "/api/tasks",
    tag: "tasks",
    summary: "Post a task",
    description: "Escrows maxPrice plus the market's keeper reserve (keeperFee × maxRounds × (fallbackDepth + 1), which pays whoever closes or reroutes the task; what is left goes back to the poster) from the API's poster account and opens the task for bids, in one block. A request the contract refuses answers 409 with the custom error and changes nothing on chain.",
    auth: true,
    body: PostTaskRequest,
    query: NoQuery,
    responses: {
      201: { description: "The task was posted", schema: PostTaskResponse },
      409: { description: "The contract refused the task: its custom error and arguments" },
      503: CHAIN_UNAVAILABLE,
    },
    handler: async ({ body }, { market }) => {
      await requireKnownRegion(market, body.region, { allowAny: true });
      const posted = await market.postTask({
        sizeMs: Math.round(body.size * 1000),
        maxPrice: parseEther(body.maxPrice),
        deadlineBudget: body.deadlineBudget,
        region: body.region,
        mechanism: MECHANISM_NAME[body.mechanism],
      });
      return json(201, posted);
    },
  }),
  route({
    method: "get",
    path: "/api/tasks",
    tag: "tasks",
    summary: "List tasks, newest first",
    auth: false,
    query: TaskListQuery,
    responses: { 200: { description: "A page of tasks", schema: TaskPage }, 503: CHAIN_UNAVAILABLE },
    handler: async ({ query }, { market }) => {
      const history = await market.history();
      const tasks = history
        .tasks()
        .map(taskSummary)
        .filter((t) => query.status === undefined || t.status === query.status)
        .filter((t) => query.poster === undefined || t.poster === query.poster)
        .reverse();
      const bidders = query.provider === undefined ? undefined : new Set(history.account(query.provider)?.bids.map((b) => b.taskId));
      const matching = bidders === undefined ? tasks : tasks.filter((t) => bidders.has(t.taskId));
      return json(200, await annotate(market, paginate(matching, query.page, query.pageSize)));
    },
  }),
  route({
    method: "get",
    path: "/api/tasks/:id",
    tag: "tasks",
    summary: "A task's history from the chain",
    description: "State, every bid, awards, skipped fallbacks, reroutes, re-auctions, the result and payment or the refund, and every event.",
    auth: false,
    query: NoQuery,
    params: TaskIdParams,
    responses: {
      200: { description: "The task", schema: TaskDetail },
      404: { description: "No task has this id" },
      503: CHAIN_UNAVAILABLE,
    },
    handler: async ({ params }, { market }) => {
      const history = (await market.history()).task(params.id);
      if (history === undefined) throw new HttpError(404, { error: `task ${params.id} not found` });
      return json(200, await annotate(market, taskDetail(history)));
    },
  }),
  route({
    method: "get",
    path: "/api/ledger/bids",
    tag: "ledger",
    summary: "On-chain bids, newest first",
    auth: false,
    query: LedgerBidsQuery,
    responses: { 200: { description: "A page of bids", schema: BidPage }, 503: CHAIN_UNAVAILABLE },
    handler: async ({ query }, { market }) => {
      const events = await market.readEvents({
        names: ["BidPlaced"],
        taskId: query.task,
        account: query.provider,
        fromBlock: query.fromBlock,
        toBlock: query.toBlock,
      });
      const bids = newestFirst(events).flatMap(({ event: e, blockNumber, transactionHash, logIndex }): Array<Plain<LedgerBidJson>> =>
        e.name === "BidPlaced" ? [{ taskId: e.taskId, provider: e.provider, price: e.price.toString(), round: e.round, blockNumber, transactionHash, logIndex }] : [],
      );
      return json(200, await annotate(market, paginate(bids, query.page, query.pageSize)));
    },
  }),
  route({
    method: "get",
    path: "/api/ledger/events",
    tag: "ledger",
    summary: "Every market event, newest first",
    auth: false,
    query: LedgerEventsQuery,
    responses: { 200: { description: "A page of events", schema: EventPage }, 503: CHAIN_UNAVAILABLE },
    handler: async ({ query }, { market }) => {
      const events = await market.readEvents({
        names: query.name === undefined ? undefined : [query.name],
        taskId: query.task,
        account: query.account ?? query.provider,
        fromBlock: query.fromBlock,
        toBlock: query.toBlock,
      });
      const matching = events.filter(
        ({ event }) =>
          (query.provider === undefined || ("provider" in event && event.provider === query.provider)) &&
          (query.account === undefined || accountsOf(event).includes(query.account)),
      );
      return json(200, await annotate(market, paginate(newestFirst(matching).map(eventJson), query.page, query.pageSize)));
    },
  }),
  route({
    method: "get",
    path: "/api/providers",
    tag: "providers",
    summary: "Registered providers, in registration order",
    auth: false,
    query: ProviderListQuery,
    responses: { 200: { description: "A page of providers", schema: ProviderPage }, 503: CHAIN_UNAVAILABLE },
    handler: async ({ query }, { market }) => {
      const providers = (await market.history()).providers().map(providerSummary);
      return json(200, await annotate(market, paginate(providers, query.page, query.pageSize)));
    },
  }),
  route({
    method: "get",
    path: "/api/providers/:address",
    tag: "providers",
    summary: "A provider's state and record, from the chain's events",
    auth: false,
    query: NoQuery,
    params: AddressParams,
    responses: {
      200: { description: "The provider", schema: ProviderDetail },
      404: { description: "No provider is registered at this address" },
      503: CHAIN_UNAVAILABLE,
    },
    handler: async ({ params }, { market }) => {
      const provider = (await market.history()).account(params.address);
      if (provider?.registered === undefined) throw new HttpError(404, { error: `no provider is registered at ${params.address}` });
      return json(200, await annotate(market, providerDetail(provider, market.live?.providerOnline(params.address) ?? null)));
    },
  }),
  providerSwitch("offline"),
  providerSwitch("online"),
  route({
    method: "get",
    path: "/api/health",
    tag: "service",
    summary: "Whether the chain answers, its latest block, the market",
    description:
      "Answers within its own short deadline (1.5 s) whatever the chain does. chain.reachable says whether the chain answered; market.state whether the live market runs, waits for a chain that stopped answering (stalled), or reconnects to it after a failed block (reconnecting: it resumes from the chain's state when the chain answers).",
    auth: false,
    query: NoQuery,
    responses: {
      200: { description: "The chain answers", schema: HealthResponse },
      503: { description: "The chain does not answer within the health deadline (at most 1.5 s)", schema: HealthResponse },
    },
    handler: async (_input, { market }) => {
      const chain = await market.health();
      const body = {
        status: chain.reachable ? "ok" : "unavailable",
        chain,
        market: { address: market.marketAddress, deployBlock: market.deployBlock, ...market.status() },
      };
      return json(chain.reachable ? 200 : 503, body);
    },
  }),
  route({
    method: "get",
    path: "/metrics",
    tag: "service",
    summary: "Prometheus metrics",
    auth: false,
    query: NoQuery,
    responses: {
      200: {
        description: "Requests, latencies, tasks by state, bids, reroutes; within the chain deadline, with bidmesh_chain_up 0 and the last values when the chain does not answer",
        schema: MetricsText,
        contentType: "text/plain",
      },
    },
    handler: async (_input, { market, metrics }) => ({
      status: 200,
      text: await metrics.render(market),
      contentType: metrics.registry.contentType,
    }),
  }),
  route({
    method: "get",
    path: "/openapi.json",
    tag: "service",
    summary: "This API's OpenAPI document",
    auth: false,
    query: NoQuery,
    responses: { 200: { description: "The OpenAPI 3.1 document", schema: OpenApiDocument } },
    handler: async (_input, { openapi }) => json(200, openapi()),
  }),
  route({
    method: "get",
    path: "/docs",
    tag: "service",
    summary: "This API's documentation page (Swagger UI over /openapi.json, served locally)",
    auth: false,
    query: NoQuery,
    responses: { 200: { description: "An HTML page", schema: HtmlPage, contentType: "text/html" } },
    handler: async () => ({ status: 200, text: DOCS_PAGE, contentType: "text/html; charset=utf-8" }),
  }),
  ...liveRoutes,
  ...simulationRoutes,
  ...experimentRoutes,
];

/** POST /api/providers/:address/offline or /online: fault injection into the live market. */
function providerSwitch(state: "offline" | "online"): RouteDef {
  const up = state === "online";
  return route({
    method: "post",
    path: `/api/providers/:address/${state}`,
    tag: "providers",
    summary: up ? "Bring a live-market provider back online" : "Take a live-market provider offline",
    description: up
      ? "The provider bids and executes again from the next block; an assignment it lost while down is abandoned if its deadline has not passed."
      : "The provider stops bidding and loses the work it was running; its assignments are rerouted by the keeper once their deadlines pass.",
    auth: true,
    query: NoQuery,
    params: AddressParams,
    responses: {
      200: { description: "The provider's new state", schema: ProviderOnlineResponse },
      404: { description: "No provider of the live market has this address" },
      409: {
        description: up
          ? "No live market runs, or an outage (or the scenario's failure timeline) still holds the provider offline: `heldBy` says which; nothing changed"
          : "No live market runs (the server was started without a scenario)",
      },
    },
    handler: async ({ params }, { market }) => {
      const live = market.live;
      if (live === undefined) throw new HttpError(409, { error: "no live market runs: start the server with --scenario" });
      const holds = up ? live.offlineHolds(params.address) : [];
      if (holds.length > 0) throw stillHeld(params.address, holds);
      const known = await live.setProviderOnline(params.address, up);
      if (!known) throw new HttpError(404, { error: `no provider of the live market is at ${params.address}` });
      return json(200, { address: params.address, online: up });
    },
  });
}

/** The 409 for bringing online a provider something else holds offline: what holds it, until when. */
function stillHeld(address: string, holds: OfflineHold[]): HttpError {
  const seconds = (ms: number): string => `${ms / 1000} s`;
  const what = holds
    .map((h) => (h.outage === null ? h.name : `outage ${h.outage} (${h.name}) until virtual time ${seconds(h.end!)}`))
    .join(", and by ");
  return new HttpError(409, {
    error: `provider ${address} stays offline: it is held by ${what}; nothing changed (post again once that ends)`,
    heldBy: holds,
  });
}
