// What a baseline's customer is billed for compute: on-demand, what it used (the run's payments);
// reserved, its sites' whole capacity over the scenario's duration, used or not, less the
// commitment discount. The difference is the capacity paid for and left idle.
import type { Scenario } from "../scenario/schema.js";

/** A reserved baseline's bill in wei and its discount; null for on-demand (the payments are the bill). */
export type ReservedBill = { wei: bigint; discount: number } | null;

export interface BaselineBilling {
  centralized: ReservedBill;
  multiCloud: ReservedBill;
}

export const ON_DEMAND: BaselineBilling = { centralized: null, multiCloud: null };

/** Parts per million, so the discount applies in integer wei. */
const PPM = 1_000_000n;

export function baselineBilling(scenario: Scenario): BaselineBilling {
  const seconds = BigInt(Math.ceil(scenario.duration / 1_000));
  const reserved = (sites: ReadonlyArray<{ capacity: number; pricePerSecond: bigint }>, discount: number): ReservedBill => {
    const full = sites.reduce((sum, site) => sum + BigInt(site.capacity) * site.pricePerSecond * seconds, 0n);
    return { wei: (full * (PPM - BigInt(Math.round(discount * 1e6)))) / PPM, discount };
  };
  const { centralized, multiCloud } = scenario.baselines;
  return {
    centralized: centralized.billing === "reserved" ? reserved([centralized], centralized.reservedDiscount) : null,
    multiCloud: multiCloud.billing === "reserved" ? reserved([multiCloud.primary, multiCloud.failover], multiCloud.reservedDiscount) : null,
  };
}
