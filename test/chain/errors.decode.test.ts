import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseEther } from "ethers";
import { connectChain, type Chain } from "../../sim/chain/connect.js";
import { deployMarket, type MarketDeployment } from "../../sim/chain/deploy.js";
import { ChainError, decodeChainError, withChainErrors } from "../../sim/chain/errors.js";
import { encodeRegion } from "../../sim/protocol/region.js";
import { startHardhatNode, type HardhatNode } from "../helpers/hardhat-node.js";

// A revert must surface as the same decoded custom error whether the chain is in-process or
// reached over HTTP, for a sent transaction and for a static call alike.

let node: HardhatNode;
const chains: Record<"embedded" | "http", { chain: Chain; deployment: MarketDeployment }> = {} as never;

beforeAll(async () => {
  node = await startHardhatNode();
  for (const [kind, rpcUrl] of [["embedded", undefined], ["http", node.url]] as const) {
    const chain = await connectChain({ rpcUrl });
    chains[kind] = { chain, deployment: await deployMarket(chain, await chain.signer(0)) };
  }
});

afterAll(async () => {
  for (const { chain } of Object.values(chains)) await chain.close();
  await node.stop();
});

describe.each(["embedded", "http"] as const)("revert decoding on the %s chain", (kind) => {
  it("decodes a sent transaction's custom error with its arguments", async () => {
    const { chain, deployment } = chains[kind];
    const stranger = await chain.signer(7);
    const market = deployment.market.connect(stranger);
    const error = await withChainErrors(market.interface, () => market.placeBid(42n, 1n)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChainError);
    expect((error as ChainError).errorName).toBe("ProviderNotRegistered");
    expect((error as ChainError).errorArgs).toEqual({ account: await stranger.getAddress() });
    expect((error as ChainError).shortMessage).toBe(`reverted with ProviderNotRegistered(account=${await stranger.getAddress()})`);
  });

  it("decodes a static call's custom error with several arguments", async () => {
    const { chain, deployment } = chains[kind];
    const provider = await chain.signer(8);
    const market = deployment.market.connect(provider);
    await (await market.registerProvider(encodeRegion("eu-west-1"), 2, { value: parseEther("1") })).wait();
    const error = await market.requestStakeWithdrawal.staticCall(parseEther("5")).catch((e: unknown) => e);
    const decoded = decodeChainError(error, market.interface);
    expect(decoded.errorName).toBe("StakeLocked");
    expect(decoded.errorArgs).toEqual({ provider: await provider.getAddress(), requested: parseEther("5"), unlocked: parseEther("1") });
  });

  it("decodes a view's revert", async () => {
    const { deployment } = chains[kind];
    const error = await deployment.market.getTask(999n).catch((e: unknown) => e);
    const decoded = decodeChainError(error, deployment.market.interface);
    expect(decoded.errorName).toBe("TaskNotFound");
    expect(decoded.errorArgs).toEqual({ taskId: 999n });
  });
});

describe("errors that are not reverts", () => {
  it("keeps the message of a non-revert failure and has no error name", () => {
    const decoded = decodeChainError(new Error("socket hang up"), chains.embedded.deployment.market.interface);
    expect(decoded.errorName).toBeUndefined();
    expect(decoded.shortMessage).toBe("socket hang up");
  });

  it("names unknown revert data by its selector", () => {
    const decoded = decodeChainError({ data: "0xdeadbeef0000" }, chains.embedded.deployment.market.interface);
    expect(decoded.errorName).toBeUndefined();
    expect(decoded.shortMessage).toBe("reverted with unknown data 0xdeadbeef");
  });
});
