import type { RandomStream } from "../engine/rng.js";
import type { Address } from "../protocol/actions.js";
import type { BidStrategy } from "./strategies.js";

/** A task assigned to a provider, as it learned from a TaskAwarded event. */
export interface Assignment {
  taskId: number;
  epoch: number;
  /** Chain deadline (seconds). */
  deadline: number;
  /** Engine handle of the running execution, while it runs. */
  execution?: number;
  /** When the execution started (ms). */
  startedAt?: number;
  /** Finished, waiting for the next block to submit. */
  done?: boolean;
}

/**
 * A simulated provider: its static profile from the scenario and what it knows and holds at
 * run time. It mirrors its own on-chain assignments from events; it never decides a winner.
 */
export class ProviderAgent {
  online = true;
  readonly assignments = new Map<number, Assignment>();
  /** Tasks it bid on whose auction has not closed yet. */
  readonly outstandingBids = new Set<number>();
  /** (taskId, round) pairs it has bid in, so it bids once per round. */
  readonly bidRounds = new Set<string>();
  /** Tasks it failed: the contract bars it from them. */
  readonly failedTasks = new Set<number>();
  /** Wei slashed from its stake so far: below the market's minStake the contract refuses its bids. */
  slashed = 0n;

  constructor(
    /** Node id in the failure timeline: `${group}#${i}`. */
    readonly nodeId: string,
    readonly index: number,
    readonly address: Address,
    readonly group: string,
    readonly region: string,
    readonly capacity: number,
    /** Compute-seconds per second. */
    readonly speed: number,
    /** Wei per compute-second. */
    readonly costPerSecond: bigint,
    readonly strategy: BidStrategy,
    readonly stake: bigint,
    readonly rng: RandomStream,
  ) {}

  /** How many more tasks it will bid on this block: it overbooks by 2 because most bids lose. */
  bidBudget(): number {
    const free = this.capacity - this.assignments.size;
    return Math.max(0, 2 * free - this.outstandingBids.size);
  }
}
