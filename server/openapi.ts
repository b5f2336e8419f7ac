// The OpenAPI 3.1 document, generated from the route table and the zod schemas that validate
// the requests: one source of truth.
import { OpenAPIRegistry, OpenApiGeneratorV31, type RouteConfig } from "@asteasolutions/zod-to-openapi";
import type { z } from "zod";
import { IDEMPOTENCY_KEY_HEADER, IdempotencyKeyHeaders, REPLAYED_HEADER } from "./idempotency.js";
import { ErrorResponse } from "./schemas.js";
import type { RouteDef, RouteResponse } from "./route-spec.js";

/** `/api/tasks/:id` → `/api/tasks/{id}`. */
export function openApiPath(expressPath: string): string {
  return expressPath.replace(/:([A-Za-z0-9_]+)/g, "{$1}");
}

const IN_FLIGHT = `A request with the same ${IDEMPOTENCY_KEY_HEADER} is still in flight (this one waited 30 s for it); retry`;

/** The responses every route may give, besides its own. */
function commonResponses(route: RouteDef): Record<number, RouteResponse> {
  const responses: Record<number, RouteResponse> = {
    400: { description: "Invalid input: every problem by field path" },
    429: { description: "Too many requests from this client; see the RateLimit headers" },
    500: { description: "Internal error (details are logged on the server, never sent)" },
  };
  if (route.auth) responses[401] = { description: "Missing or wrong bearer token" };
  if (route.method === "post") {
    responses[409] = { description: IN_FLIGHT };
    responses[422] = { description: `The ${IDEMPOTENCY_KEY_HEADER} was already used for a different request` };
  }
  if (route.body !== undefined) {
    responses[413] = { description: "Request body over the limit" };
    responses[415] = { description: "Request body is not application/json" };
  }
  return responses;
}

export interface OpenApiOptions {
  version?: string;
}

/** Builds the document for `routes`. */
export function buildOpenApiDocument(routes: readonly RouteDef[], options: OpenApiOptions = {}): ReturnType<OpenApiGeneratorV31["generateDocument"]> {
  const registry = new OpenAPIRegistry();
  const bearer = registry.registerComponent("securitySchemes", "bearerAuth", {
    type: "http",
    scheme: "bearer",
    description: "The token from BIDMESH_API_TOKEN, or the one `bidmesh serve` printed at start",
  });
  registry.register("Error", ErrorResponse);

  for (const route of routes) {
    const responses: RouteConfig["responses"] = {};
    const documented = { ...commonResponses(route), ...route.responses };
    // A route's own 409 (a refusal) does not hide the in-flight one.
    if (route.method === "post" && route.responses[409] !== undefined) documented[409] = { ...route.responses[409], description: `${route.responses[409].description}; or: ${IN_FLIGHT}` };
    for (const [status, response] of Object.entries(documented)) {
      // A response without a schema of its own is an error: its body is an Error.
      const schema: z.ZodType = response.schema ?? ErrorResponse;
      responses[status] = { description: response.description, content: { [response.contentType ?? "application/json"]: { schema } } };
      if (route.method === "post") {
        responses[status].headers = { [REPLAYED_HEADER]: { description: `"true" when this is the kept answer of an earlier request with the same ${IDEMPOTENCY_KEY_HEADER}`, schema: { type: "string", enum: ["true"] } } };
      }
    }
    const config: RouteConfig = {
      method: route.method,
      path: openApiPath(route.path),
      summary: route.summary,
      description: route.description,
      tags: [route.tag],
      request: {
        query: route.query,
        ...(route.params === undefined ? {} : { params: route.params }),
        ...(route.method === "post" ? { headers: IdempotencyKeyHeaders } : {}),
        ...(route.body === undefined ? {} : { body: { required: true, content: { "application/json": { schema: route.body } } } }),
      },
      responses,
    };
    if (route.auth) config.security = [{ [bearer.name]: [] }];
    registry.registerPath(config);
  }

  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: "3.1.0",
    info: {
      title: "bidmesh API",
      version: options.version ?? "0.1.0",
      description: [
        "Post compute tasks to a market that runs on an EVM chain, and read its on-chain ledger.",
        "Units: amounts in requests are ETH as decimal strings; amounts in responses are wei as decimal strings, with the ETH figure beside where a request gave one (maxPriceEth).",
        "Task sizes are compute-seconds and budgets seconds, both ways; chain timestamps (bid window ends, deadlines) are unix seconds.",
        "The live market's times are virtual ms, with seconds beside them where a request gave seconds (an outage's startSeconds, endSeconds, durationSeconds); simulation metrics are simulated ms.",
      ].join(" "),
    },
    servers: [{ url: "/" }],
  });
}
