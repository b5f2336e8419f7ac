import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connectChain, type Chain } from "../../sim/chain/connect.js";
import { attachMarket, DEFAULT_MARKET_CONFIG, deployMarket, findOrDeployMarket } from "../../sim/chain/deploy.js";
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

  it("keys deployments by chain id and genesis hash", async () => {
    const registryFile = registryIn();
    await findOrDeployMarket(chain, await chain.signer(0), { registryFile });
    const genesis = await chain.provider.getBlock(0);
    expect(Object.keys(JSON.parse(readFileSync(registryFile, "utf8")) as object)).toEqual([`${chain.chainId}:${genesis!.hash}`]);
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
