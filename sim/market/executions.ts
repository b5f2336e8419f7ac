// The providers' work in simulated time: an awarded task runs for size / speed on its
// assignee, and the result waits for the next block. The chain does not see any of this; it
// only sees the result (or its absence by the deadline), so work cut short by a node going
// down or a reroute is counted here, as lost compute, and nowhere else.
import type { Engine } from "../engine/engine.js";
import type { MetricsCollector } from "../metrics/collector.js";
import { PRIORITY, type MarketSimEvent, type TraceRecord } from "./market-types.js";
import type { Assignment, ProviderAgent } from "./provider-agent.js";
import type { ProviderRoster } from "./provider-roster.js";

type DoneEvent = Extract<MarketSimEvent, { kind: "done" }>;

export class Executions {
  constructor(
    private readonly engine: Engine<MarketSimEvent>,
    private readonly roster: ProviderRoster,
    private readonly metrics: MetricsCollector,
    private readonly trace: (record: TraceRecord) => void,
    /** Compute-ms of a task the chain view knows: what a finished but unsent result was worth. */
    private readonly taskSize: (taskId: number) => number,
  ) {}

  /** Starts `assignment` on `agent` now (it must be online); its "done" event ends it. */
  start(agent: ProviderAgent, assignment: Assignment, size: number, now: number): void {
    assignment.startedAt = now;
    assignment.execution = this.engine.schedule(
      { after: Math.ceil(size / agent.speed) },
      { kind: "done", provider: agent.index, taskId: assignment.taskId, epoch: assignment.epoch },
      PRIORITY.done,
    );
    this.trace({ t: now, type: "execution.start", provider: agent.nodeId, task: assignment.taskId, epoch: assignment.epoch });
  }

  /** An execution finished: its result goes out in the next block, unless the assignment moved on meanwhile. */
  finish(event: DoneEvent, now: number): void {
    const agent = this.roster.agents[event.provider]!;
    const a = agent.assignments.get(event.taskId);
    // A reroute or a re-award (a newer epoch) since it started: the work is no longer wanted.
    if (a === undefined || a.epoch !== event.epoch) return;
    a.execution = undefined;
    a.done = true;
    this.roster.needsAction.add(agent.index);
    this.trace({ t: now, type: "execution.done", provider: agent.nodeId, task: event.taskId, epoch: event.epoch });
  }

  /** Cancels a running execution, counting the compute it had done as lost. */
  lose(agent: ProviderAgent, a: { execution?: number; startedAt?: number; taskId: number }, now: number): void {
    if (a.execution !== undefined) {
      this.engine.cancel(a.execution);
      this.metrics.lostComputeMs += (now - (a.startedAt ?? now)) * agent.speed;
      this.trace({ t: now, type: "execution.lost", provider: agent.nodeId, task: a.taskId });
      a.execution = undefined;
    }
  }

  /** `agent`'s node went down: every running execution and every unsent result is lost with it. */
  loseAll(agent: ProviderAgent, now: number): void {
    for (const a of agent.assignments.values()) {
      this.lose(agent, a, now);
      if (a.done === true) {
        // A finished result it had not yet sent is lost with the node: all of its work.
        this.metrics.lostComputeMs += this.taskSize(a.taskId);
        this.trace({ t: now, type: "result.lost", provider: agent.nodeId, task: a.taskId, epoch: a.epoch });
        a.done = false;
      }
    }
  }
}
