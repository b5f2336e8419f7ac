import { BrowserProvider, JsonRpcProvider, type Eip1193Provider, type JsonRpcApiProvider, type JsonRpcSigner } from "ethers";
import { ChainError } from "./errors.js";

/** A connection to an EVM chain: the embedded Hardhat chain or any JSON-RPC endpoint. */
export interface Chain {
  /** `embedded`: Hardhat's in-process EDR chain; `rpc`: a JSON-RPC URL (hardhat node, anvil, ...). */
  readonly kind: "embedded" | "rpc";
  /** The URL for `rpc` chains. */
  readonly url?: string;
  readonly chainId: bigint;
  /** An ethers provider: the rest of bidmesh uses only this, whatever the kind. */
  readonly provider: JsonRpcApiProvider;
  /** The node's unlocked account `index` (Hardhat and anvil both unlock their dev accounts). */
  signer(index: number): Promise<JsonRpcSigner>;
  /** Releases the connection; the embedded chain is discarded. */
  close(): Promise<void>;
}

export interface ConnectOptions {
  /** JSON-RPC URL; omit for the embedded chain. */
  rpcUrl?: string;
  /** Milliseconds to wait for an RPC endpoint's first answer (default 5000). */
  timeoutMs?: number;
}

/**
 * Connects to the embedded chain (default) or to `rpcUrl`. Both give the same `Chain`, so
 * callers have one code path.
 * @example
 * const chain = await connectChain();                                // embedded
 * const remote = await connectChain({ rpcUrl: "http://127.0.0.1:8545" });
 */
export async function connectChain(options: ConnectOptions = {}): Promise<Chain> {
  return options.rpcUrl === undefined ? connectEmbedded() : connectRpc(options.rpcUrl, options.timeoutMs ?? 5000);
}

async function connectEmbedded(): Promise<Chain> {
  // Loaded on demand: an RPC run should not pay for booting Hardhat.
  const { createHardhatRuntimeEnvironment } = await import("hardhat/hre");
  const { default: config } = await import("../../hardhat.config.js");
  const projectRoot = new URL("../../", import.meta.url).pathname;
  const hre = await createHardhatRuntimeEnvironment(config, {}, projectRoot);
  const connection = await hre.network.getOrCreate();
  // cacheTimeout -1: the simulator moves time and mines itself, so nothing may be served stale.
  const provider = new BrowserProvider(connection.provider as unknown as Eip1193Provider, undefined, {
    cacheTimeout: -1,
  });
  const { chainId } = await provider.getNetwork();
  return {
    kind: "embedded",
    chainId,
    provider,
    signer: (index) => provider.getSigner(index),
    close: async () => {
      provider.destroy();
      await connection.close();
    },
  };
}

async function connectRpc(url: string, timeoutMs: number): Promise<Chain> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ChainError(`rpc-url: "${url}" is not a URL; expected e.g. http://127.0.0.1:8545`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new ChainError(`rpc-url: protocol ${parsed.protocol} is not supported; use http: or https:`);
  }
  // One request per HTTP call and no network polling: local nodes answer faster that way.
  const provider = new JsonRpcProvider(url, undefined, { staticNetwork: true, batchMaxCount: 1, cacheTimeout: -1 });
  let chainId: bigint;
  try {
    chainId = BigInt(await withTimeout(provider.send("eth_chainId", []), timeoutMs));
  } catch (cause) {
    provider.destroy();
    throw new ChainError(`cannot reach the JSON-RPC endpoint at ${url}`, {
      cause,
      details: "is the node running, and is the URL right?",
    });
  }
  return {
    kind: "rpc",
    url,
    chainId,
    provider,
    signer: (index) => provider.getSigner(index),
    close: async () => provider.destroy(),
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
