// The shape of a route in the API's route table, and the helpers that build one: routes.ts and
// simulation-routes.ts declare routes with them; app.ts serves the table; openapi.ts documents it.
import type { Request, Response } from "express";
import type { z } from "zod";
import type { MarketService } from "./market-service.js";
import type { ApiMetrics } from "./metrics.js";
import type { NoQuery } from "./schemas.js";
import type { ExperimentJobs } from "./experiments/experiment-jobs.js";
import type { SimulationJobs } from "./simulations/simulation-jobs.js";
import type { StreamSlots } from "./live/stream-slots.js";

/** What handlers may use. */
export interface RouteContext {
  market: MarketService;
  metrics: ApiMetrics;
  /** Background simulation runs; absent: the simulation routes answer 503. */
  simulations?: SimulationJobs;
  /** Background experiments; absent: the experiment routes answer 503. */
  experiments?: ExperimentJobs;
  /** The event stream's slots (GET /api/stream). */
  streams: StreamSlots;
  /** The OpenAPI document of these routes. */
  openapi(): object;
}

/**
 * A handler's answer: JSON, text with its content type, or a stream the route writes itself
 * (server-sent events): `open` gets the response once the request is accepted.
 */
export type RouteResult =
  | { status: number; json: unknown }
  | { status: number; text: string; contentType: string }
  | { stream: (req: Request, res: Response) => void };

/** A documented response of a route (error responses common to all routes are added by openapi.ts). */
export interface RouteResponse {
  description: string;
  schema?: z.ZodType;
  /** Default application/json. */
  contentType?: string;
}

type Schema = z.ZodType;
/** Query strings and path parameters are objects of named fields: OpenAPI lists each as a parameter. */
type FieldsSchema = z.ZodObject;
type Out<S> = S extends z.ZodType ? z.output<S> : undefined;

/** The parsed input of a request, as handlers receive it (also on res.locals.input). */
export interface RouteInput<B, Q, P> {
  body: Out<B>;
  query: Out<Q>;
  params: Out<P>;
}

export interface RouteSpec<B extends Schema | undefined, Q extends FieldsSchema, P extends FieldsSchema | undefined> {
  method: "get" | "post";
  /** Express path syntax, e.g. `/api/tasks/:id`. */
  path: string;
  summary: string;
  description?: string;
  tag: string;
  /** Needs `Authorization: Bearer <token>` (every mutating route). */
  auth: boolean;
  body?: B;
  query: Q;
  params?: P;
  responses: Record<number, RouteResponse>;
  handler(input: RouteInput<B, Q, P>, ctx: RouteContext): Promise<RouteResult>;
}

/** A route with its types erased, as the table holds it. */
export type RouteDef = RouteSpec<Schema | undefined, FieldsSchema, FieldsSchema | undefined>;

export function route<B extends Schema | undefined = undefined, Q extends FieldsSchema = typeof NoQuery, P extends FieldsSchema | undefined = undefined>(
  spec: RouteSpec<B, Q, P>,
): RouteDef {
  return spec as unknown as RouteDef;
}

/** A JSON answer. */
export const json = (status: number, body: unknown): RouteResult => ({ status, json: body });
