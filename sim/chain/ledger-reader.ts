import { getAddress, type Log } from "ethers";
import { ComputeMarket__factory } from "../../types/ethers-contracts/index.js";
import type { Chain } from "./connect.js";
import {
  enumName,
  FAILURE_REASON,
  MECHANISM,
  REFUND_REASON,
  SKIP_REASON,
  type FailureReasonName,
  type MechanismName,
  type RefundReasonName,
  type SkipReasonName,
  type TaskStatusName,
} from "../protocol/enums.js";
import { decodeRegion } from "../protocol/region.js";

const marketInterface = ComputeMarket__factory.createInterface();

/**
 * The parts of a log decodeLog reads: an ethers `Log` is one, and so is a log rebuilt from a
 * receipt or a run's chain log, without faking the rest of ethers' class.
 */
export type DecodableLog = Pick<Log, "topics" | "data" | "blockNumber" | "transactionHash" | "index">;

/** One market event, decoded. `args` holds every event parameter by name; enums as names. */
export interface LedgerEvent {
  name: string;
  blockNumber: number;
  transactionHash: string;
  logIndex: number;
  /** The task it concerns, if any. */
  taskId?: bigint;
  /** Every account it concerns (provider, poster, account, caller), checksummed. */
  accounts: string[];
  args: Record<string, unknown>;
}

/** Which events to read. Block bounds are inclusive. */
export interface LedgerFilter {
  fromBlock?: number;
  toBlock?: number;
  taskId?: bigint;
  /** Events concerning this account, as provider, poster or payee. */
  account?: string;
  /** Only these event names. */
  names?: readonly string[];
}

/** Blocks per eth_getLogs call: public endpoints cap the range, local ones answer faster in pieces. */
const LOG_CHUNK_BLOCKS = 5_000;

/**
 * Reads the market's events, oldest first, from the chain's logs alone.
 * @example
 * const bids = await readLedgerEvents(chain, market, { taskId: 3n, names: ["BidPlaced"] });
 */
export async function readLedgerEvents(chain: Chain, marketAddress: string, filter: LedgerFilter = {}): Promise<LedgerEvent[]> {
  const latest = await chain.provider.getBlockNumber();
  const from = Math.max(0, filter.fromBlock ?? 0);
  const to = Math.min(latest, filter.toBlock ?? latest);
  return readEventRange(chain, marketAddress, from, to, eventMatcher(filter));
}

/**
 * Reads and decodes the market's events in blocks `from`..`to` (inclusive), oldest first,
 * keeping those `keep` accepts (all by default). The caller bounds `to` by the latest block.
 */
export async function readEventRange(
  chain: Chain,
  marketAddress: string,
  from: number,
  to: number,
  keep: (event: LedgerEvent) => boolean = () => true,
): Promise<LedgerEvent[]> {
  const events: LedgerEvent[] = [];
  for (let start = from; start <= to; start += LOG_CHUNK_BLOCKS) {
    const end = Math.min(to, start + LOG_CHUNK_BLOCKS - 1);
    const logs = await chain.provider.getLogs({ address: marketAddress, fromBlock: start, toBlock: end });
    for (const log of logs) {
      const event = decodeLog(log);
      if (event !== undefined && keep(event)) events.push(event);
    }
  }
  return events;
}

/** Decodes one log of the market; undefined for a log it did not emit. */
export function decodeLog(log: DecodableLog): LedgerEvent | undefined {
  const parsed = marketInterface.parseLog({ topics: [...log.topics], data: log.data });
  if (parsed === null) return undefined;
  const args: Record<string, unknown> = {};
  parsed.fragment.inputs.forEach((input, i) => {
    args[input.name] = decodeValue(input.name, parsed.args[i]);
  });
  const accounts = ["provider", "poster", "account", "caller"]
    .map((key) => args[key])
    .filter((value): value is string => typeof value === "string");
  return {
    name: parsed.name,
    blockNumber: log.blockNumber,
    transactionHash: log.transactionHash,
    logIndex: log.index,
    taskId: typeof args["taskId"] === "bigint" ? args["taskId"] : undefined,
    accounts: [...new Set(accounts)],
    args,
  };
}

function decodeValue(name: string, value: unknown): unknown {
  switch (name) {
    case "region":
      return decodeRegion(value as string);
    case "mechanism":
      return enumName(MECHANISM, value as bigint);
    case "reason":
      return value; // event-specific enum; named by the history builders below
    default:
      return typeof value === "string" && value.length === 42 ? getAddress(value) : value;
  }
}

/**
 * Whether an event passes `filter`'s task, account and names (its blocks are the reader's
 * range). The account is checksummed once here, not once per event: an invalid one throws.
 */
export function eventMatcher(filter: LedgerFilter): (event: LedgerEvent) => boolean {
  const { taskId, names } = filter;
  const account = filter.account === undefined ? undefined : getAddress(filter.account);
  return (event) =>
    (taskId === undefined || event.taskId === taskId) &&
    (account === undefined || event.accounts.includes(account)) &&
    (names === undefined || names.includes(event.name));
}

/** A task's whole history, rebuilt from events. */
export interface TaskHistory {
  taskId: bigint;
  poster: string;
  maxPrice: bigint;
  region: string;
  mechanism: MechanismName;
  requirementsHash: string;
  /** The state the events imply; equals the contract's. */
  status: TaskStatusName;
  postedBlock: number;
  bids: Array<{ provider: string; price: bigint; round: number; blockNumber: number }>;
  awards: Array<{ provider: string; bidPrice: bigint; payment: bigint; epoch: number; deadline: number; blockNumber: number }>;
  skipped: Array<{ provider: string; reason: SkipReasonName; blockNumber: number }>;
  reroutes: Array<{ provider: string; epoch: number; reason: FailureReasonName; caller: string; slashed: bigint; blockNumber: number }>;
  reopens: Array<{ round: number; bidWindowEnd: number; blockNumber: number }>;
  result?: { provider: string; epoch: number; resultHash: string; payment: bigint; posterRefund: bigint; blockNumber: number };
  refund?: { amount: bigint; reason: RefundReasonName; blockNumber: number };
  /** Every event of the task in order. */
  events: LedgerEvent[];
}

/** Builds a task's history from events (any superset of its events, in chain order). */
export function taskHistory(events: readonly LedgerEvent[], taskId: bigint): TaskHistory {
  const own = events.filter((e) => e.taskId === taskId);
  const posted = own.find((e) => e.name === "TaskPosted");
  if (posted === undefined) throw new RangeError(`task ${taskId} has no TaskPosted event in the range read`);
  const a = posted.args;
  const history: TaskHistory = {
    taskId,
    poster: a["poster"] as string,
    maxPrice: a["maxPrice"] as bigint,
    region: a["region"] as string,
    mechanism: a["mechanism"] as MechanismName,
    requirementsHash: a["requirementsHash"] as string,
    status: "Open",
    postedBlock: posted.blockNumber,
    bids: [],
    awards: [],
    skipped: [],
    reroutes: [],
    reopens: [],
    events: own,
  };
  for (const e of own) {
    const x = e.args;
    switch (e.name) {
      case "BidPlaced":
        history.bids.push({ provider: x["provider"] as string, price: x["price"] as bigint, round: Number(x["round"]), blockNumber: e.blockNumber });
        break;
      case "TaskAwarded":
        history.status = "Awarded";
        history.awards.push({
          provider: x["provider"] as string,
          bidPrice: x["bidPrice"] as bigint,
          payment: x["payment"] as bigint,
          epoch: Number(x["epoch"]),
          deadline: Number(x["deadline"]),
          blockNumber: e.blockNumber,
        });
        break;
      case "FallbackSkipped":
        history.skipped.push({ provider: x["provider"] as string, reason: enumName(SKIP_REASON, x["reason"] as bigint), blockNumber: e.blockNumber });
        break;
      case "TaskRerouted":
        history.reroutes.push({
          provider: x["provider"] as string,
          epoch: Number(x["epoch"]),
          reason: enumName(FAILURE_REASON, x["reason"] as bigint),
          caller: x["caller"] as string,
          slashed: 0n,
          blockNumber: e.blockNumber,
        });
        break;
      case "ProviderSlashed": {
        const last = history.reroutes.at(-1);
        if (last !== undefined) last.slashed = x["amount"] as bigint;
        break;
      }
      case "TaskReopened":
        history.status = "Open";
        history.reopens.push({ round: Number(x["round"]), bidWindowEnd: Number(x["bidWindowEnd"]), blockNumber: e.blockNumber });
        break;
      case "ResultSubmitted":
        history.status = "Completed";
        history.result = {
          provider: x["provider"] as string,
          epoch: Number(x["epoch"]),
          resultHash: x["resultHash"] as string,
          payment: x["payment"] as bigint,
          posterRefund: x["posterRefund"] as bigint,
          blockNumber: e.blockNumber,
        };
        break;
      case "TaskRefunded":
        history.status = "Refunded";
        history.refund = { amount: x["amount"] as bigint, reason: enumName(REFUND_REASON, x["reason"] as bigint), blockNumber: e.blockNumber };
        break;
      default:
        break;
    }
  }
  return history;
}

/** A provider's history, rebuilt from events. */
export interface ProviderHistory {
  provider: string;
  registered?: { region: string; capacity: number; stake: bigint; blockNumber: number };
  bids: Array<{ taskId: bigint; price: bigint; round: number; blockNumber: number }>;
  wins: Array<{ taskId: bigint; epoch: number; payment: bigint; blockNumber: number }>;
  completions: Array<{ taskId: bigint; epoch: number; payment: bigint; blockNumber: number }>;
  failures: Array<{ taskId: bigint; epoch: number; reason: FailureReasonName; blockNumber: number }>;
  slashes: Array<{ taskId: bigint; amount: bigint; blockNumber: number }>;
  /** Stake added (positive) or withdrawn (negative), registration included. */
  stakeChanges: Array<{ amount: bigint; event: string; blockNumber: number }>;
  withdrawn: bigint;
  events: LedgerEvent[];
}

/** Builds a provider's history from events (any superset of its events, in chain order). */
export function providerHistory(events: readonly LedgerEvent[], provider: string): ProviderHistory {
  const address = getAddress(provider);
  const own = events.filter((e) => e.accounts.includes(address));
  const history: ProviderHistory = {
    provider: address,
    bids: [],
    wins: [],
    completions: [],
    failures: [],
    slashes: [],
    stakeChanges: [],
    withdrawn: 0n,
    events: own,
  };
  for (const e of own) {
    const x = e.args;
    const isProvider = x["provider"] === address;
    switch (e.name) {
      case "ProviderRegistered":
        history.registered = { region: x["region"] as string, capacity: Number(x["capacity"]), stake: x["stake"] as bigint, blockNumber: e.blockNumber };
        history.stakeChanges.push({ amount: x["stake"] as bigint, event: e.name, blockNumber: e.blockNumber });
        break;
      case "StakeAdded":
        history.stakeChanges.push({ amount: x["amount"] as bigint, event: e.name, blockNumber: e.blockNumber });
        break;
      case "StakeWithdrawn":
        history.stakeChanges.push({ amount: -(x["amount"] as bigint), event: e.name, blockNumber: e.blockNumber });
        break;
      case "BidPlaced":
        history.bids.push({ taskId: e.taskId as bigint, price: x["price"] as bigint, round: Number(x["round"]), blockNumber: e.blockNumber });
        break;
      case "TaskAwarded":
        history.wins.push({ taskId: e.taskId as bigint, epoch: Number(x["epoch"]), payment: x["payment"] as bigint, blockNumber: e.blockNumber });
        break;
      case "ResultSubmitted":
        history.completions.push({ taskId: e.taskId as bigint, epoch: Number(x["epoch"]), payment: x["payment"] as bigint, blockNumber: e.blockNumber });
        break;
      case "TaskRerouted":
        if (isProvider) {
          history.failures.push({ taskId: e.taskId as bigint, epoch: Number(x["epoch"]), reason: enumName(FAILURE_REASON, x["reason"] as bigint), blockNumber: e.blockNumber });
        }
        break;
      case "ProviderSlashed":
        if (isProvider) history.slashes.push({ taskId: e.taskId as bigint, amount: x["amount"] as bigint, blockNumber: e.blockNumber });
        break;
      case "Withdrawn":
        history.withdrawn += x["amount"] as bigint;
        break;
      default:
        break;
    }
  }
  return history;
}
