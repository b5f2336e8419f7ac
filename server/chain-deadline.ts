// Deadlines on the chain calls a request makes, and what the API calls a chain it cannot use: one
// that does not answer in time, or cannot be reached at all. Both answer 503 with a message that
// says so, never 500 and never after minutes (a stopped node keeps TCP connections open and
// answers nothing).

/** Default deadline of the chain work one request does (`serve --chain-timeout`). */
export const DEFAULT_CHAIN_TIMEOUT_MS = 5_000;

/** Deadline of a health read or a probe: health must answer promptly whatever the chain does. */
export const HEALTH_TIMEOUT_MS = 1_500;

/** The chain did not answer within the deadline, or cannot be reached: the API answers 503. */
export class ChainUnavailableError extends Error {
  override readonly name = "ChainUnavailableError";
}

/** "5 s", "2.5 s", "250 ms": how a deadline reads in a message. */
export function formatDeadline(ms: number): string {
  return ms < 1_000 ? `${ms} ms` : `${Number((ms / 1_000).toFixed(3))} s`;
}

/**
 * Runs `call` with a deadline of `timeoutMs`. Past it, rejects with a ChainUnavailableError
 * ("the chain did not answer within 5 s" + `afterwards`, e.g. whether a write may still land)
 * and aborts the signal `call` was given, so work that has not reached the chain yet can stop
 * before its next step. An answer that comes after the deadline is dropped here: the call's
 * own bookkeeping must not depend on anyone still waiting for it.
 * @example
 * const events = await withChainDeadline(5_000, (signal) => cache.read(filter));
 */
export async function withChainDeadline<T>(
  timeoutMs: number,
  call: (signal: AbortSignal) => Promise<T>,
  afterwards: string | (() => string) = "",
): Promise<T> {
  const after = (): string => (typeof afterwards === "string" ? afterwards : afterwards());
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new ChainUnavailableError(`the chain did not answer within ${formatDeadline(timeoutMs)}${after()}`);
      controller.abort(error);
      reject(error);
    }, timeoutMs);
  });
  try {
    return await Promise.race([call(controller.signal), late]);
  } catch (error) {
    // A chain that cannot be reached fails fast: the same 503, with what went wrong.
    if (!(error instanceof ChainUnavailableError) && isChainTransportError(error)) {
      throw new ChainUnavailableError(`the chain cannot be reached (${transportReason(error)})${after()}`, { cause: error });
    }
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

// How a chain that cannot be reached shows up: Node's socket errors (ECONNREFUSED when nothing
// listens, ECONNRESET / "socket hang up" when the node dies mid-answer), undici's "fetch
// failed", and ethers' codes for a request that failed or timed out (NETWORK_ERROR, TIMEOUT,
// SERVER_ERROR: a bad HTTP answer), at any depth of the cause chain (ChainLedger wraps the
// last error of its retries).
const TRANSPORT_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
  "NETWORK_ERROR",
  "TIMEOUT",
  "SERVER_ERROR",
]);
const TRANSPORT_MESSAGE = /ECONNREFUSED|ECONNRESET|socket hang up|fetch failed|request timeout|error sending request/i;

/** What a person is told about a transport failure: the first code or known phrase found. */
const REASONS: ReadonlyArray<[RegExp, string]> = [
  [/ECONNREFUSED/, "connection refused"],
  [/ECONNRESET|socket hang up|EPIPE/, "connection reset"],
  [/TIMEOUT|ETIMEDOUT|request timeout/i, "request timed out"],
  [/ENOTFOUND|EAI_AGAIN/, "host not found"],
];

/** Whether `error` (or anything in its cause chain) is a failure to reach the chain, not an answer from it. */
export function isChainTransportError(error: unknown): boolean {
  return transportClues(error).length > 0;
}

/** "connection refused", "connection reset", ...: never the node's URL or an internal message. */
export function transportReason(error: unknown): string {
  const clues = transportClues(error).join(" ");
  return REASONS.find(([pattern]) => pattern.test(clues))?.[1] ?? "network error";
}

/** The codes and messages of `error`'s cause chain that name a transport failure. */
function transportClues(root: unknown): string[] {
  const clues: string[] = [];
  const seen = new Set<unknown>();
  const queue: unknown[] = [root];
  while (queue.length > 0 && seen.size < 32) {
    const node = queue.shift();
    if (node === null || typeof node !== "object" || seen.has(node)) continue;
    seen.add(node);
    const { code, message, cause, error, errors } = node as { code?: unknown; message?: unknown; cause?: unknown; error?: unknown; errors?: unknown };
    if (typeof code === "string" && TRANSPORT_CODES.has(code)) clues.push(code);
    if (typeof message === "string" && TRANSPORT_MESSAGE.test(message)) clues.push(message.split("\n")[0]!);
    queue.push(cause, error);
    if (Array.isArray(errors)) queue.push(...errors); // AggregateError (a dual-stack connect)
  }
  return clues;
}
