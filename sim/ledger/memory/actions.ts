// Turns a MarketAction into a call of the in-memory contract, with the checks ABI encoding makes
// on chain (an action that cannot be encoded is a programming error: RangeError, not a refusal).
import { getAddress, isHexString } from "ethers";
import { MECHANISM } from "../../protocol/enums.js";
import { encodeRegion } from "../../protocol/region.js";
import type { Address, MarketAction } from "../../protocol/actions.js";
import type { MarketMachine, TxContext } from "./machine.js";
import { UINT256_MAX, UINT32_MAX } from "./state.js";

/** A decoded action: who calls, with what value, and the call itself. */
export interface DecodedCall {
  sender: Address;
  value: bigint;
  run(machine: MarketMachine, tx: TxContext): void;
}

const checksummed = new Map<string, Address>();

/** The checksummed form of `address` (cached: the simulator names few accounts, many times). */
export function toChecksum(address: string, what = "address"): Address {
  let result = checksummed.get(address);
  if (result === undefined) {
    try {
      result = getAddress(address);
    } catch {
      throw new RangeError(`${what} ${String(address)} is not an address`);
    }
    checksummed.set(address, result);
  }
  return result;
}

/**
 * Checks that `action` can be ABI-encoded as the chain ledger would and returns its call.
 * @throws RangeError naming the field that cannot be encoded.
 */
export function decodeAction(action: MarketAction): DecodedCall {
  const sender = toChecksum(action.from, `${action.kind}.from`);
  const k = action.kind;
  switch (action.kind) {
    case "register": {
      const region = regionCode(action.region, k);
      const capacity = uintN(action.capacity, 32, k, "capacity");
      return { sender, value: uint256(action.stake, k, "stake"), run: (m, tx) => m.registerProvider(tx, region, capacity) };
    }
    case "post": {
      const hash = bytes32(action.requirementsHash, k, "requirementsHash");
      const region = regionCode(action.region, k);
      const windowEnd = BigInt(uint256Number(action.bidWindowEnd, k, "bidWindowEnd"));
      const budget = uintN(action.executionBudget, 32, k, "executionBudget");
      const mechanism = MECHANISM.indexOf(action.mechanism);
      if (mechanism < 0) throw new RangeError(`post.mechanism: ${String(action.mechanism)} is not one of ${MECHANISM.join(", ")}`);
      return {
        sender,
        value: uint256(uint256(action.maxPrice, k, "maxPrice") + uint256(action.keeperReserve, k, "keeperReserve"), k, "maxPrice + keeperReserve"),
        run: (m, tx) => void m.postTask(tx, hash, region, windowEnd, budget, mechanism),
      };
    }
    case "bids": {
      const bids = action.bids.map((b, i) => ({
        taskId: BigInt(uint256Number(b.taskId, k, `bids[${i}].taskId`)),
        price: uint256(b.price, k, `bids[${i}].price`),
      }));
      return { sender, value: 0n, run: (m, tx) => m.placeBids(tx, bids) };
    }
    case "close": {
      const ids = action.taskIds.map((id, i) => BigInt(uint256Number(id, k, `taskIds[${i}]`)));
      return { sender, value: 0n, run: (m, tx) => m.closeAuctions(tx, ids) };
    }
    case "result": {
      const taskId = BigInt(uint256Number(action.taskId, k, "taskId"));
      const epoch = uintN(action.epoch, 32, k, "epoch");
      const hash = bytes32(action.resultHash, k, "resultHash");
      return { sender, value: 0n, run: (m, tx) => m.submitResult(tx, taskId, epoch, hash) };
    }
    case "reroute": {
      const ids = action.taskIds.map((id, i) => BigInt(uint256Number(id, k, `taskIds[${i}]`)));
      return { sender, value: 0n, run: (m, tx) => m.rerouteTasks(tx, ids) };
    }
    case "abandon": {
      const taskId = BigInt(uint256Number(action.taskId, k, "taskId"));
      return { sender, value: 0n, run: (m, tx) => m.abandonTask(tx, taskId) };
    }
    case "withdraw":
      return { sender, value: 0n, run: (m, tx) => m.withdraw(tx) };
    case "cancel": {
      const taskId = BigInt(uint256Number(action.taskId, k, "taskId"));
      return { sender, value: 0n, run: (m, tx) => m.cancelTask(tx, taskId) };
    }
    case "addStake":
      return { sender, value: uint256(action.amount, k, "amount"), run: (m, tx) => m.addStake(tx) };
    case "updateCapacity": {
      const capacity = uintN(action.capacity, 32, k, "capacity");
      return { sender, value: 0n, run: (m, tx) => m.updateCapacity(tx, capacity) };
    }
    case "requestStakeWithdrawal": {
      const amount = uint256(action.amount, k, "amount");
      return { sender, value: 0n, run: (m, tx) => m.requestStakeWithdrawal(tx, amount) };
    }
    case "withdrawStake":
      return { sender, value: 0n, run: (m, tx) => m.withdrawStake(tx) };
    default:
      throw new RangeError(`unknown action kind ${String((action as { kind: unknown }).kind)}`);
  }
}

function uintN(value: number, bits: number, kind: string, field: string): number {
  const max = bits === 32 ? UINT32_MAX : 2 ** bits - 1;
  if (!Number.isSafeInteger(value) || value < 0 || value > max) {
    throw new RangeError(`${kind}.${field}: ${String(value)} is not a uint${bits}`);
  }
  return value;
}

function uint256Number(value: number, kind: string, field: string): number {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${kind}.${field}: ${String(value)} is not a non-negative safe integer`);
  return value;
}

function uint256(value: bigint, kind: string, field: string): bigint {
  if (typeof value !== "bigint" || value < 0n || value > UINT256_MAX) throw new RangeError(`${kind}.${field}: ${String(value)} is not a uint256`);
  return value;
}

function bytes32(value: string, kind: string, field: string): string {
  if (!isHexString(value, 32)) throw new RangeError(`${kind}.${field}: ${String(value)} is not 32 bytes of hex`);
  return value.toLowerCase();
}

function regionCode(name: string, kind: string): string {
  try {
    return encodeRegion(name).toLowerCase();
  } catch (error) {
    throw new RangeError(`${kind}.region: ${error instanceof Error ? error.message : String(error)}`);
  }
}
