// A realistic, deterministic run for the report tests and for looking at report.html:
// 300 tasks over two hours, a us-east-1 outage from 30 to 60 minutes with a stepped recovery.
// The market loses a third of its running tasks to the outage but reroutes them to providers
// elsewhere; the centralized baseline (all in us-east-1) stops; multi-cloud fails over to a
// smaller region after a detection delay. Outcomes go through the real MetricsCollector.
import { resolveChainCost } from "../../sim/economics/chain-cost.js";
import { runEconomics } from "../../sim/economics/run-economics.js";
import { MetricsCollector } from "../../sim/metrics/collector.js";
import type { WorkloadTask } from "../../sim/model/workload.js";
import type { ReportInput, RunMetrics } from "../../sim/report/types.js";

const MINUTE = 60_000;
export const SAMPLE_DURATION_MS = 120 * MINUTE;
export const SAMPLE_BUCKET_MS = 5 * MINUTE;
/** Hard down from 30 to 60 minutes, then back in 2 steps over 10 minutes (at 65 and 70). */
export const SAMPLE_OUTAGE = {
  name: "us-east-1 regional outage",
  start: 30 * MINUTE,
  end: 70 * MINUTE,
  hardDownEnd: 60 * MINUTE,
  recoverySteps: [65 * MINUTE, 70 * MINUTE],
  scope: "region us-east-1",
};
const DEADLINE_MS = 10 * MINUTE;
const DETECTION_MS = 8 * MINUTE;
const GWEI = 1_000_000_000n;

/** mulberry32: a small deterministic PRNG, so the fixture is the same on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function sampleTasks(count: number, random: () => number): WorkloadTask[] {
  const arrivals = Array.from({ length: count }, () => Math.round(random() * (SAMPLE_DURATION_MS - MINUTE))).sort((a, b) => a - b);
  return arrivals.map((arrival, id) => {
    // Roughly log-normal sizes around a minute, 5 s to 5 min.
    const normal = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    const size = Math.min(300_000, Math.max(5_000, Math.round(60_000 * Math.exp(0.6 * normal))));
    return {
      id,
      arrival,
      size,
      maxPrice: 10n ** 16n,
      executionBudget: Math.ceil((size / 1_000) * 1.5),
      deadline: DEADLINE_MS,
      region: random() < 0.7 ? "any" : "us-east-1",
      poster: id % 4,
    };
  });
}

/** Wei for `ms` of compute at `weiPerSecond`. */
function cost(ms: number, weiPerSecond: bigint): bigint {
  return (BigInt(ms) * weiPerSecond) / 1_000n;
}

const inOutage = (time: number): boolean => time >= SAMPLE_OUTAGE.start && time < SAMPLE_OUTAGE.hardDownEnd;

function runMarket(tasks: readonly WorkloadTask[], random: () => number): MetricsCollector {
  const m = new MetricsCollector("market", tasks);
  const useast = (k: number): string => `provider-use1-${String(k).padStart(2, "0")}`;
  let gas = 0n;
  for (const task of tasks) {
    gas += 120_000n + 3n * 62_000n + 95_000n; // post, three bids, award
    const bidWindow = 20_000 + Math.round(random() * 25_000);
    const speed = 1 + random() * 0.5;
    const run = Math.round(task.size / speed);
    const start = task.arrival + bidWindow;
    const weiPerSecond = 7_000n * GWEI + BigInt(Math.round(random() * 2_500)) * GWEI;
    // Providers hosted in us-east-1 (about a third of the winners) fail when the outage hits them.
    const hit = (inOutage(start) || (start < SAMPLE_OUTAGE.start && start + run > SAMPLE_OUTAGE.start)) && random() < 0.4;
    if (!hit) {
      m.completed(task.id, start + run + 6_000 + Math.round(random() * 6_000), cost(task.size, weiPerSecond));
      gas += 78_000n;
      continue;
    }
    // The assignee goes dark; after its execution budget the keeper reroutes and slashes it.
    const failedAt = Math.max(start, SAMPLE_OUTAGE.start);
    m.lostComputeMs += Math.max(0, failedAt - start);
    const rerouteAt = start + task.executionBudget * 1_000 + 12_000;
    m.rerouted(task.id, rerouteAt, useast(task.id % 17), null, "deadlineMissed");
    m.slashes += 1;
    m.slashedWei += 2n * 10n ** 15n;
    gas += 104_000n;
    const roll = random();
    if (roll < 0.05) {
      // No fallback bid left and the re-auction finds nobody: the poster gets the escrow back.
      m.reauctioned(task.id);
      m.refunded(task.id);
      gas += 70_000n + 55_000n;
      continue;
    }
    // The providers left outside us-east-1 are busy with everyone's rerouted work: a queue.
    let resumeAt = rerouteAt + 8_000 + Math.round(random() * 8 * MINUTE);
    if (roll < 0.3) {
      m.reauctioned(task.id); // the fallback bids were all from us-east-1: a new bidding round
      resumeAt += 60_000 + Math.round(random() * 2 * MINUTE);
      gas += 70_000n + 2n * 62_000n + 95_000n;
    }
    const price = cost(task.size, weiPerSecond + 1_500n * GWEI);
    m.completed(task.id, resumeAt + Math.round(task.size / speed) + 6_000, price);
    gas += 78_000n;
  }
  m.gasUsed = gas;
  m.blocks = Math.ceil((SAMPLE_DURATION_MS + 2 * DEADLINE_MS) / 12_000);
  return m;
}

interface Slot {
  node: string;
  freeAt: number;
  /** When this slot is back after the outage (Infinity: never down). */
  recoverAt: number;
  /** Only usable in this window (failover capacity). */
  window?: [number, number];
  weiPerSecond: bigint;
}

/** Earliest start on `slot` for a task ready at `ready`, or null when the slot cannot take it. */
function startOn(slot: Slot, ready: number): number | null {
  let start = Math.max(ready, slot.freeAt);
  if (slot.window !== undefined) {
    start = Math.max(start, slot.window[0]);
    if (start >= slot.window[1]) return null;
  }
  // A slot in the outage region cannot start work between the outage start and its recovery.
  if (slot.recoverAt !== Infinity && start >= SAMPLE_OUTAGE.start && start < slot.recoverAt) start = slot.recoverAt;
  return start;
}

/**
 * A FIFO queue over slots: each task takes the slot where it starts first. Work running on a
 * us-east-1 slot at the outage start is lost; it restarts on the failover (after the detection
 * delay) when there is one, else on the same slot once it recovers.
 */
function runSites(name: string, tasks: readonly WorkloadTask[], slots: Slot[], failover: boolean): MetricsCollector {
  const m = new MetricsCollector(name, tasks);
  for (const task of tasks) {
    let best: { slot: Slot; start: number } | null = null;
    for (const slot of slots) {
      const start = startOn(slot, task.arrival);
      if (start !== null && (best === null || start < best.start)) best = { slot, start };
    }
    if (best === null) continue; // nowhere to run it: unfinished
    let { slot, start } = best;
    let end = start + task.size;
    if (slot.recoverAt !== Infinity && start < SAMPLE_OUTAGE.start && end > SAMPLE_OUTAGE.start) {
      // Killed by the outage: the work so far is lost.
      m.lostComputeMs += SAMPLE_OUTAGE.start - start;
      slot.freeAt = SAMPLE_OUTAGE.start;
      const ready = failover ? SAMPLE_OUTAGE.start + DETECTION_MS : SAMPLE_OUTAGE.start;
      let next: { slot: Slot; start: number } | null = null;
      for (const s of slots) {
        if (failover && s.recoverAt !== Infinity) continue; // primary is down: fail over
        const st = startOn(s, ready);
        if (st !== null && (next === null || st < next.start)) next = { slot: s, start: st };
      }
      if (next === null) {
        next = { slot, start: slot.recoverAt };
      } else if (next.slot.node !== slot.node) {
        m.rerouted(task.id, ready, slot.node, next.slot.node, "failover");
      }
      slot = next.slot;
      start = next.start;
      end = start + task.size;
    }
    slot.freeAt = end;
    m.completed(task.id, end + 2_000, cost(task.size, slot.weiPerSecond));
  }
  return m;
}

function usEastSlots(node: string, count: number, weiPerSecond: bigint): Slot[] {
  // Capacity returns in steps after the outage: a third at 60 min, then more every 5 min.
  return Array.from({ length: count }, (_, i) => ({
    node,
    freeAt: 0,
    recoverAt: SAMPLE_OUTAGE.hardDownEnd + Math.floor((i * 3) / count) * 5 * MINUTE,
    weiPerSecond,
  }));
}

/** The sample run's metrics (market, centralized, multi-cloud) for `seed`. */
export function sampleRun(seed = 42): { metrics: RunMetrics; collectors: MetricsCollector[] } {
  const random = prng(seed);
  const tasks = sampleTasks(300, random);
  const market = runMarket(tasks, random);
  const centralized = runSites("centralized", tasks, usEastSlots("centralized", 6, 11_000n * GWEI), false);
  const multiCloud = runSites(
    "multiCloud",
    tasks,
    [
      ...usEastSlots("multiCloud.primary", 6, 11_000n * GWEI),
      ...Array.from({ length: 3 }, () => ({
        node: "multiCloud.failover",
        freeAt: 0,
        recoverAt: Infinity,
        window: [SAMPLE_OUTAGE.start + DETECTION_MS, SAMPLE_OUTAGE.hardDownEnd] as [number, number],
        weiPerSecond: 16_000n * GWEI,
      })),
    ],
    true,
  );
  const summary = { duration: SAMPLE_DURATION_MS, bucket: SAMPLE_BUCKET_MS };
  const systems = { market: market.summarize(summary), centralized: centralized.summarize(summary), multiCloud: multiCloud.summarize(summary) };
  return {
    metrics: {
      scenario: "aws-us-east-1-2025-10-20",
      seed,
      ledger: "chain",
      systems,
      economics: runEconomics(systems, resolveChainCost({ preset: "l2-rollup" })),
    },
    collectors: [market, centralized, multiCloud],
  };
}

/**
 * Each system's share of its capacity online per bucket, as the failure timeline would give it
 * for SAMPLE_OUTAGE: us-east-1 fully down until the hard-down end, half back at the first
 * recovery step, all back at the second. A third of the market's capacity and all of the
 * centralized site are in us-east-1; multi-cloud is a primary there (6) and a failover (3).
 */
export function sampleOnlineCapacity(): ReportInput["onlineCapacity"] {
  const [step1, step2] = SAMPLE_OUTAGE.recoverySteps as [number, number];
  const down = (t: number): number => (t < SAMPLE_OUTAGE.start || t >= step2 ? 0 : t < step1 ? 1 : 0.5);
  const buckets = Math.ceil(SAMPLE_DURATION_MS / SAMPLE_BUCKET_MS);
  // The mean over each bucket, by the minute (every change falls on a whole minute).
  const mean = (share: (t: number) => number, b: number): number => {
    let sum = 0;
    for (let m = 0; m < SAMPLE_BUCKET_MS / MINUTE; m += 1) sum += share(b * SAMPLE_BUCKET_MS + m * MINUTE);
    return Math.round((sum / (SAMPLE_BUCKET_MS / MINUTE)) * 1e6) / 1e6;
  };
  const series = (share: (t: number) => number): number[] => Array.from({ length: buckets }, (_, b) => mean(share, b));
  return {
    market: series((t) => 1 - down(t) / 3),
    centralized: series((t) => 1 - down(t)),
    multiCloud: series((t) => (6 * (1 - down(t)) + 3) / 9),
  };
}

/** A complete ReportInput around `sampleRun`, as `bidmesh simulate` would hand it to the report. */
export function sampleReportInput(overrides: Partial<ReportInput> = {}, seed = 42): ReportInput {
  const { metrics, collectors } = sampleRun(seed);
  return {
    metrics,
    description:
      "AWS us-east-1, 2025-10-20, compressed: a DNS failure takes the region down for 30 minutes, then capacity returns in steps.\n" +
      "A third of the market's providers are hosted in us-east-1.",
    source: "AWS post-event summary, https://aws.amazon.com/message/101925/ (times scaled down)",
    durationMs: SAMPLE_DURATION_MS,
    bucketMs: SAMPLE_BUCKET_MS,
    outages: [SAMPLE_OUTAGE],
    onlineCapacity: sampleOnlineCapacity(),
    reroutes: collectors.flatMap((c) => c.rerouteLog.map((r) => ({ ...r, system: c.system }))),
    finalBlockHash: "0x8f3c2a91d04b7e65c1a0f9e2d3b4c5a69788f1e2d3c4b5a697887766554433aa",
    generatedBy: `bidmesh simulate --scenario aws-us-east-1-2025-10-20 --seed ${seed} --ledger chain`,
    ...overrides,
  };
}
