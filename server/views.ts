// The API's JSON views of the ledger, built from chain events alone: tasks, providers, events.
// Amounts are wei as decimal strings (JSON numbers cannot hold them); ids, blocks, rounds and
// epochs are numbers. Node names and block times are added by annotate.ts.
import { formatEther } from "ethers";
import type { MechanismName, TaskStatusName } from "../sim/protocol/enums.js";
import type { ProviderHistory, TaskHistory } from "../sim/protocol/history.js";
import { flatEvent, type LoggedEvent } from "../sim/protocol/logged-event.js";
import type {
  LedgerEventJson,
  MechanismParam,
  Paged,
  ProviderDetailJson,
  ProviderSummaryJson,
  TaskDetailJson,
  TaskStatusParam,
  TaskSummaryJson,
} from "./schemas.js";
import type { Plain } from "./annotate.js";
import { parseApiRequirementsRef } from "./task-ref.js";

export const MECHANISM_PARAM: Record<MechanismName, MechanismParam> = { FirstPrice: "first-price", SecondPrice: "second-price" };
export const STATUS_PARAM: Record<Exclude<TaskStatusName, "None">, TaskStatusParam> = {
  Open: "open",
  Awarded: "awarded",
  Completed: "completed",
  Refunded: "refunded",
};

/** A logged event as the API shows it: amounts, ids and times in its fields as decimal strings. */
export function eventJson(logged: LoggedEvent): LedgerEventJson {
  const flat = flatEvent(logged);
  const args: Record<string, string> = {};
  for (const [key, value] of Object.entries(flat.args)) args[key] = String(value);
  return { ...flat, args };
}

/** Newest first: by block, then position in the block. */
export function newestFirst<T extends { blockNumber: number; logIndex: number }>(events: readonly T[]): T[] {
  return [...events].sort((a, b) => b.blockNumber - a.blockNumber || b.logIndex - a.logIndex);
}

/** One page of `items` (pages count from 1). */
export function paginate<T>(items: readonly T[], page: number, pageSize: number): Paged<T> {
  const start = (page - 1) * pageSize;
  return { page, pageSize, total: items.length, items: items.slice(start, start + pageSize) };
}

// ---------------------------------------------------------------- tasks

export function taskSummary(h: TaskHistory): Plain<TaskSummaryJson> {
  const sizeMs = parseApiRequirementsRef(h.requirementsHash);
  return {
    taskId: h.taskId,
    status: STATUS_PARAM[h.status],
    poster: h.poster,
    maxPrice: h.maxPrice.toString(),
    // The unit the task was posted in, beside the chain's.
    maxPriceEth: formatEther(h.maxPrice),
    keeperReserve: h.keeperReserve.toString(),
    size: sizeMs === undefined ? null : sizeMs / 1000,
    region: h.region,
    mechanism: MECHANISM_PARAM[h.mechanism],
    deadlineBudget: h.executionBudget,
    bidWindowEnd: h.postedBidWindowEnd,
    requirementsHash: h.requirementsHash,
    postedBlock: h.postedBlock,
    // Who holds the task now: its assignee while Awarded, who delivered once Completed.
    provider: h.assignee ?? null,
    bidCount: h.bids.length,
    rerouteCount: h.reroutes.length,
  };
}

export function taskDetail(h: TaskHistory): Plain<TaskDetailJson> {
  return {
    ...taskSummary(h),
    bids: h.bids.map((b) => ({ provider: b.provider, price: b.price.toString(), round: b.round, blockNumber: b.blockNumber })),
    awards: h.awards.map((a) => ({
      provider: a.provider,
      bidPrice: a.bidPrice.toString(),
      payment: a.payment.toString(),
      epoch: a.epoch,
      deadline: a.deadline,
      blockNumber: a.blockNumber,
    })),
    skipped: h.skipped.map((s) => ({ provider: s.provider, reason: s.reason, blockNumber: s.blockNumber })),
    reroutes: h.reroutes.map((r) => ({
      provider: r.provider,
      epoch: r.epoch,
      reason: r.reason,
      caller: r.caller,
      slashed: r.slashed.toString(),
      blockNumber: r.blockNumber,
    })),
    reopens: h.reopens.map((r) => ({ round: r.round, bidWindowEnd: r.bidWindowEnd, blockNumber: r.blockNumber })),
    result:
      h.result === undefined
        ? null
        : {
            provider: h.result.provider,
            epoch: h.result.epoch,
            resultHash: h.result.resultHash,
            payment: h.result.payment.toString(),
            posterRefund: h.result.posterRefund.toString(),
            blockNumber: h.result.blockNumber,
          },
    refund: h.refund === undefined ? null : { amount: h.refund.amount.toString(), reason: h.refund.reason, blockNumber: h.refund.blockNumber },
    events: h.events.map(eventJson),
  };
}

// ---------------------------------------------------------------- providers

/** A registered provider's summary (`p.registered` is set). */
export function providerSummary(p: ProviderHistory): Plain<ProviderSummaryJson> {
  return {
    address: p.address,
    region: p.registered!.region,
    capacity: p.capacity,
    stake: p.stake.toString(),
    unbonding: p.unbonding.toString(),
    registeredBlock: p.registered!.blockNumber,
    slashes: { count: p.slashes.length, total: p.slashedTotal.toString() },
    tasks: { bids: p.bids.length, won: p.wins.length, completed: p.completions.length, failed: p.failures.length },
  };
}

export function providerDetail(p: ProviderHistory, online: boolean | null = null): Plain<ProviderDetailJson> {
  const paid = (x: { taskId: number; epoch: number; payment: bigint; blockNumber: number }) => ({ ...x, payment: x.payment.toString() });
  return {
    ...providerSummary(p),
    online,
    history: {
      wins: p.wins.map(paid),
      completions: p.completions.map(paid),
      failures: p.failures,
      slashes: p.slashes.map((x) => ({ ...x, amount: x.amount.toString() })),
    },
  };
}
