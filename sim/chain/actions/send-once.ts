import type { Address } from "../../protocol/actions.js";
import type { Chain } from "../connect.js";
import { withRetries } from "./with-retries.js";

/**
 * Sends one transaction exactly once. A transaction is never sent twice: before a retry the node
 * is asked whether it already took it (the sender's pending nonce), and a retry reuses the nonce,
 * so the node refuses a second copy anyway.
 * @returns its hash, or undefined when the node took it but the answer was lost
 * (findLostHashes finds it in the mined block by sender and nonce).
 */
export async function sendOnce(chain: Chain, from: Address, nonce: number, tx: Record<string, string>): Promise<string | undefined> {
  return withRetries(chain, `eth_sendTransaction from ${from}`, async (retry) => {
    // One raw read per try: this loop is the retry, and its ChainError names the send.
    if (retry > 0 && Number(await chain.rpc("eth_getTransactionCount", [from, "pending"])) > nonce) return undefined;
    return (await chain.rpc("eth_sendTransaction", [tx])) as string;
  });
}
