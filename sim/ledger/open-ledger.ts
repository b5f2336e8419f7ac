// The one place that decides which ledger a market runs on: the memory model, or the contract on
// the embedded chain or a JSON-RPC node; and, on a node, whether the market is a new deployment
// or the one the deployment registry remembers. `bidmesh simulate`, the API's market service and
// the live market's sessions all open their ledger here, so the three cannot drift apart.
import {
  connectChain,
  type Chain,
  type ConnectOptions,
} from "../chain/connect.js";
import { DEFAULT_REGISTRY_FILE } from "../chain/deploy.js";
import type { MarketConfig } from "../protocol/market-config.js";
import { ChainLedger } from "./chain-ledger.js";
import { MemoryLedger } from "./memory-ledger.js";

export interface OpenMemoryLedger {
  ledger: "memory";
  config: MarketConfig;
}

export interface OpenChainLedger {
  ledger: "chain";
  config: MarketConfig;
  /** Chain time (s) the market starts at: a new deployment is mined just before it. */
  startTimestamp: number;
  /**
   * The chain: an open connection (its owner closes it), or where to connect (the embedded
   * chain when `rpcUrl` is absent); a connection made here is closed if opening fails.
   */
  chain: Chain | ConnectOptions;
  /**
   * On a JSON-RPC node, reuse the market the deployment registry remembers for this chain and
   * config (deploying and remembering one if there is none). Absent: always a new market (a
   * simulation's). The embedded chain is new each time, so it always gets a new market.
   */
  registry?: { file?: string };
}

export interface OpenedMemoryLedger {
  kind: "memory";
  ledger: MemoryLedger;
}

export interface OpenedChainLedger {
  kind: Chain["kind"];
  ledger: ChainLedger;
  /** The market was found in the registry, with everything already on it. */
  reused: boolean;
}

/**
 * Opens the ledger `options` names.
 * @example
 * const { ledger } = await openLedger({ ledger: "chain", config, startTimestamp: SIM_EPOCH, chain: { rpcUrl } });
 */
export async function openLedger(
  options: OpenChainLedger,
): Promise<OpenedChainLedger>;
export async function openLedger(
  options: OpenMemoryLedger | OpenChainLedger,
): Promise<OpenedMemoryLedger | OpenedChainLedger>;
export async function openLedger(
  options: OpenMemoryLedger | OpenChainLedger,
): Promise<OpenedMemoryLedger | OpenedChainLedger> {
  if (options.ledger === "memory")
    return { kind: "memory", ledger: new MemoryLedger(options.config) };
  const given = isChain(options.chain);
  const chain = isChain(options.chain)
    ? options.chain
    : await connectChain(options.chain);
  try {
    if (chain.kind === "rpc" && options.registry !== undefined) {
      const found = await ChainLedger.findOrCreate(
        chain,
        options.config,
        options.startTimestamp,
        {
          registryFile: options.registry.file ?? DEFAULT_REGISTRY_FILE,
        },
      );
      return { kind: chain.kind, ledger: found.ledger, reused: found.reused };
    }
    return {
      kind: chain.kind,
      ledger: await ChainLedger.create(
        chain,
        options.config,
        options.startTimestamp,
      ),
      reused: false,
    };
  } catch (error) {
    if (!given) await chain.close();
    throw error;
  }
}

function isChain(chain: Chain | ConnectOptions): chain is Chain {
  return "rpc" in chain && typeof chain.rpc === "function";
}
