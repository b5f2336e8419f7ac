// The API's JSON views of the ledger, built from chain events alone: tasks, providers, events.
// Amounts are wei as decimal strings (JSON numbers cannot hold them); ids, blocks, rounds and
// epochs are numbers. Node names and block times are added by annotate.ts.
import { formatEther } from "ethers";
import { taskHistory, type LedgerEvent, type TaskHistory } from "../sim/chain/ledger-reader.js";
import { enumName, FAILURE_REASON, REFUND_REASON, SKIP_REASON, type MechanismName, type TaskStatusName } from "../sim/protocol/enums.js";
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

/** Which enum a `reason` argument holds, by event. */
const REASON_NAMES: Record<string, readonly string[]> = {
  FallbackSkipped: SKIP_REASON,
  TaskRerouted: FAILURE_REASON,
  TaskRefunded: REFUND_REASON,
};

/** A JSON value: bigints become decimal strings, enum reasons their names. */
function jsonValue(value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (Array.isArray(value)) return value.map(jsonValue);
  return value;
}

export function eventJson(event: LedgerEvent): LedgerEventJson {
  const args: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(event.args)) {
    const names = REASON_NAMES[event.name];
    args[key] = key === "reason" && names !== undefined ? enumName(names, value as bigint) : jsonValue(value);
  }
  return {
    name: event.name,
    blockNumber: event.blockNumber,
    transactionHash: event.transactionHash,
    logIndex: event.logIndex,
    taskId: event.taskId === undefined ? null : Number(event.taskId),
    accounts: event.accounts,
    args,
  };
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

/** Every task's history, oldest task first. */
export function taskHistories(events: readonly LedgerEvent[]): TaskHistory[] {
  const byTask = new Map<bigint, LedgerEvent[]>();
  for (const event of events) {
    if (event.taskId === undefined) continue;
    const own = byTask.get(event.taskId);
    if (own === undefined) byTask.set(event.taskId, [event]);
    else own.push(event);
  }
  const histories: TaskHistory[] = [];
  for (const [taskId, own] of byTask) {
    if (own.some((e) => e.name === "TaskPosted")) histories.push(taskHistory(own, taskId));
  }
  return histories.sort((a, b) => (a.taskId < b.taskId ? -1 : 1));
}

/** The provider who holds the task now: its assignee while Awarded, who delivered once Completed. */
function currentProvider(h: TaskHistory): string | null {
  if (h.status === "Completed") return h.result?.provider ?? null;
  if (h.status === "Awarded") return h.awards.at(-1)?.provider ?? null;
  return null;
}

export function taskSummary(h: TaskHistory): Plain<TaskSummaryJson> {
  const posted = h.events.find((e) => e.name === "TaskPosted")!.args;
  const sizeMs = parseApiRequirementsRef(h.requirementsHash);
  return {
    taskId: Number(h.taskId),
    status: STATUS_PARAM[h.status as keyof typeof STATUS_PARAM],
    poster: h.poster,
    maxPrice: h.maxPrice.toString(),
    // The unit the task was posted in, beside the chain's.
    maxPriceEth: formatEther(h.maxPrice),
    size: sizeMs === undefined ? null : sizeMs / 1000,
    region: h.region,
    mechanism: MECHANISM_PARAM[h.mechanism],
    deadlineBudget: Number(posted["executionBudget"]),
    bidWindowEnd: Number(posted["bidWindowEnd"]),
    requirementsHash: h.requirementsHash,
    postedBlock: h.postedBlock,
    provider: currentProvider(h),
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

/** A provider's state and record, folded from its events in chain order. */
interface ProviderState {
  address: string;
  region: string;
  capacity: number;
  stake: bigint;
  unbonding: bigint;
  registeredBlock: number;
  bids: number;
  wins: Array<{ taskId: number; epoch: number; payment: string; blockNumber: number }>;
  completions: Array<{ taskId: number; epoch: number; payment: string; blockNumber: number }>;
  failures: Array<{ taskId: number; epoch: number; reason: string; blockNumber: number }>;
  slashes: Array<{ taskId: number; amount: string; blockNumber: number }>;
  slashedTotal: bigint;
}

/**
 * Every registered provider, in registration order. Stake follows the contract: registration
 * and StakeAdded raise it, a withdrawal request moves an amount to unbonding, a slash takes
 * its amount, StakeWithdrawn pays unbonding out.
 */
export function providerStates(events: readonly LedgerEvent[]): ProviderState[] {
  const byAddress = new Map<string, ProviderState>();
  for (const e of events) {
    const x = e.args;
    if (e.name === "ProviderRegistered") {
      const address = x["provider"] as string;
      byAddress.set(address, {
        address,
        region: x["region"] as string,
        capacity: Number(x["capacity"]),
        stake: x["stake"] as bigint,
        unbonding: 0n,
        registeredBlock: e.blockNumber,
        bids: 0,
        wins: [],
        completions: [],
        failures: [],
        slashes: [],
        slashedTotal: 0n,
      });
      continue;
    }
    const p = typeof x["provider"] === "string" ? byAddress.get(x["provider"]) : undefined;
    if (p === undefined) continue;
    const taskId = Number(e.taskId ?? 0n);
    switch (e.name) {
      case "StakeAdded":
        p.stake = x["stake"] as bigint;
        break;
      case "CapacityUpdated":
        p.capacity = Number(x["capacity"]);
        break;
      case "StakeWithdrawalRequested":
        p.stake -= x["amount"] as bigint;
        p.unbonding = x["unbonding"] as bigint;
        break;
      case "StakeWithdrawn":
        p.unbonding -= x["amount"] as bigint;
        break;
      case "BidPlaced":
        p.bids += 1;
        break;
      case "TaskAwarded":
        p.wins.push({ taskId, epoch: Number(x["epoch"]), payment: (x["payment"] as bigint).toString(), blockNumber: e.blockNumber });
        break;
      case "ResultSubmitted":
        p.completions.push({ taskId, epoch: Number(x["epoch"]), payment: (x["payment"] as bigint).toString(), blockNumber: e.blockNumber });
        break;
      case "TaskRerouted":
        p.failures.push({ taskId, epoch: Number(x["epoch"]), reason: enumName(FAILURE_REASON, x["reason"] as bigint), blockNumber: e.blockNumber });
        break;
      case "ProviderSlashed":
        p.stake -= x["amount"] as bigint;
        p.slashedTotal += x["amount"] as bigint;
        p.slashes.push({ taskId, amount: (x["amount"] as bigint).toString(), blockNumber: e.blockNumber });
        break;
      default:
        break;
    }
  }
  return [...byAddress.values()];
}

export function providerSummary(p: ProviderState): Plain<ProviderSummaryJson> {
  return {
    address: p.address,
    region: p.region,
    capacity: p.capacity,
    stake: p.stake.toString(),
    unbonding: p.unbonding.toString(),
    registeredBlock: p.registeredBlock,
    slashes: { count: p.slashes.length, total: p.slashedTotal.toString() },
    tasks: { bids: p.bids, won: p.wins.length, completed: p.completions.length, failed: p.failures.length },
  };
}

export function providerDetail(p: ProviderState, online: boolean | null = null): Plain<ProviderDetailJson> {
  return {
    ...providerSummary(p),
    online,
    history: { wins: p.wins, completions: p.completions, failures: p.failures, slashes: p.slashes },
  };
}
