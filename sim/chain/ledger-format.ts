import { formatEther } from "ethers";
import type { MarketEvent } from "../protocol/events.js";
import type { TaskHistory } from "../protocol/history.js";

/** `0x1234…abcd`: enough of an address to tell accounts apart in a table. */
export function shortAddress(address: string): string {
  return `${address.slice(0, 6)}…${address.slice(-4)}`;
}

/** Wei as ETH with the trailing zeros cut: `0.35 ETH`. */
export function eth(wei: bigint): string {
  return `${formatEther(wei).replace(/\.0$/, "")} ETH`;
}

/** One line of plain language for a market event. */
export function describeEvent(event: MarketEvent, names: ReadonlyMap<string, string> = new Map()): string {
  const who = (address: string): string => names.get(address) ?? shortAddress(address);
  switch (event.name) {
    case "TaskPosted":
      return `${who(event.poster)} posts: max ${eth(event.maxPrice)}${event.keeperReserve === 0n ? "" : ` + keeper reserve ${eth(event.keeperReserve)}`}, region ${event.region}, ${event.mechanism}, budget ${event.executionBudget} s`;
    case "BidPlaced":
      return `${who(event.provider)} bids ${eth(event.price)} (round ${event.round})`;
    case "TaskAwarded":
      return `awarded to ${who(event.provider)}: bid ${eth(event.bidPrice)}, pays ${eth(event.payment)}, epoch ${event.epoch}`;
    case "FallbackSkipped":
      return `skips ${who(event.provider)}: ${event.reason}`;
    case "TaskRerouted":
      return `${who(event.provider)} failed epoch ${event.epoch} (${event.reason}), rerouted by ${who(event.caller)}`;
    case "ProviderSlashed":
      return `${who(event.provider)} slashed ${eth(event.amount)} to ${who(event.poster)}`;
    case "TaskReopened":
      return `re-auction: round ${event.round}`;
    case "ResultSubmitted":
      return `result from ${who(event.provider)} (epoch ${event.epoch}): paid ${eth(event.payment)}, poster gets ${eth(event.posterRefund)} back`;
    case "TaskRefunded":
      return `refunded ${eth(event.amount)} to ${who(event.poster)}: ${event.reason}`;
    case "KeeperPaid":
      return `keeper ${who(event.keeper)} paid ${eth(event.amount)} from the reserve`;
    default:
      return event.name;
  }
}

/**
 * A task's ledger as a text table: block, seconds since it was posted, event, details.
 * `timestamps` maps block numbers to their timestamps.
 */
export function formatTaskLedger(
  history: TaskHistory,
  timestamps: ReadonlyMap<number, number>,
  names: ReadonlyMap<string, string> = new Map(),
): string {
  const start = timestamps.get(history.postedBlock) ?? 0;
  const lines = [
    `task ${history.taskId} (${history.mechanism}, max ${eth(history.maxPrice)}${history.keeperFees.length === 0 && history.keeperReserve === 0n ? "" : `, keeper reserve left ${eth(history.keeperReserve)}`}): ${history.status}`,
    `  ${"block".padStart(5)}  ${"t+s".padStart(5)}  ${"event".padEnd(16)}  details`,
  ];
  for (const event of history.events) {
    const t = (timestamps.get(event.blockNumber) ?? start) - start;
    lines.push(`  ${String(event.blockNumber).padStart(5)}  ${String(t).padStart(5)}  ${event.event.name.padEnd(16)}  ${describeEvent(event.event, names)}`);
  }
  return lines.join("\n");
}
