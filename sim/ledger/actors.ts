import { getAddress, keccak256, toUtf8Bytes } from "ethers";
import type { Address } from "../protocol/actions.js";

/** The roles of accounts in a simulated market. */
export type ActorRole = "deployer" | "keeper" | "poster" | "provider";

/**
 * The account of the `index`-th actor of a role: the last 20 bytes of keccak256("bidmesh/<role>/<index>").
 * Deterministic, so the chain and memory ledgers, and every run, name the same accounts.
 * No key exists for these addresses: on a dev chain the chain ledger impersonates them.
 * @example actorAddress("provider", 3)
 */
export function actorAddress(role: ActorRole, index = 0): Address {
  return getAddress(`0x${keccak256(toUtf8Bytes(`bidmesh/${role}/${index}`)).slice(-40)}`);
}
