// What holds each node down: the failure timeline ("scenario"), an operator, an outage
// ("outage:ID"). A node is online when nothing holds it, so an outage ending does not revive a
// node the timeline still has down, nor the other way round. Every change of hold is an engine
// event at PRIORITY.transition, so a node failing at t does nothing at t, whoever failed it.
import type { Engine } from "../engine/engine.js";
import type { FailureTimeline } from "../model/failures.js";
import { PRIORITY, type MarketSimEvent, type TraceRecord } from "./market-types.js";
import type { Executions } from "./executions.js";
import type { ProviderRoster } from "./provider-roster.js";

type TransitionEvent = Extract<MarketSimEvent, { kind: "transition" }>;

export class NodeHolds {
  private readonly downCauses = new Map<string, Set<string>>();

  constructor(
    private readonly engine: Engine<MarketSimEvent>,
    private readonly roster: ProviderRoster,
    private readonly executions: Executions,
    private readonly trace: (record: TraceRecord) => void,
  ) {}

  /** Schedules the timeline's transitions of this market's nodes, up to `horizon`. */
  scheduleTimeline(timeline: FailureTimeline, horizon: number): void {
    for (const t of timeline.transitions()) {
      if (this.roster.node(t.nodeId) !== undefined && t.time <= horizon) this.engine.schedule(t.time, { kind: "transition", nodeId: t.nodeId, up: t.up }, PRIORITY.transition);
    }
  }

  /**
   * Holds a node down for `cause`, or releases that hold, at time `at` (never in the past). The
   * node is online when no cause holds it. False for an unknown node.
   */
  hold(nodeId: string, cause: string, down: boolean, at: number): boolean {
    if (this.roster.node(nodeId) === undefined) return false;
    this.engine.schedule(Math.max(at, this.engine.now), { kind: "transition", nodeId, up: !down, cause }, PRIORITY.transition);
    return true;
  }

  /** The causes holding a node down as of the engine's time; empty when online. */
  holdsOn(nodeId: string): ReadonlySet<string> {
    return this.downCauses.get(nodeId) ?? new Set();
  }

  /** A hold begins or ends: the node goes down at its first hold, and up when its last ends. */
  apply(event: TransitionEvent, now: number): void {
    const agent = this.roster.node(event.nodeId);
    if (agent === undefined) return;
    let causes = this.downCauses.get(event.nodeId);
    if (causes === undefined) this.downCauses.set(event.nodeId, (causes = new Set()));
    if (event.up) causes.delete(event.cause ?? "scenario");
    else causes.add(event.cause ?? "scenario");
    if (agent.online === (causes.size === 0)) return; // still held, or already up
    this.trace({ t: now, type: event.up ? "node.up" : "node.down", node: event.nodeId });
    agent.online = event.up;
    // Back up, it may have assignments to abandon (their work was lost while it was down).
    if (event.up) this.roster.needsAction.add(agent.index);
    if (!event.up) {
      this.executions.loseAll(agent, now);
      agent.outstandingBids.clear();
    }
  }
}
