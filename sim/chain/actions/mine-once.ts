import type { MarketClient } from "./client.js";
import { mineBlockAt } from "../time.js";
import { withRetries } from "./with-retries.js";

/**
 * Mines the block at `timestamp` exactly once: before a retry the latest block is re-read, and
 * a block past the last one mined with this timestamp means the lost try did mine it.
 */
export async function mineOnce(client: MarketClient, timestamp: number): Promise<void> {
  const before = client.lastMined ?? client.deployBlock;
  await withRetries(client.chain, `evm_mine at ${timestamp}`, async (retry) => {
    if (retry > 0) {
      const latest = (await client.chain.rpc("eth_getBlockByNumber", ["latest", false])) as { number: string; timestamp: string };
      if (Number(latest.number) > before && Number(BigInt(latest.timestamp)) === timestamp) return;
    }
    await mineBlockAt(client.chain, timestamp);
  });
}
