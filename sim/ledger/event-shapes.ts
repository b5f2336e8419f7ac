// Converts a decoded chain log (LedgerEvent) to the MarketEvent shape both ledgers report, so the
// chain ledger and the memory ledger can be compared event for event.
import type { LedgerEvent } from "../chain/ledger-reader.js";
import {
  enumName,
  FAILURE_REASON,
  MECHANISM,
  REFUND_REASON,
  SKIP_REASON,
  type MechanismName,
} from "../protocol/enums.js";
import type { Address } from "../protocol/actions.js";
import type { MarketEvent } from "../protocol/events.js";

/**
 * The MarketEvent of a decoded market log: numbers for ids, epochs, rounds, capacities and
 * times; bigints for amounts; region names ("any" for the zero region); enums by name.
 * @throws RangeError for an event the market does not emit, or a time or id beyond 2^53.
 * @example events.push(toMarketEvent(decodeLog(log)!));
 */
export function toMarketEvent(event: LedgerEvent): MarketEvent {
  const a = event.args;
  const num = (key: string): number => toNumber(event.name, key, a[key]);
  const big = (key: string): bigint => toBigInt(event.name, key, a[key]);
  const addr = (key: string): Address => toText(event.name, key, a[key]);
  const text = (key: string): string => toText(event.name, key, a[key]);
  switch (event.name) {
    case "ProviderRegistered":
      return { name: "ProviderRegistered", provider: addr("provider"), region: text("region"), capacity: num("capacity"), stake: big("stake") };
    case "StakeAdded":
      return { name: "StakeAdded", provider: addr("provider"), amount: big("amount"), stake: big("stake") };
    case "CapacityUpdated":
      return { name: "CapacityUpdated", provider: addr("provider"), capacity: num("capacity") };
    case "StakeWithdrawalRequested":
      return {
        name: "StakeWithdrawalRequested",
        provider: addr("provider"),
        amount: big("amount"),
        unbonding: big("unbonding"),
        readyAt: num("readyAt"),
      };
    case "StakeWithdrawn":
      return { name: "StakeWithdrawn", provider: addr("provider"), amount: big("amount") };
    case "TaskPosted":
      return {
        name: "TaskPosted",
        taskId: num("taskId"),
        poster: addr("poster"),
        maxPrice: big("maxPrice"),
        requirementsHash: text("requirementsHash"),
        region: text("region"),
        bidWindowEnd: num("bidWindowEnd"),
        executionBudget: num("executionBudget"),
        mechanism: mechanismOf(a["mechanism"]),
      };
    case "BidPlaced":
      return { name: "BidPlaced", taskId: num("taskId"), provider: addr("provider"), price: big("price"), round: num("round") };
    case "TaskAwarded":
      return {
        name: "TaskAwarded",
        taskId: num("taskId"),
        provider: addr("provider"),
        bidPrice: big("bidPrice"),
        payment: big("payment"),
        epoch: num("epoch"),
        deadline: num("deadline"),
      };
    case "FallbackSkipped":
      return { name: "FallbackSkipped", taskId: num("taskId"), provider: addr("provider"), reason: enumName(SKIP_REASON, big("reason")) };
    case "TaskRerouted":
      return {
        name: "TaskRerouted",
        taskId: num("taskId"),
        provider: addr("provider"),
        epoch: num("epoch"),
        reason: enumName(FAILURE_REASON, big("reason")),
        caller: addr("caller"),
      };
    case "ProviderSlashed":
      return { name: "ProviderSlashed", provider: addr("provider"), taskId: num("taskId"), amount: big("amount"), poster: addr("poster") };
    case "TaskReopened":
      return { name: "TaskReopened", taskId: num("taskId"), round: num("round"), bidWindowEnd: num("bidWindowEnd") };
    case "ResultSubmitted":
      return {
        name: "ResultSubmitted",
        taskId: num("taskId"),
        provider: addr("provider"),
        epoch: num("epoch"),
        resultHash: text("resultHash"),
        payment: big("payment"),
        posterRefund: big("posterRefund"),
      };
    case "TaskRefunded":
      return { name: "TaskRefunded", taskId: num("taskId"), poster: addr("poster"), amount: big("amount"), reason: enumName(REFUND_REASON, big("reason")) };
    case "Withdrawn":
      return { name: "Withdrawn", account: addr("account"), amount: big("amount") };
    default:
      throw new RangeError(`event ${event.name} is not a market event`);
  }
}

/** decodeLog names the mechanism already; a raw enum value is accepted too. */
function mechanismOf(value: unknown): MechanismName {
  if (typeof value === "bigint" || typeof value === "number") return enumName(MECHANISM, value);
  if (typeof value === "string" && (MECHANISM as readonly string[]).includes(value)) return value as MechanismName;
  throw new RangeError(`TaskPosted.mechanism: ${String(value)} is not a mechanism`);
}

function toBigInt(event: string, key: string, value: unknown): bigint {
  if (typeof value === "bigint") return value;
  if (typeof value === "number" && Number.isInteger(value)) return BigInt(value);
  throw new RangeError(`${event}.${key}: expected an integer, got ${String(value)}`);
}

function toNumber(event: string, key: string, value: unknown): number {
  const n = Number(toBigInt(event, key, value));
  if (!Number.isSafeInteger(n)) throw new RangeError(`${event}.${key}: ${String(value)} does not fit a JS number`);
  return n;
}

function toText(event: string, key: string, value: unknown): string {
  if (typeof value !== "string") throw new RangeError(`${event}.${key}: expected a string, got ${String(value)}`);
  return value;
}
