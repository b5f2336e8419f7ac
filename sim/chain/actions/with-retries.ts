import type { Chain } from "../connect.js";
import { ChainError } from "../errors.js";

// A JSON-RPC answer can be lost after the node acted on the request. Reads are simply retried;
// sends and mining check first whether the lost try already happened (send-once.ts, mine-once.ts).

/**
 * Tries of one JSON-RPC call when its answer does not come back (a dropped connection, a lost
 * response), and the pause before the n-th retry (n × RETRY_PAUSE_MS). A node that is gone fails
 * every try quickly, so the run ends with a clear ChainError within a second.
 */
const RPC_TRIES = 4;
const RETRY_PAUSE_MS = 50;

/**
 * Runs `attempt(retry)` until it succeeds, at most RPC_TRIES times, pausing between tries.
 * @throws ChainError naming the call, the endpoint and the last error, after the last try.
 */
export async function withRetries<T>(chain: Chain, what: string, attempt: (retry: number) => Promise<T>): Promise<T> {
  let lastError: unknown;
  for (let retry = 0; retry < RPC_TRIES; retry += 1) {
    if (retry > 0) await new Promise((resolve) => setTimeout(resolve, retry * RETRY_PAUSE_MS));
    try {
      return await attempt(retry);
    } catch (error) {
      lastError = error;
    }
  }
  const where = chain.url === undefined ? "the embedded chain" : `the JSON-RPC node at ${chain.url}`;
  const reason = lastError instanceof Error ? ((lastError as { shortMessage?: string }).shortMessage ?? lastError.message) : String(lastError);
  throw new ChainError(`${where} did not complete ${what} after ${RPC_TRIES} tries (last error: ${reason.split("\n")[0]})`, { cause: lastError });
}

/** A read (or any call that is harmless to repeat), retried when its answer is lost. */
export function readWithRetries<T>(chain: Chain, method: string, params: unknown[]): Promise<T> {
  return withRetries(chain, method, async () => (await chain.rpc(method, params)) as T);
}
