// Schemas of the live market's routes: outages, the event stream, the providers it shows.
import { z } from "zod";
import { DEFAULT_OUTAGE_LIMITS } from "./outage-book.js";
import { AddressOut, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, NameIn, Wei, wholeNumber } from "../schemas.js";

/** The longest outage the API takes: a week of virtual time. */
export const MAX_OUTAGE_SECONDS = 7 * 24 * 3_600;
const MAX_DEPENDENCY_BYTES = 64;

export const PostOutageRequest = z
  .strictObject({
    region: NameIn("expected a region name", "must not be empty").optional().openapi({ description: "take every provider in this region offline: a region the market knows (another answers 400 listing them)", example: "us-east-1" }),
    dependency: NameIn("expected a dependency name", "must not be empty", MAX_DEPENDENCY_BYTES)
      .optional()
      .openapi({ description: "take every provider that depends on this upstream service offline", example: "aws-us-east-1" }),
    duration: z
      .number({ error: "expected a whole number of seconds" })
      .int("expected a whole number of seconds")
      .min(1, "must be at least 1 second")
      .max(MAX_OUTAGE_SECONDS, `must be at most ${MAX_OUTAGE_SECONDS} seconds (a week)`)
      .openapi({ description: "virtual seconds the outage lasts", example: 600 }),
  })
  .refine((body) => (body.region === undefined) !== (body.dependency === undefined), {
    message: "give exactly one of region or dependency",
    path: ["region"],
  })
  .openapi("PostOutageRequest");

const OutageScope = z.union([
  z.object({ region: z.string() }),
  z.object({ dependency: z.string() }),
  z.object({ providers: z.array(z.string()).openapi({ description: "provider groups" }) }),
]);

export const Outage = z
  .object({
    id: z.string().openapi({ description: "scenario-N for the scenario's outages, api-N for those posted here", example: "api-1" }),
    source: z.enum(["scenario", "api"]),
    name: z.string(),
    scope: OutageScope,
    start: z.number().int().openapi({ description: "virtual ms from the live market's start" }),
    end: z.number().int().openapi({ description: "virtual ms; the outage (with its recovery) is over from here" }),
    startSeconds: z.number().openapi({ description: "start in virtual seconds, the unit POST /api/outages takes" }),
    endSeconds: z.number().openapi({ description: "end in virtual seconds" }),
    durationSeconds: z.number().openapi({ description: "end − start in virtual seconds: for a posted outage, its duration as posted" }),
    active: z.boolean(),
    affected: z.array(AddressOut).openapi({ description: "the providers it takes down" }),
  })
  .openapi("Outage");

export const OutageState = z.enum(["all", "current", "active", "pending", "ended"]).openapi("OutageState", {
  description: `current: active or pending (what the stream's snapshot shows); ended: of the ended ones, the latest ${DEFAULT_OUTAGE_LIMITS.maxEnded} (by default) are kept`,
});

export const OutageListQuery = z
  .strictObject({
    state: OutageState.optional().default("all"),
    page: wholeNumber(1, 1_000_000, "page number, from 1 (default 1)").optional().default(1),
    pageSize: wholeNumber(1, MAX_PAGE_SIZE, `outages per page (default ${DEFAULT_PAGE_SIZE})`).optional().default(DEFAULT_PAGE_SIZE),
  })
  .openapi("OutageListQuery");

export const OutageList = z
  .object({
    now: z.number().int().openapi({ description: "virtual ms now" }),
    page: z.number().int(),
    pageSize: z.number().int(),
    total: z.number().int().openapi({ description: "outages in this state, over all pages" }),
    outages: z.array(Outage),
  })
  .openapi("OutageList");

export const LiveProvider = z
  .object({
    address: AddressOut,
    nodeId: z.string(),
    group: z.string(),
    region: z.string(),
    dependsOn: z.array(z.string()),
    online: z.boolean(),
    stake: Wei,
    capacity: z.number().int().openapi({ description: "concurrent tasks it takes" }),
    running: z.number().int().openapi({ description: "assignments it holds now" }),
  })
  .openapi("LiveProvider");

/** Documents the stream's events (the body itself is text/event-stream). */
export const EventStreamText = z.string().openapi({
  description: [
    "Server-sent events. First `snapshot`: {now, speed, live, scenario, chainTimeZero (the chain timestamp of virtual time 0), providers: LiveProvider[], outages: Outage[]}.",
    "Then, as they happen: `block` {number, timestamp, now, txs}; `event`: a LedgerEvent (as in /api/ledger/events);",
    "`provider`: a LiveProvider whose online state changed; `outage`: an Outage when it starts (active) and ends;",
    "`kpis`: the body of GET /api/kpis, after a block, at most once a second.",
    "`chain` {state: down | up | resumed, market (as in /api/health), reconnects, error, chainTimeZero} when the chain stops or starts answering, and when the market resumed from its state (its virtual clock starts again at chainTimeZero).",
    "A comment line every 15 s keeps the connection open.",
  ].join(" "),
});
