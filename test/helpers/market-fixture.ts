import { expect } from "vitest";
import { keccak256, parseEther, toUtf8Bytes, type ContractTransactionResponse, type JsonRpcSigner } from "ethers";
import type { ComputeMarket } from "../../types/ethers-contracts/index.js";
import { connectChain, type Chain } from "../../sim/chain/connect.js";
import { deployMarket, type MarketConfig } from "../../sim/chain/deploy.js";
import { decodeChainError } from "../../sim/chain/errors.js";
import { encodeRegion } from "../../sim/chain/region.js";
import { latestTimestamp, revertTo, setNextBlockTimestamp, snapshot, mineBlockAt } from "../../sim/chain/time.js";

/** Mechanism values as the contract takes them. */
export const FIRST_PRICE = 0;
export const SECOND_PRICE = 1;

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

/** The market, called by `signer`. */
export function as(fx: MarketFixture, signer: JsonRpcSigner): ComputeMarket {
  return fx.market.connect(signer);
}

/** Sends a transaction and waits for it; returns the receipt. */
export async function mined(tx: Promise<ContractTransactionResponse>) {
  const receipt = await (await tx).wait();
  if (receipt === null) throw new Error("transaction was not mined");
  return receipt;
}

/**
 * Asserts that `call` reverts with the market's custom error `name`, and, when given, with
 * exactly these arguments (by parameter name).
 */
export async function expectRevert(
  fx: MarketFixture,
  call: Promise<unknown>,
  name: string,
  args?: Record<string, unknown>,
): Promise<void> {
  let thrown: unknown;
  try {
    await call;
  } catch (error) {
    thrown = error;
  }
  expect(thrown, `expected a revert with ${name}`).toBeDefined();
  const decoded = decodeChainError(thrown, fx.market.interface);
  expect(decoded.errorName, decoded.message).toBe(name);
  if (args !== undefined) {
    const normalise = (value: unknown): unknown =>
      typeof value === "number" ? BigInt(value) : typeof value === "string" ? value.toLowerCase() : value;
    const actual = Object.fromEntries(Object.entries(decoded.errorArgs ?? {}).map(([k, v]) => [k, normalise(v)]));
    const expected = Object.fromEntries(Object.entries(args).map(([k, v]) => [k, normalise(v)]));
    expect(actual).toEqual(expected);
  }
}

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
  maxPrice?: bigint;
  region?: string;
  /** Seconds from now until the bid window ends. */
  window?: number;
  /** Execution budget in seconds. */
  budget?: number;
  mechanism?: number;
  requirements?: string;
}

/** Posts a task and returns its id. Defaults: 1 ETH, any region, 60 s window, 300 s budget, first price. */
export async function postTask(fx: MarketFixture, poster: JsonRpcSigner, options: PostOptions = {}): Promise<bigint> {
  const windowEnd = (await now(fx)) + (options.window ?? 60);
  const receipt = await mined(
    as(fx, poster).postTask(
      keccak256(toUtf8Bytes(options.requirements ?? "render 1 frame")),
      encodeRegion(options.region ?? "any"),
      windowEnd,
      options.budget ?? 300,
      options.mechanism ?? FIRST_PRICE,
      { value: options.maxPrice ?? parseEther("1") },
    ),
  );
  for (const log of receipt.logs) {
    const parsed = fx.market.interface.parseLog(log);
    if (parsed?.name === "TaskPosted") return parsed.args[0] as bigint;
  }
  throw new Error("postTask emitted no TaskPosted");
}

/** Moves chain time past the task's bid window and closes its auction. */
export async function closeAfterWindow(fx: MarketFixture, taskId: bigint, closer?: JsonRpcSigner): Promise<void> {
  const task = await fx.market.getTask(taskId);
  await atTime(fx, Math.max(Number(task.bidWindowEnd), (await now(fx)) + 1));
  await mined(as(fx, closer ?? fx.stranger).closeAuction(taskId));
}

/** Moves chain time past the current assignee's deadline. */
export async function passDeadline(fx: MarketFixture, taskId: bigint): Promise<void> {
  const task = await fx.market.getTask(taskId);
  await mineAt(fx, Number(task.deadline) + 1);
}

/**
 * Checks escrow conservation two ways: the contract's totals against its balance, and the totals
 * against the per-task, per-account and per-provider state the test knows of.
 * `accounts` are every account that may hold credits; `providers` every registered provider.
 */
export async function expectConservation(
  fx: MarketFixture,
  accounts: readonly string[],
  providers: readonly string[],
  options: { forceSent?: bigint } = {},
): Promise<void> {
  const m = fx.market;
  const [balance, escrow, credits, staked, count] = await Promise.all([
    fx.chain.provider.getBalance(fx.address),
    m.totalEscrow(),
    m.totalCredits(),
    m.totalStaked(),
    m.taskCount(),
  ]);
  expect(balance, "contract balance = escrow + credits + stakes (+ force-sent)").toBe(
    escrow + credits + staked + (options.forceSent ?? 0n),
  );

  let openEscrow = 0n;
  for (let id = 1n; id <= count; id += 1n) {
    const task = await m.getTask(id);
    const status = Number(task.status);
    if (status === 1 || status === 2) openEscrow += task.maxPrice;
  }
  expect(escrow, "totalEscrow = sum of maxPrice over Open and Awarded tasks").toBe(openEscrow);

  let sumCredits = 0n;
  for (const account of new Set(accounts)) sumCredits += await m.creditOf(account);
  expect(credits, "totalCredits = sum of every account's credit").toBe(sumCredits);

  let sumStakes = 0n;
  for (const provider of new Set(providers)) {
    const p = await m.getProvider(provider);
    sumStakes += p.stake + p.unbonding;
  }
  expect(staked, "totalStaked = sum of stake + unbonding").toBe(sumStakes);
}
