import { describe, expect, it } from "vitest";
import { id, parseEther } from "ethers";
import {
  as,
  closeAfterWindow,
  mined,
  passDeadline,
  postTask,
  registerProvider,
  SECOND_PRICE,
  useMarketFixture,
} from "../helpers/market-fixture.js";
import { receivedBy } from "../helpers/market-assertions.js";

// Whole task lifecycles, checking escrow conservation after every step.

const fx = useMarketFixture();

describe("first-price lifecycle", () => {
  it("pays the lowest bidder its own price and credits the poster the rest", async () => {
    const [p1, p2, p3] = fx.providers as [typeof fx.providers[0], typeof fx.providers[0], typeof fx.providers[0]];
    for (const p of [p1, p2, p3]) await registerProvider(fx, p);
    await fx.conserved();
    const poster = fx.posters[0]!;
    const taskId = await postTask(fx, poster, { maxPrice: parseEther("1") });
    await fx.conserved();
    await mined(as(fx, p1).placeBid(taskId, parseEther("0.5")));
    await mined(as(fx, p2).placeBid(taskId, parseEther("0.3")));
    await mined(as(fx, p3).placeBid(taskId, parseEther("0.4")));
    await fx.conserved();
    await closeAfterWindow(fx, taskId);
    await fx.conserved();
    let task = await fx.market.getTask(taskId);
    expect(task.status).toBe(2n);
    expect(task.provider).toBe(await p2.getAddress());
    expect(task.payment).toBe(parseEther("0.3"));
    expect(task.epoch).toBe(1n);
    await mined(as(fx, p2).submitResult(taskId, 1, id("result")));
    await fx.conserved();
    task = await fx.market.getTask(taskId);
    expect(task.status).toBe(3n);
    expect(await fx.market.creditOf(await p2.getAddress())).toBe(parseEther("0.3"));
    expect(await fx.market.creditOf(await poster.getAddress())).toBe(parseEther("0.7"));
    const { received } = await receivedBy(fx, await p2.getAddress(), () => mined(as(fx, p2).withdraw()));
    expect(received).toBe(parseEther("0.3"));
    await fx.conserved();
  });
});

describe("second-price lifecycle", () => {
  it("pays the lowest bidder the second-lowest price", async () => {
    const [p1, p2] = fx.providers;
    await registerProvider(fx, p1!);
    await registerProvider(fx, p2!);
    const taskId = await postTask(fx, fx.posters[0]!, { mechanism: SECOND_PRICE });
    await mined(as(fx, p1!).placeBid(taskId, parseEther("0.6")));
    await mined(as(fx, p2!).placeBid(taskId, parseEther("0.2")));
    await closeAfterWindow(fx, taskId);
    const task = await fx.market.getTask(taskId);
    expect(task.provider).toBe(await p2!.getAddress());
    expect(task.payment).toBe(parseEther("0.6"));
    await mined(as(fx, p2!).submitResult(taskId, 1, id("r")));
    expect(await fx.market.creditOf(await p2!.getAddress())).toBe(parseEther("0.6"));
    await fx.conserved();
  });

  it("pays a lone bidder its own price", async () => {
    const [p1] = fx.providers;
    await registerProvider(fx, p1!);
    const taskId = await postTask(fx, fx.posters[0]!, { mechanism: SECOND_PRICE });
    await mined(as(fx, p1!).placeBid(taskId, parseEther("0.25")));
    await closeAfterWindow(fx, taskId);
    expect((await fx.market.getTask(taskId)).payment).toBe(parseEther("0.25"));
  });
});

describe("reroute after a missed deadline", () => {
  it("slashes the failed provider to the poster and moves to the next fallback", async () => {
    const [p1, p2] = fx.providers;
    await registerProvider(fx, p1!);
    await registerProvider(fx, p2!);
    const poster = fx.posters[0]!;
    const taskId = await postTask(fx, poster);
    await mined(as(fx, p1!).placeBid(taskId, parseEther("0.1")));
    await mined(as(fx, p2!).placeBid(taskId, parseEther("0.2")));
    await closeAfterWindow(fx, taskId);
    await passDeadline(fx, taskId);
    await mined(as(fx, fx.stranger).reroute(taskId));
    await fx.conserved();
    const task = await fx.market.getTask(taskId);
    expect(task.provider).toBe(await p2!.getAddress());
    expect(task.epoch).toBe(2n);
    expect(task.reroutes).toBe(1n);
    const slash = (fx.config.minStake * 2n * BigInt(fx.config.slashBps)) / 10_000n;
    expect(await fx.market.creditOf(await poster.getAddress())).toBe(slash);
    const failed = await fx.market.getProvider(await p1!.getAddress());
    expect(failed.stake).toBe(fx.config.minStake * 2n - slash);
    expect(failed.slashCount).toBe(1n);
    expect(failed.activeAssignments).toBe(0n);
    await mined(as(fx, p2!).submitResult(taskId, 2, id("r")));
    await fx.conserved();
    expect(await fx.market.creditOf(await poster.getAddress())).toBe(slash + parseEther("0.8"));
  });
});
