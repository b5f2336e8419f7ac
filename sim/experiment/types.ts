// The shapes an experiment's parts hand each other: the arms it expands into, one run's request
// and result (what a worker thread or a queue worker receives and returns, structured-clone and
// JSON safe), and the summary its outputs are written from.
import type { SystemKey } from "../report/types.js";

/** A JSON value: what an axis value, a run request and a run result are made of. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** One combination of the varied axes' values: a scenario of its own. */
export interface Arm {
  /** 0-based, in expansion order (the first axis varies slowest). */
  index: number;
  /** `arm-01`, `arm-02`, …: a stable name for files and tables. */
  key: string;
  /** The axis values, e.g. `hiddenShare=0.4, placement=spread`. */
  label: string;
  /** Each axis's name and the value it takes in this arm. */
  params: Record<string, Json>;
  /** The arm's scenario as file data (units as written: "2s", "0.001"), validated when the arm was made. */
  scenario: Json;
}

/** One run to do: an arm's scenario with one seed, on one kind of ledger. */
export interface RunRequest {
  arm: number;
  seed: number;
  ledger: "chain" | "memory";
  scenario: Json;
  /** Also return one row per task per system (for tasks.parquet). */
  tasks: boolean;
}

/** One task's outcome in one system of one run. */
export interface TaskRow {
  system: SystemKey;
  task: number;
  arrivalMs: number;
  region: string;
  sizeMs: number;
  /** The node that completed it (`group#i`, or the baseline's site), null when it did not complete. */
  winner: string | null;
  priceWei: string | null;
  latencyMs: number | null;
  reroutes: number;
  outcome: "on-time" | "late" | "refunded" | "unfinished";
}

/** What a run gives back: every scalar metric of each system, or the error that stopped it. */
export type RunResult =
  | { arm: number; seed: number; ok: true; systems: Record<SystemKey, Record<string, number | null>>; tasks?: TaskRow[] }
  | { arm: number; seed: number; ok: false; error: string };

/** Descriptive statistics and a 95% interval of one metric over an arm's seeds. */
export interface MetricSummary {
  n: number;
  mean: number | null;
  sd: number | null;
  ciLow: number | null;
  ciHigh: number | null;
  /** How the interval was made: Student t, or for a rate the wider of t and Wilson (see docs/experiments.md). */
  ciMethod: "t" | "t+wilson" | "none";
  min: number | null;
  median: number | null;
  max: number | null;
}

/** summary.csv's row: one metric of one system in one arm. */
export interface SummaryRow extends MetricSummary {
  arm: string;
  system: SystemKey;
  metric: string;
}

/** The market minus a baseline, seed by seed (common random numbers), for one metric of one arm. */
export interface PairedRow {
  arm: string;
  baseline: "centralized" | "multiCloud";
  metric: string;
  n: number;
  meanDiff: number | null;
  sd: number | null;
  ciLow: number | null;
  ciHigh: number | null;
}

/** An axis as the report shows it: its name and its values in order. */
export interface AxisInfo {
  name: string;
  values: Json[];
}

/** Everything experiment.html (and experiment.json's summary) is drawn from. */
export interface ExperimentSummary {
  name: string;
  description: string;
  base: string;
  ledger: "chain" | "memory";
  seeds: number[];
  axes: AxisInfo[];
  arms: Array<Pick<Arm, "key" | "label" | "params">>;
  metrics: string[];
  summary: SummaryRow[];
  paired: PairedRow[];
  failures: Array<{ arm: string; seed: number; error: string }>;
  /** The command that runs the experiment again. */
  generatedBy: string;
  version: string;
}
