// The live market's key figures (GET /api/kpis, the stream's `kpis` event), folded from the
// market's trace as blocks commit: each record updates a few counters and the current bucket,
// so an answer never re-reads the chain or refolds history. Memory stays bounded: a task is
// held only while its outcome is open, latencies go into a log-scale histogram, and only the
// last MAX_BUCKETS buckets of the time series are kept.
//
// The figures follow metrics.json's (sim/metrics/collector.ts), so they read beside the
// baselines': a task is on time when its result lands within the scenario's deadline
// (workload.deadline) of its post. Shares are over *decided* tasks: completed on time, or past
// that deadline (late, refunded or still unfinished), so a task still inside its deadline
// counts neither for nor against.
import { formatEther } from "ethers";
import type { TraceRecord } from "../../sim/market/market-system.js";
import type { SystemMetrics } from "../../sim/metrics/collector.js";

/** Buckets of the time series kept (the charts' width). */
export const MAX_BUCKETS = 120;
/** Relative width of a latency histogram bin: p95 is exact to within 1%. */
const LATENCY_BIN_RATIO = 1.01;

export interface KpiFigures {
  tasksPosted: number;
  tasksCompleted: number;
  tasksRefunded: number;
  /** Completed on time, or past the deadline: the shares' denominator. */
  tasksDecided: number;
  /** Completed within the deadline, over decided tasks; null before any is decided. */
  onTimeShare: number | null;
  /** Completed, over decided tasks; null before any is decided. */
  completionShare: number | null;
  /** Post-to-result latency, virtual seconds, 95th percentile; null before a completion. */
  latencyP95Seconds: number | null;
  /** Mean payment per completed task: wei (decimal string) and ETH. */
  pricePerTaskWei: string | null;
  pricePerTaskEth: number | null;
  reroutes: number;
}

/** One bucket of virtual time: what happened in it. */
export interface KpiBucket {
  /** Virtual ms of the bucket's start. */
  start: number;
  posted: number;
  completed: number;
  /** Decided in this bucket: completed on time / passed the deadline unfinished. */
  onTime: number;
  late: number;
  onTimeShare: number | null;
  latencyP95Seconds: number | null;
  pricePerTaskEth: number | null;
  reroutes: number;
}

/** A baseline's figures on the scenario's workload (its first period), as `bidmesh simulate` gives them. */
export interface BaselineFigures {
  tasksPosted: number;
  onTimeShare: number;
  completionShare: number;
  latencyP95Seconds: number | null;
  pricePerTaskWei: string | null;
  pricePerTaskEth: number | null;
  reroutes: number;
}

export interface KpisJson {
  /** Virtual ms the figures reach (the latest block folded). */
  now: number;
  /** A task is on time within this many virtual seconds of its post (the scenario's deadline). */
  deadlineSeconds: number;
  /** Virtual ms per bucket of the series. */
  bucketMs: number;
  market: KpiFigures;
  /** Oldest first, at most MAX_BUCKETS; the last one is still filling. */
  series: KpiBucket[];
  baselines: { centralized: BaselineFigures; multiCloud: BaselineFigures } | null;
}

/** A task whose outcome is still open: not yet completed, or not yet decided. */
interface OpenTask {
  postedAt: number;
  completed: boolean;
  decided: boolean;
}

/** A latency histogram with log-spaced bins: bounded memory, p95 to within a bin. */
class LatencyHistogram {
  private readonly bins = new Map<number, number>();
  private count = 0;

  add(ms: number): void {
    const bin = ms <= 1 ? 0 : Math.ceil(Math.log(ms) / Math.log(LATENCY_BIN_RATIO));
    this.bins.set(bin, (this.bins.get(bin) ?? 0) + 1);
    this.count += 1;
  }

  /** The upper edge of the bin holding the nearest-rank p-th percentile, in seconds. */
  percentileSeconds(p: number): number | null {
    if (this.count === 0) return null;
    const rank = Math.max(1, Math.ceil((p / 100) * this.count));
    let seen = 0;
    for (const bin of [...this.bins.keys()].sort((a, b) => a - b)) {
      seen += this.bins.get(bin)!;
      if (seen >= rank) return Math.round(LATENCY_BIN_RATIO ** bin) / 1_000;
    }
    return null;
  }
}

interface BucketState {
  start: number;
  posted: number;
  completed: number;
  onTime: number;
  late: number;
  reroutes: number;
  paid: bigint;
  latencies: LatencyHistogram;
}

const share = (part: number, whole: number): number | null => (whole === 0 ? null : part / whole);
const eth = (wei: bigint | null): number | null => (wei === null ? null : Number(formatEther(wei)));

export class LiveKpis {
  private now = 0;
  private posted = 0;
  private completed = 0;
  private refunded = 0;
  private onTime = 0;
  private late = 0;
  private reroutes = 0;
  private paid = 0n;
  private readonly latencies = new LatencyHistogram();
  private readonly open = new Map<number, OpenTask>();
  /** Task ids in post order: their deadlines fall in the same order (one deadline for all). */
  private readonly deadlines: number[] = [];
  private deadlineHead = 0;
  private readonly buckets: BucketState[] = [];

  constructor(
    /** The scenario's deadline (ms): on time means a result within it of the post. */
    private readonly deadlineMs: number,
    readonly bucketMs: number,
    private readonly baselines: KpisJson["baselines"] = null,
  ) {
    if (!(bucketMs > 0)) throw new RangeError(`bucketMs ${bucketMs} is not positive`);
  }

  /** Folds one trace record of the market (blocks move the clock; market events the counts). */
  observe(record: TraceRecord): void {
    const t = record.t;
    if (t > this.now) this.advance(t);
    switch (record.type) {
      case "market.TaskPosted": {
        const taskId = record["taskId"] as number;
        this.open.set(taskId, { postedAt: t, completed: false, decided: false });
        this.deadlines.push(taskId);
        this.posted += 1;
        this.bucket(t).posted += 1;
        break;
      }
      case "market.ResultSubmitted": {
        const taskId = record["taskId"] as number;
        const task = this.open.get(taskId);
        if (task === undefined || task.completed) break; // posted before this market started
        const payment = record["payment"] as bigint;
        const latency = t - task.postedAt;
        const bucket = this.bucket(t);
        task.completed = true;
        this.completed += 1;
        this.paid += payment;
        this.latencies.add(latency);
        bucket.completed += 1;
        bucket.paid += payment;
        bucket.latencies.add(latency);
        if (!task.decided && latency <= this.deadlineMs) {
          task.decided = true;
          this.onTime += 1;
          bucket.onTime += 1;
        }
        if (task.decided) this.open.delete(taskId);
        break;
      }
      case "market.TaskRefunded": {
        const taskId = record["taskId"] as number;
        const task = this.open.get(taskId);
        if (task === undefined) break;
        this.refunded += 1;
        // A refund settles the task: it is decided late now, if its deadline has not come yet.
        if (!task.decided) this.decideLate(task, t);
        this.open.delete(taskId);
        break;
      }
      case "market.TaskRerouted":
        this.reroutes += 1;
        this.bucket(t).reroutes += 1;
        break;
      default:
        break;
    }
  }

  snapshot(): KpisJson {
    const completedPaid = this.completed === 0 ? null : this.paid / BigInt(this.completed);
    const decided = this.onTime + this.late;
    return {
      now: this.now,
      deadlineSeconds: this.deadlineMs / 1_000,
      bucketMs: this.bucketMs,
      market: {
        tasksPosted: this.posted,
        tasksCompleted: this.completed,
        tasksRefunded: this.refunded,
        tasksDecided: decided,
        onTimeShare: share(this.onTime, decided),
        // Every completed task is decided (on time, or it passed its deadline before completing).
        completionShare: share(this.completed, Math.max(decided, this.completed)),
        latencyP95Seconds: this.latencies.percentileSeconds(95),
        pricePerTaskWei: completedPaid === null ? null : completedPaid.toString(),
        pricePerTaskEth: eth(completedPaid),
        reroutes: this.reroutes,
      },
      series: this.buckets.map((b) => {
        const price = b.completed === 0 ? null : b.paid / BigInt(b.completed);
        return {
          start: b.start,
          posted: b.posted,
          completed: b.completed,
          onTime: b.onTime,
          late: b.late,
          onTimeShare: share(b.onTime, b.onTime + b.late),
          latencyP95Seconds: b.latencies.percentileSeconds(95),
          pricePerTaskEth: eth(price),
          reroutes: b.reroutes,
        };
      }),
      baselines: this.baselines,
    };
  }

  /** Moves the clock to `t`: tasks whose deadline passed unfinished are decided late. */
  private advance(t: number): void {
    this.now = t;
    while (this.deadlineHead < this.deadlines.length) {
      const taskId = this.deadlines[this.deadlineHead]!;
      const task = this.open.get(taskId);
      if (task !== undefined && task.postedAt + this.deadlineMs >= t) break;
      this.deadlineHead += 1;
      if (task === undefined || task.decided) continue;
      this.decideLate(task, task.postedAt + this.deadlineMs);
      if (task.completed) this.open.delete(taskId);
    }
    // Drop the ids already passed, now and then, so the queue holds only open deadlines.
    if (this.deadlineHead > 1_024 && this.deadlineHead * 2 > this.deadlines.length) {
      this.deadlines.splice(0, this.deadlineHead);
      this.deadlineHead = 0;
    }
    this.bucket(t);
  }

  private decideLate(task: OpenTask, at: number): void {
    task.decided = true;
    this.late += 1;
    this.bucket(at).late += 1;
  }

  /** The bucket of time `t`, opening (empty) buckets up to it; only the last MAX_BUCKETS stay. */
  private bucket(t: number): BucketState {
    const start = Math.floor(t / this.bucketMs) * this.bucketMs;
    let last = this.buckets.at(-1);
    if (last !== undefined && start <= last.start) {
      // Times only move forward; an earlier time (a decision dated at its deadline) goes into its bucket if kept.
      for (let i = this.buckets.length - 1; i >= 0; i -= 1) if (this.buckets[i]!.start <= start) return this.buckets[i]!;
      return this.buckets[0]!;
    }
    let next = last === undefined ? start : last.start + this.bucketMs;
    // A long quiet stretch opens at most MAX_BUCKETS empty buckets.
    if (start - next > MAX_BUCKETS * this.bucketMs) next = start - MAX_BUCKETS * this.bucketMs;
    for (; next <= start; next += this.bucketMs) {
      last = { start: next, posted: 0, completed: 0, onTime: 0, late: 0, reroutes: 0, paid: 0n, latencies: new LatencyHistogram() };
      this.buckets.push(last);
      if (this.buckets.length > MAX_BUCKETS) this.buckets.shift();
    }
    return last!;
  }
}

/** A baseline's metrics.json figures, in the KPI panel's terms. */
export function baselineFigures(m: SystemMetrics): BaselineFigures {
  const price = m.pricePerCompletedTaskWei === null ? null : BigInt(m.pricePerCompletedTaskWei);
  return {
    tasksPosted: m.tasksPosted,
    onTimeShare: m.onTimeRate,
    completionShare: m.completionRate,
    latencyP95Seconds: m.latencyMs.p95 === null ? null : m.latencyMs.p95 / 1_000,
    pricePerTaskWei: m.pricePerCompletedTaskWei,
    pricePerTaskEth: eth(price),
    reroutes: m.reroutes,
  };
}
