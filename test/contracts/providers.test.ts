import { beforeAll, describe, expect, it } from "vitest";
import { id, parseEther, type JsonRpcSigner } from "ethers";
import { ANY_REGION, encodeRegion } from "../../sim/protocol/region.js";
import {
  as,
  atTime,
  closeAfterWindow,
  mined,
  now,
  passDeadline,
  postTask,
  registerProvider,
  useMarketFixture,
} from "../helpers/market-fixture.js";
import {
  expectRevert,
  marketEvents,
  normaliseArgs,
  receivedBy,
  type Receipt,
} from "../helpers/market-assertions.js";

// Every provider function (registerProvider, addStake, updateCapacity, requestStakeWithdrawal,
// withdrawStake) and the provider views (getProvider, unlockedStake): the state after each call,
// its one event, and each refusal with its exact custom error.

const fx = useMarketFixture();
let minStake: bigint;
let delay: number;

beforeAll(() => {
  minStake = fx.config.minStake;
  delay = fx.config.unbondingDelay;
});

const EU = encodeRegion("eu-west-1");

/** Asserts the receipt holds exactly one market event, `name`, with exactly these arguments. */
function expectOnlyEvent(receipt: Receipt, name: string, args: Record<string, unknown>): void {
  const events = marketEvents(fx, receipt);
  expect(events.map((e) => e.name)).toEqual([name]);
  expect(events[0]!.args).toEqual(normaliseArgs(args));
}

/** Asserts the receipt holds exactly one `name` market event, with exactly these arguments. */
function expectOneEventAmong(receipt: Receipt, name: string, args: Record<string, unknown>): void {
  const events = marketEvents(fx, receipt).filter((e) => e.name === name);
  expect(events).toHaveLength(1);
  expect(events[0]!.args).toEqual(normaliseArgs(args));
}

interface ProviderFields {
  stake: bigint;
  region: string;
  capacity: number;
  unbonding: bigint;
  unbondingReadyAt: number;
  activeAssignments: number;
  slashCount: number;
  registered: boolean;
  slashedTotal: bigint;
}

const UNREGISTERED: ProviderFields = {
  stake: 0n,
  region: ANY_REGION,
  capacity: 0,
  unbonding: 0n,
  unbondingReadyAt: 0,
  activeAssignments: 0,
  slashCount: 0,
  registered: false,
  slashedTotal: 0n,
};

/** What registerProvider's defaults give: eu-west-1, capacity 4, 2 × minStake. */
const registeredDefaults = (): ProviderFields => ({
  ...UNREGISTERED,
  stake: minStake * 2n,
  region: EU,
  capacity: 4,
  registered: true,
});

/**
 * Asserts every field of the provider's record, except those in `ignore` (for fields the spec
 * leaves undefined at that point).
 */
async function expectProvider(
  signer: JsonRpcSigner,
  expected: ProviderFields,
  ignore: readonly (keyof ProviderFields)[] = [],
): Promise<void> {
  const p = await fx.market.getProvider(await signer.getAddress());
  const actual: Record<string, unknown> = {
    stake: p.stake,
    region: p.region,
    capacity: p.capacity,
    unbonding: p.unbonding,
    unbondingReadyAt: p.unbondingReadyAt,
    activeAssignments: p.activeAssignments,
    slashCount: p.slashCount,
    registered: p.registered,
    slashedTotal: p.slashedTotal,
  };
  const wanted: Record<string, unknown> = { ...expected };
  for (const key of ignore) {
    delete actual[key];
    delete wanted[key];
  }
  expect(normaliseArgs(actual)).toEqual(normaliseArgs(wanted));
}

async function unlocked(signer: JsonRpcSigner): Promise<bigint> {
  return fx.market.unlockedStake(await signer.getAddress());
}

/** Sends `call` in a block stamped `timestamp` (strictly after the latest block). */
async function minedAt(timestamp: number, call: () => ReturnType<typeof mined>): Promise<Receipt> {
  await atTime(fx, timestamp);
  const receipt = await call();
  const block = await receipt.getBlock();
  expect(block.timestamp).toBe(timestamp);
  return receipt;
}

/**
 * Posts a task, has `winner` place the only bid, and closes the auction: `winner` is assigned.
 * Checks conservation after each step.
 */
async function assignTaskTo(winner: JsonRpcSigner, price = parseEther("0.5")): Promise<bigint> {
  const taskId = await postTask(fx, fx.posters[0]!);
  await fx.conserved();
  await mined(as(fx, winner).placeBid(taskId, price));
  await fx.conserved();
  await closeAfterWindow(fx, taskId);
  await fx.conserved();
  const task = await fx.market.getTask(taskId);
  expect(task.status).toBe(2n);
  expect(task.provider).toBe(await winner.getAddress());
  return taskId;
}

function providerSigners(n: number): JsonRpcSigner[] {
  return fx.providers.slice(0, n);
}

// ==================================================================== registerProvider

describe("registerProvider", () => {
  it("records region, capacity and stake, emits ProviderRegistered and counts the stake in totalStaked", async () => {
    const [p] = providerSigners(1) as [JsonRpcSigner];
    const stake = parseEther("2.5");
    await fx.conserved();
    const receipt = await mined(as(fx, p).registerProvider(EU, 7, { value: stake }));
    expectOnlyEvent(receipt, "ProviderRegistered", { provider: await p.getAddress(), region: EU, capacity: 7, stake });
    await expectProvider(p, { ...UNREGISTERED, stake, region: EU, capacity: 7, registered: true });
    expect(await unlocked(p)).toBe(stake);
    expect(await fx.market.totalStaked()).toBe(stake);
    await fx.conserved();
  });

  it("accepts a stake of exactly minStake", async () => {
    const [p] = providerSigners(1) as [JsonRpcSigner];
    const receipt = await mined(as(fx, p).registerProvider(EU, 1, { value: minStake }));
    expectOnlyEvent(receipt, "ProviderRegistered", {
      provider: await p.getAddress(),
      region: EU,
      capacity: 1,
      stake: minStake,
    });
    await expectProvider(p, { ...UNREGISTERED, stake: minStake, region: EU, capacity: 1, registered: true });
    await fx.conserved();
  });

  it("refuses a second registration with ProviderAlreadyRegistered(provider) and keeps the first record", async () => {
    const [p] = providerSigners(1) as [JsonRpcSigner];
    await registerProvider(fx, p);
    await expectRevert(
      fx,
      as(fx, p).registerProvider(encodeRegion("us-east-1"), 2, { value: minStake * 3n }),
      "ProviderAlreadyRegistered",
      { provider: await p.getAddress() },
    );
    await expectProvider(p, registeredDefaults());
    await fx.conserved();
  });

  it("refuses the zero (any) region with InvalidRegion", async () => {
    const [p] = providerSigners(1) as [JsonRpcSigner];
    await expectRevert(fx, as(fx, p).registerProvider(ANY_REGION, 4, { value: minStake }), "InvalidRegion", {});
    await expectProvider(p, UNREGISTERED);
  });

  it("refuses a capacity of 0 with InvalidCapacity", async () => {
    const [p] = providerSigners(1) as [JsonRpcSigner];
    await expectRevert(fx, as(fx, p).registerProvider(EU, 0, { value: minStake }), "InvalidCapacity", {});
    await expectProvider(p, UNREGISTERED);
  });

  it("refuses a stake 1 wei below minStake with InsufficientStake(provider, offered, minStake)", async () => {
    const [p] = providerSigners(1) as [JsonRpcSigner];
    await expectRevert(fx, as(fx, p).registerProvider(EU, 4, { value: minStake - 1n }), "InsufficientStake", {
      provider: await p.getAddress(),
      stake: minStake - 1n,
      required: minStake,
    });
    await expectProvider(p, UNREGISTERED);
  });

  it("refuses a registration with no value with InsufficientStake(provider, 0, minStake)", async () => {
    const [p] = providerSigners(1) as [JsonRpcSigner];
    await expectRevert(fx, as(fx, p).registerProvider(EU, 4), "InsufficientStake", {
      provider: await p.getAddress(),
      stake: 0n,
      required: minStake,
    });
    await expectProvider(p, UNREGISTERED);
  });
});

// ==================================================================== addStake

describe("addStake", () => {
  it("adds msg.value to the stake on each top-up and emits StakeAdded(provider, amount, new stake)", async () => {
    const [p] = providerSigners(1) as [JsonRpcSigner];
    const address = await p.getAddress();
    await registerProvider(fx, p);
    await fx.conserved();

    let receipt = await mined(as(fx, p).addStake({ value: parseEther("0.3") }));
    expectOnlyEvent(receipt, "StakeAdded", { provider: address, amount: parseEther("0.3"), stake: parseEther("2.3") });
    await expectProvider(p, { ...registeredDefaults(), stake: parseEther("2.3") });
    expect(await unlocked(p)).toBe(parseEther("2.3"));
    expect(await fx.market.totalStaked()).toBe(parseEther("2.3"));
    await fx.conserved();

    receipt = await mined(as(fx, p).addStake({ value: 1n }));
    expectOnlyEvent(receipt, "StakeAdded", { provider: address, amount: 1n, stake: parseEther("2.3") + 1n });
    await expectProvider(p, { ...registeredDefaults(), stake: parseEther("2.3") + 1n });
    expect(await fx.market.totalStaked()).toBe(parseEther("2.3") + 1n);
    await fx.conserved();
  });

  it("refuses a top-up of 0 with ZeroAmount", async () => {
    const [p] = providerSigners(1) as [JsonRpcSigner];
    await registerProvider(fx, p);
    await expectRevert(fx, as(fx, p).addStake({ value: 0n }), "ZeroAmount", {});
    await expectProvider(p, registeredDefaults());
  });

  it("refuses an unregistered caller with ProviderNotRegistered(caller)", async () => {
    await expectRevert(fx, as(fx, fx.stranger).addStake({ value: minStake }), "ProviderNotRegistered", {
      account: await fx.stranger.getAddress(),
    });
    await expectProvider(fx.stranger, UNREGISTERED);
  });
});

// ==================================================================== updateCapacity

describe("updateCapacity", () => {
  it("sets the new capacity, leaves the rest of the record unchanged and emits CapacityUpdated", async () => {
    const [p] = providerSigners(1) as [JsonRpcSigner];
    await registerProvider(fx, p);
    await fx.conserved();
    let receipt = await mined(as(fx, p).updateCapacity(9));
    expectOnlyEvent(receipt, "CapacityUpdated", { provider: await p.getAddress(), capacity: 9 });
    await expectProvider(p, { ...registeredDefaults(), capacity: 9 });
    await fx.conserved();

    receipt = await mined(as(fx, p).updateCapacity(1));
    expectOnlyEvent(receipt, "CapacityUpdated", { provider: await p.getAddress(), capacity: 1 });
    await expectProvider(p, { ...registeredDefaults(), capacity: 1 });
    await fx.conserved();
  });

  it("refuses a capacity of 0 with InvalidCapacity", async () => {
    const [p] = providerSigners(1) as [JsonRpcSigner];
    await registerProvider(fx, p);
    await expectRevert(fx, as(fx, p).updateCapacity(0), "InvalidCapacity", {});
    await expectProvider(p, registeredDefaults());
  });

  it("refuses an unregistered caller with ProviderNotRegistered(caller)", async () => {
    await expectRevert(fx, as(fx, fx.stranger).updateCapacity(3), "ProviderNotRegistered", {
      account: await fx.stranger.getAddress(),
    });
    await expectProvider(fx.stranger, UNREGISTERED);
  });
});

// ==================================================================== requestStakeWithdrawal

describe("requestStakeWithdrawal", () => {
  it("moves the amount from stake to unbonding, ready unbondingDelay later, and emits StakeWithdrawalRequested", async () => {
    const [p] = providerSigners(1) as [JsonRpcSigner];
    await registerProvider(fx, p);
    await fx.conserved();
    const t = (await now(fx)) + 10;
    const amount = parseEther("0.75");
    const receipt = await minedAt(t, () => mined(as(fx, p).requestStakeWithdrawal(amount)));
    expectOnlyEvent(receipt, "StakeWithdrawalRequested", {
      provider: await p.getAddress(),
      amount,
      unbonding: amount,
      readyAt: t + delay,
    });
    await expectProvider(p, {
      ...registeredDefaults(),
      stake: minStake * 2n - amount,
      unbonding: amount,
      unbondingReadyAt: t + delay,
    });
    expect(await unlocked(p)).toBe(minStake * 2n - amount);
    // Unbonding stake is still held, so totalStaked does not move until it is withdrawn.
    expect(await fx.market.totalStaked()).toBe(minStake * 2n);
    await fx.conserved();
  });

  it("accepts a request for the whole stake, leaving stake 0 and the provider registered", async () => {
    const [p] = providerSigners(1) as [JsonRpcSigner];
    await registerProvider(fx, p);
    const t = (await now(fx)) + 5;
    const receipt = await minedAt(t, () => mined(as(fx, p).requestStakeWithdrawal(minStake * 2n)));
    expectOnlyEvent(receipt, "StakeWithdrawalRequested", {
      provider: await p.getAddress(),
      amount: minStake * 2n,
      unbonding: minStake * 2n,
      readyAt: t + delay,
    });
    await expectProvider(p, {
      ...registeredDefaults(),
      stake: 0n,
      unbonding: minStake * 2n,
      unbondingReadyAt: t + delay,
    });
    expect(await unlocked(p)).toBe(0n);
    await fx.conserved();
  });

  it("adds a second request to the unbonding total and restarts the delay from the second request", async () => {
    const [p] = providerSigners(1) as [JsonRpcSigner];
    const address = await p.getAddress();
    await registerProvider(fx, p);
    await fx.conserved();
    const t1 = (await now(fx)) + 10;
    let receipt = await minedAt(t1, () => mined(as(fx, p).requestStakeWithdrawal(parseEther("0.2"))));
    expectOnlyEvent(receipt, "StakeWithdrawalRequested", {
      provider: address,
      amount: parseEther("0.2"),
      unbonding: parseEther("0.2"),
      readyAt: t1 + delay,
    });
    await fx.conserved();

    const t2 = t1 + 1_000;
    receipt = await minedAt(t2, () => mined(as(fx, p).requestStakeWithdrawal(parseEther("0.3"))));
    expectOnlyEvent(receipt, "StakeWithdrawalRequested", {
      provider: address,
      amount: parseEther("0.3"),
      unbonding: parseEther("0.5"),
      readyAt: t2 + delay,
    });
    await expectProvider(p, {
      ...registeredDefaults(),
      stake: minStake * 2n - parseEther("0.5"),
      unbonding: parseEther("0.5"),
      unbondingReadyAt: t2 + delay,
    });
    expect(await unlocked(p)).toBe(minStake * 2n - parseEther("0.5"));
    await fx.conserved();
  });

  it("refuses an amount of 0 with ZeroAmount", async () => {
    const [p] = providerSigners(1) as [JsonRpcSigner];
    await registerProvider(fx, p);
    await expectRevert(fx, as(fx, p).requestStakeWithdrawal(0), "ZeroAmount", {});
    await expectProvider(p, registeredDefaults());
  });

  it("refuses an unregistered caller with ProviderNotRegistered(caller)", async () => {
    await expectRevert(fx, as(fx, fx.stranger).requestStakeWithdrawal(1), "ProviderNotRegistered", {
      account: await fx.stranger.getAddress(),
    });
  });

  it("refuses more than the stake with StakeLocked(provider, requested, unlocked = stake)", async () => {
    const [p] = providerSigners(1) as [JsonRpcSigner];
    await registerProvider(fx, p);
    await expectRevert(fx, as(fx, p).requestStakeWithdrawal(minStake * 2n + 1n), "StakeLocked", {
      provider: await p.getAddress(),
      requested: minStake * 2n + 1n,
      unlocked: minStake * 2n,
    });
    await expectProvider(p, registeredDefaults());
  });

  it("refuses stake locked by an active assignment with StakeLocked(unlocked = stake - minStake), and unlocks it once the result is submitted", async () => {
    const [p] = providerSigners(1) as [JsonRpcSigner];
    const address = await p.getAddress();
    const stake = minStake * 2n;
    await registerProvider(fx, p);
    await fx.conserved();
    const taskId = await assignTaskTo(p);
    await fx.conserved();
    await expectProvider(p, { ...registeredDefaults(), activeAssignments: 1 });
    expect(await unlocked(p)).toBe(stake - minStake);

    await expectRevert(fx, as(fx, p).requestStakeWithdrawal(stake), "StakeLocked", {
      provider: address,
      requested: stake,
      unlocked: stake - minStake,
    });
    await expectRevert(fx, as(fx, p).requestStakeWithdrawal(stake - minStake + 1n), "StakeLocked", {
      provider: address,
      requested: stake - minStake + 1n,
      unlocked: stake - minStake,
    });
    await fx.conserved();

    await mined(as(fx, p).submitResult(taskId, 1, id("result")));
    await fx.conserved();
    await expectProvider(p, registeredDefaults());
    expect(await unlocked(p)).toBe(stake);

    const t = (await now(fx)) + 1;
    const receipt = await minedAt(t, () => mined(as(fx, p).requestStakeWithdrawal(stake)));
    expectOnlyEvent(receipt, "StakeWithdrawalRequested", {
      provider: address,
      amount: stake,
      unbonding: stake,
      readyAt: t + delay,
    });
    await expectProvider(p, { ...registeredDefaults(), stake: 0n, unbonding: stake, unbondingReadyAt: t + delay });
    await fx.conserved();
  });

  it("lets a provider with an active assignment request exactly its unlocked stake, then refuses 1 wei more with StakeLocked(unlocked 0)", async () => {
    const [p] = providerSigners(1) as [JsonRpcSigner];
    const address = await p.getAddress();
    await registerProvider(fx, p, { stake: parseEther("2.5") });
    await assignTaskTo(p);
    await fx.conserved();
    expect(await unlocked(p)).toBe(parseEther("1.5"));

    const t = (await now(fx)) + 1;
    const receipt = await minedAt(t, () => mined(as(fx, p).requestStakeWithdrawal(parseEther("1.5"))));
    expectOnlyEvent(receipt, "StakeWithdrawalRequested", {
      provider: address,
      amount: parseEther("1.5"),
      unbonding: parseEther("1.5"),
      readyAt: t + delay,
    });
    await expectProvider(p, {
      ...registeredDefaults(),
      stake: minStake,
      unbonding: parseEther("1.5"),
      unbondingReadyAt: t + delay,
      activeAssignments: 1,
    });
    expect(await unlocked(p)).toBe(0n);
    await fx.conserved();

    await expectRevert(fx, as(fx, p).requestStakeWithdrawal(1), "StakeLocked", {
      provider: address,
      requested: 1n,
      unlocked: 0n,
    });
  });
});

// ==================================================================== withdrawStake

describe("withdrawStake", () => {
  it("at readyAt pays exactly the unbonding amount to the provider, emits StakeWithdrawn and clears unbonding", async () => {
    const [p] = providerSigners(1) as [JsonRpcSigner];
    const address = await p.getAddress();
    await registerProvider(fx, p);
    await fx.conserved();
    const t = (await now(fx)) + 1;
    const amount = parseEther("1.2");
    await minedAt(t, () => mined(as(fx, p).requestStakeWithdrawal(amount)));
    await fx.conserved();

    const { receipt, received } = await receivedBy(fx, address, () =>
      minedAt(t + delay, () => mined(as(fx, p).withdrawStake())),
    );
    expect(received).toBe(amount);
    expectOnlyEvent(receipt, "StakeWithdrawn", { provider: address, amount });
    // The spec does not say what unbondingReadyAt holds once nothing is unbonding.
    await expectProvider(p, { ...registeredDefaults(), stake: minStake * 2n - amount, unbonding: 0n }, [
      "unbondingReadyAt",
    ]);
    expect(await fx.market.totalStaked()).toBe(minStake * 2n - amount);
    await fx.conserved();
  });

  it("refuses one second before readyAt with UnbondingNotFinished(provider, readyAt, block timestamp)", async () => {
    const [p] = providerSigners(1) as [JsonRpcSigner];
    await registerProvider(fx, p);
    const t = (await now(fx)) + 1;
    await minedAt(t, () => mined(as(fx, p).requestStakeWithdrawal(minStake)));

    await atTime(fx, t + delay - 1);
    await expectRevert(fx, as(fx, p).withdrawStake(), "UnbondingNotFinished", {
      provider: await p.getAddress(),
      readyAt: t + delay,
      nowTs: t + delay - 1,
    });
    await expectProvider(p, { ...registeredDefaults(), stake: minStake, unbonding: minStake, unbondingReadyAt: t + delay });
  });

  it("refuses right after the request with UnbondingNotFinished(provider, readyAt, block timestamp)", async () => {
    const [p] = providerSigners(1) as [JsonRpcSigner];
    await registerProvider(fx, p);
    const t = (await now(fx)) + 1;
    await minedAt(t, () => mined(as(fx, p).requestStakeWithdrawal(minStake)));

    await atTime(fx, t + 1);
    await expectRevert(fx, as(fx, p).withdrawStake(), "UnbondingNotFinished", {
      provider: await p.getAddress(),
      readyAt: t + delay,
      nowTs: t + 1,
    });
  });

  it("after a second request, refuses at the first readyAt and pays both amounts at the restarted readyAt", async () => {
    const [p] = providerSigners(1) as [JsonRpcSigner];
    const address = await p.getAddress();
    await registerProvider(fx, p);
    await fx.conserved();
    const t1 = (await now(fx)) + 1;
    await minedAt(t1, () => mined(as(fx, p).requestStakeWithdrawal(parseEther("0.4"))));
    await fx.conserved();
    const t2 = t1 + 600;
    await minedAt(t2, () => mined(as(fx, p).requestStakeWithdrawal(parseEther("0.6"))));
    await fx.conserved();

    await atTime(fx, t1 + delay);
    await expectRevert(fx, as(fx, p).withdrawStake(), "UnbondingNotFinished", {
      provider: address,
      readyAt: t2 + delay,
      nowTs: t1 + delay,
    });
    await fx.conserved();

    const { receipt, received } = await receivedBy(fx, address, () =>
      minedAt(t2 + delay, () => mined(as(fx, p).withdrawStake())),
    );
    expect(received).toBe(parseEther("1"));
    expectOnlyEvent(receipt, "StakeWithdrawn", { provider: address, amount: parseEther("1") });
    await expectProvider(p, { ...registeredDefaults(), stake: minStake * 2n - parseEther("1"), unbonding: 0n }, [
      "unbondingReadyAt",
    ]);
    await fx.conserved();
  });

  it("refuses a registered provider with nothing unbonding with NothingToWithdraw(provider)", async () => {
    const [p] = providerSigners(1) as [JsonRpcSigner];
    await registerProvider(fx, p);
    await expectRevert(fx, as(fx, p).withdrawStake(), "NothingToWithdraw", { account: await p.getAddress() });
    await expectProvider(p, registeredDefaults());
  });

  it("refuses an unregistered account with NothingToWithdraw(account)", async () => {
    await expectRevert(fx, as(fx, fx.stranger).withdrawStake(), "NothingToWithdraw", {
      account: await fx.stranger.getAddress(),
    });
  });

  it("refuses a second withdrawStake after the payout with NothingToWithdraw(provider)", async () => {
    const [p] = providerSigners(1) as [JsonRpcSigner];
    await registerProvider(fx, p);
    const t = (await now(fx)) + 1;
    await minedAt(t, () => mined(as(fx, p).requestStakeWithdrawal(minStake)));
    await fx.conserved();
    await minedAt(t + delay, () => mined(as(fx, p).withdrawStake()));
    await fx.conserved();
    await expectRevert(fx, as(fx, p).withdrawStake(), "NothingToWithdraw", { account: await p.getAddress() });
  });
});

// ==================================================================== stake below minStake

describe("a provider whose stake fell below minStake", () => {
  it("cannot bid after a withdrawal request (InsufficientStake(provider, stake, minStake)) and can bid again after topping up", async () => {
    const [p] = providerSigners(1) as [JsonRpcSigner];
    const address = await p.getAddress();
    await registerProvider(fx, p);
    await fx.conserved();
    await mined(as(fx, p).requestStakeWithdrawal(parseEther("1.5")));
    await fx.conserved();
    const taskId = await postTask(fx, fx.posters[0]!);
    await fx.conserved();

    await expectRevert(fx, as(fx, p).placeBid(taskId, parseEther("0.5")), "InsufficientStake", {
      provider: address,
      stake: parseEther("0.5"),
      required: minStake,
    });
    expect((await fx.market.getTask(taskId)).fallbackCount).toBe(0n);

    await mined(as(fx, p).addStake({ value: parseEther("0.5") }));
    await fx.conserved();
    const receipt = await mined(as(fx, p).placeBid(taskId, parseEther("0.5")));
    expectOnlyEvent(receipt, "BidPlaced", { taskId, provider: address, price: parseEther("0.5"), round: 0 });
    await fx.conserved();
  });

  it("with exactly minStake, cannot bid after withdrawing 1 wei: InsufficientStake(provider, minStake - 1, minStake)", async () => {
    const [p] = providerSigners(1) as [JsonRpcSigner];
    await registerProvider(fx, p, { stake: minStake });
    await fx.conserved();
    await mined(as(fx, p).requestStakeWithdrawal(1));
    await fx.conserved();
    const taskId = await postTask(fx, fx.posters[0]!);
    await fx.conserved();
    await expectRevert(fx, as(fx, p).placeBid(taskId, parseEther("0.5")), "InsufficientStake", {
      provider: await p.getAddress(),
      stake: minStake - 1n,
      required: minStake,
    });
  });
});

// ==================================================================== slashes

describe("slashes", () => {
  it("records a missed deadline: stake cut by slashBps, slashCount 1, slashedTotal, ProviderSlashed to the poster", async () => {
    const [p1, p2] = providerSigners(2) as [JsonRpcSigner, JsonRpcSigner];
    const poster = fx.posters[0]!;
    await registerProvider(fx, p1);
    await registerProvider(fx, p2);
    await fx.conserved();
    const taskId = await postTask(fx, poster);
    await fx.conserved();
    await mined(as(fx, p1).placeBid(taskId, parseEther("0.1")));
    await fx.conserved();
    await mined(as(fx, p2).placeBid(taskId, parseEther("0.2")));
    await fx.conserved();
    await closeAfterWindow(fx, taskId);
    await fx.conserved();
    await passDeadline(fx, taskId);

    const receipt = await mined(as(fx, fx.stranger).reroute(taskId));
    const slash = (minStake * 2n * BigInt(fx.config.slashBps)) / 10_000n;
    expectOneEventAmong(receipt, "ProviderSlashed", {
      provider: await p1.getAddress(),
      taskId,
      amount: slash,
      poster: await poster.getAddress(),
    });
    await expectProvider(p1, {
      ...registeredDefaults(),
      stake: minStake * 2n - slash,
      slashCount: 1,
      slashedTotal: slash,
    });
    expect(await unlocked(p1)).toBe(minStake * 2n - slash);
    expect(await fx.market.totalStaked()).toBe(minStake * 4n - slash);
    // The fallback took over and was not slashed.
    await expectProvider(p2, { ...registeredDefaults(), activeAssignments: 1 });
    await fx.conserved();
  });

  it("accumulates slashCount and slashedTotal over two missed deadlines, each slash a share of the stake left", async () => {
    const [p] = providerSigners(1) as [JsonRpcSigner];
    const address = await p.getAddress();
    await registerProvider(fx, p);
    await fx.conserved();
    const first = await postTask(fx, fx.posters[0]!);
    await fx.conserved();
    const second = await postTask(fx, fx.posters[1]!);
    await fx.conserved();
    await mined(as(fx, p).placeBid(first, parseEther("0.1")));
    await fx.conserved();
    await mined(as(fx, p).placeBid(second, parseEther("0.1")));
    await fx.conserved();
    await closeAfterWindow(fx, first);
    await fx.conserved();
    await closeAfterWindow(fx, second);
    await fx.conserved();
    await expectProvider(p, { ...registeredDefaults(), activeAssignments: 2 });
    expect(await unlocked(p)).toBe(0n);

    await passDeadline(fx, second);
    const bps = BigInt(fx.config.slashBps);
    const slash1 = (minStake * 2n * bps) / 10_000n;
    const slash2 = ((minStake * 2n - slash1) * bps) / 10_000n;

    let receipt = await mined(as(fx, fx.stranger).reroute(first));
    expectOneEventAmong(receipt, "ProviderSlashed", {
      provider: address,
      taskId: first,
      amount: slash1,
      poster: await fx.posters[0]!.getAddress(),
    });
    await expectProvider(p, {
      ...registeredDefaults(),
      stake: minStake * 2n - slash1,
      activeAssignments: 1,
      slashCount: 1,
      slashedTotal: slash1,
    });
    await fx.conserved();

    receipt = await mined(as(fx, fx.stranger).reroute(second));
    expectOneEventAmong(receipt, "ProviderSlashed", {
      provider: address,
      taskId: second,
      amount: slash2,
      poster: await fx.posters[1]!.getAddress(),
    });
    await expectProvider(p, {
      ...registeredDefaults(),
      stake: minStake * 2n - slash1 - slash2,
      slashCount: 2,
      slashedTotal: slash1 + slash2,
    });
    expect(await unlocked(p)).toBe(minStake * 2n - slash1 - slash2);
    await fx.conserved();
  });

  it("slashes only the stake, not stake already unbonding, which is paid out in full", async () => {
    const [p] = providerSigners(1) as [JsonRpcSigner];
    const address = await p.getAddress();
    await registerProvider(fx, p, { stake: minStake * 3n });
    const taskId = await assignTaskTo(p);
    await fx.conserved();
    const t = (await now(fx)) + 1;
    await minedAt(t, () => mined(as(fx, p).requestStakeWithdrawal(minStake)));
    await fx.conserved();

    await passDeadline(fx, taskId);
    const receipt = await mined(as(fx, fx.stranger).reroute(taskId));
    const slash = (minStake * 2n * BigInt(fx.config.slashBps)) / 10_000n;
    expectOneEventAmong(receipt, "ProviderSlashed", {
      provider: address,
      taskId,
      amount: slash,
      poster: await fx.posters[0]!.getAddress(),
    });
    await expectProvider(p, {
      ...registeredDefaults(),
      stake: minStake * 2n - slash,
      unbonding: minStake,
      unbondingReadyAt: t + delay,
      slashCount: 1,
      slashedTotal: slash,
    });
    await fx.conserved();

    const at = Math.max(t + delay, (await now(fx)) + 1);
    const { receipt: withdrawal, received } = await receivedBy(fx, address, () =>
      minedAt(at, () => mined(as(fx, p).withdrawStake())),
    );
    expect(received).toBe(minStake);
    expectOnlyEvent(withdrawal, "StakeWithdrawn", { provider: address, amount: minStake });
    await fx.conserved();
  });
});

// ==================================================================== views

describe("getProvider and unlockedStake", () => {
  it("return an all-zero record and 0 unlocked for an account that never registered", async () => {
    await expectProvider(fx.stranger, UNREGISTERED);
    expect(await unlocked(fx.stranger)).toBe(0n);
  });

  it("unlockedStake subtracts minStake per active assignment and gives it back as each assignment ends", async () => {
    const [p] = providerSigners(1) as [JsonRpcSigner];
    await registerProvider(fx, p, { stake: parseEther("3.5") });
    await fx.conserved();
    expect(await unlocked(p)).toBe(parseEther("3.5"));
    const first = await assignTaskTo(p);
    await fx.conserved();
    expect(await unlocked(p)).toBe(parseEther("2.5"));
    const second = await assignTaskTo(p);
    await fx.conserved();
    expect(await unlocked(p)).toBe(parseEther("1.5"));
    await expectProvider(p, { ...registeredDefaults(), stake: parseEther("3.5"), activeAssignments: 2 });

    await mined(as(fx, p).submitResult(first, 1, id("r1")));
    await fx.conserved();
    expect(await unlocked(p)).toBe(parseEther("2.5"));
    await mined(as(fx, p).submitResult(second, 1, id("r2")));
    await fx.conserved();
    expect(await unlocked(p)).toBe(parseEther("3.5"));
    await expectProvider(p, { ...registeredDefaults(), stake: parseEther("3.5") });
  });
});
