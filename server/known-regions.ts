// The regions a market knows: its scenario's configured regions (a live market) and every region
// a provider registered in on chain. A task or an outage naming any other region is refused with
// the list, rather than accepted to match no provider ever: a region spelled with a bidi override
// ("\u202e1-tsae-su" displays as us-east-1) or a zero-width space ("any\u200b") is not one of them.
import { RequestInputError } from "./errors.js";
import type { MarketService } from "./market-service.js";
import { ZodError } from "zod";

/** The market's known regions, sorted, without "any". */
export async function knownRegions(market: MarketService): Promise<string[]> {
  const registered = (await market.history()).providers();
  const names = new Set([...(market.live?.configuredRegions() ?? []), ...registered.map((p) => p.registered!.region)]);
  names.delete("any");
  return [...names].sort();
}

/**
 * Throws a 400 (as the schemas' own, at `path` in the body) unless `region` is one the market
 * knows, or "any" where `allowAny`.
 */
export async function requireKnownRegion(market: MarketService, region: string, options: { path?: string; allowAny: boolean }): Promise<void> {
  if (options.allowAny && region === "any") return;
  const known = await knownRegions(market);
  if (known.includes(region)) return;
  const listed = [...(options.allowAny ? ["any"] : []), ...known];
  const message = `unknown region ${printable(region)}: this market knows ${listed.length === 0 ? "none (no provider has registered)" : listed.join(", ")}`;
  const error = new ZodError([{ code: "custom", path: [options.path ?? "region"], message, input: region }]);
  throw new RequestInputError([{ location: "body", error }]);
}

/** A name quoted with everything but printable ASCII escaped as \uXXXX, so an invisible or reordering character shows. */
export function printable(value: string): string {
  return `"${[...value.slice(0, 64)].map((c) => (/^[\x20-\x7e]$/.test(c) && c !== '"' && c !== "\\" ? c : escape(c))).join("")}${value.length > 64 ? "…" : ""}"`;
}

function escape(char: string): string {
  if (char === '"' || char === "\\") return `\\${char}`;
  return [...Array(char.length).keys()].map((i) => `\\u${char.charCodeAt(i).toString(16).padStart(4, "0")}`).join("");
}
