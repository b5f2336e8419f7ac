// The Idempotency-Key store over a one-route app whose handler counts its runs: keys are scoped
// per token, kept for the window and no longer, the least recently used goes first past the cap,
// an answer of 500 or more is not kept, and a request whose key is in flight waits for the first
// answer (or gets 409 after the wait bound).
import express, { type Express } from "express";
import request from "supertest";
import { describe, expect, it } from "vitest";
import { errorHandler } from "../../server/errors.js";
import { IdempotencyStore, type IdempotencyOptions } from "../../server/idempotency.js";
import { InputError } from "../../sim/input-error.js";

interface Harness {
  app: Express;
  store: IdempotencyStore;
  runs: () => number;
  /** The status the handler answers next. */
  answerWith: (status: number) => void;
  /** Makes the handler wait until the returned function is called. */
  hold: () => () => void;
  advance: (ms: number) => void;
}

function harness(options: Partial<IdempotencyOptions> = {}): Harness {
  let now = 1_000_000;
  let runs = 0;
  let status = 201;
  let gate: Promise<void> | undefined;
  const store = new IdempotencyStore({ clock: () => now, ...options });
  const app = express();
  app.post("/x", express.json(), store.middleware(), async (req, res) => {
    runs += 1;
    const run = runs;
    await gate;
    res.status(status).json({ run, echo: req.body as unknown });
  });
  app.use(errorHandler(() => undefined));
  return {
    app,
    store,
    runs: () => runs,
    answerWith: (s) => (status = s),
    hold: () => {
      let open!: () => void;
      gate = new Promise((resolve) => (open = resolve));
      return () => {
        gate = undefined;
        open();
      };
    },
    advance: (ms) => (now += ms),
  };
}

const send = (app: Express, key: string, body: unknown = { a: 1 }, token = "t1") =>
  request(app).post("/x").set("Authorization", `Bearer ${token}`).set("Idempotency-Key", key).send(body as object);

describe("IdempotencyStore", () => {
  it("scopes keys per token: the same key under another token is another request", async () => {
    const h = harness();
    expect((await send(h.app, "k", { a: 1 }, "t1")).body.run).toBe(1);
    expect((await send(h.app, "k", { a: 2 }, "t2")).body.run).toBe(2);
    const again = await send(h.app, "k", { a: 1 }, "t1");
    expect([again.status, again.headers["idempotent-replayed"], again.body.run]).toEqual([201, "true", 1]);
    expect(h.runs()).toBe(2);
  });

  it("keeps an answer for the window, and no longer", async () => {
    const h = harness({ windowMs: 60_000 });
    await send(h.app, "k");
    h.advance(59_999);
    expect((await send(h.app, "k")).headers["idempotent-replayed"]).toBe("true");
    h.advance(1);
    const after = await send(h.app, "k");
    expect([after.headers["idempotent-replayed"], after.body.run]).toEqual([undefined, 2]);
  });

  it("past maxKeys drops the least recently used key", async () => {
    const h = harness({ maxKeys: 2 });
    await send(h.app, "a");
    await send(h.app, "b");
    await send(h.app, "a"); // a replayed: now the most recently used
    await send(h.app, "c"); // b goes
    expect(h.store.size).toBe(2);
    expect((await send(h.app, "a")).headers["idempotent-replayed"]).toBe("true");
    expect((await send(h.app, "b")).headers["idempotent-replayed"]).toBeUndefined();
    expect(h.runs()).toBe(4);
  });

  it("does not keep an answer of 500 or more: the retry runs again", async () => {
    const h = harness();
    h.answerWith(503);
    expect((await send(h.app, "k")).status).toBe(503);
    h.answerWith(201);
    const retry = await send(h.app, "k");
    expect([retry.status, retry.headers["idempotent-replayed"], retry.body.run]).toEqual([201, undefined, 2]);
  });

  it("a request whose key is in flight waits for the first answer and runs nothing", async () => {
    const h = harness();
    const release = h.hold();
    const first = send(h.app, "k").then((r) => r);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const second = send(h.app, "k").then((r) => r);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(h.runs()).toBe(1);
    release();
    const [a, b] = await Promise.all([first, second]);
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(b.text).toBe(a.text);
    expect([a.headers["idempotent-replayed"], b.headers["idempotent-replayed"]]).toEqual([undefined, "true"]);
    expect(h.runs()).toBe(1);
  });

  it("gives up waiting after waitMs with 409 and Retry-After", async () => {
    const h = harness({ waitMs: 100 });
    const release = h.hold();
    const first = send(h.app, "k").then((r) => r);
    await new Promise((resolve) => setTimeout(resolve, 30));
    const second = await send(h.app, "k");
    expect(second.status).toBe(409);
    expect(second.headers["retry-after"]).toBe("1");
    expect(second.body.error).toMatch(/^a request with Idempotency-Key "k" is still in flight/);
    release();
    expect((await first).status).toBe(201);
    expect(h.runs()).toBe(1);
  });

  it("refuses options that are not whole numbers of at least 1", () => {
    expect(() => new IdempotencyStore({ maxKeys: 0 })).toThrow(InputError);
    expect(() => new IdempotencyStore({ windowMs: 1.5 })).toThrow(/idempotency\.windowMs/);
  });
});
