// A market event where the chain logged it, and the selection readers make of such events.
// The event itself is the typed MarketEvent both ledgers report; this adds its place in the
// chain, which orders events and lets a reader point at the transaction.
import { getAddress } from "ethers";
import type { Address } from "./actions.js";
import type { MarketEvent } from "./events.js";

/** A MarketEvent with its block, transaction and position in the block. */
export interface LoggedEvent {
  readonly event: MarketEvent;
  readonly blockNumber: number;
  readonly transactionHash: string;
  readonly logIndex: number;
}

/** Which events to read. Block bounds are inclusive. */
export interface LedgerFilter {
  fromBlock?: number;
  toBlock?: number;
  taskId?: number;
  /** Events concerning this account, as provider, poster, payee, caller or keeper. */
  account?: string;
  /** Only these event names. */
  names?: readonly string[];
}

/** The task an event concerns, if any. */
export function taskIdOf(event: MarketEvent): number | undefined {
  return "taskId" in event ? event.taskId : undefined;
}

/** The fields that name an account, in the order an event's accounts are listed. */
const ACCOUNT_FIELDS = ["provider", "poster", "account", "caller", "keeper"] as const;
type AccountFields = Partial<Record<(typeof ACCOUNT_FIELDS)[number], Address>> & { name: string };

/** Every account an event concerns (provider, poster, account, caller, keeper), each once. */
export function accountsOf(event: MarketEvent): Address[] {
  const fields: AccountFields = event;
  const accounts: Address[] = [];
  for (const key of ACCOUNT_FIELDS) {
    const account = fields[key];
    if (account !== undefined && !accounts.includes(account)) accounts.push(account);
  }
  return accounts;
}

/**
 * Whether an event passes `filter`'s task, account and names (its blocks are the reader's
 * range). The account is checksummed once here, not once per event: an invalid one throws.
 */
export function eventMatcher(filter: LedgerFilter): (logged: LoggedEvent) => boolean {
  const { taskId, names } = filter;
  const account = filter.account === undefined ? undefined : getAddress(filter.account);
  return ({ event }) =>
    (taskId === undefined || taskIdOf(event) === taskId) &&
    (account === undefined || accountsOf(event).includes(account)) &&
    (names === undefined || names.includes(event.name));
}

/** An event as one flat record: its place, its task and accounts, and its fields by name. */
export interface FlatEvent {
  name: MarketEvent["name"];
  blockNumber: number;
  transactionHash: string;
  logIndex: number;
  taskId: number | null;
  accounts: Address[];
  /** Every field of the event in the contract's declaration order; amounts as bigints. */
  args: Record<string, string | number | bigint>;
}

/** The flat record of a logged event, as the API, the CLI and the live feed show it. */
export function flatEvent({ event, blockNumber, transactionHash, logIndex }: LoggedEvent): FlatEvent {
  const { name, ...args } = event;
  return { name, blockNumber, transactionHash, logIndex, taskId: taskIdOf(event) ?? null, accounts: accountsOf(event), args };
}
