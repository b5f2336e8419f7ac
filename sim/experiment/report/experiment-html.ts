// experiment.html: one self-contained page for an experiment (arms × seeds), drawn from its
// ExperimentSummary. Like report.html (../../report/html.ts, whose helpers it uses) it fetches
// nothing: echarts, the styles, the page script and the data are inlined, and every string from
// the summary is escaped. The same summary always gives the same bytes (no clock, no randomness).
//
// Charts: for each axis and each chosen metric, the metric's mean over the seeds against the
// axis's values, one line per system with its 95% interval shaded; when there are other axes the
// chart is faceted: one panel per combination of the other axes' values (small multiples sharing
// one value scale), so each panel holds just the three systems. Below each, the paired
// differences (market − centralized, market − multi-cloud) with their 95% intervals as error
// bars, in the same panels. Then every summary row and every paired row as tables.
import { DATA_SCRIPT_ID, ECHARTS_SCRIPT_ID, echartsLibrary, echartsVersion, factsList, figure, scriptSafeJson } from "../../report/html.js";
import { checkInlinable, inlineScript, pageStyle } from "../../report/page-assets.js";
import { escapeHtml } from "../../report/page/escape-html.js";
import { SYSTEM_LABELS } from "../../report/types.js";
import type { ExperimentSummary, PairedRow, SummaryRow } from "../types.js";
import { readFileSync } from "node:fs";
import { axisValueText, formatMetric } from "./page/format.js";

const PAGE_FOLDER = new URL("./page/", import.meta.url);

let styleCache: string | undefined;
let scriptCache: string | undefined;

/** The page's <style>: the run report's styles (with the system colours), then page/page.css. */
function experimentStyle(): string {
  if (styleCache === undefined) {
    const own = checkInlinable("experiment page.css", readFileSync(new URL("page.css", PAGE_FOLDER), "utf8"), "style");
    styleCache = `${pageStyle()}\n${own}`;
  }
  return styleCache;
}

/** The page's chart <script>: page/page.js and the modules it imports, as one classic script. */
export function experimentScript(): string {
  if (scriptCache === undefined) scriptCache = inlineScript(new URL("page.js", PAGE_FOLDER));
  return scriptCache;
}

const code = (text: string): string => `<code>${escapeHtml(text)}</code>`;
const num = (text: string): string => `<td class="num">${escapeHtml(text)}</td>`;

/** `5 seeds: 1–5` for a run of consecutive seeds, otherwise the list (its first ten and a count when long). */
export function seedsSummary(seeds: readonly number[]): string {
  const n = seeds.length;
  if (n === 0) return "none";
  const word = n === 1 ? "seed" : "seeds";
  const consecutive = seeds.every((s, i) => i === 0 || s === seeds[i - 1]! + 1);
  if (consecutive && n > 2) return `${n} ${word}: ${seeds[0]}–${seeds[n - 1]}`;
  if (n <= 12) return `${n} ${word}: ${seeds.join(", ")}`;
  return `${n} ${word}: ${seeds.slice(0, 10).join(", ")}, …`;
}

/** The arm a row names: rows carry the arm's key; a label is accepted too. */
function armLookup(input: ExperimentSummary): (arm: string) => { key: string; label: string } {
  const byName = new Map<string, { key: string; label: string }>();
  for (const a of input.arms) byName.set(a.label, a);
  for (const a of input.arms) byName.set(a.key, a);
  return (arm) => byName.get(arm) ?? { key: arm, label: arm };
}

function armCell(arm: { key: string; label: string }): string {
  return arm.key === arm.label ? `<td>${escapeHtml(arm.label)}</td>` : `<td><span class="arm-key">${escapeHtml(arm.key)}</span> ${escapeHtml(arm.label)}</td>`;
}

function interval(metric: string, low: number | null, high: number | null, signed?: "signed"): string {
  if (low === null && high === null) return "n/a";
  return `${formatMetric(metric, low, signed)} … ${formatMetric(metric, high, signed)}`;
}

function factsHtml(input: ExperimentSummary): string {
  const axes = input.axes.length === 0 ? "none (one arm: the base scenario)" : input.axes.map((a) => `${escapeHtml(a.name)}: ${a.values.map((v) => code(axisValueText(v))).join(", ")}`).join("<br>");
  const shape = input.axes.length === 0 ? "" : ` (${input.axes.map((a) => `${a.values.length} ${a.name}`).join(" × ")})`;
  const runs = input.arms.length * input.seeds.length;
  return factsList([
    ["base scenario", escapeHtml(input.base)],
    ["ledger", escapeHtml(input.ledger === "chain" ? "chain (EVM)" : "memory")],
    ["seeds", escapeHtml(seedsSummary(input.seeds))],
    ["arms", escapeHtml(`${input.arms.length}${shape}`)],
    ["axes", axes],
    ["metrics", input.metrics.map(code).join(", ")],
    ["runs", escapeHtml(`${runs} (arms × seeds), ${input.failures.length} failed`)],
    ["version", escapeHtml(input.version)],
    ["command", code(input.generatedBy)],
  ]);
}

function failuresHtml(input: ExperimentSummary): string {
  if (input.failures.length === 0) return "";
  const arm = armLookup(input);
  const rows = input.failures.map((f) => `<tr>${armCell(arm(f.arm))}${num(String(f.seed))}<td class="error">${escapeHtml(f.error)}</td></tr>`).join("\n");
  return `<section class="failures">
<h2>Failed runs</h2>
<p class="note">These runs stopped with an error; the statistics below are over the seeds that finished (see n).</p>
<table class="failures text"><thead><tr><th>arm</th><th class="num">seed</th><th>error</th></tr></thead>
<tbody>
${rows}
</tbody></table>
</section>`;
}

function armsHtml(input: ExperimentSummary): string {
  const rows = input.arms
    .map((a) => `<tr><td>${escapeHtml(a.key)}</td><td>${escapeHtml(a.label)}</td>${input.axes.map((axis) => `<td>${escapeHtml(axisValueText(a.params[axis.name] ?? null))}</td>`).join("")}</tr>`)
    .join("\n");
  const head = input.axes.map((a) => `<th>${escapeHtml(a.name)}</th>`).join("");
  return `<table class="arms text"><thead><tr><th>arm</th><th>label</th>${head}</tr></thead>
<tbody>
${rows}
</tbody></table>`;
}

function chartsHtml(input: ExperimentSummary): string {
  if (input.axes.length === 0 || input.metrics.length === 0) return `<p class="note">No axis varied or no metric chosen: nothing to chart; see the tables.</p>`;
  return input.axes
    .map((axis, a) => {
      const others = input.axes.filter((_, i) => i !== a).map((o) => o.name);
      const facets = others.length === 0 ? "" : ` One panel per combination of ${others.join(", ")}, on one shared scale.`;
      const figures = input.metrics
        .map(
          (metric, m) =>
            figure(`chart-means-${a}-${m}`, "wide", `${metric} against ${axis.name}`, `Mean over the seeds of each arm; the shaded band is the 95% confidence interval of the mean.${facets}`) +
            "\n" +
            figure(
              `chart-paired-${a}-${m}`,
              "wide",
              `${metric}: market minus each baseline, against ${axis.name}`,
              `Seed-by-seed differences (same workload and failures for every system), their mean and 95% confidence interval; above zero the market's ${metric} is higher.${facets}`,
            ),
        )
        .join("\n");
      return `<section class="charts axis">
<h2>Varying ${escapeHtml(axis.name)}</h2>
${figures}
</section>`;
    })
    .join("\n");
}

function summaryTableHtml(input: ExperimentSummary): string {
  const arm = armLookup(input);
  const row = (r: SummaryRow): string =>
    `<tr>${armCell(arm(r.arm))}<td class="system"><span class="swatch ${escapeHtml(r.system)}"></span>${escapeHtml(SYSTEM_LABELS[r.system] ?? r.system)}</td><td>${escapeHtml(r.metric)}</td>` +
    `${num(String(r.n))}${num(formatMetric(r.metric, r.mean))}${num(interval(r.metric, r.ciLow, r.ciHigh))}<td>${escapeHtml(r.ciMethod)}</td>` +
    `${num(formatMetric(r.metric, r.sd))}${num(formatMetric(r.metric, r.min))}${num(formatMetric(r.metric, r.median))}${num(formatMetric(r.metric, r.max))}</tr>`;
  return `<table class="summary text"><thead><tr><th>arm</th><th>system</th><th>metric</th><th class="num">n</th><th class="num">mean</th><th class="num">95% CI</th><th>CI method</th><th class="num">sd</th><th class="num">min</th><th class="num">median</th><th class="num">max</th></tr></thead>
<tbody>
${input.summary.map(row).join("\n")}
</tbody></table>`;
}

function pairedTableHtml(input: ExperimentSummary): string {
  if (input.paired.length === 0) return `<p class="note">No paired differences.</p>`;
  const arm = armLookup(input);
  const row = (r: PairedRow): string =>
    `<tr>${armCell(arm(r.arm))}<td>market − ${escapeHtml(SYSTEM_LABELS[r.baseline] ?? r.baseline)}</td><td>${escapeHtml(r.metric)}</td>` +
    `${num(String(r.n))}${num(formatMetric(r.metric, r.meanDiff, "signed"))}${num(interval(r.metric, r.ciLow, r.ciHigh, "signed"))}${num(formatMetric(r.metric, r.sd, "points"))}</tr>`;
  return `<table class="paired text"><thead><tr><th>arm</th><th>difference</th><th>metric</th><th class="num">n</th><th class="num">mean difference</th><th class="num">95% CI</th><th class="num">sd</th></tr></thead>
<tbody>
${input.paired.map(row).join("\n")}
</tbody></table>`;
}

/**
 * experiment.html: the experiment's facts, failed runs, charts of each chosen metric against each
 * axis (means with 95% bands, and the market's paired differences from each baseline) and the
 * full summary and paired tables. One self-contained document: nothing is fetched, the summary
 * rides (unchanged) in a <script type="application/json"> block the inlined page script reads.
 */
export function experimentHtml(input: ExperimentSummary): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=1400">
<title>bidmesh experiment: ${escapeHtml(input.name)}</title>
<style>${experimentStyle()}</style>
</head>
<body>
<main class="experiment">
<header>
<h1>bidmesh experiment: <span class="scenario">${escapeHtml(input.name)}</span></h1>
<p class="description">${escapeHtml(input.description)}</p>
${factsHtml(input)}
</header>
${failuresHtml(input)}
<section class="arms">
<h2>Arms</h2>
<p class="note">Each arm is the base scenario with the axes set to its values, run once per seed; every system of a run sees the same workload and failures.</p>
${armsHtml(input)}
</section>
<noscript><p class="note">The charts need JavaScript; the data is in the JSON block of this page and in the tables below.</p></noscript>
${chartsHtml(input)}
<section class="summary">
<h2>Summary: every arm, system and metric</h2>
<p class="note">Over each arm's seeds that finished: n, the mean and its 95% confidence interval (t: Student t; t+wilson: for a rate the wider of t and Wilson), the standard deviation, min, median and max.</p>
${summaryTableHtml(input)}
</section>
<section class="paired">
<h2>Paired differences: market minus each baseline</h2>
<p class="note">Seed by seed (common random numbers), then the mean of the differences and its 95% confidence interval. Rates differ in percentage points (pp).</p>
${pairedTableHtml(input)}
</section>
<footer>Generated by ${code(input.generatedBy)} (bidmesh ${escapeHtml(input.version)}). Self-contained: echarts ${escapeHtml(echartsVersion())} and the data are inlined; nothing is fetched.</footer>
</main>
<script id="${DATA_SCRIPT_ID}" type="application/json">${scriptSafeJson(input)}</script>
<script id="${ECHARTS_SCRIPT_ID}">${echartsLibrary()}</script>
<script>${experimentScript()}</script>
</body>
</html>
`;
}
