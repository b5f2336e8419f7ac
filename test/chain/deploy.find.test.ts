import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connectChain, type Chain } from "../../sim/chain/connect.js";
import { attachMarket, deployMarket, findOrDeployMarket } from "../../sim/chain/deploy.js";
import { configFingerprint, DEFAULT_MARKET_CONFIG } from "../../sim/protocol/market-config.js";
import { ChainError } from "../../sim/chain/errors.js";
import { InputError } from "../../sim/input-error.js";
import { MarketActor__factory } from "../../types/ethers-contracts/index.js";

let chain: Chain;

beforeAll(async () => {
  chain = await connectChain();
});
afterAll(async () => chain.close());

const registryIn = () => join(mkdtempSync(join(tmpdir(), "bidmesh-registry-")), "deployments.json");

describe("deployMarket and attachMarket", () => {
  it("deploys with the defaults merged with overrides, and attaches to it with the same config", async () => {
    const deployer = await chain.signer(0);
    const deployed = await deployMarket(chain, deployer, { slashBps: 2_500, fallbackDepth: 5 });
    expect(deployed.config).toEqual({ ...DEFAULT_MARKET_CONFIG, slashBps: 2_500, fallbackDepth: 5 });
    const attached = await attachMarket(chain, deployed.address, deployer, deployed.blockNumber);
    expect(attached.config).toEqual(deployed.config);
    expect(attached.blockNumber).toBe(deployed.blockNumber);
  });

  it("refuses an address with no code", async () => {
    const empty = await (await chain.signer(5)).getAddress();
    await expect(attachMarket(chain, empty, await chain.signer(0))).rejects.toThrow(`no contract at ${empty}`);
  });

  it("refuses a contract that is not ComputeMarket", async () => {
    const deployer = await chain.signer(0);
    const other = await new MarketActor__factory(deployer).deploy(await deployer.getAddress());
    await other.waitForDeployment();
    const address = await other.getAddress();
    await expect(attachMarket(chain, address, deployer)).rejects.toThrow(ChainError);
    await expect(attachMarket(chain, address, deployer)).rejects.toThrow("is not this version of ComputeMarket");
  });
});

describe("findOrDeployMarket", () => {
  it("deploys once, then finds the same deployment through the registry", async () => {
    const registryFile = registryIn();
    const deployer = await chain.signer(0);
    const first = await findOrDeployMarket(chain, deployer, { registryFile });
    expect(first.reused).toBe(false);
    const second = await findOrDeployMarket(chain, deployer, { registryFile });
    expect(second.reused).toBe(true);
    expect(second.address).toBe(first.address);
    expect(second.blockNumber).toBe(first.blockNumber);
  });

  it("redeploys when the remembered address holds no market, and remembers the new one", async () => {
    const registryFile = registryIn();
    const deployer = await chain.signer(0);
    const first = await findOrDeployMarket(chain, deployer, { registryFile });
    const registry = JSON.parse(readFileSync(registryFile, "utf8")) as Record<string, { address: string }>;
    const key = Object.keys(registry)[0]!;
    registry[key]!.address = await (await chain.signer(9)).getAddress();
    writeFileSync(registryFile, JSON.stringify(registry));
    const second = await findOrDeployMarket(chain, deployer, { registryFile });
    expect(second.reused).toBe(false);
    expect(second.address).not.toBe(first.address);
    const saved = JSON.parse(readFileSync(registryFile, "utf8")) as Record<string, { address: string }>;
    expect(saved[key]!.address).toBe(second.address);
  });

  it("keys deployments by chain id, genesis hash and config fingerprint", async () => {
    const registryFile = registryIn();
    await findOrDeployMarket(chain, await chain.signer(0), { registryFile });
    const genesis = await chain.provider.getBlock(0);
    expect(Object.keys(JSON.parse(readFileSync(registryFile, "utf8")) as object)).toEqual([
      `${chain.chainId}:${genesis!.hash}:${configFingerprint(DEFAULT_MARKET_CONFIG)}`,
    ]);
    expect(configFingerprint(DEFAULT_MARKET_CONFIG)).toMatch(/^[0-9a-f]{16}$/);
    expect(configFingerprint({ ...DEFAULT_MARKET_CONFIG, slashBps: 1_001 })).not.toBe(configFingerprint(DEFAULT_MARKET_CONFIG));
  });

  it("keeps a market per config on one chain, and reuses each only for its own config", async () => {
    const registryFile = registryIn();
    const deployer = await chain.signer(0);
    const bare = await findOrDeployMarket(chain, deployer, { registryFile });
    const live = await findOrDeployMarket(chain, deployer, { registryFile, config: { minStake: 5n * 10n ** 16n, fallbackDepth: 3 } });
    expect(live.reused).toBe(false);
    expect(live.address).not.toBe(bare.address);
    const [bareAgain, liveAgain] = [
      await findOrDeployMarket(chain, deployer, { registryFile }),
      await findOrDeployMarket(chain, deployer, { registryFile, config: { minStake: 5n * 10n ** 16n } }),
    ];
    expect([bareAgain.reused, bareAgain.address]).toEqual([true, bare.address]);
    expect([liveAgain.reused, liveAgain.address]).toEqual([true, live.address]);
    expect(liveAgain.config.minStake).toBe(5n * 10n ** 16n);
  });

  it("replaces an entry whose market reports another config", async () => {
    const registryFile = registryIn();
    const deployer = await chain.signer(0);
    const other = await deployMarket(chain, deployer, { slashBps: 2_000 });
    const genesis = await chain.provider.getBlock(0);
    const key = `${chain.chainId}:${genesis!.hash}:${configFingerprint(DEFAULT_MARKET_CONFIG)}`;
    writeFileSync(registryFile, JSON.stringify({ [key]: { address: other.address, blockNumber: other.blockNumber } }));
    const found = await findOrDeployMarket(chain, deployer, { registryFile });
    expect(found.reused).toBe(false);
    expect(found.config).toEqual(DEFAULT_MARKET_CONFIG);
    expect((JSON.parse(readFileSync(registryFile, "utf8")) as Record<string, { address: string }>)[key]!.address).toBe(found.address);
  });

  it("finds an entry filed under another genesis hash when the node still has its deployment block (anvil --state restarts)", async () => {
    const registryFile = registryIn();
    const deployer = await chain.signer(0);
    const first = await findOrDeployMarket(chain, deployer, { registryFile });
    const [key, entry] = Object.entries(JSON.parse(readFileSync(registryFile, "utf8")) as Record<string, { blockHash: string }>)[0]!;
    expect(entry.blockHash).toBe((await chain.provider.getBlock(first.blockNumber))!.hash);
    const [chainId, , fingerprint] = key.split(":");
    const elsewhere = `${chainId}:0x${"ab".repeat(32)}:${fingerprint}`;
    writeFileSync(registryFile, JSON.stringify({ [elsewhere]: entry }));
    const found = await findOrDeployMarket(chain, deployer, { registryFile });
    expect([found.reused, found.address]).toEqual([true, first.address]);
    expect(Object.keys(JSON.parse(readFileSync(registryFile, "utf8")) as object)).toEqual([key]);
    // Not when the deployment block is another one: that is another chain's history.
    writeFileSync(registryFile, JSON.stringify({ [elsewhere]: { ...entry, blockHash: `0x${"cd".repeat(32)}` } }));
    expect((await findOrDeployMarket(chain, deployer, { registryFile })).reused).toBe(false);
  });

  it("still finds an entry of the old format (no config in its key) and moves it to the new key", async () => {
    const registryFile = registryIn();
    const deployer = await chain.signer(0);
    const old = await deployMarket(chain, deployer);
    const genesis = await chain.provider.getBlock(0);
    const legacyKey = `${chain.chainId}:${genesis!.hash}`;
    writeFileSync(registryFile, JSON.stringify({ [legacyKey]: { address: old.address, blockNumber: old.blockNumber } }));
    // Another config does not take it: it deploys its own and leaves the old entry alone.
    const other = await findOrDeployMarket(chain, deployer, { registryFile, config: { slashBps: 2_000 } });
    expect(other.reused).toBe(false);
    expect(Object.keys(JSON.parse(readFileSync(registryFile, "utf8")) as object)).toContain(legacyKey);
    const found = await findOrDeployMarket(chain, deployer, { registryFile });
    expect([found.reused, found.address, found.blockNumber]).toEqual([true, old.address, old.blockNumber]);
    const saved = JSON.parse(readFileSync(registryFile, "utf8")) as Record<string, unknown>;
    expect(saved[legacyKey]).toBeUndefined();
    expect(saved[`${legacyKey}:${configFingerprint(DEFAULT_MARKET_CONFIG)}`]).toEqual({
      address: old.address,
      blockNumber: old.blockNumber,
      blockHash: (await chain.provider.getBlock(old.blockNumber))!.hash,
    });
  });

  it("refuses a registry that is not JSON, naming the file", async () => {
    const registryFile = registryIn();
    writeFileSync(registryFile, "{ not json");
    await expect(findOrDeployMarket(chain, await chain.signer(0), { registryFile })).rejects.toThrow(
      `deployment registry ${registryFile} is not valid JSON`,
    );
  });
});

describe("connectChain input", () => {
  it.each([
    ["nope", 'rpc-url: "nope" is not a URL'],
    ["ftp://127.0.0.1:8545", "rpc-url: protocol ftp: is not supported"],
  ])("refuses %s as an InputError naming the flag", async (url, message) => {
    const error = await connectChain({ rpcUrl: url }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).message).toContain(message);
    expect((error as InputError).field).toBe("rpc-url");
  });

  it("reports an endpoint that does not answer as an InputError naming the flag", async () => {
    const error = await connectChain({ rpcUrl: "http://127.0.0.1:1", timeoutMs: 1_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).message).toBe(
      "rpc-url: cannot reach the JSON-RPC endpoint at http://127.0.0.1:1: is the node running, and is the URL right?",
    );
  });
});
