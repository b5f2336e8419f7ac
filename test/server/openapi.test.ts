import { beforeAll, describe, expect, it } from "vitest";
import request from "supertest";
import { createApp, type BidmeshApp } from "../../server/app.js";
import { openApiPath } from "../../server/openapi.js";
import { TOKEN, unusedMarket } from "./server-fixture.js";

// The document is built from the route table; these tests check it against what express
// actually serves, found by walking the app's router, not by reading the table again.

interface OpenApiDoc {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema>; securitySchemes: Record<string, unknown> };
}
interface Operation {
  parameters?: Array<{ name: string; in: string; required?: boolean; schema: unknown }>;
  requestBody?: { required?: boolean; content: Record<string, { schema: { $ref?: string } }> };
  responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
  security?: Array<Record<string, string[]>>;
}
interface Schema {
  type?: string;
  properties?: Record<string, unknown>;
  required?: string[];
  additionalProperties?: boolean;
}

const HTTP_METHODS = new Set(["get", "post", "put", "patch", "delete", "head", "options"]);

/** Every [METHOD, path] express serves, in OpenAPI path syntax, from the router's own stack. */
function servedRoutes(app: BidmeshApp): string[] {
  const router = (app as unknown as { router: { stack: Array<{ route?: { path: string; methods: Record<string, boolean> } }> } }).router;
  const served: string[] = [];
  for (const layer of router.stack) {
    if (layer.route === undefined) continue;
    for (const [method, on] of Object.entries(layer.route.methods)) {
      if (on && method !== "_all") served.push(`${method.toUpperCase()} ${openApiPath(layer.route.path)}`);
    }
  }
  return served.sort();
}

let app: BidmeshApp;
let doc: OpenApiDoc;

beforeAll(async () => {
  // The document does not touch the market.
  app = createApp({ market: unusedMarket(), token: TOKEN });
  const res = await request(app).get("/openapi.json");
  expect(res.status).toBe(200);
  expect(res.headers["content-type"]).toMatch(/application\/json/);
  doc = res.body as OpenApiDoc;
});

describe("GET /openapi.json", () => {
  it("is an OpenAPI 3.x document", () => {
    expect(doc.openapi).toMatch(/^3\.\d+\.\d+$/);
    expect(doc.info.title).toBe("bidmesh API");
    expect(doc.info.version).toEqual(expect.any(String));
    expect(Object.keys(doc.paths).length).toBeGreaterThan(0);
  });

  it("lists exactly the routes the router serves", () => {
    const documented = Object.entries(doc.paths)
      .flatMap(([path, item]) => Object.keys(item).filter((m) => HTTP_METHODS.has(m)).map((m) => `${m.toUpperCase()} ${path}`))
      .sort();
    const served = servedRoutes(app);
    expect(served.length).toBeGreaterThanOrEqual(10);
    expect(documented).toEqual(served);
  });

  it("documents the request schemas: POST /api/tasks's body is strict, with every field required", () => {
    const post = doc.paths["/api/tasks"]!["post"]!;
    expect(post.requestBody?.required).toBe(true);
    const ref = post.requestBody!.content["application/json"]!.schema.$ref!;
    expect(ref).toBe("#/components/schemas/PostTaskRequest");
    const body = doc.components.schemas["PostTaskRequest"]!;
    expect(body.type).toBe("object");
    expect(body.additionalProperties).toBe(false);
    expect(Object.keys(body.properties!).sort()).toEqual(["deadlineBudget", "maxPrice", "mechanism", "region", "size"]);
    expect([...body.required!].sort()).toEqual(["deadlineBudget", "maxPrice", "mechanism", "region", "size"]);
  });

  it("documents query and path parameters", () => {
    const names = (path: string, where: string) => (doc.paths[path]!["get"]!.parameters ?? []).filter((p) => p.in === where).map((p) => p.name).sort();
    expect(names("/api/ledger/bids", "query")).toEqual(["fromBlock", "page", "pageSize", "provider", "task", "toBlock"]);
    expect(names("/api/ledger/events", "query")).toEqual(["account", "fromBlock", "name", "page", "pageSize", "provider", "task", "toBlock"]);
    expect(names("/api/tasks", "query")).toEqual(["page", "pageSize", "poster", "provider", "status"]);
    expect(names("/api/tasks/{id}", "path")).toEqual(["id"]);
    expect(names("/api/providers/{address}", "path")).toEqual(["address"]);
    const id = doc.paths["/api/tasks/{id}"]!["get"]!.parameters!.find((p) => p.name === "id")!;
    expect(id.required).toBe(true);
  });

  it("marks the mutating routes, and only them, as needing the bearer token", () => {
    expect(doc.components.securitySchemes["bearerAuth"]).toMatchObject({ type: "http", scheme: "bearer" });
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        if (!HTTP_METHODS.has(method)) continue;
        const mutating = method !== "get";
        expect(op.security !== undefined, `${method} ${path}`).toBe(mutating);
        expect(Object.keys(op.responses).includes("401"), `${method} ${path}`).toBe(mutating);
      }
    }
  });

  it("documents a response schema for every status, and every $ref resolves", () => {
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        if (!HTTP_METHODS.has(method)) continue;
        expect(Object.keys(op.responses), `${method} ${path}`).toEqual(expect.arrayContaining(["400", "429", "500"]));
        for (const [status, response] of Object.entries(op.responses)) {
          expect(Object.values(response.content ?? {}).length, `${method} ${path} ${status}`).toBeGreaterThan(0);
        }
      }
    }
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThan(0);
    for (const name of refs) expect(doc.components.schemas, name).toHaveProperty(name);
  });
});
