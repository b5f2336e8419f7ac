// A burst of concurrent valid POST /api/tasks against a real listening server (loopback, port
// 0, embedded chain): every one lands exactly once, none is lost, none is doubled, none is
// mixed up with another, and the contract holds exactly their escrow.
import { formatEther, parseEther } from "ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serve, type RunningServer } from "../../server/index.js";
import { ChainMarketService } from "../../server/market-service.js";
import { ComputeMarket__factory } from "../../types/ethers-contracts/index.js";

const TOKEN = "reliability-token-0a1b2c3d4e5f";
/** Requests in the burst: all sent at once, well under the default rate limit (600 a minute). */
const BURST = 40;

let running: RunningServer;

beforeAll(async () => {
  running = await serve({ port: 0, host: "127.0.0.1", handleSignals: false, token: TOKEN, print: () => undefined, env: {} });
});

afterAll(async () => {
  await running?.close();
});

/** Request i escrows (i + 1) milli-ETH, so every task says which request posted it. */
const maxPriceOf = (i: number): bigint => parseEther("0.001") * BigInt(i + 1);

async function postTask(i: number): Promise<{ status: number; body: { taskId: number; transactionHash: string; blockNumber: number } }> {
  const response = await fetch(`${running.url}/api/tasks`, {
    method: "POST",
    headers: { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/json" },
    body: JSON.stringify({ size: 10 + i, maxPrice: formatEther(maxPriceOf(i)), deadlineBudget: 600, region: "any", mechanism: "first-price" }),
  });
  return { status: response.status, body: (await response.json()) as never };
}

describe(`${BURST} concurrent POST /api/tasks`, () => {
  it("all land exactly once, with their own escrow", async () => {
    expect(running.market).toBeInstanceOf(ChainMarketService);
    const market = running.market as ChainMarketService;
    const contract = ComputeMarket__factory.connect(market.marketAddress, market.chain.provider);
    expect(await market.readEvents({ names: ["TaskPosted"] })).toEqual([]);

    const responses = await Promise.all(Array.from({ length: BURST }, (_, i) => postTask(i)));

    expect(responses.map((r) => r.status)).toEqual(Array(BURST).fill(201));
    const ids = responses.map((r) => r.body.taskId);
    expect(new Set(ids).size).toBe(BURST);
    expect([...ids].sort((a, b) => a - b)).toEqual(Array.from({ length: BURST }, (_, i) => i + 1));
    // Writes are serialized: one transaction per block.
    expect(new Set(responses.map((r) => r.body.transactionHash)).size).toBe(BURST);
    expect(new Set(responses.map((r) => r.body.blockNumber)).size).toBe(BURST);

    const posted = await market.readEvents({ names: ["TaskPosted"] });
    expect(posted).toHaveLength(BURST);
    // Each response's task is the one its request described.
    const priceById = new Map(posted.map(({ event: e }) => [e.name === "TaskPosted" ? e.taskId : 0, e.name === "TaskPosted" ? e.maxPrice : 0n]));
    responses.forEach((r, i) => expect(priceById.get(r.body.taskId), `request ${i}`).toBe(maxPriceOf(i)));

    const sum = Array.from({ length: BURST }, (_, i) => maxPriceOf(i)).reduce((a, b) => a + b, 0n);
    expect(await contract.totalEscrow()).toBe(sum);
    expect(await contract.taskCount()).toBe(BigInt(BURST));
    expect(await market.chain.provider.getBalance(market.marketAddress)).toBe(sum);
  });
});
