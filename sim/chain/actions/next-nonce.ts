import type { Address } from "../../protocol/actions.js";
import type { MarketClient } from "./client.js";
import { impersonate } from "./impersonate.js";
import { readWithRetries, withRetries } from "./with-retries.js";

/** The actor's next nonce; the first time, impersonates and funds it and asks the node. */
export async function nextNonce(client: MarketClient, address: Address): Promise<number> {
  let nonce = client.nonces.get(address);
  if (nonce === undefined) {
    await withRetries(client.chain, "hardhat_impersonateAccount", () => impersonate(client.chain, address));
    nonce = await pendingNonce(client, address);
  }
  client.nonces.set(address, nonce + 1);
  return nonce;
}

/** The sender's nonce counting the transactions the node holds but has not mined. */
async function pendingNonce(client: MarketClient, address: Address): Promise<number> {
  return Number(await readWithRetries<string>(client.chain, "eth_getTransactionCount", [address, "pending"]));
}
