// Routes of the live market: inject outages, list them, and follow the market as it happens
// (server-sent events).
import type { z } from "zod";
import { HttpError } from "../errors.js";
import { openStream } from "./event-stream.js";
import { KpisResponse } from "./kpi-schemas.js";
import { requireKnownRegion } from "../known-regions.js";
import { EventStreamText, LiveProvider, MAX_OUTAGE_SECONDS, Outage, OutageList, OutageListQuery, PostOutageRequest } from "./live-schemas.js";
import type { OutageJson } from "./market-feed.js";
import { DEFAULT_OUTAGE_LIMITS, OutageLimitError } from "./outage-book.js";
import { json, route, type RouteDef } from "../route-spec.js";
import { NoQuery } from "../schemas.js";
import { paginate } from "../views.js";
import { DEFAULT_STREAM_LIMITS } from "./stream-slots.js";

/** Streams open at once by default; more answer 503 (each holds a connection and a listener). */
export const MAX_STREAMS = DEFAULT_STREAM_LIMITS.max;

const NO_LIVE_MARKET = "no live market runs: start the server with --scenario";

export const liveRoutes: readonly RouteDef[] = [
  route({
    method: "post",
    path: "/api/outages",
    tag: "live market",
    summary: "Take a region or an upstream dependency offline in the live market",
    description: `Every provider of the live market in the region, or behind the dependency, goes offline now for \`duration\` virtual seconds (at most ${MAX_OUTAGE_SECONDS}), on top of the scenario's own failures; their assignments are rerouted once their deadlines pass. At most ${DEFAULT_OUTAGE_LIMITS.maxCurrent} posted outages (by default) may be active or pending at once.`,
    auth: true,
    body: PostOutageRequest,
    query: NoQuery,
    responses: {
      201: { description: "The outage has started", schema: Outage },
      404: { description: "No provider of the live market is in that region or behind that dependency" },
      409: { description: "No live market runs (the server was started without a scenario)" },
      429: { description: "The live market holds its most outages active or pending already (or too many requests from this client)" },
    },
    handler: async ({ body }, { market }) => {
      const live = market.live;
      if (live === undefined) throw new HttpError(409, { error: NO_LIVE_MARKET });
      if (body.region !== undefined) await requireKnownRegion(market, body.region, { allowAny: false });
      const durationMs = body.duration * 1_000;
      const request = body.region !== undefined ? { region: body.region, durationMs } : { dependency: body.dependency!, durationMs };
      const outage = await live.startOutage(request).catch((error: unknown) => {
        if (!(error instanceof OutageLimitError)) throw error;
        throw new HttpError(429, { error: `${error.message}: wait until one ends (the first ends at virtual ms ${error.nextEnd}), then retry` });
      });
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
    description: `A page of the windows in one state (default all), in start order. Ended windows leave the stream's snapshot; the latest ${DEFAULT_OUTAGE_LIMITS.maxEnded} (by default) stay here.`,
    auth: false,
    query: OutageListQuery,
    responses: {
      200: { description: "A page of outage windows, in start order, as of now", schema: OutageList },
      409: { description: "No live market runs" },
    },
    handler: async ({ query }, { market }) => {
      if (market.live === undefined) throw new HttpError(409, { error: NO_LIVE_MARKET });
      const { now, outages } = market.live.outages();
      const matching = outages.filter((o) => inState(o, query.state, now));
      const { items, ...page } = paginate(matching, query.page, query.pageSize);
      return json(200, { now, ...page, outages: items });
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
      if (market.live === undefined) throw new HttpError(409, { error: NO_LIVE_MARKET });
      return json(200, market.live.kpis());
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
    description: `Each client address may hold ${DEFAULT_STREAM_LIMITS.perClient} streams at once (by default), and the server ${DEFAULT_STREAM_LIMITS.max} in all; a stream whose client falls more than 1 MiB behind is ended (reconnect: the snapshot comes again).`,
    auth: false,
    query: NoQuery,
    responses: {
      200: { description: "An event stream", schema: EventStreamText, contentType: "text/event-stream" },
      429: { description: `This client address holds its share of streams (default ${DEFAULT_STREAM_LIMITS.perClient} at once), or too many requests` },
      503: { description: `Every stream slot is taken (default ${DEFAULT_STREAM_LIMITS.max} at once)` },
    },
    handler: async (_input, { market, streams }) => ({ stream: (req, res) => openStream(market, streams, req, res) }),
  }),
];

/** Whether `outage` is in `state` at virtual time `now`. */
function inState(outage: OutageJson, state: z.output<typeof OutageListQuery>["state"], now: number): boolean {
  switch (state) {
    case "all":
      return true;
    case "current":
      return now < outage.end;
    case "active":
      return outage.start <= now && now < outage.end;
    case "pending":
      return now < outage.start;
    case "ended":
      return now >= outage.end;
  }
}
