// The API's one error middleware and the errors it knows. Every error answer is JSON; none ever
// carries a stack, a file path or an internal message, whatever NODE_ENV is: an unknown error is
// logged on the server and answered with a bare 500.
import { STATUS_CODES } from "node:http";
import type { ErrorRequestHandler, RequestHandler } from "express";
import { ZodError } from "zod";
import { ChainError } from "../sim/chain/errors.js";
import { InputError } from "../sim/input-error.js";
import { ChainUnavailableError, isChainTransportError, transportReason } from "./chain-deadline.js";
import type { ErrorResponse } from "./schemas.js";

/** Where a request's invalid input was. */
export type InputLocation = "body" | "query" | "path";

/** An answer the API chose: its status and JSON body are sent as they are. */
export class HttpError extends Error {
  override readonly name = "HttpError";

  constructor(
    readonly status: number,
    readonly body: ErrorResponse,
  ) {
    super(body.error);
  }
}

/** The parts of a request that failed their schemas: all of them, so one answer lists every problem. */
export class RequestInputError extends Error {
  override readonly name = "RequestInputError";

  constructor(readonly parts: ReadonlyArray<{ location: InputLocation; error: ZodError }>) {
    super(`invalid ${parts.map((p) => p.location).join(", ")}`);
  }
}

/** Logs an unexpected error on the server side; never sent to the client. */
export type ErrorLogger = (error: unknown) => void;

export const defaultErrorLogger: ErrorLogger = (error) => {
  console.error("bidmesh api: unexpected error:", error);
};

/** The 404 for every path no route serves. */
export const notFoundHandler: RequestHandler = (_req, res) => {
  res.status(404).json({ error: "not found" } satisfies ErrorResponse);
};

/**
 * The one error middleware: ZodError and InputError → 400 with field paths, malformed JSON → 400,
 * body over the limit → 413, a contract's custom error → 409 with its name and arguments, a chain
 * that does not answer in time or cannot be reached → 503 saying so, anything else → 500
 * {error: "internal error"}.
 */
export function errorHandler(log: ErrorLogger = defaultErrorLogger): ErrorRequestHandler {
  return (error: unknown, _req, res, _next) => {
    const { status, body } = errorResponse(error, log);
    if (res.headersSent) {
      // Too late for a clean answer: cut the response so the client sees it failed.
      res.destroy();
      return;
    }
    res.status(status).json(body);
  };
}

/** The status and body for `error`. */
export function errorResponse(error: unknown, log: ErrorLogger): { status: number; body: ErrorResponse } {
  if (error instanceof HttpError) return { status: error.status, body: error.body };
  if (error instanceof RequestInputError) return invalid(error.parts.flatMap((part) => zodIssues(part.error, part.location)));
  if (error instanceof ZodError) return invalid(zodIssues(error));
  if (error instanceof InputError) return invalid([{ path: error.field, message: error.problem }]);
  if (error instanceof ChainError && error.errorName !== undefined) {
    return { status: 409, body: { error: error.errorName, args: jsonArgs(error.errorArgs ?? {}) } };
  }
  if (error instanceof ChainUnavailableError) return { status: 503, body: { error: error.message } };
  // A transport failure that did not pass through a deadline (any chain read): the same 503.
  if (isChainTransportError(error)) {
    return { status: 503, body: { error: `the chain cannot be reached (${transportReason(error)}); retry when /api/health says it is reachable` } };
  }
  // Express's router cannot decode a path parameter with a malformed %-escape: a URIError.
  if (error instanceof URIError) return { status: 400, body: { error: "malformed percent-encoding in the URL path" } };
  const parserError = bodyParserError(error);
  if (parserError !== undefined) return parserError;
  log(error);
  return { status: 500, body: { error: "internal error" } };
}

function invalid(issues: NonNullable<ErrorResponse["issues"]>): { status: number; body: ErrorResponse } {
  return { status: 400, body: { error: "invalid request", issues } };
}

/** One issue per field: an unknown key is named in the path, not only in the message. */
function zodIssues(error: ZodError, location?: InputLocation): NonNullable<ErrorResponse["issues"]> {
  const where = location === undefined ? {} : { in: location };
  return error.issues.flatMap((issue) => {
    const path = issue.path.map(String);
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => ({ ...where, path: [...path, key].join("."), message: "unknown field" }));
    }
    return [{ ...where, path: path.join("."), message: issue.message }];
  });
}

/** Custom error arguments as JSON: bigints as decimal strings. */
function jsonArgs(args: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(args).map(([key, value]) => [key, typeof value === "bigint" ? value.toString() : value]));
}

/**
 * The errors express's body parser raises (http-errors with a `type`): answered with their
 * status and a fixed message, never the parser's own text.
 */
function bodyParserError(error: unknown): { status: number; body: ErrorResponse } | undefined {
  if (error === null || typeof error !== "object") return undefined;
  const { type, status, expose } = error as { type?: unknown; status?: unknown; expose?: unknown };
  if (typeof status !== "number" || status < 400 || status > 499 || expose !== true) return undefined;
  switch (type) {
    case "entity.parse.failed":
      return { status: 400, body: { error: "malformed JSON" } };
    case "entity.too.large":
      return { status: 413, body: { error: "request body too large" } };
    case "encoding.unsupported":
    case "charset.unsupported":
      return { status: 415, body: { error: "unsupported content encoding or charset" } };
    default:
      return { status, body: { error: (STATUS_CODES[status] ?? "bad request").toLowerCase() } };
  }
}
