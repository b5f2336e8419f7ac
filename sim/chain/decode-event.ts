// ComputeMarket's logs decoded into the typed MarketEvent both ledgers report: numbers for ids,
// epochs, rounds, capacities and times; bigints for amounts; addresses checksummed; regions by
// name ("any" for the zero region); enums by name. Fields come in the contract's declaration
// order, so a flat view of an event lists them as the ABI does.
import { getAddress, type Log, type Result } from "ethers";
import { ComputeMarket__factory } from "../../types/ethers-contracts/index.js";
import type { Address } from "../protocol/actions.js";
import { enumName, FAILURE_REASON, MECHANISM, REFUND_REASON, SKIP_REASON } from "../protocol/enums.js";
import type { MarketEvent } from "../protocol/events.js";
import type { LoggedEvent } from "../protocol/logged-event.js";
import { decodeRegion } from "../protocol/region.js";

const marketInterface = ComputeMarket__factory.createInterface();

/**
 * The parts of a log decodeLog reads: an ethers `Log` is one, and so is a log rebuilt from a
 * receipt or a run's chain log, without faking the rest of ethers' class.
 */
export type DecodableLog = Pick<Log, "topics" | "data" | "blockNumber" | "transactionHash" | "index">;

/** Decodes one log of the market with its place in the chain; undefined for a log it did not emit. */
export function decodeLog(log: DecodableLog): LoggedEvent | undefined {
  const event = decodeMarketEvent(log.topics, log.data);
  return event === undefined ? undefined : { event, blockNumber: log.blockNumber, transactionHash: log.transactionHash, logIndex: log.index };
}

/**
 * The MarketEvent of one market log; undefined for a log the market did not emit.
 * @throws RangeError for a time or id beyond 2^53, or an enum value the contract never emits.
 */
export function decodeMarketEvent(topics: readonly string[], data: string): MarketEvent | undefined {
  const parsed = marketInterface.parseLog({ topics: [...topics], data });
  if (parsed === null) return undefined;
  const f = new Fields(parsed.name, parsed.args);
  switch (parsed.name) {
    case "ProviderRegistered":
      return { name: "ProviderRegistered", provider: f.address("provider"), region: f.region(), capacity: f.num("capacity"), stake: f.big("stake") };
    case "StakeAdded":
      return { name: "StakeAdded", provider: f.address("provider"), amount: f.big("amount"), stake: f.big("stake") };
    case "CapacityUpdated":
      return { name: "CapacityUpdated", provider: f.address("provider"), capacity: f.num("capacity") };
    case "StakeWithdrawalRequested":
      return {
        name: "StakeWithdrawalRequested",
        provider: f.address("provider"),
        amount: f.big("amount"),
        unbonding: f.big("unbonding"),
        readyAt: f.num("readyAt"),
      };
    case "StakeWithdrawn":
      return { name: "StakeWithdrawn", provider: f.address("provider"), amount: f.big("amount") };
    case "TaskPosted":
      return {
        name: "TaskPosted",
        taskId: f.num("taskId"),
        poster: f.address("poster"),
        maxPrice: f.big("maxPrice"),
        keeperReserve: f.big("keeperReserve"),
        requirementsHash: f.text("requirementsHash"),
        region: f.region(),
        bidWindowEnd: f.num("bidWindowEnd"),
        executionBudget: f.num("executionBudget"),
        mechanism: enumName(MECHANISM, f.big("mechanism")),
      };
    case "BidPlaced":
      return { name: "BidPlaced", taskId: f.num("taskId"), provider: f.address("provider"), price: f.big("price"), round: f.num("round") };
    case "TaskAwarded":
      return {
        name: "TaskAwarded",
        taskId: f.num("taskId"),
        provider: f.address("provider"),
        bidPrice: f.big("bidPrice"),
        payment: f.big("payment"),
        epoch: f.num("epoch"),
        deadline: f.num("deadline"),
      };
    case "FallbackSkipped":
      return { name: "FallbackSkipped", taskId: f.num("taskId"), provider: f.address("provider"), reason: enumName(SKIP_REASON, f.big("reason")) };
    case "TaskRerouted":
      return {
        name: "TaskRerouted",
        taskId: f.num("taskId"),
        provider: f.address("provider"),
        epoch: f.num("epoch"),
        reason: enumName(FAILURE_REASON, f.big("reason")),
        caller: f.address("caller"),
      };
    case "ProviderSlashed":
      return { name: "ProviderSlashed", provider: f.address("provider"), taskId: f.num("taskId"), amount: f.big("amount"), poster: f.address("poster") };
    case "TaskReopened":
      return { name: "TaskReopened", taskId: f.num("taskId"), round: f.num("round"), bidWindowEnd: f.num("bidWindowEnd") };
    case "ResultSubmitted":
      return {
        name: "ResultSubmitted",
        taskId: f.num("taskId"),
        provider: f.address("provider"),
        epoch: f.num("epoch"),
        resultHash: f.text("resultHash"),
        payment: f.big("payment"),
        posterRefund: f.big("posterRefund"),
      };
    case "TaskRefunded":
      return {
        name: "TaskRefunded",
        taskId: f.num("taskId"),
        poster: f.address("poster"),
        amount: f.big("amount"),
        reason: enumName(REFUND_REASON, f.big("reason")),
      };
    case "KeeperPaid":
      return { name: "KeeperPaid", taskId: f.num("taskId"), keeper: f.address("keeper"), amount: f.big("amount") };
    case "Withdrawn":
      return { name: "Withdrawn", account: f.address("account"), amount: f.big("amount") };
    default:
      throw new RangeError(`event ${parsed.name} is not a market event this decoder knows`);
  }
}

/** An event's decoded arguments, read by name with the type each field must have. */
class Fields {
  constructor(
    private readonly event: string,
    private readonly args: Result,
  ) {}

  big(key: string): bigint {
    const value: unknown = this.args.getValue(key);
    if (typeof value !== "bigint") throw new RangeError(`${this.event}.${key}: expected an integer, got ${String(value)}`);
    return value;
  }

  num(key: string): number {
    const value = this.big(key);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError(`${this.event}.${key}: ${value} does not fit a JS number`);
    return Number(value);
  }

  text(key: string): string {
    const value: unknown = this.args.getValue(key);
    if (typeof value !== "string") throw new RangeError(`${this.event}.${key}: expected a string, got ${String(value)}`);
    return value;
  }

  address(key: string): Address {
    return getAddress(this.text(key));
  }

  region(): string {
    return decodeRegion(this.text("region"));
  }
}
