// Routes of the live market: inject outages, list them, and follow the market as it happens
// (server-sent events).
import type { Request, Response } from "express";
import { HttpError } from "./errors.js";
import { KpisResponse } from "./kpi-schemas.js";
import { EventStreamText, LiveProvider, MAX_OUTAGE_SECONDS, Outage, OutageList, PostOutageRequest } from "./live-schemas.js";
import type { FeedMessage } from "./market-feed.js";
import type { MarketService } from "./market-service.js";
import { json, route, type RouteDef } from "./route-spec.js";
import { NoQuery } from "./schemas.js";

/** Streams open at once; more answer 503 (each holds a connection and a listener). */
export const MAX_STREAMS = 64;
/** A stream whose client has not read this much is ended: it fell behind. */
const MAX_STREAM_BACKLOG_BYTES = 1 << 20;
/** A comment line this often keeps proxies and browsers from closing an idle stream. */
const HEARTBEAT_MS = 15_000;

const NO_LIVE_MARKET = "no live market runs: start the server with --scenario";

export const liveRoutes: readonly RouteDef[] = [
  route({
    method: "post",
    path: "/api/outages",
    tag: "live market",
    summary: "Take a region or an upstream dependency offline in the live market",
    description: `Every provider of the live market in the region, or behind the dependency, goes offline now for \`duration\` virtual seconds (at most ${MAX_OUTAGE_SECONDS}), on top of the scenario's own failures; their assignments are rerouted once their deadlines pass.`,
    auth: true,
    body: PostOutageRequest,
    query: NoQuery,
    responses: {
      201: { description: "The outage has started", schema: Outage },
      404: { description: "No provider of the live market is in that region or behind that dependency" },
      409: { description: "No live market runs (the server was started without a scenario)" },
    },
    handler: async ({ body }, { market }) => {
      if (market.startOutage === undefined) throw new HttpError(409, { error: NO_LIVE_MARKET });
      const durationMs = body.duration * 1_000;
      const request = body.region !== undefined ? { region: body.region, durationMs } : { dependency: body.dependency!, durationMs };
      const outage = await market.startOutage(request);
      if (outage === undefined) {
        const where = body.region !== undefined ? `in region "${body.region}"` : `depends on "${body.dependency}"`;
        throw new HttpError(404, { error: `no provider of the live market ${where}` });
      }
      return json(201, outage);
    },
  }),
  route({
    method: "get",
    path: "/api/outages",
    tag: "live market",
    summary: "The live market's outage windows: the scenario's and those posted here",
    auth: false,
    query: NoQuery,
    responses: {
      200: { description: "Every outage window, in start order, as of now", schema: OutageList },
      409: { description: "No live market runs" },
    },
    handler: async (_input, { market }) => {
      if (market.outages === undefined) throw new HttpError(409, { error: NO_LIVE_MARKET });
      return json(200, market.outages());
    },
  }),
  route({
    method: "get",
    path: "/api/kpis",
    tag: "live market",
    summary: "The live market's key figures: on-time share, completion, latency p95, price per task, reroutes; a time series; the baselines' figures",
    description:
      "Folded from the market's events as blocks commit (an answer reads no chain). Shares are over decided tasks: completed within the scenario's deadline of their post, or past it. The same body comes as the stream's `kpis` event, at most once a second.",
    auth: false,
    query: NoQuery,
    responses: {
      200: { description: "The figures as of the latest block", schema: KpisResponse },
      409: { description: "No live market runs" },
    },
    handler: async (_input, { market }) => {
      if (market.kpis === undefined) throw new HttpError(409, { error: NO_LIVE_MARKET });
      return json(200, market.kpis());
    },
  }),
  route({
    method: "get",
    path: "/api/live/providers",
    tag: "live market",
    summary: "The live market's providers as they are now: online state, stake, running tasks",
    auth: false,
    query: NoQuery,
    responses: { 200: { description: "Every provider of the live market (none without one)", schema: LiveProvider.array() } },
    handler: async (_input, { market }) => json(200, market.snapshot().providers),
  }),
  route({
    method: "get",
    path: "/api/stream",
    tag: "live market",
    summary: "The market as it happens: server-sent events",
    auth: false,
    query: NoQuery,
    responses: {
      200: { description: "An event stream", schema: EventStreamText, contentType: "text/event-stream" },
      503: { description: "Too many streams are open" },
    },
    handler: async (_input, { market }) => {
      if (market.feed.size >= MAX_STREAMS) throw new HttpError(503, { error: `too many event streams are open (at most ${MAX_STREAMS}); retry later` });
      return { stream: (req, res) => openStream(market, req, res) };
    },
  }),
];

/** Sends the snapshot, then every feed message, until the client leaves or the server closes. */
function openStream(market: MarketService, req: Request, res: Response): void {
  res.status(200);
  res.set({ "Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-cache, no-transform", "X-Accel-Buffering": "no" });
  res.flushHeaders();
  let open = true;
  let unsubscribe = (): void => undefined;
  const send = (event: string, data: unknown): void => {
    if (!open) return;
    res.write(`event: ${event}\ndata: ${JSON.stringify(data, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v))}\n\n`);
    if (res.writableLength > MAX_STREAM_BACKLOG_BYTES) end();
  };
  const heartbeat = setInterval(() => {
    if (open) res.write(": keep-alive\n\n");
  }, HEARTBEAT_MS);
  heartbeat.unref();
  const end = (): void => {
    if (!open) return;
    open = false;
    clearInterval(heartbeat);
    unsubscribe();
    res.end();
  };
  req.on("close", end);
  res.write("retry: 3000\n\n");
  send("snapshot", market.snapshot());
  unsubscribe = market.feed.subscribe((message: FeedMessage) => send(message.type, message.data), end);
}
