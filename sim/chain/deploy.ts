import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { toQuantity, type Signer } from "ethers";
import { ComputeMarket__factory, type ComputeMarket } from "../../types/ethers-contracts/index.js";
import { maskImmutables, readArtifact } from "./artifacts.js";
import type { Chain } from "./connect.js";
import { ChainError, withChainErrors } from "./errors.js";
import { configFingerprint, DEFAULT_MARKET_CONFIG, type MarketConfig } from "../protocol/market-config.js";

/** A market contract on a chain. */
export interface MarketDeployment {
  address: string;
  market: ComputeMarket;
  /** Block of the deployment: the ledger reader starts there. */
  blockNumber: number;
  config: MarketConfig;
}

/**
 * Deploys a ComputeMarket and waits for it to be mined (the chain must be automining or be
 * mined by the caller).
 * @example
 * const { market } = await deployMarket(chain, await chain.signer(0), { slashBps: 2_000 });
 */
export async function deployMarket(
  chain: Chain,
  deployer: Signer,
  config: Partial<MarketConfig> = {},
): Promise<MarketDeployment> {
  const full: MarketConfig = { ...DEFAULT_MARKET_CONFIG, ...config };
  const factory = new ComputeMarket__factory(deployer);
  const market = await withChainErrors(factory.interface, () => factory.deploy(full));
  const receipt = await market.deploymentTransaction()?.wait();
  if (!receipt) throw new ChainError("market deployment was not mined");
  const address = await market.getAddress();
  return { address, market: market.connect(deployer) as ComputeMarket, blockNumber: receipt.blockNumber, config: full };
}

/**
 * Attaches to a market already deployed at `address`, after checking that the code there is
 * ComputeMarket's. `fromBlock` is where its ledger starts (0 if unknown).
 */
export async function attachMarket(chain: Chain, address: string, signer: Signer, fromBlock = 0): Promise<MarketDeployment> {
  const code = await chain.provider.getCode(address);
  const artifact = readArtifact("ComputeMarket");
  if (code === "0x") throw new ChainError(`no contract at ${address} on chain ${chain.chainId}`);
  if (maskImmutables(code, artifact) !== maskImmutables(artifact.deployedBytecode, artifact)) {
    throw new ChainError(`the contract at ${address} is not this version of ComputeMarket`, {
      details: "redeploy, or point at the right address",
    });
  }
  const market = ComputeMarket__factory.connect(address, signer);
  return { address, market, blockNumber: fromBlock, config: await readMarketConfig(market) };
}

/** The parameters a deployed market reports, as a MarketConfig. */
export async function readMarketConfig(market: ComputeMarket): Promise<MarketConfig> {
  const raw = await market.config();
  return {
    minStake: raw.minStake,
    unbondingDelay: Number(raw.unbondingDelay),
    slashBps: Number(raw.slashBps),
    abandonSlashBps: Number(raw.abandonSlashBps),
    maxRounds: Number(raw.maxRounds),
    fallbackDepth: Number(raw.fallbackDepth),
    keeperFee: raw.keeperFee,
  };
}

/** Where deployments are remembered between runs, per chain and market config. */
export const DEFAULT_REGISTRY_FILE = ".bidmesh/deployments.json";

interface RegistryEntry {
  address: string;
  blockNumber: number;
  /** Hash of the deployment block; entries written before it was recorded lack it (it is added when they are reused). */
  blockHash?: string;
}

/**
 * Finds the market this registry remembers for the chain and the config asked for, or deploys
 * one and remembers it. Used by long-lived chains: `serve --rpc-url` against a persisted anvil.
 *
 * An entry's key is `${chainId}:${genesisHash}:${configFingerprint}`: the genesis hash, so a
 * fresh chain with the same id does not match a stale entry; the config, so the bare market
 * (DEFAULT_MARKET_CONFIG) and each live scenario's config (toMarketConfig) keep a market of
 * their own on one chain, and a market is only reused with the parameters it was asked for.
 * An entry whose contract is gone, is another version, or reports another config is replaced.
 *
 * The genesis hash alone does not always name a chain again: anvil 1.7 (`--state FILE`) makes a
 * new genesis block at each start and dumps it next to the loaded one, so from the second
 * restart on, the block 0 it reports is either. So an entry of the same chain id and config
 * under another genesis hash is also taken when the node still has its deployment block (same
 * number, same hash, which commits to the whole history before it), and moved to the current key.
 *
 * Registries written before the config was in the key hold `${chainId}:${genesisHash}` (only
 * the bare market wrote them). Such an entry is still found: if its contract reports the config
 * asked for, it is reused and moved to the new key; otherwise it is left for the config it has.
 */
export async function findOrDeployMarket(
  chain: Chain,
  deployer: Signer,
  options: { registryFile?: string; config?: Partial<MarketConfig> } = {},
): Promise<MarketDeployment & { reused: boolean }> {
  const file = options.registryFile ?? DEFAULT_REGISTRY_FILE;
  const config: MarketConfig = { ...DEFAULT_MARKET_CONFIG, ...options.config };
  const fingerprint = configFingerprint(config);
  const legacyKey = await chainKey(chain);
  const key = `${legacyKey}:${fingerprint}`;
  const registry = readRegistry(file);
  const moved = Object.keys(registry).filter((k) => k !== key && k.startsWith(`${chain.chainId}:`) && k.endsWith(`:${fingerprint}`));
  for (const candidate of [key, legacyKey, ...moved]) {
    const entry = registry[candidate];
    if (entry === undefined) continue;
    if (moved.includes(candidate) && (entry.blockHash === undefined || (await blockHashAt(chain, entry.blockNumber)) !== entry.blockHash)) continue;
    let found: MarketDeployment;
    try {
      found = await attachMarket(chain, entry.address, deployer, entry.blockNumber);
    } catch (error) {
      if (!(error instanceof ChainError)) throw error;
      continue; // the remembered contract is gone or outdated: try the next, else deploy
    }
    if (configFingerprint(found.config) !== fingerprint) continue;
    if (candidate !== key || entry.blockHash === undefined) {
      delete registry[candidate];
      registry[key] = { ...entry, blockHash: entry.blockHash ?? (await blockHashAt(chain, entry.blockNumber)) };
      writeRegistry(file, registry);
    }
    return { ...found, reused: true };
  }
  const deployment = await deployMarket(chain, deployer, config);
  registry[key] = { address: deployment.address, blockNumber: deployment.blockNumber, blockHash: await blockHashAt(chain, deployment.blockNumber) };
  writeRegistry(file, registry);
  return { ...deployment, reused: false };
}

async function chainKey(chain: Chain): Promise<string> {
  return `${chain.chainId}:${await blockHashAt(chain, 0)}`;
}

async function blockHashAt(chain: Chain, blockNumber: number): Promise<string | undefined> {
  const block = (await chain.provider.send("eth_getBlockByNumber", [toQuantity(blockNumber), false])) as { hash: string } | null;
  return block?.hash;
}

function readRegistry(file: string): Record<string, RegistryEntry> {
  if (!existsSync(file)) return {};
  try {
    return JSON.parse(readFileSync(file, "utf8")) as Record<string, RegistryEntry>;
  } catch (cause) {
    throw new ChainError(`deployment registry ${file} is not valid JSON`, { cause, details: "fix or delete it" });
  }
}

function writeRegistry(file: string, registry: Record<string, RegistryEntry>): void {
  mkdirSync(dirname(file), { recursive: true });
  // Write then rename, so a crash never leaves a half-written registry.
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(registry, null, 2)}\n`);
  renameSync(tmp, file);
}
