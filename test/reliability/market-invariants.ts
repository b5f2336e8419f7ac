// The market's invariants, checked record by record over a run's trace: a shadow of every task's
// state machine (Open → Awarded → Completed, Awarded → Awarded by reroute, → Open by re-auction,
// → Refunded), built only from what the trace says, so it checks the market system and the
// ledger from outside. A violation names the record (index, time, type) that broke it.
import { actorAddress } from "../../sim/ledger/actors.js";
import type { TraceRecord } from "../../sim/market/market-types.js";
import type { Scenario } from "../../sim/scenario/schema.js";

type Status = "Open" | "Awarded" | "Moving" | "Completed" | "Refunded";

interface ShadowTask {
  status: Status;
  maxPrice: bigint;
  /** Keeper reserve the task still holds. */
  reserve: bigint;
  round: number;
  epoch: number;
  provider?: string;
  deadline: number;
  reroutes: number;
  failed: Set<string>;
  /** Providers that bid in the current round. */
  bidders: Set<string>;
  postedAt: number;
  endedAt?: number;
}

/** What the run ended with, for the checks that need the whole run. */
export interface RunEnd {
  taskCount: number;
  faultsEnd: number;
  settleBound: number;
}

export class MarketInvariants {
  readonly violations: string[] = [];
  /** Providers whose bids this block refused for want of stake, until a slash of theirs shows in it. */
  private readonly unslashedRefusals = new Set<string>();
  private readonly tasks = new Map<number, ShadowTask>();
  private readonly nodeOf = new Map<string, string>();
  private readonly online = new Map<string, boolean>();
  private readonly registered = new Set<string>();
  private readonly maxReroutes: number;
  private index = -1;
  private record: TraceRecord | undefined;
  private previous: TraceRecord | undefined;
  private blockTime = -1;
  private blockTimestamp = -1;

  constructor(private readonly scenario: Scenario) {
    let i = 0;
    for (const group of scenario.providers) {
      for (let k = 0; k < group.count; k += 1) {
        const node = `${group.group}#${k}`;
        this.nodeOf.set(actorAddress("provider", i), node);
        this.online.set(node, true);
        i += 1;
      }
    }
    // Each reroute consumes one kept bid, at most fallbackDepth per round (the contract's bound).
    this.maxReroutes = scenario.market.fallbackDepth * scenario.market.maxRounds;
  }

  /** Checks one trace record, in order. */
  observe(record: TraceRecord): void {
    this.index += 1;
    this.record = record;
    if (record.type === "block") this.onBlock(record);
    else if (record.type === "node.down" || record.type === "node.up") this.onNode(record);
    else if (record.type === "execution.start" || record.type === "execution.done") this.onExecution(record);
    else if (record.type === "refused") this.onRefused(record);
    else if (record.type.startsWith("market.")) {
      this.onMarket(record);
      this.previous = record;
    }
  }

  /** Every task posted has ended, within the settle bound after the faults stopped. */
  finish(end: RunEnd): void {
    this.settleRefusals();
    this.record = undefined;
    if (this.tasks.size !== end.taskCount) this.fail(`${this.tasks.size} tasks were posted, the workload has ${end.taskCount}`);
    for (const [id, t] of this.tasks) {
      if (t.endedAt === undefined) {
        this.fail(`task ${id} never ended: still ${t.status} (round ${t.round}, epoch ${t.epoch})`);
        continue;
      }
      const from = Math.max(end.faultsEnd, t.postedAt);
      if (t.endedAt - from > end.settleBound) {
        this.fail(`task ${id} ended at ${t.endedAt} ms, more than the settle bound ${end.settleBound} ms after ${from} ms (faults end ${end.faultsEnd}, posted ${t.postedAt})`);
      }
    }
  }

  /** Reroutes per task, for reports. */
  maxReroutesSeen(): number {
    return Math.max(0, ...[...this.tasks.values()].map((t) => t.reroutes));
  }

  private fail(message: string): void {
    if (this.violations.length >= 5) return;
    const r = this.record;
    this.violations.push(r === undefined ? message : `record ${this.index} (t=${r.t}, ${r.type}): ${message}`);
  }

  /**
   * The simulator acts on what it knows of the chain, so it sends nothing the contract refuses
   * (a provider slashed below minStake stops bidding) — but for one race: a provider learns of a
   * slash from the block that holds it, so its bids in that same block may be refused for want
   * of stake. Such a refusal is settled when the block's events show that slash.
   */
  private onRefused(r: TraceRecord): void {
    const from = r["from"] as string;
    if (r["kind"] === "bids" && r["error"] === "InsufficientStake") this.unslashedRefusals.add(from);
    else this.fail(`refused ${String(r["kind"])} from ${from}: ${String(r["error"])}`);
  }

  /** At the end of a block (the next block, or the run's end): every stake refusal was explained by a slash in it. */
  private settleRefusals(): void {
    for (const from of this.unslashedRefusals) this.fail(`bids from ${from} refused for want of stake, with no slash in the same block`);
    this.unslashedRefusals.clear();
  }

  private onBlock(r: TraceRecord): void {
    this.settleRefusals();
    const timestamp = r["timestamp"] as number;
    if (r.t < this.blockTime || timestamp < this.blockTimestamp) this.fail(`block goes back in time`);
    this.blockTime = r.t;
    this.blockTimestamp = timestamp;
  }

  private onNode(r: TraceRecord): void {
    const node = r["node"] as string;
    const up = r.type === "node.up";
    if (!this.online.has(node)) return this.fail(`unknown node ${node}`);
    if (this.online.get(node) === up) this.fail(`${node} goes ${up ? "up" : "down"} twice`);
    this.online.set(node, up);
  }

  private onExecution(r: TraceRecord): void {
    const t = this.tasks.get(r["task"] as number);
    const node = r["provider"] as string;
    if (t === undefined) return this.fail(`execution of unknown task ${String(r["task"])}`);
    if (t.status !== "Awarded" || this.nodeOf.get(t.provider!) !== node || t.epoch !== r["epoch"]) {
      this.fail(`${node} executes task ${String(r["task"])} epoch ${String(r["epoch"])}, but it is ${t.status} to ${t.provider === undefined ? "nobody" : this.nodeOf.get(t.provider)} at epoch ${t.epoch}`);
    }
    if (!this.online.get(node)) this.fail(`${node} executes while offline`);
  }

  private onMarket(r: TraceRecord): void {
    const name = r["name"] as string;
    if (name === "ProviderRegistered") {
      this.registered.add(r["provider"] as string);
      return;
    }
    if (name === "Withdrawn") return;
    const id = r["taskId"] as number;
    if (name === "TaskPosted") {
      if (id !== this.tasks.size + 1) this.fail(`task id ${id} is not the next (${this.tasks.size + 1})`);
      this.tasks.set(id, { status: "Open", maxPrice: r["maxPrice"] as bigint, reserve: r["keeperReserve"] as bigint, round: 0, epoch: 0, deadline: 0, reroutes: 0, failed: new Set(), bidders: new Set(), postedAt: r.t });
      return;
    }
    const t = this.tasks.get(id);
    if (t === undefined) return this.fail(`${name} of unknown task ${id}`);
    if (t.status === "Completed" || t.status === "Refunded") return this.fail(`${name} of task ${id}, which already ended ${t.status}`);
    const provider = r["provider"] as string | undefined;
    const expect = (ok: boolean, what: string) => ok || this.fail(`task ${id}: ${what}`);
    switch (name) {
      case "BidPlaced":
        expect(t.status === "Open", `bid while ${t.status}`);
        expect(r["round"] === t.round, `bid in round ${String(r["round"])}, the task is in round ${t.round}`);
        expect(this.registered.has(provider!), `bid from unregistered ${provider}`);
        expect(!t.failed.has(provider!), `bid from ${provider}, which failed it`);
        expect(!t.bidders.has(provider!), `second bid of ${provider} in round ${t.round}`);
        expect((r["price"] as bigint) > 0n && (r["price"] as bigint) <= t.maxPrice, `bid price ${String(r["price"])} outside (0, ${t.maxPrice}]`);
        t.bidders.add(provider!);
        break;
      case "TaskAwarded":
        expect(t.status === "Open" || t.status === "Moving", `awarded while ${t.status}`);
        expect(r["epoch"] === t.epoch + 1, `awarded at epoch ${String(r["epoch"])} after epoch ${t.epoch}`);
        expect(t.bidders.has(provider!), `awarded to ${provider}, which did not bid this round`);
        expect(!t.failed.has(provider!), `awarded to ${provider}, which failed it`);
        expect((r["payment"] as bigint) <= t.maxPrice, `payment above the escrow`);
        Object.assign(t, { status: "Awarded", epoch: r["epoch"], provider, deadline: r["deadline"] });
        break;
      case "FallbackSkipped":
        expect(t.status === "Open" || t.status === "Moving", `fallback skipped while ${t.status}`);
        break;
      case "TaskRerouted":
        expect(t.status === "Awarded", `rerouted while ${t.status}`);
        expect(provider === t.provider && r["epoch"] === t.epoch, `rerouted from ${provider} epoch ${String(r["epoch"])}, the assignee is ${t.provider} epoch ${t.epoch}`);
        if (r["reason"] === "DeadlineMissed") expect(this.blockTimestamp > t.deadline, `rerouted at ${this.blockTimestamp}, before its deadline ${t.deadline}`);
        t.reroutes += 1;
        expect(t.reroutes <= this.maxReroutes, `rerouted ${t.reroutes} times, the bound is fallbackDepth × maxRounds = ${this.maxReroutes}`);
        t.failed.add(provider!);
        Object.assign(t, { status: "Moving", provider: undefined });
        break;
      case "ProviderSlashed": {
        this.unslashedRefusals.delete(provider!);
        const p = this.previous;
        expect(p?.["name"] === "TaskRerouted" && p["taskId"] === id && p["provider"] === provider, `slash of ${provider} not right after its reroute`);
        break;
      }
      case "TaskReopened":
        expect(t.status === "Open" || t.status === "Moving", `reopened while ${t.status}`);
        expect(r["round"] === t.round + 1 && t.round + 1 < this.scenario.market.maxRounds, `reopened to round ${String(r["round"])} from ${t.round} (maxRounds ${this.scenario.market.maxRounds})`);
        Object.assign(t, { status: "Open", round: r["round"], bidders: new Set() });
        break;
      case "ResultSubmitted": {
        const node = this.nodeOf.get(provider!);
        expect(t.status === "Awarded", `result while ${t.status}`);
        expect(provider === t.provider && r["epoch"] === t.epoch, `result from ${provider} epoch ${String(r["epoch"])}, the assignee is ${t.provider} epoch ${t.epoch}`);
        expect(node !== undefined && this.online.get(node) === true, `result from ${node ?? provider}, which is offline`);
        expect(this.blockTimestamp <= t.deadline, `result at ${this.blockTimestamp}, after its deadline ${t.deadline}`);
        expect((r["payment"] as bigint) + (r["posterRefund"] as bigint) === t.maxPrice + t.reserve, `payment + poster refund is not the escrow left (maxPrice + keeper reserve left)`);
        Object.assign(t, { status: "Completed", endedAt: r.t });
        break;
      }
      case "TaskRefunded":
        expect(t.status === "Open" || t.status === "Moving", `refunded while ${t.status}`);
        expect(r["amount"] === t.maxPrice + t.reserve, `refund ${String(r["amount"])} is not the escrow left ${t.maxPrice + t.reserve}`);
        Object.assign(t, { status: "Refunded", endedAt: r.t });
        break;
      case "KeeperPaid":
        // A close (Open) or a reroute after a missed deadline (Awarded), before what it does.
        expect(t.status === "Open" || t.status === "Awarded", `keeper paid while ${t.status}`);
        expect(r["amount"] === this.scenario.market.keeperFee && (r["amount"] as bigint) > 0n, `keeper fee ${String(r["amount"])}, the market's is ${this.scenario.market.keeperFee}`);
        expect((r["amount"] as bigint) <= t.reserve, `keeper fee ${String(r["amount"])} above the reserve left ${t.reserve}`);
        t.reserve -= r["amount"] as bigint;
        break;
      default:
        this.fail(`unexpected event ${name}`);
    }
  }
}
