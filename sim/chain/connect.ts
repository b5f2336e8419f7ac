import {
  BrowserProvider,
  FetchRequest,
  JsonRpcProvider,
  Network,
  type Eip1193Provider,
  type JsonRpcApiProvider,
  type JsonRpcSigner,
} from "ethers";
import { InputError } from "../input-error.js";

/** A connection to an EVM chain: the embedded Hardhat chain or any JSON-RPC endpoint. */
export interface Chain {
  /** `embedded`: Hardhat's in-process EDR chain; `rpc`: a JSON-RPC URL (hardhat node, anvil, ...). */
  readonly kind: "embedded" | "rpc";
  /** The URL for `rpc` chains. */
  readonly url?: string;
  readonly chainId: bigint;
  /** An ethers provider: the rest of bidmesh uses only this, whatever the kind. */
  readonly provider: JsonRpcApiProvider;
  /**
   * A raw JSON-RPC call. In-process it goes straight to Hardhat's EIP-1193 provider, about 35
   * times cheaper than through ethers (0.04 vs 1.3 ms a call): the chain ledger's hot path.
   */
  rpc(method: string, params: unknown[]): Promise<unknown>;
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
  /**
   * RPC endpoints: milliseconds each JSON-RPC call may wait for its answer before it fails with
   * ethers' TIMEOUT (default ethers' 300,000). A node that is stopped keeps the connection open
   * and answers nothing: without a bound, a caller waits minutes.
   */
  callTimeoutMs?: number;
}

/**
 * Connects to the embedded chain (default) or to `rpcUrl`. Both give the same `Chain`, so
 * callers have one code path.
 * @example
 * const chain = await connectChain();                                // embedded
 * const remote = await connectChain({ rpcUrl: "http://127.0.0.1:8545" });
 */
export async function connectChain(options: ConnectOptions = {}): Promise<Chain> {
  return options.rpcUrl === undefined ? connectEmbedded() : connectRpc(options.rpcUrl, options.timeoutMs ?? 5000, options.callTimeoutMs);
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
  const raw = connection.provider as unknown as Eip1193Provider;
  return {
    kind: "embedded",
    chainId,
    provider,
    rpc: (method, params) => raw.request({ method, params }),
    signer: (index) => provider.getSigner(index),
    close: async () => {
      provider.destroy();
      await connection.close();
    },
  };
}

async function connectRpc(url: string, timeoutMs: number, callTimeoutMs: number | undefined): Promise<Chain> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InputError("rpc-url", `"${url}" is not a URL; expected e.g. http://127.0.0.1:8545`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new InputError("rpc-url", `protocol ${parsed.protocol} is not supported; use http: or https:`);
  }
  let chainId: bigint;
  try {
    chainId = await probeChainId(url, timeoutMs);
  } catch {
    // The user named an endpoint that does not answer: bad input, like a malformed URL.
    throw new InputError("rpc-url", `cannot reach the JSON-RPC endpoint at ${url}: is the node running, and is the URL right?`);
  }
  // A static network stops ethers from re-detecting it (and logging retries) in the background;
  // one request per HTTP call is faster with local nodes.
  const request = new FetchRequest(url);
  if (callTimeoutMs !== undefined) request.timeout = callTimeoutMs;
  const provider = new JsonRpcProvider(request, Network.from(chainId), {
    staticNetwork: true,
    batchMaxCount: 1,
    cacheTimeout: -1,
  });
  return {
    kind: "rpc",
    url,
    chainId,
    provider,
    rpc: (method, params) => provider.send(method, params),
    signer: (index) => provider.getSigner(index),
    close: async () => provider.destroy(),
  };
}

/** Asks the endpoint for its chain id once, within `timeoutMs`. */
async function probeChainId(url: string, timeoutMs: number): Promise<bigint> {
  const request = new FetchRequest(url);
  request.timeout = timeoutMs;
  request.setHeader("content-type", "application/json");
  request.body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] });
  const response = await request.send();
  response.assertOk();
  const body = response.bodyJson as { result?: string; error?: { message?: string } };
  if (typeof body.result !== "string") throw new Error(body.error?.message ?? "eth_chainId returned no result");
  return BigInt(body.result);
}
