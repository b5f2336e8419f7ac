import { afterAll, beforeAll, beforeEach, expect } from "vitest";
import { keccak256, parseEther, toUtf8Bytes, type ContractTransactionResponse, type JsonRpcSigner } from "ethers";
import type { ComputeMarket } from "../../types/ethers-contracts/index.js";
import { connectChain, type Chain } from "../../sim/chain/connect.js";
import { deployMarket } from "../../sim/chain/deploy.js";
import { keeperReserve, type MarketConfig } from "../../sim/protocol/market-config.js";
import { MECHANISM } from "../../sim/protocol/enums.js";
import { encodeRegion } from "../../sim/protocol/region.js";
import { latestTimestamp, revertTo, setNextBlockTimestamp, snapshot, mineBlockAt } from "../../sim/chain/time.js";
import { enumNumbers, expectConservation, rawMarketEvents, type Receipt } from "./market-assertions.js";

// The market on the embedded chain, set up for a test file, and the steps tests take on it:
// sending transactions, moving chain time, registering providers, posting and closing tasks.
// What the tests assert with (expectRevert, events, enums, conservation) is in market-assertions.ts.

/** Mechanism values as the contract takes them (numbers, for postTask's argument). */
export const FIRST_PRICE = enumNumbers(MECHANISM).FirstPrice;
export const SECOND_PRICE = enumNumbers(MECHANISM).SecondPrice;

// ---------------------------------------------------------------- the fixture

/** A deployed market on the embedded chain, with named accounts. */
export interface MarketFixture {
  chain: Chain;
  market: ComputeMarket;
  address: string;
  config: MarketConfig;
  deployer: JsonRpcSigner;
  posters: JsonRpcSigner[];
  providers: JsonRpcSigner[];
  stranger: JsonRpcSigner;
  /** Restores the state right after deployment (call in beforeEach). */
  reset(): Promise<void>;
}

/** Market parameters the contract tests use: small numbers that are easy to check by hand. */
export const TEST_CONFIG: MarketConfig = {
  minStake: parseEther("1"),
  unbondingDelay: 3_600,
  slashBps: 1_000,
  abandonSlashBps: 500,
  maxRounds: 2,
  fallbackDepth: 3,
  keeperFee: 0n,
};

/**
 * Boots the embedded chain and deploys a market. Accounts: 0 deployer, 1-2 posters,
 * 3-10 providers, 11 a stranger.
 */
export async function createMarketFixture(config: Partial<MarketConfig> = {}): Promise<MarketFixture> {
  const chain = await connectChain();
  const signers = await Promise.all(Array.from({ length: 12 }, (_, i) => chain.signer(i)));
  const deployer = signers[0]!;
  const deployment = await deployMarket(chain, deployer, { ...TEST_CONFIG, ...config });
  let snap = await snapshot(chain);
  return {
    chain,
    market: deployment.market,
    address: deployment.address,
    config: deployment.config,
    deployer,
    posters: signers.slice(1, 3),
    providers: signers.slice(3, 11),
    stranger: signers[11]!,
    reset: async () => {
      await revertTo(chain, snap);
      snap = await snapshot(chain);
    },
  };
}

// ---------------------------------------------------------------- one fixture per test file

/** The fixture of a test file, with the account lists that escrow conservation needs. */
export interface MarketTestContext extends MarketFixture {
  /** Every account that may hold credits: deployer, posters, providers, stranger. */
  readonly accounts: readonly string[];
  readonly posterAddresses: readonly string[];
  readonly providerAddresses: readonly string[];
  readonly strangerAddress: string;
  /**
   * expectConservation over `accounts` and `providerAddresses`. `extra` adds contracts (mocks)
   * that may hold credits or stake to both lists; `forceSent` is ether forced in by selfdestruct.
   */
  conserved(options?: { extra?: readonly string[]; forceSent?: bigint }): Promise<void>;
}

/**
 * Registers the vitest hooks every market test file needs: beforeAll boots the chain, deploys a
 * market with `config` (over TEST_CONFIG) and reads the account addresses; afterAll closes the
 * chain; beforeEach (unless `resetBeforeEach` is false) restores the just-deployed state, so
 * each test starts from an empty market.
 *
 * The returned object is the fixture itself (pass it wherever a MarketFixture goes) plus the
 * account lists and `conserved()`. Its properties exist once beforeAll has run: read them inside
 * hooks and tests, never at the top level of the file.
 * @example
 * const fx = useMarketFixture();
 * it("...", async () => {
 *   await registerProvider(fx, fx.providers[0]!);
 *   await fx.conserved();
 * });
 */
export function useMarketFixture(
  config: Partial<MarketConfig> = {},
  options: { resetBeforeEach?: boolean } = {},
): MarketTestContext {
  let state:
    | { fx: MarketFixture; accounts: string[]; posters: string[]; providers: string[]; stranger: string }
    | undefined;
  const ready = () => {
    if (state === undefined) throw new Error("useMarketFixture: the fixture exists only once beforeAll has run");
    return state;
  };

  beforeAll(async () => {
    const fx = await createMarketFixture(config);
    const posters = await Promise.all(fx.posters.map((p) => p.getAddress()));
    const providers = await Promise.all(fx.providers.map((p) => p.getAddress()));
    const stranger = await fx.stranger.getAddress();
    const accounts = [await fx.deployer.getAddress(), ...posters, ...providers, stranger];
    state = { fx, accounts, posters, providers, stranger };
  });
  afterAll(async () => state?.fx.chain.close());
  if (options.resetBeforeEach ?? true) beforeEach(async () => ready().fx.reset());

  return {
    get chain() { return ready().fx.chain; },
    get market() { return ready().fx.market; },
    get address() { return ready().fx.address; },
    get config() { return ready().fx.config; },
    get deployer() { return ready().fx.deployer; },
    get posters() { return ready().fx.posters; },
    get providers() { return ready().fx.providers; },
    get stranger() { return ready().fx.stranger; },
    reset: () => ready().fx.reset(),
    get accounts() { return ready().accounts; },
    get posterAddresses() { return ready().posters; },
    get providerAddresses() { return ready().providers; },
    get strangerAddress() { return ready().stranger; },
    conserved: ({ extra = [], forceSent } = {}) => {
      const { fx, accounts, providers } = ready();
      return expectConservation(fx, [...accounts, ...extra], [...providers, ...extra], { forceSent });
    },
  };
}

// ---------------------------------------------------------------- transactions

/** The market, called by `signer`. */
export function as(fx: MarketFixture, signer: JsonRpcSigner): ComputeMarket {
  return fx.market.connect(signer);
}

/** Sends a transaction and waits for it; returns the receipt. */
export async function mined(tx: Promise<ContractTransactionResponse>): Promise<Receipt> {
  const receipt = await (await tx).wait();
  if (receipt === null) throw new Error("transaction was not mined");
  return receipt;
}

// ---------------------------------------------------------------- chain time

/** The current chain time (seconds). */
export async function now(fx: MarketFixture): Promise<number> {
  return latestTimestamp(fx.chain);
}

/** Makes the next transaction's block carry `timestamp`. */
export async function atTime(fx: MarketFixture, timestamp: number): Promise<void> {
  await setNextBlockTimestamp(fx.chain, timestamp);
}

/** Mines an empty block at `timestamp`. */
export async function mineAt(fx: MarketFixture, timestamp: number): Promise<void> {
  await mineBlockAt(fx.chain, timestamp);
}

// ---------------------------------------------------------------- providers and tasks

/** Registers `providers[i]` in `region` with capacity and stake (defaults: 4, 2 × minStake). */
export async function registerProvider(
  fx: MarketFixture,
  provider: JsonRpcSigner,
  options: { region?: string; capacity?: number; stake?: bigint } = {},
): Promise<void> {
  await mined(
    as(fx, provider).registerProvider(encodeRegion(options.region ?? "eu-west-1"), options.capacity ?? 4, {
      value: options.stake ?? fx.config.minStake * 2n,
    }),
  );
}

export interface PostOptions {
  /** The bid cap; the post sends it plus the market's keeper reserve. */
  maxPrice?: bigint;
  /** msg.value exactly (overrides maxPrice + keeper reserve). */
  value?: bigint;
  region?: string;
  /** Bid window length in seconds (stored exactly: see postTask). */
  window?: number;
  /** Execution budget in seconds. */
  budget?: number;
  mechanism?: number;
  requirements?: string;
}

/** The id of the task a receipt posted (it must hold exactly one TaskPosted). */
export function postedTaskId(fx: MarketFixture, receipt: Receipt): bigint {
  const posted = rawMarketEvents(fx, receipt).filter((e) => e.name === "TaskPosted");
  expect(posted).toHaveLength(1);
  return posted[0]!.args["taskId"] as bigint;
}

/**
 * Posts a task and returns its id. Defaults: 1 ETH, any region, 60 s window, 300 s budget, first price.
 * The posting block is pinned one second after the latest block and the window ends `window` seconds
 * after that, so the stored bidWindowLength is exactly `window`, not one that depends on which
 * wall-clock second the chain happened to stamp the posting block with.
 */
export async function postTask(fx: MarketFixture, poster: JsonRpcSigner, options: PostOptions = {}): Promise<bigint> {
  const postedAt = (await now(fx)) + 1;
  const windowEnd = postedAt + (options.window ?? 60);
  await atTime(fx, postedAt);
  const receipt = await mined(
    as(fx, poster).postTask(
      keccak256(toUtf8Bytes(options.requirements ?? "render 1 frame")),
      encodeRegion(options.region ?? "any"),
      windowEnd,
      options.budget ?? 300,
      options.mechanism ?? FIRST_PRICE,
      { value: options.value ?? (options.maxPrice ?? parseEther("1")) + keeperReserve(fx.config) },
    ),
  );
  return postedTaskId(fx, receipt);
}

/** Moves chain time past the task's bid window and closes its auction. */
export async function closeAfterWindow(fx: MarketFixture, taskId: bigint, closer?: JsonRpcSigner): Promise<void> {
  const task = await fx.market.getTask(taskId);
  await atTime(fx, Math.max(Number(task.bidWindowEnd), (await now(fx)) + 1));
  await mined(as(fx, closer ?? fx.stranger).closeAuction(taskId));
}

/**
 * Closes the task's auction, as the stranger, in a block stamped exactly `after` seconds past its
 * bid window end (default 0: at the boundary). Returns that window end and the receipt.
 */
export async function closeAtWindowEnd(
  fx: MarketFixture,
  taskId: bigint,
  { after = 0 }: { after?: number } = {},
): Promise<{ end: number; receipt: Receipt }> {
  const end = Number((await fx.market.getTask(taskId)).bidWindowEnd);
  await atTime(fx, end + after);
  const receipt = await mined(as(fx, fx.stranger).closeAuction(taskId));
  return { end, receipt };
}

/** Moves chain time past the current assignee's deadline. */
export async function passDeadline(fx: MarketFixture, taskId: bigint): Promise<void> {
  const task = await fx.market.getTask(taskId);
  await mineAt(fx, Number(task.deadline) + 1);
}
