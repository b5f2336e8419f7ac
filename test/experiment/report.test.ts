// experiment.html (sim/experiment/report/experiment-html.ts): one self-contained, deterministic
// page whose data block is the summary it was written from, every string of it escaped, with a
// chart element per axis and metric and every summary and paired row in its tables. The charts
// themselves are drawn in a real browser by test/browser/experiment-report.test.ts.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { experimentHtml, experimentScript, seedsSummary } from "../../sim/experiment/report/experiment-html.js";
import { axisValueText, formatMetric } from "../../sim/experiment/report/page/format.js";
import type { ExperimentSummary } from "../../sim/experiment/types.js";
import { DATA_SCRIPT_ID, ECHARTS_SCRIPT_ID } from "../../sim/report/html.js";
import { escapeHtml } from "../../sim/report/page/escape-html.js";
import { HOSTILE_DESCRIPTION, HOSTILE_ERROR, HOSTILE_NAME, HOSTILE_VALUE, sampleExperiment } from "./report-sample.js";

const echartsCode = readFileSync(createRequire(import.meta.url).resolve("echarts/dist/echarts.min.js"), "utf8");

function scripts(html: string): Array<{ attrs: string; body: string }> {
  return [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)].map((m) => ({ attrs: m[1]!, body: m[2]! }));
}

/** The page without the inlined echarts library (whose code holds namespace URLs such as the SVG one). */
function withoutLibrary(html: string): string {
  const start = html.indexOf(`<script id="${ECHARTS_SCRIPT_ID}">`);
  const end = html.indexOf("</script>", start);
  expect(start).toBeGreaterThan(0);
  return html.slice(0, start) + html.slice(end);
}

/** The page without its scripts (library, data block, page script): what the reader sees as markup. */
function markup(html: string): string {
  return html.replace(/<script[^>]*>[\s\S]*?<\/script>/g, "");
}

function dataBlock(html: string): unknown {
  const block = scripts(html).find((s) => s.attrs.includes(`id="${DATA_SCRIPT_ID}"`));
  expect(block?.attrs).toContain('type="application/json"');
  return JSON.parse(block!.body);
}

function table(html: string, cls: string): string {
  const match = new RegExp(`<table class="${cls}[^"]*">([\\s\\S]*?)</table>`).exec(html);
  expect(match, `table.${cls}`).not.toBeNull();
  return match![1]!;
}

describe("experimentHtml", () => {
  const input = sampleExperiment();
  const html = experimentHtml(input);

  it("is one document with echarts inlined and no script, style or link fetched", () => {
    expect(html.startsWith("<!doctype html>")).toBe(true);
    expect(html.match(/<html\b/g)).toHaveLength(1);
    const tags = scripts(html);
    expect(tags).toHaveLength(3);
    expect(tags.find((s) => s.attrs.includes(ECHARTS_SCRIPT_ID))?.body).toBe(echartsCode);
    expect(html).not.toMatch(/<script[^>]*\ssrc\s*=/i);
    expect(html).not.toMatch(/<link\b/i);
  });

  it("refers to nothing outside itself: no http(s) src or href, no URL at all outside the library", () => {
    expect(html).not.toMatch(/\s(?:src|href)\s*=\s*["']?\s*(?:https?:)?\/\//i);
    const page = withoutLibrary(html);
    expect(page).not.toMatch(/https?:\/\//i);
    expect(page).not.toMatch(/<img|<iframe|<link|@import|url\(/i);
    // No element has a src or href at all (the hostile "src=" of the sample is escaped text).
    const tags = markup(html).match(/<[a-z][^>]*>/gi) ?? [];
    expect(tags.length).toBeGreaterThan(100);
    expect(tags.filter((tag) => /\s(?:src|href)\s*=/i.test(tag))).toEqual([]);
  });

  it("embeds the summary as JSON that parses back to the input", () => {
    expect(dataBlock(html)).toEqual(input);
  });

  it("is deterministic: the same summary gives the same bytes", () => {
    expect(experimentHtml(structuredClone(input))).toBe(html);
    expect(experimentHtml(sampleExperiment())).toBe(html);
  });

  it("shows the facts: base scenario, ledger, seeds, arms, version and the command", () => {
    const facts = /<dl class="facts">([\s\S]*?)<\/dl>/.exec(html)![1]!;
    expect(facts).toContain("aws-us-east-1-2025-10-20");
    expect(facts).toContain("<dd>memory</dd>");
    expect(facts).toContain("5 seeds: 1–5");
    expect(facts).toContain("9 (3 hiddenShare × 3 placement)");
    expect(facts).toContain("0.1.0");
    expect(facts).toContain(`<code>${escapeHtml(input.generatedBy)}</code>`);
  });

  it("has a chart element for each axis and metric, means and paired", () => {
    for (let a = 0; a < input.axes.length; a++) {
      for (let m = 0; m < input.metrics.length; m++) {
        expect(html).toContain(`id="chart-means-${a}-${m}"`);
        expect(html).toContain(`id="chart-paired-${a}-${m}"`);
      }
    }
    expect(html.match(/class="chart wide"/g)).toHaveLength(input.axes.length * input.metrics.length * 2);
  });

  it("lists every summary row, with every arm label and metric, formatted by unit", () => {
    const summary = table(html, "summary");
    expect(summary.match(/<tr>/g)).toHaveLength(input.summary.length + 1);
    for (const arm of input.arms) expect(summary).toContain(escapeHtml(arm.label));
    for (const metric of input.metrics) expect(summary).toContain(`<td>${metric}</td>`);
    for (const system of ["market", "centralized", "multi-cloud"]) expect(summary).toContain(`</span>${system}</td>`);
    // arm-01, market: on time 95.0%, p95 latency 52 s (interval ± 8 s), as shown in the table.
    expect(summary).toContain(`<td class="num">95.0%</td>`);
    expect(summary).toContain(`<td class="num">52 s</td>`);
    expect(summary).toContain(`<td class="num">44 s … 1 min</td>`);
  });

  it("lists every paired row, differences signed (rates in percentage points)", () => {
    const paired = table(html, "paired");
    expect(paired.match(/<tr>/g)).toHaveLength(input.paired.length + 1);
    for (const arm of input.arms) expect(paired).toContain(escapeHtml(arm.label));
    for (const metric of input.metrics) expect(paired).toContain(`<td>${metric}</td>`);
    expect(paired).toContain("market − centralized");
    expect(paired).toContain("market − multi-cloud");
    // arm-01 vs centralized: 0.95 − 0.84 = +11.0 pp.
    expect(paired).toContain(`<td class="num">+11.0 pp</td>`);
    expect(paired).toContain("n/a"); // arm-09's open interval
  });

  it("lists the failed runs", () => {
    const failures = table(html, "failures");
    expect(failures).toContain("arm-05");
    expect(failures).toContain(`<td class="num">3</td>`);
    expect(failures).toContain(escapeHtml(HOSTILE_ERROR));
    const clean = experimentHtml({ ...input, failures: [] });
    expect(clean).not.toContain('<table class="failures');
  });

  it("escapes HTML in names, descriptions, axis values and errors", () => {
    const page = markup(html);
    for (const hostile of [HOSTILE_NAME, HOSTILE_VALUE, HOSTILE_DESCRIPTION, HOSTILE_ERROR]) {
      expect(page).not.toContain(hostile);
      expect(page).toContain(escapeHtml(hostile));
    }
    expect(page).toContain(`<title>bidmesh experiment: ${escapeHtml(HOSTILE_NAME)}</title>`);
    expect(page).not.toMatch(/<(img|svg|b)\b/i);
    // The data block keeps them, but as JSON escapes that cannot end the element.
    const block = scripts(html).find((s) => s.attrs.includes(DATA_SCRIPT_ID))!.body;
    expect(block).not.toMatch(/[<>&]/);
  });

  it("shows every kind of axis value: numbers, strings, booleans and arrays (as JSON)", () => {
    const mixed: ExperimentSummary = {
      ...input,
      axes: [
        { name: "regions", values: [["us-east-1"], ["us-east-1", "eu-west-1"]] },
        { name: "slashing", values: [true, false] },
      ],
      arms: [],
      summary: [],
      paired: [],
      failures: [],
    };
    const page = experimentHtml(mixed);
    expect(page).toContain(escapeHtml('["us-east-1","eu-west-1"]'));
    expect(page).toContain("<code>true</code>, <code>false</code>");
  });

  it("has a page script that is one classic script", () => {
    const script = experimentScript();
    expect(script).not.toMatch(/^\s*(import|export)\b/m);
    expect(() => new Function(script)).not.toThrow();
    for (const marker of ["// page/colors.js", "// page/escape-html.js", "// page/format.js", "// page/page.js"]) expect(script).toContain(marker);
    expect(script.match(/function escapeHtml\(/g)).toHaveLength(1);
  });
});

describe("the experiment page's formats", () => {
  it("rates as percentages, latencies in seconds or minutes, wei as ETH, counts plain", () => {
    expect(formatMetric("onTimeRate", 0.953)).toBe("95.3%");
    expect(formatMetric("completionRate", 0.031, "signed")).toBe("+3.1 pp");
    expect(formatMetric("latencyMs.p50", 850)).toBe("0.85 s");
    expect(formatMetric("latencyMs.p95", 12_345)).toBe("12.3 s");
    expect(formatMetric("latencyMs.p99", 59_990)).toBe("1 min");
    expect(formatMetric("latencyMs.p99", 255_000)).toBe("4.25 min");
    expect(formatMetric("latencyMs.p99", -3_000, "signed")).toBe("-3 s");
    expect(formatMetric("latencyMs.max", 7_200_000)).toBe("2 h");
    expect(formatMetric("pricePerCompletedTaskWei", 1.2345678e15)).toBe("0.001235 ETH");
    expect(formatMetric("reroutes", 12)).toBe("12");
    expect(formatMetric("reroutes", 12.3456)).toBe("12.35");
    expect(formatMetric("gasPerCompletedTask", 123456.7)).toBe("123457");
    expect(formatMetric("reroutes", 2, "signed")).toBe("+2");
    expect(formatMetric("onTimeRate", 0.012, "points")).toBe("1.2 pp");
    expect(formatMetric("reroutes", null)).toBe("n/a");
    expect(formatMetric("onTimeRate", Number.NaN)).toBe("n/a");
  });

  it("axis values as text: strings as they are, the rest as JSON", () => {
    expect(axisValueText("spread")).toBe("spread");
    expect(axisValueText(0.4)).toBe("0.4");
    expect(axisValueText(false)).toBe("false");
    expect(axisValueText(null)).toBe("null");
    expect(axisValueText(["a", 1])).toBe('["a",1]');
  });

  it("summarises seeds: a consecutive run as a range, else a list", () => {
    expect(seedsSummary([1, 2, 3, 4, 5])).toBe("5 seeds: 1–5");
    expect(seedsSummary([7])).toBe("1 seed: 7");
    expect(seedsSummary([3, 9, 11])).toBe("3 seeds: 3, 9, 11");
    expect(seedsSummary(Array.from({ length: 20 }, (_, i) => i * 2))).toBe("20 seeds: 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, …");
    expect(seedsSummary([])).toBe("none");
  });
});
