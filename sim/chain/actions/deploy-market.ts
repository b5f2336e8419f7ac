import { getAddress, toBeHex } from "ethers";
import { ComputeMarket__factory } from "../../../types/ethers-contracts/index.js";
import type { Address } from "../../protocol/actions.js";
import type { MarketConfig } from "../../protocol/market-config.js";
import type { Chain } from "../connect.js";
import { ChainError } from "../errors.js";
import { latestTimestamp, mineBlockAt, setAutomine } from "../time.js";
import type { RpcReceipt } from "./client.js";
import { impersonate } from "./impersonate.js";

/** Gas for deploying the market (it needs about 2.93 M). */
const DEPLOY_GAS = 5_000_000n;

/** Where a fresh market landed, and the first timestamp its blocks may carry. */
export interface DeployedMarket {
  marketAddress: Address;
  deployBlock: number;
  startTimestamp: number;
}

/**
 * Deploys a market with `config` from `deployer` at a block stamped `startTimestamp - 1` (or just after the
 * chain's latest block, if that is later) and turns automine off.
 * @throws ChainError when the deployment reverts or is not mined.
 */
export async function deployMarket(chain: Chain, deployer: Address, config: MarketConfig, startTimestamp: number): Promise<DeployedMarket> {
  await impersonate(chain, deployer);
  await setAutomine(chain, false);
  const deployAt = Math.max(startTimestamp - 1, (await latestTimestamp(chain)) + 1);
  const { data } = await new ComputeMarket__factory().getDeployTransaction(config);
  const hash = (await chain.rpc("eth_sendTransaction", [{ from: deployer, data, gas: toBeHex(DEPLOY_GAS) }])) as string;
  await mineBlockAt(chain, deployAt);
  const receipt = (await chain.rpc("eth_getTransactionReceipt", [hash])) as RpcReceipt | null;
  if (receipt === null || receipt.status !== "0x1" || receipt.contractAddress === null) {
    throw new ChainError("the market contract could not be deployed");
  }
  return { marketAddress: getAddress(receipt.contractAddress), deployBlock: Number(receipt.blockNumber), startTimestamp: deployAt + 1 };
}
