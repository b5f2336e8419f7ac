import type { Address } from "../../protocol/actions.js";
import type { Chain } from "../connect.js";

/**
 * What the market actions need to know between calls: the connection, the market, and the two
 * things the node is not asked again (each sender's next nonce, the last block mined). One per
 * ChainLedger; the actions take it as their first argument (viem's shape: the client is data,
 * each action a function of it).
 */
export interface MarketClient {
  readonly chain: Chain;
  /** The market contract. */
  readonly marketAddress: Address;
  /** Block in which the market was deployed: its ledger starts there. */
  readonly deployBlock: number;
  /** Next nonce of every actor that has sent: kept here, since asking the node costs 20×. */
  readonly nonces: Map<Address, number>;
  /** Block number of the last block mined through this client (the deployment's until the first). */
  lastMined: number | undefined;
}

/** A transaction receipt as the node's JSON-RPC returns it (hex strings). */
export interface RpcReceipt {
  status: string;
  blockNumber: string;
  blockHash: string;
  gasUsed: string;
  contractAddress: string | null;
  logs: Array<{ address: string; topics: string[]; data: string; blockNumber: string; transactionHash: string; logIndex: string }>;
}
