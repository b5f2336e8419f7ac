import { formatEther } from "ethers";
import { z } from "zod";
import { keeperReserve, type MarketConfig } from "../protocol/market-config.js";
import { encodeRegion } from "../protocol/region.js";
import type { MechanismName } from "../protocol/enums.js";
import { formatDuration } from "./duration.js";
import { durationSchema } from "./duration-schema.js";
import { ethSchema } from "./eth.js";
import { CHAIN_PRESET_NAMES, DEFAULT_CHAIN_PRESET, resolveChainCost } from "../economics/chain-cost.js";
import { strictObject } from "./issues.js";
import { atMost, checkScenarioLimits, SCENARIO_LIMITS as L } from "./limits.js";
import { bothUnits, checkOnePrice, usdPerGpuHourSchema, type PricePair } from "./usd-prices.js";

// The scenario file, as one zod schema. Parsing turns the file's units into the simulation's:
// durations become integer milliseconds, ETH amounts become wei (bigint), the auction
// mechanism becomes the contract's enum name. Every field is required or has a default;
// unknown keys are errors. Cross-field checks (regions listed, outages inside the run, ...)
// report the exact path of the offending field.

const CHAIN_SECONDS = "chain timestamps are seconds";
const MAX_UNBONDING_MS = 365 * 86_400_000; // the contract's _MAX_UNBONDING_DELAY
const UINT32_MAX = 2 ** 32 - 1;

const RegionName = z
  .string()
  .min(1)
  .superRefine((name, ctx) => {
    if (name === "any") {
      ctx.addIssue({ code: "custom", message: '"any" is reserved for tasks that accept every region; give regions real names' });
      return;
    }
    try {
      encodeRegion(name);
    } catch (error) {
      ctx.addIssue({ code: "custom", message: (error as Error).message });
    }
  });

const GroupName = z
  .string()
  .min(1)
  .max(L.nameLength, atMost(L.nameLength, " characters"))
  .regex(/^[^\s#]+$/, { error: "a group name has no spaces and no '#' (node ids are group#index)" });

const DependencyName = z.string().min(1).max(L.nameLength, atMost(L.nameLength, " characters"));

const ScenarioName = z
  .string()
  .max(L.nameLength, atMost(L.nameLength, " characters"))
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, { error: "a name of letters, digits, '.', '_' and '-' (it names files)" });

const PROVIDER_COST: PricePair = { eth: "costPerSecond", usd: "costPerGpuHourUsd" };
const SITE_PRICE: PricePair = { eth: "pricePerSecond", usd: "pricePerGpuHourUsd" };
const MAX_PRICE: PricePair = { eth: "maxPricePerSecond", usd: "maxPricePerGpuHourUsd" };

/** Fractions (markups, steps) are of the provider's cost, or of the price for `undercut`. */
const StrategySchema = z.discriminatedUnion("kind", [
  strictObject({ kind: z.literal("cost-plus"), markup: z.number().min(0) }),
  strictObject({ kind: z.literal("undercut"), step: z.number().gt(0).lt(1), floorMarkup: z.number().min(0) }),
  strictObject({ kind: z.literal("random-band"), low: z.number().min(0), high: z.number().min(0) }).superRefine((band, ctx) => {
    if (band.high < band.low) ctx.addIssue({ code: "custom", path: ["high"], message: `must be at least low (${band.low}), got ${band.high}` });
  }),
]);

const ProviderGroupSchema = strictObject({
  /** Group name; its providers are the nodes `${group}#0` … `${group}#${count - 1}`. */
  group: GroupName,
  count: z.int().min(1).max(L.providers, atMost(L.providers)),
  region: RegionName,
  /** Upstream dependencies it hides, e.g. "aws:us-east-1", "cloudflare", "azure-front-door". */
  dependsOn: z.array(DependencyName).max(L.dependsOn, atMost(L.dependsOn, " items")).default(() => []),
  /** Concurrent tasks. */
  capacity: z.int().min(1).max(UINT32_MAX).default(4),
  /** Compute-seconds per second. */
  speed: z.number().gt(0).default(1),
  /** Wei per compute-second (ETH in the file), or costPerGpuHourUsd: exactly one. */
  costPerSecond: ethSchema({ positive: true }).optional(),
  /** USD per GPU-hour (docs/pricing.md), converted at chain.ethUsd. */
  costPerGpuHourUsd: usdPerGpuHourSchema().optional(),
  strategy: StrategySchema,
  /** Wei staked at registration; each active assignment locks market.minStake of it. */
  stake: ethSchema({ positive: true }).prefault("2"),
  /** Mean time between independent crashes (ms); absent with mttr: no crashes. */
  mtbf: durationSchema({ min: 1 }).optional(),
  /** Mean time to repair (ms). */
  mttr: durationSchema({ min: 1 }).optional(),
}).superRefine((group, ctx) => {
  checkOnePrice(group, PROVIDER_COST, ctx);
  if ((group.mtbf === undefined) !== (group.mttr === undefined)) {
    const missing = group.mtbf === undefined ? "mtbf" : "mttr";
    ctx.addIssue({ code: "custom", path: [missing], message: "mtbf and mttr go together: give both for independent crashes, or neither" });
  }
});

const WorkloadSchema = strictObject({
  /** Poster accounts the tasks are spread over. */
  posters: z.int().min(1).max(L.posters, atMost(L.posters)).default(4),
  arrivals: strictObject({
    ratePerMinute: z.number().gt(0),
    /** rate × (1 + amplitude·cos(2π(t − peakAt)/period)). */
    diurnal: strictObject({
      amplitude: z.number().min(0).max(1),
      period: durationSchema({ min: 1 }),
      peakAt: durationSchema(),
    }).optional(),
    bursts: z
      .array(strictObject({ at: durationSchema(), duration: durationSchema({ min: 1 }), multiplier: z.number().min(0).max(L.burstMultiplier, atMost(L.burstMultiplier)) }))
      .max(L.bursts, atMost(L.bursts, " items"))
      .default(() => []),
  }),
  /** Log-normal task sizes in compute-milliseconds (a speed-1 node needs that long). */
  taskSize: strictObject({
    median: durationSchema({ min: 1_000, max: L.taskSizeMs }),
    sigma: z.number().min(0).default(0.5),
    max: durationSchema({ min: 1_000, max: L.taskSizeMs, why: "the scenario limit" }),
  }).superRefine((size, ctx) => {
    if (size.max < size.median) {
      ctx.addIssue({ code: "custom", path: ["max"], message: `must be at least median (${formatDuration(size.median)}), got ${formatDuration(size.max)}` });
    }
  }),
  /** Wei per compute-second the poster escrows: a task's max price is this × its size in seconds. */
  maxPricePerSecond: ethSchema({ positive: true }).optional(),
  /** The same in USD per GPU-hour; exactly one of the two. */
  maxPricePerGpuHourUsd: usdPerGpuHourSchema().optional(),
  /** On-chain execution budget = ceil(size in seconds × executionSlack) seconds. */
  executionSlack: z.number().min(1).max(L.executionSlack, atMost(L.executionSlack)).default(3),
  /** The poster's SLA from posting to result (ms): availability counts tasks done within it. */
  deadline: durationSchema({ min: 1_000 }),
  /** Weights of the region a task requires; "any" accepts every region. */
  regionPreference: z.record(z.string(), z.number().min(0)).default(() => ({ any: 1 })),
  mechanism: z
    .enum(["first-price", "second-price"])
    .default("first-price")
    .transform((m): MechanismName => (m === "first-price" ? "FirstPrice" : "SecondPrice")),
}).superRefine((workload, ctx) => checkOnePrice(workload, MAX_PRICE, ctx));

/** The contract's bound on a task's escrow (maxPrice plus keeper reserve): 2^88 - 1 wei. */
const MAX_ESCROW_WEI = 2n ** 88n - 1n;

const MarketSchema = strictObject({
  /** How long an auction takes bids (ms, whole seconds). */
  bidWindow: durationSchema({ min: 1_000, wholeSeconds: true, why: CHAIN_SECONDS }),
  fallbackDepth: z.int().min(1).max(8).default(3),
  maxRounds: z.int().min(1).max(255).default(3),
  slashBps: z.int().min(0).max(10_000).default(1_000),
  abandonSlashBps: z.int().min(0).max(10_000).default(500),
  minStake: ethSchema({ positive: true }).prefault("1"),
  /** ms, whole seconds. */
  unbondingDelay: durationSchema({ wholeSeconds: true, max: MAX_UNBONDING_MS, why: CHAIN_SECONDS }).prefault("1d"),
  /** Wei paid from a task's escrow to the keeper for each close and each reroute after a missed deadline. */
  keeperFee: ethSchema().prefault("0"),
}).superRefine((market, ctx) => {
  const reserve = keeperReserve(market);
  if (reserve >= MAX_ESCROW_WEI) {
    ctx.addIssue({
      code: "custom",
      path: ["keeperFee"],
      message: `keeperFee × maxRounds × (fallbackDepth + 1) is the keeper reserve every task escrows and must be below 2^88 - 1 wei (${formatEther(MAX_ESCROW_WEI)} ETH), got ${formatEther(reserve)} ETH`,
    });
  }
  if (market.abandonSlashBps > market.slashBps) {
    ctx.addIssue({
      code: "custom",
      path: ["abandonSlashBps"],
      message: `must be at most slashBps (${market.slashBps}): abandoning early is never punished more than missing the deadline, got ${market.abandonSlashBps}`,
    });
  }
});

const ScopeSchema = strictObject({
  region: RegionName.optional(),
  dependency: DependencyName.optional(),
  providers: z.array(GroupName).min(1).max(L.scopeProviders, atMost(L.scopeProviders, " items")).optional(),
})
  .superRefine((scope, ctx) => {
    const given = Object.keys(scope).filter((k) => scope[k as keyof typeof scope] !== undefined);
    if (given.length !== 1) {
      // Fatal: the cross-field checks must not see a scope the transform below did not shape.
      ctx.addIssue({
        code: "custom",
        continue: false,
        message: `expected exactly one of {region: name}, {dependency: name} or {providers: [group, ...]}, got ${given.length === 0 ? "none" : given.join(" and ")}`,
      });
    }
  })
  .transform((scope): OutageScope => {
    if (scope.region !== undefined) return { region: scope.region };
    if (scope.dependency !== undefined) return { dependency: scope.dependency };
    return { providers: scope.providers ?? [] };
  });

/** What an outage takes down: every node in a region, behind a dependency, or of some groups. */
export type OutageScope = { region: string } | { dependency: string } | { providers: string[] };

const OutageSchema = strictObject({
  name: z.string().min(1).max(L.nameLength, atMost(L.nameLength, " characters")),
  scope: ScopeSchema,
  /** ms from the start of the run. */
  start: durationSchema(),
  /** Hard-down time (ms); a recovery comes after it. */
  duration: durationSchema({ min: 1 }),
  /** Capacity returns in `steps` equal steps spread over `over` after start + duration. */
  recovery: strictObject({ steps: z.int().min(1).max(L.recoverySteps, atMost(L.recoverySteps)), over: durationSchema({ min: 1 }) }).optional(),
  /** From start, down (1 − upFraction)·period then up upFraction·period, for `for`; then hard down. */
  flapping: strictObject({
    period: durationSchema({ min: 2 }),
    upFraction: z.number().min(0).max(1),
    for: durationSchema({ min: 1 }),
  }).optional(),
}).superRefine((outage, ctx) => {
  if (outage.flapping !== undefined && outage.flapping.for > outage.duration) {
    ctx.addIssue({
      code: "custom",
      path: ["flapping", "for"],
      message: `must be at most the outage's duration (${formatDuration(outage.duration)}), got ${formatDuration(outage.flapping.for)}`,
    });
  }
});

const FailuresSchema = strictObject({
  /** Independent crashes of the provider groups that give mtbf and mttr. */
  crashes: z.boolean().default(true),
  outages: z.array(OutageSchema).max(L.outages, atMost(L.outages, " items")).default(() => []),
});

const SiteFields = {
  region: RegionName,
  dependsOn: z.array(DependencyName).max(L.dependsOn, atMost(L.dependsOn, " items")).default(() => []),
  /** Concurrent tasks at full capacity. */
  capacity: z.int().min(1),
  /** Wei per compute-second (list price), or pricePerGpuHourUsd: exactly one. */
  pricePerSecond: ethSchema({ positive: true }).optional(),
  /** USD per GPU-hour (docs/pricing.md), converted at chain.ethUsd. */
  pricePerGpuHourUsd: usdPerGpuHourSchema().optional(),
};

const checkSitePrice = (site: Record<string, unknown>, ctx: z.RefinementCtx) => checkOnePrice(site, SITE_PRICE, ctx);

/**
 * How a baseline's customer pays: on-demand, for the compute-seconds it uses; or reserved, for
 * its whole capacity over the scenario's duration whether used or not (multi-cloud: the primary
 * and the standby), less a commitment discount (docs/pricing.md R1-R6: 30% for a year).
 */
const BillingFields = {
  billing: z.enum(["on-demand", "reserved"]).default("on-demand"),
  reservedDiscount: z.number().min(0).max(0.95, "must be at most 0.95").default(0),
};

const BaselinesSchema = strictObject({
  centralized: strictObject({ ...SiteFields, speed: z.number().gt(0).default(1), ...BillingFields }).superRefine(checkSitePrice),
  multiCloud: strictObject({
    ...BillingFields,
    primary: strictObject(SiteFields).superRefine(checkSitePrice),
    failover: strictObject(SiteFields).superRefine(checkSitePrice),
    /** From the primary failing to traffic moving to the failover (ms). */
    detectionDelay: durationSchema(),
    /** From the primary recovering to traffic moving back (ms); default detectionDelay. */
    failbackDelay: durationSchema().optional(),
  }).transform((m) => ({ ...m, failbackDelay: m.failbackDelay ?? m.detectionDelay })),
});

/** What gas costs (docs/pricing.md): a preset, and any of its figures overridden. */
const ChainCostSchema = strictObject({
  preset: z.enum(CHAIN_PRESET_NAMES).default(DEFAULT_CHAIN_PRESET),
  gasPriceGwei: z.number().min(0).max(L.gasPriceGwei, atMost(L.gasPriceGwei)).optional(),
  ethUsd: z.number().gt(0).max(L.ethUsd, atMost(L.ethUsd)).optional(),
  l1DataFeeUsdPerTx: z.number().min(0).max(L.l1DataFeeUsdPerTx, atMost(L.l1DataFeeUsdPerTx)).optional(),
}).transform(resolveChainCost);

const ScenarioObject = strictObject({
  name: ScenarioName,
  description: z.string().min(1).max(L.descriptionLength, atMost(L.descriptionLength, " characters")),
  /** Which figures of docs/incidents.md (or another public source) the scenario uses, and how time is compressed. */
  source: z.string().max(L.sourceLength, atMost(L.sourceLength, " characters")).default(""),
  seed: z.int().min(0).default(1),
  /** Arrivals and failures happen in [0, duration) (ms). */
  duration: durationSchema({ min: 1_000, max: L.durationMs, why: "the scenario limit" }),
  /** The market's coordination latency: one block per interval (ms, whole seconds). */
  blockInterval: durationSchema({ min: 1_000, wholeSeconds: true, why: CHAIN_SECONDS }).prefault("2s"),
  /** Availability bucket (ms); default duration / 48 rounded to a whole second. */
  metricsBucket: durationSchema({ min: 1 }).optional(),
  regions: z.array(RegionName).min(1).max(L.regions, atMost(L.regions, " items")),
  providers: z.array(ProviderGroupSchema).min(1).max(L.providerGroups, atMost(L.providerGroups, " items")),
  workload: WorkloadSchema,
  market: MarketSchema,
  failures: FailuresSchema.prefault({}),
  baselines: BaselinesSchema,
  /** Gas and ETH in USD, for the outputs only: it changes nothing the simulation does. */
  chain: ChainCostSchema.prefault({}),
});

type ParsedScenario = z.output<typeof ScenarioObject>;

/**
 * A scenario file. Parse with `ScenarioSchema.parse(data, { error: scenarioErrorMap })` for
 * messages in the file's terms, or use `loadScenario`.
 */
export const ScenarioSchema = ScenarioObject.superRefine(checkReferences)
  .superRefine((s, ctx) => checkScenarioLimits(s, ctx))
  .transform((s, ctx) => ({
    ...withBothPriceUnits(s, ctx),
    metricsBucket: s.metricsBucket ?? defaultMetricsBucket(s.duration),
  }));

/**
 * Every compute price in both units (usd-prices.ts): wei per compute-second for the simulation,
 * USD per GPU-hour for the outputs, converted at chain.ethUsd from whichever the file gave.
 */
function withBothPriceUnits(s: ParsedScenario, ctx: z.RefinementCtx) {
  const { ethUsd } = s.chain;
  const site = <T extends { pricePerSecond?: bigint | undefined; pricePerGpuHourUsd?: number | undefined }>(x: T, path: PropertyKey[]) => {
    const price = bothUnits(x.pricePerSecond, x.pricePerGpuHourUsd, ethUsd, [...path, "pricePerGpuHourUsd"], ctx);
    return { ...x, pricePerSecond: price.wei, pricePerGpuHourUsd: price.usd };
  };
  const maxPrice = bothUnits(s.workload.maxPricePerSecond, s.workload.maxPricePerGpuHourUsd, ethUsd, ["workload", "maxPricePerGpuHourUsd"], ctx);
  const { centralized, multiCloud } = s.baselines;
  return {
    ...s,
    providers: s.providers.map((g, i) => {
      const cost = bothUnits(g.costPerSecond, g.costPerGpuHourUsd, ethUsd, ["providers", i, "costPerGpuHourUsd"], ctx);
      return { ...g, costPerSecond: cost.wei, costPerGpuHourUsd: cost.usd };
    }),
    workload: { ...s.workload, maxPricePerSecond: maxPrice.wei, maxPricePerGpuHourUsd: maxPrice.usd },
    baselines: {
      centralized: site(centralized, ["baselines", "centralized"]),
      multiCloud: { ...multiCloud, primary: site(multiCloud.primary, ["baselines", "multiCloud", "primary"]), failover: site(multiCloud.failover, ["baselines", "multiCloud", "failover"]) },
    },
  };
}

/** A parsed scenario: times in integer ms, money in wei. */
export type Scenario = z.output<typeof ScenarioSchema>;
export type ProviderGroup = Scenario["providers"][number];
export type Outage = Scenario["failures"]["outages"][number];

/** duration / 48, rounded to a whole second, at least 1 s. */
export function defaultMetricsBucket(duration: number): number {
  return Math.max(1_000, Math.round(duration / 48 / 1_000) * 1_000);
}

/**
 * The on-chain market parameters of a scenario, as the contract's constructor takes them.
 * @example const ledger = new MemoryLedger(toMarketConfig(scenario));
 */
export function toMarketConfig(scenario: Scenario): MarketConfig {
  const m = scenario.market;
  return {
    minStake: m.minStake,
    unbondingDelay: m.unbondingDelay / 1_000,
    slashBps: m.slashBps,
    abandonSlashBps: m.abandonSlashBps,
    maxRounds: m.maxRounds,
    fallbackDepth: m.fallbackDepth,
    keeperFee: m.keeperFee,
  };
}

/** Cross-field checks: every name a field refers to exists, every window fits in the run. */
function checkReferences(s: ParsedScenario, ctx: z.RefinementCtx): void {
  const issue = (path: PropertyKey[], message: string) => ctx.addIssue({ code: "custom", path, message });
  const regions = new Set(s.regions);
  const regionList = s.regions.join(", ");
  const checkRegion = (path: PropertyKey[], region: string) => {
    if (!regions.has(region)) issue(path, `region "${region}" is not listed in regions (${regionList})`);
  };

  s.regions.forEach((region, i) => {
    if (s.regions.indexOf(region) !== i) issue(["regions", i], `duplicate region "${region}"`);
  });

  const groups = new Set<string>();
  s.providers.forEach((p, i) => {
    if (groups.has(p.group)) issue(["providers", i, "group"], `duplicate group "${p.group}"; group names must be unique`);
    groups.add(p.group);
    checkRegion(["providers", i, "region"], p.region);
    if (p.stake < s.market.minStake) {
      issue(["providers", i, "stake"], `must be at least market.minStake (${formatEther(s.market.minStake)} ETH) or the provider cannot register, got ${formatEther(p.stake)} ETH`);
    }
  });

  const { centralized, multiCloud } = s.baselines;
  checkRegion(["baselines", "centralized", "region"], centralized.region);
  checkRegion(["baselines", "multiCloud", "primary", "region"], multiCloud.primary.region);
  checkRegion(["baselines", "multiCloud", "failover", "region"], multiCloud.failover.region);

  const preference = s.workload.regionPreference;
  for (const key of Object.keys(preference)) {
    if (key !== "any" && !regions.has(key)) {
      issue(["workload", "regionPreference", key], `"${key}" is neither "any" nor a region listed in regions (${regionList})`);
    }
  }
  if (!Object.values(preference).some((w) => w > 0)) {
    issue(["workload", "regionPreference"], "at least one weight must be more than 0");
  }
  s.workload.arrivals.bursts.forEach((b, i) => {
    if (b.at >= s.duration) issue(["workload", "arrivals", "bursts", i, "at"], `must be before the end of the run (${formatDuration(s.duration)}), got ${formatDuration(b.at)}`);
  });

  if (s.market.bidWindow <= s.blockInterval) {
    issue(
      ["market", "bidWindow"],
      `must be longer than blockInterval (${formatDuration(s.blockInterval)}) so that providers have a block to bid in, got ${formatDuration(s.market.bidWindow)}`,
    );
  }
  if (s.metricsBucket !== undefined && s.metricsBucket > s.duration) {
    issue(["metricsBucket"], `must be at most duration (${formatDuration(s.duration)}), got ${formatDuration(s.metricsBucket)}`);
  }

  const dependencies = new Set([
    ...s.providers.flatMap((p) => p.dependsOn),
    ...centralized.dependsOn,
    ...multiCloud.primary.dependsOn,
    ...multiCloud.failover.dependsOn,
  ]);
  const names = new Set<string>();
  s.failures.outages.forEach((o, i) => {
    const at = (...rest: PropertyKey[]) => ["failures", "outages", i, ...rest];
    if (names.has(o.name)) issue(at("name"), `duplicate outage name "${o.name}"`);
    names.add(o.name);
    const scope = o.scope;
    if ("region" in scope) checkRegion(at("scope", "region"), scope.region);
    if ("dependency" in scope && !dependencies.has(scope.dependency)) {
      const known = [...dependencies].sort().join(", ");
      issue(at("scope", "dependency"), `no provider group or baseline depends on "${scope.dependency}" (known dependencies: ${known || "none"})`);
    }
    if ("providers" in scope) {
      scope.providers.forEach((g, j) => {
        if (!groups.has(g)) issue(at("scope", "providers", j), `no provider group is named "${g}" (groups: ${[...groups].join(", ")})`);
      });
    }
    if (o.start >= s.duration) {
      issue(at("start"), `must be before the end of the run (${formatDuration(s.duration)}), got ${formatDuration(o.start)}`);
    } else if (o.start + o.duration > s.duration) {
      issue(at("duration"), `the outage must end within the run: start ${formatDuration(o.start)} + duration ${formatDuration(o.duration)} is past ${formatDuration(s.duration)}`);
    } else if (o.recovery !== undefined && o.start + o.duration + o.recovery.over > s.duration) {
      issue(
        at("recovery", "over"),
        `the recovery must end within the run: start ${formatDuration(o.start)} + duration ${formatDuration(o.duration)} + over ${formatDuration(o.recovery.over)} is past ${formatDuration(s.duration)}`,
      );
    }
  });
}

