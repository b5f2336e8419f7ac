// Re-entry from a payee's receive() into the market's non-paying functions, through the paths
// test/contracts/withdraw.attacks.test.ts does not take: from withdrawStake (the other function
// that sends ether) into submitResult and reroute, and from withdraw into abandonTask and the
// batch rerouteTasks. Those functions hold no lock (they send nothing), so a re-entered call
// must act exactly as the same call made directly, and the payout must happen exactly once.
import { describe, expect, it } from "vitest";
import { id, parseEther } from "ethers";
import { ReentrantActor__factory, type ReentrantActor } from "../../types/ethers-contracts/index.js";
import { TASK_STATUS } from "../../sim/protocol/enums.js";
import { encodeRegion } from "../../sim/protocol/region.js";
import { as, closeAfterWindow, mineAt, mined, now, passDeadline, postTask, registerProvider, useMarketFixture } from "../helpers/market-fixture.js";
import { enumNumbers, rawMarketEvents, type Receipt } from "../helpers/market-assertions.js";

const TaskStatus = enumNumbers(TASK_STATUS);
const RESULT = id("result");
const BPS = 10_000n;
const LONG_BUDGET = 10_000; // seconds: outlives the unbonding delay (3,600)

const fx = useMarketFixture();

const iface = () => fx.market.interface;
const balanceOf = (address: string) => fx.chain.provider.getBalance(address);
const names = (receipt: Receipt) => rawMarketEvents(fx, receipt).map((e) => e.name);

/** A ReentrantActor registered as a provider with 2 × minStake. */
async function reentrantProvider(): Promise<{ actor: ReentrantActor; address: string }> {
  const actor = await new ReentrantActor__factory(fx.deployer).deploy(fx.address);
  await actor.waitForDeployment();
  await mined(actor.act(iface().encodeFunctionData("registerProvider", [encodeRegion("eu-west-1"), 4]), { value: fx.config.minStake * 2n }));
  return { actor, address: await actor.getAddress() };
}

/** Poster 0 posts a 1 ETH task; `bids` are placed in order (actor bids go through act()); the auction is closed. */
async function awardedTask(bids: Array<[bidder: ReentrantActor | number, price: string]>, budget = 300): Promise<bigint> {
  const taskId = await postTask(fx, fx.posters[0]!, { maxPrice: parseEther("1"), budget });
  for (const [bidder, price] of bids) {
    if (typeof bidder === "number") await mined(as(fx, fx.providers[bidder]!).placeBid(taskId, parseEther(price)));
    else await mined(bidder.act(iface().encodeFunctionData("placeBid", [taskId, parseEther(price)])));
  }
  await closeAfterWindow(fx, taskId);
  return taskId;
}

/** The actor asks for `amount` of its stake back and waits out the unbonding delay. */
async function unbond(actor: ReentrantActor, address: string, amount: bigint): Promise<void> {
  await mined(actor.act(iface().encodeFunctionData("requestStakeWithdrawal", [amount])));
  await mineAt(fx, Number((await fx.market.getProvider(address)).unbondingReadyAt) + 1);
}

/** Arms the actor with `payload`, runs `fn` through act(), and checks the re-entry succeeded. */
async function attack(actor: ReentrantActor, payload: string, fn: "withdraw" | "withdrawStake"): Promise<Receipt> {
  await mined(actor.setAttack(payload));
  const calldata = fn === "withdraw" ? iface().encodeFunctionData("withdraw") : iface().encodeFunctionData("withdrawStake");
  const receipt = await mined(actor.act(calldata));
  expect(await actor.attackAttempted(), "re-entry attempted").toBe(true);
  expect(await actor.attackSucceeded(), "re-entered call succeeded, as a direct call would").toBe(true);
  return receipt;
}

describe("re-entry from withdrawStake's receive()", () => {
  it("into submitResult for its own live assignment: the stake is paid once and the task settles as a direct result", async () => {
    const { actor, address } = await reentrantProvider();
    await registerProvider(fx, fx.providers[0]!);
    const taskId = await awardedTask([[actor, "0.4"], [0, "0.6"]], LONG_BUDGET);
    const amount = fx.config.minStake / 2n;
    await unbond(actor, address, amount);
    await fx.conserved({ extra: [address] });
    const [marketBefore, actorBefore] = await Promise.all([balanceOf(fx.address), balanceOf(address)]);

    const receipt = await attack(actor, iface().encodeFunctionData("submitResult", [taskId, 1, RESULT]), "withdrawStake");

    expect(names(receipt)).toEqual(["StakeWithdrawn", "ResultSubmitted"]);
    expect((await balanceOf(address)) - actorBefore, "paid the unbonded stake, once").toBe(amount);
    expect(marketBefore - (await balanceOf(fx.address))).toBe(amount);
    expect(Number((await fx.market.getTask(taskId)).status)).toBe(TaskStatus.Completed);
    expect(await fx.market.creditOf(address), "the payment is a credit, not paid out").toBe(parseEther("0.4"));
    expect(await fx.market.creditOf(fx.posterAddresses[0]!)).toBe(parseEther("0.6"));
    const p = await fx.market.getProvider(address);
    expect([p.unbonding, p.activeAssignments]).toEqual([0n, 0n]);
    await fx.conserved({ extra: [address] });
  });

  it("into reroute of another provider's overdue task: a normal reroute that credits the attacker nothing", async () => {
    const { actor, address } = await reentrantProvider();
    await registerProvider(fx, fx.providers[0]!);
    await registerProvider(fx, fx.providers[1]!);
    const amount = fx.config.minStake;
    await mined(actor.act(iface().encodeFunctionData("requestStakeWithdrawal", [amount])));
    const taskId = await awardedTask([[0, "0.2"], [1, "0.5"]]);
    await passDeadline(fx, taskId);
    await mineAt(fx, Math.max(await now(fx), Number((await fx.market.getProvider(address)).unbondingReadyAt)) + 1);
    await fx.conserved({ extra: [address] });
    const actorBefore = await balanceOf(address);

    const receipt = await attack(actor, iface().encodeFunctionData("reroute", [taskId]), "withdrawStake");

    expect(names(receipt)).toEqual(["StakeWithdrawn", "TaskRerouted", "ProviderSlashed", "TaskAwarded"]);
    expect((await balanceOf(address)) - actorBefore).toBe(amount);
    expect(await fx.market.creditOf(address)).toBe(0n);
    const slash = (fx.config.minStake * 2n * BigInt(fx.config.slashBps)) / BPS;
    expect(await fx.market.creditOf(fx.posterAddresses[0]!)).toBe(slash);
    const task = await fx.market.getTask(taskId);
    expect([task.provider, task.epoch]).toEqual([fx.providerAddresses[1]!, 2n]);
    await fx.conserved({ extra: [address] });
  });
});

describe("re-entry from withdraw's receive()", () => {
  it("into abandonTask of its own live assignment: the credit is paid once, the slash goes to the poster", async () => {
    const { actor, address } = await reentrantProvider();
    await registerProvider(fx, fx.providers[0]!);
    const paid = await awardedTask([[actor, "0.3"]]);
    await mined(actor.act(iface().encodeFunctionData("submitResult", [paid, 1, RESULT])));
    const held = await awardedTask([[actor, "0.2"], [0, "0.5"]]);
    await fx.conserved({ extra: [address] });
    const [actorBefore, posterBefore] = await Promise.all([balanceOf(address), fx.market.creditOf(fx.posterAddresses[0]!)]);

    const receipt = await attack(actor, iface().encodeFunctionData("abandonTask", [held]), "withdraw");

    expect(names(receipt)).toEqual(["Withdrawn", "TaskRerouted", "ProviderSlashed", "TaskAwarded"]);
    expect((await balanceOf(address)) - actorBefore, "paid its credit, once").toBe(parseEther("0.3"));
    expect(await fx.market.creditOf(address)).toBe(0n);
    const slash = (fx.config.minStake * 2n * BigInt(fx.config.abandonSlashBps)) / BPS;
    expect((await fx.market.creditOf(fx.posterAddresses[0]!)) - posterBefore).toBe(slash);
    expect((await fx.market.getTask(held)).provider).toBe(fx.providerAddresses[0]!);
    await fx.conserved({ extra: [address] });
  });

  it("into rerouteTasks over two overdue tasks: both rerouted as by a direct batch", async () => {
    const { actor, address } = await reentrantProvider();
    for (const i of [0, 1, 2]) await registerProvider(fx, fx.providers[i]!);
    const paid = await awardedTask([[actor, "0.3"]]);
    await mined(actor.act(iface().encodeFunctionData("submitResult", [paid, 1, RESULT])));
    const a = await awardedTask([[0, "0.2"], [2, "0.5"]]);
    const b = await awardedTask([[1, "0.2"], [2, "0.6"]]);
    await passDeadline(fx, b);
    await fx.conserved({ extra: [address] });
    const actorBefore = await balanceOf(address);

    const receipt = await attack(actor, iface().encodeFunctionData("rerouteTasks", [[a, b]]), "withdraw");

    expect(names(receipt).filter((n) => n === "TaskRerouted")).toHaveLength(2);
    expect((await balanceOf(address)) - actorBefore).toBe(parseEther("0.3"));
    expect(await fx.market.creditOf(address)).toBe(0n);
    for (const taskId of [a, b]) expect((await fx.market.getTask(taskId)).provider).toBe(fx.providerAddresses[2]!);
    await fx.conserved({ extra: [address] });
  });
});
