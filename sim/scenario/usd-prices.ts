import { z } from "zod";
import { atMost, SCENARIO_LIMITS as L } from "./limits.js";

// Compute prices in a scenario may be written in USD per GPU-hour, the unit public price lists use
// (docs/pricing.md), instead of ETH per compute-second, the unit the chain works in. One GPU-hour
// is 3,600 compute-seconds: a speed-1 node is one GPU, and each unit of capacity one GPU.
// Parsing converts either way at the scenario's chain.ethUsd, so every parsed price carries both:
// wei per compute-second for the simulation, USD per GPU-hour for the outputs.

const SECONDS_PER_HOUR = 3_600n;
/** USD amounts go through integers of a billionth of a dollar, ETH/USD of a millionth. */
const NANO = 1e9;
const MICRO = 1e6;

/** A USD-per-GPU-hour field: positive, at most the scenario limit. */
export function usdPerGpuHourSchema() {
  return z.number().gt(0).max(L.usdPerGpuHour, atMost(L.usdPerGpuHour, " USD a GPU-hour"));
}

/**
 * Wei per compute-second for a price in USD per GPU-hour at `ethUsd`, rounded down.
 * @example usdPerHourToWeiPerSecond(3.1, 3_100) // 277_777_777_777n (0.001 ETH an hour)
 */
export function usdPerHourToWeiPerSecond(usdPerHour: number, ethUsd: number): bigint {
  const nanoUsd = BigInt(Math.round(usdPerHour * NANO));
  const microEthUsd = BigInt(Math.round(ethUsd * MICRO));
  // wei/s = usd/h ÷ 3600 ÷ (usd/ETH) × 1e18, with usd in 1e-9 and usd/ETH in 1e-6 units.
  return (nanoUsd * 10n ** 15n) / (SECONDS_PER_HOUR * microEthUsd);
}

/** USD per GPU-hour for a price in wei per compute-second at `ethUsd`. */
export function weiPerSecondToUsdPerHour(weiPerSecond: bigint, ethUsd: number): number {
  return (Number(weiPerSecond * SECONDS_PER_HOUR) / 1e18) * ethUsd;
}

/** The two ways a scenario states one price, and the message when it gives neither or both. */
export interface PricePair {
  eth: string;
  usd: string;
}

/** Refines an object that must give exactly one of the pair's fields. */
export function checkOnePrice(value: Record<string, unknown>, pair: PricePair, ctx: z.RefinementCtx): void {
  const hasEth = value[pair.eth] !== undefined;
  const hasUsd = value[pair.usd] !== undefined;
  if (hasEth === hasUsd) {
    ctx.addIssue({
      code: "custom",
      path: [hasEth ? pair.usd : pair.eth],
      message: hasEth
        ? `give ${pair.eth} (ETH per compute-second) or ${pair.usd} (USD per GPU-hour), not both`
        : `required: ${pair.eth} (ETH per compute-second) or ${pair.usd} (USD per GPU-hour, see docs/pricing.md)`,
    });
  }
}

/** A price in both units, from whichever one the scenario gave. */
export interface BothUnits {
  /** Wei per compute-second. */
  wei: bigint;
  /** USD per GPU-hour. */
  usd: number;
}

/**
 * Both units of a price given in one of them (checkOnePrice has made sure exactly one is there),
 * or an issue at `path` when a USD price comes to less than 1 wei a compute-second.
 */
export function bothUnits(eth: bigint | undefined, usd: number | undefined, ethUsd: number, path: PropertyKey[], ctx: z.RefinementCtx): BothUnits {
  if (eth !== undefined) return { wei: eth, usd: weiPerSecondToUsdPerHour(eth, ethUsd) };
  const given = usd ?? 0;
  const wei = usdPerHourToWeiPerSecond(given, ethUsd);
  if (wei <= 0n) {
    ctx.addIssue({ code: "custom", path, message: `is less than 1 wei a compute-second at chain.ethUsd ${ethUsd}, got ${given}` });
    return { wei: 1n, usd: given };
  }
  return { wei, usd: given };
}
