// Valid-looking inputs of a route, read from its OpenAPI operation (examples, enums, minimums):
// the starting point the fuzz mutates. Read from the document rather than written per route, so
// routes added later get them too.
import type { routes } from "../../server/routes.js";

/** A route of the table, whichever module declares its type. */
export type RouteDef = (typeof routes)[number];

/** A JSON schema as the OpenAPI document holds it (only what this file reads). */
interface JsonSchema {
  $ref?: string;
  type?: string;
  example?: unknown;
  enum?: unknown[];
  minimum?: number;
  properties?: Record<string, JsonSchema>;
}

interface Operation {
  parameters?: Array<{ name: string; in: string; schema?: JsonSchema }>;
  requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
}

/** A valid-looking value for a schema: its example, else its first enum value, else its minimum. */
function exampleOf(schema: JsonSchema | undefined, doc: OpenApiDoc): unknown {
  if (schema === undefined) return "x";
  if (schema.$ref !== undefined) return exampleOf(doc.components?.schemas?.[schema.$ref.split("/").pop()!], doc);
  if (schema.example !== undefined) return schema.example;
  if (schema.enum !== undefined && schema.enum.length > 0) return schema.enum[0];
  if (schema.properties !== undefined) {
    return Object.fromEntries(Object.entries(schema.properties).map(([key, property]) => [key, exampleOf(property, doc)]));
  }
  if (schema.minimum !== undefined) return schema.minimum;
  return schema.type === "integer" || schema.type === "number" ? 1 : schema.type === "boolean" ? true : "x";
}

export interface OpenApiDoc {
  paths: Record<string, Record<string, Operation | undefined> | undefined>;
  components?: { schemas?: Record<string, JsonSchema> };
}

/** Valid-looking path parameters, query parameters and body of a route, from its OpenAPI operation. */
export interface RouteExamples {
  params: Record<string, string>;
  query: Record<string, string>;
  body: Record<string, unknown> | undefined;
}

export function routeExamples(route: RouteDef, doc: OpenApiDoc): RouteExamples {
  const openapiPath = route.path.replace(/:(\w+)/g, "{$1}");
  const operation = doc.paths[openapiPath]?.[route.method];
  const parameters = operation?.parameters ?? [];
  const from = (where: string) => Object.fromEntries(parameters.filter((p) => p.in === where).map((p) => [p.name, String(exampleOf(p.schema, doc))]));
  const params = from("path");
  // A path parameter the document does not list still gets a value.
  for (const [, name] of route.path.matchAll(/:(\w+)/g)) params[name!] ??= "1";
  const bodySchema = operation?.requestBody?.content?.["application/json"]?.schema;
  const body = route.body === undefined ? undefined : (exampleOf(bodySchema, doc) as Record<string, unknown>);
  return { params, query: from("query"), body: typeof body === "object" && body !== null ? body : route.body === undefined ? undefined : {} };
}
