import type { WorkloadTask } from "../model/workload.js";
import type { GasBySender, Party, PartyGas } from "./gas-by-party.js";

/**
 * Why a task's work moved: the keeper rerouted it after its assignee missed the deadline; the
 * assignee gave it up before the deadline (the market's abandon, a voluntary hand-back); or a
 * baseline restarted it at its failover site after the site under it failed.
 */
export type RerouteReason = "deadlineMissed" | "abandoned" | "failover";
export const REROUTE_REASONS: readonly RerouteReason[] = ["deadlineMissed", "abandoned", "failover"];

/** What happened to one task in one system. */
export interface TaskOutcome {
  /** Result delivered (ms), if it was. */
  completedAt?: number;
  /** What the poster paid, in wei (market: the payment; baselines: list price × size). */
  price?: bigint;
  /** Escrow returned without a result (market only). */
  refunded?: boolean;
  /** The node that delivered the result (`group#i`, or the baseline site's node id). */
  completedBy?: string;
  reroutes: number;
  reauctions: number;
}

/**
 * Collects a system's outcomes as the simulation runs; `summarize` turns them into the metrics
 * of metrics.json. One collector per system, fed the same workload.
 */
export class MetricsCollector {
  private readonly outcomes: TaskOutcome[];
  /** Compute-milliseconds of work lost when nodes failed under it. */
  lostComputeMs = 0;
  slashes = 0;
  slashedWei = 0n;
  /** null when the system has no gas (baselines, memory ledger). */
  gasUsed: bigint | null = null;
  /** The same gas by who sent it; null where gasUsed is. */
  gasBySender: GasBySender | null = null;
  blocks = 0;
  /** (time, taskId, from, to) of every reroute, for the report's timeline. */
  readonly rerouteLog: Array<{ time: number; task: number; from: string; to: string | null }> = [];
  /** Reroutes by why they happened (their sum is the tasks' reroutes). */
  readonly reroutesByReason: Record<RerouteReason, number> = { deadlineMissed: 0, abandoned: 0, failover: 0 };

  constructor(
    readonly system: string,
    readonly tasks: readonly WorkloadTask[],
  ) {
    this.outcomes = tasks.map(() => ({ reroutes: 0, reauctions: 0 }));
  }

  outcome(taskId: number): TaskOutcome {
    const outcome = this.outcomes[taskId];
    if (outcome === undefined) throw new RangeError(`task ${taskId} is not in the workload`);
    return outcome;
  }

  completed(taskId: number, time: number, price: bigint, by?: string): void {
    const o = this.outcome(taskId);
    if (o.completedAt !== undefined) throw new Error(`${this.system}: task ${taskId} completed twice`);
    o.completedAt = time;
    o.price = price;
    if (by !== undefined) o.completedBy = by;
  }

  /** Every task's outcome, in workload order (for per-task tables such as an experiment's tasks.parquet). */
  taskOutcomes(): readonly Readonly<TaskOutcome>[] {
    return this.outcomes;
  }

  refunded(taskId: number): void {
    this.outcome(taskId).refunded = true;
  }

  rerouted(taskId: number, time: number, from: string, to: string | null, reason: RerouteReason): void {
    this.outcome(taskId).reroutes += 1;
    this.reroutesByReason[reason] += 1;
    this.rerouteLog.push({ time, task: taskId, from, to });
  }

  reauctioned(taskId: number): void {
    this.outcome(taskId).reauctions += 1;
  }

  summarize(options: { duration: number; bucket: number }): SystemMetrics {
    return summarize(this, this.outcomes, options);
  }
}

/** The metrics of one system, as metrics.json holds them. Times in ms, money in wei strings. */
export interface SystemMetrics {
  tasksPosted: number;
  tasksCompleted: number;
  tasksRefunded: number;
  tasksUnfinished: number;
  completionRate: number;
  /** Share completed within their deadline. */
  onTimeRate: number;
  latencyMs: { p50: number | null; p95: number | null; p99: number | null; mean: number | null };
  pricePerCompletedTaskWei: string | null;
  /**
   * Everything paid over the tasks delivered within their deadline: what a poster pays per task
   * that was of use. Unlike the price per completed task, it rises when work comes late.
   */
  pricePerOnTimeTaskWei: string | null;
  totalPaidWei: string;
  computeSecondsLost: number;
  /** Every time a task's work moved to another node; split by why in reroutesByReason. */
  reroutes: number;
  /** deadlineMissed: the keeper moved it after the deadline; abandoned: the assignee handed it back before; failover: a baseline restarted it at its failover site. */
  reroutesByReason: Record<RerouteReason, number>;
  reauctions: number;
  slashes: number;
  slashedWei: string;
  gasUsed: string | null;
  gasPerCompletedTask: string | null;
  /** gasUsed split by who sent the transactions (each sender pays its own, as on a real chain); null where gasUsed is. */
  gasByParty: Record<Party, PartyGas> | null;
  blocks: number;
  /** Per bucket of arrival time: tasks arrived, share done within deadline. */
  availability: Array<{ start: number; tasks: number; onTime: number; share: number | null }>;
  /** Cumulative completions at each bucket end. */
  completionsOverTime: Array<{ time: number; completed: number }>;
  /** Post-to-result latencies of every completed task, sorted (for the report's distribution). */
  latenciesMs: number[];
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

function summarize(c: MetricsCollector, outcomes: readonly TaskOutcome[], options: { duration: number; bucket: number }): SystemMetrics {
  const latencies: number[] = [];
  let paid = 0n;
  let completed = 0;
  let refunded = 0;
  let onTime = 0;
  let reroutes = 0;
  let reauctions = 0;
  const buckets = Math.max(1, Math.ceil(options.duration / options.bucket));
  const availability = Array.from({ length: buckets }, (_, i) => ({ start: i * options.bucket, tasks: 0, onTime: 0, share: null as number | null }));
  const doneTimes: number[] = [];
  c.tasks.forEach((task, i) => {
    const o = outcomes[i]!;
    reroutes += o.reroutes;
    reauctions += o.reauctions;
    const bucket = availability[Math.min(buckets - 1, Math.floor(task.arrival / options.bucket))]!;
    bucket.tasks += 1;
    if (o.completedAt !== undefined) {
      completed += 1;
      paid += o.price ?? 0n;
      latencies.push(o.completedAt - task.arrival);
      doneTimes.push(o.completedAt);
      if (o.completedAt - task.arrival <= task.deadline) {
        onTime += 1;
        bucket.onTime += 1;
      }
    } else if (o.refunded === true) {
      refunded += 1;
    }
  });
  for (const b of availability) b.share = b.tasks === 0 ? null : b.onTime / b.tasks;
  latencies.sort((a, b) => a - b);
  doneTimes.sort((a, b) => a - b);
  const completionsOverTime: Array<{ time: number; completed: number }> = [];
  let k = 0;
  for (let i = 1; i <= buckets; i += 1) {
    const end = i * options.bucket;
    while (k < doneTimes.length && doneTimes[k]! <= end) k += 1;
    completionsOverTime.push({ time: end, completed: k });
  }
  const posted = c.tasks.length;
  return {
    tasksPosted: posted,
    tasksCompleted: completed,
    tasksRefunded: refunded,
    tasksUnfinished: posted - completed - refunded,
    completionRate: posted === 0 ? 0 : completed / posted,
    onTimeRate: posted === 0 ? 0 : onTime / posted,
    latencyMs: {
      p50: percentile(latencies, 50),
      p95: percentile(latencies, 95),
      p99: percentile(latencies, 99),
      mean: latencies.length === 0 ? null : Math.round(latencies.reduce((s, x) => s + x, 0) / latencies.length),
    },
    pricePerCompletedTaskWei: completed === 0 ? null : (paid / BigInt(completed)).toString(),
    pricePerOnTimeTaskWei: onTime === 0 ? null : (paid / BigInt(onTime)).toString(),
    totalPaidWei: paid.toString(),
    computeSecondsLost: Math.round(c.lostComputeMs / 1_000),
    reroutes,
    reroutesByReason: { ...c.reroutesByReason },
    reauctions,
    slashes: c.slashes,
    slashedWei: c.slashedWei.toString(),
    gasUsed: c.gasUsed === null ? null : c.gasUsed.toString(),
    gasPerCompletedTask: c.gasUsed === null || completed === 0 ? null : (c.gasUsed / BigInt(completed)).toString(),
    gasByParty: c.gasBySender?.summarize() ?? null,
    blocks: c.blocks,
    availability,
    completionsOverTime,
    latenciesMs: latencies,
  };
}
