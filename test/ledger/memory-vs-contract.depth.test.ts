// Differential test at every fallback depth: 12 providers bid on a few tasks, so the fallback
// lists fill and overflow whatever the market's depth (1..8). The market config is drawn too;
// events, refusals and the final views of the memory ledger and ComputeMarket must agree.
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
  memoryView,
  UINT96_MAX,
  withKeeperReserve,
  type Actors,
} from "../helpers/ledger-actors.js";

const PROVIDERS = 12;
const SEED = 20_251_123;
const RUNS = 30;

// ---------------------------------------------------------------- the drawn market configs

// A contract's config is fixed when it is deployed, and the driver deploys before the runs: so
// fast-check draws the configs (same seed) up front, three for each depth 1..8, and each run
// draws one of them. Slashes include 0, 1 bp and 100%; minStake includes tiny and odd values.
const configArb = (fallbackDepth: number): fc.Arbitrary<MarketConfig> =>
  fc
    .record({
      maxRounds: fc.integer({ min: 1, max: 4 }),
      slashBps: fc.oneof(fc.constantFrom(0, 1, 10_000), fc.integer({ min: 0, max: 10_000 })),
      abandonShare: fc.oneof(fc.constantFrom(0, 1), fc.double({ min: 0, max: 1, noNaN: true })),
      minStake: fc.constantFrom(1n, 10n ** 9n + 7n, ETH / 3n, ETH, 3n * ETH + 1n),
      unbondingDelay: fc.constantFrom(0, 1, 30, 3_600),
      keeperFee: fc.constantFrom(0n, 0n, 1n, 10n ** 15n + 1n),
    })
    .map(({ abandonShare, slashBps, ...rest }) => ({
      ...rest,
      slashBps,
      abandonSlashBps: Math.floor(slashBps * abandonShare),
      fallbackDepth,
    }));
const CONFIGS: MarketConfig[] = distinctConfigs(
  Array.from({ length: 8 }, (_, d) => fc.sample(configArb(d + 1), { seed: SEED + d, numRuns: 3 })).flat(),
);

let driver: ContractDriver;

beforeAll(async () => {
  driver = await ContractDriver.create(CONFIGS, PROVIDERS);
});

afterAll(async () => {
  await driver?.close();
});

// ---------------------------------------------------------------- intents

type Pick = number; // 0..99

type Intent =
  | { k: "storm"; who: Pick; task: Pick; count: number; prices: number[] }
  | { k: "bids"; who: Pick; bids: Array<{ task: Pick; price: number }> }
  | { k: "cascade"; who: Pick; task: Pick; steps: number }
  | { k: "post"; who: Pick; price: number; region: number; window: number; budget: number; second: boolean }
  | { k: "close"; who: Pick; tasks: Pick[] }
  | { k: "result"; who: Pick; task: Pick; epoch: number }
  | { k: "reroute"; who: Pick; tasks: Pick[] }
  | { k: "abandon"; who: Pick; task: Pick }
  | { k: "withdraw"; who: Pick }
  | { k: "cancel"; who: Pick; task: Pick }
  | { k: "register"; who: Pick; region: number; capacity: number; stake: number }
  | { k: "addStake"; who: Pick; amount: number }
  | { k: "capacity"; who: Pick; capacity: number }
  | { k: "unbond"; who: Pick; amount: number }
  | { k: "withdrawStake"; who: Pick };

/** Seconds, or onto one of the next boundaries (window end, deadline, unbonding) plus -1, 0 or +1. */
type TimeStep = { dt: number } | { edge: Pick; offset: -1 | 0 | 1 };

interface DepthRun {
  config: number;
  bootstrap: Array<{ region: number; capacity: number; stake: number }>;
  posts: Intent[];
  blocks: Array<{ step: TimeStep; intents: Intent[] }>;
}

const pick = fc.integer({ min: 0, max: 99 });
const taskPicks = fc.array(pick, { minLength: 0, maxLength: 3 });
// Thousandths of the task's maximum: ties are common (equal prices keep bid order); 0 and 1001 are refused.
const bidPrice = fc.oneof(
  { arbitrary: fc.constantFrom(100, 250, 500, 500, 999, 1000), weight: 5 },
  { arbitrary: fc.integer({ min: 1, max: 1000 }), weight: 5 },
  { arbitrary: fc.constantFrom(0, 1001), weight: 1 },
);
// In a storm of a dozen bids, fewer refused prices: one refusal leaves the others standing.
const stormPrice = fc.oneof(
  { arbitrary: fc.constantFrom(100, 250, 500, 500, 999, 1000), weight: 10 },
  { arbitrary: fc.integer({ min: 1, max: 1000 }), weight: 10 },
  { arbitrary: fc.constantFrom(0, 1001), weight: 1 },
);
const PROVIDER_REGIONS = ["eu-west-1", "eu-west-1", "eu-west-1", "us-east-1", "any"];
const TASK_REGIONS = ["any", "any", "any", "eu-west-1", "us-east-1", "ap-south-1"];

// The first block registers all 12 providers, nearly always validly ("any" is not a provider region).
const bootstrapArb = fc.record({
  region: fc.integer({ min: 0, max: PROVIDER_REGIONS.length - 2 }),
  capacity: fc.integer({ min: 1, max: 3 }),
  stake: fc.oneof({ arbitrary: fc.constantFrom(2, 3, 4, 5), weight: 15 }, { arbitrary: fc.constant(1), weight: 1 }),
});

const postArb = fc.record({
  k: fc.constant("post" as const),
  who: pick,
  price: fc.oneof({ arbitrary: fc.integer({ min: 1, max: 1000 }), weight: 15 }, { arbitrary: fc.constantFrom(0, -1), weight: 1 }),
  region: fc.oneof({ arbitrary: fc.constant(0), weight: 4 }, { arbitrary: fc.integer({ min: 0, max: TASK_REGIONS.length - 1 }), weight: 1 }),
  window: fc.oneof({ arbitrary: fc.integer({ min: 3, max: 40 }), weight: 12 }, { arbitrary: fc.constantFrom(-1, 0, 1), weight: 1 }),
  budget: fc.oneof({ arbitrary: fc.integer({ min: 1, max: 60 }), weight: 12 }, { arbitrary: fc.constant(0), weight: 1 }),
  second: fc.boolean(),
});

const intentArb: fc.Arbitrary<Intent> = fc.oneof(
  {
    weight: 12,
    arbitrary: fc.record({
      k: fc.constant("storm" as const),
      who: pick,
      task: pick,
      count: fc.integer({ min: 1, max: PROVIDERS }),
      prices: fc.array(stormPrice, { minLength: PROVIDERS, maxLength: PROVIDERS }),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      k: fc.constant("bids" as const),
      who: pick,
      bids: fc.array(fc.record({ task: pick, price: bidPrice }), { minLength: 1, maxLength: 3 }),
    }),
  },
  // One block walks a list: the assignee fails, then each next bidder on the list abandons.
  { weight: 3, arbitrary: fc.record({ k: fc.constant("cascade" as const), who: pick, task: pick, steps: fc.integer({ min: 1, max: 8 }) }) },
  { weight: 1, arbitrary: postArb },
  { weight: 6, arbitrary: fc.record({ k: fc.constant("close" as const), who: pick, tasks: taskPicks }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant("result" as const), who: pick, task: pick, epoch: fc.integer({ min: 0, max: 9 }) }) },
  { weight: 5, arbitrary: fc.record({ k: fc.constant("reroute" as const), who: pick, tasks: taskPicks }) },
  { weight: 5, arbitrary: fc.record({ k: fc.constant("abandon" as const), who: pick, task: pick }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant("withdraw" as const), who: pick }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("cancel" as const), who: pick, task: pick }) },
  {
    weight: 1,
    arbitrary: fc.record({ k: fc.constant("register" as const), who: pick, region: fc.integer({ min: 0, max: 4 }), capacity: fc.integer({ min: 0, max: 3 }), stake: fc.integer({ min: 0, max: 6 }) }),
  },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("addStake" as const), who: pick, amount: fc.integer({ min: 0, max: 4 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("capacity" as const), who: pick, capacity: fc.integer({ min: 0, max: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("unbond" as const), who: pick, amount: fc.integer({ min: 0, max: 5 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("withdrawStake" as const), who: pick }) },
);

const timeStep: fc.Arbitrary<TimeStep> = fc.oneof(
  { arbitrary: fc.constant<TimeStep>({ dt: 0 }), weight: 1 },
  { arbitrary: fc.integer({ min: 1, max: 6 }).map((dt): TimeStep => ({ dt })), weight: 5 },
  { arbitrary: fc.integer({ min: 7, max: 70 }).map((dt): TimeStep => ({ dt })), weight: 1 },
  { arbitrary: fc.record({ edge: pick, offset: fc.constantFrom<-1 | 0 | 1>(0, 0, -1, 1) }).map((e): TimeStep => e), weight: 4 },
);

const runArbWith = (config: fc.Arbitrary<number>): fc.Arbitrary<DepthRun> => fc.record({
  config,
  bootstrap: fc.array(bootstrapArb, { minLength: PROVIDERS, maxLength: PROVIDERS }),
  posts: fc.array(postArb, { minLength: 1, maxLength: 3 }),
  blocks: fc.array(fc.record({ step: timeStep, intents: fc.array(intentArb, { minLength: 0, maxLength: 6 }) }), { minLength: 18, maxLength: 24 }),
});
const runArb = runArbWith(fc.integer({ min: 0, max: CONFIGS.length - 1 }));
// So that every depth is run whatever the seed, the property starts with two runs per depth,
// drawn by fast-check from the same arbitraries with the config's depth fixed.
const DEPTH_EXAMPLES: Array<[DepthRun]> = Array.from({ length: 8 }, (_, d) => {
  const ofDepth = CONFIGS.flatMap((c, i) => (c.fallbackDepth === d + 1 ? [i] : []));
  return fc.sample(runArbWith(fc.constantFrom(...ofDepth)), { seed: SEED + 100 + d, numRuns: 2 }).map((r): [DepthRun] => [r]);
}).flat();

// ---------------------------------------------------------------- resolving intents against the memory ledger

/** Stakes by choice: 0, just short, exactly minStake, odd amounts (slashes must floor), too large. */
function stakeOf(choice: number, minStake: bigint): bigint {
  return [0n, minStake - 1n, minStake, (minStake * 3n) / 2n + 1n, 2n * minStake + 7n, 3n * minStake - 3n, UINT96_MAX + 1n][choice]!;
}

/** The next block's time: `now` plus seconds, or exactly on (or one second off) a coming boundary. */
function nextTime(step: TimeStep, ledger: MemoryLedger, actors: Actors, now: number): number {
  if ("dt" in step) return now + step.dt;
  const edges = new Set<number>();
  for (let id = 1; id <= ledger.taskCount(); id += 1) {
    const t = ledger.getTask(id);
    if (t.status === "Open") edges.add(t.bidWindowEnd);
    if (t.status === "Awarded") edges.add(t.deadline).add(t.deadline + 1);
  }
  for (const v of actors.providers) {
    const p = ledger.getProvider(v);
    if (p.unbonding > 0n) edges.add(p.unbondingReadyAt);
  }
  const ahead = [...edges].filter((e) => e >= now).sort((a, b) => a - b);
  if (ahead.length === 0) return now + 1;
  return Math.max(now, ahead[step.edge % Math.min(ahead.length, 3)]! + step.offset);
}

/**
 * Turns a block's intents into actions, given the memory ledger's state before the block and
 * `bidden`, the `task/round/provider` bids placed so far (storms pick providers that have not bid).
 */
function resolve(intents: readonly Intent[], ledger: MemoryLedger, actors: Actors, now: number, bidden: ReadonlySet<string>): MarketAction[] {
  const everyone = allActors(actors);
  const minStake = ledger.config.minStake;
  const provider = (p: Pick): Address => (p < 90 ? actors.providers[p % PROVIDERS]! : everyone[p % everyone.length]!);
  const poster = (p: Pick): Address => (p < 90 ? actors.posters[p % 3]! : everyone[p % everyone.length]!);
  const anyone = (p: Pick): Address => everyone[p % everyone.length]!;
  const count = ledger.taskCount();
  const tasks = Array.from({ length: count }, (_, i) => ({ id: i + 1, t: ledger.getTask(i + 1) }));
  const task = (p: Pick, preferred: number[]): number => {
    if (p < 88 && preferred.length > 0) return preferred[p % preferred.length]!;
    if (p < 96) return 1 + (p % (count + 1));
    return p % 2 === 0 ? 0 : count + 2;
  };
  const biddable = tasks.filter(({ t }) => t.status === "Open" && now < t.bidWindowEnd).map(({ id }) => id);
  const closable = tasks.filter(({ t }) => t.status === "Open" && now >= t.bidWindowEnd).map(({ id }) => id);
  const running = tasks.filter(({ t }) => t.status === "Awarded" && now <= t.deadline).map(({ id }) => id);
  const late = tasks.filter(({ t }) => t.status === "Awarded" && now > t.deadline).map(({ id }) => id);
  const known = (id: number) => id >= 1 && id <= count;
  const priceOf = (id: number, thousandths: number): bigint => {
    const max = known(id) ? ledger.getTask(id).maxPrice : ETH;
    return thousandths === 1001 ? max + 1n : (max * BigInt(thousandths)) / 1000n;
  };
  // Providers that may bid on `id`: registered, staked, in its region, not on its list.
  const stormed = new Set<string>(); // bids of this block's storms
  const eligible = (id: number): Address[] => {
    const region = known(id) ? ledger.getTask(id).region : "any";
    const round = known(id) ? ledger.getTask(id).round : 0;
    const listed = new Set(known(id) ? ledger.getFallbacks(id).map((b) => b.provider) : []);
    return actors.providers.filter((v) => {
      const r = ledger.getProvider(v);
      const key = `${id}/${round}/${v}`;
      return r.registered && r.stake >= minStake && (region === "any" || r.region === region) && !listed.has(v) && !bidden.has(key) && !stormed.has(key);
    });
  };
  const assigneeOr = (who: Pick, id: number): Address => {
    if (who < 75 && known(id) && ledger.getTask(id).status === "Awarded") return ledger.getTask(id).provider;
    return provider(who);
  };

  // A sensible actor with nothing to close, deliver, abandon or reroute does nothing; others act anyway.
  const idle = (who: Pick, preferred: number[]) => preferred.length === 0 && who < 60;

  return intents.flatMap((intent): MarketAction[] => {
    switch (intent.k) {
      case "storm": {
        // Up to 12 providers bid on one task in this block, mostly ones that may. With no task
        // open for bids, mostly a poster posts one (tasks stay few: one at a time is usual).
        if (biddable.length === 0 && intent.who < 85) {
          const budget = 1 + ((intent.count * 7 + intent.prices[1]!) % 40);
          const maxPrice = BigInt(1 + (intent.prices[0]! % 1000)) * 10n ** 15n + 7n;
          return [act.post(poster(intent.who), now + 3 + ((intent.prices[2]! * 13) % 30), { maxPrice, budget, mechanism: intent.task % 2 === 0 ? "SecondPrice" : "FirstPrice" })];
        }
        const id = task(intent.task, biddable);
        const pool = intent.who < 80 ? eligible(id) : [...actors.providers];
        const n = Math.min(intent.count, pool.length);
        const round = known(id) ? ledger.getTask(id).round : 0;
        return Array.from({ length: n }, (_, i) => {
          const bidder = pool[(intent.who + i) % pool.length]!;
          stormed.add(`${id}/${round}/${bidder}`);
          return act.bids(bidder, [id, priceOf(id, intent.prices[i]!)]);
        });
      }
      case "cascade": {
        // The assignee abandons (or, past the deadline, is rerouted), then the bidders after the
        // cursor abandon in turn, guessing that each is awarded next (a skip makes a guess wrong).
        const awarded = [...running, ...late];
        if (idle(intent.who, awarded)) return [];
        const id = task(intent.task, awarded);
        if (!known(id) || ledger.getTask(id).status !== "Awarded") return [act.abandon(provider(intent.who), id)];
        const t = ledger.getTask(id);
        const list = ledger.getFallbacks(id);
        const first = now > t.deadline ? act.reroute(anyone(intent.who), id) : act.abandon(t.provider, id);
        const next = list.slice(t.fallbackCursor, t.fallbackCursor + intent.steps - 1).map((b) => act.abandon(b.provider, id));
        return [first, ...next];
      }
      case "bids": {
        const bids = intent.bids.map(({ task: p, price }): [number, bigint] => {
          const id = task(p, biddable);
          return [id, priceOf(id, price)];
        });
        const ok = eligible(bids[0]![0]);
        return [act.bids(intent.who < 70 && ok.length > 0 ? ok[intent.who % ok.length]! : provider(intent.who), ...bids)];
      }
      case "post":
        return [
          act.post(poster(intent.who), now + intent.window, {
            maxPrice: intent.price === 0 ? 0n : intent.price === -1 ? UINT96_MAX + 1n : BigInt(intent.price) * 10n ** 15n + 7n,
            region: TASK_REGIONS[intent.region],
            budget: intent.budget,
            mechanism: intent.second ? "SecondPrice" : "FirstPrice",
          }),
        ];
      case "close":
        if (idle(intent.who, closable)) return [];
        return [act.close(anyone(intent.who), ...intent.tasks.map((p) => task(p, closable)))];
      case "result": {
        if (idle(intent.who, running)) return [];
        const id = task(intent.task, running);
        const epoch = known(id) ? ledger.getTask(id).epoch : 1;
        const given = intent.epoch <= 6 ? epoch : intent.epoch === 7 ? Math.max(0, epoch - 1) : intent.epoch === 8 ? epoch + 1 : 0;
        return [act.result(assigneeOr(intent.who, id), id, given, hash(`r${intent.who % 3}`))];
      }
      case "reroute":
        if (idle(intent.who, late)) return [];
        return [act.reroute(anyone(intent.who), ...intent.tasks.map((p) => task(p, late)))];
      case "abandon": {
        if (idle(intent.who, running)) return [];
        const id = task(intent.task, running);
        return [act.abandon(assigneeOr(intent.who, id), id)];
      }
      case "withdraw": {
        const owed = everyone.filter((a) => ledger.creditOf(a) > 0n);
        return [act.withdraw(intent.who < 60 && owed.length > 0 ? owed[intent.who % owed.length]! : anyone(intent.who))];
      }
      case "cancel":
        return [act.cancel(poster(intent.who), task(intent.task, [...biddable, ...closable]))];
      case "register":
        return [act.register(provider(intent.who), { region: PROVIDER_REGIONS[intent.region], capacity: intent.capacity, stake: stakeOf(intent.stake, minStake) })];
      case "addStake":
        return [act.addStake(provider(intent.who), [0n, 1n, minStake / 2n + 1n, minStake, UINT96_MAX][intent.amount]!)];
      case "capacity":
        return [act.updateCapacity(provider(intent.who), intent.capacity)];
      case "unbond": {
        const who = provider(intent.who);
        const unlocked = ledger.unlockedStake(who);
        return [act.requestStakeWithdrawal(who, [0n, 1n, minStake / 2n, minStake, unlocked, unlocked + 1n][intent.amount]!)];
      }
      case "withdrawStake":
        return [act.withdrawStake(provider(intent.who))];
    }
  });
}

// ---------------------------------------------------------------- the property

describe("every fallback depth: memory ledger = ComputeMarket", () => {
  it(`agrees with 12 providers and drawn configs over ${RUNS} runs (seed ${SEED})`, async () => {
    expect(new Set(CONFIGS.map((c) => c.fallbackDepth)).size).toBe(8);
    let runIndex = 0;
    const stats = { blocks: 0, actions: 0, refused: 0, events: 0 };
    const eventNames = new Map<string, number>();
    const errorNames = new Map<string, number>();
    const depthsRun = new Set<number>();
    const depthsOverflowed = new Set<number>(); // a round got more bids than the list keeps
    const depthsFilled = new Set<number>(); // a list held exactly fallbackDepth bids
    const deepestCursor = new Map<number, number>(); // by depth: the furthest a list was walked
    await fc.assert(
      fc.asyncProperty(runArb, async (run) => {
        runIndex += 1;
        const actors = driver.actors;
        const config = CONFIGS[run.config]!;
        depthsRun.add(config.fallbackDepth);
        await driver.reset(config);
        const memory = new MemoryLedger(config);
        let now = driver.baseTimestamp + 100;
        const bidsPerRound = new Map<string, number>();
        const bidden = new Set<string>();
        const blocks = [
          {
            dt: 0,
            actions: [
              ...run.bootstrap.map((r, i) =>
                act.register(actors.providers[i]!, { region: PROVIDER_REGIONS[r.region], capacity: r.capacity, stake: stakeOf(r.stake, config.minStake) }),
              ),
              ...resolve(run.posts, memory, actors, now, bidden),
            ],
          },
          ...run.blocks,
        ];
        const history: string[] = [];
        for (const [i, block] of blocks.entries()) {
          now = "step" in block ? nextTime(block.step, memory, actors, now) : now + block.dt;
          const actions = withKeeperReserve("actions" in block ? block.actions : resolve(block.intents, memory, actors, now, bidden), config);
          history.push(`block ${i} @${now}: ${JSON.stringify(actions, bigintJson)}`);
          const where = `run ${runIndex} (config ${JSON.stringify(config, bigintJson)}), block ${i} at ${now}\n${history.slice(-3).join("\n")}`;
          const mem = await memory.commitBlock(now, actions);
          const chain = await driver.commitBlock(now, actions);
          expect(mem.refused, `${where}\nrefusals`).toEqual(chain.refused);
          expect(mem.events, `${where}\nevents`).toEqual(chain.events);
          expect(memory.balance(), `${where}\nconservation`).toBe(memory.totalEscrow() + memory.totalCredits() + memory.totalStaked());
          stats.blocks += 1;
          stats.actions += actions.length;
          stats.refused += mem.refused.length;
          stats.events += mem.events.length;
          for (const e of mem.events) {
            eventNames.set(e.name, (eventNames.get(e.name) ?? 0) + 1);
            if (e.name === "BidPlaced") {
              bidden.add(`${e.taskId}/${e.round}/${e.provider}`);
              const key = `${e.taskId}/${e.round}`;
              bidsPerRound.set(key, (bidsPerRound.get(key) ?? 0) + 1);
              if (bidsPerRound.get(key)! > config.fallbackDepth) depthsOverflowed.add(config.fallbackDepth);
            }
          }
          for (const r of mem.refused) errorNames.set(`${r.action.kind}:${r.error}`, (errorNames.get(`${r.action.kind}:${r.error}`) ?? 0) + 1);
          for (let id = 1; id <= memory.taskCount(); id += 1) {
            if (memory.getFallbacks(id).length === config.fallbackDepth) depthsFilled.add(config.fallbackDepth);
            const cursor = memory.getTask(id).fallbackCursor;
            deepestCursor.set(config.fallbackDepth, Math.max(cursor, deepestCursor.get(config.fallbackDepth) ?? 0));
          }
        }
        const chainView = await driver.view();
        expect(memoryView(memory, actors), `run ${runIndex} (config ${JSON.stringify(config, bigintJson)}): final state\n${history.join("\n")}`).toEqual(chainView);
        const t = chainView.totals;
        expect(t.balance, `run ${runIndex}: contract balance = escrow + credits + stakes`).toBe(t.totalEscrow + t.totalCredits + t.totalStaked);
      }),
      { seed: SEED, numRuns: RUNS, examples: DEPTH_EXAMPLES, endOnFailure: true },
    );
    console.log(
      `memory-vs-contract depth fuzz: ${runIndex} runs, ${stats.blocks} blocks, ${stats.actions} actions (${stats.refused} refused), ${stats.events} events; ` +
        `depths run ${[...depthsRun].sort()}, filled ${[...depthsFilled].sort()}, overflowed ${[...depthsOverflowed].sort()}; ` +
        `deepest cursor by depth ${[...deepestCursor].sort((a, b) => a[0] - b[0]).map(([d, c]) => `${d}:${c}`).join(" ")}\n` +
        `  events: ${[...eventNames].sort().map(([n, c]) => `${n} ${c}`).join(", ")}\n  refusals: ${[...errorNames].sort().map(([n, c]) => `${n} ${c}`).join(", ")}`,
    );
    // Every depth must have been run, filled and overflowed, and the main paths reached.
    for (let d = 1; d <= 8; d += 1) {
      expect(depthsRun.has(d), `depth ${d} never run`).toBe(true);
      expect(depthsFilled.has(d), `depth ${d} never filled`).toBe(true);
      expect(depthsOverflowed.has(d), `depth ${d} never overflowed`).toBe(true);
    }
    for (const name of ["TaskAwarded", "ResultSubmitted", "TaskRerouted", "FallbackSkipped", "TaskReopened", "TaskRefunded", "Withdrawn"]) {
      expect(eventNames.get(name) ?? 0, `no ${name} in the depth runs`).toBeGreaterThan(0);
    }
  }, 60_000);
});
