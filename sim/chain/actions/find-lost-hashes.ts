import type { Address } from "../../protocol/actions.js";
import type { Chain } from "../connect.js";
import { ChainError } from "../errors.js";
import { readWithRetries } from "./with-retries.js";

/** One transaction of a block being committed: hash undefined while its send answer is lost. */
export interface SentTransaction {
  from: Address;
  /** The action's kind, for the error that names a lost transaction. */
  kind: string;
  nonce: number;
  hash: string | undefined;
}

/**
 * Fills in the hashes whose send answers were lost, from the block just mined (by sender and nonce).
 * @throws ChainError when such a transaction is not in that block.
 */
export async function findLostHashes(chain: Chain, sent: SentTransaction[], timestamp: number): Promise<void> {
  const block = await readWithRetries<{ transactions: Array<{ hash: string; from: string; nonce: string }> }>(chain, "eth_getBlockByNumber", ["latest", true]);
  for (const s of sent) {
    if (s.hash !== undefined) continue;
    const from = s.from.toLowerCase();
    const tx = block.transactions.find((t) => t.from.toLowerCase() === from && Number(t.nonce) === s.nonce);
    if (tx === undefined) throw new ChainError(`the ${s.kind} transaction of ${s.from} (nonce ${s.nonce}) is not in the block at ${timestamp}`);
    s.hash = tx.hash;
  }
}
