// Resuming a market system on a market that outlived the process that ran it (`serve --rpc-url`
// over a persisted node, the market reused from the deployment registry): what the chain's
// history says about the providers and about the tasks that have not ended, so that the system
// carries on from there instead of starting from an empty market. Only the chain is read: what
// the previous process held in memory and had not sent (a running execution, an unsent result)
// is gone with it.
import type { Address } from "../protocol/actions.js";
import type { MarketHistory } from "../protocol/history.js";
import type { TaskState } from "../protocol/task-state.js";

/** A task that is still Open or Awarded on chain. */
export interface ResumedTask extends TaskState {
  status: "Open" | "Awarded";
  requirementsHash: string;
  /** Compute-milliseconds, as `sizeOf` told (the chain does not hold a task's size). */
  size: number;
  maxPrice: bigint;
  region: string;
  /** Every bid on it, every round, in chain order. */
  bids: Array<{ provider: Address; price: bigint; round: number }>;
  /** Providers it was rerouted away from: the contract bars them from it. */
  failed: Address[];
}

/** The market as the chain's events leave it, for a MarketSystem to resume from. */
export interface ResumeState {
  /** Every provider that registered with the market. */
  registered: ReadonlySet<Address>;
  /** Wei slashed from each provider, in total. */
  slashed: ReadonlyMap<Address, bigint>;
  /** Tasks that have not ended (neither Completed nor Refunded), by ascending id. */
  tasks: readonly ResumedTask[];
}

/**
 * Builds the resume state from the market's history since its deployment. `sizeOf` gives the
 * size of a task from its requirements reference.
 */
export function resumeState(history: MarketHistory, sizeOf: (requirementsHash: string) => number): ResumeState {
  const providers = history.providers();
  const tasks: ResumedTask[] = [];
  for (const h of history.tasks()) {
    if (h.status !== "Open" && h.status !== "Awarded") continue;
    tasks.push({
      taskId: h.taskId,
      status: h.status,
      round: h.round,
      bidWindowEnd: h.bidWindowEnd,
      epoch: h.epoch,
      deadline: h.deadline,
      assignee: h.assignee,
      requirementsHash: h.requirementsHash,
      size: sizeOf(h.requirementsHash),
      maxPrice: h.maxPrice,
      region: h.region,
      bids: h.bids.map((b) => ({ provider: b.provider, price: b.price, round: b.round })),
      failed: h.reroutes.map((r) => r.provider),
    });
  }
  return {
    registered: new Set(providers.map((p) => p.address)),
    slashed: new Map(providers.filter((p) => p.slashedTotal > 0n).map((p) => [p.address, p.slashedTotal])),
    tasks,
  };
}
