// The requests and responses of the background simulation routes (simulation-routes.ts), as zod
// schemas: requests are parsed with them (strict: unknown fields are 400s with their path), and
// openapi.ts documents them from the same objects.
import { z } from "zod";
import { listBuiltinScenarios, loadScenario } from "../sim/scenario/load.js";
import { scenarioErrorMap } from "../sim/scenario/issues.js";
import { estimatedTasks, LEDGER_RUN_LIMITS, maxBlocks } from "../sim/scenario/limits.js";
import { ScenarioSchema, type Scenario } from "../sim/scenario/schema.js";
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, pagedOf, wholeNumber } from "./schemas.js";

// ---------------------------------------------------------------- limits
//
// A request may name a built-in scenario or carry one inline (the 64 kB body limit bounds its
// text). The scenario schema bounds every count and size for any run (sim/scenario/limits.ts);
// a background run is held to tighter bounds by ledger, so one request cannot hold the single
// worker slot for hours: the blocks it may mine, the tasks it is expected to post and the
// providers. The job manager also stops any run at a wall-clock limit (simulation-jobs.ts).

export { estimatedTasks, maxBlocks, simulationHorizon } from "../sim/scenario/limits.js";
export const SIMULATION_LIMITS = LEDGER_RUN_LIMITS;

export type LedgerKind = "chain" | "memory";

/** Where a scenario is over a background run's limits on `ledger`: each bound it passes, at the field to change. */
export function backgroundRunIssues(scenario: Scenario, ledger: LedgerKind): Array<{ path: string[]; message: string }> {
  const limits = SIMULATION_LIMITS[ledger];
  const issues: Array<{ path: string[]; message: string }> = [];
  const over = (what: string, value: number, max: number, path: string[], hint: string) => {
    if (value > max) issues.push({ path, message: `the run would ${what} ${value.toLocaleString("en")}, over the ${ledger} ledger's limit of ${max.toLocaleString("en")}: ${hint}` });
  };
  over("mine up to", maxBlocks(scenario), limits.blocks, ["blockInterval"], "shorten duration or workload.deadline, or lengthen blockInterval");
  over("post about", estimatedTasks(scenario), limits.tasks, ["workload", "arrivals", "ratePerMinute"], "lower the arrival rate or shorten duration");
  const providers = scenario.providers.reduce((sum, p) => sum + p.count, 0);
  over("register", providers, limits.providers, ["providers"], "use fewer providers");
  return issues;
}

// ---------------------------------------------------------------- requests

let builtinNames: string[] | undefined;
/** The built-in scenarios' names (read once: they ship with the code). */
export function builtinScenarioNames(): string[] {
  return (builtinNames ??= listBuiltinScenarios().map((s) => s.name));
}

/**
 * The scenario of a request: a built-in's name (never a path: the API reads no file a client
 * names), or a scenario object validated by the project's scenario schema, every problem
 * reported at its field (e.g. `scenario.providers.0.count`).
 */
const ScenarioField = z
  .union([z.string(), z.record(z.string(), z.unknown())], { error: "expected the name of a built-in scenario, or a scenario object" })
  .transform((value, ctx): Scenario => {
    if (typeof value === "string") {
      const names = builtinScenarioNames();
      if (!names.includes(value)) {
        ctx.addIssue({ code: "custom", message: `unknown built-in scenario ${JSON.stringify(value.slice(0, 100))}; built-ins: ${names.join(", ")} (or send a scenario object)` });
        return z.NEVER;
      }
      return loadScenario(value);
    }
    const parsed = ScenarioSchema.safeParse(value, { error: scenarioErrorMap });
    if (parsed.success) return parsed.data;
    for (const issue of parsed.error.issues) {
      // An unknown key is named in the path, with the scenario schema's list of allowed keys.
      const paths = issue.code === "unrecognized_keys" ? issue.keys.map((key) => [...issue.path, key]) : [issue.path];
      for (const path of paths) ctx.addIssue({ code: "custom", path: path.map((p) => (typeof p === "symbol" ? String(p) : p)), message: issue.message });
    }
    return z.NEVER;
  })
  .openapi({
    description: 'A built-in scenario\'s name (an unknown name is answered 400 with the list of built-ins), or a scenario object in the scenario file\'s format (every duration with its unit, like "10m" or "1500ms": a bare number is refused; amounts in ETH as strings). Its counts and sizes are bounded (sim/scenario/limits.ts: at most 10,000 posters, 5,000 providers, about 250,000 tasks, 500,000 blocks, 10,000 metric buckets), and a background run by its ledger\'s tighter limits; over a bound is a 400 naming the field and the bound',
    example: "steady",
  });

export const SimulationRequest = z
  .strictObject({
    scenario: ScenarioField,
    seed: z
      .number({ error: "expected a whole number" })
      .int("expected a whole number")
      .min(0, "must be at least 0")
      .max(Number.MAX_SAFE_INTEGER, `must be at most ${Number.MAX_SAFE_INTEGER}`)
      .optional()
      .openapi({ description: "replaces the scenario's seed" }),
    ledger: z
      .enum(["chain", "memory"])
      .optional()
      .default("chain")
      .openapi({ description: 'chain (default): the contracts on a fresh embedded EVM chain; memory: the in-memory reference model (same outcomes, no final block hash)' }),
  })
  .superRefine((body, ctx) => {
    for (const issue of backgroundRunIssues(body.scenario, body.ledger)) ctx.addIssue({ code: "custom", path: ["scenario", ...issue.path], message: issue.message });
  })
  .openapi("SimulationRequest");
export type SimulationRequest = z.output<typeof SimulationRequest>;

export const SimulationStatus = z.enum(["queued", "running", "done", "failed"]).openapi("SimulationStatus", {
  description: "queued: waiting for the worker slot; running; done: metrics and report ready; failed: see error",
});
export type SimulationStatus = z.infer<typeof SimulationStatus>;

export const SimulationListQuery = z.strictObject({
  status: SimulationStatus.optional(),
  page: wholeNumber(1, 1_000_000, "page number, from 1 (default 1)").optional().default(1),
  pageSize: wholeNumber(1, MAX_PAGE_SIZE, `items per page (default ${DEFAULT_PAGE_SIZE})`).optional().default(DEFAULT_PAGE_SIZE),
});

export const SimulationIdParams = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9-]{1,64}$/, "expected a simulation id (letters, digits and '-')").openapi({ description: "the id POST /api/simulations answered" }),
});

// ---------------------------------------------------------------- responses

export const SimulationProgress = z
  .object({
    time: z.number().int().openapi({ description: "simulated ms reached" }),
    horizon: z.number().int().openapi({ description: "simulated ms the run may last at most (duration + 2 × deadline); it ends earlier once every task has ended" }),
    fraction: z.number().min(0).max(1).openapi({ description: "time / horizon while queued or running; 1 once done" }),
    blocks: z.number().int(),
    tasksPosted: z.number().int(),
    tasksDone: z.number().int().openapi({ description: "tasks completed or refunded" }),
  })
  .openapi("SimulationProgress");
export type SimulationProgress = z.infer<typeof SimulationProgress>;

const LatencyMs = z.number().nullable();
export const SystemMetrics = z
  .object({
    tasksPosted: z.number().int(),
    tasksCompleted: z.number().int(),
    tasksRefunded: z.number().int(),
    tasksUnfinished: z.number().int(),
    completionRate: z.number(),
    onTimeRate: z.number().openapi({ description: "share completed within their deadline" }),
    latencyMs: z.object({ p50: LatencyMs, p95: LatencyMs, p99: LatencyMs, mean: LatencyMs }),
    pricePerCompletedTaskWei: z.string().nullable(),
    pricePerOnTimeTaskWei: z.string().nullable().openapi({ description: "everything paid, in wei, over the tasks completed within their deadline; null when none was" }),
    totalPaidWei: z.string(),
    computeSecondsLost: z.number().openapi({ description: "compute-seconds of work lost when nodes failed under it" }),
    reroutes: z.number().int(),
    reroutesByReason: z
      .object({ deadlineMissed: z.number().int(), abandoned: z.number().int(), failover: z.number().int() })
      .openapi({ description: "reroutes by why: deadlineMissed (the keeper moved the task after its assignee missed the deadline), abandoned (the assignee handed it back before the deadline), failover (a baseline restarted it at its failover site)" }),
    reauctions: z.number().int(),
    slashes: z.number().int(),
    slashedWei: z.string(),
    gasUsed: z.string().nullable().openapi({ description: "gas units, as a decimal string; null for the baselines" }),
    gasPerCompletedTask: z.string().nullable().openapi({ description: "gas units, as a decimal string" }),
    gasByParty: z
      .object(Object.fromEntries(["posters", "providers", "keepers"].map((party) => [party, z.object({ gas: z.string().openapi({ description: "gas units, as a decimal string" }), transactions: z.number().int() })])))
      .nullable()
      .openapi({ description: "gasUsed split by who sent the transactions (a sender pays its own gas): providers (registered), posters (posted a task), keepers (everyone else: closes, reroutes); null for the baselines and the memory ledger" }),
    blocks: z.number().int(),
    availability: z.array(
      z.object({
        start: z.number().openapi({ description: "the bucket's start: simulated ms from the run's start" }),
        tasks: z.number().int().openapi({ description: "tasks that arrived in the bucket" }),
        onTime: z.number().int(),
        share: z.number().nullable().openapi({ description: "onTime / tasks; null for an empty bucket" }),
      }),
    ),
    completionsOverTime: z.array(z.object({ time: z.number().openapi({ description: "the bucket's end: simulated ms from the run's start" }), completed: z.number().int() })),
    latenciesMs: z.array(z.number()).openapi({ description: "post-to-result latency of every completed task, sorted" }),
  })
  .openapi("SystemMetrics", { description: "One system's metrics, as metrics.json holds them: times in ms, money in wei strings" });

const Usd = (description: string) => z.number().nullable().openapi({ description: `USD: ${description}` });
const SystemEconomics = z
  .object({
    costPerCompletedTaskUsd: Usd("everything the posters paid (compute, and on the market their own gas) over the tasks completed; null when none was"),
    costPerOnTimeTaskUsd: Usd("the same over the tasks completed within their deadline"),
    computePaidUsd: z.number().openapi({ description: "USD the posters paid for compute: the payments, or a reserved baseline's whole bill" }),
    reservedIdleUsd: z.number().nullable().openapi({ description: "USD of a reserved baseline's bill for capacity it left idle; 0 on demand; null for the market" }),
    gasCostUsd: z
      .object({ posters: z.number(), providers: z.number(), keepers: z.number(), total: z.number() })
      .nullable()
      .openapi({ description: "USD of the market's gas by who paid it (rollup data fees included); null for the baselines and the memory ledger" }),
  })
  .openapi("SystemEconomics");

export const RunEconomics = z
  .object({
    chain: z.object({
      preset: z.enum(["ethereum-l1", "l2-rollup", "app-chain"]),
      gasPriceGwei: z.number().openapi({ description: "gwei per gas" }),
      ethUsd: z.number().openapi({ description: "USD per ETH" }),
      l1DataFeeUsdPerTx: z.number().openapi({ description: "USD per transaction of L1 data fee (rollups)" }),
    }),
    systems: z.object({ market: SystemEconomics, centralized: SystemEconomics, multiCloud: SystemEconomics }),
    breakEvenGasPriceGwei: z
      .object({ centralized: z.number().nullable(), multiCloud: z.number().nullable() })
      .openapi({ description: "gwei: the gas price at which the market's cost per completed task equals each baseline's, behaviour held fixed; negative: dearer even with free gas; null off chain" }),
  })
  .openapi("RunEconomics", { description: "The run's money in USD at the scenario's chain costs (docs/pricing.md)" });

export const RunMetrics = z
  .object({
    scenario: z.string(),
    seed: z.number().int(),
    ledger: z.enum(["chain", "memory"]),
    systems: z.object({ market: SystemMetrics, centralized: SystemMetrics, multiCloud: SystemMetrics }),
    economics: RunEconomics,
  })
  .openapi("RunMetrics", { description: "The run's metrics.json: the market and both baselines on the same workload and failures" });

const SimulationFields = {
  id: z.string(),
  status: SimulationStatus,
  scenario: z.string().openapi({ description: "the scenario's name" }),
  seed: z.number().int(),
  ledger: z.enum(["chain", "memory"]),
  progress: SimulationProgress,
  finalBlockHash: z.string().nullable().optional().openapi({ description: "once done: the last block's hash (chain ledger); null for the memory ledger" }),
  error: z.string().optional().openapi({ description: "once failed: why" }),
  submittedAt: z.string().openapi({ description: "ISO 8601 wall-clock time" }),
  finishedAt: z.string().optional().openapi({ description: "ISO 8601 wall-clock time, once done or failed" }),
};

export const SimulationSummary = z.object(SimulationFields).openapi("SimulationSummary", { description: "A run without its metrics (see GET /api/simulations/{id})" });
export type SimulationSummaryJson = z.infer<typeof SimulationSummary>;

export const Simulation = z
  .object({ ...SimulationFields, metrics: RunMetrics.optional().openapi({ description: "once done" }) })
  .openapi("Simulation");
export type SimulationJson = z.infer<typeof Simulation>;

export const SimulationPage = pagedOf(SimulationSummary, "SimulationPage");

export const SimulationAccepted = z
  .object({
    id: z.string(),
    status: SimulationStatus,
    links: z.object({
      self: z.string().openapi({ description: "GET it for progress, then metrics", example: "/api/simulations/0b6c…" }),
      report: z.string().openapi({ description: "the HTML report, once done", example: "/api/simulations/0b6c…/report" }),
    }),
  })
  .openapi("SimulationAccepted");
export type SimulationAcceptedJson = z.infer<typeof SimulationAccepted>;

export const SimulationReportHtml = z.string().openapi({ description: "The run's report.html, as `bidmesh simulate` writes it (charts inlined, no external resources)" });

export const ScenarioList = z
  .array(z.object({ name: z.string().openapi({ example: "aws-us-east-1-2025-10-20" }), description: z.string() }))
  .openapi("ScenarioList");
