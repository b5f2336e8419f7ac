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
    for (const id of ["chart-availability", "chart-capacity", "chart-completions", "chart-latency", "chart-cost", "chart-reroutes"]) {
      expect(html).toContain(`id="${id}"`);
    }
    // The outage's row: 40 min in all, 30 of them hard down, then 2 steps over 10 min.
    expect(html).toContain(
      `<td>${SAMPLE_OUTAGE.name}</td><td class="num">30 min</td><td class="num">1.17 h</td><td class="num">40 min</td><td class="num">30 min</td><td>2 steps over 10 min</td>`,
    );
  });

  it("carries the outages' hard-down ends, recovery steps and each system's capacity online", () => {
    const block = dataBlock(html) as ReportInput;
    expect(block.outages).toEqual([
      { name: SAMPLE_OUTAGE.name, start: 1_800_000, end: 4_200_000, hardDownEnd: 3_600_000, recoverySteps: [3_900_000, 4_200_000], scope: "region us-east-1" },
    ]);
    const buckets = input.metrics.systems.market.availability.length;
    for (const key of ["market", "centralized", "multiCloud"] as const) expect(block.onlineCapacity[key]).toHaveLength(buckets);
    // 5-minute buckets: 30-60 min hard down (buckets 6-11), half back 65-70 min (bucket 13).
    expect(block.onlineCapacity.centralized.slice(5, 15)).toEqual([1, 0, 0, 0, 0, 0, 0, 0, 0.5, 1]);
    expect(block.onlineCapacity.market[7]).toBeCloseTo(2 / 3, 6);
    expect(block.onlineCapacity.multiCloud[7]).toBeCloseTo(1 / 3, 6);
  });

  it("escapes every string from the input", () => {
    const evil = sampleReportInput({
      description: `A scenario ${hostile} & more`,
      source: `"quoted" 'source' ${hostile}`,
      outages: [{ name: `outage ${hostile}`, start: 1_000, end: 2_000, hardDownEnd: 2_000, recoverySteps: [], scope: `<b>scope</b>` }],
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

const TIME_CHARTS = ["chart-availability", "chart-capacity", "chart-completions", "chart-reroutes"];

describe("the page's charts", () => {
  const input: ReportInput = sampleReportInput();
  const charts = drawCharts(renderReport(input));
  const names = (o: Record<string, any>): string[] => o.series.map((s: { name: string }) => s.name);
  const shading = (o: Record<string, any>, name: string): Record<string, any> => {
    const found = o.series.find((s: { name: string }) => s.name === name);
    expect(found, name).toBeDefined();
    return found;
  };

  it("draws six charts, each with data for the three systems", () => {
    expect([...charts.keys()]).toEqual(["chart-availability", "chart-capacity", "chart-completions", "chart-latency", "chart-cost", "chart-reroutes"]);
    for (const id of ["chart-availability", "chart-capacity", "chart-completions", "chart-latency"]) {
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
    expect(names(reroutes)).toEqual(["market", "centralized", "multi-cloud", "hard down", "recovering"]);
    const counts = reroutes.series.slice(0, 3).map((s: { data: unknown[] }) => s.data.length);
    expect(counts).toEqual([input.metrics.systems.market.reroutes, 0, input.metrics.systems.multiCloud.reroutes]);
  });

  it("labels the axes with units and shades the outage on every time chart", () => {
    expect(charts.get("chart-availability")!.xAxis.name).toBe("simulated time (min)");
    expect(charts.get("chart-availability")!.yAxis.name).toMatch(/%/);
    expect(charts.get("chart-latency")!.xAxis.type).toBe("log");
    expect(charts.get("chart-cost")!.yAxis.name).toMatch(/ETH/);
    for (const id of TIME_CHARTS) {
      const o = charts.get(id)!;
      expect(o.xAxis.name, id).toBe("simulated time (min)");
      expect(o.xAxis.max, id).toBe(charts.get("chart-availability")!.xAxis.max);
      // Two shading series, last: "hard down" (labelled with the outage's name), then "recovering".
      const hard = shading(o, "hard down");
      expect(hard.data).toEqual([]);
      expect(hard.markArea.data).toEqual([[{ name: SAMPLE_OUTAGE.name, xAxis: 30 }, { xAxis: 60 }]]);
      expect(hard.markArea.label.show).toBe(true);
      const recovering = shading(o, "recovering");
      // The recovery's two steps: 60-65 min with nothing back yet, 65-70 min with half back (paler).
      const bands = recovering.markArea.data as Array<[{ xAxis: number; itemStyle: { color: string } }, { xAxis: number }]>;
      expect(bands.map(([a, b]) => [a.xAxis, b.xAxis])).toEqual([[60, 65], [65, 70]]);
      const alpha = (c: string): number => Number(/,\s*([\d.]+)\)$/.exec(c)![1]);
      expect(alpha(bands[0]![0].itemStyle.color)).toBeGreaterThan(alpha(bands[1]![0].itemStyle.color));
      expect(alpha(bands[0]![0].itemStyle.color)).toBeLessThan(alpha(hard.markArea.itemStyle.color));
      expect(o.legend.data.slice(-2)).toEqual([{ name: "hard down", icon: "rect" }, { name: "recovering", icon: "rect" }]);
    }
  });

  it("draws each system's capacity online per bucket as a stepped share in %", () => {
    const o = charts.get("chart-capacity")!;
    expect(o.yAxis.name).toMatch(/capacity online/);
    expect([o.yAxis.min, o.yAxis.max]).toEqual([0, 100]);
    const centralized = o.series[1].data as Array<[number, number]>;
    expect(o.series[1].step).toBe("end");
    // One point per 5-minute bucket at its start, and one more at the end of the last bucket.
    expect(centralized).toHaveLength(input.onlineCapacity.centralized.length + 1);
    expect(centralized.slice(5, 15)).toEqual([[25, 100], [30, 0], [35, 0], [40, 0], [45, 0], [50, 0], [55, 0], [60, 0], [65, 50], [70, 100]]);
    expect(centralized.at(-1)).toEqual([120, 100]);
    expect(o.series[0].data[7]).toEqual([35, 66.7]);
    expect(o.series[2].data[7]).toEqual([35, 33.3]);
    expect(o.tooltip.valueFormatter(66.66)).toBe("66.7%");
  });

  it("shades an outage without a recovery as hard down only, and none when there is no outage", () => {
    const plain = sampleReportInput({ outages: [{ ...SAMPLE_OUTAGE, end: SAMPLE_OUTAGE.hardDownEnd, recoverySteps: [] }] });
    const plainCharts = drawCharts(renderReport(plain));
    for (const id of TIME_CHARTS) {
      const names = plainCharts.get(id)!.series.map((s: { name: string }) => s.name);
      expect(names, id).toContain("hard down");
      expect(names, id).not.toContain("recovering");
    }
    expect(renderReport(plain)).toContain("<td>none: all back at once</td>");
    const bare = drawCharts(renderReport(sampleReportInput({ outages: [] })));
    for (const id of TIME_CHARTS) {
      const names = bare.get(id)!.series.map((s: { name: string }) => s.name);
      expect(names, id).not.toContain("hard down");
      expect(names, id).not.toContain("recovering");
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
      input.metrics.systems[key].availability.filter((b) => b.start >= SAMPLE_OUTAGE.start && b.start < SAMPLE_OUTAGE.hardDownEnd);
    const mean = (key: "market" | "centralized") => during(key).reduce((s, b) => s + (b.share ?? 0), 0) / during(key).length;
    expect(mean("market")).toBeGreaterThan(0.7);
    expect(mean("centralized")).toBeLessThan(0.1);
  });
});
