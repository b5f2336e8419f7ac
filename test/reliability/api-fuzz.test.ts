// Property-based fuzzing of every route in the API's route table (routes added later are fuzzed
// too), in process with supertest over a real market on the embedded chain. Whatever comes in:
// no 5xx (but a documented 503), every rejection a 4xx JSON {error} with no stack, path or
// internal message, nothing on chain changed by a rejected request, the server healthy after.
// Seeded: BIDMESH_FUZZ_SEED replays a run, BIDMESH_FUZZ_RUNS raises the runs per route.
import fc from "fast-check";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildOpenApiDocument } from "../../server/openapi.js";
import { routes } from "../../server/routes.js";
import { act, chainState, commit, createApiFixture, TOKEN, type ApiFixture } from "../server/server-fixture.js";
import { routeExamples, type OpenApiDoc, type RouteDef } from "./api-fuzz-examples.js";
import { percentEncoded, requestFor, type FuzzRequest } from "./api-fuzz-requests.js";

const SEED = Number(process.env["BIDMESH_FUZZ_SEED"] ?? 20_251_120);
const RUNS = Number(process.env["BIDMESH_FUZZ_RUNS"] ?? 60);

/** Routes that answer a stream never end a response: supertest would wait forever. */
const isStreaming = (route: RouteDef): boolean => Object.values(route.responses).some((r) => r.contentType === "text/event-stream");
const fuzzed = routes.filter((route) => !isStreaming(route));
const skipped = routes.filter(isStreaming);

let fx: ApiFixture;
let doc: OpenApiDoc;
/** Statuses seen per route, printed at the end: shows the fuzz got past the outer layers. */
const seen = new Map<string, Map<number, number>>();

beforeAll(async () => {
  console.log(`api fuzz: seed ${SEED}, ${RUNS} runs per route (BIDMESH_FUZZ_SEED, BIDMESH_FUZZ_RUNS)`);
  if (skipped.length > 0) console.log(`api fuzz: skipped streaming routes: ${skipped.map((r) => `${r.method.toUpperCase()} ${r.path}`).join(", ")}`);
  // No rate limit: thousands of requests from one client would otherwise be answered 429.
  fx = await createApiFixture({ rateLimit: { windowMs: 60_000, limit: 1_000_000 } });
  // A task names a region the market knows: a provider in the schema's example region makes the
  // documented example a valid post, so the fuzz gets past the region check.
  await commit(fx.market, 1, [act.register(0, "eu-west-1")]);
  doc = buildOpenApiDocument(routes) as unknown as OpenApiDoc;
});

afterAll(async () => {
  for (const [route, statuses] of seen) {
    console.log(`api fuzz: ${route}: ${[...statuses].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`).join(" ")}`);
  }
  await fx?.market.close();
});

async function send(req: FuzzRequest): Promise<request.Response> {
  let test = request(fx.app)[req.method](req.url);
  for (const [name, value] of Object.entries(req.headers)) test = test.set(name, value);
  // The bytes as they are: superagent would JSON-encode a Buffer sent as application/json.
  return req.body === undefined ? test : test.serialize((body: unknown) => body as string).send(req.body);
}

/** Nothing a client may not see: no stack frame, no source path, no internal error text. */
function expectNoLeak(text: string): void {
  expect(text).not.toMatch(/\n\s+at /);
  expect(text).not.toMatch(/\bat [\w.<>]+ \(/);
  expect(text).not.toContain("/work/");
  expect(text).not.toContain("node_modules");
  expect(text).not.toMatch(/\b(TypeError|RangeError|SyntaxError|ReferenceError|ChainError|ZodError)\b/);
}

/** The statuses a route documents at 500 and above (the health check's 503). */
const documented5xx = (route: RouteDef): number[] => Object.keys(route.responses).map(Number).filter((status) => status >= 500);

describe("every route, fuzzed", () => {
  it.each(fuzzed.map((route) => [`${route.method.toUpperCase()} ${route.path}`, route] as const))("%s", async (name, route) => {
    const examples = routeExamples(route, doc);
    const statuses = new Map<number, number>();
    seen.set(name, statuses);
    let before = await chainState(fx.market);
    await fc.assert(
      fc.asyncProperty(requestFor(route, examples, TOKEN), async (req) => {
        const res = await send(req);
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        const context = `${req.method.toUpperCase()} ${req.url.slice(0, 200)} → ${res.status} ${res.text.slice(0, 300)}`;
        if (res.status >= 500) expect(documented5xx(route), context).toContain(res.status);
        if (res.status >= 400) {
          expect(res.headers["content-type"], context).toMatch(/^application\/json/);
          expect(typeof res.body?.error, context).toBe("string");
          expectNoLeak(res.text);
        }
        // Only an accepted write may change the chain; every other request leaves it as it was.
        const after = await chainState(fx.market);
        if (req.method === "post" && route.method === "post" && res.status < 300) before = after;
        else expect(after, context).toEqual(before);
      }),
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    );
    expect(fx.logged, "errors the app logged as unexpected (each a 500)").toEqual([]);
  });

  // Under /api/ only: other paths may be the app's pages.
  it("paths under /api/ that no route serves, with any method: a 404 JSON", async () => {
    const path = fc.array(fc.string({ unit: "grapheme", maxLength: 12 }).map(percentEncoded), { minLength: 1, maxLength: 5 }).map((parts) => `/api/${parts.join("/")}`);
    await fc.assert(
      fc.asyncProperty(path, fc.constantFrom("get", "post", "put", "delete", "patch") as fc.Arbitrary<FuzzRequest["method"]>, async (url, method) => {
        // Paths under a route's own prefix may match it; those are the routes' business.
        fc.pre(!routes.some((r) => new RegExp(`^${r.path.replace(/:\w+/g, "[^/]+")}/?$`, "i").test(url))); // express matches case-insensitively
        const res = await send({ method, url, headers: {} });
        expect(res.status).toBe(404);
        expect(res.body).toEqual({ error: "not found" });
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  // Express's router raises a URIError with status 400 for a path parameter it cannot decode.
  it.each(routes.filter((route) => route.path.includes("/:")).map((route) => [`${route.method.toUpperCase()} ${route.path}`, route] as const))(
    "%s with a malformed percent-escape in a path parameter: a 400 JSON",
    async (_name, route) => {
      for (const bad of ["%E0%A4%A", "%", "%zz"]) {
        const res = await send({ method: route.method, url: route.path.replace(/:\w+/g, bad), headers: { authorization: `Bearer ${TOKEN}` } });
        fx.logged.length = 0; // a 500 here is reported by this test; keep the final health check about the fuzz
        expect(res.status, `${route.path} with ${bad}: ${res.text}`).toBe(400);
        expect(typeof res.body.error).toBe("string");
        expectNoLeak(res.text);
      }
    },
  );

  it("a URL over Node's 16 kB header limit: Node answers 431 itself, and the server goes on", async () => {
    const res = await request(fx.app).get(`/api/tasks?status=${"x".repeat(20_000)}`);
    expect(res.status).toBe(431);
    expect(res.text).toBe("");
  });

  it("afterwards: the server is healthy and logged no unexpected error", async () => {
    const res = await request(fx.app).get("/api/health");
    expect(res.status).toBe(200);
    expect(res.body.status).toBe("ok");
    expect(fx.logged).toEqual([]);
  });
});
