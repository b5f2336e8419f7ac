// The market's parameters: what ComputeMarket's constructor takes, the defaults bidmesh deploys
// with, and a fingerprint that names a config in the deployment registry. Pure data: the chain
// adapter, the memory model and the scenario schema all speak it.
import { id } from "ethers";

/** Market parameters, as the contract's constructor takes them. */
export interface MarketConfig {
  /** Wei a provider needs staked to bid; each active assignment locks this much. */
  minStake: bigint;
  /** Seconds between a stake withdrawal request and its payout. */
  unbondingDelay: number;
  /** Basis points of stake slashed for a missed deadline. */
  slashBps: number;
  /** Basis points of stake slashed for abandoning (at most slashBps). */
  abandonSlashBps: number;
  /** Auction rounds per task before a refund, first auction included. */
  maxRounds: number;
  /** Bids kept per task: the winner and its fallbacks (1 to 8). */
  fallbackDepth: number;
  /**
   * Wei paid from a task's escrow to whoever closes its auction or reroutes it after a missed
   * deadline (zero: none). Each task escrows keeperReserve(config) on top of its maxPrice.
   */
  keeperFee: bigint;
}

/** Defaults: a 1 ETH bond, a day to unbond, 10% slash for a miss, 5% for an abandon. */
export const DEFAULT_MARKET_CONFIG: Readonly<MarketConfig> = Object.freeze({
  minStake: 10n ** 18n, // 1 ether
  unbondingDelay: 86_400,
  slashBps: 1_000,
  abandonSlashBps: 500,
  maxRounds: 3,
  fallbackDepth: 3,
  keeperFee: 0n,
});

/** Keeper calls one task's reserve pays for: per round one close and at most fallbackDepth reroutes. */
export function keeperCalls(config: Pick<MarketConfig, "maxRounds" | "fallbackDepth">): number {
  return config.maxRounds * (config.fallbackDepth + 1);
}

/** The keeper reserve every task escrows on top of its maxPrice: the contract's keeperReserve(). */
export function keeperReserve(config: Pick<MarketConfig, "keeperFee" | "maxRounds" | "fallbackDepth">): bigint {
  return config.keeperFee * BigInt(keeperCalls(config));
}

/**
 * A short fingerprint of a market config: the first 16 hex digits of the keccak-256 of its
 * fields in a fixed order. 64 bits are plenty to tell apart the few configs one registry holds.
 * @example configFingerprint(DEFAULT_MARKET_CONFIG) // 16 hex digits
 */
export function configFingerprint(config: MarketConfig): string {
  const fields: Array<bigint | number> = [config.minStake, config.unbondingDelay, config.slashBps, config.abandonSlashBps, config.maxRounds, config.fallbackDepth];
  // Appended only when set, so a market without keeper fees keeps the fingerprint it had.
  if (config.keeperFee !== 0n) fields.push(config.keeperFee);
  return id(fields.join("/")).slice(2, 18);
}
