import { Engine } from "../engine/engine.js";
import { MetricsCollector } from "../metrics/collector.js";
import type { FailureTimeline } from "../model/failures.js";
import type { WorkloadTask } from "../model/workload.js";

/** One cloud site of a baseline: a pool of slots in one region, a FIFO queue, a list price. */
export interface SiteSpec {
  /** Node id in the failure timeline, e.g. `centralized` or `multiCloud.primary`. */
  nodeId: string;
  /** Concurrent tasks at full capacity. */
  capacity: number;
  /** Compute-seconds per second of one slot. */
  speed: number;
  /** Wei per compute-second. */
  pricePerSecond: bigint;
}

/** How a baseline picks its active site. */
export interface FailoverPolicy {
  /** Index of the site new work goes to while it is up. */
  primary: number;
  /** Index of the site that takes over; absent for a single site. */
  failover?: number;
  /** Time from the primary failing to traffic moving (ms). */
  detectionDelay: number;
  /** Time from the primary recovering to traffic moving back (ms). */
  failbackDelay: number;
}

type SiteEvent =
  | { kind: "arrival"; task: WorkloadTask }
  | { kind: "done"; site: number; task: number }
  | { kind: "capacity"; site: number; fraction: number }
  | { kind: "switch"; to: number };

// At equal times: capacity changes first (a node that fails at t runs nothing at t), then
// completions, then arrivals, then traffic switches.
const PRIORITY = { capacity: 0, done: 1, arrival: 2, switch: 3 } as const;

interface Running {
  task: number;
  start: number;
  handle: number;
}

interface SiteState {
  spec: SiteSpec;
  fraction: number;
  running: Running[];
}

/**
 * A centralised or multi-cloud baseline: tasks queue FIFO for the active site's free slots;
 * when a site loses capacity, the most recently started tasks lose their work and go back to
 * the front of the queue; with a failover, traffic moves after the detection delay.
 */
export function runSiteSystem(
  name: string,
  sites: readonly SiteSpec[],
  policy: FailoverPolicy,
  tasks: readonly WorkloadTask[],
  timeline: FailureTimeline,
  until: number,
): MetricsCollector {
  const metrics = new MetricsCollector(name, tasks);
  const state: SiteState[] = sites.map((spec) => ({ spec, fraction: timeline.capacityAt(spec.nodeId, 0), running: [] }));
  const queue: number[] = [];
  let active = state[policy.primary]!.fraction > 0 || policy.failover === undefined ? policy.primary : policy.failover;
  let pendingSwitch: { handle: number; to: number } | undefined;
  // Tasks whose work was lost at a site: if they restart at another site, that is a reroute.
  const lostAt = new Map<number, string>();

  const slots = (s: SiteState) => Math.floor(s.spec.capacity * s.fraction);

  const dispatch = (engine: Engine<SiteEvent>) => {
    const site = state[active]!;
    while (queue.length > 0 && site.running.length < slots(site)) {
      const taskId = queue.shift()!;
      const duration = Math.ceil(tasks[taskId]!.size / site.spec.speed);
      const from = lostAt.get(taskId);
      if (from !== undefined) {
        lostAt.delete(taskId);
        if (from !== site.spec.nodeId) metrics.rerouted(taskId, engine.now, from, site.spec.nodeId, "failover");
      }
      const handle = engine.schedule({ after: duration }, { kind: "done", site: active, task: taskId }, PRIORITY.done);
      site.running.push({ task: taskId, start: engine.now, handle });
    }
  };

  const evictBeyondCapacity = (engine: Engine<SiteEvent>, index: number) => {
    const site = state[index]!;
    const evicted: number[] = [];
    while (site.running.length > slots(site)) {
      const victim = site.running.pop()!; // the most recently started loses its work
      engine.cancel(victim.handle);
      metrics.lostComputeMs += (engine.now - victim.start) * site.spec.speed;
      evicted.push(victim.task);
      lostAt.set(victim.task, site.spec.nodeId);
    }
    queue.unshift(...evicted.reverse());
  };

  const planSwitch = (engine: Engine<SiteEvent>) => {
    if (policy.failover === undefined) return;
    // Fail over when the primary is down; fail back only once it is fully recovered: moving
    // traffic onto a site still coming back in steps would overload it.
    const primary = state[policy.primary]!.fraction;
    const primaryUp = active === policy.primary ? primary > 0 : primary >= 1;
    const want = primaryUp ? policy.primary : policy.failover;
    if (want === active) {
      if (pendingSwitch !== undefined) engine.cancel(pendingSwitch.handle);
      pendingSwitch = undefined;
      return;
    }
    if (pendingSwitch?.to === want) return;
    if (pendingSwitch !== undefined) engine.cancel(pendingSwitch.handle);
    const delay = primaryUp ? policy.failbackDelay : policy.detectionDelay;
    pendingSwitch = { to: want, handle: engine.schedule({ after: delay }, { kind: "switch", to: want }, PRIORITY.switch) };
  };

  const engine = new Engine<SiteEvent>((event, e) => {
    switch (event.kind) {
      case "arrival":
        queue.push(event.task.id);
        break;
      case "done": {
        const site = state[event.site]!;
        site.running = site.running.filter((r) => r.task !== event.task);
        const task = tasks[event.task]!;
        metrics.completed(event.task, e.now, site.spec.pricePerSecond * BigInt(Math.ceil(task.size / 1_000)), site.spec.nodeId);
        break;
      }
      case "capacity":
        state[event.site]!.fraction = event.fraction;
        evictBeyondCapacity(e, event.site);
        planSwitch(e);
        break;
      case "switch": {
        // Work still running at the old site finishes there; queued work moves with the traffic.
        pendingSwitch = undefined;
        active = event.to;
        break;
      }
    }
    dispatch(e);
  });

  for (const task of tasks) engine.schedule(task.arrival, { kind: "arrival", task }, PRIORITY.arrival);
  sites.forEach((spec, index) => {
    for (const t of timeline.transitions()) {
      if (t.nodeId === spec.nodeId && t.time <= until) engine.schedule(t.time, { kind: "capacity", site: index, fraction: t.capacity }, PRIORITY.capacity);
    }
  });
  engine.run(until);
  return metrics;
}
