import { toBeHex } from "ethers";
import type { MarketAction } from "../../protocol/actions.js";
import type { ChainBlockRecord, RefusedAction } from "../../protocol/ledger.js";
import { ChainError } from "../errors.js";
import { encodeAction } from "../market-calls.js";
import type { MarketClient, RpcReceipt } from "./client.js";
import { findLostHashes, type SentTransaction } from "./find-lost-hashes.js";
import { mineOnce } from "./mine-once.js";
import { nextNonce } from "./next-nonce.js";
import { revertReason } from "./revert-reason.js";
import { sendOnce } from "./send-once.js";
import { readWithRetries } from "./with-retries.js";

/**
 * Fee cap of every transaction (1,000 gwei): above any base fee a dev chain reaches, so
 * nothing waits for a fee estimate. On the embedded chain the base fee is 0.
 */
const MAX_FEE_PER_GAS = toBeHex(10n ** 12n);

/** A block as mined: its receipts as the node gave them, the refused actions and why. */
export interface MinedBlock {
  blockNumber: number;
  hash: string | null;
  gasUsed: bigint;
  refused: RefusedAction[];
  raw: ChainBlockRecord;
}

/**
 * Sends each action as one transaction from its actor (automine is off), mines them together at
 * `timestamp`, and reads back every receipt (and, for a reverted one, its custom error).
 * @throws ChainError when a transaction is not in the block (gas limit) or the node stops answering.
 */
export async function commitBlock(client: MarketClient, timestamp: number, actions: readonly MarketAction[]): Promise<MinedBlock> {
  const sent: Array<SentTransaction & { action: MarketAction }> = [];
  for (const action of actions) {
    const tx = encodeAction(action);
    const nonce = await nextNonce(client, action.from);
    const hash = await sendOnce(client.chain, action.from, nonce, {
      from: action.from,
      to: client.marketAddress,
      data: tx.data,
      value: toBeHex(tx.value),
      gas: toBeHex(tx.gas),
      nonce: toBeHex(nonce),
      maxFeePerGas: MAX_FEE_PER_GAS,
      maxPriorityFeePerGas: "0x0",
    });
    sent.push({ action, from: action.from, kind: action.kind, nonce, hash });
  }
  await mineOnce(client, timestamp);
  if (sent.some((s) => s.hash === undefined)) await findLostHashes(client.chain, sent, timestamp);

  const transactions: ChainBlockRecord["transactions"] = [];
  const refused: RefusedAction[] = [];
  let gasUsed = 0n;
  let blockNumber = -1;
  let blockHash: string | null = null;
  for (const { action, hash: sentHash } of sent) {
    const hash = sentHash!;
    const receipt = await readWithRetries<RpcReceipt | null>(client.chain, "eth_getTransactionReceipt", [hash]);
    if (receipt === null) {
      throw new ChainError(`transaction ${hash} was not mined in the block at ${timestamp}`, {
        details: "the block gas limit is too low for this many actions",
      });
    }
    blockNumber = Number(receipt.blockNumber);
    blockHash = receipt.blockHash;
    gasUsed += BigInt(receipt.gasUsed);
    transactions.push({
      hash,
      from: action.from,
      status: Number(receipt.status),
      gasUsed: BigInt(receipt.gasUsed).toString(),
      logs: receipt.logs.map((log) => ({ address: log.address, topics: log.topics, data: log.data, logIndex: Number(log.logIndex) })),
    });
    if (receipt.status !== "0x1") refused.push({ action, ...(await revertReason(client.chain, hash)) });
  }
  if (sent.length === 0) {
    const block = await readWithRetries<{ number: string; hash: string }>(client.chain, "eth_getBlockByNumber", ["latest", false]);
    blockNumber = Number(block.number);
    blockHash = block.hash;
  }
  client.lastMined = blockNumber;
  const raw: ChainBlockRecord = { number: blockNumber, hash: blockHash ?? "", timestamp, transactions };
  return { blockNumber, hash: blockHash, gasUsed, refused, raw };
}
