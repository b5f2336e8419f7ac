// What gas costs in USD: a scenario's `chain` section names a preset and may override its
// figures. The presets' figures and their dated sources are in docs/pricing.md (rows C1–C11).
// Wei stays the on-chain unit; these only turn gas and wei into USD for the outputs.

export const CHAIN_PRESET_NAMES = ["ethereum-l1", "l2-rollup", "app-chain"] as const;
export type ChainPresetName = (typeof CHAIN_PRESET_NAMES)[number];

export interface ChainCost {
  preset: ChainPresetName;
  /** Execution gas price, gwei per gas. */
  gasPriceGwei: number;
  /** USD per ETH: prices in wei and gas in ETH turn into USD at this rate. */
  ethUsd: number;
  /** USD per transaction passed on for posting its data to L1 (a rollup's data fee); 0 elsewhere. */
  l1DataFeeUsdPerTx: number;
}

/**
 * - ethereum-l1: 0.5 gwei, between the 0.067 gwei of 9 Nov 2025 and the "well below 1 gwei" of
 *   October and November 2025 (C1, C2); ETH at $3,100, about its price on 19 Nov 2025 (C4).
 * - l2-rollup: Arbitrum One's minimum base fee, 0.01 gwei (C6), and $0.0003 a transaction of L1
 *   data cost on the OP Superchain in October 2025 (C7).
 * - app-chain: a chain whose operator sets gas to nothing.
 */
export const CHAIN_PRESETS: Readonly<Record<ChainPresetName, Omit<ChainCost, "preset">>> = {
  "ethereum-l1": { gasPriceGwei: 0.5, ethUsd: 3_100, l1DataFeeUsdPerTx: 0 },
  "l2-rollup": { gasPriceGwei: 0.01, ethUsd: 3_100, l1DataFeeUsdPerTx: 0.0003 },
  "app-chain": { gasPriceGwei: 0, ethUsd: 3_100, l1DataFeeUsdPerTx: 0 },
};

/** The preset of a scenario that names none: a rollup, where a market of this kind would run today. */
export const DEFAULT_CHAIN_PRESET: ChainPresetName = "l2-rollup";

/** A preset with the scenario's overrides. */
export function resolveChainCost(section: { preset: ChainPresetName; gasPriceGwei?: number; ethUsd?: number; l1DataFeeUsdPerTx?: number }): ChainCost {
  const preset = CHAIN_PRESETS[section.preset];
  return {
    preset: section.preset,
    gasPriceGwei: section.gasPriceGwei ?? preset.gasPriceGwei,
    ethUsd: section.ethUsd ?? preset.ethUsd,
    l1DataFeeUsdPerTx: section.l1DataFeeUsdPerTx ?? preset.l1DataFeeUsdPerTx,
  };
}

const WEI_PER_ETH = 1e18;
const GWEI_PER_ETH = 1e9;

/** An amount in wei, in USD. */
export function weiToUsd(wei: bigint | string, chain: ChainCost): number {
  return (Number(BigInt(wei)) / WEI_PER_ETH) * chain.ethUsd;
}

/** What `gas` gas units in `transactions` transactions cost in USD on this chain. */
export function gasToUsd(gas: bigint | string, transactions: number, chain: ChainCost): number {
  return (Number(BigInt(gas)) * chain.gasPriceGwei * chain.ethUsd) / GWEI_PER_ETH + transactions * chain.l1DataFeeUsdPerTx;
}
