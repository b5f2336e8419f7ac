// Shared by the memory-ledger tests: actors, scripted action sequences (each path of the market),
// a tiny driver that applies the same actions to the real ComputeMarket on the embedded chain,
// and converters from the contract's views to the memory ledger's shapes.
import { keccak256, parseEther, toBeHex, toUtf8Bytes, type Interface } from "ethers";
import { ComputeMarket__factory, type ComputeMarket } from "../../types/ethers-contracts/index.js";
import { connectChain, type Chain } from "../../sim/chain/connect.js";
import { deployMarket } from "../../sim/chain/deploy.js";
import { keeperReserve, type MarketConfig } from "../../sim/protocol/market-config.js";
import { decodeChainError } from "../../sim/chain/errors.js";
import { decodeMarketEvent } from "../../sim/chain/decode-event.js";
import { encodeAction, type MarketCall } from "../../sim/chain/market-calls.js";
import { enumName, MECHANISM, TASK_STATUS, type MechanismName } from "../../sim/protocol/enums.js";
import { decodeRegion, encodeRegion } from "../../sim/protocol/region.js";
import { latestTimestamp, mineBlockAt, revertTo, setAutomine, setNextBlockTimestamp, snapshot } from "../../sim/chain/time.js";
import { actorAddress } from "../../sim/ledger/actors.js";
import type { FallbackBid, MemoryLedger, ProviderView, TaskView } from "../../sim/ledger/memory-ledger.js";
import type { Address, MarketAction } from "../../sim/protocol/actions.js";
import type { MarketEvent } from "../../sim/protocol/events.js";
import type { RefusedAction } from "../../sim/protocol/ledger.js";

export const ETH = parseEther("1");
/** Fractions of an ether: `eth(0.3)`. */
export const eth = (value: number): bigint => parseEther(String(value));
export const UINT96_MAX = 2n ** 96n - 1n;

/** The market parameters of these tests: small numbers, checked by hand. */
export const LEDGER_TEST_CONFIG: MarketConfig = {
  minStake: ETH,
  unbondingDelay: 3_600,
  slashBps: 1_000,
  abandonSlashBps: 500,
  maxRounds: 2,
  fallbackDepth: 3,
  keeperFee: 0n,
};

/** Who acts: 3 posters, 5 providers (or more) and a stranger (a keeper with no role). */
export interface Actors {
  posters: [Address, Address, Address];
  providers: [Address, Address, Address, Address, Address, ...Address[]];
  stranger: Address;
}

export function allActors(actors: Actors): Address[] {
  return [...actors.posters, ...actors.providers, actors.stranger];
}

/** Deterministic accounts for memory-only tests. */
export function memoryActors(): Actors {
  return {
    posters: [0, 1, 2].map((i) => actorAddress("poster", i)) as Actors["posters"],
    providers: [0, 1, 2, 3, 4].map((i) => actorAddress("provider", i)) as Actors["providers"],
    stranger: actorAddress("keeper", 0),
  };
}

export const hash = (text: string): string => keccak256(toUtf8Bytes(text));

// ---------------------------------------------------------------- action constructors

/** The action of one kind. */
export type Action<K extends MarketAction["kind"]> = Extract<MarketAction, { kind: K }>;

export const act = {
  register: (from: Address, o: { region?: string; capacity?: number; stake?: bigint } = {}): Action<"register"> => ({
    kind: "register",
    from,
    region: o.region ?? "eu-west-1",
    capacity: o.capacity ?? 2,
    stake: o.stake ?? 2n * ETH,
  }),
  post: (
    from: Address,
    bidWindowEnd: number,
    o: { maxPrice?: bigint; keeperReserve?: bigint; region?: string; budget?: number; mechanism?: MechanismName; requirements?: string } = {},
  ): Action<"post"> => ({
    kind: "post",
    from,
    maxPrice: o.maxPrice ?? ETH,
    // 0n: withKeeperReserve fills in the market's reserve when the script is run.
    keeperReserve: o.keeperReserve ?? 0n,
    requirementsHash: hash(o.requirements ?? "render"),
    region: o.region ?? "any",
    bidWindowEnd,
    executionBudget: o.budget ?? 300,
    mechanism: o.mechanism ?? "FirstPrice",
  }),
  bids: (from: Address, ...bids: Array<[taskId: number, price: bigint]>): Action<"bids"> => ({
    kind: "bids",
    from,
    bids: bids.map(([taskId, price]) => ({ taskId, price })),
  }),
  close: (from: Address, ...taskIds: number[]): Action<"close"> => ({ kind: "close", from, taskIds }),
  result: (from: Address, taskId: number, epoch: number, resultHash = hash("done")): Action<"result"> => ({ kind: "result", from, taskId, epoch, resultHash }),
  reroute: (from: Address, ...taskIds: number[]): Action<"reroute"> => ({ kind: "reroute", from, taskIds }),
  abandon: (from: Address, taskId: number): Action<"abandon"> => ({ kind: "abandon", from, taskId }),
  withdraw: (from: Address): Action<"withdraw"> => ({ kind: "withdraw", from }),
  cancel: (from: Address, taskId: number): Action<"cancel"> => ({ kind: "cancel", from, taskId }),
  addStake: (from: Address, amount: bigint): Action<"addStake"> => ({ kind: "addStake", from, amount }),
  updateCapacity: (from: Address, capacity: number): Action<"updateCapacity"> => ({ kind: "updateCapacity", from, capacity }),
  requestStakeWithdrawal: (from: Address, amount: bigint): Action<"requestStakeWithdrawal"> => ({ kind: "requestStakeWithdrawal", from, amount }),
  withdrawStake: (from: Address): Action<"withdrawStake"> => ({ kind: "withdrawStake", from }),
};

// ---------------------------------------------------------------- scripts

/** One block of a script, `at` seconds after the script's start. */
export interface ScriptBlock {
  at: number;
  actions: MarketAction[];
  /** Name by which a test finds this block's result. */
  label?: string;
}

export interface Script {
  name: string;
  config: MarketConfig;
  blocks: ScriptBlock[];
}

/**
 * Every path of the market as scripts: the memory tests check their results by hand, the
 * differential test replays them on the contract. `t0` is the first block's timestamp; task
 * ids start at 1 in every script.
 */
export function ledgerScripts(a: Actors, t0: number): Script[] {
  const [p0, p1, p2] = a.posters;
  const [v0, v1, v2, v3, v4] = a.providers;
  const s = a.stranger;
  const at = (dt: number) => t0 + dt;
  const cfg = (o: Partial<MarketConfig> = {}): MarketConfig => ({ ...LEDGER_TEST_CONFIG, ...o });
  const registerAll = (o: { capacity?: number; stake?: bigint } = {}) => [v0, v1, v2, v3, v4].map((v) => act.register(v, o));

  return [
    {
      name: "first-price lifecycle",
      config: cfg(),
      blocks: [
        { at: 0, actions: [act.register(v0), act.register(v1), act.register(v2), act.post(p0, at(60))], label: "setup" },
        { at: 10, actions: [act.bids(v0, [1, eth(0.5)]), act.bids(v1, [1, eth(0.3)]), act.bids(v2, [1, eth(0.4)])], label: "bids" },
        { at: 59, actions: [act.close(s, 1)], label: "early close" },
        { at: 60, actions: [act.bids(v0, [1, eth(0.1)]), act.close(s, 1)], label: "close" },
        { at: 100, actions: [act.result(v1, 1, 1, hash("frame"))], label: "result" },
        { at: 110, actions: [act.withdraw(v1), act.withdraw(p0), act.withdraw(s), act.withdraw(v1)], label: "withdraw" },
      ],
    },
    {
      name: "second-price payments",
      config: cfg(),
      blocks: [
        {
          at: 0,
          actions: [
            ...registerAll(),
            act.post(p0, at(30), { mechanism: "SecondPrice" }),
            act.post(p1, at(30), { mechanism: "SecondPrice", maxPrice: eth(0.8) }),
            act.post(p2, at(30), { mechanism: "SecondPrice" }),
          ],
        },
        {
          at: 5,
          actions: [
            // task 1: three bids, the winner is paid the runner-up's price
            act.bids(v0, [1, eth(0.5)], [2, eth(0.6)], [3, eth(0.2)]),
            act.bids(v1, [1, eth(0.3)], [3, eth(0.2)]),
            act.bids(v2, [1, eth(0.4)]),
            // task 3: a tie keeps the earlier bid first; v3 and v4 fall off the list
            act.bids(v3, [3, eth(0.2)]),
            act.bids(v4, [3, eth(0.9)]),
          ],
        },
        { at: 30, actions: [act.close(s, 1, 2, 3)], label: "close" },
        { at: 40, actions: [act.result(v1, 1, 1), act.result(v0, 2, 1), act.result(v0, 3, 1)], label: "results" },
      ],
    },
    {
      name: "reroute after a missed deadline",
      config: cfg(),
      blocks: [
        { at: 0, actions: [...registerAll(), act.post(p0, at(30), { mechanism: "SecondPrice", budget: 100 })] },
        { at: 1, actions: [act.bids(v0, [1, eth(0.2)]), act.bids(v1, [1, eth(0.25)]), act.bids(v2, [1, eth(0.5)])] },
        { at: 30, actions: [act.close(p1, 1)], label: "award" },
        { at: 130, actions: [act.reroute(s, 1)], label: "at deadline" },
        { at: 131, actions: [act.result(v0, 1, 1), act.reroute(s, 1), act.result(v0, 1, 1), act.result(v0, 1, 2)], label: "reroute" },
        { at: 232, actions: [act.result(v1, 1, 2)], label: "late result" },
        { at: 232, actions: [act.abandon(v1, 1)], label: "abandon" },
        { at: 332, actions: [act.result(v2, 1, 3)], label: "completed at the deadline" },
        { at: 400, actions: [act.reroute(s, 1), act.abandon(v2, 1)], label: "after completion" },
      ],
    },
    {
      name: "abandon",
      config: cfg(),
      blocks: [
        {
          at: 0,
          actions: [
            act.register(v3, { stake: eth(1.5) + 1n }),
            act.register(v4, { stake: 3n * ETH - 3n }),
            act.post(p0, at(30)),
            act.post(p1, at(30), { budget: 5 }),
          ],
        },
        { at: 1, actions: [act.bids(v3, [1, eth(0.3)]), act.bids(v4, [1, eth(0.35)], [2, eth(0.2)])] },
        { at: 30, actions: [act.abandon(v3, 1), act.close(s, 1, 2)] },
        { at: 31, actions: [act.abandon(s, 1), act.abandon(v4, 1), act.abandon(v3, 1)], label: "abandon" },
        // task 2's deadline (30 + 5) has passed: abandoning is still allowed, at the smaller slash
        { at: 40, actions: [act.result(v4, 1, 2), act.abandon(v4, 2)], label: "abandon after the deadline" },
      ],
    },
    {
      name: "fallback exhaustion, re-auction, refund",
      config: cfg({ fallbackDepth: 2, maxRounds: 2 }),
      blocks: [
        {
          at: 0,
          actions: [...registerAll(), act.post(p0, at(20), { budget: 50 }), act.post(p1, at(20), { requirements: "nobody" })],
        },
        { at: 1, actions: [act.bids(v0, [1, eth(0.1)]), act.bids(v1, [1, eth(0.2)]), act.bids(v2, [1, eth(0.3)])] },
        { at: 20, actions: [act.close(s, 1, 2)], label: "close round 0" },
        { at: 71, actions: [act.reroute(s, 1)], label: "first fails" },
        { at: 122, actions: [act.reroute(s, 1)], label: "second fails" },
        {
          at: 123,
          actions: [act.bids(v0, [1, eth(0.1)]), act.bids(v2, [1, eth(0.3)]), act.bids(v3, [1, eth(0.4)]), act.close(s, 2)],
          label: "round 1",
        },
        { at: 124, actions: [act.close(s, 2)], label: "no bids again" },
        { at: 142, actions: [act.close(s, 1)] },
        { at: 143, actions: [act.abandon(v2, 1)] },
        { at: 194, actions: [act.reroute(s, 1)], label: "exhausted" },
        { at: 200, actions: [act.withdraw(p0), act.withdraw(p1)] },
      ],
    },
    {
      name: "skip at capacity and for insufficient free stake",
      config: cfg(),
      blocks: [
        {
          at: 0,
          actions: [
            act.register(v0, { capacity: 1 }),
            act.register(v1, { stake: eth(1.5), capacity: 3 }),
            act.register(v2),
            act.post(p0, at(10)),
            act.post(p0, at(20)),
            act.post(p1, at(20)),
          ],
        },
        { at: 1, actions: [act.bids(v0, [1, eth(0.1)], [2, eth(0.1)]), act.bids(v1, [1, eth(0.2)], [2, eth(0.2)], [3, eth(0.1)]), act.bids(v2, [2, eth(0.3)])] },
        { at: 10, actions: [act.close(s, 1)], label: "v0 busy" },
        { at: 20, actions: [act.close(s, 3, 2)], label: "skips" },
      ],
    },
    {
      name: "refusals",
      config: cfg(),
      blocks: [
        {
          at: 0,
          actions: [
            act.register(v0, { region: "eu-west-1", stake: ETH }),
            act.register(v0),
            act.register(v1, { region: "any" }),
            act.register(v1, { capacity: 0 }),
            act.register(v1, { stake: ETH - 1n }),
            act.register(v1, { stake: UINT96_MAX + 1n }),
            act.register(v1, { region: "us-east-1" }),
            act.register(v2, { stake: UINT96_MAX }),
            act.post(p0, at(60), { region: "us-east-1" }),
            act.post(p0, at(60), { maxPrice: 0n }),
            act.post(p0, at(60), { maxPrice: UINT96_MAX + 1n }),
            act.post(p0, at(0)),
            act.post(p0, at(2 ** 32)),
            act.post(p0, at(2 ** 32 - 1), { budget: 0 }),
            act.post(p1, at(10), { maxPrice: eth(0.5), budget: 20 }),
          ],
          label: "setup",
        },
        {
          at: 1,
          actions: [
            act.bids(v0, [1, eth(0.2)]),
            act.bids(v1, [1, 0n]),
            act.bids(v1, [1, ETH + 1n]),
            act.bids(v1, [1, eth(0.5)], [1, eth(0.4)]),
            act.bids(v1, [9, eth(0.5)]),
            act.bids(s, [1, eth(0.5)]),
            act.bids(v0, [2, eth(0.05)]),
            act.bids(v1, [2, eth(0.1)]),
            act.bids(v2, [2, eth(0.2)]),
            act.bids(v1, [2, eth(0.3)]),
            act.bids(v0, [2, eth(0.5) + 1n]),
            act.close(s, 2),
            act.result(v1, 1, 1),
          ],
          label: "bids",
        },
        { at: 10, actions: [act.bids(v2, [2, eth(0.1)]), act.close(s, 2), act.close(s, 2), act.bids(v2, [2, eth(0.1)])], label: "window end" },
        { at: 11, actions: [act.result(v0, 2, 0), act.result(v0, 2, 2), act.result(v1, 2, 1)], label: "results" },
        { at: 31, actions: [act.result(v0, 2, 1), act.reroute(s, 2)], label: "late" },
        { at: 32, actions: [act.bids(v0, [1, eth(0.1)]), act.withdraw(v1), act.withdraw(s), act.withdraw(p1)], label: "after slash" },
      ],
    },
    {
      name: "batches are all or nothing",
      config: cfg(),
      blocks: [
        { at: 0, actions: [...registerAll({ capacity: 4, stake: 5n * ETH }), act.post(p0, at(10), { budget: 10 }), act.post(p0, at(20), { budget: 10 }), act.post(p1, at(10), { budget: 30 })] },
        {
          at: 1,
          actions: [
            act.bids(v0, [1, eth(0.5)], [2, eth(0.5)], [1, eth(0.4)]),
            act.bids(v0, [1, eth(0.5)], [2, eth(2)]),
            act.bids(v0, [1, eth(0.5)], [2, eth(0.5)], [3, eth(0.5)]),
            act.bids(v1, [1, eth(0.6)], [3, eth(0.6)]),
            act.bids(v2),
            act.bids(s),
          ],
          label: "bid batches",
        },
        { at: 10, actions: [act.close(s, 1, 2), act.close(s, 1, 3, 1), act.close(s, 1, 3), act.close(s), act.reroute(s)], label: "close batches" },
        { at: 20, actions: [act.close(s, 2)] },
        { at: 21, actions: [act.reroute(s, 1, 2), act.reroute(s, 1, 1)], label: "reroute not passed" },
        { at: 41, actions: [act.reroute(s, 1, 3, 2)], label: "reroute batch" },
      ],
    },
    {
      name: "second price after reroutes",
      config: cfg({ fallbackDepth: 4 }),
      blocks: [
        { at: 0, actions: [...registerAll(), act.post(p0, at(10), { mechanism: "SecondPrice", budget: 5 })] },
        { at: 1, actions: [act.bids(v0, [1, eth(0.1)]), act.bids(v1, [1, eth(0.2)]), act.bids(v2, [1, eth(0.3)]), act.bids(v3, [1, eth(0.4)]), act.bids(v4, [1, eth(0.05)])] },
        { at: 10, actions: [act.close(s, 1)] },
        { at: 16, actions: [act.reroute(s, 1)], label: "second" },
        { at: 22, actions: [act.abandon(v1, 1), act.reroute(s, 1), act.abandon(v1, 1)], label: "third and last" },
        { at: 23, actions: [act.result(v2, 1, 4)], label: "last fallback" },
      ],
    },
    {
      name: "provider stake and capacity",
      config: cfg(),
      blocks: [
        {
          at: 0,
          actions: [
            act.addStake(v0, ETH),
            act.updateCapacity(v0, 3),
            act.requestStakeWithdrawal(v0, 1n),
            act.withdrawStake(v0),
            act.register(v0, { capacity: 1 }),
            act.register(v1, { stake: ETH }),
            act.addStake(v0, 0n),
            act.addStake(v0, UINT96_MAX - 2n * ETH + 1n),
            act.addStake(v0, ETH),
            act.updateCapacity(v0, 0),
            act.post(p0, at(10), { budget: 100 }),
            act.post(p0, at(10), { budget: 100 }),
          ],
          label: "setup",
        },
        { at: 1, actions: [act.bids(v0, [1, eth(0.1)], [2, eth(0.1)]), act.bids(v1, [2, eth(0.2)])] },
        { at: 10, actions: [act.close(s, 1, 2)], label: "capacity 1" },
        { at: 11, actions: [act.updateCapacity(v0, 2), act.requestStakeWithdrawal(v0, 2n * ETH + 1n), act.requestStakeWithdrawal(v0, 0n), act.requestStakeWithdrawal(v0, eth(1.5))], label: "locked" },
        { at: 20, actions: [act.requestStakeWithdrawal(v0, eth(0.5)), act.withdrawStake(v0), act.withdrawStake(v1)], label: "unbonding" },
        { at: 20 + 3_599, actions: [act.withdrawStake(v0)], label: "too early" },
        { at: 20 + 3_600, actions: [act.withdrawStake(v0), act.withdrawStake(v0), act.result(v0, 1, 1)], label: "withdrawn" },
        { at: 20 + 3_601, actions: [act.requestStakeWithdrawal(v1, ETH), act.bids(v1, [1, 1n])], label: "all out" },
      ],
    },
    {
      name: "cancel",
      config: cfg({ maxRounds: 3 }),
      blocks: [
        { at: 0, actions: [...registerAll(), act.post(p0, at(10)), act.post(p0, at(10)), act.post(p1, at(10))] },
        { at: 1, actions: [act.cancel(p1, 1), act.cancel(p0, 9), act.bids(v0, [2, eth(0.5)]), act.cancel(p0, 2), act.cancel(p0, 1), act.cancel(p0, 1)], label: "cancel" },
        { at: 10, actions: [act.close(s, 3), act.cancel(p1, 3)], label: "reopened" },
        { at: 11, actions: [act.close(s, 2), act.cancel(p0, 2), act.withdraw(p0), act.withdraw(p1)], label: "awarded" },
      ],
    },
    {
      name: "unbonding overflow and uint96 bounds",
      config: cfg({ unbondingDelay: 0, slashBps: 10_000, abandonSlashBps: 10_000 }),
      blocks: [
        { at: 0, actions: [act.register(v0, { stake: UINT96_MAX }), act.requestStakeWithdrawal(v0, UINT96_MAX)] },
        { at: 1, actions: [act.addStake(v0, UINT96_MAX), act.requestStakeWithdrawal(v0, UINT96_MAX), act.requestStakeWithdrawal(v0, 1n)], label: "overflow" },
        { at: 2, actions: [act.withdrawStake(v0), act.requestStakeWithdrawal(v0, 1n), act.post(p0, at(5), { maxPrice: UINT96_MAX })] },
        { at: 3, actions: [act.bids(v0, [1, UINT96_MAX])] },
        { at: 5, actions: [act.close(s, 1)] },
        { at: 6, actions: [act.abandon(v0, 1), act.withdraw(p0), act.bids(v0, [1, 1n])], label: "full slash" },
      ],
    },
    {
      name: "same block ordering",
      config: cfg({ maxRounds: 1, fallbackDepth: 1 }),
      blocks: [
        { at: 0, actions: [act.bids(v0, [1, 1n]), act.register(v0, { capacity: 1 }), act.bids(v0, [1, 1n]), act.post(p0, at(1)), act.bids(v0, [1, 1n]), act.register(v1)] },
        { at: 1, actions: [act.bids(v1, [1, 1n]), act.close(s, 1), act.post(p0, at(2)), act.bids(v0, [2, 1n]), act.bids(v1, [2, 2n])] },
        { at: 1, actions: [act.abandon(v0, 1), act.result(v0, 1, 1)] },
        { at: 2, actions: [act.close(s, 2), act.result(v1, 2, 1), act.close(s, 2)], label: "depth 1" },
      ],
    },
  ];
}

// ---------------------------------------------------------------- the contract, driven by actions

/** One block as the contract saw it. */
export interface ChainBlockResult {
  blockNumber: number;
  events: MarketEvent[];
  refused: RefusedAction[];
}

const GAS_BASE = 1_000_000n;
const GAS_PER_ITEM = 300_000n;

/**
 * Applies MarketActions to ComputeMarket on the embedded chain, one transaction per action, with
 * automine off and each block mined at its timestamp. A refusal is found before sending: the
 * call is run with eth_call against the pending block (which holds the block's earlier
 * transactions and its timestamp); a call that would revert is recorded and not sent.
 */
export class ContractDriver {
  readonly iface: Interface = ComputeMarket__factory.createInterface();
  private snap = "";
  private current: { address: string; market: ComputeMarket; config: MarketConfig } | undefined;

  private constructor(
    readonly chain: Chain,
    readonly actors: Actors,
    readonly markets: ReadonlyArray<{ address: string; market: ComputeMarket; config: MarketConfig }>,
    /** Latest block timestamp once deployed: scripts start after it. */
    readonly baseTimestamp: number,
  ) {}

  /** Boots the embedded chain, funds the actors, deploys one market per config. */
  static async create(configs: readonly MarketConfig[], providerCount = 5): Promise<ContractDriver> {
    const chain = await connectChain();
    const signers = await Promise.all(Array.from({ length: 5 + Math.max(5, providerCount) }, (_, i) => chain.signer(i)));
    const address = (i: number) => signers[i]!.address;
    const actors: Actors = {
      posters: [address(1), address(2), address(3)],
      providers: Array.from({ length: Math.max(5, providerCount) }, (_, i) => address(4 + i)) as Actors["providers"],
      stranger: address(4 + Math.max(5, providerCount)),
    };
    // Enough ether for values beyond uint96 (AmountTooLarge), twice over.
    for (const account of allActors(actors)) await chain.provider.send("hardhat_setBalance", [account, toBeHex(10n ** 32n)]);
    const markets = [];
    for (const config of configs) {
      const deployment = await deployMarket(chain, signers[0]!, config);
      markets.push({ address: deployment.address, market: deployment.market, config: deployment.config });
    }
    await setAutomine(chain, false);
    const driver = new ContractDriver(chain, actors, markets, await latestTimestamp(chain));
    driver.snap = await snapshot(chain);
    return driver;
  }

  /** Back to the state right after deployment, acting on the market deployed with `config`. */
  async reset(config: MarketConfig): Promise<void> {
    await revertTo(this.chain, this.snap);
    this.snap = await snapshot(this.chain);
    this.current = this.markets.find((m) => sameConfig(m.config, config));
    if (this.current === undefined) throw new Error(`no market was deployed with ${JSON.stringify(config, bigintJson)}`);
  }

  get market(): ComputeMarket {
    if (this.current === undefined) throw new Error("call reset(config) first");
    return this.current.market;
  }

  get address(): string {
    if (this.current === undefined) throw new Error("call reset(config) first");
    return this.current.address;
  }

  async commitBlock(timestamp: number, actions: readonly MarketAction[]): Promise<ChainBlockResult> {
    const provider = this.chain.provider;
    await setNextBlockTimestamp(this.chain, timestamp);
    const refused: RefusedAction[] = [];
    const sent: string[] = [];
    for (const action of actions) {
      const call = this.encode(action);
      const tx = { from: action.from, to: this.address, data: call.data, value: toBeHex(call.value), gas: toBeHex(call.gas) };
      try {
        await provider.send("eth_call", [tx, "pending"]);
      } catch (error) {
        const decoded = decodeChainError(error, this.iface);
        refused.push({ action, error: decoded.errorName ?? `UnknownRevert: ${decoded.shortMessage}`, args: decoded.errorArgs ?? {} });
        continue;
      }
      sent.push((await provider.send("eth_sendTransaction", [tx])) as string);
    }
    await mineBlockAt(this.chain, timestamp);
    const blockNumber = await provider.getBlockNumber();
    const events: MarketEvent[] = [];
    for (const hash of sent) {
      const receipt = (await provider.send("eth_getTransactionReceipt", [hash])) as RpcReceipt | null;
      if (receipt === null || Number(receipt.blockNumber) !== blockNumber) throw new Error(`transaction ${hash} was not mined in block ${blockNumber}`);
      if (receipt.status !== "0x1") throw new Error(`transaction ${hash} passed eth_call against the pending block but reverted when mined`);
      for (const log of receipt.logs) {
        const decoded = decodeMarketEvent(log.topics, log.data);
        if (decoded !== undefined) events.push(decoded);
      }
    }
    return { blockNumber, events, refused };
  }

  /**
   * The chain ledger's encoding of `action` (with the single-task entry points for lists of one,
   * so closeAuction and reroute are cross-checked too), at a gas limit far above any call's need:
   * the driver tests rules, not ChainLedger's gas bounds (test/reliability/bounded-gas.test.ts does).
   */
  private encode(action: MarketAction): MarketCall {
    const items = action.kind === "bids" ? action.bids.length : action.kind === "close" || action.kind === "reroute" ? action.taskIds.length : 1;
    return { ...encodeAction(action, { singleTaskCalls: true }), gas: GAS_BASE + GAS_PER_ITEM * BigInt(items) };
  }

  // ---------------------------------------------------------------- views, in the memory ledger's shapes

  async taskCount(): Promise<number> {
    return Number(await this.market.taskCount());
  }

  async getTask(taskId: number): Promise<TaskView> {
    return taskViewOf(await this.market.getTask(taskId));
  }

  async getFallbacks(taskId: number): Promise<FallbackBid[]> {
    return (await this.market.getFallbacks(taskId)).map((b) => ({ provider: b.provider, price: b.price }));
  }

  async getProvider(address: string): Promise<ProviderView> {
    return providerViewOf(await this.market.getProvider(address));
  }

  async totals(): Promise<LedgerTotals> {
    const [taskCount, totalEscrow, totalCredits, totalStaked, balance] = await Promise.all([
      this.market.taskCount(),
      this.market.totalEscrow(),
      this.market.totalCredits(),
      this.market.totalStaked(),
      this.chain.provider.getBalance(this.address),
    ]);
    return { taskCount: Number(taskCount), totalEscrow, totalCredits, totalStaked, balance };
  }

  /** Everything the actors can see: totals, every task with its fallbacks, every actor's record. */
  async view(): Promise<LedgerView> {
    const totals = await this.totals();
    const tasks = [];
    for (let id = 1; id <= totals.taskCount; id += 1) tasks.push({ ...(await this.getTask(id)), fallbacks: await this.getFallbacks(id) });
    const accounts: LedgerView["accounts"] = {};
    for (const account of allActors(this.actors)) {
      accounts[account] = {
        provider: await this.getProvider(account),
        credit: await this.market.creditOf(account),
        unlockedStake: await this.market.unlockedStake(account),
      };
    }
    return { totals, tasks, accounts };
  }

  async close(): Promise<void> {
    await this.chain.close();
  }
}

export interface LedgerTotals {
  taskCount: number;
  totalEscrow: bigint;
  totalCredits: bigint;
  totalStaked: bigint;
  balance: bigint;
}

/** The part of a market's state the actors can read, in one comparable object. */
export interface LedgerView {
  totals: LedgerTotals;
  tasks: Array<TaskView & { fallbacks: FallbackBid[] }>;
  accounts: Record<Address, { provider: ProviderView; credit: bigint; unlockedStake: bigint }>;
}

/** The memory ledger's LedgerView over `actors`. */
export function memoryView(ledger: MemoryLedger, actors: Actors): LedgerView {
  const totals: LedgerTotals = {
    taskCount: ledger.taskCount(),
    totalEscrow: ledger.totalEscrow(),
    totalCredits: ledger.totalCredits(),
    totalStaked: ledger.totalStaked(),
    balance: ledger.balance(),
  };
  const tasks = [];
  for (let id = 1; id <= totals.taskCount; id += 1) tasks.push({ ...ledger.getTask(id), fallbacks: ledger.getFallbacks(id) });
  const accounts: LedgerView["accounts"] = {};
  for (const account of allActors(actors)) {
    accounts[account] = { provider: ledger.getProvider(account), credit: ledger.creditOf(account), unlockedStake: ledger.unlockedStake(account) };
  }
  return { totals, tasks, accounts };
}

interface RpcReceipt {
  status: string;
  blockNumber: string;
  logs: Array<{ topics: string[]; data: string; logIndex: string }>;
}

function sameConfig(a: MarketConfig, b: MarketConfig): boolean {
  return (
    a.minStake === b.minStake &&
    a.unbondingDelay === b.unbondingDelay &&
    a.slashBps === b.slashBps &&
    a.abandonSlashBps === b.abandonSlashBps &&
    a.maxRounds === b.maxRounds &&
    a.fallbackDepth === b.fallbackDepth &&
    a.keeperFee === b.keeperFee
  );
}

/**
 * The actions with every post's keeperReserve of 0n set to the market's reserve, as a poster that
 * reads keeperReserve() sends it; a nonzero one (a deliberately wrong reserve) is left as it is.
 */
export function withKeeperReserve(actions: readonly MarketAction[], config: MarketConfig): MarketAction[] {
  const reserve = keeperReserve(config);
  return actions.map((a) => (a.kind === "post" && a.keeperReserve === 0n ? { ...a, keeperReserve: reserve } : a));
}

/** JSON.stringify replacer that prints bigints as `123n`. */
export function bigintJson(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? `${value}n` : value;
}

/** Distinct configs of a list, in first-seen order. */
export function distinctConfigs(configs: readonly MarketConfig[]): MarketConfig[] {
  const out: MarketConfig[] = [];
  for (const c of configs) if (!out.some((o) => sameConfig(o, c))) out.push(c);
  return out;
}

/** A task as the contract's getTask returns it, in the memory ledger's TaskView shape. */
export function taskViewOf(t: {
  poster: string;
  maxPrice: bigint;
  provider: string;
  payment: bigint;
  requirementsHash: string;
  region: string;
  bidWindowEnd: bigint;
  deadline: bigint;
  executionBudget: bigint;
  mechanism: bigint;
  status: bigint;
  bidWindowLength: bigint;
  epoch: bigint;
  reroutes: bigint;
  round: bigint;
  fallbackCursor: bigint;
  fallbackCount: bigint;
  keeperReserve: bigint;
}): TaskView {
  return {
    poster: t.poster,
    maxPrice: t.maxPrice,
    provider: t.provider,
    payment: t.payment,
    requirementsHash: t.requirementsHash,
    region: decodeRegion(t.region),
    bidWindowEnd: Number(t.bidWindowEnd),
    deadline: Number(t.deadline),
    executionBudget: Number(t.executionBudget),
    mechanism: enumName(MECHANISM, t.mechanism),
    status: enumName(TASK_STATUS, t.status),
    bidWindowLength: Number(t.bidWindowLength),
    epoch: Number(t.epoch),
    reroutes: Number(t.reroutes),
    round: Number(t.round),
    fallbackCursor: Number(t.fallbackCursor),
    fallbackCount: Number(t.fallbackCount),
    keeperReserve: t.keeperReserve,
  };
}

/**
 * The times at which something changes in the market, from `now` on, ascending: open tasks'
 * bid-window ends, awarded tasks' deadlines (and the second after), unbonding stakes' ready times.
 * Time jumps aimed at them reach the boundaries where refusals flip.
 */
export function timeEdgesAhead(ledger: MemoryLedger, actors: Pick<Actors, "providers">, now: number): number[] {
  const edges: number[] = [];
  for (let id = 1; id <= ledger.taskCount(); id += 1) {
    const t = ledger.getTask(id);
    if (t.status === "Open") edges.push(t.bidWindowEnd);
    if (t.status === "Awarded") edges.push(t.deadline, t.deadline + 1);
  }
  for (const v of actors.providers) {
    const p = ledger.getProvider(v);
    if (p.unbonding > 0n) edges.push(p.unbondingReadyAt);
  }
  return edges.filter((e) => e >= now).sort((a, b) => a - b);
}

/** A provider as the contract's getProvider returns it, in the memory ledger's ProviderView shape. */
export function providerViewOf(p: {
  stake: bigint;
  region: string;
  capacity: bigint;
  unbonding: bigint;
  unbondingReadyAt: bigint;
  activeAssignments: bigint;
  slashCount: bigint;
  registered: boolean;
  slashedTotal: bigint;
}): ProviderView {
  return {
    stake: p.stake,
    region: decodeRegion(p.region),
    capacity: Number(p.capacity),
    unbonding: p.unbonding,
    unbondingReadyAt: Number(p.unbondingReadyAt),
    activeAssignments: Number(p.activeAssignments),
    slashCount: Number(p.slashCount),
    registered: p.registered,
    slashedTotal: p.slashedTotal,
  };
}
