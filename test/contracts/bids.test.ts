import { describe, expect, it } from "vitest";
import { parseEther, type JsonRpcSigner } from "ethers";
import { encodeRegion } from "../../sim/protocol/region.js";
import {
  as,
  atTime,
  closeAfterWindow,
  mineAt,
  mined,
  now,
  passDeadline,
  postTask,
  registerProvider,
  useMarketFixture,
} from "../helpers/market-fixture.js";
import {
  expectRevert,
  FailureReason,
  rawMarketEvents,
  SkipReason,
  Status,
  type MarketEvent,
} from "../helpers/market-assertions.js";

// placeBid and placeBids: the BidPlaced event, the sorted and bounded fallback list, every refusal
// with its exact arguments, all-or-nothing batches, and bidding across re-auction rounds.
// TEST_CONFIG: minStake 1 ETH, maxRounds 2, fallbackDepth 3.

const fx = useMarketFixture();

function bidPlaced(taskId: bigint, provider: string, price: bigint, round: bigint): MarketEvent {
  return { name: "BidPlaced", args: { taskId, provider, price, round } };
}

/** The task's kept bids, best first, as plain values. */
async function fallbacksOf(taskId: bigint): Promise<{ provider: string; price: bigint }[]> {
  const bids = await fx.market.getFallbacks(taskId);
  return bids.map((b) => ({ provider: b.provider, price: b.price }));
}

/** The n-th provider signer and its address. */
function provider(i: number): JsonRpcSigner {
  const p = fx.providers[i];
  if (p === undefined) throw new Error(`no provider ${i}`);
  return p;
}
function addr(i: number): string {
  const a = fx.providerAddresses[i];
  if (a === undefined) throw new Error(`no provider ${i}`);
  return a;
}

const eth = (s: string) => parseEther(s);

describe("placeBid", () => {
  it("records a bid: one BidPlaced(taskId, provider, price, round 0) and the bid as the only fallback", async () => {
    await registerProvider(fx, provider(0));
    const taskId = await postTask(fx, fx.posters[0]!);
    await fx.conserved();
    const balance = await fx.chain.provider.getBalance(fx.address);

    const receipt = await mined(as(fx, provider(0)).placeBid(taskId, eth("0.4")));
    await fx.conserved();
    expect(rawMarketEvents(fx, receipt)).toEqual([bidPlaced(taskId, addr(0), eth("0.4"), 0n)]);
    expect(await fallbacksOf(taskId)).toEqual([{ provider: addr(0), price: eth("0.4") }]);
    const task = await fx.market.getTask(taskId);
    expect(task.fallbackCount).toBe(1n);
    expect(task.status).toBe(Status.Open);
    expect(await fx.chain.provider.getBalance(fx.address)).toBe(balance);
  });

  it("accepts a bid equal to maxPrice", async () => {
    await registerProvider(fx, provider(0));
    const taskId = await postTask(fx, fx.posters[0]!, { maxPrice: eth("0.9") });
    const receipt = await mined(as(fx, provider(0)).placeBid(taskId, eth("0.9")));
    await fx.conserved();
    expect(rawMarketEvents(fx, receipt)).toEqual([bidPlaced(taskId, addr(0), eth("0.9"), 0n)]);
    expect(await fallbacksOf(taskId)).toEqual([{ provider: addr(0), price: eth("0.9") }]);
  });

  it("accepts a bid in the last second before bidWindowEnd", async () => {
    await registerProvider(fx, provider(0));
    const taskId = await postTask(fx, fx.posters[0]!, { window: 60 });
    const end = Number((await fx.market.getTask(taskId)).bidWindowEnd);
    await atTime(fx, end - 1);
    const receipt = await mined(as(fx, provider(0)).placeBid(taskId, eth("0.3")));
    await fx.conserved();
    expect(await now(fx)).toBe(end - 1);
    expect(rawMarketEvents(fx, receipt)).toEqual([bidPlaced(taskId, addr(0), eth("0.3"), 0n)]);
  });

  it("accepts a provider in the task's region and any provider on an any-region task", async () => {
    await registerProvider(fx, provider(0), { region: "us-east-1" });
    await registerProvider(fx, provider(1), { region: "eu-west-1" });
    const usTask = await postTask(fx, fx.posters[0]!, { region: "us-east-1" });
    const anyTask = await postTask(fx, fx.posters[0]!, { region: "any" });
    await mined(as(fx, provider(0)).placeBid(usTask, eth("0.5")));
    await mined(as(fx, provider(0)).placeBid(anyTask, eth("0.5")));
    await mined(as(fx, provider(1)).placeBid(anyTask, eth("0.6")));
    await fx.conserved();
    expect(await fallbacksOf(usTask)).toEqual([{ provider: addr(0), price: eth("0.5") }]);
    expect(await fallbacksOf(anyTask)).toEqual([
      { provider: addr(0), price: eth("0.5") },
      { provider: addr(1), price: eth("0.6") },
    ]);
  });

  describe("refusals", () => {
    it("reverts ProviderNotRegistered(account) for an account that never registered", async () => {
      const taskId = await postTask(fx, fx.posters[0]!);
      await expectRevert(fx, as(fx, fx.stranger).placeBid(taskId, eth("0.5")), "ProviderNotRegistered", {
        account: await fx.stranger.getAddress(),
      });
      expect(await fallbacksOf(taskId)).toEqual([]);
    });

    it("reverts InsufficientStake(provider, stake, minStake) once the provider requested its stake below minStake", async () => {
      await registerProvider(fx, provider(0), { stake: eth("2") });
      const taskId = await postTask(fx, fx.posters[0]!);
      expect(await fx.market.unlockedStake(addr(0))).toBe(eth("2"));
      await mined(as(fx, provider(0)).requestStakeWithdrawal(eth("1.5")));
      await fx.conserved();
      const record = await fx.market.getProvider(addr(0));
      expect(record.registered).toBe(true);
      expect(record.stake).toBe(eth("0.5"));
      expect(record.stake < fx.config.minStake).toBe(true);

      await expectRevert(fx, as(fx, provider(0)).placeBid(taskId, eth("0.5")), "InsufficientStake", {
        provider: addr(0),
        stake: eth("0.5"),
        required: fx.config.minStake,
      });
      await expectRevert(fx, as(fx, provider(0)).placeBids([taskId], [eth("0.5")]), "InsufficientStake", {
        provider: addr(0),
        stake: eth("0.5"),
        required: fx.config.minStake,
      });
      expect(await fallbacksOf(taskId)).toEqual([]);
    });

    it("reverts InsufficientStake(provider, 0, minStake) once the provider requested all its unlocked stake", async () => {
      await registerProvider(fx, provider(0));
      const taskId = await postTask(fx, fx.posters[0]!);
      const unlocked = await fx.market.unlockedStake(addr(0));
      expect(unlocked).toBe(fx.config.minStake * 2n);
      await mined(as(fx, provider(0)).requestStakeWithdrawal(unlocked));
      await fx.conserved();
      await expectRevert(fx, as(fx, provider(0)).placeBid(taskId, eth("0.5")), "InsufficientStake", {
        provider: addr(0),
        stake: 0n,
        required: fx.config.minStake,
      });
    });

    it("reverts InvalidTaskStatus(taskId, Open, Awarded) for a bid on an awarded task", async () => {
      await registerProvider(fx, provider(0));
      await registerProvider(fx, provider(1));
      const taskId = await postTask(fx, fx.posters[0]!);
      await mined(as(fx, provider(0)).placeBid(taskId, eth("0.5")));
      await closeAfterWindow(fx, taskId);
      await fx.conserved();
      expect((await fx.market.getTask(taskId)).status).toBe(Status.Awarded);
      await expectRevert(fx, as(fx, provider(1)).placeBid(taskId, eth("0.4")), "InvalidTaskStatus", {
        taskId,
        expected: Status.Open,
        actual: Status.Awarded,
      });
      expect(await fallbacksOf(taskId)).toEqual([{ provider: addr(0), price: eth("0.5") }]);
    });

    it("reverts InvalidTaskStatus(taskId, Open, Refunded) for a bid on a cancelled task", async () => {
      await registerProvider(fx, provider(0));
      const poster = fx.posters[0]!;
      const taskId = await postTask(fx, poster);
      await mined(as(fx, poster).cancelTask(taskId));
      await fx.conserved();
      await expectRevert(fx, as(fx, provider(0)).placeBid(taskId, eth("0.4")), "InvalidTaskStatus", {
        taskId,
        expected: Status.Open,
        actual: Status.Refunded,
      });
    });

    it("reverts TaskNotFound(taskId) for an id that was never posted", async () => {
      await registerProvider(fx, provider(0));
      await expectRevert(fx, as(fx, provider(0)).placeBid(1n, eth("0.4")), "TaskNotFound", { taskId: 1n });
      await postTask(fx, fx.posters[0]!);
      await expectRevert(fx, as(fx, provider(0)).placeBid(0n, eth("0.4")), "TaskNotFound", { taskId: 0n });
      await expectRevert(fx, as(fx, provider(0)).placeBid(2n, eth("0.4")), "TaskNotFound", { taskId: 2n });
    });

    it("reverts BiddingClosed(taskId, bidWindowEnd, nowTs) for a bid at exactly bidWindowEnd", async () => {
      await registerProvider(fx, provider(0));
      const taskId = await postTask(fx, fx.posters[0]!);
      const end = Number((await fx.market.getTask(taskId)).bidWindowEnd);
      await atTime(fx, end);
      await expectRevert(fx, as(fx, provider(0)).placeBid(taskId, eth("0.4")), "BiddingClosed", {
        taskId,
        bidWindowEnd: end,
        nowTs: end,
      });
      await mineAt(fx, end);
      expect(await fallbacksOf(taskId)).toEqual([]);
    });

    it("reverts BiddingClosed(taskId, bidWindowEnd, nowTs) for a bid after bidWindowEnd", async () => {
      await registerProvider(fx, provider(0));
      const taskId = await postTask(fx, fx.posters[0]!);
      const end = Number((await fx.market.getTask(taskId)).bidWindowEnd);
      await atTime(fx, end + 25);
      await expectRevert(fx, as(fx, provider(0)).placeBid(taskId, eth("0.4")), "BiddingClosed", {
        taskId,
        bidWindowEnd: end,
        nowTs: end + 25,
      });
      await mineAt(fx, end + 25);
      expect(await fallbacksOf(taskId)).toEqual([]);
    });

    it("reverts ZeroBidPrice(taskId) for a price of 0", async () => {
      await registerProvider(fx, provider(0));
      const taskId = await postTask(fx, fx.posters[0]!);
      await expectRevert(fx, as(fx, provider(0)).placeBid(taskId, 0n), "ZeroBidPrice", { taskId });
      expect(await fallbacksOf(taskId)).toEqual([]);
    });

    it("reverts BidAboveMaxPrice(taskId, price, maxPrice) for a price one wei above maxPrice", async () => {
      await registerProvider(fx, provider(0));
      const taskId = await postTask(fx, fx.posters[0]!, { maxPrice: eth("0.75") });
      await expectRevert(fx, as(fx, provider(0)).placeBid(taskId, eth("0.75") + 1n), "BidAboveMaxPrice", {
        taskId,
        price: eth("0.75") + 1n,
        maxPrice: eth("0.75"),
      });
      expect(await fallbacksOf(taskId)).toEqual([]);
    });

    it("reverts RegionMismatch(taskId, required, actual) for an eu-west-1 provider on a us-east-1 task", async () => {
      await registerProvider(fx, provider(0), { region: "eu-west-1" });
      const taskId = await postTask(fx, fx.posters[0]!, { region: "us-east-1" });
      await expectRevert(fx, as(fx, provider(0)).placeBid(taskId, eth("0.4")), "RegionMismatch", {
        taskId,
        required: encodeRegion("us-east-1"),
        actual: encodeRegion("eu-west-1"),
      });
      expect(await fallbacksOf(taskId)).toEqual([]);
    });

    it("reverts DuplicateBid(taskId, provider, round) for a second bid by the same provider in round 0, whatever its price", async () => {
      await registerProvider(fx, provider(0));
      const taskId = await postTask(fx, fx.posters[0]!);
      await mined(as(fx, provider(0)).placeBid(taskId, eth("0.5")));
      await fx.conserved();
      for (const price of [eth("0.4"), eth("0.5"), eth("0.6")]) {
        await expectRevert(fx, as(fx, provider(0)).placeBid(taskId, price), "DuplicateBid", {
          taskId,
          provider: addr(0),
          round: 0n,
        });
      }
      expect(await fallbacksOf(taskId)).toEqual([{ provider: addr(0), price: eth("0.5") }]);
    });

    it("reverts ProviderFailedTask(taskId, provider) for a provider that missed its deadline and bids again after the re-auction", async () => {
      await registerProvider(fx, provider(0));
      await registerProvider(fx, provider(1));
      const taskId = await postTask(fx, fx.posters[0]!);
      await mined(as(fx, provider(0)).placeBid(taskId, eth("0.2")));
      await closeAfterWindow(fx, taskId);
      await fx.conserved();
      await passDeadline(fx, taskId);
      const receipt = await mined(as(fx, fx.stranger).reroute(taskId));
      await fx.conserved();
      const names = rawMarketEvents(fx, receipt).map((e) => e.name);
      expect(names).toEqual(["TaskRerouted", "ProviderSlashed", "TaskReopened"]);
      expect(rawMarketEvents(fx, receipt)[0]!.args.reason).toBe(FailureReason.DeadlineMissed);
      const task = await fx.market.getTask(taskId);
      expect(task.status).toBe(Status.Open);
      expect(task.round).toBe(1n);

      await expectRevert(fx, as(fx, provider(0)).placeBid(taskId, eth("0.1")), "ProviderFailedTask", {
        taskId,
        provider: addr(0),
      });
      await expectRevert(fx, as(fx, provider(0)).placeBids([taskId], [eth("0.1")]), "ProviderFailedTask", {
        taskId,
        provider: addr(0),
      });
      expect(await fallbacksOf(taskId)).toEqual([]);

      // Another provider may still bid in the new round.
      const bid = await mined(as(fx, provider(1)).placeBid(taskId, eth("0.3")));
      await fx.conserved();
      expect(rawMarketEvents(fx, bid)).toEqual([bidPlaced(taskId, addr(1), eth("0.3"), 1n)]);
    });

    it("reverts ProviderFailedTask(taskId, provider) for a provider that abandoned the task and bids again after the re-auction", async () => {
      await registerProvider(fx, provider(0));
      const taskId = await postTask(fx, fx.posters[0]!);
      await mined(as(fx, provider(0)).placeBid(taskId, eth("0.2")));
      await closeAfterWindow(fx, taskId);
      const receipt = await mined(as(fx, provider(0)).abandonTask(taskId));
      await fx.conserved();
      expect(rawMarketEvents(fx, receipt).map((e) => e.name)).toEqual(["TaskRerouted", "ProviderSlashed", "TaskReopened"]);
      expect((await fx.market.getTask(taskId)).status).toBe(Status.Open);
      await expectRevert(fx, as(fx, provider(0)).placeBid(taskId, eth("0.1")), "ProviderFailedTask", {
        taskId,
        provider: addr(0),
      });
      expect(await fallbacksOf(taskId)).toEqual([]);
    });
  });
});

describe("fallback list", () => {
  it("keeps bids sorted by price, cheapest first, whatever order they arrive in", async () => {
    for (const i of [0, 1, 2]) await registerProvider(fx, provider(i));
    const taskId = await postTask(fx, fx.posters[0]!);
    await mined(as(fx, provider(0)).placeBid(taskId, eth("0.5")));
    expect(await fallbacksOf(taskId)).toEqual([{ provider: addr(0), price: eth("0.5") }]);
    await mined(as(fx, provider(1)).placeBid(taskId, eth("0.3")));
    expect(await fallbacksOf(taskId)).toEqual([
      { provider: addr(1), price: eth("0.3") },
      { provider: addr(0), price: eth("0.5") },
    ]);
    await mined(as(fx, provider(2)).placeBid(taskId, eth("0.4")));
    await fx.conserved();
    expect(await fallbacksOf(taskId)).toEqual([
      { provider: addr(1), price: eth("0.3") },
      { provider: addr(2), price: eth("0.4") },
      { provider: addr(0), price: eth("0.5") },
    ]);
    expect((await fx.market.getTask(taskId)).fallbackCount).toBe(3n);
  });

  it("keeps the earlier of two equal bids first", async () => {
    for (const i of [0, 1, 2]) await registerProvider(fx, provider(i));
    const taskId = await postTask(fx, fx.posters[0]!);
    await mined(as(fx, provider(0)).placeBid(taskId, eth("0.4")));
    await mined(as(fx, provider(1)).placeBid(taskId, eth("0.3")));
    await mined(as(fx, provider(2)).placeBid(taskId, eth("0.4")));
    await fx.conserved();
    expect(await fallbacksOf(taskId)).toEqual([
      { provider: addr(1), price: eth("0.3") },
      { provider: addr(0), price: eth("0.4") },
      { provider: addr(2), price: eth("0.4") },
    ]);
  });

  it("keeps only the best fallbackDepth (3) of 8 bids, while every bid emits BidPlaced", async () => {
    expect(fx.config.fallbackDepth).toBe(3);
    for (let i = 0; i < 8; i++) await registerProvider(fx, provider(i));
    const taskId = await postTask(fx, fx.posters[0]!);
    const prices = ["0.8", "0.3", "0.6", "0.1", "0.7", "0.2", "0.5", "0.4"].map(eth);
    const events: MarketEvent[] = [];
    for (let i = 0; i < 8; i++) {
      const receipt = await mined(as(fx, provider(i)).placeBid(taskId, prices[i]!));
      events.push(...rawMarketEvents(fx, receipt));
    }
    await fx.conserved();
    expect(events).toEqual(prices.map((price, i) => bidPlaced(taskId, addr(i), price, 0n)));
    expect(await fallbacksOf(taskId)).toEqual([
      { provider: addr(3), price: eth("0.1") },
      { provider: addr(5), price: eth("0.2") },
      { provider: addr(1), price: eth("0.3") },
    ]);
    expect((await fx.market.getTask(taskId)).fallbackCount).toBe(3n);
  });

  it("lets a cheaper late bid displace the most expensive kept bid", async () => {
    for (const i of [0, 1, 2, 3]) await registerProvider(fx, provider(i));
    const taskId = await postTask(fx, fx.posters[0]!);
    await mined(as(fx, provider(0)).placeBid(taskId, eth("0.3")));
    await mined(as(fx, provider(1)).placeBid(taskId, eth("0.5")));
    await mined(as(fx, provider(2)).placeBid(taskId, eth("0.4")));
    const receipt = await mined(as(fx, provider(3)).placeBid(taskId, eth("0.35")));
    await fx.conserved();
    expect(rawMarketEvents(fx, receipt)).toEqual([bidPlaced(taskId, addr(3), eth("0.35"), 0n)]);
    expect(await fallbacksOf(taskId)).toEqual([
      { provider: addr(0), price: eth("0.3") },
      { provider: addr(3), price: eth("0.35") },
      { provider: addr(2), price: eth("0.4") },
    ]);
    expect((await fx.market.getTask(taskId)).fallbackCount).toBe(3n);
  });

  it("puts a late bid cheaper than every kept bid first and drops the most expensive", async () => {
    for (const i of [0, 1, 2, 3]) await registerProvider(fx, provider(i));
    const taskId = await postTask(fx, fx.posters[0]!);
    await mined(as(fx, provider(0)).placeBid(taskId, eth("0.3")));
    await mined(as(fx, provider(1)).placeBid(taskId, eth("0.5")));
    await mined(as(fx, provider(2)).placeBid(taskId, eth("0.4")));
    await mined(as(fx, provider(3)).placeBid(taskId, eth("0.1")));
    await fx.conserved();
    expect(await fallbacksOf(taskId)).toEqual([
      { provider: addr(3), price: eth("0.1") },
      { provider: addr(0), price: eth("0.3") },
      { provider: addr(2), price: eth("0.4") },
    ]);
  });

  it("does not keep a late bid that only ties the most expensive kept bid of a full list, but still emits BidPlaced", async () => {
    for (const i of [0, 1, 2, 3]) await registerProvider(fx, provider(i));
    const taskId = await postTask(fx, fx.posters[0]!);
    await mined(as(fx, provider(0)).placeBid(taskId, eth("0.2")));
    await mined(as(fx, provider(1)).placeBid(taskId, eth("0.3")));
    await mined(as(fx, provider(2)).placeBid(taskId, eth("0.4")));
    const receipt = await mined(as(fx, provider(3)).placeBid(taskId, eth("0.4")));
    await fx.conserved();
    expect(rawMarketEvents(fx, receipt)).toEqual([bidPlaced(taskId, addr(3), eth("0.4"), 0n)]);
    expect(await fallbacksOf(taskId)).toEqual([
      { provider: addr(0), price: eth("0.2") },
      { provider: addr(1), price: eth("0.3") },
      { provider: addr(2), price: eth("0.4") },
    ]);
  });

  it("reverts getFallbacks with TaskNotFound(taskId) for an unknown task", async () => {
    await expectRevert(fx, fx.market.getFallbacks(1n), "TaskNotFound", { taskId: 1n });
  });
});

describe("placeBids", () => {
  async function postFive(): Promise<bigint[]> {
    const ids: bigint[] = [];
    for (let i = 0; i < 5; i++) ids.push(await postTask(fx, fx.posters[i % 2]!, { maxPrice: eth("1") }));
    return ids;
  }

  it("places bids on 5 tasks in one transaction with one BidPlaced per task, in order", async () => {
    await registerProvider(fx, provider(0));
    const ids = await postFive();
    await fx.conserved();
    const prices = ["0.1", "0.2", "0.3", "0.4", "0.5"].map(eth);
    const receipt = await mined(as(fx, provider(0)).placeBids(ids, prices));
    await fx.conserved();
    expect(rawMarketEvents(fx, receipt)).toEqual(ids.map((taskId, i) => bidPlaced(taskId, addr(0), prices[i]!, 0n)));
    for (const [i, taskId] of ids.entries()) {
      expect(await fallbacksOf(taskId)).toEqual([{ provider: addr(0), price: prices[i]! }]);
    }
  });

  it("inserts batch bids into the same sorted fallback lists as single bids", async () => {
    await registerProvider(fx, provider(0));
    await registerProvider(fx, provider(1));
    const [a, b] = await postFive();
    await mined(as(fx, provider(0)).placeBid(a!, eth("0.4")));
    await mined(as(fx, provider(0)).placeBid(b!, eth("0.2")));
    await mined(as(fx, provider(1)).placeBids([a!, b!], [eth("0.3"), eth("0.2")]));
    await fx.conserved();
    expect(await fallbacksOf(a!)).toEqual([
      { provider: addr(1), price: eth("0.3") },
      { provider: addr(0), price: eth("0.4") },
    ]);
    expect(await fallbacksOf(b!)).toEqual([
      { provider: addr(0), price: eth("0.2") },
      { provider: addr(1), price: eth("0.2") },
    ]);
  });

  it("reverts the whole batch with the bad entry's BidAboveMaxPrice and records no bid, so the corrected batch then succeeds", async () => {
    await registerProvider(fx, provider(0));
    const ids = await postFive();
    const prices = ["0.1", "0.2", "0.3", "1.5", "0.5"].map(eth);
    await expectRevert(fx, as(fx, provider(0)).placeBids(ids, prices), "BidAboveMaxPrice", {
      taskId: ids[3]!,
      price: eth("1.5"),
      maxPrice: eth("1"),
    });
    for (const taskId of ids) {
      expect(await fallbacksOf(taskId)).toEqual([]);
      expect((await fx.market.getTask(taskId)).fallbackCount).toBe(0n);
    }
    prices[3] = eth("0.4");
    const receipt = await mined(as(fx, provider(0)).placeBids(ids, prices));
    await fx.conserved();
    expect(rawMarketEvents(fx, receipt)).toEqual(ids.map((taskId, i) => bidPlaced(taskId, addr(0), prices[i]!, 0n)));
  });

  it("reverts the whole batch with DuplicateBid when it names the same task twice, and records no bid", async () => {
    await registerProvider(fx, provider(0));
    const ids = await postFive();
    await expectRevert(
      fx,
      as(fx, provider(0)).placeBids([ids[0]!, ids[1]!, ids[0]!], [eth("0.1"), eth("0.2"), eth("0.3")]),
      "DuplicateBid",
      { taskId: ids[0]!, provider: addr(0), round: 0n },
    );
    expect(await fallbacksOf(ids[0]!)).toEqual([]);
    expect(await fallbacksOf(ids[1]!)).toEqual([]);
  });

  it("reverts the whole batch with the bad entry's RegionMismatch and records no bid", async () => {
    await registerProvider(fx, provider(0), { region: "eu-west-1" });
    const open = await postTask(fx, fx.posters[0]!);
    const usOnly = await postTask(fx, fx.posters[0]!, { region: "us-east-1" });
    await expectRevert(fx, as(fx, provider(0)).placeBids([open, usOnly], [eth("0.1"), eth("0.2")]), "RegionMismatch", {
      taskId: usOnly,
      required: encodeRegion("us-east-1"),
      actual: encodeRegion("eu-west-1"),
    });
    expect(await fallbacksOf(open)).toEqual([]);
    expect(await fallbacksOf(usOnly)).toEqual([]);
  });

  it("reverts LengthMismatch(taskIds, prices) when the arrays differ in length", async () => {
    await registerProvider(fx, provider(0));
    const ids = await postFive();
    await expectRevert(fx, as(fx, provider(0)).placeBids([ids[0]!, ids[1]!], [eth("0.1")]), "LengthMismatch", {
      taskIds: 2n,
      prices: 1n,
    });
    await expectRevert(fx, as(fx, provider(0)).placeBids([ids[0]!], [eth("0.1"), eth("0.2")]), "LengthMismatch", {
      taskIds: 1n,
      prices: 2n,
    });
    expect(await fallbacksOf(ids[0]!)).toEqual([]);
    expect(await fallbacksOf(ids[1]!)).toEqual([]);
  });

  it("reverts ProviderNotRegistered(account) for an account that never registered", async () => {
    const ids = await postFive();
    await expectRevert(fx, as(fx, fx.stranger).placeBids([ids[0]!], [eth("0.1")]), "ProviderNotRegistered", {
      account: await fx.stranger.getAddress(),
    });
  });
});

describe("bidding across rounds", () => {
  it("a closed auction with no bids reopens with TaskReopened(round 1), and a new bid carries round 1", async () => {
    await registerProvider(fx, provider(0));
    const taskId = await postTask(fx, fx.posters[0]!, { window: 60 });
    const task = await fx.market.getTask(taskId);
    const closeTs = Number(task.bidWindowEnd);
    await atTime(fx, closeTs);
    const close = await mined(as(fx, fx.stranger).closeAuction(taskId));
    await fx.conserved();
    const newEnd = BigInt(closeTs) + task.bidWindowLength;
    expect(rawMarketEvents(fx, close)).toEqual([{ name: "TaskReopened", args: { taskId, round: 1n, bidWindowEnd: newEnd } }]);
    const reopened = await fx.market.getTask(taskId);
    expect(reopened.status).toBe(Status.Open);
    expect(reopened.round).toBe(1n);
    expect(reopened.bidWindowEnd).toBe(newEnd);

    const bid = await mined(as(fx, provider(0)).placeBid(taskId, eth("0.3")));
    await fx.conserved();
    expect(rawMarketEvents(fx, bid)).toEqual([bidPlaced(taskId, addr(0), eth("0.3"), 1n)]);
    expect(await fallbacksOf(taskId)).toEqual([{ provider: addr(0), price: eth("0.3") }]);
  });

  it("lets a provider whose bid was skipped bid again in the next round, once: a second bid there is DuplicateBid(taskId, provider, 1)", async () => {
    await registerProvider(fx, provider(0), { capacity: 1 });
    const first = await postTask(fx, fx.posters[0]!);
    const second = await postTask(fx, fx.posters[1]!);
    await mined(as(fx, provider(0)).placeBids([first, second], [eth("0.2"), eth("0.3")]));
    await closeAfterWindow(fx, first);
    await fx.conserved();
    expect((await fx.market.getTask(first)).provider).toBe(addr(0));

    // At capacity, its only bid on the second task is skipped and the task is re-auctioned.
    const task = await fx.market.getTask(second);
    const closeTs = Math.max(Number(task.bidWindowEnd), (await now(fx)) + 1);
    await atTime(fx, closeTs);
    const close = await mined(as(fx, fx.stranger).closeAuction(second));
    await fx.conserved();
    expect(rawMarketEvents(fx, close)).toEqual([
      { name: "FallbackSkipped", args: { taskId: second, provider: addr(0), reason: SkipReason.AtCapacity } },
      {
        name: "TaskReopened",
        args: { taskId: second, round: 1n, bidWindowEnd: BigInt(closeTs) + task.bidWindowLength },
      },
    ]);
    // The new round starts with an empty fallback list.
    expect(await fallbacksOf(second)).toEqual([]);
    expect((await fx.market.getTask(second)).fallbackCount).toBe(0n);

    const rebid = await mined(as(fx, provider(0)).placeBid(second, eth("0.25")));
    await fx.conserved();
    expect(rawMarketEvents(fx, rebid)).toEqual([bidPlaced(second, addr(0), eth("0.25"), 1n)]);
    expect(await fallbacksOf(second)).toEqual([{ provider: addr(0), price: eth("0.25") }]);

    await expectRevert(fx, as(fx, provider(0)).placeBid(second, eth("0.2")), "DuplicateBid", {
      taskId: second,
      provider: addr(0),
      round: 1n,
    });
    expect(await fallbacksOf(second)).toEqual([{ provider: addr(0), price: eth("0.25") }]);
  });

  it("refunds with NoBids instead of reopening when the last round (maxRounds 2) closes with no bids, and refuses bids after", async () => {
    await registerProvider(fx, provider(0));
    const poster = fx.posters[0]!;
    const taskId = await postTask(fx, poster, { maxPrice: eth("0.6") });
    await closeAfterWindow(fx, taskId);
    await fx.conserved();
    expect((await fx.market.getTask(taskId)).round).toBe(1n);
    const task = await fx.market.getTask(taskId);
    await atTime(fx, Number(task.bidWindowEnd));
    const close = await mined(as(fx, fx.stranger).closeAuction(taskId));
    await fx.conserved();
    expect(rawMarketEvents(fx, close)).toEqual([
      {
        name: "TaskRefunded",
        args: { taskId, poster: await poster.getAddress(), amount: eth("0.6"), reason: 1n },
      },
    ]);
    await expectRevert(fx, as(fx, provider(0)).placeBid(taskId, eth("0.1")), "InvalidTaskStatus", {
      taskId,
      expected: Status.Open,
      actual: Status.Refunded,
    });
  });
});
