import type { Chain } from "../chain/connect.js";
import { attachMarket } from "../chain/actions/attach-market.js";
import type { MarketClient } from "../chain/actions/client.js";
import { commitBlock } from "../chain/actions/commit-block.js";
import { deployMarket, type DeployedMarket } from "../chain/actions/deploy-market.js";
import { encodeAction, type MarketCall } from "../chain/market-calls.js";
import type { MarketConfig } from "../protocol/market-config.js";
import type { Address, MarketAction } from "../protocol/actions.js";
import type { BlockResult, Ledger } from "../protocol/ledger.js";
import { actorAddress } from "./actors.js";
import { blockEvents } from "./block-events.js";

/**
 * The market on a real chain. Each action is one transaction from its actor's impersonated
 * account; a block's transactions are sent with automine off and mined together at the
 * block's timestamp, so chain time is simulated time. Works on the embedded chain, a
 * `hardhat node` and anvil (they all support impersonation and mining at a timestamp).
 *
 * A thin class over the actions in sim/chain/actions/ (one per file: deploy, attach, commit a
 * block and the sends, mining and reads it is made of); it holds their client and turns the
 * mined receipts into MarketEvents (block-events.ts).
 */
export class ChainLedger implements Ledger {
  readonly kind = "chain";
  /** The market contract. */
  readonly marketAddress: Address;
  /** Block in which the market was deployed: its ledger starts there. */
  readonly deployBlock: number;
  /** The first timestamp (seconds) a block may carry. */
  readonly startTimestamp: number;
  private readonly client: MarketClient;
  /** Checksummed provider addresses by lower-case hex, for the bid decoder. */
  private readonly checksums = new Map<string, Address>();

  private constructor(
    readonly chain: Chain,
    readonly config: MarketConfig,
    deployed: DeployedMarket,
  ) {
    this.marketAddress = deployed.marketAddress;
    this.deployBlock = deployed.deployBlock;
    this.startTimestamp = deployed.startTimestamp;
    this.client = { chain, marketAddress: deployed.marketAddress, deployBlock: deployed.deployBlock, nonces: new Map(), lastMined: undefined };
  }

  /**
   * Deploys a market with `config` at a block stamped `startTimestamp - 1` (or just after the
   * chain's latest block, if that is later) and turns automine off.
   */
  static async create(chain: Chain, config: MarketConfig, startTimestamp: number): Promise<ChainLedger> {
    return new ChainLedger(chain, config, await deployMarket(chain, actorAddress("deployer"), config, startTimestamp));
  }

  /**
   * For a long-lived node (`serve --rpc-url` against a persisted anvil): attaches to the market
   * the deployment registry remembers for this chain and `config`, else deploys one and
   * remembers it (attach-market.ts). Turns automine off afterwards, like `create`.
   */
  static async findOrCreate(
    chain: Chain,
    config: MarketConfig,
    startTimestamp: number,
    options: { registryFile?: string } = {},
  ): Promise<{ ledger: ChainLedger; reused: boolean }> {
    const found = await attachMarket(chain, actorAddress("deployer"), config, startTimestamp, options);
    return { ledger: new ChainLedger(chain, found.config, found), reused: found.reused };
  }

  async commitBlock(timestamp: number, actions: readonly MarketAction[]): Promise<BlockResult> {
    try {
      const { blockNumber, hash, gasUsed, refused, raw } = await commitBlock(this.client, timestamp, actions);
      const logged = blockEvents(raw, this.checksums);
      return { blockNumber, timestamp, events: logged.map((l) => l.event), logged, refused, gasUsed, hash, raw };
    } catch (error) {
      // The node may or may not hold what was sent before the failure (an answer lost to a
      // timeout, a node stopped mid-block): the nonces counted here are no longer known to be
      // right, so each sender's next transaction asks the node again (its pending nonce).
      for (const action of actions) this.client.nonces.delete(action.from);
      throw error;
    }
  }

  async close(): Promise<void> {
    await this.chain.close();
  }

  /** The transaction of an action: calldata, value and the fixed gas this ledger sends it with. */
  encodeAction(action: MarketAction): MarketCall {
    return encodeAction(action);
  }
}
