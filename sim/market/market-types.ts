// Types shared by the market system (market-system.ts) and its drivers.
import type { MechanismName } from "../protocol/enums.js";
import type { RandomStream } from "../engine/rng.js";
import type { Address } from "../protocol/actions.js";
import type { BlockResult, Ledger, RefusedAction } from "../protocol/ledger.js";
import type { FailureTimeline } from "../model/failures.js";
import type { WorkloadTask } from "../model/workload.js";
import type { Scenario } from "../scenario/schema.js";
import type { TaskState } from "../protocol/task-state.js";
import type { ResumeState } from "./resume.js";

/** A record of trace.jsonl: one simulation event. */
export type TraceRecord = { t: number; type: string } & Record<string, unknown>;

/** Progress of a market run, for a progress bar. */
export interface MarketProgress {
  time: number;
  horizon: number;
  blocks: number;
  tasksPosted: number;
  tasksDone: number;
}

export interface MarketSystemOptions {
  scenario: Scenario;
  /** The workload: tasks the metrics follow (tasks from `addTask` are not in them). */
  tasks: readonly WorkloadTask[];
  ledger: Ledger;
  /** Chain timestamp (s) of simulated time 0. */
  baseTimestamp: number;
  /** Simulated time (ms) after which no block is mined (Infinity: no limit). */
  horizon: number;
  rng: RandomStream;
  trace: (record: TraceRecord) => void;
  onProgress?: (progress: MarketProgress) => void;
  /** Each committed block, once its events are applied (and traced): a live feed's source. */
  onBlock?: (now: number, result: BlockResult) => void;
  /** Mine a block every blockInterval for as long as the system runs, past the scenario's duration (a live market). */
  endless?: boolean;
  /**
   * The market was reused from an earlier run (a live market on a persisted node): carry on from
   * what its events say. Providers already registered do not register again, and the tasks that
   * have not ended join the market (not the metrics: simId null, like external tasks).
   */
  resume?: ResumeState;
}

export interface MarketRunOptions extends Omit<MarketSystemOptions, "endless"> {
  timeline: FailureTimeline;
}

/** A task posted from outside the workload (the live market's API tasks). */
export interface ExternalTask {
  from: Address;
  requirementsHash: string;
  /** Compute-milliseconds. */
  size: number;
  maxPrice: bigint;
  /** Seconds the assignee gets. */
  executionBudget: number;
  /** Region name, or "any". */
  region: string;
  mechanism: MechanismName;
}

export interface PostedTask {
  taskId: number;
  blockNumber: number;
  /** The post's transaction (null on the memory ledger). */
  transactionHash: string | null;
}

/** The block refused an external task's post; nothing of it is on chain. */
export class PostRefusedError extends Error {
  constructor(readonly refusal: RefusedAction) {
    super(`reverted with ${refusal.error}`);
    this.name = "PostRefusedError";
  }
}

/**
 * An external post the market stopped before it was mined: `sent` when a block being committed
 * held it (the node may have it, and mine it later), false when it was still waiting.
 */
export class PostInterruptedError extends Error {
  constructor(readonly sent: boolean) {
    super(sent ? "the market stopped while the block holding this post was being committed" : "the market has stopped");
    this.name = "PostInterruptedError";
  }
}

export type MarketSimEvent =
  /** `cause` names what holds the node down (default "scenario": the failure timeline). */
  | { kind: "transition"; nodeId: string; up: boolean; cause?: string }
  | { kind: "arrival"; task: WorkloadTask }
  | { kind: "done"; provider: number; taskId: number; epoch: number }
  | { kind: "block" };

// At equal times: failures first (a node failing at t does nothing at t), then completions,
// arrivals, and last the block, which sees everything that happened up to its time.
export const PRIORITY = { transition: 0, done: 1, arrival: 2, block: 3 } as const;

/** Providers that consider a task per round, per bid the contract keeps. */
export const ATTENTION_PER_KEPT_BID = 3;

/** What the simulation knows of an on-chain task. */
/** A task as the simulation knows it: its state on chain (the protocol's fold) and what the agents need. */
export interface ChainTask extends TaskState {
  /** Index in the workload; null for an external task (not in the metrics). */
  simId: number | null;
  size: number;
  region: string;
  maxPrice: bigint;
  bestSeen?: bigint;
  /** The cheapest prices bid this round, ascending, at most fallbackDepth: what the contract keeps. */
  kept: bigint[];
  /** Agents with an outstanding bid on it this round. */
  bidders: number[];
  /** The assignee's index among our agents; undefined when it is not one of ours, or none. */
  provider?: number;
}

/** A post waiting for the next block: a workload arrival or an external task. */
export type PendingPost =
  | { task: WorkloadTask; external?: undefined }
  | { task?: undefined; external: ExternalTask; resolve: (posted: PostedTask) => void; reject: (error: Error) => void };
