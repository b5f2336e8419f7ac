// Adds what a reader needs beside the chain's raw references to the API's ledger answers: the
// node name (`colo-use1#3`: the scenario's group and index, as the simulator names its nodes)
// beside a provider's address, and the block's time beside a block number, as ISO 8601 UTC of
// the block's chain timestamp (on the live market, virtual time = that timestamp minus the
// stream snapshot's chainTimeZero). Fields are only added, never changed or removed:
//   blockNumber → blockTime, postedBlock → postedTime, registeredBlock → registeredTime,
//   provider → providerNode (also for an event's args.provider), a provider's address → node.
// A name is null for an address that is not one of the live market's providers (or without a
// live market); a time is null when the chain has no such block.
import type { MarketService } from "./market-service.js";

/** Fields holding a block number, and the time field each gets beside it. */
const BLOCK_FIELDS: Record<string, string> = { blockNumber: "blockTime", postedBlock: "postedTime", registeredBlock: "registeredTime" };

type Json = unknown;

function isObject(value: Json): value is Record<string, Json> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Every block number the answer mentions. Event args are the chain's own and are not walked. */
function collectBlocks(value: Json, into: Set<number>): void {
  if (Array.isArray(value)) for (const item of value) collectBlocks(item, into);
  else if (isObject(value)) {
    for (const [key, v] of Object.entries(value)) {
      if (key in BLOCK_FIELDS && typeof v === "number") into.add(v);
      else if (key !== "args") collectBlocks(v, into);
    }
  }
}

function annotateValue(value: Json, times: ReadonlyMap<number, number>, node: (address: string) => string | null): Json {
  if (Array.isArray(value)) return value.map((item) => annotateValue(item, times, node));
  if (!isObject(value)) return value;
  const out: Record<string, Json> = {};
  for (const [key, v] of Object.entries(value)) {
    out[key] = key === "args" ? v : annotateValue(v, times, node);
    const timeField = BLOCK_FIELDS[key];
    if (timeField !== undefined && typeof v === "number") {
      const seconds = times.get(v);
      out[timeField] = seconds === undefined ? null : new Date(seconds * 1_000).toISOString();
    }
    if (key === "provider" && (typeof v === "string" || v === null)) out["providerNode"] = typeof v === "string" ? node(v) : null;
  }
  // A provider summary: its own address. An event: the provider among its args.
  if (typeof value["address"] === "string" && "registeredBlock" in value) out["node"] = node(value["address"]);
  if (isObject(value["args"]) && "logIndex" in value) {
    const provider = value["args"]["provider"];
    out["providerNode"] = typeof provider === "string" ? node(provider) : null;
  }
  return out;
}

/**
 * The answer with node names and block times added (see above). Reads the chain only for
 * block timestamps it has not seen.
 */
export async function annotate<T>(market: MarketService, body: T): Promise<T> {
  const blocks = new Set<number>();
  collectBlocks(body, blocks);
  const times = market.blockTimes === undefined || blocks.size === 0 ? new Map<number, number>() : await market.blockTimes(blocks);
  const node = (address: string): string | null => market.live?.nodeName(address) ?? null;
  return annotateValue(body, times, node) as T;
}

/** The fields annotate adds. */
type Added = "blockTime" | "postedTime" | "registeredTime" | "providerNode" | "node";

/** An answer's type before annotate adds its fields: what views.ts builds from the chain. */
export type Plain<T> = T extends readonly (infer U)[] ? Plain<U>[] : T extends object ? { [K in keyof T as K extends Added ? never : K]: Plain<T[K]> } : T;
