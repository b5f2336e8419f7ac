import { getAddress } from "ethers";
import { ComputeMarket__factory } from "../../../types/ethers-contracts/index.js";
import type { Address } from "../../protocol/actions.js";
import type { MarketEvent } from "../../protocol/events.js";

// Bids are most of a busy block's logs: they are decoded directly, without ethers' generic
// decoder and its keccak address checksum per log (60% of a batched block's JS time).

const BID_PLACED_TOPIC = ComputeMarket__factory.createInterface().getEvent("BidPlaced")!.topicHash;

/**
 * A BidPlaced log as a MarketEvent, or undefined for any other log. `checksums` caches the
 * checksummed provider addresses by their lower-case hex (a provider bids many times).
 */
export function decodeBidPlaced(topics: readonly string[], data: string, checksums: Map<string, Address>): MarketEvent | undefined {
  if (topics[0] !== BID_PLACED_TOPIC || topics.length !== 3 || data.length !== 2 + 128) return undefined;
  const raw = `0x${topics[2]!.slice(26)}`;
  let provider = checksums.get(raw);
  if (provider === undefined) checksums.set(raw, (provider = getAddress(raw)));
  return {
    name: "BidPlaced",
    taskId: Number(BigInt(topics[1]!)),
    provider,
    price: BigInt(`0x${data.slice(2, 66)}`),
    round: Number(BigInt(`0x${data.slice(66, 130)}`)),
  };
}
