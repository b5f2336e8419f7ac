// MarketActions as calls of ComputeMarket: calldata, value and a gas limit. One encoder for every
// sender: ChainLedger, the HTTP post preflight and the differential tests' contract driver.
import type { Interface } from "ethers";
import { ComputeMarket__factory } from "../../types/ethers-contracts/index.js";
import type { MarketAction } from "../protocol/actions.js";
import { MECHANISM } from "../protocol/enums.js";
import { encodeRegion } from "../protocol/region.js";

/** One transaction to the market: its calldata, the wei it carries, its gas limit. */
export interface MarketCall {
  data: string;
  value: bigint;
  gas: bigint;
}

export interface EncodeOptions {
  /**
   * For a `close` or `reroute` of one task, call closeAuction / reroute instead of the batch
   * function. Off by default: ChainLedger has always sent the batch functions, and a run's block
   * hashes commit to that calldata. The differential tests turn it on, so both entry points are
   * checked against the memory model.
   */
  singleTaskCalls?: boolean;
}

const iface: Interface = ComputeMarket__factory.createInterface();

// Gas limits set per action, so no transaction waits for an eth_estimateGas round trip. Each
// bound is above the worst case of its function (measured by `npm run gas`), with room for
// skipped fallbacks and re-auctions.
const GAS = {
  register: 180_000n,
  post: 300_000n,
  bidsBase: 60_000n,
  perBid: 110_000n,
  closeBase: 60_000n,
  perClose: 200_000n,
  result: 150_000n,
  rerouteBase: 60_000n,
  perReroute: 250_000n,
  abandon: 250_000n,
  withdraw: 100_000n,
  // Not sent by the simulator today; bounds far above `npm run gas` (cancelTask 44.7 k,
  // requestStakeWithdrawal 34.9 k, withdrawStake 42.7 k; addStake and updateCapacity write one
  // provider slot and emit one event).
  cancel: 100_000n,
  addStake: 100_000n,
  updateCapacity: 100_000n,
  requestStakeWithdrawal: 100_000n,
  withdrawStake: 100_000n,
} as const;

/**
 * The call that performs `action`. Gas is fixed per kind (and per item for batches), so no
 * transaction waits for an eth_estimateGas round trip.
 * @example const { data, value, gas } = encodeAction({ kind: "withdraw", from });
 */
export function encodeAction(action: MarketAction, options: EncodeOptions = {}): MarketCall {
  const f = iface;
  const single = options.singleTaskCalls === true;
  switch (action.kind) {
    case "register":
      return { data: f.encodeFunctionData("registerProvider", [encodeRegion(action.region), action.capacity]), value: action.stake, gas: GAS.register };
    case "post":
      return {
        data: f.encodeFunctionData("postTask", [
          action.requirementsHash,
          encodeRegion(action.region),
          action.bidWindowEnd,
          action.executionBudget,
          MECHANISM.indexOf(action.mechanism),
        ]),
        value: action.maxPrice + action.keeperReserve,
        gas: GAS.post,
      };
    case "bids":
      return {
        data:
          action.bids.length === 1
            ? f.encodeFunctionData("placeBid", [action.bids[0]!.taskId, action.bids[0]!.price])
            : f.encodeFunctionData("placeBids", [action.bids.map((b) => b.taskId), action.bids.map((b) => b.price)]),
        value: 0n,
        gas: GAS.bidsBase + GAS.perBid * BigInt(action.bids.length),
      };
    case "close":
      return keeperCall(single, action.taskIds, ["closeAuction", "closeAuctions"], GAS.closeBase, GAS.perClose);
    case "result":
      return { data: f.encodeFunctionData("submitResult", [action.taskId, action.epoch, action.resultHash]), value: 0n, gas: GAS.result };
    case "reroute":
      return keeperCall(single, action.taskIds, ["reroute", "rerouteTasks"], GAS.rerouteBase, GAS.perReroute);
    case "abandon":
      return { data: f.encodeFunctionData("abandonTask", [action.taskId]), value: 0n, gas: GAS.abandon };
    case "withdraw":
      return { data: f.encodeFunctionData("withdraw", []), value: 0n, gas: GAS.withdraw };
    case "cancel":
      return { data: f.encodeFunctionData("cancelTask", [action.taskId]), value: 0n, gas: GAS.cancel };
    case "addStake":
      return { data: f.encodeFunctionData("addStake", []), value: action.amount, gas: GAS.addStake };
    case "updateCapacity":
      return { data: f.encodeFunctionData("updateCapacity", [action.capacity]), value: 0n, gas: GAS.updateCapacity };
    case "requestStakeWithdrawal":
      return { data: f.encodeFunctionData("requestStakeWithdrawal", [action.amount]), value: 0n, gas: GAS.requestStakeWithdrawal };
    case "withdrawStake":
      return { data: f.encodeFunctionData("withdrawStake", []), value: 0n, gas: GAS.withdrawStake };
  }
}

/**
 * A keeper's close or reroute of `taskIds`: the batch function, or with `single` and one task the
 * single-task one (the test driver's choice, so both entry points stay cross-checked).
 */
function keeperCall(single: boolean, taskIds: readonly number[], [one, many]: readonly [string, string], base: bigint, per: bigint): MarketCall {
  const data = single && taskIds.length === 1 ? iface.encodeFunctionData(one, [taskIds[0]!]) : iface.encodeFunctionData(many, [taskIds]);
  return { data, value: 0n, gas: base + per * BigInt(taskIds.length) };
}
