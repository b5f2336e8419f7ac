import { z } from "zod";
import { scenarioErrorMap, strictObject } from "../scenario/issues.js";
import { isScalarMetric, SCALAR_METRICS } from "./scalar-metrics.js";
import type { Json } from "./types.js";

// The experiment file, as one zod schema: a base scenario, the seeds every arm runs (the same
// seeds everywhere: common random numbers), the axes to vary and the metrics to summarise.
// Axis values stay as the scenario file writes them ("2s", "0.001"): each arm's scenario is
// validated by the scenario schema before anything runs (see arms.ts).

/** Bounds on what one experiment may ask, the same for the CLI and the API. */
export const EXPERIMENT_LIMITS = {
  seeds: 1_000,
  axes: 8,
  valuesPerAxis: 100,
  arms: 500,
  runs: 100_000,
  nameLength: 100,
} as const;
const L = EXPERIMENT_LIMITS;

const JsonValue: z.ZodType<Json> = z.lazy(() => z.union([z.null(), z.boolean(), z.number(), z.string(), z.array(JsonValue), z.record(z.string(), JsonValue)]));

const Values = z.array(JsonValue).min(1).max(L.valuesPerAxis, { error: `at most ${L.valuesPerAxis} values` });

/** A scenario field by its dotted path; in a list, a segment is an item's `group` or `name`, or its index. */
const PathAxis = strictObject({
  path: z
    .string()
    .min(1)
    .max(300)
    .regex(/^[^.\s]+(\.[^.\s]+)*$/, { error: "a dotted path such as market.fallbackDepth or providers.<group>.dependsOn" }),
  values: Values,
  /** How tables and charts name the axis (default: the path). */
  name: z.string().min(1).max(L.nameLength).optional(),
});

const Share = z.number().min(0).max(1);

/** The derived axes: each changes exactly what docs/experiments.md says (see derived-axes.ts). */
const HiddenShareAxis = strictObject({
  axis: z.literal("hiddenShare"),
  values: z.array(Share).min(1).max(L.valuesPerAxis),
  /** The hidden upstream dependency (default: the dependency of the base scenario's first dependency outage). */
  dependency: z.string().min(1).max(L.nameLength).optional(),
  /** The groups whose nodes may be put on it (default: every group with no other dependency). */
  groups: z.array(z.string().min(1)).min(1).max(100).optional(),
  name: z.string().min(1).max(L.nameLength).optional(),
});
const PlacementAxis = strictObject({
  axis: z.literal("placement"),
  values: z.array(z.enum(["spread", "concentrated"])).min(1).max(2),
  name: z.string().min(1).max(L.nameLength).optional(),
});
const ProviderCountAxis = strictObject({
  axis: z.literal("providerCount"),
  values: z.array(z.int().min(1).max(5_000)).min(1).max(L.valuesPerAxis),
  name: z.string().min(1).max(L.nameLength).optional(),
});
const ArrivalRateAxis = strictObject({
  axis: z.literal("arrivalRate"),
  values: z.array(z.number().gt(0)).min(1).max(L.valuesPerAxis),
  name: z.string().min(1).max(L.nameLength).optional(),
});
const BlockIntervalAxis = strictObject({
  axis: z.literal("blockInterval"),
  values: z.array(z.string().min(1).max(20)).min(1).max(L.valuesPerAxis),
  /** keep-blocks: the bid window keeps its number of blocks; keep-time: it keeps its duration. */
  bidWindow: z.enum(["keep-blocks", "keep-time"]).default("keep-blocks"),
  name: z.string().min(1).max(L.nameLength).optional(),
});

const DERIVED = ["hiddenShare", "placement", "providerCount", "arrivalRate", "blockInterval"] as const;

const DerivedAxis = z.discriminatedUnion("axis", [HiddenShareAxis, PlacementAxis, ProviderCountAxis, ArrivalRateAxis, BlockIntervalAxis]);

/**
 * An axis: `path:` (a scenario field) or `axis:` (a derived axis). Chosen by which key it has,
 * so a mistake is reported against that kind's fields rather than as "no union member matched".
 */
const AxisSchema = z.unknown().transform((value, ctx): AxisSpec => {
  const isObject = typeof value === "object" && value !== null && !Array.isArray(value);
  const schema = isObject && "path" in value ? PathAxis : isObject && "axis" in value ? DerivedAxis : undefined;
  if (schema === undefined) {
    ctx.addIssue({ code: "custom", message: `each axis needs path: (a scenario field) or axis: (one of ${DERIVED.join(", ")})` });
    return z.NEVER;
  }
  const parsed = schema.safeParse(value, { error: scenarioErrorMap });
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) {
    const paths = issue.code === "unrecognized_keys" ? issue.keys.map((key) => [...issue.path, key]) : [issue.path];
    for (const path of paths) ctx.addIssue({ code: "custom", message: issue.message, path });
  }
  return z.NEVER;
});

export type PathAxisSpec = z.output<typeof PathAxis>;
export type DerivedAxisSpec = z.output<typeof DerivedAxis>;
export type AxisSpec = PathAxisSpec | DerivedAxisSpec;

const SeedList = z
  .array(z.int().min(0).max(Number.MAX_SAFE_INTEGER))
  .min(1)
  .max(L.seeds, { error: `at most ${L.seeds} seeds` })
  .superRefine((seeds, ctx) => {
    const seen = new Set<number>();
    seeds.forEach((seed, i) => {
      if (seen.has(seed)) ctx.addIssue({ code: "custom", path: [i], message: `duplicate seed ${seed}` });
      seen.add(seed);
    });
  });

export const ExperimentSchema = strictObject({
  name: z
    .string()
    .max(L.nameLength)
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, { error: "a name of letters, digits, '.', '_' and '-' (it names files)" }),
  description: z.string().max(2_000).default(""),
  /** A built-in scenario's name, a scenario file (relative to the experiment file), or an inline scenario. */
  base: z.union([z.string().min(1).max(1_000), z.record(z.string(), JsonValue)], {
    error: "a built-in scenario's name, the path of a scenario file, or an inline scenario (a mapping)",
  }),
  ledger: z.enum(["memory", "chain"]).default("memory"),
  /** N (seeds 1..N) or an explicit list. */
  seeds: z.union([z.int().min(1).max(L.seeds, { error: `at most ${L.seeds}` }), SeedList]).default(30),
  /** product: every combination of the axes' values; zip: the i-th value of every axis together. */
  combine: z.enum(["product", "zip"]).default("product"),
  vary: z.array(AxisSchema).max(L.axes, { error: `at most ${L.axes} axes` }).default(() => []),
  /** Metrics to summarise (default: every scalar metric). */
  metrics: z
    .array(
      z.string().refine(isScalarMetric, { error: (issue) => `unknown metric ${JSON.stringify(issue.input)}; metrics: ${SCALAR_METRICS.join(", ")}` }),
    )
    .min(1)
    .max(SCALAR_METRICS.length)
    .optional(),
});

export type ExperimentFile = z.output<typeof ExperimentSchema>;

/** The seeds an experiment file asks for, in order. */
export function seedList(seeds: ExperimentFile["seeds"]): number[] {
  return typeof seeds === "number" ? Array.from({ length: seeds }, (_, i) => i + 1) : [...seeds];
}

/** The name an axis goes by in tables, charts and runs.csv's columns. */
export function axisName(axis: AxisSpec): string {
  return axis.name ?? ("path" in axis ? axis.path : axis.axis);
}
