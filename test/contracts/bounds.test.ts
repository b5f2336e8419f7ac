import { beforeEach, describe, expect, it } from "vitest";
import { parseEther, toBeHex, ZeroHash, type JsonRpcSigner } from "ethers";
import { ANY_REGION, encodeRegion } from "../../sim/protocol/region.js";
import {
  as,
  closeAfterWindow,
  FIRST_PRICE,
  mined,
  now,
  passDeadline,
  postTask,
  registerProvider,
  useMarketFixture,
} from "../helpers/market-fixture.js";
import { ev, expectEvents, expectRevert, marketEvents, Status } from "../helpers/market-assertions.js";

// The amount bounds of the gas-optimised market, two deliberate changes:
//   a. prices are stored in 88 bits, so postTask refuses an escrow above 2^88 - 1 with AmountTooLarge;
//   c. no Panic(0x11): registerProvider and addStake refuse a deposit that would take
//      stake + unbonding above 2^96 - 1 with AmountTooLarge(stake + unbonding + value), and
//      slashedTotal is a uint256 that keeps counting past 2^96.
// The market slashes 100% here, so a few slashes of a 2^96 - 1 stake pass 2^96.

const fx = useMarketFixture({ slashBps: 10_000, abandonSlashBps: 10_000 });

const UINT88_MAX = 2n ** 88n - 1n;
const UINT96_MAX = 2n ** 96n - 1n;

// Amounts this large need more ether than the dev accounts hold.
beforeEach(async () => {
  for (const account of fx.accounts) await fx.chain.provider.send("hardhat_setBalance", [account, toBeHex(10n ** 32n)]);
});

async function addr(signer: JsonRpcSigner): Promise<string> {
  return signer.getAddress();
}

describe("postTask escrow bound (2^88 - 1)", () => {
  it("reverts AmountTooLarge(amount) for an escrow of 2^88 and of 2^96 - 1, and stores nothing", async () => {
    const end = (await now(fx)) + 600;
    for (const value of [UINT88_MAX + 1n, UINT96_MAX, UINT96_MAX + 1n]) {
      await expectRevert(
        fx,
        as(fx, fx.posters[0]!).postTask(ZeroHash, ANY_REGION, end, 10, FIRST_PRICE, { value }),
        "AmountTooLarge",
        { amount: value },
      );
    }
    expect(await fx.market.taskCount()).toBe(0n);
    expect(await fx.market.totalEscrow()).toBe(0n);
    expect(await fx.chain.provider.getBalance(fx.address)).toBe(0n);
  });

  it("checks the bound before the bid window and the execution budget", async () => {
    const past = (await now(fx)) - 10;
    await expectRevert(
      fx,
      as(fx, fx.posters[0]!).postTask(ZeroHash, ANY_REGION, past, 0, FIRST_PRICE, { value: UINT88_MAX + 1n }),
      "AmountTooLarge",
      { amount: UINT88_MAX + 1n },
    );
  });

  it("accepts 2^88 - 1, keeps bids up to it exactly, and pays them", async () => {
    const [p1, p2] = fx.providers as [JsonRpcSigner, JsonRpcSigner];
    await registerProvider(fx, p1);
    await registerProvider(fx, p2);
    const poster = fx.posters[0]!;
    const taskId = await postTask(fx, poster, { maxPrice: UINT88_MAX });
    expect((await fx.market.getTask(taskId)).maxPrice).toBe(UINT88_MAX);
    expect(await fx.market.totalEscrow()).toBe(UINT88_MAX);
    await expectRevert(fx, as(fx, p2).placeBid(taskId, UINT88_MAX + 1n), "BidAboveMaxPrice", {
      taskId,
      price: UINT88_MAX + 1n,
      maxPrice: UINT88_MAX,
    });
    await mined(as(fx, p1).placeBid(taskId, UINT88_MAX));
    await mined(as(fx, p2).placeBid(taskId, UINT88_MAX - 1n));
    expect((await fx.market.getFallbacks(taskId)).map((b) => [b.provider, b.price])).toEqual([
      [await addr(p2), UINT88_MAX - 1n],
      [await addr(p1), UINT88_MAX],
    ]);
    await closeAfterWindow(fx, taskId);
    const receipt = await mined(as(fx, p2).submitResult(taskId, 1, ZeroHash));
    expectEvents(fx, receipt, [
      ev("ResultSubmitted", { taskId, provider: await addr(p2), epoch: 1, resultHash: ZeroHash, payment: UINT88_MAX - 1n, posterRefund: 1n }),
    ]);
    expect(await fx.market.creditOf(await addr(p2))).toBe(UINT88_MAX - 1n);
    await fx.conserved();
  });
});

describe("stake + unbonding bound (2^96 - 1)", () => {
  it("registerProvider reverts AmountTooLarge(value) for 2^96 and accepts 2^96 - 1", async () => {
    const [p1] = fx.providers as [JsonRpcSigner];
    await expectRevert(fx, as(fx, p1).registerProvider(encodeRegion("eu-west-1"), 1, { value: UINT96_MAX + 1n }), "AmountTooLarge", {
      amount: UINT96_MAX + 1n,
    });
    await registerProvider(fx, p1, { stake: UINT96_MAX });
    expect((await fx.market.getProvider(await addr(p1))).stake).toBe(UINT96_MAX);
    await expectRevert(fx, as(fx, p1).addStake({ value: 1n }), "AmountTooLarge", { amount: UINT96_MAX + 1n });
    await fx.conserved();
  });

  it("addStake counts unbonding stake: AmountTooLarge(stake + unbonding + value) one wei over, the exact fit accepted", async () => {
    const [p1] = fx.providers as [JsonRpcSigner];
    const address = await addr(p1);
    await registerProvider(fx, p1, { stake: UINT96_MAX - parseEther("3") });
    await mined(as(fx, p1).requestStakeWithdrawal(parseEther("1")));
    // stake 2^96 - 1 - 4 ETH, unbonding 1 ETH: room for exactly 3 ETH
    await expectRevert(fx, as(fx, p1).addStake({ value: parseEther("3") + 1n }), "AmountTooLarge", { amount: UINT96_MAX + 1n });
    const receipt = await mined(as(fx, p1).addStake({ value: parseEther("3") }));
    expectEvents(fx, receipt, [ev("StakeAdded", { provider: address, amount: parseEther("3"), stake: UINT96_MAX - parseEther("1") })]);
    // Moving all of it to unbonding cannot overflow the unbonding total, and unbonding still counts.
    await mined(as(fx, p1).requestStakeWithdrawal(UINT96_MAX - parseEther("1")));
    const p = await fx.market.getProvider(address);
    expect([p.stake, p.unbonding]).toEqual([0n, UINT96_MAX]);
    await expectRevert(fx, as(fx, p1).addStake({ value: UINT96_MAX }), "AmountTooLarge", { amount: 2n * UINT96_MAX });
    await expectRevert(fx, as(fx, p1).requestStakeWithdrawal(1n), "StakeLocked", { provider: address, requested: 1n, unlocked: 0n });
    expect(await fx.market.totalStaked()).toBe(UINT96_MAX);
    await fx.conserved();
  });

  it("checks the bound after ProviderNotRegistered", async () => {
    await expectRevert(fx, as(fx, fx.stranger).addStake({ value: UINT96_MAX + 1n }), "ProviderNotRegistered", {
      account: await addr(fx.stranger),
    });
  });
});

describe("slashedTotal is a uint256", () => {
  it("keeps counting past 2^96 - 1: two full slashes of a 2^96 - 1 stake", async () => {
    const [p1] = fx.providers as [JsonRpcSigner];
    const address = await addr(p1);
    const poster = fx.posters[0]!;
    await registerProvider(fx, p1, { stake: UINT96_MAX });
    for (const round of [1n, 2n]) {
      const taskId = await postTask(fx, poster, { budget: 10 });
      await mined(as(fx, p1).placeBid(taskId, parseEther("0.5")));
      await closeAfterWindow(fx, taskId);
      await passDeadline(fx, taskId);
      const receipt = await mined(as(fx, fx.stranger).reroute(taskId));
      expect(marketEvents(fx, receipt)[1]).toEqual(
        ev("ProviderSlashed", { provider: address, taskId, amount: UINT96_MAX, poster: await addr(poster) }),
      );
      expect((await fx.market.getTask(taskId)).status).toBe(Status.Open);
      const p = await fx.market.getProvider(address);
      expect([p.stake, p.slashCount, p.slashedTotal]).toEqual([0n, round, round * UINT96_MAX]);
      if (round === 1n) await mined(as(fx, p1).addStake({ value: UINT96_MAX }));
    }
    expect((await fx.market.getProvider(address)).slashedTotal).toBeGreaterThan(UINT96_MAX);
    expect(await fx.market.creditOf(await addr(poster))).toBe(2n * UINT96_MAX);
    await fx.conserved();
  });
});
