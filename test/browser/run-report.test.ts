// report.html in a real browser (Debian's Chromium, as dashboard.test.ts): the sample run's page,
// written to a temporary file and opened from its file:// URL, draws all six charts (capacity
// online among them) as SVG with no console error and no uncaught exception, requests nothing
// beyond its own file, shades the outage as "hard down" and "recovering" on every time chart,
// and the capacity chart's tooltip reads each system's share. A screenshot is saved as a test
// artifact (test-artifacts/run-report.png).
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { chromium, type Browser, type BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderReport } from "../../sim/report/html.js";
import { sampleReportInput } from "../report/sample-metrics.js";

const CHROMIUM = "/usr/bin/chromium";
const ARTIFACTS = fileURLToPath(new URL("../../test-artifacts/", import.meta.url));
const CHARTS = ["chart-availability", "chart-capacity", "chart-completions", "chart-latency", "chart-cost", "chart-reroutes"];
const TIME_CHARTS = ["chart-availability", "chart-capacity", "chart-completions", "chart-reroutes"];
// Locally the test needs Chromium from `npm run setup`; in CI a missing browser is a failure.
const skip = !existsSync(CHROMIUM) && !process.env["CI"];

describe.skipIf(skip)("report.html (Chromium)", () => {
  let browser: Browser;
  let context: BrowserContext;
  let folder: string;
  let pageUrl: string;

  beforeAll(async () => {
    expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: run npm run setup (scripts/install-system-packages.sh installs it)`).toBe(true);
    folder = await mkdtemp(join(tmpdir(), "bidmesh-run-report-"));
    const file = join(folder, "report.html");
    await writeFile(file, renderReport(sampleReportInput()));
    pageUrl = pathToFileURL(file).href;
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox", "--disable-background-networking", "--no-first-run"] });
    context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    // Anything but the page itself would be a fetch: abort it (and the test fails below).
    await context.route("**/*", (route) => (route.request().url() === pageUrl ? route.continue() : route.abort("blockedbyclient")));
  }, 30_000);

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    if (folder) await rm(folder, { recursive: true, force: true });
  });

  it("draws every chart, capacity online with the two-tone outage shading among them, fetching nothing", async () => {
    const page = await context.newPage();
    const errors: string[] = [];
    const requests: string[] = [];
    page.on("console", (m) => m.type() === "error" && errors.push(`${m.text()} (${m.location().url})`));
    page.on("pageerror", (e) => errors.push(`uncaught: ${e.message}`));
    page.on("request", (r) => requests.push(r.url()));
    await page.goto(pageUrl);

    await page.locator(`body[data-charts-drawn="${CHARTS.length}"]`).waitFor({ timeout: 15_000 });
    const drawn = (await page.evaluate(`[...document.querySelectorAll("div.chart")].map((el) => ({
      id: el.id, svgs: el.querySelectorAll("svg").length, paths: el.querySelectorAll("svg path").length, height: el.getBoundingClientRect().height,
    }))`)) as Array<{ id: string; svgs: number; paths: number; height: number }>;
    expect(drawn.map((c) => c.id)).toEqual(CHARTS);
    for (const chart of drawn) {
      expect(chart.svgs, chart.id).toBeGreaterThanOrEqual(1);
      expect(chart.paths, chart.id).toBeGreaterThan(5);
      expect(chart.height, chart.id).toBeGreaterThan(300);
    }
    expect(await page.locator("h3", { hasText: "Capacity online over time" }).count()).toBe(1);
    for (const id of TIME_CHARTS) {
      // The legend names both kinds of band; the hard-down band carries the outage's name.
      for (const label of ["hard down", "recovering", "us-east-1 regional outage"]) {
        expect(await page.locator(`#${id} svg text`, { hasText: label }).count(), `${id}: ${label}`).toBeGreaterThanOrEqual(1);
      }
    }

    // The capacity chart's tooltip at 35 min (bucket 7: us-east-1 hard down).
    const tip = (await page.evaluate(`(() => {
      const el = document.getElementById("chart-capacity");
      echarts.getInstanceByDom(el).dispatchAction({ type: "showTip", seriesIndex: 0, dataIndex: 7 });
      return [...el.querySelectorAll("div")].map((d) => d.innerText).join(" ");
    })()`)) as string;
    expect(tip).toMatch(/market\s*66\.7%[\s\S]*centralized\s*0\.0%[\s\S]*multi-cloud\s*33\.3%/);

    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: `${ARTIFACTS}run-report.png`, fullPage: true });
    await page.close();
    expect(requests).toEqual([pageUrl]);
    expect(errors).toEqual([]);
  }, 60_000);
});
