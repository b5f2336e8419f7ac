// How long the HTTP server waits for a client, in milliseconds. Node's defaults (300 s for a
// request, checked every 30 s) let 50 clients sending a body at one byte a second hold their
// connections for five minutes; every request this API takes is small (a JSON body of at most
// 64 kB, or a scenario of at most a few hundred kB), so seconds suffice.
//
// requestTimeout counts from the first byte of a request to the last byte of its body: it does
// not cut a response, so the event stream (a GET whose request is complete at once, answered
// for as long as the client stays) is not affected.
import type { ServerOptions } from "node:http";
import { InputError } from "../sim/input-error.js";

export interface HttpTimeouts {
  /** The whole request, headers and body, must arrive within this (default 15 s); else 408 and the connection closes. */
  requestMs: number;
  /** The headers must arrive within this (default 10 s; at most requestMs). */
  headersMs: number;
  /** An idle keep-alive connection is closed after this (default 5 s). */
  keepAliveMs: number;
}

export const DEFAULT_HTTP_TIMEOUTS: Readonly<HttpTimeouts> = { requestMs: 15_000, headersMs: 10_000, keepAliveMs: 5_000 };

/** The longest any of them may be: an hour (0, Node's "never", is refused). */
const MAX_TIMEOUT_MS = 3_600_000;

/** The options for `http.createServer` that enforce `timeouts` (the defaults for any not given). */
export function httpServerOptions(timeouts: Partial<HttpTimeouts> = {}): ServerOptions {
  const t = { ...DEFAULT_HTTP_TIMEOUTS, ...timeouts };
  for (const [field, value] of Object.entries(t)) {
    if (!Number.isInteger(value) || value < 1 || value > MAX_TIMEOUT_MS) {
      throw new InputError(`timeouts.${field}`, `must be a whole number of milliseconds from 1 to ${MAX_TIMEOUT_MS} (got ${String(value)})`);
    }
  }
  // Node refuses a headers timeout above the request timeout; say so in our words.
  if (t.headersMs > t.requestMs) throw new InputError("timeouts.headersMs", `must not be above timeouts.requestMs (${t.requestMs} ms)`);
  return {
    requestTimeout: t.requestMs,
    headersTimeout: t.headersMs,
    keepAliveTimeout: t.keepAliveMs,
    // Node looks for expired requests only this often (default 30 s, which would add up to 30 s
    // to every bound above): a tenth of the shortest bound, at least 100 ms, at most 1 s.
    connectionsCheckingInterval: Math.max(100, Math.min(1_000, Math.floor(Math.min(t.requestMs, t.headersMs) / 10))),
  };
}
