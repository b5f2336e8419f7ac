// Differential test: the same actions, applied to the memory ledger and to ComputeMarket on the
// embedded chain, must give the same events, the same refusals and the same final state.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import type { MarketConfig } from "../../sim/protocol/market-config.js";
import { MemoryLedger } from "../../sim/ledger/memory-ledger.js";
import type { Address, MarketAction } from "../../sim/protocol/actions.js";
import {
  act,
  allActors,
  bigintJson,
  ContractDriver,
  distinctConfigs,
  ETH,
  hash,
  LEDGER_TEST_CONFIG,
  ledgerScripts,
  memoryActors,
  memoryView,
  timeEdgesAhead,
  UINT96_MAX,
  type Actors,
  type Script,
  withKeeperReserve,
} from "../helpers/ledger-actors.js";
import { deliberateChangeScripts } from "./deliberate-changes.js";

// Markets of the random runs: the test config, a harsh one (full slash, no abandon slash,
// depth 1, three rounds) and a wide one (depth 8, one round, equal slashes).
const FUZZ_CONFIGS: MarketConfig[] = [
  LEDGER_TEST_CONFIG,
  { minStake: ETH, unbondingDelay: 0, slashBps: 10_000, abandonSlashBps: 0, maxRounds: 3, fallbackDepth: 1, keeperFee: 0n },
  { minStake: ETH, unbondingDelay: 30, slashBps: 3_333, abandonSlashBps: 3_333, maxRounds: 1, fallbackDepth: 8, keeperFee: 0n },
  // Keepers paid: every close and every reroute after a missed deadline pays the caller.
  { ...LEDGER_TEST_CONFIG, keeperFee: 10n ** 15n + 7n },
];
/** The keeper fee the scripted paths run with a second time. */
const SCRIPT_KEEPER_FEE = 3n * 10n ** 15n + 1n;
const withFee = (config: MarketConfig): MarketConfig => ({ ...config, keeperFee: SCRIPT_KEEPER_FEE });
const FUZZ_SEED = 20_251_020;
const FUZZ_RUNS = 30;

// Script names and configs are known before the chain exists; actors are the chain's accounts.
const SCRIPT_SHAPES = ledgerScripts(memoryActors(), 0);
// The paths through the deliberate behaviour changes of the gas-optimised contract.
const CHANGE_SHAPES = deliberateChangeScripts(memoryActors(), 0);

let driver: ContractDriver;
/** KeeperPaid events the replays have seen (both ledgers agreed on each). */
let keeperPaidSeen = 0;

beforeAll(async () => {
  driver = await ContractDriver.create(
    distinctConfigs([...SCRIPT_SHAPES.map((s) => s.config), ...SCRIPT_SHAPES.map((s) => withFee(s.config)), ...CHANGE_SHAPES.map((s) => s.config), ...FUZZ_CONFIGS]),
  );
});

afterAll(async () => {
  await driver?.close();
});

/** Replays blocks on both ledgers, comparing each block; returns the memory ledger. */
async function replay(
  config: MarketConfig,
  blocks: ReadonlyArray<{ timestamp: number; actions: readonly MarketAction[]; label?: string }>,
  context: string,
): Promise<MemoryLedger> {
  await driver.reset(config);
  const memory = new MemoryLedger(config);
  for (const [i, block] of blocks.entries()) {
    const where = `${context}, block ${i}${block.label === undefined ? "" : ` (${block.label})`} at ${block.timestamp}`;
    const actions = withKeeperReserve(block.actions, config);
    const mem = await memory.commitBlock(block.timestamp, actions);
    const chain = await driver.commitBlock(block.timestamp, actions);
    expect(mem.refused, `${where}: refusals`).toEqual(chain.refused);
    expect(mem.events, `${where}: events`).toEqual(chain.events);
    keeperPaidSeen += mem.events.filter((e) => e.name === "KeeperPaid").length;
    expect(memory.balance(), `${where}: memory conservation`).toBe(memory.totalEscrow() + memory.totalCredits() + memory.totalStaked());
  }
  return memory;
}

async function expectSameState(memory: MemoryLedger, actors: Actors, context: string): Promise<void> {
  const chainView = await driver.view();
  expect(memoryView(memory, actors), `${context}: final state`).toEqual(chainView);
  const t = chainView.totals;
  expect(t.balance, `${context}: contract balance = escrow + credits + stakes`).toBe(t.totalEscrow + t.totalCredits + t.totalStaked);
}

describe("scripted paths: memory ledger = ComputeMarket", () => {
  for (const shape of SCRIPT_SHAPES) {
    it(shape.name, async () => {
      const t0 = driver.baseTimestamp + 100;
      const script = ledgerScripts(driver.actors, t0).find((s) => s.name === shape.name) as Script;
      const memory = await replay(
        script.config,
        script.blocks.map((b) => ({ timestamp: t0 + b.at, actions: b.actions, label: b.label })),
        script.name,
      );
      await expectSameState(memory, driver.actors, script.name);
    });
  }
});

describe("scripted paths with a keeper fee: memory ledger = ComputeMarket, event for event", () => {
  for (const shape of SCRIPT_SHAPES) {
    it(shape.name, async () => {
      const t0 = driver.baseTimestamp + 100;
      const script = ledgerScripts(driver.actors, t0).find((s) => s.name === shape.name) as Script;
      const config = withFee(script.config);
      const seen = keeperPaidSeen;
      const memory = await replay(
        config,
        script.blocks.map((b) => ({ timestamp: t0 + b.at, actions: b.actions, label: b.label })),
        `${script.name} (keeper fee)`,
      );
      await expectSameState(memory, driver.actors, `${script.name} (keeper fee)`);
      // A task that was ever awarded or re-auctioned had its auction closed: a keeper was paid.
      const closed = memory.dump().tasks.some((t) => t.round > 0 || t.epoch > 0);
      if (closed) expect(keeperPaidSeen, "KeeperPaid events in this script").toBeGreaterThan(seen);
    });
  }
});

describe("deliberate changes: memory ledger = ComputeMarket", () => {
  for (const shape of CHANGE_SHAPES) {
    it(shape.name, async () => {
      const t0 = driver.baseTimestamp + 100;
      const script = deliberateChangeScripts(driver.actors, t0).find((s) => s.name === shape.name) as Script;
      const memory = await replay(
        script.config,
        script.blocks.map((b) => ({ timestamp: t0 + b.at, actions: b.actions, label: b.label })),
        script.name,
      );
      await expectSameState(memory, driver.actors, script.name);
    });
  }
});

// ---------------------------------------------------------------- random action sequences

// Intents are drawn by fast-check without knowing the state; each is resolved against the
// memory ledger's state at the start of its block (task ids, assignees, epochs, amounts), so
// most actions are plausible and some are deliberately wrong. Both ledgers get the same actions.

type Pick = number; // 0..99

type Intent =
  | { k: "register"; who: Pick; region: number; capacity: number; stake: number }
  | { k: "post"; who: Pick; price: number; region: number; window: number; budget: number; second: boolean; req: number }
  | { k: "bids"; who: Pick; bids: Array<{ task: Pick; price: number }> }
  | { k: "close"; who: Pick; tasks: Pick[] }
  | { k: "result"; who: Pick; task: Pick; epoch: number; hash: number }
  | { k: "reroute"; who: Pick; tasks: Pick[] }
  | { k: "abandon"; who: Pick; task: Pick }
  | { k: "withdraw"; who: Pick }
  | { k: "cancel"; who: Pick; task: Pick }
  | { k: "addStake"; who: Pick; amount: number }
  | { k: "capacity"; who: Pick; capacity: number }
  | { k: "unbond"; who: Pick; amount: number }
  | { k: "withdrawStake"; who: Pick };

interface FuzzRun {
  config: number;
  bootstrap: Array<{ region: number; capacity: number; stake: number }>;
  posts: Intent[];
  blocks: Array<{ step: TimeStep; intents: Intent[] }>;
}

/** How far the clock moves before a block: seconds, or onto the next boundary (window end,
 * deadline, unbonding time) plus -1, 0 or +1 second, where off-by-one rules differ. */
type TimeStep = { dt: number } | { edge: Pick; offset: -1 | 0 | 1 };

const pick = fc.integer({ min: 0, max: 99 });
// Mostly one to three ids; an empty batch now and then (a no-op that still runs on chain).
const taskPicks: fc.Arbitrary<Pick[]> = fc.oneof(
  { arbitrary: fc.array(pick, { minLength: 1, maxLength: 3 }), weight: 15 },
  { arbitrary: fc.constant<Pick[]>([]), weight: 1 },
);
// Bid prices in thousandths of the task's maximum; 0 and 1001 (above the maximum) are refused.
const bidPrice = fc.oneof(
  { arbitrary: fc.constantFrom(100, 250, 500, 500, 1000), weight: 4 },
  { arbitrary: fc.integer({ min: 1, max: 1000 }), weight: 5 },
  { arbitrary: fc.constantFrom(0, 1001), weight: 1 },
);
// A batch fails whole if one bid fails: mostly single bids, some pairs and triples.
const bidBatch = fc.oneof(
  { arbitrary: fc.array(fc.record({ task: pick, price: bidPrice }), { minLength: 1, maxLength: 1 }), weight: 6 },
  { arbitrary: fc.array(fc.record({ task: pick, price: bidPrice }), { minLength: 2, maxLength: 3 }), weight: 2 },
);
// Stake choices (see STAKES) weighted toward valid stakes.
const stakeChoice = fc.oneof({ arbitrary: fc.constantFrom(2, 3, 4, 5), weight: 6 }, { arbitrary: fc.constantFrom(0, 1, 6), weight: 1 });
// The first block registers every provider, nearly always validly (one in ~12 too poor).
const bootstrapArb = fc.record({
  region: fc.integer({ min: 0, max: 4 }),
  capacity: fc.integer({ min: 1, max: 3 }),
  stake: fc.oneof({ arbitrary: fc.constantFrom(2, 3, 4, 5), weight: 11 }, { arbitrary: fc.constant(1), weight: 1 }),
});

const postArb = fc.record({
  k: fc.constant("post" as const),
  who: pick,
  price: fc.oneof({ arbitrary: fc.integer({ min: 1, max: 1000 }), weight: 12 }, { arbitrary: fc.constantFrom(0, -1), weight: 1 }),
  region: fc.integer({ min: 0, max: 5 }),
  window: fc.oneof({ arbitrary: fc.integer({ min: 5, max: 90 }), weight: 10 }, { arbitrary: fc.constantFrom(-2, 0, 2 ** 32), weight: 1 }),
  budget: fc.oneof({ arbitrary: fc.integer({ min: 5, max: 150 }), weight: 12 }, { arbitrary: fc.constant(0), weight: 1 }),
  second: fc.boolean(),
  req: fc.integer({ min: 0, max: 3 }),
});

const intentArb: fc.Arbitrary<Intent> = fc.oneof(
  {
    weight: 1,
    arbitrary: fc.record({ k: fc.constant("register" as const), who: pick, region: fc.integer({ min: 0, max: 5 }), capacity: fc.integer({ min: 0, max: 3 }), stake: stakeChoice }),
  },
  { weight: 4, arbitrary: postArb },
  { weight: 10, arbitrary: fc.record({ k: fc.constant("bids" as const), who: pick, bids: bidBatch }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant("close" as const), who: pick, tasks: taskPicks }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant("result" as const), who: pick, task: pick, epoch: fc.integer({ min: 0, max: 9 }), hash: fc.integer({ min: 0, max: 3 }) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant("reroute" as const), who: pick, tasks: taskPicks }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("abandon" as const), who: pick, task: pick }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("withdraw" as const), who: pick }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("cancel" as const), who: pick, task: pick }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("addStake" as const), who: pick, amount: fc.integer({ min: 0, max: 4 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("capacity" as const), who: pick, capacity: fc.integer({ min: 0, max: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("unbond" as const), who: pick, amount: fc.integer({ min: 0, max: 5 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("withdrawStake" as const), who: pick }) },
);

const timeStep: fc.Arbitrary<TimeStep> = fc.oneof(
  { arbitrary: fc.constant<TimeStep>({ dt: 0 }), weight: 2 },
  { arbitrary: fc.integer({ min: 1, max: 10 }).map((dt): TimeStep => ({ dt })), weight: 5 },
  { arbitrary: fc.integer({ min: 10, max: 60 }).map((dt): TimeStep => ({ dt })), weight: 2 },
  { arbitrary: fc.record({ edge: pick, offset: fc.constantFrom<-1 | 0 | 1>(-1, 0, 1) }).map((e): TimeStep => e), weight: 3 },
);

const fuzzRunArb: fc.Arbitrary<FuzzRun> = fc.record({
  config: fc.integer({ min: 0, max: FUZZ_CONFIGS.length - 1 }),
  bootstrap: fc.array(bootstrapArb, { minLength: 5, maxLength: 5 }),
  posts: fc.array(postArb, { minLength: 2, maxLength: 4 }),
  blocks: fc.array(
    fc.record({
      step: timeStep,
      intents: fc.array(intentArb, { minLength: 0, maxLength: 7 }),
    }),
    { minLength: 22, maxLength: 28 },
  ),
});

const PROVIDER_REGIONS = ["eu-west-1", "us-east-1", "eu-west-1", "us-east-1", "eu-west-1", "any"];
const TASK_REGIONS = ["any", "any", "any", "eu-west-1", "us-east-1", "ap-south-1"];

/** Stakes by choice: 0, just short, exactly minStake, then odd amounts (slashes must floor), too large. */
function stakeOf(choice: number, minStake: bigint): bigint {
  return [0n, minStake - 1n, minStake, (minStake * 3n) / 2n + 1n, 2n * minStake + 7n, 3n * minStake - 3n, UINT96_MAX + 1n][choice]!;
}

/** The next time step: `now` plus seconds, or a boundary after `now` ± 1 (never before `now`). */
function nextTime(step: TimeStep, ledger: MemoryLedger, actors: Actors, now: number): number {
  if ("dt" in step) return now + step.dt;
  const ahead = timeEdgesAhead(ledger, actors, now);
  if (ahead.length === 0) return now + 1;
  return Math.max(now, ahead[step.edge % Math.min(ahead.length, 3)]! + step.offset);
}

/** Turns a block's intents into actions, given the memory ledger's state before the block. */
function resolve(intents: readonly Intent[], ledger: MemoryLedger, actors: Actors, now: number): MarketAction[] {
  const everyone = allActors(actors);
  const minStake = ledger.config.minStake;
  const provider = (p: Pick): Address => (p < 85 ? actors.providers[p % 5]! : everyone[p % everyone.length]!);
  const poster = (p: Pick): Address => (p < 85 ? actors.posters[p % 3]! : everyone[p % everyone.length]!);
  const anyone = (p: Pick): Address => everyone[p % everyone.length]!;
  const count = ledger.taskCount();
  const ids = Array.from({ length: count }, (_, i) => i + 1);
  const task = (p: Pick, preferred: number[]): number => {
    if (p < 85 && preferred.length > 0) return preferred[p % preferred.length]!;
    if (p < 95) return 1 + (p % (count + 1)); // may be the id the next post creates
    return p % 2 === 0 ? 0 : count + 2;
  };
  // What a sensible actor would pick: bid while the window is open, close once it ended, deliver
  // before the deadline, reroute after it.
  const tasks = ids.map((id) => ({ id, t: ledger.getTask(id) }));
  const biddable = tasks.filter(({ t }) => t.status === "Open" && now < t.bidWindowEnd).map(({ id }) => id);
  const closable = tasks.filter(({ t }) => t.status === "Open" && now >= t.bidWindowEnd).map(({ id }) => id);
  const running = tasks.filter(({ t }) => t.status === "Awarded" && now <= t.deadline).map(({ id }) => id);
  const late = tasks.filter(({ t }) => t.status === "Awarded" && now > t.deadline).map(({ id }) => id);
  const open = [...biddable, ...closable];
  const assigneeOr = (who: Pick, id: number): Address => {
    if (who < 75 && id >= 1 && id <= count) {
      const t = ledger.getTask(id);
      if (t.status === "Awarded") return t.provider;
    }
    return provider(who);
  };
  const resultHash = (i: number) => (i === 3 ? `0x${hash("r3").slice(2).toUpperCase()}` : hash(`r${i}`));

  return intents.map((intent): MarketAction => {
    switch (intent.k) {
      case "register":
        return act.register(provider(intent.who), { region: PROVIDER_REGIONS[intent.region], capacity: intent.capacity, stake: stakeOf(intent.stake, minStake) });
      case "post":
        return act.post(poster(intent.who), now + intent.window, {
          maxPrice: intent.price === 0 ? 0n : intent.price === -1 ? UINT96_MAX + 1n : BigInt(intent.price) * 10n ** 15n,
          region: TASK_REGIONS[intent.region],
          budget: intent.budget,
          mechanism: intent.second ? "SecondPrice" : "FirstPrice",
          requirements: `job ${intent.req}`,
        });
      case "bids": {
        const bids = intent.bids.map(({ task: p, price }): [number, bigint] => {
          const id = task(p, biddable);
          const max = id >= 1 && id <= count ? ledger.getTask(id).maxPrice : ETH;
          return [id, price === 1001 ? max + 1n : (max * BigInt(price)) / 1000n];
        });
        // Mostly a provider that may bid on the first task: registered, staked, in its region, not
        // already on its list.
        const first = bids[0]![0];
        const known = first >= 1 && first <= count;
        const region = known ? ledger.getTask(first).region : "any";
        const listed = new Set(known ? ledger.getFallbacks(first).map((b) => b.provider) : []);
        const eligible = actors.providers.filter((v) => {
          const record = ledger.getProvider(v);
          return record.registered && record.stake >= minStake && (region === "any" || record.region === region) && !listed.has(v);
        });
        const bidder = intent.who < 70 && eligible.length > 0 ? eligible[intent.who % eligible.length]! : provider(intent.who);
        return act.bids(bidder, ...bids);
      }
      case "close":
        return act.close(anyone(intent.who), ...intent.tasks.map((p) => task(p, closable)));
      case "result": {
        const id = task(intent.task, running);
        const epoch = id >= 1 && id <= count ? ledger.getTask(id).epoch : 1;
        const given = intent.epoch <= 6 ? epoch : intent.epoch === 7 ? Math.max(0, epoch - 1) : intent.epoch === 8 ? epoch + 1 : 0;
        return act.result(assigneeOr(intent.who, id), id, given, resultHash(intent.hash));
      }
      case "reroute":
        return act.reroute(anyone(intent.who), ...intent.tasks.map((p) => task(p, late)));
      case "abandon": {
        const id = task(intent.task, running);
        return act.abandon(assigneeOr(intent.who, id), id);
      }
      case "withdraw":
        return act.withdraw(anyone(intent.who));
      case "cancel":
        return act.cancel(poster(intent.who), task(intent.task, open));
      case "addStake":
        return act.addStake(provider(intent.who), [0n, 10n ** 9n + 7n, minStake / 2n + 1n, minStake, UINT96_MAX][intent.amount]!);
      case "capacity":
        return act.updateCapacity(provider(intent.who), intent.capacity);
      case "unbond": {
        const who = provider(intent.who);
        const unlocked = ledger.unlockedStake(who);
        return act.requestStakeWithdrawal(who, [0n, 1n, minStake / 2n, minStake, unlocked, unlocked + 1n][intent.amount]!);
      }
      case "withdrawStake":
        return act.withdrawStake(provider(intent.who));
    }
  });
}

describe("random action sequences: memory ledger = ComputeMarket", () => {
  it(`agrees on events, refusals and final state over ${FUZZ_RUNS} runs (seed ${FUZZ_SEED})`, async () => {
    let runIndex = 0;
    const stats = { blocks: 0, actions: 0, refused: 0, events: 0 };
    const eventNames = new Map<string, number>();
    const errorNames = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(fuzzRunArb, async (run) => {
        runIndex += 1;
        const actors = driver.actors;
        const config = FUZZ_CONFIGS[run.config]!;
        await driver.reset(config);
        const memory = new MemoryLedger(config);
        let now = driver.baseTimestamp + 100;
        const blocks = [
          {
            dt: 0,
            actions: [
              ...run.bootstrap.map((r, i) => act.register(actors.providers[i]!, { region: PROVIDER_REGIONS[r.region], capacity: r.capacity, stake: stakeOf(r.stake, config.minStake) })),
              ...resolve(run.posts, memory, actors, now),
            ],
          },
          ...run.blocks.map((b) => ({ step: b.step, intents: b.intents })),
        ];
        const history: string[] = [];
        for (const [i, block] of blocks.entries()) {
          now = "step" in block ? nextTime(block.step, memory, actors, now) : now + block.dt;
          const actions = "actions" in block ? block.actions : resolve(block.intents, memory, actors, now);
          history.push(`block ${i} @${now}: ${JSON.stringify(actions, bigintJson)}`);
          const where = `run ${runIndex} (config ${run.config}), block ${i} at ${now}\n${history.slice(-3).join("\n")}`;
          const mem = await memory.commitBlock(now, actions);
          const chain = await driver.commitBlock(now, actions);
          expect(mem.refused, `${where}\nrefusals`).toEqual(chain.refused);
          expect(mem.events, `${where}\nevents`).toEqual(chain.events);
          expect(memory.balance(), `${where}\nconservation`).toBe(memory.totalEscrow() + memory.totalCredits() + memory.totalStaked());
          stats.blocks += 1;
          stats.actions += actions.length;
          stats.refused += mem.refused.length;
          stats.events += mem.events.length;
          for (const e of mem.events) eventNames.set(e.name, (eventNames.get(e.name) ?? 0) + 1);
          for (const r of mem.refused) errorNames.set(`${r.action.kind}:${r.error}`, (errorNames.get(`${r.action.kind}:${r.error}`) ?? 0) + 1);
        }
        await expectSameState(memory, actors, `run ${runIndex}`);
        if (process.env["PEEK"] !== undefined && runIndex === 3) console.log(history.join("\n"));
      }),
      { seed: FUZZ_SEED, numRuns: FUZZ_RUNS, endOnFailure: true },
    );
    console.log(
      `memory-vs-contract fuzz: ${stats.blocks} blocks, ${stats.actions} actions (${stats.refused} refused), ${stats.events} events\n` +
        `  events: ${[...eventNames].sort().map(([n, c]) => `${n} ${c}`).join(", ")}\n  refusals: ${[...errorNames].sort().map(([n, c]) => `${n} ${c}`).join(", ")}`,
    );
    // The runs must reach the market's main paths, or the comparison proves little.
    for (const name of ["TaskAwarded", "ResultSubmitted", "TaskRerouted", "FallbackSkipped", "TaskReopened", "TaskRefunded", "Withdrawn"]) {
      expect(eventNames.get(name) ?? 0, `no ${name} in the random runs`).toBeGreaterThan(0);
    }
  }, 120_000);
});
