import { describe, expect, it } from "vitest";
import { parseEther } from "ethers";
import { ComputeMarket__factory } from "../../types/ethers-contracts/index.js";
import { deployMarket, readMarketConfig } from "../../sim/chain/deploy.js";
import type { MarketConfig } from "../../sim/protocol/market-config.js";
import { TEST_CONFIG, useMarketFixture, type MarketFixture } from "../helpers/market-fixture.js";
import { ConfigField, expectRevert } from "../helpers/market-assertions.js";

// The constructor: every out-of-range parameter is refused with InvalidConfig(field, value), and
// config() reports exactly what was deployed.

const fx = useMarketFixture();

/** Deploys straight from the factory, so the constructor's revert reaches expectRevert undecorated. */
function deployRaw(overrides: Partial<MarketConfig>) {
  return new ComputeMarket__factory(fx.deployer).deploy({ ...TEST_CONFIG, ...overrides });
}

/** The market's config() as plain values, for exact comparison with a MarketConfig. */
describe("constructor refuses out-of-range parameters", () => {
  it("refuses a minStake of 0 with InvalidConfig(MinStake, 0)", async () => {
    await expectRevert(fx, deployRaw({ minStake: 0n }), "InvalidConfig", { field: ConfigField.MinStake, value: 0 });
  });

  it("refuses an unbondingDelay one second over 365 days with InvalidConfig(UnbondingDelay, value)", async () => {
    await expectRevert(fx, deployRaw({ unbondingDelay: 365 * 86_400 + 1 }), "InvalidConfig", {
      field: ConfigField.UnbondingDelay,
      value: 365 * 86_400 + 1,
    });
  });

  it("accepts an unbondingDelay of exactly 365 days", async () => {
    const deployed = await deployMarket(fx.chain, fx.deployer, { unbondingDelay: 365 * 86_400 });
    expect(deployed.config.unbondingDelay).toBe(365 * 86_400);
    expect((await deployed.market.config()).unbondingDelay).toBe(BigInt(365 * 86_400));
  });

  it("refuses a slashBps of 10001 with InvalidConfig(SlashBps, 10001)", async () => {
    await expectRevert(fx, deployRaw({ slashBps: 10_001 }), "InvalidConfig", {
      field: ConfigField.SlashBps,
      value: 10_001,
    });
  });

  it("refuses an abandonSlashBps one above slashBps with InvalidConfig(AbandonSlashBps, value)", async () => {
    await expectRevert(fx, deployRaw({ slashBps: 1_000, abandonSlashBps: 1_001 }), "InvalidConfig", {
      field: ConfigField.AbandonSlashBps,
      value: 1_001,
    });
  });

  it("refuses a maxRounds of 0 with InvalidConfig(MaxRounds, 0)", async () => {
    await expectRevert(fx, deployRaw({ maxRounds: 0 }), "InvalidConfig", { field: ConfigField.MaxRounds, value: 0 });
  });

  it("refuses a fallbackDepth of 0 with InvalidConfig(FallbackDepth, 0)", async () => {
    await expectRevert(fx, deployRaw({ fallbackDepth: 0 }), "InvalidConfig", {
      field: ConfigField.FallbackDepth,
      value: 0,
    });
  });

  it("refuses a fallbackDepth of 9 with InvalidConfig(FallbackDepth, 9)", async () => {
    await expectRevert(fx, deployRaw({ fallbackDepth: 9 }), "InvalidConfig", {
      field: ConfigField.FallbackDepth,
      value: 9,
    });
  });
});

describe("constructor accepts in-range parameters", () => {
  it("returns from config() exactly the parameters it was deployed with", async () => {
    const cfg: MarketConfig = {
      minStake: parseEther("2.5"),
      unbondingDelay: 7_200,
      slashBps: 2_500,
      abandonSlashBps: 1_250,
      maxRounds: 5,
      fallbackDepth: 4,
      keeperFee: parseEther("0.001"),
    };
    const { market, config } = await deployMarket(fx.chain, fx.deployer, cfg);
    expect(config).toEqual(cfg);
    expect(await readMarketConfig(market)).toEqual(cfg);
  });

  it("reports the fixture's TEST_CONFIG from the fixture's market", async () => {
    expect(await readMarketConfig(fx.market)).toEqual(TEST_CONFIG);
  });

  it("accepts the largest fallbackDepth, 8", async () => {
    const cfg = { ...TEST_CONFIG, fallbackDepth: 8 };
    const { market } = await deployMarket(fx.chain, fx.deployer, cfg);
    expect(await readMarketConfig(market)).toEqual(cfg);
  });

  it("accepts the smallest fallbackDepth, 1", async () => {
    const cfg = { ...TEST_CONFIG, fallbackDepth: 1 };
    const { market } = await deployMarket(fx.chain, fx.deployer, cfg);
    expect(await readMarketConfig(market)).toEqual(cfg);
  });

  it("accepts the boundary values: minStake 1 wei, slashBps = abandonSlashBps = 10000, maxRounds 1", async () => {
    const cfg: MarketConfig = {
      minStake: 1n,
      unbondingDelay: 0,
      slashBps: 10_000,
      abandonSlashBps: 10_000,
      maxRounds: 1,
      fallbackDepth: 3,
      keeperFee: 0n,
    };
    const { market } = await deployMarket(fx.chain, fx.deployer, cfg);
    expect(await readMarketConfig(market)).toEqual(cfg);
  });

  it("accepts an abandonSlashBps of 0 and the largest maxRounds, 255", async () => {
    const cfg = { ...TEST_CONFIG, abandonSlashBps: 0, maxRounds: 255 };
    const { market } = await deployMarket(fx.chain, fx.deployer, cfg);
    expect(await readMarketConfig(market)).toEqual(cfg);
  });
});
