import { isHexString, type Interface, type ErrorDescription } from "ethers";

/** Options of a ChainError. */
export interface ChainErrorOptions {
  cause?: unknown;
  /** The decoded custom error, when the chain reverted with one. */
  errorName?: string;
  /** The custom error's arguments by parameter name. */
  errorArgs?: Record<string, unknown>;
  /** More context for a person reading the error. */
  details?: string;
}

/**
 * An error from the chain layer. When a call reverted with one of the market's custom errors,
 * `errorName` and `errorArgs` carry it, decoded the same way whether the chain is embedded or
 * reached over HTTP.
 */
export class ChainError extends Error {
  override readonly name = "ChainError";
  readonly shortMessage: string;
  readonly errorName?: string;
  readonly errorArgs?: Record<string, unknown>;
  readonly details?: string;

  constructor(shortMessage: string, options: ChainErrorOptions = {}) {
    super(options.details === undefined ? shortMessage : `${shortMessage}: ${options.details}`, {
      cause: options.cause,
    });
    this.shortMessage = shortMessage;
    this.errorName = options.errorName;
    this.errorArgs = options.errorArgs;
    this.details = options.details;
  }
}

/**
 * Turns whatever ethers or the node threw into a ChainError, decoding the revert data with
 * `iface` when it names one of its custom errors.
 */
export function decodeChainError(error: unknown, iface: Interface): ChainError {
  if (error instanceof ChainError) return error;
  const data = findRevertData(error);
  if (data !== undefined) {
    let decoded: ErrorDescription | null = null;
    try {
      decoded = iface.parseError(data);
    } catch {
      decoded = null;
    }
    if (decoded !== null) {
      const errorArgs = Object.fromEntries(decoded.fragment.inputs.map((input, i) => [input.name, decoded.args[i]]));
      return new ChainError(`reverted with ${decoded.name}(${formatArgs(errorArgs)})`, {
        cause: error,
        errorName: decoded.name,
        errorArgs,
      });
    }
    return new ChainError(`reverted with unknown data ${data.slice(0, 10)}`, { cause: error });
  }
  const message = error instanceof Error ? ((error as { shortMessage?: string }).shortMessage ?? error.message) : String(error);
  return new ChainError(message, { cause: error });
}

/**
 * Runs a chain call and rethrows any failure as a decoded ChainError.
 * @example
 * await withChainErrors(market.interface, () => market.placeBid(1n, 10n));
 */
export async function withChainErrors<T>(iface: Interface, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw decodeChainError(error, iface);
  }
}

/** Formats decoded arguments the way a person reads them: `taskId=3, price=10`. */
export function formatArgs(args: Record<string, unknown>): string {
  return Object.entries(args)
    .map(([key, value]) => `${key}=${String(value)}`)
    .join(", ");
}

// Revert data sits at different depths depending on the transport: ethers' CALL_EXCEPTION has
// `data`; over HTTP the node's JSON-RPC error is under `info.error.data` or `error.data`; an
// in-process Hardhat error keeps it on `data` of a nested cause. Search them all, breadth first.
const NESTED_KEYS = ["error", "info", "cause", "payload", "data"] as const;

function findRevertData(root: unknown): string | undefined {
  const queue: unknown[] = [root];
  const seen = new Set<unknown>();
  while (queue.length > 0) {
    const node = queue.shift();
    if (node === null || typeof node !== "object" || seen.has(node)) continue;
    seen.add(node);
    const record = node as Record<string, unknown>;
    const data = record["data"];
    if (typeof data === "string" && isHexString(data) && data.length >= 10) return data;
    if (data !== null && typeof data === "object") {
      const nested = (data as Record<string, unknown>)["data"];
      if (typeof nested === "string" && isHexString(nested) && nested.length >= 10) return nested;
    }
    for (const key of NESTED_KEYS) queue.push(record[key]);
  }
  return undefined;
}
