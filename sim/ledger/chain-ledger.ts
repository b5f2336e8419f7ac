import { getAddress, JsonRpcSigner, toBeHex, type Interface } from "ethers";
import { ComputeMarket__factory } from "../../types/ethers-contracts/index.js";
import type { Chain } from "../chain/connect.js";
import { findOrDeployMarket } from "../chain/deploy.js";
import type { MarketConfig } from "../protocol/market-config.js";
import { ChainError, decodeChainError } from "../chain/errors.js";
import { decodeLog } from "../chain/ledger-reader.js";
import { encodeAction, type MarketCall } from "../chain/market-calls.js";
import { latestTimestamp, mineBlockAt, setAutomine } from "../chain/time.js";
import { actorAddress } from "./actors.js";
import { toMarketEvent } from "./event-shapes.js";
import type { Address, MarketAction } from "../protocol/actions.js";
import type { MarketEvent } from "../protocol/events.js";
import type { BlockResult, ChainBlockRecord, Ledger, RefusedAction } from "../protocol/ledger.js";

/**
 * Fee cap of every transaction (1,000 gwei): above any base fee a dev chain reaches, so
 * nothing waits for a fee estimate. On the embedded chain the base fee is 0.
 */
const MAX_FEE_PER_GAS = toBeHex(10n ** 12n);

/** Gas for deploying the market (it needs about 2.93 M). */
const DEPLOY_GAS = 5_000_000n;

/**
 * Tries of one JSON-RPC call when its answer does not come back (a dropped connection, a lost
 * response), and the pause before the n-th retry (n × RETRY_PAUSE_MS). A node that is gone fails
 * every try quickly, so the run ends with a clear ChainError within a second.
 */
const RPC_TRIES = 4;
const RETRY_PAUSE_MS = 50;

/** Ether given to each impersonated actor: far more than any run spends. */
const ACTOR_BALANCE = toBeHex(10n ** 30n);

/**
 * The market on a real chain. Each action is one transaction from its actor's impersonated
 * account; a block's transactions are sent with automine off and mined together at the
 * block's timestamp, so chain time is simulated time. Works on the embedded chain, a
 * `hardhat node` and anvil (they all support impersonation and mining at a timestamp).
 */
export class ChainLedger implements Ledger {
  readonly kind = "chain";
  private readonly iface: Interface = ComputeMarket__factory.createInterface();
  /** Next nonce of every actor that has sent: kept here, since asking the node costs 20×. */
  private readonly nonces = new Map<Address, number>();

  private constructor(
    readonly chain: Chain,
    readonly config: MarketConfig,
    /** The market contract. */
    readonly marketAddress: Address,
    /** Block in which the market was deployed: its ledger starts there. */
    readonly deployBlock: number,
    /** The first timestamp (seconds) a block may carry. */
    readonly startTimestamp: number,
  ) {}

  /**
   * Deploys a market with `config` at a block stamped `startTimestamp - 1` (or just after the
   * chain's latest block, if that is later) and turns automine off.
   */
  static async create(chain: Chain, config: MarketConfig, startTimestamp: number): Promise<ChainLedger> {
    const deployer = actorAddress("deployer");
    await impersonate(chain, deployer);
    await setAutomine(chain, false);
    const deployAt = Math.max(startTimestamp - 1, (await latestTimestamp(chain)) + 1);
    const factory = new ComputeMarket__factory();
    const { data } = await factory.getDeployTransaction(config);
    const hash = (await chain.rpc("eth_sendTransaction", [{ from: deployer, data, gas: toBeHex(DEPLOY_GAS) }])) as string;
    await mineBlockAt(chain, deployAt);
    const receipt = (await chain.rpc("eth_getTransactionReceipt", [hash])) as RpcReceipt | null;
    if (receipt === null || receipt.status !== "0x1" || receipt.contractAddress === null) {
      throw new ChainError("the market contract could not be deployed");
    }
    return new ChainLedger(chain, config, getAddress(receipt.contractAddress), Number(receipt.blockNumber), deployAt + 1);
  }

  /**
   * For a long-lived node (`serve --rpc-url` against a persisted anvil): attaches to the market
   * the deployment registry remembers for this chain and `config` (findOrDeployMarket reuses a
   * market only when its on-chain config is `config`), so every task, bid and result already on
   * chain is kept; else deploys one with `config` (mined at the node's clock) and remembers it.
   * Turns automine off afterwards, like `create`.
   */
  static async findOrCreate(
    chain: Chain,
    config: MarketConfig,
    startTimestamp: number,
    options: { registryFile?: string } = {},
  ): Promise<{ ledger: ChainLedger; reused: boolean }> {
    const deployer = actorAddress("deployer");
    await impersonate(chain, deployer);
    // findOrDeployMarket waits for its deployment to be mined: the node must automine meanwhile
    // (an earlier server on the same node may have left automine off).
    await setAutomine(chain, true);
    const found = await findOrDeployMarket(chain, new JsonRpcSigner(chain.provider, deployer), { registryFile: options.registryFile, config });
    await setAutomine(chain, false);
    const start = Math.max(startTimestamp, (await latestTimestamp(chain)) + 1);
    const ledger = new ChainLedger(chain, found.config, getAddress(found.address), found.blockNumber, start);
    return { ledger, reused: found.reused };
  }

  async commitBlock(timestamp: number, actions: readonly MarketAction[]): Promise<BlockResult> {
    try {
      return await this.commitBlockOnce(timestamp, actions);
    } catch (error) {
      // The node may or may not hold what was sent before the failure (an answer lost to a
      // timeout, a node stopped mid-block): the nonces counted here are no longer known to be
      // right, so each sender's next transaction asks the node again (its pending nonce).
      for (const action of actions) this.nonces.delete(action.from);
      throw error;
    }
  }

  private async commitBlockOnce(timestamp: number, actions: readonly MarketAction[]): Promise<BlockResult> {
    // hash is undefined when the node took the transaction but its answer was lost: found after mining.
    const sent: Array<{ action: MarketAction; nonce: number; hash: string | undefined }> = [];
    for (const action of actions) {
      const tx = this.encodeAction(action);
      const nonce = await this.nextNonce(action.from);
      const hash = await this.sendOnce(action.from, nonce, {
        from: action.from,
        to: this.marketAddress,
        data: tx.data,
        value: toBeHex(tx.value),
        gas: toBeHex(tx.gas),
        nonce: toBeHex(nonce),
        maxFeePerGas: MAX_FEE_PER_GAS,
        maxPriorityFeePerGas: "0x0",
      });
      sent.push({ action, nonce, hash });
    }
    await this.mineOnce(timestamp);
    if (sent.some((s) => s.hash === undefined)) await this.findLostHashes(sent, timestamp);

    const transactions: ChainBlockRecord["transactions"] = [];
    const events: MarketEvent[] = [];
    const refused: RefusedAction[] = [];
    let gasUsed = 0n;
    let blockNumber = -1;
    let blockHash: string | null = null;
    for (const { action, hash: sentHash } of sent) {
      const hash = sentHash!;
      const receipt = await this.read<RpcReceipt | null>("eth_getTransactionReceipt", [hash]);
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
      if (receipt.status !== "0x1") {
        refused.push({ action, ...(await this.revertReason(hash)) });
        continue;
      }
      for (const log of receipt.logs) {
        // Bids are most of a busy block's logs: decode them directly, without ethers' generic
        // decoder and its keccak address checksum per log (60% of a batched block's JS time).
        const bid = this.decodeBidPlaced(log.topics, log.data);
        if (bid !== undefined) {
          events.push(bid);
          continue;
        }
        const decoded = decodeLog({
          topics: log.topics,
          data: log.data,
          blockNumber: Number(log.blockNumber),
          transactionHash: log.transactionHash,
          index: Number(log.logIndex),
        } as never);
        if (decoded !== undefined) events.push(toMarketEvent(decoded));
      }
    }
    if (sent.length === 0) {
      const block = await this.read<{ number: string; hash: string }>("eth_getBlockByNumber", ["latest", false]);
      blockNumber = Number(block.number);
      blockHash = block.hash;
    }
    this.lastMined = blockNumber;
    const raw: ChainBlockRecord = { number: blockNumber, hash: blockHash ?? "", timestamp, transactions };
    return { blockNumber, timestamp, events, refused, gasUsed, hash: blockHash, raw };
  }

  private readonly bidPlacedTopic = this.iface.getEvent("BidPlaced")!.topicHash;
  private readonly checksums = new Map<string, Address>();

  /** A BidPlaced log as a MarketEvent, or undefined for any other log. */
  private decodeBidPlaced(topics: readonly string[], data: string): MarketEvent | undefined {
    if (topics[0] !== this.bidPlacedTopic || topics.length !== 3 || data.length !== 2 + 128) return undefined;
    const raw = `0x${topics[2]!.slice(26)}`;
    let provider = this.checksums.get(raw);
    if (provider === undefined) this.checksums.set(raw, (provider = getAddress(raw)));
    return {
      name: "BidPlaced",
      taskId: Number(BigInt(topics[1]!)),
      provider,
      price: BigInt(`0x${data.slice(2, 66)}`),
      round: Number(BigInt(`0x${data.slice(66, 130)}`)),
    };
  }

  /** The actor's next nonce; the first time, impersonates and funds it and asks the node. */
  private async nextNonce(address: Address): Promise<number> {
    let nonce = this.nonces.get(address);
    if (nonce === undefined) {
      await this.withRetries("hardhat_impersonateAccount", () => impersonate(this.chain, address));
      nonce = await this.pendingNonce(address);
    }
    this.nonces.set(address, nonce + 1);
    return nonce;
  }

  async close(): Promise<void> {
    await this.chain.close();
  }

  // ---------------------------------------------------------------- sending when answers get lost
  // A JSON-RPC answer can be lost after the node acted on the request. Reads are simply retried.
  // A transaction is never sent twice: before a retry the node is asked whether it already took
  // it (the sender's pending nonce), and a retry reuses the nonce, so the node refuses a second
  // copy anyway. A block is never mined twice: before a retry the latest block is re-read.

  /** Block number of the last block this ledger mined (the deployment's until the first). */
  private lastMined: number | undefined;

  /**
   * Sends one transaction exactly once. Returns its hash, or undefined when the node took it but
   * the answer was lost (`findLostHashes` finds it in the mined block by sender and nonce).
   */
  private async sendOnce(from: Address, nonce: number, tx: Record<string, string>): Promise<string | undefined> {
    return this.withRetries(`eth_sendTransaction from ${from}`, async (retry) => {
      // One raw read per try: this loop is the retry, and its ChainError names the send.
      if (retry > 0 && Number(await this.chain.rpc("eth_getTransactionCount", [from, "pending"])) > nonce) return undefined;
      return (await this.chain.rpc("eth_sendTransaction", [tx])) as string;
    });
  }

  /** Mines the block at `timestamp` exactly once: a retry first checks whether it was mined. */
  private async mineOnce(timestamp: number): Promise<void> {
    const before = this.lastMined ?? this.deployBlock;
    await this.withRetries(`evm_mine at ${timestamp}`, async (retry) => {
      if (retry > 0) {
        const latest = (await this.chain.rpc("eth_getBlockByNumber", ["latest", false])) as { number: string; timestamp: string };
        if (Number(latest.number) > before && Number(BigInt(latest.timestamp)) === timestamp) return;
      }
      await mineBlockAt(this.chain, timestamp);
    });
  }

  /** Fills in the hashes whose send answers were lost, from the block just mined. */
  private async findLostHashes(sent: Array<{ action: MarketAction; nonce: number; hash: string | undefined }>, timestamp: number): Promise<void> {
    const block = await this.read<{ transactions: Array<{ hash: string; from: string; nonce: string }> }>("eth_getBlockByNumber", ["latest", true]);
    for (const s of sent) {
      if (s.hash !== undefined) continue;
      const from = s.action.from.toLowerCase();
      const tx = block.transactions.find((t) => t.from.toLowerCase() === from && Number(t.nonce) === s.nonce);
      if (tx === undefined) throw new ChainError(`the ${s.action.kind} transaction of ${s.action.from} (nonce ${s.nonce}) is not in the block at ${timestamp}`);
      s.hash = tx.hash;
    }
  }

  /** The sender's nonce counting the transactions the node holds but has not mined. */
  private async pendingNonce(address: Address): Promise<number> {
    return Number(await this.read<string>("eth_getTransactionCount", [address, "pending"]));
  }

  /** A read (or any call that is harmless to repeat), retried when its answer is lost. */
  private read<T>(method: string, params: unknown[]): Promise<T> {
    return this.withRetries(method, async () => (await this.chain.rpc(method, params)) as T);
  }

  /**
   * Runs `attempt(retry)` until it succeeds, at most RPC_TRIES times, pausing between tries.
   * @throws ChainError naming the call, the endpoint and the last error, after the last try.
   */
  private async withRetries<T>(what: string, attempt: (retry: number) => Promise<T>): Promise<T> {
    let lastError: unknown;
    for (let retry = 0; retry < RPC_TRIES; retry += 1) {
      if (retry > 0) await new Promise((resolve) => setTimeout(resolve, retry * RETRY_PAUSE_MS));
      try {
        return await attempt(retry);
      } catch (error) {
        lastError = error;
      }
    }
    const where = this.chain.url === undefined ? "the embedded chain" : `the JSON-RPC node at ${this.chain.url}`;
    const reason = lastError instanceof Error ? ((lastError as { shortMessage?: string }).shortMessage ?? lastError.message) : String(lastError);
    throw new ChainError(`${where} did not complete ${what} after ${RPC_TRIES} tries (last error: ${reason.split("\n")[0]})`, { cause: lastError });
  }

  /** The transaction of an action: calldata, value and the fixed gas this ledger sends it with. */
  encodeAction(action: MarketAction): MarketCall {
    return encodeAction(action);
  }

  /** The custom error a mined, failed transaction reverted with, read from its trace. */
  private async revertReason(hash: string): Promise<{ error: string; args: Record<string, unknown> }> {
    const trace = await this.read<{ returnValue?: string }>("debug_traceTransaction", [
      hash,
      { disableStorage: true, disableMemory: true, disableStack: true },
    ]);
    const data = trace.returnValue === undefined || trace.returnValue === "" ? "0x" : `0x${trace.returnValue.replace(/^0x/, "")}`;
    const decoded = decodeChainError({ data }, this.iface);
    return { error: decoded.errorName ?? "UnknownRevert", args: decoded.errorArgs ?? {} };
  }
}

interface RpcReceipt {
  status: string;
  blockNumber: string;
  blockHash: string;
  gasUsed: string;
  contractAddress: string | null;
  logs: Array<{ address: string; topics: string[]; data: string; blockNumber: string; transactionHash: string; logIndex: string }>;
}

/** Lets `address` send transactions without a key, and funds it (dev chains only). */
async function impersonate(chain: Chain, address: Address): Promise<void> {
  await chain.rpc("hardhat_impersonateAccount", [address]);
  await chain.rpc("hardhat_setBalance", [address, ACTOR_BALANCE]);
}
