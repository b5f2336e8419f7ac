import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { DATA_SCRIPT_ID, ECHARTS_SCRIPT_ID, renderReport, scriptSafeJson } from "../../sim/report/html.js";
import { escapeHtml } from "../../sim/report/page/escape-html.js";
import type { ReportInput } from "../../sim/report/types.js";
import { SAMPLE_OUTAGE, sampleReportInput } from "./sample-metrics.js";

const echartsCode = readFileSync(createRequire(import.meta.url).resolve("echarts/dist/echarts.min.js"), "utf8");

/** The <script> elements of a page: attributes and body. */
function scripts(html: string): Array<{ attrs: string; body: string }> {
  return [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)].map((m) => ({ attrs: m[1]!, body: m[2]! }));
}

/** The page without the inlined echarts library. */
function withoutLibrary(html: string): string {
  const open = `<script id="${ECHARTS_SCRIPT_ID}">`;
  const start = html.indexOf(open);
  const end = html.indexOf("</script>", start);
  expect(start).toBeGreaterThan(0);
  return html.slice(0, start) + html.slice(end);
}

function dataBlock(html: string): unknown {
  const block = scripts(html).find((s) => s.attrs.includes(`id="${DATA_SCRIPT_ID}"`));
  expect(block?.attrs).toContain('type="application/json"');
  return JSON.parse(block!.body);
}

const hostile = "<script>alert(1)</script>";

describe("renderReport", () => {
  const input = sampleReportInput();
  const html = renderReport(input);

  it("is one self-contained page with the echarts library inlined", () => {
    expect(html.startsWith("<!doctype html>")).toBe(true);
    expect(html).toContain(echartsCode);
    const tags = scripts(html);
    expect(tags).toHaveLength(3);
    expect(tags.find((s) => s.attrs.includes(ECHARTS_SCRIPT_ID))?.body).toBe(echartsCode);
    expect(html.length).toBeGreaterThan(echartsCode.length);
  });

  it("refers to nothing outside itself", () => {
    const page = withoutLibrary(html);
    // The sample's source cites a URL: it shows as text, but never as a literal URL.
    expect(input.source).toContain("https://");
    expect(page).not.toMatch(/https?:\/\//i);
    expect(page).not.toMatch(/\ssrc\s*=|<link|<img|<iframe|@import|url\(/i);
    expect(page).not.toMatch(/["'(]\/\/[a-z0-9]/i); // no protocol-relative addresses either
  });

  it("embeds the input as JSON that parses back to the same data", () => {
    expect(dataBlock(html)).toEqual(JSON.parse(JSON.stringify(input)));
    expect(dataBlock(html)).toEqual(input);
  });

  it("shows the header, the comparison and the outages", () => {
    expect(html).toContain("aws-us-east-1-2025-10-20");
    expect(html).toContain(escapeHtml(input.generatedBy));
    expect(html).toContain(input.finalBlockHash!);
    expect(html).toContain("chain (EVM)");
    for (const row of ["tasks posted", "on time", "latency p99", "price per completed task", "gas per completed task"]) {
      expect(html).toContain(`<th scope="row">${row}</th>`);
    }
    expect(html).toContain(`<td>${SAMPLE_OUTAGE.name}</td>`);
    for (const id of ["chart-availability", "chart-completions", "chart-latency", "chart-cost", "chart-reroutes"]) {
      expect(html).toContain(`id="${id}"`);
    }
  });

  it("escapes every string from the input", () => {
    const evil = sampleReportInput({
      description: `A scenario ${hostile} & more`,
      source: `"quoted" 'source' ${hostile}`,
      outages: [{ name: `outage ${hostile}`, start: 1_000, end: 2_000, scope: `<b>scope</b>` }],
      reroutes: [{ time: 1_500, task: 3, from: `node</script><script>alert(2)</script>`, to: null, system: "market" }],
      generatedBy: `bidmesh simulate --scenario ${hostile}`,
    });
    evil.metrics = { ...evil.metrics, scenario: `scen${hostile}` };
    const page = renderReport(evil);
    expect(page).not.toContain("alert(1)</script>");
    expect(page).not.toContain("<script>alert");
    expect(page).not.toContain("<b>scope</b>");
    expect(page).toContain("A scenario &lt;script&gt;alert(1)&lt;/script&gt; &amp; more");
    expect(page).toContain("&quot;quoted&quot; &#39;source&#39;");
    expect(page).toContain(`outage &lt;script&gt;alert(1)&lt;/script&gt;`);
    expect(page).toContain("<title>bidmesh report: scen&lt;script&gt;alert(1)&lt;/script&gt; (seed 42)</title>");
    // Still exactly the three scripts of the page, and the data still round-trips.
    expect(scripts(page)).toHaveLength(3);
    expect(dataBlock(page)).toEqual(evil);
  });

  it("renders runs without a chain, reroutes or outages", () => {
    const bare = sampleReportInput({ finalBlockHash: null, reroutes: [], outages: [] });
    bare.metrics = { ...bare.metrics, ledger: "memory" };
    const page = renderReport(bare);
    expect(page).toContain("n/a (no chain)");
    expect(page).toContain("No outage windows in this run.");
    expect(dataBlock(page)).toEqual(bare);
  });
});

describe("scriptSafeJson", () => {
  it("keeps </script>, <!-- and line separators out of the script element", () => {
    const value = { a: "</script><!-- x -->", b: "https://example.org/a?b&c", c: "\u2028\u2029" };
    const json = scriptSafeJson(value);
    expect(json).not.toMatch(/[<>&\u2028\u2029]|:\/\//);
    expect(JSON.parse(json)).toEqual(value);
  });
});

/** Runs the page's chart script against stub `document` and `echarts`; returns each chart's option. */
function drawCharts(html: string): Map<string, Record<string, any>> {
  const tags = scripts(html);
  const data = tags.find((s) => s.attrs.includes(DATA_SCRIPT_ID))!.body;
  const page = tags.find((s) => s.attrs.trim() === "")!.body;
  const options = new Map<string, Record<string, any>>();
  const document = {
    getElementById: (id: string) => (id === DATA_SCRIPT_ID ? { textContent: data } : { id }),
  };
  const echarts = {
    init: (el: { id: string }, _theme: unknown, opts: { renderer?: string }) => {
      expect(opts.renderer).toBe("svg");
      return { setOption: (o: Record<string, any>) => options.set(el.id, o), resize: () => undefined };
    },
  };
  const window = { addEventListener: () => undefined, matchMedia: () => ({ addEventListener: () => undefined }) };
  runInNewContext(page, { document, echarts, window, JSON, Math, Number, Infinity });
  return options;
}

describe("the page's charts", () => {
  const input: ReportInput = sampleReportInput();
  const charts = drawCharts(renderReport(input));
  const names = (o: Record<string, any>): string[] => o.series.map((s: { name: string }) => s.name);

  it("draws five charts, each with data for the three systems", () => {
    expect([...charts.keys()]).toEqual(["chart-availability", "chart-completions", "chart-latency", "chart-cost", "chart-reroutes"]);
    for (const id of ["chart-availability", "chart-completions", "chart-latency"]) {
      const o = charts.get(id)!;
      expect(names(o).slice(0, 3)).toEqual(["market", "centralized", "multi-cloud"]);
      for (const s of o.series.slice(0, 3)) expect(s.data.length).toBeGreaterThan(5);
      expect(o.series.slice(0, 3).map((s: { color: string }) => s.color)).toEqual(["#0072B2", "#D55E00", "#009E73"]);
    }
    const cost = charts.get("chart-cost")!;
    expect(cost.series[0].data.map((d: { value: number }) => d.value)).toEqual(
      (["market", "centralized", "multiCloud"] as const).map((k) => Number(input.metrics.systems[k].pricePerCompletedTaskWei) / 1e18),
    );
    const reroutes = charts.get("chart-reroutes")!;
    expect(names(reroutes)).toEqual(["market", "centralized", "multi-cloud"]);
    const counts = reroutes.series.map((s: { data: unknown[] }) => s.data.length);
    expect(counts).toEqual([input.metrics.systems.market.reroutes, 0, input.metrics.systems.multiCloud.reroutes]);
  });

  it("labels the axes with units and shades the outage on every time chart", () => {
    expect(charts.get("chart-availability")!.xAxis.name).toBe("simulated time (min)");
    expect(charts.get("chart-availability")!.yAxis.name).toMatch(/%/);
    expect(charts.get("chart-latency")!.xAxis.type).toBe("log");
    expect(charts.get("chart-cost")!.yAxis.name).toMatch(/ETH/);
    for (const id of ["chart-availability", "chart-completions", "chart-reroutes"]) {
      const area = charts.get(id)!.series[0].markArea;
      expect(area.data).toEqual([[{ name: SAMPLE_OUTAGE.name, xAxis: 30 }, { xAxis: 60 }]]);
    }
  });

  it("escapes node ids in the reroute tooltips", () => {
    const evil = sampleReportInput({ reroutes: [{ time: 60_000, task: 1, from: "<img src=x onerror=alert(1)>", to: "a&b", system: "multiCloud" }] });
    const reroutes = drawCharts(renderReport(evil)).get("chart-reroutes")!;
    const point = reroutes.series[2].data[0];
    const text: string = reroutes.tooltip.formatter({ seriesName: "multi-cloud", data: point });
    expect(text).toBe("multi-cloud: task 1 at 1 min<br>from &lt;img src=x onerror=alert(1)&gt; to a&amp;b");
  });

  it("shows the market dipping less than the centralized baseline during the outage", () => {
    const during = (key: "market" | "centralized") =>
      input.metrics.systems[key].availability.filter((b) => b.start >= SAMPLE_OUTAGE.start && b.start < SAMPLE_OUTAGE.end);
    const mean = (key: "market" | "centralized") => during(key).reduce((s, b) => s + (b.share ?? 0), 0) / during(key).length;
    expect(mean("market")).toBeGreaterThan(0.7);
    expect(mean("centralized")).toBeLessThan(0.1);
  });
});
