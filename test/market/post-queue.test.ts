// The post queue on its own: an external post can be withdrawn until a block being committed
// holds it, a block's accepted posts are handed out in order as its TaskPosted events come, a
// refused one is rejected with the refusal, and stopping rejects what still waits, saying
// whether a block had sent it.
import { describe, expect, it } from "vitest";
import type { Address, MarketAction } from "../../sim/protocol/actions.js";
import type { BlockResult } from "../../sim/protocol/ledger.js";
import { PostInterruptedError, PostRefusedError, type ExternalTask, type TraceRecord } from "../../sim/market/market-types.js";
import { PostQueue } from "../../sim/market/post-queue.js";

const from = "0x00000000000000000000000000000000000000aa" as Address;

function external(size: number): ExternalTask {
  return { from, requirementsHash: `0x${size.toString(16).padStart(64, "0")}`, size, maxPrice: 10n, executionBudget: 60, region: "any", mechanism: "FirstPrice" };
}

function postAction(task: ExternalTask): MarketAction {
  return { kind: "post", from: task.from, maxPrice: task.maxPrice, keeperReserve: 0n, requirementsHash: task.requirementsHash, region: task.region, bidWindowEnd: 5, executionBudget: task.executionBudget, mechanism: task.mechanism };
}

function block(refused: BlockResult["refused"] = []): BlockResult {
  return { blockNumber: 7, timestamp: 100, events: [], refused, gasUsed: null, hash: null };
}

function queue(): { posts: PostQueue; trace: TraceRecord[] } {
  const trace: TraceRecord[] = [];
  return { posts: new PostQueue((r) => trace.push(r), () => 42), trace };
}

describe("post queue", () => {
  it("withdraws a post on abort while no block holds it, and keeps it once a block being committed does", async () => {
    const { posts, trace } = queue();
    const first = new AbortController();
    const second = new AbortController();
    const a = external(1_000);
    const b = external(2_000);
    const pa = posts.addExternal(a, first.signal);
    const pb = posts.addExternal(b, second.signal);
    posts.setCommitting(1);
    expect(posts.isCommitting(a)).toBe(true);
    expect(posts.isCommitting(b)).toBe(false);
    first.abort(new Error("gone"));
    second.abort(new Error("gone"));
    await expect(pb).rejects.toThrow("gone");
    expect(posts.size).toBe(1);
    expect(trace.map((r) => [r.t, r.type])).toEqual([[42, "task.external"], [42, "task.external"], [42, "task.withdrawn"]]);
    posts.setCommitting(0);
    const next = posts.settle([postAction(a)], block(), 1);
    expect(next(3)?.external).toBe(a);
    await expect(pa).resolves.toEqual({ taskId: 3, blockNumber: 7, transactionHash: null });
    expect(posts.size).toBe(0);
  });

  it("rejects a refused post with its refusal and hands out the accepted ones in order", async () => {
    const { posts } = queue();
    const a = external(1_000);
    const b = external(2_000);
    const pa = posts.addExternal(a);
    const pb = posts.addExternal(b);
    const actions = [postAction(a), postAction(b)];
    const next = posts.settle(actions, block([{ action: actions[0]!, error: "InvalidRegion", args: {} }]), 2);
    await expect(pa).rejects.toBeInstanceOf(PostRefusedError);
    expect(next(9)?.external).toBe(b);
    expect(next(10)).toBeUndefined();
    await expect(pb).resolves.toMatchObject({ taskId: 9 });
  });

  it("on stop rejects what waits, saying whether a block being committed had sent it", async () => {
    const { posts } = queue();
    const pa = posts.addExternal(external(1_000));
    const pb = posts.addExternal(external(2_000));
    posts.setCommitting(1);
    posts.interrupt();
    await expect(pa).rejects.toMatchObject({ sent: true });
    await expect(pb).rejects.toBeInstanceOf(PostInterruptedError);
    await expect(pb).rejects.toMatchObject({ sent: false });
    expect(posts.size).toBe(0);
  });
});
