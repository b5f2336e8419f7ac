// An experiment's output files, written through DuckDB (an embedded analytical store, which
// also writes the Parquet): runs.csv and runs.parquet (one row per arm, seed and system, with the
// arm's axis values and every scalar metric), tasks.parquet (with --tasks: one row per task per
// system per run), summary.csv and paired.csv (the statistics), experiment.json and
// experiment.html. Rows are inserted in (arm, seed, system) order on one DuckDB thread, so the
// same results give byte-identical files whatever ran them.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { DuckDBInstance, type DuckDBAppender, type DuckDBConnection } from "@duckdb/node-api";
import { SYSTEM_KEYS } from "../report/types.js";
import { runKey } from "./experiment-folder.js";
import type { ExperimentPlan } from "./plan.js";
import { experimentHtml } from "./report/experiment-html.js";
import { SCALAR_METRICS } from "./scalar-metrics.js";
import type { ExperimentSummary, Json, PairedRow, RunResult, SummaryRow } from "./types.js";

export { EXPERIMENT_FILES } from "./experiment-folder.js";

export interface ExperimentOutput {
  plan: ExperimentPlan;
  seeds: number[];
  results: ReadonlyMap<string, RunResult>;
  summary: SummaryRow[];
  paired: PairedRow[];
  tasks: boolean;
  version: string;
  generatedBy: string;
}

/** The summary the page and experiment.json show. */
export function experimentSummary(out: ExperimentOutput): ExperimentSummary {
  const { plan } = out;
  const failures: ExperimentSummary["failures"] = [];
  for (const arm of plan.arms) {
    for (const seed of out.seeds) {
      const r = out.results.get(runKey(arm.index, seed));
      if (r === undefined) failures.push({ arm: arm.key, seed, error: "no result" });
      else if (!r.ok) failures.push({ arm: arm.key, seed, error: r.error });
    }
  }
  return {
    name: plan.file.name,
    description: plan.file.description,
    base: plan.base,
    ledger: plan.file.ledger,
    seeds: out.seeds,
    axes: plan.axes,
    arms: plan.arms.map(({ key, label, params }) => ({ key, label, params })),
    metrics: plan.metrics,
    summary: out.summary,
    paired: out.paired,
    failures,
    generatedBy: out.generatedBy,
    version: out.version,
  };
}

/** Writes every output file into `dir` (a new, empty folder). */
export async function writeExperimentOutputs(dir: string, out: ExperimentOutput): Promise<ExperimentSummary> {
  const summary = experimentSummary(out);
  const instance = await DuckDBInstance.create(":memory:", { threads: "1" });
  const db = await instance.connect();
  try {
    await db.run("SET preserve_insertion_order = true");
    const axes = axisColumns(out.plan);
    await fillRuns(db, out, axes);
    await copy(db, "runs", join(dir, "runs.csv"), "csv");
    await copy(db, "runs", join(dir, "runs.parquet"), "parquet");
    if (out.tasks) {
      await fillTasks(db, out);
      await copy(db, "tasks", join(dir, "tasks.parquet"), "parquet");
    }
    await fillStatistics(db, out, axes);
    await copy(db, "summary", join(dir, "summary.csv"), "csv");
    await copy(db, "paired", join(dir, "paired.csv"), "csv");
  } finally {
    db.closeSync();
    instance.closeSync();
  }
  // The resolved arms carry each arm's whole scenario, so any run can be reproduced from this file alone.
  const document = { bidmesh: out.version, file: out.plan.file, source: out.plan.source, fingerprint: out.plan.fingerprint, ...summary, resolvedArms: out.plan.arms };
  writeFileSync(join(dir, "experiment.json"), `${JSON.stringify(document, null, 2)}\n`);
  writeFileSync(join(dir, "experiment.html"), experimentHtml(summary));
  return summary;
}

/** An axis's column: numbers as DOUBLE when every value is one, anything else as its JSON text (a string as itself). */
interface AxisColumn {
  name: string;
  numeric: boolean;
}

function axisColumns(plan: ExperimentPlan): AxisColumn[] {
  return plan.axes.map((axis) => ({ name: axis.name, numeric: axis.values.every((v) => typeof v === "number") }));
}

const ident = (name: string) => `"${name.replaceAll('"', '""')}"`;
const literal = (text: string) => `'${text.replaceAll("'", "''")}'`;

async function copy(db: DuckDBConnection, table: string, path: string, format: "csv" | "parquet"): Promise<void> {
  const options = format === "csv" ? "FORMAT csv, HEADER true" : "FORMAT parquet";
  await db.run(`COPY ${table} TO ${literal(path)} (${options})`);
}

function appendAxisValue(appender: DuckDBAppender, column: AxisColumn, value: Json | undefined): void {
  if (value === undefined || value === null) appender.appendNull();
  else if (column.numeric) appender.appendDouble(value as number);
  else appender.appendVarchar(typeof value === "string" ? value : JSON.stringify(value));
}

function appendNumber(appender: DuckDBAppender, value: number | null | undefined): void {
  if (value === null || value === undefined || !Number.isFinite(value)) appender.appendNull();
  else appender.appendDouble(value);
}

function appendText(appender: DuckDBAppender, value: string | null | undefined): void {
  if (value === null || value === undefined) appender.appendNull();
  else appender.appendVarchar(value);
}

function axisDdl(axes: readonly AxisColumn[]): string {
  return axes.map((a) => `${ident(a.name)} ${a.numeric ? "DOUBLE" : "VARCHAR"}, `).join("");
}

async function fillRuns(db: DuckDBConnection, out: ExperimentOutput, axes: readonly AxisColumn[]): Promise<void> {
  const metrics = SCALAR_METRICS.map((m) => `${ident(m)} DOUBLE`).join(", ");
  await db.run(`CREATE TABLE runs (arm VARCHAR, label VARCHAR, ${axisDdl(axes)}seed BIGINT, system VARCHAR, ok BOOLEAN, error VARCHAR, ${metrics})`);
  const appender = await db.createAppender("runs");
  for (const arm of out.plan.arms) {
    for (const seed of out.seeds) {
      const result = out.results.get(runKey(arm.index, seed));
      for (const system of SYSTEM_KEYS) {
        appender.appendVarchar(arm.key);
        appender.appendVarchar(arm.label);
        for (const column of axes) appendAxisValue(appender, column, arm.params[column.name]);
        appender.appendBigInt(BigInt(seed));
        appender.appendVarchar(system);
        appender.appendBoolean(result?.ok === true);
        appendText(appender, result === undefined ? "no result" : result.ok ? null : result.error);
        for (const metric of SCALAR_METRICS) appendNumber(appender, result?.ok === true ? result.systems[system][metric] : null);
        appender.endRow();
      }
    }
  }
  appender.closeSync();
}

async function fillTasks(db: DuckDBConnection, out: ExperimentOutput): Promise<void> {
  await db.run(
    "CREATE TABLE tasks (arm VARCHAR, seed BIGINT, system VARCHAR, task INTEGER, arrival_ms BIGINT, region VARCHAR, size_ms BIGINT, winner VARCHAR, price_wei DOUBLE, latency_ms BIGINT, reroutes INTEGER, outcome VARCHAR)",
  );
  const appender = await db.createAppender("tasks");
  for (const arm of out.plan.arms) {
    for (const seed of out.seeds) {
      const result = out.results.get(runKey(arm.index, seed));
      if (result?.ok !== true) continue;
      for (const t of result.tasks ?? []) {
        appender.appendVarchar(arm.key);
        appender.appendBigInt(BigInt(seed));
        appender.appendVarchar(t.system);
        appender.appendInteger(t.task);
        appender.appendBigInt(BigInt(t.arrivalMs));
        appender.appendVarchar(t.region);
        appender.appendBigInt(BigInt(t.sizeMs));
        appendText(appender, t.winner);
        appendNumber(appender, t.priceWei === null ? null : Number(t.priceWei));
        if (t.latencyMs === null) appender.appendNull();
        else appender.appendBigInt(BigInt(t.latencyMs));
        appender.appendInteger(t.reroutes);
        appender.appendVarchar(t.outcome);
        appender.endRow();
      }
    }
  }
  appender.closeSync();
}

async function fillStatistics(db: DuckDBConnection, out: ExperimentOutput, axes: readonly AxisColumn[]): Promise<void> {
  const arms = new Map(out.plan.arms.map((a) => [a.key, a]));
  const stats = ["n INTEGER", "mean DOUBLE", "sd DOUBLE", "ci_low DOUBLE", "ci_high DOUBLE"];
  await db.run(`CREATE TABLE summary (arm VARCHAR, label VARCHAR, ${axisDdl(axes)}system VARCHAR, metric VARCHAR, ${stats.join(", ")}, ci_method VARCHAR, min DOUBLE, median DOUBLE, max DOUBLE)`);
  await db.run(`CREATE TABLE paired (arm VARCHAR, label VARCHAR, ${axisDdl(axes)}baseline VARCHAR, metric VARCHAR, ${stats.join(", ").replace("mean DOUBLE", "mean_diff DOUBLE")})`);
  const head = (appender: DuckDBAppender, armKey: string) => {
    const arm = arms.get(armKey)!;
    appender.appendVarchar(arm.key);
    appender.appendVarchar(arm.label);
    for (const column of axes) appendAxisValue(appender, column, arm.params[column.name]);
  };
  const summary = await db.createAppender("summary");
  for (const row of out.summary) {
    head(summary, row.arm);
    summary.appendVarchar(row.system);
    summary.appendVarchar(row.metric);
    summary.appendInteger(row.n);
    for (const v of [row.mean, row.sd, row.ciLow, row.ciHigh]) appendNumber(summary, v);
    summary.appendVarchar(row.ciMethod);
    for (const v of [row.min, row.median, row.max]) appendNumber(summary, v);
    summary.endRow();
  }
  summary.closeSync();
  const paired = await db.createAppender("paired");
  for (const row of out.paired) {
    head(paired, row.arm);
    paired.appendVarchar(row.baseline);
    paired.appendVarchar(row.metric);
    paired.appendInteger(row.n);
    for (const v of [row.meanDiff, row.sd, row.ciLow, row.ciHigh]) appendNumber(paired, v);
    paired.endRow();
  }
  paired.closeSync();
}
