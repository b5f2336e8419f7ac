// A fault-swarm scenario drawn from one seed: the seed picks the providers and the fault mix
// (independent crashes, regional and dependency outages, flapping, whole groups offline, up to
// every provider but one), and the result is validated through the project's scenario schema,
// so the swarm only ever runs scenarios a user could have written.
import { RandomStream } from "../../sim/engine/rng.js";
import { parseScenario } from "../../sim/scenario/load.js";
import type { Scenario } from "../../sim/scenario/schema.js";

/** Every fault lies in [0, FAULT_WINDOW_MS) of simulated time (crashes may overrun a little). */
export const FAULT_WINDOW_MS = 6 * 60_000;
/** Arrivals go on until here: tasks keep arriving after the faults stop. */
const DURATION_MS = 8 * 60_000;
const REGIONS = ["r1", "r2", "r3"] as const;
/** The lone provider's region: no regional outage ever names it, so one provider always survives. */
const LONE_REGION = "r0";
const DEPENDENCIES = ["cloud-a", "cdn-b"] as const;
/** Largest task (s) and longest mean crash repair (s) the swarm draws. */
const MAX_TASK_S = 90;
const MAX_MTTR_S = 90;

/** Seconds as a duration string: "37s". */
const s = (seconds: number): string => `${seconds}s`;
/** Wei per compute-second, as the ETH string the schema takes. */
const ethPerSecond = (microEth: number): string => (microEth / 1_000_000).toFixed(7);

/** How long any task may take to end once faults have stopped (ms), for this scenario's market. */
export function settleBound(scenario: Scenario): number {
  const { blockInterval: b, workload } = scenario;
  const { bidWindow: w, fallbackDepth: d, maxRounds: r } = scenario.market;
  const maxBudgetMs = Math.ceil((workload.taskSize.max / 1_000) * workload.executionSlack) * 1_000;
  // A round: the bid window, the close at the next block, then each kept bid awarded in turn
  // and (worst case) missing its deadline, the keeper rerouting at the block after it. The
  // round in progress when faults stop plus every round left, and the block that posts a task.
  const round = w + b + d * (maxBudgetMs + 2 * b);
  return (r + 1) * round + b;
}

/** The swarm scenario of `seed` (the seed is also the run's seed). */
export function swarmScenario(seed: number): Scenario {
  const rng = RandomStream.root(seed).fork("swarm-scenario");
  // Stakes and slashes from their own stream: thin stakes that slashes drain below minStake, so
  // fallbacks get skipped for want of free stake and drained providers' bids are refused.
  const stakeRng = RandomStream.root(seed).fork("swarm-stakes");
  const blockSeconds = rng.pick([2, 5, 10]);
  const groups: Array<Record<string, unknown>> = [];
  const crashy = rng.bernoulli(0.6);
  const groupCount = rng.int(2, 4);
  for (let g = 0; g < groupCount; g += 1) {
    const kind = rng.int(0, 2);
    const strategy =
      kind === 0
        ? { kind: "cost-plus", markup: rng.uniform(0.05, 0.5) }
        : kind === 1
          ? { kind: "undercut", step: rng.uniform(0.02, 0.2), floorMarkup: rng.uniform(0.05, 0.3) }
          : { kind: "random-band", low: rng.uniform(0.05, 0.2), high: rng.uniform(0.2, 0.6) };
    const dependsOn = DEPENDENCIES.filter(() => rng.bernoulli(0.4));
    const group: Record<string, unknown> = {
      group: `g${g}`,
      count: rng.int(1, 3),
      region: rng.pick(REGIONS),
      dependsOn,
      capacity: rng.int(1, 3),
      speed: rng.pick([0.5, 1, 1, 1.5, 2]),
      costPerSecond: ethPerSecond(rng.int(1, 5)),
      strategy,
      stake: stakeRng.pick(["0.06", "0.12", "0.5"]),
    };
    // The crash rate: mean time between crashes from one to ten minutes.
    if (crashy && rng.bernoulli(0.7)) Object.assign(group, { mtbf: s(rng.int(60, 600)), mttr: s(rng.int(10, MAX_MTTR_S)) });
    groups.push(group);
  }
  // One provider in a region of its own, never in an outage and never crashing: the survivor.
  groups.push({ group: "lone", count: 1, region: LONE_REGION, capacity: rng.int(2, 4), costPerSecond: ethPerSecond(rng.int(1, 5)), strategy: { kind: "cost-plus", markup: 0.2 }, stake: "0.5" });

  const usedDependencies = DEPENDENCIES.filter((d) => groups.some((g) => (g["dependsOn"] as string[] | undefined)?.includes(d)));
  const outages: Array<Record<string, unknown>> = [];
  const windowSeconds = FAULT_WINDOW_MS / 1_000;
  const outageWindow = (): { start: string; duration: string; startS: number; durationS: number } => {
    const startS = rng.int(0, windowSeconds - 30);
    const durationS = rng.int(10, windowSeconds - startS);
    return { start: s(startS), duration: s(durationS), startS, durationS };
  };
  const outageCount = rng.int(0, 3);
  for (let i = 0; i < outageCount; i += 1) {
    const kind = rng.int(0, 2);
    const scope =
      kind === 0 || usedDependencies.length === 0
        ? { region: rng.pick(REGIONS) }
        : kind === 1
          ? { dependency: rng.pick(usedDependencies) }
          : { providers: [`g${rng.int(0, groupCount - 1)}`] };
    const w = outageWindow();
    const outage: Record<string, unknown> = { name: `outage-${i}`, scope, start: w.start, duration: w.duration };
    if (rng.bernoulli(0.4) && w.durationS >= 4) {
      outage["flapping"] = { period: s(rng.int(2, Math.min(60, w.durationS))), upFraction: rng.uniform(0.1, 0.9), for: s(rng.int(1, w.durationS)) };
    }
    outages.push(outage);
  }
  // Sometimes every group but the lone provider goes down at once, for a while.
  if (rng.bernoulli(0.3)) {
    const w = outageWindow();
    outages.push({ name: "all-but-one", scope: { providers: groups.slice(0, groupCount).map((g) => g["group"]) }, start: w.start, duration: w.duration });
  }

  const slashBps = stakeRng.int(0, 5_000);
  const market = {
    bidWindow: s(blockSeconds * rng.int(2, 5)),
    fallbackDepth: rng.int(1, 4),
    maxRounds: rng.int(1, 4),
    minStake: "0.05",
    slashBps,
    abandonSlashBps: stakeRng.int(0, slashBps),
    // Keepers paid in about half the swarm (no draw of its own, so the other draws stay as they were).
    keeperFee: slashBps % 2 === 1 ? "0.0001" : "0",
  };
  const executionSlack = rng.uniform(1.5, 3);
  const regionPreference: Record<string, number> = { any: rng.uniform(0.2, 1) };
  for (const region of REGIONS) if (rng.bernoulli(0.5)) regionPreference[region] = rng.uniform(0, 0.5);

  const data = {
    name: `swarm-${seed}`,
    description: `fault swarm scenario of seed ${seed}`,
    seed,
    duration: `${DURATION_MS}ms`,
    blockInterval: s(blockSeconds),
    regions: [LONE_REGION, ...REGIONS],
    providers: groups,
    workload: {
      posters: rng.int(1, 3),
      arrivals: { ratePerMinute: rng.uniform(1, 5) },
      taskSize: { median: s(rng.int(10, 40)), sigma: 0.5, max: s(MAX_TASK_S) },
      maxPricePerSecond: "0.00002",
      executionSlack,
      deadline: "10m",
      regionPreference,
      mechanism: rng.pick(["first-price", "second-price"]),
    },
    market,
    failures: { crashes: crashy, outages },
    baselines: {
      centralized: { region: "r1", capacity: 4, pricePerSecond: "0.00001" },
      multiCloud: {
        primary: { region: "r1", capacity: 4, pricePerSecond: "0.00001" },
        failover: { region: "r2", capacity: 3, pricePerSecond: "0.000012" },
        detectionDelay: "1m",
      },
    },
  };
  return parseScenario(data, `swarm seed ${seed}`);
}
