// The posts waiting for the next block: workload arrivals and external tasks (the live
// market's API posts), in the order they came. A block takes the whole queue as it is when the
// block starts; posts that come while it commits wait for the next one. An external post can be
// withdrawn until a block being committed holds it: from then on the node may have it.
import type { MarketAction } from "../protocol/actions.js";
import type { BlockResult } from "../protocol/ledger.js";
import type { WorkloadTask } from "../model/workload.js";
import {
  PostInterruptedError,
  PostRefusedError,
  type ExternalTask,
  type PendingPost,
  type PostedTask,
  type TraceRecord,
} from "./market-types.js";

/** Hands out the block's accepted posts in order, one per TaskPosted event (with the task's chain id). */
export type NextPosted = (taskId: number) => PendingPost | undefined;

export class PostQueue {
  private readonly pending: PendingPost[] = [];
  /** The first this many pending posts are in the block being committed: none may be withdrawn. */
  private committing = 0;

  constructor(
    private readonly trace: (record: TraceRecord) => void,
    private readonly now: () => number,
  ) {}

  /** The posts the next block would send, in order. */
  get posts(): readonly PendingPost[] {
    return this.pending;
  }

  get size(): number {
    return this.pending.length;
  }

  /** A workload task arrives: it is posted in the next block. */
  arrive(task: WorkloadTask, now: number): void {
    this.pending.push({ task });
    this.trace({ t: now, type: "task.arrival", workloadTask: task.id, size: task.size, region: task.region });
  }

  /** Queues an external post; see MarketSystem.addTask. */
  addExternal(task: ExternalTask, signal?: AbortSignal): Promise<PostedTask> {
    return new Promise<PostedTask>((resolve, reject) => {
      const post: PendingPost = { external: task, resolve, reject };
      this.pending.push(post);
      this.trace({ t: this.now(), type: "task.external", from: task.from, size: task.size, region: task.region });
      signal?.addEventListener(
        "abort",
        () => {
          const index = this.pending.indexOf(post);
          if (index < this.committing) return;
          this.pending.splice(index, 1);
          this.trace({ t: this.now(), type: "task.withdrawn", from: task.from });
          reject(signal.reason);
        },
        { once: true },
      );
    });
  }

  /** Whether a block being committed holds this external post (it can no longer be withdrawn). */
  isCommitting(task: ExternalTask): boolean {
    return this.pending.slice(0, this.committing).some((p) => p.external === task);
  }

  /** The first `included` posts are in the block being committed (0: none is, any more). */
  setCommitting(included: number): void {
    this.committing = included;
  }

  /**
   * The block holding the first `included` posts committed: they leave the queue. A refused
   * external post is rejected (a refused workload post is a bug in the simulator: it throws);
   * the others are handed out, in order, as the block's TaskPosted events name their ids.
   */
  settle(actions: readonly MarketAction[], result: BlockResult, included: number): NextPosted {
    const taken = this.pending.splice(0, included);
    // The block's posts, in order, with their transactions; a refused post emits no TaskPosted.
    const postActions = actions.map((action, index) => ({ action, index })).filter((p) => p.action.kind === "post");
    const posted: Array<{ post: PendingPost; index: number }> = [];
    taken.forEach((post, i) => {
      const sent = postActions[i]!;
      const refusal = result.refused.find((r) => r.action === sent.action);
      if (refusal === undefined) posted.push({ post, index: sent.index });
      else if (post.external !== undefined) post.reject(new PostRefusedError(refusal));
      else throw new Error(`the post of workload task ${post.task.id} was refused: ${refusal.error}`);
    });
    let postIndex = 0;
    return (taskId) => {
      const next = posted[postIndex++];
      if (next?.post.external !== undefined) {
        const transactionHash = result.raw?.transactions[next.index]?.hash ?? null;
        next.post.resolve({ taskId, blockNumber: result.blockNumber, transactionHash });
      }
      return next?.post;
    };
  }

  /** The market stopped: every waiting external post is rejected, saying whether a block had sent it. */
  interrupt(): void {
    // A failed block leaves `committing` set: its posts may have reached the node.
    this.pending.splice(0).forEach((post, i) => post.external !== undefined && post.reject(new PostInterruptedError(i < this.committing)));
    this.committing = 0;
  }
}
