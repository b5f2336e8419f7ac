// An experiment file turned into what runs: its arms (the axes' values combined, each arm's
// scenario validated), its seeds and its metrics. Everything a bad file can get wrong is found
// here, before any run starts: a field of the file, an axis path that leads nowhere, an axis
// value that makes an invalid scenario (named by arm and field), a metric that does not exist.
import { createHash } from "node:crypto";
import { dirname, isAbsolute, join } from "node:path";
import { InputError } from "../input-error.js";
import { toScenarioIssues, scenarioErrorMap, type ScenarioIssue } from "../scenario/issues.js";
import { parseScenario, readDataFile, readScenarioData, ScenarioError } from "../scenario/load.js";
import type { Scenario } from "../scenario/schema.js";
import { isExperimentFile, readBuiltinExperiment } from "./builtin-experiments.js";
import { AxisError, applyArrivalRate, applyBlockInterval, applyHiddenShare, applyProviderCount } from "./derived-axes.js";
import { isScalarMetric, SCALAR_METRICS } from "./scalar-metrics.js";
import { axisName, EXPERIMENT_LIMITS, ExperimentSchema, seedList, type AxisSpec, type ExperimentFile } from "./schema.js";
import { PathError, setPath } from "./set-path.js";
import type { Arm, AxisInfo, Json } from "./types.js";

/** An experiment ready to run. */
export interface ExperimentPlan {
  file: ExperimentFile;
  /** Where the file came from: a built-in's name, a path, or "request". */
  source: string;
  /** The base scenario as the file names it (a built-in, a path) or "inline". */
  base: string;
  seeds: number[];
  axes: AxisInfo[];
  arms: Arm[];
  metrics: string[];
  /**
   * A hash of the arms' scenarios and the ledger: what decides a run's result besides its seed.
   * Resume and the queue key results by it with (arm, seed); seeds are left out so that
   * sequential stopping (more seeds) keeps the results it has.
   */
  fingerprint: string;
}

/** A bad experiment: every issue, `field: problem`, as a scenario's are reported. */
export class ExperimentError extends ScenarioError {}

export interface PlanOptions {
  /** Where a base scenario file named relative to the experiment is looked for (default the working folder). */
  baseDir?: string;
  /** Tighter bounds on the number of arms and seeds (the API's), checked before any arm is built. */
  checkSize?: (file: ExperimentFile, arms: number, seeds: number) => ScenarioIssue[];
  /** More checks on each arm's parsed scenario (the API's per-run limits); an issue's field is the scenario's. */
  checkArm?: (scenario: Scenario, file: ExperimentFile) => ScenarioIssue[];
}

/**
 * Validates experiment data and expands it into arms.
 * @throws ExperimentError (an InputError) naming every bad field; InputError when the base cannot be read.
 */
export function planExperiment(data: unknown, source: string, options: PlanOptions = {}): ExperimentPlan {
  const baseDir = options.baseDir ?? process.cwd();
  const parsed = ExperimentSchema.safeParse(data, { error: scenarioErrorMap });
  if (!parsed.success) throw new ExperimentError(source, toScenarioIssues(parsed.error.issues).map(rootAsExperiment));
  const file = parsed.data;

  const issues: ScenarioIssue[] = [];
  const metrics: string[] = file.metrics ?? [...SCALAR_METRICS];
  checkAxes(file, issues);
  if (issues.length > 0) throw new ExperimentError(source, issues);

  const { data: baseData, name: base } = readBase(file.base, baseDir);
  const combos = combine(file);
  if (combos.length > EXPERIMENT_LIMITS.arms) throw new ExperimentError(source, [{ field: "vary", problem: `makes ${combos.length} arms; at most ${EXPERIMENT_LIMITS.arms}` }]);
  const seeds = seedList(file.seeds);
  if (combos.length * seeds.length > EXPERIMENT_LIMITS.runs) {
    throw new ExperimentError(source, [{ field: "seeds", problem: `${combos.length} arms × ${seeds.length} seeds is ${combos.length * seeds.length} runs; at most ${EXPERIMENT_LIMITS.runs}` }]);
  }
  const sized = options.checkSize?.(file, combos.length, seeds.length) ?? [];
  if (sized.length > 0) throw new ExperimentError(source, sized);

  const arms: Arm[] = [];
  combos.forEach((values, index) => {
    const key = `arm-${String(index + 1).padStart(String(combos.length).length < 2 ? 2 : String(combos.length).length, "0")}`;
    const params = Object.fromEntries(file.vary.map((axis, i) => [axisName(axis), values[i]!]));
    const label = file.vary.length === 0 ? "base" : Object.entries(params).map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`).join(", ");
    const where = `${key} (${label})`;
    let scenario: Json;
    try {
      scenario = applyAxes(baseData, file.vary, values);
    } catch (error) {
      if (error instanceof PathError || error instanceof AxisError) {
        issues.push({ field: where, problem: error.message });
        return;
      }
      throw error;
    }
    let parsedArm: Scenario;
    try {
      parsedArm = parseScenario(scenario, where);
    } catch (error) {
      if (!(error instanceof ScenarioError)) throw error;
      for (const issue of error.issues) issues.push({ field: `${where}: ${issue.field}`, problem: issue.problem });
      return;
    }
    for (const issue of options.checkArm?.(parsedArm, file) ?? []) issues.push({ field: `${where}: ${issue.field}`, problem: issue.problem });
    arms.push({ index, key, label, params, scenario });
  });
  if (issues.length > 0) throw new ExperimentError(source, issues);

  const axes = file.vary.map((axis) => ({ name: axisName(axis), values: axis.values as Json[] }));
  const fingerprint = createHash("sha256")
    .update(JSON.stringify({ ledger: file.ledger, arms: arms.map((a) => a.scenario) }))
    .digest("hex");
  return { file, source, base, seeds, axes, arms, metrics, fingerprint };
}

/**
 * Loads an experiment: a built-in's name (see `bidmesh experiments`) or a .yaml, .yml or .json file.
 * @throws InputError / ExperimentError, naming the field.
 */
export function loadExperiment(nameOrPath: string): ExperimentPlan {
  if (isExperimentFile(nameOrPath)) {
    const { data, source } = readDataFile(nameOrPath, "experiment");
    return planExperiment(data, source, { baseDir: dirname(nameOrPath) });
  }
  const { data, source } = readBuiltinExperiment(nameOrPath);
  return planExperiment(data, source);
}

function rootAsExperiment(issue: ScenarioIssue): ScenarioIssue {
  return issue.field === "scenario" ? { ...issue, field: "experiment" } : issue;
}

/** The columns of runs.csv and summary.csv besides the axes' (see outputs.ts). */
const RESERVED_COLUMNS = ["arm", "label", "seed", "system", "ok", "error", "metric", "baseline", "n", "mean", "mean_diff", "sd", "ci_low", "ci_high", "ci_method", "min", "median", "max"];

/** Axis-level checks that need the whole list: one name per axis, zipped axes of one length, placement only beside hiddenShare. */
function checkAxes(file: ExperimentFile, issues: ScenarioIssue[]): void {
  const names = new Map<string, number>();
  file.vary.forEach((axis, i) => {
    const name = axisName(axis);
    if (RESERVED_COLUMNS.includes(name) || isScalarMetric(name)) issues.push({ field: `vary.${i}`, problem: `axis name ${JSON.stringify(name)} is a column of runs.csv already; give the axis another name` });
    if (names.has(name)) issues.push({ field: `vary.${i}`, problem: `axis ${JSON.stringify(name)} is already vary.${names.get(name)}; give one of them a name` });
    names.set(name, i);
    if ("axis" in axis && axis.axis === "placement" && !file.vary.some((a) => "axis" in a && a.axis === "hiddenShare")) {
      issues.push({ field: `vary.${i}.axis`, problem: "placement places the hidden dependency of a hiddenShare axis; add one" });
    }
  });
  const kinds = file.vary.filter((a) => "axis" in a).map((a) => ("axis" in a ? a.axis : ""));
  for (const kind of new Set(kinds)) {
    if (kinds.filter((k) => k === kind).length > 1) issues.push({ field: "vary", problem: `the derived axis ${kind} appears more than once` });
  }
  if (file.combine === "zip" && file.vary.length > 1) {
    const length = file.vary[0]!.values.length;
    file.vary.forEach((axis, i) => {
      if (axis.values.length !== length) issues.push({ field: `vary.${i}.values`, problem: `combine: zip needs every axis to have ${length} values (as vary.0), got ${axis.values.length}` });
    });
  }
}

/** Each arm's axis values, in order: the first axis varies slowest. */
function combine(file: ExperimentFile): Json[][] {
  const lists = file.vary.map((axis) => axis.values as Json[]);
  if (lists.length === 0) return [[]];
  if (file.combine === "zip") return lists[0]!.map((_, i) => lists.map((list) => list[i]!));
  return lists.reduce<Json[][]>((acc, list) => acc.flatMap((prefix) => list.map((v) => [...prefix, v])), [[]]);
}

/** Path axes first (in order), then the derived ones, hiddenShare last so it sees the final groups. */
function applyAxes(base: Json, axes: readonly AxisSpec[], values: readonly Json[]): Json {
  let data = withSectionsPathsNeed(base, axes);
  const derived: Array<{ axis: AxisSpec; value: Json }> = [];
  axes.forEach((axis, i) => {
    if ("path" in axis) data = setPath(data, axis.path, values[i]!);
    else derived.push({ axis, value: values[i]! });
  });
  const order = ["providerCount", "arrivalRate", "blockInterval", "placement", "hiddenShare"];
  derived.sort((a, b) => order.indexOf(axisKind(a.axis)) - order.indexOf(axisKind(b.axis)));
  const placement = (derived.find((d) => axisKind(d.axis) === "placement")?.value ?? "spread") as "spread" | "concentrated";
  for (const { axis, value } of derived) {
    if (typeof data !== "object" || data === null || Array.isArray(data)) throw new AxisError("the base scenario is not a mapping");
    if ("path" in axis) continue;
    switch (axis.axis) {
      case "providerCount":
        data = applyProviderCount(data, value as number);
        break;
      case "arrivalRate":
        data = applyArrivalRate(data, value as number);
        break;
      case "blockInterval":
        data = applyBlockInterval(data, value as string, axis.bidWindow);
        break;
      case "placement":
        break;
      case "hiddenShare":
        data = applyHiddenShare(data, value as number, placement, { dependency: axis.dependency, groups: axis.groups });
        break;
    }
  }
  return data;
}

/**
 * Sections a scenario may leave out, which the schema fills with their defaults: a path axis
 * into one (`chain.gasPriceGwei` on a base with no `chain`) starts from the empty section, as the
 * schema would. Only a section a path needs is added, so other experiments' arms are unchanged.
 */
const DEFAULTED_SECTIONS = ["chain", "failures"];

function withSectionsPathsNeed(base: Json, axes: readonly AxisSpec[]): Json {
  if (typeof base !== "object" || base === null || Array.isArray(base)) return base;
  const needed = axes.flatMap((axis) => ("path" in axis ? [axis.path.split(".")[0]!] : [])).filter((s) => DEFAULTED_SECTIONS.includes(s) && !(s in base));
  return needed.length === 0 ? base : { ...base, ...Object.fromEntries(needed.map((s) => [s, {}])) };
}

function axisKind(axis: AxisSpec): string {
  return "path" in axis ? "path" : axis.axis;
}

/** The base scenario's data, and how the experiment names it. */
function readBase(base: ExperimentFile["base"], baseDir: string): { data: Json; name: string } {
  if (typeof base !== "string") return { data: base, name: "inline" };
  const looksLikeFile = /[\\/]/.test(base) || /\.(ya?ml|json)$/i.test(base);
  const path = looksLikeFile && !isAbsolute(base) ? join(baseDir, base) : base;
  try {
    return { data: readScenarioData(path).data as Json, name: base };
  } catch (error) {
    if (error instanceof InputError) throw new InputError("base", error.problem);
    throw error;
  }
}
