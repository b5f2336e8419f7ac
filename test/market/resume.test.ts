// The resume state of a market, rebuilt from its events: registered providers, their slashes,
// and the tasks that have not ended with what a market system needs to carry them on.
import { beforeAll, describe, expect, it } from "vitest";
import { id, keccak256, parseEther, toUtf8Bytes } from "ethers";
import { LedgerEventCache } from "../../sim/chain/ledger-cache.js";
import { resumeState, type ResumeState } from "../../sim/market/resume.js";
import { as, closeAfterWindow, mined, postTask, registerProvider, useMarketFixture } from "../helpers/market-fixture.js";

const fx = useMarketFixture({}, { resetBeforeEach: false });
const tasks: Record<string, number> = {};
let state: ResumeState;
let a: string, b: string, c: string, d: string;

/** Sizes by requirements reference; anything else is 7 s. */
const SIZES = new Map([[keccak256(toUtf8Bytes("open task")), 90_000]]);

beforeAll(async () => {
  const [pa, pb, pc, pd] = fx.providers as [never, never, never, never];
  for (const p of [pa, pb, pc, pd]) await registerProvider(fx, p);
  [a, b, c, d] = fx.providerAddresses as [string, string, string, string];
  const poster = fx.posters[0]!;
  const post = async (name: string, requirements?: string): Promise<bigint> => {
    const taskId = await postTask(fx, poster, { requirements, region: "eu-west-1", maxPrice: parseEther("1") });
    tasks[name] = Number(taskId);
    return taskId;
  };

  // completed: not resumed
  const done = await post("completed");
  await mined(as(fx, pa).placeBid(done, parseEther("0.4")));
  await closeAfterWindow(fx, done);
  await mined(as(fx, pa).submitResult(done, 1, id("ok")));

  // open, two bids this round
  const open = await post("open", "open task");
  await mined(as(fx, pa).placeBid(open, parseEther("0.4")));
  await mined(as(fx, pb).placeBid(open, parseEther("0.3")));

  // abandoned by its winner (slashed), now awarded to the fallback at epoch 2
  const moved = await post("moved");
  await mined(as(fx, pa).placeBid(moved, parseEther("0.2")));
  await mined(as(fx, pc).placeBid(moved, parseEther("0.25")));
  await closeAfterWindow(fx, moved);
  await mined(as(fx, pa).abandonTask(moved));

  // abandoned by its only bidder: re-auctioned, open in round 1
  const reopened = await post("reopened");
  await mined(as(fx, pd).placeBid(reopened, parseEther("0.9")));
  await closeAfterWindow(fx, reopened);
  await mined(as(fx, pd).abandonTask(reopened));

  // cancelled (refunded): not resumed
  const cancelled = await post("cancelled");
  await mined(as(fx, poster).cancelTask(cancelled));

  // As a live session builds it: from the history its service's event cache folded.
  state = resumeState(await new LedgerEventCache(fx.chain, fx.address, 0).history(), (ref) => SIZES.get(ref) ?? 7_000);
});

describe("resumeState", () => {
  it("lists every registered provider and what each was slashed in total", () => {
    expect([...state.registered].sort()).toEqual([a, b, c, d].sort());
    expect(state.slashed.get(a)).toBeGreaterThan(0n);
    expect(state.slashed.get(d)).toBeGreaterThan(0n);
    expect(state.slashed.has(b)).toBe(false);
    expect(state.slashed.has(c)).toBe(false);
  });

  it("resumes only the tasks that have not ended, by id", () => {
    expect(state.tasks.map((t) => t.taskId)).toEqual([tasks["open"], tasks["moved"], tasks["reopened"]]);
  });

  it("an open task: its round, window, bids and size from its reference", () => {
    const t = state.tasks.find((x) => x.taskId === tasks["open"])!;
    expect(t).toMatchObject({ status: "Open", round: 0, epoch: 0, deadline: 0, size: 90_000, region: "eu-west-1", maxPrice: parseEther("1"), failed: [] });
    expect(t.assignee).toBeUndefined();
    expect(t.bids).toEqual([
      { provider: a, price: parseEther("0.4"), round: 0 },
      { provider: b, price: parseEther("0.3"), round: 0 },
    ]);
    expect(t.bidWindowEnd).toBeGreaterThan(0);
  });

  it("a task moved to its fallback: awarded to it at epoch 2, its first winner barred", async () => {
    const t = state.tasks.find((x) => x.taskId === tasks["moved"])!;
    const onChain = await fx.market.getTask(t.taskId);
    expect(t).toMatchObject({ status: "Awarded", assignee: c, epoch: 2, deadline: Number(onChain.deadline), failed: [a], size: 7_000 });
  });

  it("a re-auctioned task: open in round 1 with its new window, its round-0 bid kept for the record", async () => {
    const t = state.tasks.find((x) => x.taskId === tasks["reopened"])!;
    const onChain = await fx.market.getTask(t.taskId);
    expect(t).toMatchObject({ status: "Open", round: 1, bidWindowEnd: Number(onChain.bidWindowEnd), failed: [d] });
    expect(t.assignee).toBeUndefined();
    expect(t.bids).toEqual([{ provider: d, price: parseEther("0.9"), round: 0 }]);
  });
});
