import { getAddress, JsonRpcSigner } from "ethers";
import type { Address } from "../../protocol/actions.js";
import type { MarketConfig } from "../../protocol/market-config.js";
import type { Chain } from "../connect.js";
import { findOrDeployMarket } from "../deploy.js";
import { latestTimestamp, setAutomine } from "../time.js";
import type { DeployedMarket } from "./deploy-market.js";
import { impersonate } from "./impersonate.js";

/**
 * For a long-lived node (`serve --rpc-url` against a persisted anvil): attaches to the market
 * the deployment registry remembers for this chain and `config` (findOrDeployMarket reuses a
 * market only when its on-chain config is `config`), so every task, bid and result already on
 * chain is kept; else deploys one with `config` (mined at the node's clock) and remembers it.
 * Turns automine off afterwards, like deployMarket.
 */
export async function attachMarket(
  chain: Chain,
  deployer: Address,
  config: MarketConfig,
  startTimestamp: number,
  options: { registryFile?: string } = {},
): Promise<DeployedMarket & { config: MarketConfig; reused: boolean }> {
  await impersonate(chain, deployer);
  // findOrDeployMarket waits for its deployment to be mined: the node must automine meanwhile
  // (an earlier server on the same node may have left automine off).
  await setAutomine(chain, true);
  const found = await findOrDeployMarket(chain, new JsonRpcSigner(chain.provider, deployer), { registryFile: options.registryFile, config });
  await setAutomine(chain, false);
  const start = Math.max(startTimestamp, (await latestTimestamp(chain)) + 1);
  return { config: found.config, marketAddress: getAddress(found.address), deployBlock: found.blockNumber, startTimestamp: start, reused: found.reused };
}
