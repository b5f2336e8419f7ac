// Runs every benchmark and prints its figures: a table by default, one JSON object with --json.
// To add a benchmark, append it to `benchmarks`: its figures merge into the same JSON object, so
// give them names that cannot collide. `--only NAME` (repeatable) runs only the benchmarks named.
import { parseArgs } from "node:util";
import { benchApiReads } from "./api-reads.bench.js";
import { benchCliStart } from "./cli-start.bench.js";
import { benchEngine, benchHold } from "./engine.bench.js";
import { benchExperiment } from "./experiment.bench.js";
import { benchChainBids, benchMemoryRun } from "./market.bench.js";

/**
 * One line of the table. `baseline` is absent for figures with nothing to compare against; a
 * ratio is printed only for rates (`compare`), not for counts that merely differ by design.
 */
interface Row {
  figure: string;
  ours: number;
  baseline?: number;
  compare?: boolean;
}

interface Benchmark {
  name: string;
  run: () => Promise<Record<string, number>>;
  rows: (figures: Record<string, number>) => Row[];
}

const benchmarks: Benchmark[] = [
  {
    name: "engine",
    run: async () => ({ ...(await benchEngine()) }),
    rows: (f) => [
      { figure: "M/M/1 events/s (median of 3)", ours: f.engineEventsPerSec!, baseline: f.baselineEventsPerSec!, compare: true },
      { figure: "M/M/1 events per timed run", ours: f.events!, baseline: f.baselineEvents! },
      { figure: "M/M/1 seconds (median run)", ours: f.seconds! },
      { figure: "M/M/1 utilisation (theory 0.9)", ours: f.mm1Utilisation! },
      { figure: "M/M/1 mean in system (theory 9)", ours: f.mm1MeanInSystem! },
    ],
  },
  {
    name: "hold",
    run: async () => ({ ...(await benchHold()) }),
    rows: (f) => [
      {
        figure: `hold, ${format(f.holdPending)} pending: events/s`,
        ours: f.holdEventsPerSec!,
        baseline: f.holdBaselineEventsPerSec!,
        compare: true,
      },
      { figure: "hold events per timed run", ours: f.holdEvents!, baseline: f.holdBaselineEvents! },
    ],
  },
  {
    name: "memory run",
    run: benchMemoryRun,
    rows: (f) => [
      { figure: `memory ledger: ${format(f.memoryRunProviders)} providers, ${format(f.memoryRunTasks)} tasks, outage: seconds (median of 3)`, ours: f.memoryRunSeconds! },
      { figure: "memory run trace records", ours: f.memoryRunTraceRecords! },
    ],
  },
  {
    name: "chain bids",
    run: benchChainBids,
    rows: (f) => [
      { figure: "chain bids/s: batched per provider per block vs one tx per bid, awaited", ours: f.chainBidsPerSec!, baseline: f.naiveChainBidsPerSec!, compare: true },
      { figure: "bids measured", ours: f.chainBids!, baseline: f.naiveChainBids! },
      { figure: "gas per bid inside a batch of 50", ours: f.gasPerBatchedBid! },
    ],
  },
  {
    name: "api reads",
    run: benchApiReads,
    rows: (f) => [
      {
        figure: `API reads, ${format(f.apiReadsTasks)} tasks / ${format(f.apiReadsEvents)} events / ${format(f.apiReadsBlocks)} blocks: median ms, event cache vs re-read per request`,
        ours: f.apiReadsAllMs!,
        baseline: f.apiReadsBaselineAllMs!,
      },
      { figure: "  GET /api/tasks/:id median ms", ours: f.apiReadsTaskMs!, baseline: f.apiReadsBaselineTaskMs! },
      { figure: "  GET /api/ledger/bids?task= median ms", ours: f.apiReadsBidsMs!, baseline: f.apiReadsBaselineBidsMs! },
      { figure: "  GET /api/tasks?page=1 median ms", ours: f.apiReadsTasksMs!, baseline: f.apiReadsBaselineTasksMs! },
      { figure: "  GET /api/providers median ms", ours: f.apiReadsProvidersMs!, baseline: f.apiReadsBaselineProvidersMs! },
      { figure: "API reads speed-up (baseline median / ours)", ours: f.apiReadsBaselineAllMs! / f.apiReadsAllMs! },
      { figure: "API requests timed", ours: f.apiReadsRequests!, baseline: f.apiReadsBaselineRequests! },
      { figure: "API first read, filling the cache: ms", ours: f.apiReadsCacheFillMs! },
      { figure: "API bench setup: seconds", ours: f.apiReadsSetupSeconds! },
    ],
  },
  {
    name: "experiment",
    run: benchExperiment,
    rows: (f) => [
      { figure: `AWS replay, memory ledger, ${format(f.experimentRuns)} runs: runs/s, in-process floor (one warm process, no experiment)`, ours: f.experimentFloorRunsPerSec! },
      { figure: "  experiment --jobs 1 (runs, statistics, files) vs the floor", ours: f.experimentJobs1RunsPerSec!, baseline: f.experimentFloorRunsPerSec!, compare: true },
      { figure: `  experiment --jobs ${format(f.experimentCores)} (every core) vs --jobs 1`, ours: f.experimentJobsAllRunsPerSec!, baseline: f.experimentJobs1RunsPerSec!, compare: true },
      { figure: `  the machine's ceiling: the floor in ${format(f.experimentCores)} processes at once vs one`, ours: f.experimentCeilingRunsPerSec!, baseline: f.experimentFloorRunsPerSec!, compare: true },
      { figure: `  experiment --jobs ${format(f.experimentCores)} vs that ceiling`, ours: f.experimentJobsAllRunsPerSec!, baseline: f.experimentCeilingRunsPerSec!, compare: true },
      { figure: "  two queue workers on loopback Redis vs every core locally", ours: f.experimentQueueRunsPerSec!, baseline: f.experimentJobsAllRunsPerSec!, compare: true },
      { figure: "  queue overhead: ms per run over the local pool", ours: f.experimentQueueOverheadMsPerRun! },
      { figure: `${format(f.experimentLargeRuns)} runs, every core, files included: seconds`, ours: f.experimentLargeSeconds! },
    ],
  },
  {
    name: "cli start-up",
    run: benchCliStart,
    rows: (f) => [
      { figure: `bidmesh --help: median ms of ${format(f.cliStartRuns)}, compiled build vs tsx`, ours: f.cliStartHelpMs!, baseline: f.cliStartTsxHelpMs! },
      { figure: "bidmesh scenarios: median ms, compiled build vs tsx", ours: f.cliStartScenariosMs!, baseline: f.cliStartTsxScenariosMs! },
      { figure: "node -e 0: median ms", ours: f.cliStartNodeMs! },
      { figure: "  --help / node -e 0", ours: f.cliStartHelpMs! / f.cliStartNodeMs!, baseline: f.cliStartTsxHelpMs! / f.cliStartNodeMs! },
      { figure: "  scenarios / node -e 0", ours: f.cliStartScenariosMs! / f.cliStartNodeMs!, baseline: f.cliStartTsxScenariosMs! / f.cliStartNodeMs! },
      { figure: "  build made for this run (1 = it was missing or stale)", ours: f.cliStartBuilt! },
    ],
  },
];

function format(value: number | undefined): string {
  if (value === undefined) return "";
  if (Number.isInteger(value)) return value.toLocaleString("en-US");
  if (Math.abs(value) >= 1_000) return Math.round(value).toLocaleString("en-US");
  return value.toPrecision(4);
}

function printTable(rows: Row[]): void {
  const lines = [
    ["figure", "ours", "baseline", "ratio"],
    ...rows.map((row) => [
      row.figure,
      format(row.ours),
      format(row.baseline),
      row.compare && row.baseline !== undefined && row.baseline > 0 ? `${(row.ours / row.baseline).toFixed(2)}×` : "",
    ]),
  ];
  const widths = [0, 1, 2, 3].map((column) => Math.max(...lines.map((line) => line[column]!.length)));
  for (const line of lines) {
    console.log(line.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join("  "));
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ args: process.argv.slice(2), options: { json: { type: "boolean" }, only: { type: "string", multiple: true } }, strict: true });
  const unknown = (values.only ?? []).filter((name) => !benchmarks.some((b) => b.name === name));
  if (unknown.length > 0) throw new Error(`no benchmark named ${unknown.join(", ")}; there are: ${benchmarks.map((b) => b.name).join(", ")}`);
  const merged: Record<string, number> = {};
  const rows: Row[] = [];
  for (const benchmark of benchmarks.filter((b) => values.only === undefined || values.only.includes(b.name))) {
    if (!values.json) console.error(`running ${benchmark.name}…`);
    const figures = await benchmark.run();
    Object.assign(merged, figures);
    rows.push(...benchmark.rows(figures));
  }
  if (values.json) console.log(JSON.stringify(merged));
  else printTable(rows);
}

await main();
