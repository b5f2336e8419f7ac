// Idempotency-Key on the mutating routes, so a client that lost an answer (a timeout, a killed
// connection) can send the same request again without posting twice: the same key with the same
// request, within the window, answers the first request's status and body again (with
// `Idempotent-Replayed: true`) and runs nothing; the same key with another request (body, method
// or path) is refused with 422. A request whose key is still in flight waits for that first
// request's answer (at most `waitMs`, then 409), so two concurrent retries post once.
//
// What is kept: every answer below 500 (201, and the 4xx a request earns by what it is, like a
// contract's refusal). A 5xx is not kept and frees the key: the outcome is not known (the
// chain may be down), and the retry that follows runs the request again.
//
// Bounded: keys are at most 255 printable ASCII characters, at most `maxKeys` are kept (the least
// recently used goes first), each for `windowMs`, and an answer over 64 KiB is not kept. Keys
// are scoped per API token (a digest of it), so two clients with different tokens never share one.
import { createHash } from "node:crypto";
import { extendZodWithOpenApi } from "@asteasolutions/zod-to-openapi";
import type { Request, RequestHandler, Response } from "express";
import { z } from "zod";
import { bearerToken } from "./auth.js";
import { HttpError } from "./errors.js";
import type { ErrorResponse } from "./schemas.js";
import { InputError } from "../sim/input-error.js";

// Does nothing when schemas.ts has done it already; here so this module stands alone.
extendZodWithOpenApi(z);

export const IDEMPOTENCY_KEY_HEADER = "Idempotency-Key";
export const REPLAYED_HEADER = "Idempotent-Replayed";
const MAX_KEY_LENGTH = 255;
const KEY = /^[\x20-\x7e]+$/;
/** An answer larger than this is not kept (none of the API's mutating answers comes near). */
const MAX_ANSWER_BYTES = 64 * 1024;

export interface IdempotencyOptions {
  /** How long a key's answer is kept, in ms (default 24 h). */
  windowMs: number;
  /** Keys kept at most, over all clients (default 10,000); the least recently used is dropped first. */
  maxKeys: number;
  /** How long a request waits for an in-flight one with the same key, in ms (default 30 s), before 409. */
  waitMs: number;
  /** The clock, in ms (default Date.now). */
  clock: () => number;
}

export const DEFAULT_IDEMPOTENCY: Readonly<Omit<IdempotencyOptions, "clock">> = { windowMs: 24 * 3_600_000, maxKeys: 10_000, waitMs: 30_000 };

/** The request header, as the OpenAPI document shows it on every mutating route. */
export const IdempotencyKeyHeaders = z.object({
  [IDEMPOTENCY_KEY_HEADER]: z
    .string()
    .min(1)
    .max(MAX_KEY_LENGTH)
    .optional()
    .openapi({
      description: `Optional, 1 to ${MAX_KEY_LENGTH} printable ASCII characters (a UUID, say). Sent again with the same request within 24 h, it answers the first request's status and body again, with \`${REPLAYED_HEADER}: true\`, and does nothing new; with a different request, 422. A request whose key is still in flight waits for the first's answer. Answers of 500 and above are not kept.`,
      example: "5f0c1d2e-3a4b-4c6d-8e7f-0a1b2c3d4e5f",
    }),
});

interface Answer {
  status: number;
  /** The body as sent: JSON text. */
  json: string;
}

/**
 * The app's "json replacer" setting, which res.json hands to JSON.stringify: createApp sets a
 * function (bigints become strings); an app that sets none has undefined.
 */
type JsonReplacer = ((this: unknown, key: string, value: unknown) => unknown) | undefined;

interface Entry {
  fingerprint: string;
  expires: number;
  /** Set once the first request answered. */
  answer?: Answer;
  /** While the first request is in flight: resolves with its answer (undefined: it ended without one). */
  settled?: Promise<Answer | undefined>;
}

export class IdempotencyStore {
  readonly options: Readonly<IdempotencyOptions>;
  private readonly entries = new Map<string, Entry>();

  constructor(options: Partial<IdempotencyOptions> = {}) {
    const all = { ...DEFAULT_IDEMPOTENCY, clock: Date.now, ...options };
    for (const field of ["windowMs", "maxKeys", "waitMs"] as const) {
      if (!Number.isInteger(all[field]) || all[field] < 1) throw new InputError(`idempotency.${field}`, `must be a whole number of at least 1 (got ${String(all[field])})`);
    }
    this.options = all;
  }

  /** Keys held now (answered or in flight). */
  get size(): number {
    return this.entries.size;
  }

  /** The middleware: put it after authentication and body parsing, before the handler. */
  middleware(): RequestHandler {
    return async (req, res, next) => {
      const key = req.get(IDEMPOTENCY_KEY_HEADER);
      if (key === undefined) {
        next();
        return;
      }
      if (key.length === 0 || key.length > MAX_KEY_LENGTH || !KEY.test(key)) {
        throw new HttpError(400, { error: `invalid ${IDEMPOTENCY_KEY_HEADER} header: must be 1 to ${MAX_KEY_LENGTH} printable ASCII characters` });
      }
      const id = `${scopeOf(req)}\n${key}`;
      const fingerprint = fingerprintOf(req);
      const now = this.options.clock();
      const entry = this.live(id, now);
      if (entry === undefined) {
        this.start(id, fingerprint, now, res);
        next();
        return;
      }
      if (entry.fingerprint !== fingerprint) {
        throw new HttpError(422, {
          error: `${IDEMPOTENCY_KEY_HEADER} "${key}" was already used for a different request (another body, method or path); use a new key for a new request`,
        });
      }
      const answer = entry.answer ?? (await this.await(entry));
      if (answer === undefined) {
        res.set("Retry-After", "1");
        throw new HttpError(409, { error: `a request with ${IDEMPOTENCY_KEY_HEADER} "${key}" is still in flight, or ended without an answer; retry` });
      }
      replay(res, answer);
    };
  }

  /** The entry for `id` if it has not expired (touched: it becomes the most recently used). */
  private live(id: string, now: number): Entry | undefined {
    const entry = this.entries.get(id);
    if (entry === undefined) return undefined;
    this.entries.delete(id);
    if (entry.expires <= now && entry.settled === undefined) return undefined;
    this.entries.set(id, entry);
    return entry;
  }

  /** Holds `id` for the request answering on `res`, and keeps what it answers with res.json. */
  private start(id: string, fingerprint: string, now: number, res: Response): void {
    this.makeRoom();
    let settle!: (answer: Answer | undefined) => void;
    const entry: Entry = { fingerprint, expires: now + this.options.windowMs, settled: new Promise((resolve) => (settle = resolve)) };
    this.entries.set(id, entry);
    const finish = (answer: Answer | undefined): void => {
      if (entry.settled === undefined) return;
      entry.settled = undefined;
      const keep = answer !== undefined && answer.status < 500 && answer.json.length <= MAX_ANSWER_BYTES;
      if (keep) entry.answer = answer;
      else if (this.entries.get(id) === entry) this.entries.delete(id);
      settle(answer);
    };
    const json = res.json.bind(res);
    res.json = (body: unknown) => {
      // As res.json writes it (the app's replacer turns bigints into strings). Express types
      // app settings as any: the annotation says what this one holds.
      const replacer: JsonReplacer = res.app.get("json replacer");
      finish({ status: res.statusCode, json: JSON.stringify(body, replacer) ?? "null" });
      return json(body);
    };
    // The handler runs on when its client leaves, and answers with res.json then: that answer is
    // kept. Only a response that closes and never answers (a cut stream) frees the key, later.
    res.once("close", () => {
      if (entry.settled === undefined) return;
      setTimeout(() => finish(undefined), this.options.waitMs).unref();
    });
  }

  private await(entry: Entry): Promise<Answer | undefined> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(undefined), this.options.waitMs);
      timer.unref();
      void entry.settled!.then((answer) => {
        clearTimeout(timer);
        resolve(answer);
      });
    });
  }

  /** Past maxKeys, drops the least recently used answered entries (expired ones are dropped when next looked up). */
  private makeRoom(): void {
    for (const [id, entry] of this.entries) {
      if (this.entries.size < this.options.maxKeys) return;
      // Oldest first (a touched entry moves to the end): expired or not, an answered one goes.
      if (entry.settled === undefined) this.entries.delete(id);
    }
    if (this.entries.size >= this.options.maxKeys) {
      throw new HttpError(503, { error: `too many requests with an ${IDEMPOTENCY_KEY_HEADER} are in flight; retry later` } satisfies ErrorResponse);
    }
  }
}

function replay(res: Response, answer: Answer): void {
  res.set(REPLAYED_HEADER, "true").status(answer.status).type("application/json; charset=utf-8").send(answer.json);
}

/** Whose key this is: the bearer token's digest (every mutating route requires one), else the client's address. */
function scopeOf(req: Request): string {
  const token = bearerToken(req.get("authorization"));
  return token === undefined ? `ip:${req.ip ?? ""}` : `token:${createHash("sha256").update(token, "utf8").digest("hex").slice(0, 32)}`;
}

/** What makes two requests the same: method, path and body (as parsed JSON, keys in any order). */
function fingerprintOf(req: Request): string {
  return createHash("sha256")
    .update(`${req.method} ${req.originalUrl}\n${canonicalJson(req.body)}`)
    .digest("hex");
}

/** JSON with every object's keys sorted, so `{"a":1,"b":2}` and `{"b":2,"a":1}` are one body. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(",")}}`;
  }
  return JSON.stringify(value) ?? "";
}
