import type { Chain } from "./connect.js";

// Dev-chain controls for time and mining. Hardhat and anvil both implement these methods;
// a public chain does not, and the simulator needs them to keep chain time = simulated time.

/** Turns automatic mining of each transaction on or off. */
export async function setAutomine(chain: Chain, enabled: boolean): Promise<void> {
  await chain.rpc("evm_setAutomine", [enabled]);
}

/** Mines one block holding every pending transaction, stamped `timestamp` (seconds). */
export async function mineBlockAt(chain: Chain, timestamp: number): Promise<void> {
  await chain.rpc("evm_mine", [timestamp]);
}

/** The latest block's timestamp, in seconds. */
export async function latestTimestamp(chain: Chain): Promise<number> {
  const block = (await chain.rpc("eth_getBlockByNumber", ["latest", false])) as { timestamp: string };
  return Number(BigInt(block.timestamp));
}

/** Makes the next mined block carry `timestamp` (seconds). */
export async function setNextBlockTimestamp(chain: Chain, timestamp: number): Promise<void> {
  await chain.rpc("evm_setNextBlockTimestamp", [timestamp]);
}

/** Snapshots the chain state; pass the id to `revertTo`. */
export async function snapshot(chain: Chain): Promise<string> {
  return (await chain.rpc("evm_snapshot", [])) as string;
}

/** Restores a snapshot taken by `snapshot` (each id can be restored once). */
export async function revertTo(chain: Chain, id: string): Promise<void> {
  const ok = (await chain.rpc("evm_revert", [id])) as boolean;
  if (!ok) throw new Error(`evm_revert: snapshot ${id} is unknown`);
}
