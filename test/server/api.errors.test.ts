import { afterAll, beforeAll, describe, expect, it } from "vitest";
import request from "supertest";
import { ChainError } from "../../sim/chain/errors.js";
import { InputError } from "../../sim/input-error.js";
import { createApp } from "../../server/app.js";
import type { MarketService } from "../../server/market-service.js";
import { AUTH, createApiFixture, taskBody, TOKEN, type ApiFixture } from "./server-fixture.js";

let fx: ApiFixture;

beforeAll(async () => {
  fx = await createApiFixture();
});

afterAll(async () => {
  await fx?.market.close();
});

/** The real market with some calls replaced: how a test makes a handler fail a given way. */
function marketWith(overrides: Partial<MarketService>): MarketService {
  const real = fx.market;
  return {
    get marketAddress() {
      return real.marketAddress;
    },
    get deployBlock() {
      return real.deployBlock;
    },
    get posterAddress() {
      return real.posterAddress;
    },
    postTask: (input) => real.postTask(input),
    readEvents: (filter) => real.readEvents(filter),
    history: () => real.history(),
    health: () => real.health(),
    feed: real.feed,
    snapshot: () => real.snapshot(),
    status: () => real.status(),
    close: async () => undefined,
    ...overrides,
  };
}

/** Nothing a client may not see: no stack frame, no file path, no internal message. */
function expectNoLeak(text: string, secret: string): void {
  expect(text).not.toContain(secret);
  expect(text).not.toMatch(/\bat [\w.<>]+ \(/); // a stack frame
  expect(text).not.toMatch(/\/(work|home|usr|tmp|root)\//);
  expect(text).not.toMatch(/\.(ts|js|mjs)\b/);
  expect(text).not.toMatch(/node_modules/);
}

describe("bad requests", () => {
  it("malformed JSON → 400 JSON without the parser's message", async () => {
    const res = await request(fx.app).post("/api/tasks").set(AUTH).set("Content-Type", "application/json").send('{"size": 1,');
    expect(res.status).toBe(400);
    expect(res.headers["content-type"]).toMatch(/application\/json/);
    expect(res.body).toEqual({ error: "malformed JSON" });
    expectNoLeak(res.text, "Unexpected");
  });

  it("a JSON primitive instead of an object → 400", async () => {
    const res = await request(fx.app).post("/api/tasks").set(AUTH).set("Content-Type", "application/json").send('"hello"');
    expect(res.status).toBe(400);
  });

  it("a body over the limit → 413 JSON", async () => {
    const res = await request(fx.app)
      .post("/api/tasks")
      .set(AUTH)
      .send(taskBody({ padding: "x".repeat(70 * 1024) }));
    expect(res.status).toBe(413);
    expect(res.body).toEqual({ error: "request body too large" });
  });

  it("an unsupported content encoding → 415 JSON", async () => {
    const res = await request(fx.app).post("/api/tasks").set(AUTH).set("Content-Type", "application/json").set("Content-Encoding", "br-unknown").send("{}");
    expect(res.status).toBe(415);
    expect(res.body.error).toMatch(/unsupported/);
  });

  it.each([
    ["get", "/nope"],
    ["get", "/api"],
    ["get", "/api/tasks/1/bids"],
    ["delete", "/api/tasks"],
    ["put", "/api/tasks/1"],
    ["post", "/api/health"],
  ] as const)("%s %s → 404 JSON", async (method, path) => {
    const res = await request(fx.app)[method](path).set(AUTH);
    expect(res.status).toBe(404);
    expect(res.headers["content-type"]).toMatch(/application\/json/);
    expect(res.body).toEqual({ error: "not found" });
  });

  it("a repeated query parameter → 400 naming it", async () => {
    const res = await request(fx.app).get("/api/ledger/bids?page=1&page=2");
    expect(res.status).toBe(400);
    expect(res.body.issues).toEqual([{ in: "query", path: "page", message: expect.any(String) }]);
  });
});

describe("errors from handlers", () => {
  const previousEnv = process.env["NODE_ENV"];
  afterAll(() => {
    if (previousEnv === undefined) delete process.env["NODE_ENV"];
    else process.env["NODE_ENV"] = previousEnv;
  });

  it.each(["development", "production", "test"])("an internal error → 500 {error: internal error} with NODE_ENV=%s, logged on the server only", async (nodeEnv) => {
    process.env["NODE_ENV"] = nodeEnv;
    const secret = "secret-db-password at /work/main/server/internal.ts:42";
    const logged: unknown[] = [];
    const app = createApp({
      market: marketWith({
        readEvents: async () => {
          throw new Error(secret);
        },
        history: async () => {
          throw new Error(secret);
        },
      }),
      token: TOKEN,
      logError: (error) => logged.push(error),
    });
    expect(app.get("env")).toBe(nodeEnv);
    const paths = ["/api/tasks", "/api/tasks/1", "/api/ledger/events", "/api/providers", "/api/providers/0x0000000000000000000000000000000000000001"];
    for (const path of paths) {
      const res = await request(app).get(path);
      expect(res.status).toBe(500);
      expect(res.body).toEqual({ error: "internal error" });
      expectNoLeak(res.text, "secret");
      expectNoLeak(JSON.stringify(res.headers), "secret");
    }
    expect(logged).toHaveLength(paths.length);
    expect((logged[0] as Error).message).toBe(secret);
  });

  it("a thrown non-Error (a string, an object with a stack) → 500 without leaking it", async () => {
    for (const thrown of ["/etc/passwd leaked", { message: "/root/x", stack: "Error\n    at f (/work/x.ts:1:1)" }]) {
      const app = createApp({
        market: marketWith({
          health: async () => {
            throw thrown;
          },
        }),
        token: TOKEN,
        logError: () => undefined,
      });
      const res = await request(app).get("/api/health");
      expect(res.status).toBe(500);
      expect(res.body).toEqual({ error: "internal error" });
      expectNoLeak(res.text, "passwd");
    }
  });

  it("a contract's custom error → 409 with its name and arguments as strings", async () => {
    const app = createApp({
      market: marketWith({
        postTask: async () => {
          throw new ChainError("reverted with BidWindowTooLong(length=5000000000)", { errorName: "BidWindowTooLong", errorArgs: { length: 5_000_000_000n } });
        },
      }),
      token: TOKEN,
    });
    const res = await request(app).post("/api/tasks").set(AUTH).send(taskBody());
    expect(res.status).toBe(409);
    expect(res.body).toEqual({ error: "BidWindowTooLong", args: { length: "5000000000" } });
  });

  it("a chain error without a custom error (the node failed) → 500, message not sent", async () => {
    const logged: unknown[] = [];
    const app = createApp({
      market: marketWith({
        postTask: async () => {
          throw new ChainError("transaction 0xabc was not mined at /srv/secret/path");
        },
      }),
      token: TOKEN,
      logError: (error) => logged.push(error),
    });
    const res = await request(app).post("/api/tasks").set(AUTH).send(taskBody());
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ error: "internal error" });
    expect(logged).toHaveLength(1);
  });

  // Every way a chain transport fails, as ethers, Node and undici raise it, at any depth of the
  // cause chain (ChainLedger wraps its last retry's error): 503 naming the failure, never the URL.
  it.each([
    ["ECONNREFUSED", new ChainError("could not reach http://10.0.0.1:8545: ECONNREFUSED"), "connection refused"],
    ["socket hang up", Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }), "connection reset"],
    ["ethers TIMEOUT", Object.assign(new Error("request timeout (code=TIMEOUT, version=6)"), { code: "TIMEOUT" }), "request timed out"],
    ["ethers NETWORK_ERROR", Object.assign(new Error("network error at http://10.0.0.1:8545"), { code: "NETWORK_ERROR" }), "network error"],
    ["ethers SERVER_ERROR", Object.assign(new Error("server response 502 Bad Gateway"), { code: "SERVER_ERROR" }), "network error"],
    ["fetch failed", new TypeError("fetch failed", { cause: Object.assign(new Error("connect ECONNREFUSED 10.0.0.1:8545"), { code: "ECONNREFUSED" }) }), "connection refused"],
    ["wrapped by the ledger", new ChainError("the JSON-RPC node at http://10.0.0.1:8545 did not complete eth_sendTransaction after 4 tries", { cause: Object.assign(new Error("x"), { code: "ECONNRESET" }) }), "connection reset"],
  ])("a chain transport failure (%s) → 503 saying the chain cannot be reached, nothing internal", async (_name, thrown, reason) => {
    const logged: unknown[] = [];
    const app = createApp({
      market: marketWith({
        postTask: async () => {
          throw thrown;
        },
        readEvents: async () => {
          throw thrown;
        },
        history: async () => {
          throw thrown;
        },
      }),
      token: TOKEN,
      logError: (error) => logged.push(error),
    });
    for (const res of [await request(app).post("/api/tasks").set(AUTH).send(taskBody()), await request(app).get("/api/tasks")]) {
      expect(res.status).toBe(503);
      expect(res.body).toEqual({ error: `the chain cannot be reached (${reason}); retry when /api/health says it is reachable` });
      expect(res.text).not.toContain("10.0.0.1");
    }
    expect(logged).toEqual([]);
  });

  it("an InputError → 400 naming its field", async () => {
    const app = createApp({
      market: marketWith({
        postTask: async () => {
          throw new InputError("region", "no provider serves this region");
        },
      }),
      token: TOKEN,
    });
    const res = await request(app).post("/api/tasks").set(AUTH).send(taskBody());
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: "invalid request", issues: [{ path: "region", message: "no provider serves this region" }] });
  });
});

describe("rate limit", () => {
  const limited = () => createApp({ market: fx.market, token: TOKEN, rateLimit: { windowMs: 60_000, limit: 3 } });

  it("a burst from one client → 429 JSON with the standard RateLimit headers", async () => {
    const app = limited();
    for (let i = 0; i < 3; i += 1) {
      const ok = await request(app).get("/api/health");
      expect(ok.status).toBe(200);
      expect(ok.headers["ratelimit-policy"]).toMatch(/q=3; w=60/);
      expect(ok.headers["ratelimit"]).toMatch(new RegExp(`r=${2 - i}`));
    }
    const res = await request(app).get("/api/health");
    expect(res.status).toBe(429);
    expect(res.headers["content-type"]).toMatch(/application\/json/);
    expect(res.body.error).toMatch(/too many requests/);
    expect(res.headers["ratelimit"]).toMatch(/r=0/);
    expect(Number(res.headers["retry-after"])).toBeGreaterThan(0);
    // Mutating routes share the bucket, and the limit comes before the token check.
    expect((await request(app).post("/api/tasks").set(AUTH).send(taskBody())).status).toBe(429);
  });

  it("a forged X-Forwarded-For does not get a fresh bucket", async () => {
    const app = limited();
    for (let i = 0; i < 3; i += 1) {
      expect((await request(app).get("/api/health").set("X-Forwarded-For", `198.51.100.${i}`)).status).toBe(200);
    }
    for (const forged of ["203.0.113.7", "10.1.2.3, 127.0.0.1", "::1"]) {
      const res = await request(app).get("/api/health").set("X-Forwarded-For", forged).set("Forwarded", `for=${forged}`);
      expect(res.status).toBe(429);
    }
    expect(app.get("trust proxy")).toBe(false);
  });
});

describe("headers", () => {
  it("helmet's headers are on, x-powered-by is off", async () => {
    const res = await request(fx.app).get("/api/health");
    expect(res.headers["x-content-type-options"]).toBe("nosniff");
    expect(res.headers["x-frame-options"]).toBe("SAMEORIGIN");
    expect(res.headers["content-security-policy"]).toMatch(/default-src 'self'/);
    expect(res.headers["x-powered-by"]).toBeUndefined();
  });
});

it("logged no unexpected error in the shared app", () => {
  expect(fx.logged).toEqual([]);
});
