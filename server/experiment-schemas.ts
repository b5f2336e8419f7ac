// The requests and responses of the background experiment routes (experiment-routes.ts), as zod
// schemas: the request is validated and planned here, in the route, so a bad experiment is a 400
// naming its field and nothing is queued; openapi.ts documents them from the same objects.
import { z } from "zod";
import { builtinExperimentNames, describeBuiltinExperiments, readBuiltinExperiment } from "../sim/experiment/builtin-experiments.js";
import { EXPERIMENT_FILES } from "../sim/experiment/experiment-folder.js";
import { planExperiment } from "../sim/experiment/plan.js";
import { EXPERIMENT_LIMITS } from "../sim/experiment/schema.js";
import type { Json } from "../sim/experiment/types.js";
import { InputError } from "../sim/input-error.js";
import { ScenarioError } from "../sim/scenario/load.js";
import type { ExperimentMeta } from "./experiments/experiment-jobs.js";
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, pagedOf, wholeNumber } from "./schemas.js";
import { backgroundRunIssues, builtinScenarioNames } from "./simulation-schemas.js";

// ---------------------------------------------------------------- limits
//
// An experiment is many runs in one job slot: the API holds it to fewer arms and runs than the
// CLI (sim/experiment/schema.ts allows 500 arms and 100,000 runs), so one request cannot hold the
// slot for hours, nor its planning (a few ms per arm, on the server's event loop) stall the
// API. Each arm's scenario is also held to a background simulation's limits on its ledger.
export const API_EXPERIMENT_LIMITS = {
  arms: 50,
  runs: { memory: 2_000, chain: 60 },
} as const;

// ---------------------------------------------------------------- requests

/** A planned request: what the child is given, and what the summary shows. */
export interface PlannedExperiment {
  data: Json;
  source: string;
  meta: Omit<ExperimentMeta, "tasks">;
}

/** The experiment of a request as data: a built-in's, or the object sent (its base checked: the API reads no file). */
const ExperimentField = z
  .union([z.string(), z.record(z.string(), z.unknown())], { error: "expected the name of a built-in experiment, or an experiment object" })
  .transform((value, ctx): { data: Record<string, unknown>; source: string } => {
    if (typeof value === "string") {
      const names = builtinExperimentNames();
      if (!names.includes(value)) {
        ctx.addIssue({ code: "custom", message: `unknown built-in experiment ${JSON.stringify(value.slice(0, 100))}; built-ins: ${names.join(", ")} (or send an experiment object)` });
        return z.NEVER;
      }
      const { data, source } = readBuiltinExperiment(value);
      return { data: data as Record<string, unknown>, source };
    }
    const base = value["base"];
    if (typeof base === "string" && !builtinScenarioNames().includes(base)) {
      ctx.addIssue({ code: "custom", path: ["base"], message: `expected a built-in scenario's name (${builtinScenarioNames().join(", ")}) or an inline scenario object; the API reads no files` });
      return z.NEVER;
    }
    return { data: value, source: "request" };
  })
  .openapi({
    description: `A built-in experiment's name (GET /api/experiments/builtins), or an experiment object in the experiment file's format (docs/experiments.md), its base a built-in scenario's name or an inline scenario object. At most ${API_EXPERIMENT_LIMITS.arms} arms and ${API_EXPERIMENT_LIMITS.runs.memory.toLocaleString("en")} runs on the memory ledger, ${API_EXPERIMENT_LIMITS.runs.chain} on the chain; every arm's scenario within a background simulation's limits. A problem is a 400 naming the field (for an arm: its key and label, then the scenario field)`,
    example: "hidden-share",
  });

/** Plans the experiment (as the CLI would) and holds it to the API's limits; every problem is an issue under `experiment`. */
function planWithinLimits(data: Record<string, unknown>, source: string, ctx: z.RefinementCtx): PlannedExperiment | typeof z.NEVER {
  let plan;
  try {
    plan = planExperiment(data, source, {
      // Before any arm is built: planning costs a few ms an arm on the server's event loop.
      checkSize: (file, arms, seeds) => {
        if (arms > API_EXPERIMENT_LIMITS.arms) return [{ field: "vary", problem: `makes ${arms} arms; a background experiment may have at most ${API_EXPERIMENT_LIMITS.arms} (the CLI runs larger ones)` }];
        const runs = arms * seeds;
        const maxRuns = API_EXPERIMENT_LIMITS.runs[file.ledger];
        if (runs <= maxRuns) return [];
        return [{ field: "seeds", problem: `${arms} arms × ${seeds} seeds is ${runs.toLocaleString("en")} runs, over the ${file.ledger} ledger's limit of ${maxRuns.toLocaleString("en")} for a background experiment (the CLI runs larger ones)` }];
      },
      checkArm: (scenario, file) => backgroundRunIssues(scenario, file.ledger).map((o) => ({ field: o.path.join("."), problem: o.message })),
    });
  } catch (error) {
    if (error instanceof ScenarioError) for (const i of error.issues) ctx.addIssue({ code: "custom", path: ["experiment", i.field], message: i.problem });
    else if (error instanceof InputError) ctx.addIssue({ code: "custom", path: ["experiment", error.field], message: error.problem });
    else throw error;
    return z.NEVER;
  }
  const runs = plan.arms.length * plan.seeds.length;
  return { data: data as Json, source, meta: { name: plan.file.name, ledger: plan.file.ledger, arms: plan.arms.length, seeds: plan.seeds.length, runs } };
}

export const ExperimentRequest = z
  .strictObject({
    experiment: ExperimentField,
    seeds: z
      .number({ error: "expected a whole number" })
      .int("expected a whole number")
      .min(1, "must be at least 1")
      .max(EXPERIMENT_LIMITS.seeds, `must be at most ${EXPERIMENT_LIMITS.seeds}`)
      .optional()
      .openapi({ description: "replaces the experiment's seeds with 1..N (the same in every arm)" }),
    tasks: z.boolean({ error: "expected true or false" }).optional().default(false).openapi({ description: "also write tasks.parquet (one row per task per system per run)" }),
  })
  .transform((body, ctx) => {
    const data = body.seeds === undefined ? body.experiment.data : { ...body.experiment.data, seeds: body.seeds };
    const planned = planWithinLimits(data, body.experiment.source, ctx);
    return { experiment: planned as PlannedExperiment, tasks: body.tasks };
  })
  .openapi("ExperimentRequest");
export type ExperimentRequest = z.output<typeof ExperimentRequest>;

export const ExperimentStatus = z.enum(["queued", "running", "done", "failed"]).openapi("ExperimentStatus", {
  description: "queued: waiting for the job slot; running; done: its files are ready; failed: see error",
});

export const ExperimentListQuery = z.strictObject({
  status: ExperimentStatus.optional(),
  page: wholeNumber(1, 1_000_000, "page number, from 1 (default 1)").optional().default(1),
  pageSize: wholeNumber(1, MAX_PAGE_SIZE, `items per page (default ${DEFAULT_PAGE_SIZE})`).optional().default(DEFAULT_PAGE_SIZE),
});

const ExperimentId = z.string().regex(/^[A-Za-z0-9-]{1,64}$/, "expected an experiment id (letters, digits and '-')").openapi({ description: "the id POST /api/experiments answered" });

export const ExperimentIdParams = z.strictObject({ id: ExperimentId });

export const ExperimentFileParams = z.strictObject({
  id: ExperimentId,
  name: z.enum(EXPERIMENT_FILES, { error: `expected one of ${EXPERIMENT_FILES.join(", ")}` }).openapi({ description: "one of the files `bidmesh experiment` writes (docs/experiments.md)" }),
});

// ---------------------------------------------------------------- responses

export const ExperimentSummary = z
  .object({
    id: z.string(),
    status: ExperimentStatus,
    name: z.string().openapi({ description: "the experiment's name" }),
    ledger: z.enum(["chain", "memory"]),
    arms: z.number().int(),
    seeds: z.number().int().openapi({ description: "seeds per arm (the same in every arm)" }),
    progress: z.object({
      done: z.number().int().openapi({ description: "runs done (failed ones included)" }),
      total: z.number().int(),
      failed: z.number().int(),
      seeds: z.number().int(),
      fraction: z.number().min(0).max(1),
    }),
    headline: z.string().optional().openapi({ description: "once done: the headline table `bidmesh experiment` prints (on-time share per arm and system, paired differences, 95% intervals)" }),
    error: z.string().optional().openapi({ description: "once failed: why" }),
    submittedAt: z.string().openapi({ description: "ISO 8601 wall-clock time" }),
    finishedAt: z.string().optional().openapi({ description: "ISO 8601 wall-clock time, once done or failed" }),
  })
  .openapi("ExperimentSummary", { description: "A background experiment; its statistics are in its files (experiment.json, summary.csv, paired.csv)" });

export const ExperimentPage = pagedOf(ExperimentSummary, "ExperimentPage");

export const ExperimentAccepted = z
  .object({
    id: z.string(),
    status: ExperimentStatus,
    links: z.object({
      self: z.string().openapi({ description: "GET it for progress", example: "/api/experiments/0b6c…" }),
      report: z.string().openapi({ description: "experiment.html, once done", example: "/api/experiments/0b6c…/files/experiment.html" }),
      files: z.string().openapi({ description: "prefix of every file: append a name", example: "/api/experiments/0b6c…/files/" }),
    }),
  })
  .openapi("ExperimentAccepted");
export type ExperimentAcceptedJson = z.infer<typeof ExperimentAccepted>;

export const ExperimentFileBody = z.string().openapi({ description: "The file as `bidmesh experiment` writes it: CSV, Parquet, JSON, or the self-contained HTML report" });

export const ExperimentList = z
  .array(z.object({ name: z.string().openapi({ example: "hidden-share" }), description: z.string(), text: z.string().openapi({ description: "the experiment file (YAML)" }) }))
  .openapi("ExperimentList");

/** The built-ins, read once (they ship with the code). */
let builtins: Array<{ name: string; description: string; text: string }> | undefined;
export function builtinExperimentList(): Array<{ name: string; description: string; text: string }> {
  return (builtins ??= describeBuiltinExperiments());
}
