// Resuming a market system on a market that outlived the process that ran it (`serve --rpc-url`
// over a persisted node, the market reused from the deployment registry): what the chain's
// events say about the providers and about the tasks that have not ended, so that the system
// carries on from there instead of starting from an empty market. Only the chain is read: what
// the previous process held in memory and had not sent (a running execution, an unsent result)
// is gone with it.
import type { Chain } from "../chain/connect.js";
import { readLedgerEvents, taskHistory, type LedgerEvent } from "../chain/ledger-reader.js";
import type { Address } from "../protocol/actions.js";

/** A task that is still Open or Awarded on chain. */
export interface ResumedTask {
  taskId: number;
  status: "Open" | "Awarded";
  requirementsHash: string;
  /** Compute-milliseconds, as `sizeOf` told (the chain does not hold a task's size). */
  size: number;
  maxPrice: bigint;
  region: string;
  /** The auction round (0 for the first auction, + 1 per re-auction). */
  round: number;
  /** End (chain seconds) of the current round's bid window. */
  bidWindowEnd: number;
  /** Every bid on it, every round, in chain order. */
  bids: Array<{ provider: Address; price: bigint; round: number }>;
  /** Epoch and deadline (chain seconds) of its latest award; 0 if it was never awarded. */
  epoch: number;
  deadline: number;
  /** Awarded: the provider it is assigned to. */
  assignee?: Address;
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
 * Builds the resume state from the market's events (every event since its deployment, in chain
 * order). `sizeOf` gives the size of a task from its requirements reference.
 */
export function resumeState(events: readonly LedgerEvent[], sizeOf: (requirementsHash: string) => number): ResumeState {
  const registered = new Set<Address>();
  const slashed = new Map<Address, bigint>();
  // Grouped by task first: taskHistory filters the events it is given, once per task.
  const byTask = new Map<bigint, LedgerEvent[]>();
  for (const event of events) {
    if (event.name === "ProviderRegistered") registered.add(event.args["provider"] as Address);
    if (event.name === "ProviderSlashed") {
      const provider = event.args["provider"] as Address;
      slashed.set(provider, (slashed.get(provider) ?? 0n) + (event.args["amount"] as bigint));
    }
    if (event.taskId === undefined) continue;
    let own = byTask.get(event.taskId);
    if (own === undefined) byTask.set(event.taskId, (own = []));
    own.push(event);
  }
  const tasks: ResumedTask[] = [];
  for (const [taskId, own] of byTask) {
    const history = taskHistory(own, taskId);
    if (history.status !== "Open" && history.status !== "Awarded") continue;
    const posted = own.find((e) => e.name === "TaskPosted")!;
    const award = history.awards.at(-1);
    const reopen = history.reopens.at(-1);
    tasks.push({
      taskId: Number(taskId),
      status: history.status,
      requirementsHash: history.requirementsHash,
      size: sizeOf(history.requirementsHash),
      maxPrice: history.maxPrice,
      region: history.region,
      round: reopen?.round ?? 0,
      bidWindowEnd: reopen?.bidWindowEnd ?? Number(posted.args["bidWindowEnd"] as bigint),
      bids: history.bids.map((b) => ({ provider: b.provider as Address, price: b.price, round: b.round })),
      epoch: award?.epoch ?? 0,
      deadline: award?.deadline ?? 0,
      assignee: history.status === "Awarded" ? (award?.provider as Address) : undefined,
      failed: history.reroutes.map((r) => r.provider as Address),
    });
  }
  return { registered, slashed, tasks: tasks.sort((a, b) => a.taskId - b.taskId) };
}

/** Reads the market's events since its deployment block and builds the resume state from them. */
export async function readResumeState(
  chain: Chain,
  marketAddress: Address,
  deployBlock: number,
  sizeOf: (requirementsHash: string) => number,
): Promise<ResumeState> {
  return resumeState(await readLedgerEvents(chain, marketAddress, { fromBlock: deployBlock }), sizeOf);
}
