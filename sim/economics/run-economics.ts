// A run's money in USD: what each system's posters paid per task (compute and, on the market,
// their own gas), who paid the market's gas, and the gas price at which the market stops being
// cheaper than each baseline. A pure function of a run's metrics and its scenario's `chain`
// section, so a metrics.json can be re-priced at any gas price without running again.
import type { SystemMetrics } from "../metrics/collector.js";
import { PARTIES, type Party } from "../metrics/gas-by-party.js";
import { ON_DEMAND, type BaselineBilling, type ReservedBill } from "./baseline-billing.js";
import { gasToUsd, weiToUsd, type ChainCost } from "./chain-cost.js";

export interface SystemEconomics {
  /** Everything the posters paid (compute, and on the market their gas), over the tasks completed. */
  costPerCompletedTaskUsd: number | null;
  /** The same over the tasks completed within their deadline. */
  costPerOnTimeTaskUsd: number | null;
  /** What the posters paid for compute: the payments, or a reserved baseline's whole bill. */
  computePaidUsd: number;
  /** A reserved baseline's bill for capacity it did not use (at the reserved rate); 0 on demand, null for the market. */
  reservedIdleUsd: number | null;
  /** The market's gas by who paid it; null for the baselines and off chain (the memory ledger measures no gas). */
  gasCostUsd: (Record<Party, number> & { total: number }) | null;
}

export interface RunEconomics {
  chain: ChainCost;
  systems: { market: SystemEconomics; centralized: SystemEconomics; multiCloud: SystemEconomics };
  /**
   * The gas price (gwei) at which the market's cost per completed task equals each baseline's,
   * the run's behaviour held fixed (the same transactions and payments); below it the market is
   * cheaper. Negative: the market is dearer even with free gas. Null without gas (memory
   * ledger) or without completed tasks. Rollup data fees count at the scenario's figure.
   */
  breakEvenGasPriceGwei: { centralized: number | null; multiCloud: number | null };
}

/** @param billing how each baseline's customer pays (default: on demand, for what it used). */
export function runEconomics(systems: { market: SystemMetrics; centralized: SystemMetrics; multiCloud: SystemMetrics }, chain: ChainCost, billing: BaselineBilling = ON_DEMAND): RunEconomics {
  const market = systems.market;
  const parties = market.gasByParty;
  const gasCostUsd =
    parties === null ? null : { ...(Object.fromEntries(PARTIES.map((p) => [p, gasToUsd(parties[p].gas, parties[p].transactions, chain)])) as Record<Party, number>), total: 0 };
  if (gasCostUsd !== null) gasCostUsd.total = PARTIES.reduce((sum, p) => sum + gasCostUsd[p], 0);
  const postersGasUsd = gasCostUsd?.posters ?? 0;
  const centralized = baselineEconomics(systems.centralized, billing.centralized, chain);
  const multiCloud = baselineEconomics(systems.multiCloud, billing.multiCloud, chain);
  const breakEven = (baseline: SystemEconomics): number | null => {
    if (parties === null || market.tasksCompleted === 0 || baseline.costPerCompletedTaskUsd === null) return null;
    const postersGas = Number(BigInt(parties.posters.gas));
    if (postersGas === 0) return null;
    // market paid + posters' gas × price + their data fees = baseline's cost per task × market's completed tasks
    const target = baseline.costPerCompletedTaskUsd * market.tasksCompleted;
    const left = target - weiToUsd(market.totalPaidWei, chain) - parties.posters.transactions * chain.l1DataFeeUsdPerTx;
    return (left / chain.ethUsd / postersGas) * 1e9;
  };
  return {
    chain,
    systems: {
      market: { ...perTask(market, weiToUsd(market.totalPaidWei, chain) + postersGasUsd), computePaidUsd: weiToUsd(market.totalPaidWei, chain), reservedIdleUsd: null, gasCostUsd },
      centralized,
      multiCloud,
    },
    breakEvenGasPriceGwei: { centralized: breakEven(centralized), multiCloud: breakEven(multiCloud) },
  };
}

/** A baseline: on demand it pays for what it used; reserved, its whole bill, the unused part of it idle. */
function baselineEconomics(m: SystemMetrics, reserved: ReservedBill, chain: ChainCost): SystemEconomics {
  const usedUsd = weiToUsd(m.totalPaidWei, chain);
  if (reserved === null) return { ...perTask(m, usedUsd), computePaidUsd: usedUsd, reservedIdleUsd: 0, gasCostUsd: null };
  const billUsd = weiToUsd(reserved.wei, chain);
  return { ...perTask(m, billUsd), computePaidUsd: billUsd, reservedIdleUsd: Math.max(0, billUsd - usedUsd * (1 - reserved.discount)), gasCostUsd: null };
}

function perTask(m: SystemMetrics, totalUsd: number): Pick<SystemEconomics, "costPerCompletedTaskUsd" | "costPerOnTimeTaskUsd"> {
  const onTime = Math.round(m.onTimeRate * m.tasksPosted);
  return {
    costPerCompletedTaskUsd: m.tasksCompleted === 0 ? null : totalUsd / m.tasksCompleted,
    costPerOnTimeTaskUsd: onTime === 0 ? null : totalUsd / onTime,
  };
}
