import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { COMPARISON_COLUMNS, comparisonRows, formatChainCostNote, formatDuration } from "./comparison-table.js";
import { pageScript, pageStyle } from "./page-assets.js";
import { escapeHtml } from "./page/escape-html.js";
import { SYSTEM_KEYS, type ReportInput, type ReportOutage } from "./types.js";

/** The `id` of the inlined echarts <script> and of the JSON data block. */
export const ECHARTS_SCRIPT_ID = "echarts-library";
export const DATA_SCRIPT_ID = "report-data";

let echartsCache: string | undefined;

/** echarts.min.js from node_modules, checked to be safe to inline in a <script> element. */
export function echartsLibrary(): string {
  if (echartsCache === undefined) {
    const path = createRequire(import.meta.url).resolve("echarts/dist/echarts.min.js");
    const code = readFileSync(path, "utf8");
    // Either sequence would end or confuse the inline <script> element; echarts 6 has neither.
    if (/<\/script|<!--/i.test(code)) throw new Error(`${path} contains "</script" or "<!--" and cannot be inlined`);
    echartsCache = code;
  }
  return echartsCache;
}

/**
 * JSON safe inside <script type="application/json">: "<", ">" and "&" as \u escapes (so
 * "</script>" and "<!--" in the data cannot end the element), "/" as "\/" (so no URL appears
 * literally), and U+2028/U+2029 escaped. JSON.parse gives back exactly the same value.
 */
export function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/>/g, "\\u003e")
    .replace(/&/g, "\\u0026")
    .replace(/\//g, "\\/")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

/** A definition list of facts: each value is HTML the caller escaped. */
export function factsList(items: ReadonlyArray<[string, string]>): string {
  return `<dl class="facts">${items.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${v}</dd>`).join("")}</dl>`;
}

function comparisonTableHtml(input: ReportInput): string {
  const head = SYSTEM_KEYS.map((key, i) => `<th scope="col"><span class="swatch ${key}"></span>${escapeHtml(COMPARISON_COLUMNS[i]!)}</th>`).join("");
  const body = comparisonRows(input.metrics)
    .map((row) => `<tr><th scope="row">${escapeHtml(row.label)}</th>${row.values.map((v) => `<td class="num">${escapeHtml(v)}</td>`).join("")}</tr>`)
    .join("\n");
  return `<table class="comparison"><thead><tr><th></th>${head}</tr></thead>\n<tbody>\n${body}\n</tbody></table>\n<p class="note">${escapeHtml(formatChainCostNote(input.metrics))}</p>`;
}

function outagesTableHtml(input: ReportInput): string {
  if (input.outages.length === 0) return `<p class="note">No outage windows in this run.</p>`;
  const rows = input.outages
    .map(
      (o) =>
        `<tr><td>${escapeHtml(o.name)}</td><td class="num">${escapeHtml(formatDuration(o.start))}</td><td class="num">${escapeHtml(formatDuration(o.end))}</td>` +
        `<td class="num">${escapeHtml(formatDuration(o.end - o.start))}</td><td class="num">${escapeHtml(formatDuration(o.hardDownEnd - o.start))}</td>` +
        `<td>${escapeHtml(recoveryText(o))}</td><td>${escapeHtml(o.scope)}</td></tr>`,
    )
    .join("\n");
  return `<table class="outages"><thead><tr><th>outage</th><th>starts</th><th>ends</th><th>lasts</th><th>hard down</th><th>recovery</th><th>scope</th></tr></thead>\n<tbody>\n${rows}\n</tbody></table>`;
}

function recoveryText(o: ReportOutage): string {
  const n = o.recoverySteps.length;
  if (n === 0) return "none: all back at once";
  return `${n} step${n === 1 ? "" : "s"} over ${formatDuration(o.end - o.hardDownEnd)}`;
}

/** A chart's figure: heading, caption and the empty element (`id`) the page script draws into. */
export function figure(id: string, size: "wide" | "left" | "right", title: string, caption: string): string {
  return `<div class="figure"><h3>${escapeHtml(title)}</h3><p class="caption">${escapeHtml(caption)}</p><div id="${id}" class="chart ${size}" role="img" aria-label="${escapeHtml(title)}"></div></div>`;
}

/**
 * report.html: one self-contained page (echarts and the data inlined, nothing fetched) with
 * the run's header, the comparison table and six charts. Every string from `input` is
 * escaped; the data rides in a <script type="application/json"> block the page script reads.
 */
export function renderReport(input: ReportInput): string {
  const { metrics } = input;
  const code = (text: string): string => `<code>${escapeHtml(text)}</code>`;
  const facts = factsList([
    ["scenario", escapeHtml(metrics.scenario)],
    ["seed", escapeHtml(String(metrics.seed))],
    ["ledger", escapeHtml(metrics.ledger === "chain" ? "chain (EVM)" : "memory")],
    ["simulated time", `${escapeHtml(formatDuration(input.durationMs))} of arrivals, metrics in ${escapeHtml(formatDuration(input.bucketMs))} buckets`],
    ["source", escapeHtml(input.source)],
    ["final block hash", input.finalBlockHash === null ? "n/a (no chain)" : code(input.finalBlockHash)],
    ["command", code(input.generatedBy)],
  ]);
  const bucket = formatDuration(input.bucketMs);
  const timeNote = "Dark grey bands: outages while hard down; lighter, stepped bands: their recovery.";
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=1400">
<title>bidmesh report: ${escapeHtml(metrics.scenario)} (seed ${metrics.seed})</title>
<style>${pageStyle()}</style>
</head>
<body>
<main>
<header>
<h1>bidmesh report: <span class="scenario">${escapeHtml(metrics.scenario)}</span></h1>
<p class="description">${escapeHtml(input.description)}</p>
${facts}
</header>
<section class="comparison">
<h2>Market vs. baselines</h2>
<p class="note">Same workload and the same failure timeline for all three systems. Latencies are post-to-result; prices are what posters paid per completed task.</p>
${comparisonTableHtml(input)}
</section>
<section class="outages">
<h2>Outage windows</h2>
${outagesTableHtml(input)}
</section>
<section class="charts">
<h2>Charts</h2>
<noscript><p class="note">The charts need JavaScript; the data is in the JSON block of this page.</p></noscript>
${figure("chart-availability", "wide", "Availability over time", `Share of the tasks arriving in each ${bucket} bucket that got a result within their deadline. ${timeNote}`)}
${figure("chart-capacity", "wide", "Capacity online over time", `Share of each system's capacity that is up, the mean over each ${bucket} bucket, drawn from the bucket's start (providers weighted by their capacity; multi-cloud counts the primary and the failover). ${timeNote}`)}
${figure("chart-completions", "wide", "Cumulative completions", `Tasks completed so far, against the tasks posted so far (dashed). ${timeNote}`)}
<div class="row">
${figure("chart-latency", "left", "Latency distribution (CDF, log scale)", "Share of the posted tasks that had a result within a given latency; a curve that ends below 100% left tasks unfinished or refunded.")}
${figure("chart-cost", "right", "Cost per completed task", "What posters paid per completed task, in ETH.")}
</div>
${figure("chart-reroutes", "wide", "Reroute timeline", `Each dot is one reroute: when it happened and which task it moved (market: a failed assignee's task goes back to the bids; multi-cloud: primary to failover). ${timeNote}`)}
</section>
<footer>Generated by ${code(input.generatedBy)}. Self-contained: echarts ${escapeHtml(echartsVersion())} and the data are inlined; nothing is fetched.</footer>
</main>
<script id="${DATA_SCRIPT_ID}" type="application/json">${scriptSafeJson(input)}</script>
<script id="${ECHARTS_SCRIPT_ID}">${echartsLibrary()}</script>
<script>${pageScript()}</script>
</body>
</html>
`;
}

let versionCache: string | undefined;

/** The version of the inlined echarts library (from its package.json). */
export function echartsVersion(): string {
  if (versionCache === undefined) {
    // echarts' "exports" does not list package.json: find it next to dist/.
    const path = join(dirname(createRequire(import.meta.url).resolve("echarts/dist/echarts.min.js")), "..", "package.json");
    versionCache = String((JSON.parse(readFileSync(path, "utf8")) as { version?: unknown }).version ?? "");
  }
  return versionCache;
}
