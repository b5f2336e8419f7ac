import { formatEther } from "ethers";
import type { LedgerEvent, TaskHistory } from "./ledger-reader.js";
import { enumName, FAILURE_REASON, REFUND_REASON, SKIP_REASON } from "../protocol/enums.js";

/** `0x1234…abcd`: enough of an address to tell accounts apart in a table. */
export function shortAddress(address: string): string {
  return `${address.slice(0, 6)}…${address.slice(-4)}`;
}

/** Wei as ETH with the trailing zeros cut: `0.35 ETH`. */
export function eth(wei: bigint): string {
  return `${formatEther(wei).replace(/\.0$/, "")} ETH`;
}

/** One line of plain language for a market event. */
export function describeEvent(event: LedgerEvent, names: ReadonlyMap<string, string> = new Map()): string {
  const a = event.args;
  const who = (key: string): string => {
    const address = a[key] as string;
    return names.get(address) ?? shortAddress(address);
  };
  switch (event.name) {
    case "TaskPosted":
      return `${who("poster")} posts: max ${eth(a["maxPrice"] as bigint)}, region ${String(a["region"])}, ${String(a["mechanism"])}, budget ${String(a["executionBudget"])} s`;
    case "BidPlaced":
      return `${who("provider")} bids ${eth(a["price"] as bigint)} (round ${String(a["round"])})`;
    case "TaskAwarded":
      return `awarded to ${who("provider")}: bid ${eth(a["bidPrice"] as bigint)}, pays ${eth(a["payment"] as bigint)}, epoch ${String(a["epoch"])}`;
    case "FallbackSkipped":
      return `skips ${who("provider")}: ${enumName(SKIP_REASON, a["reason"] as bigint)}`;
    case "TaskRerouted":
      return `${who("provider")} failed epoch ${String(a["epoch"])} (${enumName(FAILURE_REASON, a["reason"] as bigint)}), rerouted by ${who("caller")}`;
    case "ProviderSlashed":
      return `${who("provider")} slashed ${eth(a["amount"] as bigint)} to ${who("poster")}`;
    case "TaskReopened":
      return `re-auction: round ${String(a["round"])}`;
    case "ResultSubmitted":
      return `result from ${who("provider")} (epoch ${String(a["epoch"])}): paid ${eth(a["payment"] as bigint)}, poster gets ${eth(a["posterRefund"] as bigint)} back`;
    case "TaskRefunded":
      return `refunded ${eth(a["amount"] as bigint)} to ${who("poster")}: ${enumName(REFUND_REASON, a["reason"] as bigint)}`;
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
    `task ${history.taskId} (${history.mechanism}, max ${eth(history.maxPrice)}): ${history.status}`,
    `  ${"block".padStart(5)}  ${"t+s".padStart(5)}  ${"event".padEnd(16)}  details`,
  ];
  for (const event of history.events) {
    const t = (timestamps.get(event.blockNumber) ?? start) - start;
    lines.push(`  ${String(event.blockNumber).padStart(5)}  ${String(t).padStart(5)}  ${event.name.padEnd(16)}  ${describeEvent(event, names)}`);
  }
  return lines.join("\n");
}
