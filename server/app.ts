// The HTTP API as an express app, built without listening (index.ts listens; tests use it in
// process with supertest).
import express, { type Express, type RequestHandler } from "express";
import { rateLimit } from "express-rate-limit";
import helmet from "helmet";
import type { z } from "zod";
import { requireBearer } from "./auth.js";
import { CONTENT_SECURITY_DIRECTIVES } from "./content-security.js";
import { allowedHostNames, requireAllowedHost } from "./host-allowlist.js";
import { defaultErrorLogger, errorHandler, HttpError, notFoundHandler, RequestInputError, type ErrorLogger, type InputLocation } from "./errors.js";
import type { MarketService } from "./market-service.js";
import { IdempotencyStore, type IdempotencyOptions } from "./idempotency.js";
import { createMetrics, type ApiMetrics } from "./metrics.js";
import { buildOpenApiDocument } from "./openapi.js";
import { serveStatic } from "./static.js";
import { routes } from "./routes.js";
import type { RouteContext, RouteDef, RouteInput } from "./route-spec.js";
import type { ErrorResponse } from "./schemas.js";
import type { ExperimentJobs } from "./experiments/experiment-jobs.js";
import type { SimulationJobs } from "./simulations/simulation-jobs.js";
import { StreamSlots, type StreamLimits } from "./live/stream-slots.js";

export interface AppDeps {
  market: MarketService;
  /** Background simulation runs (POST /api/simulations); absent: those routes answer 503. The caller closes it. */
  simulations?: SimulationJobs;
  /** Background experiments (POST /api/experiments); absent: those routes answer 503. The caller closes it. */
  experiments?: ExperimentJobs;
  /** The bearer token mutating routes require. */
  token: string;
  /** Requests per client IP per window (default 600 a minute). */
  rateLimit?: { windowMs: number; limit: number };
  /** Largest JSON body, in express's notation (default "64kb"). */
  bodyLimit?: string;
  /** Where unexpected errors are logged (default stderr); they are never sent to clients. */
  logError?: ErrorLogger;
  /**
   * Host names the app answers (DNS-rebinding guard), on the port a request came in on; any
   * other Host gets 421. Default: the loopback names (see allowedHostNames).
   */
  allowedHosts?: readonly string[];
  /** Idempotency-Key on the mutating routes: the window, the keys kept, the wait for one in flight (default DEFAULT_IDEMPOTENCY). */
  idempotency?: Partial<IdempotencyOptions>;
  /** Event streams: at once in all, per client address, and the backlog that ends one (default DEFAULT_STREAM_LIMITS). */
  streams?: Partial<StreamLimits>;
}

export interface BidmeshApp extends Express {
  /** The app's metrics registry and middleware. */
  readonly metrics: ApiMetrics;
}

export const DEFAULT_RATE_LIMIT = { windowMs: 60_000, limit: 600 } as const;
export const DEFAULT_BODY_LIMIT = "64kb";

/** Builds the app; it does not listen. */
export function createApp(deps: AppDeps): BidmeshApp {
  const app = express();
  // The client is the socket's peer: X-Forwarded-For is never believed, so a forged one cannot
  // pick its own rate-limit bucket. Put a proxy in front only with a deliberate setting here.
  app.set("trust proxy", false);
  app.set("query parser", "simple");
  app.set("x-powered-by", false);
  // A last guard: a bigint that reaches res.json is written as a decimal string, not a throw.
  app.set("json replacer", (_key: string, value: unknown) => (typeof value === "bigint" ? value.toString() : value));

  const metrics = createMetrics();
  // The API speaks plain HTTP on loopback by default (TLS belongs to a proxy in front): no HSTS,
  // and no upgrade-insecure-requests, which would send a local page's requests to https.
  app.use(
    helmet({
      strictTransportSecurity: false,
      contentSecurityPolicy: { useDefaults: false, directives: CONTENT_SECURITY_DIRECTIVES },
    }),
  );
  app.use(requireAllowedHost(deps.allowedHosts ?? allowedHostNames(undefined)));
  app.use(metrics.middleware);
  const limits = deps.rateLimit ?? DEFAULT_RATE_LIMIT;
  app.use(
    rateLimit({
      windowMs: limits.windowMs,
      limit: limits.limit,
      standardHeaders: "draft-8",
      legacyHeaders: false,
      // X-Forwarded-For is ignored on purpose (see trust proxy above): no warning for it.
      validate: { xForwardedForHeader: false, forwardedHeader: false },
      handler: (_req, res, _next, options) => {
        res.status(options.statusCode).json({ error: "too many requests: slow down and retry after the Retry-After seconds" } satisfies ErrorResponse);
      },
    }),
  );

  let openapi: object | undefined;
  const ctx: RouteContext = {
    market: deps.market,
    metrics,
    simulations: deps.simulations,
    experiments: deps.experiments,
    streams: new StreamSlots(deps.streams),
    openapi: () => (openapi ??= buildOpenApiDocument(routes)),
  };
  const auth = requireBearer(deps.token);
  const jsonBody = express.json({ limit: deps.bodyLimit ?? DEFAULT_BODY_LIMIT, strict: true });
  // After authentication and the body, so a key is scoped by its token and matched with its body.
  const idempotent = new IdempotencyStore(deps.idempotency).middleware();

  for (const route of routes) {
    const handlers: RequestHandler[] = [
      (_req, res, next) => {
        res.locals["route"] = route.path;
        next();
      },
    ];
    if (route.auth) handlers.push(auth);
    if (route.body !== undefined) handlers.push(requireJsonBody, jsonBody);
    if (route.method === "post") handlers.push(idempotent);
    handlers.push(async (req, res) => {
      const input = parseInput(route, req.params, req.query, req.body);
      res.locals["input"] = input;
      const result = await route.handler(input, ctx);
      if ("stream" in result) result.stream(req, res);
      else if ("json" in result) res.status(result.status).json(result.json);
      else res.status(result.status).type(result.contentType).send(result.text);
    });
    app[route.method](route.path, ...handlers);
  }

  serveStatic(app);
  app.use(notFoundHandler);
  app.use(errorHandler(deps.logError ?? defaultErrorLogger));
  return Object.assign(app, { metrics });
}

/**
 * 415 for a body that is not UTF-8 JSON; a request with no body at all goes on (its schema says
 * what is missing). The body parser would decode any charset iconv knows (utf-7, latin1, …)
 * before validation, so text the schemas checked is not the bytes the client sent: only UTF-8
 * (the default for JSON) passes.
 */
const requireJsonBody: RequestHandler = (req, _res, next) => {
  const empty = req.get("content-length") === "0";
  if (!empty && req.is("application/json") === false) {
    next(new HttpError(415, { error: "unsupported media type: send Content-Type: application/json" }));
    return;
  }
  const charset = charsetOf(req.get("content-type"));
  if (!empty && charset !== undefined && charset !== "utf-8") {
    next(new HttpError(415, { error: `unsupported charset ${JSON.stringify(charset.slice(0, 40))}: send JSON in UTF-8 (Content-Type: application/json, or application/json; charset=utf-8)` }));
    return;
  }
  next();
};

/** The charset parameter of a Content-Type header, lowercased and unquoted; undefined when there is none. */
function charsetOf(contentType: string | undefined): string | undefined {
  let found: string | undefined;
  for (const param of (contentType ?? "").split(";").slice(1)) {
    const eq = param.indexOf("=");
    if (eq < 0 || param.slice(0, eq).trim().toLowerCase() !== "charset") continue;
    // A second charset parameter that disagrees is as unsupported as a wrong one.
    const value = param.slice(eq + 1).trim().replace(/^"(.*)"$/, "$1").toLowerCase();
    found = found === undefined || found === value ? value : `${found},${value}`;
  }
  return found;
}

/** Parses every part of a request by the route's schemas; all the problems are reported at once. */
function parseInput(route: RouteDef, params: unknown, query: unknown, body: unknown): RouteInput<z.ZodType | undefined, z.ZodType, z.ZodType | undefined> {
  const failures: Array<{ location: InputLocation; error: z.ZodError }> = [];
  const parse = (location: InputLocation, schema: z.ZodType | undefined, value: unknown): unknown => {
    if (schema === undefined) return undefined;
    const result = schema.safeParse(value);
    if (result.success) return result.data;
    failures.push({ location, error: result.error });
    return undefined;
  };
  const input = {
    params: parse("path", route.params, params),
    query: parse("query", route.query, query),
    body: parse("body", route.body, body),
  };
  if (failures.length > 0) throw new RequestInputError(failures);
  return input as RouteInput<z.ZodType | undefined, z.ZodType, z.ZodType | undefined>;
}
