// Generators of hostile HTTP requests for any route of the API's route table. Each part of a
// request (method, path parameters, query, headers, body) is either a valid value, a valid value
// with a mutation, or garbage, so generated requests reach every layer: auth, the body parser,
// the schemas, and the handlers (a valid request does get through). Valid values come from
// api-fuzz-examples.ts.
import fc from "fast-check";
import type { RouteDef, RouteExamples } from "./api-fuzz-examples.js";

/** Longest generated path and query; paths alone stay under it (at most 6,000 characters). */
export const MAX_URL = 12_000;

/** A request exactly as it goes on the wire. */
export interface FuzzRequest {
  method: "get" | "post" | "put" | "delete" | "patch";
  /** Path and query string, already percent-encoded (or deliberately mis-encoded). */
  url: string;
  headers: Record<string, string>;
  /** Sent as raw bytes; no Content-Type is added unless `headers` has one. */
  body?: Buffer;
}

// ---------------------------------------------------------------- values

const CHECKSUMMED = "0x5FbDB2315678afecb367f032d93F642f64180aa3";

/** Values that sit on the edges validators get wrong. */
const edgeValue: fc.Arbitrary<unknown> = fc.constantFrom<unknown>(
  0, -0, -1, 1, 0.5, -0.001, 1e-12, 0.0001, 2 ** 31, 2 ** 32, 2 ** 32 - 1, 2 ** 53, 2 ** 53 + 2, 1e21, 1e308, -1e308, Number.MIN_VALUE,
  "", " ", "0", "-1", "00001", "1e3", "0x10", "1_000", "0.01", "0.0000000000000000001", "99999999999.0", "-0.01", "NaN", "Infinity", "null", "true",
  "any", "first-price", "second-price", "open", "TaskPosted", "__proto__", "constructor",
  CHECKSUMMED, CHECKSUMMED.toLowerCase(), CHECKSUMMED.replace("F", "f"), "0x", "0x0", `${CHECKSUMMED}00`,
  "\u0000", "a\u0000b", "\u202eevil", "🙂", "é".repeat(9), "x".repeat(17), "x".repeat(5000), "\ud800", "<script>alert(1)</script>", "'; DROP TABLE tasks;--",
  true, false, null, [], {}, [1, 2, 3], { $gt: 0 }, JSON.parse('{"__proto__": {"polluted": true}}'),
);

const hugeNumber = fc.oneof(fc.double({ noNaN: true }), fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }).map((n) => Number(n)));

const anyText = fc.oneof(fc.string({ unit: "grapheme", maxLength: 40 }), fc.string({ unit: "binary", maxLength: 40 }), fc.string({ maxLength: 20 }));

/** Deep nesting, up to thousands of levels. */
const deepJson = fc.integer({ min: 10, max: 5_000 }).chain((depth) =>
  fc.constantFrom("[".repeat(depth) + "]".repeat(depth), '{"a":'.repeat(depth) + "1" + "}".repeat(depth)),
);

/** A field value: valid, on an edge, of the wrong type, or nested. */
function fieldValue(valid: unknown): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.constant(valid) },
    { weight: 4, arbitrary: edgeValue },
    { weight: 2, arbitrary: hugeNumber },
    { weight: 2, arbitrary: anyText },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  );
}

/** A query or path value as text: valid, on an edge, or garbage. */
function textValue(valid: string): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.constant(valid) },
    { weight: 3, arbitrary: edgeValue.map((v) => (typeof v === "string" ? v : JSON.stringify(v) ?? "")) },
    { weight: 2, arbitrary: fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }).map(String) },
    { weight: 2, arbitrary: anyText },
    { weight: 1, arbitrary: fc.integer({ min: 1_000, max: 6_000 }).map((n) => "9".repeat(n)) },
  );
}

/** Percent-encoded, or now and then deliberately mis-encoded (a lone %, an invalid escape, a cut UTF-8 sequence). */
function encoded(text: string): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 8, arbitrary: fc.constant(percentEncoded(text)) },
    { weight: 1, arbitrary: fc.constantFrom("%", "%zz", "%E0%A4%A", "%C0%AF", "%00", "%2e%2e%2f", "%FF") },
  );
}

/** encodeURIComponent, except that a lone surrogate is sent as U+FFFD instead of throwing. */
export function percentEncoded(text: string): string {
  let out = "";
  for (const byte of Buffer.from(text, "utf8")) {
    const char = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-_.!~*'()]/.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/**
 * Path segments are always well encoded: a malformed escape in a path has a test of its own
 * (api-fuzz.test.ts), so that one known answer does not stop the fuzz of everything else.
 */
const segmentEncoded = (text: string): fc.Arbitrary<string> => fc.constant(percentEncoded(text));

/** An own property only: a generated key like "constructor" must not find Object.prototype's. */
const own = (record: Record<string, string>, key: string): string | undefined => (Object.hasOwn(record, key) ? record[key] : undefined);

// ---------------------------------------------------------------- request parts

function pathOf(route: RouteDef, examples: RouteExamples): fc.Arbitrary<string> {
  const names = [...route.path.matchAll(/:(\w+)/g)].map((m) => m[1]!);
  const segments = names.map((name) => textValue(own(examples.params, name) ?? "1").chain(segmentEncoded));
  return fc.tuple(...segments).map((values) => names.reduce((path, name, i) => path.replace(`:${name}`, values[i]!), route.path));
}

function queryOf(examples: RouteExamples): fc.Arbitrary<string> {
  const known = Object.keys(examples.query);
  const key = known.length === 0 ? anyText : fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...known) }, { weight: 1, arbitrary: anyText });
  const pair = key.chain((k) =>
    fc.tuple(encoded(k), textValue(own(examples.query, k) ?? "1").chain(encoded), fc.boolean()).map(([ek, ev, bare]) => (bare && ev === "" ? ek : `${ek}=${ev}`)),
  );
  // Repeated keys come out as arrays with the "simple" query parser.
  return fc.array(pair, { maxLength: 6 }).map((pairs) => pairs.join("&"));
}

// Visible ASCII and Latin-1, without DEL (0x7f): Node refuses to send a header holding it.
const TOKEN_CHARS = fc.string({ unit: fc.integer({ min: 0x21, max: 0xfe }).map((c) => String.fromCharCode(c >= 0x7f ? c + 1 : c)), maxLength: 64 });

function authHeader(token: string): fc.Arbitrary<string | undefined> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.constant(`Bearer ${token}`) },
    { weight: 1, arbitrary: fc.constant(undefined) },
    {
      weight: 3,
      arbitrary: fc.constantFrom(
        "",
        "Bearer",
        "Bearer ",
        "Bearer wrong-token-0000000000",
        `Bearer ${token}x`,
        `Bearer ${token.slice(0, -1)}`,
        `Bearer ${token.toUpperCase()}`,
        `bearer ${token}`,
        `Bearer  ${token}  `,
        `Bearer ${token} ${token}`,
        token,
        `Basic ${Buffer.from(`user:${token}`).toString("base64")}`,
        `Token ${token}`,
      ),
    },
    { weight: 1, arbitrary: TOKEN_CHARS.map((t) => `Bearer ${t}`) },
  );
}

const contentType = fc.oneof(
  { weight: 6, arbitrary: fc.constant("application/json") },
  {
    weight: 3,
    arbitrary: fc.constantFrom<string | undefined>(
      undefined,
      "application/json; charset=utf-8",
      "application/json; charset=utf-16",
      "application/json; charset=bogus",
      "application/JSON",
      "application/merge-patch+json",
      "text/plain",
      "text/html",
      "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=xyz",
      "application/octet-stream",
      "*/*",
      "application/json, text/plain",
      ";;;",
    ),
  },
);

const contentEncoding = fc.oneof(
  { weight: 12, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: fc.constantFrom("gzip", "deflate", "br", "identity", "x-bogus", "gzip, gzip") },
);

const otherHeaders = fc.record(
  {
    accept: fc.constantFrom("application/json", "text/html", "application/xml", "*/*", "text/event-stream", ""),
    "x-forwarded-for": fc.constantFrom("1.2.3.4", "::1", "garbage", "1.1.1.1, 2.2.2.2"),
    "accept-encoding": fc.constantFrom("gzip", "br", "identity;q=0", "*"),
  },
  { requiredKeys: [] },
);

/** A JSON body: the example mutated (keys dropped, retyped, added), or anything at all. */
function bodyOf(examples: RouteExamples): fc.Arbitrary<Buffer | undefined> {
  const example = examples.body ?? {};
  const keys = Object.keys(example);
  const mutation = fc.oneof(
    ...(keys.length === 0 ? [] : [fc.constantFrom(...keys).map((key) => ({ drop: key }))]),
    ...(keys.length === 0 ? [] : [fc.constantFrom(...keys).chain((key) => fieldValue(example[key]).map((value) => ({ set: key, value })))]),
    fc.tuple(anyText, fieldValue(1)).map(([key, value]) => ({ set: key, value })),
  );
  const mutated = fc.array(mutation, { maxLength: 3 }).map((mutations) => {
    const body: Record<string, unknown> = { ...example };
    for (const m of mutations) {
      if ("drop" in m) delete body[m.drop];
      else Object.defineProperty(body, m.set, { value: m.value, enumerable: true, configurable: true, writable: true });
    }
    return JSON.stringify(body);
  });
  const text = fc.oneof(
    { weight: 8, arbitrary: mutated },
    // Valid as it stands: some requests must get through and write.
    { weight: 4, arbitrary: fc.constant(JSON.stringify(example)) },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v) ?? "null") },
    { weight: 1, arbitrary: deepJson },
    { weight: 1, arbitrary: fc.constantFrom("", "{", "[1,", '{"size":1,}', "nul", "{}garbage", JSON.stringify(example).slice(0, -1), "\ufeff{}") },
    // Over the 64 kb limit, by a little or by a lot.
    { weight: 1, arbitrary: fc.integer({ min: 64 * 1024, max: 400 * 1024 }).map((n) => JSON.stringify({ ...example, padding: "x".repeat(n) })) },
  );
  return fc.oneof(
    { weight: 10, arbitrary: text.map((t) => Buffer.from(t, "utf8")) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)) },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );
}

/**
 * Requests aimed at `route`: mostly its own method, now and then another one (the router must
 * answer those too).
 */
export function requestFor(route: RouteDef, examples: RouteExamples, token: string): fc.Arbitrary<FuzzRequest> {
  const method = fc.oneof(
    { weight: 12, arbitrary: fc.constant(route.method) },
    { weight: 1, arbitrary: fc.constantFrom<FuzzRequest["method"]>("get", "post", "put", "delete", "patch") },
  );
  const hostile = fc
    .record({
      method,
      path: pathOf(route, examples),
      query: fc.oneof({ weight: 1, arbitrary: fc.constant("") }, { weight: 1, arbitrary: queryOf(examples) }),
      auth: authHeader(token),
      contentType,
      contentEncoding,
      other: otherHeaders,
      body: bodyOf(examples),
    })
    .map(({ method, path, query, auth, contentType, contentEncoding, other, body }) => {
      const headers: Record<string, string> = { ...other };
      if (auth !== undefined) headers["authorization"] = auth;
      if (contentType !== undefined && body !== undefined) headers["content-type"] = contentType;
      if (contentEncoding !== undefined && body !== undefined) headers["content-encoding"] = contentEncoding;
      // Node itself answers a request line over its 16 kB header limit with a bare 431, before
      // the app sees it (a test of its own covers that): keep URLs well under it.
      const url = query === "" || path.length + query.length > MAX_URL ? path : `${path}?${query}`;
      return { method, url, headers, body: method === "get" && body !== undefined && body.length > 1024 ? undefined : body };
    });
  // A valid request now and then, so the handlers run and writes land between hostile requests.
  const valid: FuzzRequest = {
    method: route.method,
    url: route.path.replace(/:(\w+)/g, (_match: string, name: string) => percentEncoded(examples.params[name] ?? "1")),
    headers: { authorization: `Bearer ${token}`, ...(examples.body === undefined ? {} : { "content-type": "application/json" }) },
    body: examples.body === undefined ? undefined : Buffer.from(JSON.stringify(examples.body)),
  };
  return fc.oneof({ weight: 6, arbitrary: hostile }, { weight: 1, arbitrary: fc.constant(valid) });
}
