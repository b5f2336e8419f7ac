// The contract against its model: random command sequences (fast-check `fc.commands`, run by
// `fc.asyncModelRun`) from several posters, providers and a stranger, applied one transaction per
// block to ComputeMarket on the embedded chain and to the in-memory ledger (the model), compared
// after EVERY command:
//   (a) the same verdict (accepted, or refused with the same custom error and arguments), the same
//       events, and the same state: every task (status, assignee, epoch, ... and its fallbacks),
//       every actor's provider record and credit, and the market's totals (the verdict is the
//       ContractDriver's: eth_call against the pending block, then the mined receipt);
//   (b) the money: open escrow + credits + stakes == the contract's accounted total (each summed
//       from the per-task and per-account state), and its real balance == that + ether force-sent
//       by selfdestruct (so always >= the accounted total);
//   (c) every status change is an edge of the state graph in IComputeMarket.sol's header, walked
//       event by event, and ends where getTask says.
//
// Environment:
//   BIDMESH_SOAK_RUNS=2000        more runs, for a long soak (default RUNS below)
//   BIDMESH_FC_SEED=<seed>        another seed (default SEED below; printed at the start)
//   BIDMESH_FC_PATH=<path>        with the seed: replay exactly the failing case
//   BIDMESH_FC_SHRINK=1           shrink a failure to a minimal command list (slow: each step is a chain run)
// A failure prints `{ seed: …, path: "…" }` and the failing command list; to replay it:
//   BIDMESH_FC_SEED=<seed> BIDMESH_FC_PATH=<path> npx vitest run test/reliability/contract-model.test.ts
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { toBeHex, type Result } from "ethers";
import { ForceSender__factory } from "../../types/ethers-contracts/index.js";
import type { MarketConfig } from "../../sim/protocol/market-config.js";
import { enumName, MECHANISM, TASK_STATUS, type TaskStatusName } from "../../sim/protocol/enums.js";
import { mineBlockAt } from "../../sim/chain/time.js";
import { MemoryLedger } from "../../sim/ledger/memory-ledger.js";
import type { Address, MarketAction } from "../../sim/protocol/actions.js";
import type { MarketEvent } from "../../sim/protocol/events.js";
import {
  act,
  allActors,
  bigintJson,
  ContractDriver,
  ETH,
  hash,
  LEDGER_TEST_CONFIG,
  memoryView,
  providerViewOf,
  taskViewOf,
  timeEdgesAhead,
  UINT96_MAX,
  type Actors,
  type LedgerView,
  withKeeperReserve,
} from "../helpers/ledger-actors.js";

const SEED = Number(process.env["BIDMESH_FC_SEED"] ?? 20_251_121);
const PATH = process.env["BIDMESH_FC_PATH"];
const RUNS = Number(process.env["BIDMESH_SOAK_RUNS"] ?? 200);
const MAX_COMMANDS = 40;

// The test config (depth 3, two rounds) and a harsh one (depth 1, three rounds, full slash, no
// abandon slash, no unbonding delay) that reaches re-auctions and empty stakes in few commands.
const CONFIGS: MarketConfig[] = [
  LEDGER_TEST_CONFIG,
  { minStake: ETH, unbondingDelay: 0, slashBps: 10_000, abandonSlashBps: 0, maxRounds: 3, fallbackDepth: 1, keeperFee: 0n },
  // Keepers paid from each task's reserve (fee × 3 rounds × 2 keeper calls a round).
  { minStake: ETH, unbondingDelay: 0, slashBps: 10_000, abandonSlashBps: 0, maxRounds: 3, fallbackDepth: 1, keeperFee: 10n ** 16n + 3n },
];

/** The allowed status changes: IComputeMarket.sol's header, plus None -> Open (postTask). */
const ALLOWED_TRANSITIONS = new Set([
  "None->Open",
  "Open->Awarded",
  "Open->Open",
  "Open->Refunded",
  "Awarded->Completed",
  "Awarded->Awarded",
  "Awarded->Open",
  "Awarded->Refunded",
]);

let driver: ContractDriver;

beforeAll(async () => {
  driver = await ContractDriver.create(CONFIGS);
});

afterAll(async () => {
  await driver?.close();
});

// ---------------------------------------------------------------- intents

// A command is drawn without knowing the state (fast-check builds the list up front); its picks
// (0..99) are resolved against the model when it runs, so most commands are plausible (a bid on
// a biddable task by an eligible provider) and some are deliberately wrong (a stranger, a stale
// epoch, a task that does not exist).
type Pick = number;

type Intent =
  | { k: "register"; who: Pick; region: number; capacity: number; stake: number }
  | { k: "post"; who: Pick; price: number; region: number; window: number; budget: number; second: boolean }
  | { k: "bid"; who: Pick; bids: Array<{ task: Pick; price: number }> }
  | { k: "close"; who: Pick; tasks: Pick[] }
  | { k: "result"; who: Pick; task: Pick; epoch: number }
  | { k: "reroute"; who: Pick; tasks: Pick[] }
  | { k: "abandon"; who: Pick; task: Pick }
  | { k: "cancel"; who: Pick; task: Pick }
  | { k: "withdraw"; who: Pick }
  | { k: "addStake"; who: Pick; amount: number }
  | { k: "capacity"; who: Pick; capacity: number }
  | { k: "unbond"; who: Pick; amount: number }
  | { k: "withdrawStake"; who: Pick }
  | { k: "forceSend"; amount: number }
  /** Chain time moves: by seconds, or onto a coming boundary (window end, deadline, unbonding) ± 1. */
  | { k: "time"; dt: number }
  | { k: "timeEdge"; edge: Pick; offset: -1 | 0 | 1 };

const pick = fc.integer({ min: 0, max: 99 });
// One id (closeAuction, reroute), or a batch of two or three (closeAuctions, rerouteTasks).
const taskBatch = fc.oneof({ arbitrary: fc.array(pick, { minLength: 1, maxLength: 1 }), weight: 3 }, { arbitrary: fc.array(pick, { minLength: 2, maxLength: 3 }), weight: 1 });
// Thousandths of the task's maximum; 0 and 1001 (above the maximum) are refused.
const bidPrice = fc.oneof({ arbitrary: fc.integer({ min: 1, max: 1000 }), weight: 9 }, { arbitrary: fc.constantFrom(0, 1001), weight: 1 });
// One bid (placeBid) or a batch (placeBids, all or nothing).
const bidBatch = fc.oneof(
  { arbitrary: fc.array(fc.record({ task: pick, price: bidPrice }), { minLength: 1, maxLength: 1 }), weight: 3 },
  { arbitrary: fc.array(fc.record({ task: pick, price: bidPrice }), { minLength: 2, maxLength: 3 }), weight: 1 },
);

const intentArbs: Array<{ weight: number; arbitrary: fc.Arbitrary<Intent> }> = [
  { weight: 1, arbitrary: fc.record({ k: fc.constant("register" as const), who: pick, region: fc.integer({ min: 0, max: 3 }), capacity: fc.integer({ min: 0, max: 2 }), stake: fc.integer({ min: 0, max: 6 }) }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant("post" as const), who: pick, price: fc.integer({ min: 0, max: 1000 }), region: fc.integer({ min: 0, max: 4 }), window: fc.integer({ min: 0, max: 60 }), budget: fc.integer({ min: 0, max: 90 }), second: fc.boolean() }) },
  { weight: 6, arbitrary: fc.record({ k: fc.constant("bid" as const), who: pick, bids: bidBatch }) },
  { weight: 5, arbitrary: fc.record({ k: fc.constant("close" as const), who: pick, tasks: taskBatch }) },
  { weight: 5, arbitrary: fc.record({ k: fc.constant("result" as const), who: pick, task: pick, epoch: fc.integer({ min: 0, max: 9 }) }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant("reroute" as const), who: pick, tasks: taskBatch }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("abandon" as const), who: pick, task: pick }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("cancel" as const), who: pick, task: pick }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant("withdraw" as const), who: pick }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("addStake" as const), who: pick, amount: fc.integer({ min: 0, max: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("capacity" as const), who: pick, capacity: fc.integer({ min: 0, max: 2 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("unbond" as const), who: pick, amount: fc.integer({ min: 0, max: 4 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("withdrawStake" as const), who: pick }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("forceSend" as const), amount: fc.integer({ min: 1, max: 1000 }) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant("time" as const), dt: fc.oneof(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 30, max: 400 })) }) },
  { weight: 6, arbitrary: fc.record({ k: fc.constant("timeEdge" as const), edge: pick, offset: fc.constantFrom<-1 | 0 | 1>(-1, 0, 1) }) },
];

// Each run starts with every provider registering (now and then too poorly staked), a few posts
// and a few bids on them, so the short command list reaches awards, results and reroutes. Long waits (the unbonding delay)
// come from timeEdge, which jumps to the next boundary.
const runArb = fc.record({
  config: fc.integer({ min: 0, max: CONFIGS.length - 1 }),
  providers: fc.array(fc.record({ region: fc.integer({ min: 0, max: 2 }), capacity: fc.integer({ min: 1, max: 2 }), stake: fc.oneof({ arbitrary: fc.constantFrom(2, 3, 4, 5), weight: 9 }, { arbitrary: fc.constant(1), weight: 1 }) }), { minLength: 5, maxLength: 5 }),
  posts: fc.array(fc.record({ who: pick, price: fc.integer({ min: 1, max: 1000 }), region: fc.integer({ min: 0, max: 4 }), window: fc.integer({ min: 5, max: 30 }), budget: fc.integer({ min: 5, max: 60 }), second: fc.boolean() }), { minLength: 2, maxLength: 3 }),
  /** Bids in a second setup block, resolved against the posted tasks. */
  bids: fc.array(fc.record({ who: pick, bids: fc.array(fc.record({ task: pick, price: fc.integer({ min: 1, max: 1000 }) }), { minLength: 1, maxLength: 2 }) }), { minLength: 3, maxLength: 6 }),
});
type RunSetup = typeof runArb extends fc.Arbitrary<infer T> ? T : never;

const PROVIDER_REGIONS = ["eu-west-1", "us-east-1", "eu-west-1", "any"];
// Mostly regions some provider is in; a region mismatch still comes from off-role bidders.
const TASK_REGIONS = ["any", "any", "eu-west-1", "us-east-1", "ap-south-1"];

/** Stakes by choice: 0, just short, exactly minStake, odd amounts (slashes must floor), above uint96. */
function stakeOf(choice: number, minStake: bigint): bigint {
  return [0n, minStake - 1n, minStake, (minStake * 3n) / 2n + 1n, 2n * minStake + 7n, 3n * minStake - 3n, UINT96_MAX + 1n][choice]!;
}

// ---------------------------------------------------------------- the model and the real system

interface Model {
  memory: MemoryLedger;
  /** Chain time (seconds) of the next block. */
  now: number;
  /** Ether force-sent into the contract: the model's accounts never see it. */
  forced: bigint;
  /** What ran so far, for failure messages. */
  history: string[];
}

interface Real {
  driver: ContractDriver;
  /** Statuses read from the chain after the previous command, by task id (index 0 unused). */
  statuses: TaskStatusName[];
}

/** What a sensible actor would act on now, from the model's state. */
interface Targets {
  biddable: number[];
  closable: number[];
  /** Awarded, deadline not passed: result or abandon. */
  running: number[];
  /** Awarded, deadline passed: reroute. */
  late: number[];
  /** (task, provider) pairs where the bid would be kept: registered, staked, in region, not yet bid. */
  bidPairs: Array<[number, Address]>;
  owed: Address[];
  unbonding: Address[];
  unregistered: Address[];
}

function targets(model: Readonly<Model>, actors: Actors): Targets {
  const ledger = model.memory;
  const now = model.now;
  const tasks = Array.from({ length: ledger.taskCount() }, (_, i) => ({ id: i + 1, t: ledger.getTask(i + 1) }));
  const ids = (ok: (t: (typeof tasks)[number]["t"]) => boolean) => tasks.filter(({ t }) => ok(t)).map(({ id }) => id);
  const biddable = ids((t) => t.status === "Open" && now < t.bidWindowEnd);
  const bidPairs: Array<[number, Address]> = [];
  for (const id of biddable) {
    const t = ledger.getTask(id);
    const listed = new Set(ledger.getFallbacks(id).map((b) => b.provider));
    for (const v of actors.providers) {
      const r = ledger.getProvider(v);
      if (r.registered && r.stake >= ledger.config.minStake && (t.region === "any" || r.region === t.region) && !listed.has(v)) bidPairs.push([id, v]);
    }
  }
  const everyone = allActors(actors);
  return {
    biddable,
    closable: ids((t) => t.status === "Open" && now >= t.bidWindowEnd),
    running: ids((t) => t.status === "Awarded" && now <= t.deadline),
    late: ids((t) => t.status === "Awarded" && now > t.deadline),
    bidPairs,
    owed: everyone.filter((a) => ledger.creditOf(a) > 0n),
    unbonding: actors.providers.filter((v) => ledger.getProvider(v).unbonding > 0n),
    unregistered: actors.providers.filter((v) => !ledger.getProvider(v).registered),
  };
}

/** Picks at or above this are deliberately off target: a wrong task id, caller or state. */
const OFF_TARGET = 85;

/**
 * Whether the command runs now (fast-check skips it otherwise, at no cost). An on-target command
 * whose targets are all missing would only add one more refusal of a kind the off-target picks
 * already give, so it is skipped; off-target commands always run.
 */
function worthRunning(intent: Intent, model: Readonly<Model>, actors: Actors): boolean {
  const t = targets(model, actors);
  const aimed = (p: Pick, set: readonly unknown[]) => p >= OFF_TARGET || set.length > 0;
  switch (intent.k) {
    case "register":
      return aimed(intent.who, t.unregistered);
    case "bid":
      return aimed(intent.who, t.bidPairs);
    case "close":
      return aimed(intent.tasks[0]!, t.closable);
    case "result":
    case "abandon":
      return aimed(intent.task, t.running);
    case "reroute":
      return aimed(intent.tasks[0]!, t.late);
    case "cancel":
      return aimed(intent.task, [...t.biddable, ...t.closable]);
    case "withdraw":
      return aimed(intent.who, t.owed);
    case "withdrawStake":
      return aimed(intent.who, t.unbonding);
    default:
      return true;
  }
}

function resolve(intent: Intent, model: Model, actors: Actors): MarketAction {
  const ledger = model.memory;
  const now = model.now;
  const everyone = allActors(actors);
  const minStake = ledger.config.minStake;
  const provider = (p: Pick): Address => (p < OFF_TARGET ? actors.providers[p % 5]! : everyone[p % everyone.length]!);
  const poster = (p: Pick): Address => (p < OFF_TARGET ? actors.posters[p % 3]! : everyone[p % everyone.length]!);
  const anyone = (p: Pick): Address => everyone[p % everyone.length]!;
  const count = ledger.taskCount();
  // Mostly a task in the state the action needs; else any id, the next one, 0 or one past it.
  const task = (p: Pick, preferred: number[]): number => {
    if (p < OFF_TARGET && preferred.length > 0) return preferred[p % preferred.length]!;
    if (p < 95) return 1 + (p % (count + 1));
    return p % 2 === 0 ? 0 : count + 2;
  };
  const { biddable, closable, running, late, bidPairs, owed, unbonding, unregistered } = targets(model, actors);
  const known = (id: number) => id >= 1 && id <= count;
  const assigneeOr = (who: Pick, id: number): Address => (who < 75 && known(id) && ledger.getTask(id).status === "Awarded" ? ledger.getTask(id).provider : provider(who));
  const price = (id: number, thousandths: number): bigint => {
    const max = known(id) ? ledger.getTask(id).maxPrice : ETH;
    return thousandths === 1001 ? max + 1n : (max * BigInt(thousandths)) / 1000n;
  };

  switch (intent.k) {
    case "register":
      return act.register(intent.who < OFF_TARGET && unregistered.length > 0 ? unregistered[intent.who % unregistered.length]! : provider(intent.who), { region: PROVIDER_REGIONS[intent.region], capacity: intent.capacity, stake: stakeOf(intent.stake, minStake) });
    case "post":
      return act.post(poster(intent.who), now + intent.window, {
        maxPrice: BigInt(intent.price) * 10n ** 15n,
        region: TASK_REGIONS[intent.region],
        budget: intent.budget,
        mechanism: intent.second ? "SecondPrice" : "FirstPrice",
      });
    case "bid": {
      // The first bid mostly a kept one (an eligible provider on a biddable task); the rest of a
      // batch anywhere, so all-or-nothing batches fail now and then.
      const [first, ...rest] = intent.bids;
      const pair = intent.who < OFF_TARGET && bidPairs.length > 0 ? bidPairs[(intent.who + first!.task) % bidPairs.length]! : undefined;
      const firstId = pair?.[0] ?? task(first!.task, biddable);
      const bids: Array<[number, bigint]> = [[firstId, price(firstId, first!.price)], ...rest.map(({ task: p, price: k }): [number, bigint] => [task(p, biddable), price(task(p, biddable), k)])];
      return act.bids(pair?.[1] ?? provider(intent.who), ...bids);
    }
    case "close":
      return act.close(anyone(intent.who), ...intent.tasks.map((p) => task(p, closable)));
    case "result": {
      const id = task(intent.task, running);
      const epoch = known(id) ? ledger.getTask(id).epoch : 1;
      const given = intent.epoch <= 6 ? epoch : intent.epoch === 7 ? Math.max(0, epoch - 1) : epoch + 1;
      return act.result(assigneeOr(intent.who, id), id, given, hash(`result ${intent.epoch}`));
    }
    case "reroute":
      return act.reroute(anyone(intent.who), ...intent.tasks.map((p) => task(p, late)));
    case "abandon": {
      const id = task(intent.task, running);
      return act.abandon(assigneeOr(intent.who, id), id);
    }
    case "cancel": {
      const id = task(intent.task, [...biddable, ...closable]);
      const owner = intent.who < 70 && known(id) ? ledger.getTask(id).poster : poster(intent.who);
      return act.cancel(owner, id);
    }
    case "withdraw": {
      // Mostly someone owed a credit.
      return act.withdraw(intent.who < OFF_TARGET && owed.length > 0 ? owed[intent.who % owed.length]! : anyone(intent.who));
    }
    case "addStake":
      return act.addStake(provider(intent.who), [0n, 10n ** 9n + 7n, minStake, UINT96_MAX][intent.amount]!);
    case "capacity":
      return act.updateCapacity(provider(intent.who), intent.capacity);
    case "unbond": {
      const who = provider(intent.who);
      const unlocked = ledger.unlockedStake(who);
      return act.requestStakeWithdrawal(who, [0n, 1n, minStake / 2n, unlocked, unlocked + 1n][intent.amount]!);
    }
    case "withdrawStake":
      return act.withdrawStake(intent.who < OFF_TARGET && unbonding.length > 0 ? unbonding[intent.who % unbonding.length]! : provider(intent.who));
    case "forceSend":
    case "time":
    case "timeEdge":
      throw new Error(`${intent.k} is not a market action`);
  }
}

/** The time a timeEdge lands on: one of the next three boundaries, ± 1 s, never before `now`. */
function edgeTime(intent: Extract<Intent, { k: "timeEdge" }>, model: Model, actors: Actors): number {
  const ahead = timeEdgesAhead(model.memory, actors, model.now);
  if (ahead.length === 0) return model.now + 1;
  return Math.max(model.now, ahead[intent.edge % Math.min(ahead.length, 3)]! + intent.offset);
}

// ---------------------------------------------------------------- reading the chain

// Views through the raw EIP-1193 provider (`chain.rpc`): about 35 times cheaper than through
// ethers, and the state is read after every command.
async function view(d: ContractDriver, fn: string, args: unknown[] = []): Promise<Result> {
  const data = d.iface.encodeFunctionData(fn, args);
  const raw = (await d.chain.rpc("eth_call", [{ to: d.address, data }, "latest"])) as string;
  return d.iface.decodeFunctionResult(fn, raw);
}

/**
 * The chain's LedgerView (same shape as `memoryView`), read over `chain.rpc` with every call in
 * flight at once. unlockedStake is not read: it is stake - activeAssignments × minStake, both read.
 */
async function chainView(d: ContractDriver, minStake: bigint): Promise<LedgerView> {
  const [taskCount] = await view(d, "taskCount");
  const ids = Array.from({ length: Number(taskCount) }, (_, i) => i + 1);
  const actors = allActors(d.actors);
  const [totals, balance, tasks, bids, providers, credits] = await Promise.all([
    Promise.all(["totalEscrow", "totalCredits", "totalStaked"].map(async (fn) => (await view(d, fn))[0] as bigint)),
    d.chain.rpc("eth_getBalance", [d.address, "latest"]) as Promise<string>,
    Promise.all(ids.map(async (id) => (await view(d, "getTask", [id]))[0] as Result)),
    Promise.all(ids.map(async (id) => (await view(d, "getFallbacks", [id]))[0] as Result[])),
    Promise.all(actors.map(async (a) => (await view(d, "getProvider", [a]))[0] as Result)),
    Promise.all(actors.map(async (a) => (await view(d, "creditOf", [a]))[0] as bigint)),
  ]);
  const accounts: LedgerView["accounts"] = {};
  actors.forEach((account, i) => {
    const p = providers[i]!;
    const locked = BigInt(p.activeAssignments) * minStake;
    accounts[account] = {
      provider: providerViewOf(p as unknown as Parameters<typeof providerViewOf>[0]),
      credit: credits[i]!,
      unlockedStake: p.stake > locked ? p.stake - locked : 0n,
    };
  });
  return {
    totals: { taskCount: Number(taskCount), totalEscrow: totals[0]!, totalCredits: totals[1]!, totalStaked: totals[2]!, balance: BigInt(balance) },
    tasks: tasks.map((t, i) => ({
      ...taskViewOf(t as unknown as Parameters<typeof taskViewOf>[0]),
      fallbacks: bids[i]!.map((b) => ({ provider: b.provider as string, price: b.price as bigint })),
    })),
    accounts,
  };
}

// ---------------------------------------------------------------- the checks

/** (b): the totals equal the per-task and per-account sums, and the balance holds them. */
function expectMoneyAccounted(state: LedgerView, forced: bigint, where: string): void {
  const t = state.totals;
  const openEscrow = state.tasks.filter((task) => task.status === "Open" || task.status === "Awarded").reduce((sum, task) => sum + task.maxPrice + task.keeperReserve, 0n);
  const credits = Object.values(state.accounts).reduce((sum, a) => sum + a.credit, 0n);
  const stakes = Object.values(state.accounts).reduce((sum, a) => sum + a.provider.stake + a.provider.unbonding, 0n);
  expect(t.totalEscrow, `${where}\ntotalEscrow = escrow (maxPrice + keeper reserve left) of Open and Awarded tasks`).toBe(openEscrow);
  expect(t.totalCredits, `${where}\ntotalCredits = every account's credit`).toBe(credits);
  expect(t.totalStaked, `${where}\ntotalStaked = every provider's stake + unbonding`).toBe(stakes);
  const accounted = t.totalEscrow + t.totalCredits + t.totalStaked;
  expect(t.balance, `${where}\nbalance = escrow + credits + stakes + force-sent`).toBe(accounted + forced);
  expect(t.balance >= accounted, `${where}\nbalance >= escrow + credits + stakes`).toBe(true);
}

/** (c): walks the command's events through the state graph, from the statuses before it. */
function expectAllowedTransitions(before: readonly TaskStatusName[], events: readonly MarketEvent[], after: LedgerView, where: string): void {
  const status = [...before];
  const rerouting = new Set<number>();
  const move = (taskId: number, to: TaskStatusName) => {
    const from = status[taskId] ?? "None";
    expect(ALLOWED_TRANSITIONS.has(`${from}->${to}`), `${where}\ntask ${taskId}: ${from} -> ${to} is not in the state graph`).toBe(true);
    status[taskId] = to;
    rerouting.delete(taskId);
  };
  for (const e of events) {
    if (e.name === "TaskPosted") move(e.taskId, "Open");
    else if (e.name === "TaskAwarded") move(e.taskId, "Awarded");
    else if (e.name === "TaskReopened") move(e.taskId, "Open");
    else if (e.name === "ResultSubmitted") move(e.taskId, "Completed");
    else if (e.name === "TaskRefunded") move(e.taskId, "Refunded");
    else if (e.name === "TaskRerouted") {
      expect(status[e.taskId], `${where}\ntask ${e.taskId} rerouted while not Awarded`).toBe("Awarded");
      rerouting.add(e.taskId);
    }
  }
  expect([...rerouting], `${where}\na reroute must end in TaskAwarded, TaskReopened or TaskRefunded`).toEqual([]);
  after.tasks.forEach((t, i) => expect(t.status, `${where}\ntask ${i + 1}: getTask's status vs its events`).toBe(status[i + 1] ?? "None"));
}

/** What the runs reached, printed at the end: a generator change that stops reaching a path shows. */
const reached = { commands: 0, events: new Map<string, number>(), refusals: new Map<string, number>() };
const tally = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);

/** Applies one block (one market action; none for a pure time jump) to both and checks it all. */
async function step(model: Model, real: Real, label: string, action: MarketAction | MarketAction[] | undefined): Promise<void> {
  const d = real.driver;
  model.history.push(`@${model.now} ${label}${action === undefined ? "" : ` ${JSON.stringify(action, bigintJson)}`}`);
  const where = `seed ${SEED}; commands so far:\n  ${model.history.slice(-8).join("\n  ")}`;
  const actions = withKeeperReserve(action === undefined ? [] : Array.isArray(action) ? action : [action], model.memory.config);
  const mem = await model.memory.commitBlock(model.now, actions);
  const chain = await d.commitBlock(model.now, actions);
  // (a) the verdict, the events, the state.
  expect(chain.refused, `${where}\naccepted or refused, and the error`).toEqual(mem.refused);
  expect(chain.events, `${where}\nevents`).toEqual(mem.events);
  const state = await chainView(d, model.memory.config.minStake);
  const expected = memoryView(model.memory, d.actors);
  expected.totals.balance += model.forced;
  expect(state, `${where}\nstate`).toEqual(expected);
  // (b) and (c).
  expectMoneyAccounted(state, model.forced, where);
  expectAllowedTransitions(real.statuses, chain.events, state, where);
  real.statuses = ["None", ...state.tasks.map((t) => t.status)];
  reached.commands += 1;
  for (const e of mem.events) tally(reached.events, e.name);
  for (const r of mem.refused) tally(reached.refusals, `${r.action.kind}:${r.error}`);
}

/** Sends ether into the market by selfdestruct (a block of its own at model.now). */
async function forceSend(model: Model, real: Real, amount: bigint): Promise<void> {
  const d = real.driver;
  const { data } = await new ForceSender__factory().getDeployTransaction(d.address);
  await d.chain.rpc("eth_sendTransaction", [{ from: d.actors.stranger, data, value: toBeHex(amount), gas: toBeHex(200_000) }]);
  await mineBlockAt(d.chain, model.now);
  model.forced += amount;
  await step(model, real, `forceSend ${amount}`, undefined);
}

// ---------------------------------------------------------------- the command

class MarketCommand implements fc.AsyncCommand<Model, Real> {
  constructor(readonly intent: Intent) {}

  check(model: Readonly<Model>): boolean {
    return worthRunning(this.intent, model, driver.actors);
  }

  async run(model: Model, real: Real): Promise<void> {
    const intent = this.intent;
    const actors = real.driver.actors;
    if (intent.k === "time") {
      model.now += intent.dt;
      await step(model, real, `time +${intent.dt}`, undefined);
    } else if (intent.k === "timeEdge") {
      model.now = edgeTime(intent, model, actors);
      await step(model, real, `time to edge ${intent.edge}${intent.offset >= 0 ? "+" : ""}${intent.offset}`, undefined);
    } else if (intent.k === "forceSend") {
      await forceSend(model, real, BigInt(intent.amount) * 10n ** 15n);
    } else {
      await step(model, real, intent.k, resolve(intent, model, actors));
    }
  }

  toString(): string {
    return JSON.stringify(this.intent);
  }
}

// One weighted arbitrary: fc.commands would pick uniformly among several.
const commandsArb = fc.commands([fc.oneof(...intentArbs).map((intent) => new MarketCommand(intent))], { maxCommands: MAX_COMMANDS, size: "max" });

/** A fresh market (evm_revert to just after deployment) and its model, after the run's setup block. */
async function startRun(run: RunSetup): Promise<{ model: Model; real: Real }> {
  const config = CONFIGS[run.config]!;
  await driver.reset(config);
  const model: Model = { memory: new MemoryLedger(config), now: driver.baseTimestamp + 100, forced: 0n, history: [`config ${run.config}`] };
  const real: Real = { driver, statuses: ["None"] };
  const actors = driver.actors;
  // One block: the setup is not under test, and a block per action would cost a check each.
  const registers = run.providers.map((p, i) => act.register(actors.providers[i]!, { region: PROVIDER_REGIONS[p.region], capacity: p.capacity, stake: stakeOf(p.stake, config.minStake) }));
  const posts = run.posts.map((post) => resolve({ k: "post", ...post }, model, actors));
  await step(model, real, "setup", [...registers, ...posts]);
  model.now += 1;
  await step(model, real, "setup bids", run.bids.map((b) => resolve({ k: "bid", ...b }, model, actors)));
  return { model, real };
}

// ---------------------------------------------------------------- the property

describe("ComputeMarket against the memory ledger, command by command", () => {
  it(`agrees after every command, keeps the money accounted and the state graph (${RUNS} runs, seed ${SEED})`, async () => {
    console.log(`contract-model: seed ${SEED}${PATH === undefined ? "" : `, path ${PATH}`}, ${RUNS} runs of up to ${MAX_COMMANDS} commands`);
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(runArb, commandsArb, async (run, commands) => {
        const env = await startRun(run);
        await fc.asyncModelRun(() => env, commands);
        runs += 1;
      }),
      // No shrinking by default: each shrink step replays a run on the chain. Set BIDMESH_FC_SHRINK=1
      // to shrink a failure found with BIDMESH_FC_SEED/BIDMESH_FC_PATH.
      { seed: SEED, path: PATH, numRuns: PATH === undefined ? RUNS : 1, endOnFailure: process.env["BIDMESH_FC_SHRINK"] === undefined },
    );
    const list = (map: Map<string, number>) => [...map].sort().map(([n, c]) => `${n} ${c}`).join(", ");
    console.log(`contract-model: ${runs} runs, ${reached.commands} blocks checked\n  events: ${list(reached.events)}\n  refusals: ${list(reached.refusals)}`);
    // The runs must reach the market's main paths, or agreeing proves little.
    if (PATH === undefined) {
      for (const name of ["TaskAwarded", "ResultSubmitted", "TaskRerouted", "TaskReopened", "TaskRefunded", "Withdrawn", "StakeWithdrawn", "ProviderSlashed", "FallbackSkipped"]) {
        expect(reached.events.get(name) ?? 0, `no ${name} in the runs`).toBeGreaterThan(0);
      }
    }
  }, Math.max(180_000, RUNS * 2_000));
});
