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
}

/** Defaults: a 1 ETH bond, a day to unbond, 10% slash for a miss, 5% for an abandon. */
export const DEFAULT_MARKET_CONFIG: Readonly<MarketConfig> = Object.freeze({
  minStake: 10n ** 18n, // 1 ether
  unbondingDelay: 86_400,
  slashBps: 1_000,
  abandonSlashBps: 500,
  maxRounds: 3,
  fallbackDepth: 3,
});

/**
 * A short fingerprint of a market config: the first 16 hex digits of the keccak-256 of its
 * fields in a fixed order. 64 bits are plenty to tell apart the few configs one registry holds.
 * @example configFingerprint(DEFAULT_MARKET_CONFIG) // 16 hex digits
 */
export function configFingerprint(config: MarketConfig): string {
  const fields = [config.minStake, config.unbondingDelay, config.slashBps, config.abandonSlashBps, config.maxRounds, config.fallbackDepth];
  return id(fields.join("/")).slice(2, 18);
}
