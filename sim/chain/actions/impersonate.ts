import { toBeHex } from "ethers";
import type { Address } from "../../protocol/actions.js";
import type { Chain } from "../connect.js";

/** Ether given to each impersonated actor: far more than any run spends. */
const ACTOR_BALANCE = toBeHex(10n ** 30n);

/** Lets `address` send transactions without a key, and funds it (dev chains only). */
export async function impersonate(chain: Chain, address: Address): Promise<void> {
  await chain.rpc("hardhat_impersonateAccount", [address]);
  await chain.rpc("hardhat_setBalance", [address, ACTOR_BALANCE]);
}
