import type { RandomStream } from "../engine/rng.js";
import type { Outage, OutageScope, Scenario } from "../scenario/schema.js";

// The failure timeline: when each node (provider or baseline site) is down, computed up front
// from the scenario's data (outages) and a seeded stream (independent crashes). The simulator
// turns `transitions()` into engine events; recovery policy lives elsewhere.

/** A node the timeline covers: a provider (`group#i`) or a baseline site. */
export interface FailureNode {
  id: string;
  kind: "provider" | "baseline";
  /** Provider group; undefined for baseline sites. */
  group?: string;
  region: string;
  dependsOn: readonly string[];
  /** Independent crash process (ms), when the scenario enables it for this node. */
  crashes?: { mtbf: number; mttr: number };
}

/** A time [start, end) in ms when a node is fully down, and why ("crash", outage names joined by "+"). */
export interface DownInterval {
  start: number;
  end: number;
  cause: string;
}

/** A change of a node's state; providers go between 0 and 1, baseline sites also step between. */
export interface NodeTransition {
  time: number;
  nodeId: string;
  /** Capacity above 0. */
  up: boolean;
  /** Fraction of capacity up from this time on, 0..1. */
  capacity: number;
}

/** An outage's window for the report: from its start to the end of its recovery. */
export interface OutageWindow {
  name: string;
  start: number;
  /** When its capacity is fully back: the end of the recovery (hardDownEnd without one). */
  end: number;
  /** Where the hard-down part ends and the recovery (if any) begins: start + duration. */
  hardDownEnd: number;
  /** Times of the recovery steps 1..steps, ascending (the last is `end`); empty without a recovery. */
  recoverySteps: number[];
  scope: OutageScope;
  /** Node ids it affects, sorted. */
  affected: string[];
}

/** Capacity is `capacity` from `time` on, until the next step; `causes` are what limits it. */
interface CapacityStep {
  time: number;
  capacity: number;
  causes: string[];
}

/** A limit on a node's capacity over [start, end) from one cause. */
interface Limit {
  start: number;
  end: number;
  capacity: number;
  cause: string;
}

/**
 * Which nodes a scenario has: every provider (`${group}#${i}`, i from 0, in scenario order),
 * then `centralized`, `multiCloud.primary`, `multiCloud.failover`.
 */
export function listFailureNodes(scenario: Scenario): FailureNode[] {
  const nodes: FailureNode[] = [];
  for (const group of scenario.providers) {
    const crashes =
      scenario.failures.crashes && group.mtbf !== undefined && group.mttr !== undefined ? { mtbf: group.mtbf, mttr: group.mttr } : undefined;
    for (let i = 0; i < group.count; i += 1) {
      nodes.push({ id: `${group.group}#${i}`, kind: "provider", group: group.group, region: group.region, dependsOn: group.dependsOn, crashes });
    }
  }
  const { centralized, multiCloud } = scenario.baselines;
  nodes.push({ id: "centralized", kind: "baseline", region: centralized.region, dependsOn: centralized.dependsOn });
  nodes.push({ id: "multiCloud.primary", kind: "baseline", region: multiCloud.primary.region, dependsOn: multiCloud.primary.dependsOn });
  nodes.push({ id: "multiCloud.failover", kind: "baseline", region: multiCloud.failover.region, dependsOn: multiCloud.failover.dependsOn });
  return nodes;
}

/** Whether an outage's scope covers a node. */
export function outageAffects(scope: OutageScope, node: FailureNode): boolean {
  if ("region" in scope) return node.region === scope.region;
  if ("dependency" in scope) return node.dependsOn.includes(scope.dependency);
  return node.group !== undefined && scope.providers.includes(node.group);
}

/**
 * Orders node ids by group, then index as a number (`g#2` before `g#10`); baselines by name.
 */
export function compareNodeIds(a: string, b: string): number {
  const [ga, ia] = splitNodeId(a);
  const [gb, ib] = splitNodeId(b);
  if (ga !== gb) return ga < gb ? -1 : 1;
  return ia - ib;
}

/**
 * Builds every node's failure timeline. Crashes draw from `rng.fork("failures").fork("crashes")
 * .fork(nodeId)`, so one node's crash times depend only on the seed and its id: adding a group
 * changes no other node's crashes. Outages are deterministic (they are data).
 * @example
 * const timeline = buildFailureTimeline(scenario, RandomStream.root(scenario.seed));
 * for (const t of timeline.transitions()) engine.schedule(t.time, { kind: "transition", ...t });
 */
export function buildFailureTimeline(scenario: Scenario, rng: RandomStream): FailureTimeline {
  const duration = scenario.duration;
  const nodes = listFailureNodes(scenario);
  const limits = new Map<string, Limit[]>(nodes.map((n) => [n.id, []]));
  const crashRng = rng.fork("failures").fork("crashes");

  for (const node of nodes) {
    if (node.crashes !== undefined) limits.get(node.id)!.push(...crashLimits(node.crashes, duration, crashRng.fork(node.id)));
  }

  const windows: OutageWindow[] = [];
  for (const outage of scenario.failures.outages) {
    const affected = nodes.filter((n) => outageAffects(outage.scope, n));
    const providers = affected.filter((n) => n.kind === "provider").sort((a, b) => compareNodeIds(a.id, b.id));
    providers.forEach((node, k) => {
      // Provider k of n comes back at recovery step floor(k·steps/n) + 1.
      const step = outage.recovery === undefined ? undefined : Math.floor((k * outage.recovery.steps) / providers.length) + 1;
      limits.get(node.id)!.push(...providerOutageLimits(outage, step));
    });
    for (const node of affected.filter((n) => n.kind === "baseline")) limits.get(node.id)!.push(...baselineOutageLimits(outage));
    windows.push({
      name: outage.name,
      start: outage.start,
      end: Math.min(duration, outageEnd(outage)),
      hardDownEnd: Math.min(duration, outage.start + outage.duration),
      recoverySteps:
        outage.recovery === undefined
          ? []
          : Array.from({ length: outage.recovery.steps }, (_, s) => Math.min(duration, recoveryStepTime(outage, s + 1))),
      scope: outage.scope,
      affected: affected.map((n) => n.id).sort(compareNodeIds),
    });
  }

  const profiles = new Map<string, CapacityStep[]>();
  for (const node of nodes) profiles.set(node.id, capacityProfile(limits.get(node.id)!, duration));
  return new FailureTimeline(duration, nodes, profiles, windows);
}

/** The failure timeline of a run: down intervals, capacity, and state changes of every node. */
export class FailureTimeline {
  private readonly byId: Map<string, FailureNode>;
  private readonly intervals = new Map<string, DownInterval[]>();

  constructor(
    /** The run's duration (ms): every interval lies in [0, duration]. */
    readonly duration: number,
    readonly nodes: readonly FailureNode[],
    private readonly profiles: ReadonlyMap<string, readonly CapacityStep[]>,
    private readonly windows: readonly OutageWindow[],
  ) {
    this.byId = new Map(nodes.map((n) => [n.id, n]));
    for (const [id, steps] of profiles) this.intervals.set(id, downIntervals(steps, duration));
  }

  /** Every node id, providers first in scenario order, then the baseline sites. */
  nodeIds(): string[] {
    return this.nodes.map((n) => n.id);
  }

  node(nodeId: string): FailureNode {
    const node = this.byId.get(nodeId);
    if (node === undefined) throw new RangeError(`no node "${nodeId}" in the failure timeline`);
    return node;
  }

  /** Sorted, non-overlapping, non-touching intervals when the node has no capacity at all. */
  downIntervals(nodeId: string): readonly DownInterval[] {
    this.node(nodeId);
    return this.intervals.get(nodeId)!;
  }

  /** Fraction of the node's capacity up at time t: 0 or 1 for providers, steps for baselines. */
  capacityAt(nodeId: string, t: number): number {
    this.node(nodeId);
    const steps = this.profiles.get(nodeId)!;
    let lo = 0;
    let hi = steps.length - 1;
    // The last step at or before t (steps[0].time is 0).
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (steps[mid]!.time <= t) lo = mid;
      else hi = mid - 1;
    }
    return t < 0 ? 1 : steps[lo]!.capacity;
  }

  isUp(nodeId: string, t: number): boolean {
    return this.capacityAt(nodeId, t) > 0;
  }

  /**
   * Every change of state, sorted by (time, nodeId); a node that starts down has one at time 0.
   * Consecutive entries of a node always differ in capacity.
   */
  transitions(): NodeTransition[] {
    const out: NodeTransition[] = [];
    for (const node of this.nodes) {
      let previous = 1;
      for (const step of this.profiles.get(node.id)!) {
        if (step.capacity === previous) continue;
        out.push({ time: step.time, nodeId: node.id, up: step.capacity > 0, capacity: step.capacity });
        previous = step.capacity;
      }
    }
    return out.sort((a, b) => a.time - b.time || (a.nodeId < b.nodeId ? -1 : a.nodeId > b.nodeId ? 1 : 0));
  }

  /** The outages, in scenario order, for the report's shading. */
  outageWindows(): OutageWindow[] {
    return this.windows.map((w) => ({ ...w, affected: [...w.affected], recoverySteps: [...w.recoverySteps] }));
  }
}

/** Each system's share of its capacity online, one entry per metrics bucket (see `onlineCapacityShares`). */
export interface OnlineCapacity {
  market: number[];
  centralized: number[];
  multiCloud: number[];
}

/**
 * Each system's share (0..1) of its capacity online in each metrics bucket: bucket i covers
 * [i·bucket, min((i + 1)·bucket, duration)), as the availability buckets, and its share is the
 * time-weighted mean over the bucket of the capacity up, weighted by each node's capacity.
 * The market is its providers (each weighs its group's `capacity`, up 0 or 1); centralized is
 * its one site (up in steps during a recovery); multi-cloud is the primary and the failover
 * together (each weighs its site's `capacity`). Crashes and outages both count. Shares are
 * rounded to 6 decimals.
 */
export function onlineCapacityShares(scenario: Scenario, timeline: FailureTimeline, bucket: number): OnlineCapacity {
  if (!(bucket > 0)) throw new RangeError(`bucket ${bucket} is not positive`);
  const groupCapacity = new Map(scenario.providers.map((g) => [g.group, g.capacity]));
  const { centralized, multiCloud } = scenario.baselines;
  const weigh = (node: FailureNode): [keyof OnlineCapacity, number] => {
    if (node.kind === "provider") return ["market", groupCapacity.get(node.group!) ?? 1];
    if (node.id === "centralized") return ["centralized", centralized.capacity];
    return ["multiCloud", node.id === "multiCloud.failover" ? multiCloud.failover.capacity : multiCloud.primary.capacity];
  };
  const weights = new Map(timeline.nodes.map((n) => [n.id, weigh(n)]));
  const systems: Record<keyof OnlineCapacity, { total: number; changes: Array<{ time: number; delta: number }> }> = {
    market: { total: 0, changes: [] },
    centralized: { total: 0, changes: [] },
    multiCloud: { total: 0, changes: [] },
  };
  for (const [system, weight] of weights.values()) systems[system].total += weight;
  // Every node starts fully up; each transition moves its system's capacity online by the change.
  const current = new Map(timeline.nodes.map((n) => [n.id, 1]));
  for (const t of timeline.transitions()) {
    const [system, weight] = weights.get(t.nodeId)!;
    systems[system].changes.push({ time: t.time, delta: weight * (t.capacity - current.get(t.nodeId)!) });
    current.set(t.nodeId, t.capacity);
  }
  const means = (s: { total: number; changes: Array<{ time: number; delta: number }> }) => bucketMeans(s.changes, s.total, timeline.duration, bucket);
  return { market: means(systems.market), centralized: means(systems.centralized), multiCloud: means(systems.multiCloud) };
}

/** The mean of a step function (`total` at 0, plus `changes` sorted by time) over each bucket, as a share of `total`. */
function bucketMeans(changes: ReadonlyArray<{ time: number; delta: number }>, total: number, duration: number, bucket: number): number[] {
  const buckets = Math.max(1, Math.ceil(duration / bucket));
  const out: number[] = [];
  let level = total;
  let k = 0;
  for (let i = 0; i < buckets; i += 1) {
    const from = i * bucket;
    const to = Math.max(from + 1, Math.min(duration, from + bucket));
    let area = 0;
    let t = from;
    while (k < changes.length && changes[k]!.time < to) {
      const change = changes[k]!;
      if (change.time > t) {
        area += level * (change.time - t);
        t = change.time;
      }
      level += change.delta;
      k += 1;
    }
    area += level * (to - t);
    const share = total === 0 ? 1 : area / (total * (to - from));
    out.push(Math.min(1, Math.max(0, Math.round(share * 1e6) / 1e6)));
  }
  return out;
}

/** Alternating up ~ exponential(mtbf) and down ~ exponential(mttr), from up at 0; whole ms, at least 1. */
function crashLimits(crashes: { mtbf: number; mttr: number }, duration: number, rng: RandomStream): Limit[] {
  const out: Limit[] = [];
  let t = 0;
  for (;;) {
    const start = t + Math.max(1, Math.round(rng.exponential(crashes.mtbf)));
    if (start >= duration) break;
    const end = start + Math.max(1, Math.round(rng.exponential(crashes.mttr)));
    out.push({ start, end, capacity: 0, cause: "crash" });
    t = end;
  }
  return out;
}

/** When the outage's capacity is fully back: start + duration (+ recovery.over). */
function outageEnd(outage: Outage): number {
  return outage.start + outage.duration + (outage.recovery?.over ?? 0);
}

/** Time of recovery step s (1..steps): the steps spread evenly over `over` after start + duration. */
function recoveryStepTime(outage: Outage, step: number): number {
  const recovery = outage.recovery!;
  return outage.start + outage.duration + Math.round((step * recovery.over) / recovery.steps);
}

/**
 * When the outage holds a node fully down: flapping bursts while it flaps, then hard down
 * from the end of flapping (or the start) until `until`.
 */
function hardDownLimits(outage: Outage, until: number): Limit[] {
  const out: Limit[] = [];
  let hardFrom = outage.start;
  const flapping = outage.flapping;
  if (flapping !== undefined) {
    const flapEnd = outage.start + flapping.for;
    const down = Math.round((1 - flapping.upFraction) * flapping.period);
    if (down > 0) {
      for (let cycle = outage.start; cycle < flapEnd; cycle += flapping.period) {
        out.push({ start: cycle, end: Math.min(cycle + down, flapEnd), capacity: 0, cause: outage.name });
      }
    }
    hardFrom = flapEnd;
  }
  if (until > hardFrom) out.push({ start: hardFrom, end: until, capacity: 0, cause: outage.name });
  return out;
}

/** A provider is down through the outage and back at its recovery step (or at start + duration). */
function providerOutageLimits(outage: Outage, step: number | undefined): Limit[] {
  const back = step === undefined ? outage.start + outage.duration : recoveryStepTime(outage, step);
  return hardDownLimits(outage, back);
}

/** A baseline site is one big node: its capacity comes back step by step, s/steps at step s. */
function baselineOutageLimits(outage: Outage): Limit[] {
  if (outage.recovery === undefined) return hardDownLimits(outage, outage.start + outage.duration);
  const steps = outage.recovery.steps;
  const out = hardDownLimits(outage, recoveryStepTime(outage, 1));
  for (let s = 1; s < steps; s += 1) {
    out.push({ start: recoveryStepTime(outage, s), end: recoveryStepTime(outage, s + 1), capacity: s / steps, cause: outage.name });
  }
  return out;
}

/**
 * Combines limits (clipped to [0, duration]) into a step function: at each time the capacity
 * is the lowest limit in force (1 when none); the causes are the limits at that lowest value.
 */
function capacityProfile(limits: readonly Limit[], duration: number): CapacityStep[] {
  const clipped = limits
    .map((l) => ({ ...l, start: Math.max(0, l.start), end: Math.min(duration, l.end) }))
    .filter((l) => l.end > l.start);
  const times = [...new Set([0, ...clipped.flatMap((l) => [l.start, l.end])])].sort((a, b) => a - b);
  // Limits in order of start, then cause name, so joined causes read in the order they began.
  clipped.sort((a, b) => a.start - b.start || (a.cause < b.cause ? -1 : a.cause > b.cause ? 1 : 0));
  const steps: CapacityStep[] = [];
  let next = 0;
  let active: typeof clipped = [];
  for (const time of times) {
    active = active.filter((l) => l.end > time);
    while (next < clipped.length && clipped[next]!.start <= time) {
      if (clipped[next]!.end > time) active.push(clipped[next]!);
      next += 1;
    }
    const capacity = Math.min(1, ...active.map((l) => l.capacity));
    const causes = [...new Set(active.filter((l) => l.capacity === capacity).map((l) => l.cause))];
    const last = steps[steps.length - 1];
    if (last !== undefined && last.capacity === capacity && sameList(last.causes, causes)) continue;
    steps.push({ time, capacity, causes });
  }
  return steps;
}

/** Maximal runs of zero capacity; causes joined with "+" in the order they began. */
function downIntervals(steps: readonly CapacityStep[], duration: number): DownInterval[] {
  const out: DownInterval[] = [];
  let open: { start: number; causes: string[] } | undefined;
  for (const step of steps) {
    if (step.capacity === 0) {
      if (open === undefined) open = { start: step.time, causes: [] };
      for (const c of step.causes) if (!open.causes.includes(c)) open.causes.push(c);
    } else if (open !== undefined) {
      out.push({ start: open.start, end: step.time, cause: open.causes.join("+") });
      open = undefined;
    }
  }
  if (open !== undefined) out.push({ start: open.start, end: duration, cause: open.causes.join("+") });
  return out;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function splitNodeId(id: string): [string, number] {
  const hash = id.lastIndexOf("#");
  if (hash < 0) return [id, 0];
  return [id.slice(0, hash), Number(id.slice(hash + 1))];
}
