// experiment.html in a real browser (Debian's Chromium, as dashboard.test.ts): the page, written
// to a temporary file and opened from its file:// URL, draws every chart (one SVG each) with no
// console error and no uncaught exception, requests nothing beyond its own file, runs none of the
// markup in the sample's names, and its tooltips (the page script's formatters) work. A
// screenshot is saved as a test artifact (test-artifacts/experiment-report.png).
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { chromium, type Browser, type BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { experimentHtml } from "../../sim/experiment/report/experiment-html.js";
import { HOSTILE_NAME, HOSTILE_VALUE, sampleExperiment } from "../experiment/report-sample.js";

const CHROMIUM = "/usr/bin/chromium";
const ARTIFACTS = fileURLToPath(new URL("../../test-artifacts/", import.meta.url));
// Locally the test needs Chromium from `npm run setup`; in CI a missing browser is a failure.
const skip = !existsSync(CHROMIUM) && !process.env["CI"];

describe.skipIf(skip)("experiment.html (Chromium)", () => {
  let browser: Browser;
  let context: BrowserContext;
  let folder: string;
  let pageUrl: string;

  beforeAll(async () => {
    expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: run npm run setup (scripts/install-system-packages.sh installs it)`).toBe(true);
    folder = await mkdtemp(join(tmpdir(), "bidmesh-experiment-report-"));
    const file = join(folder, "experiment.html");
    await writeFile(file, experimentHtml(sampleExperiment()));
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

  it("opens from a file:// URL and draws every chart, fetching nothing and running none of the data's markup", async () => {
    const input = sampleExperiment();
    const page = await context.newPage();
    const errors: string[] = [];
    const requests: string[] = [];
    page.on("console", (m) => m.type() === "error" && errors.push(`${m.text()} (${m.location().url})`));
    page.on("pageerror", (e) => errors.push(`uncaught: ${e.message}`));
    page.on("request", (r) => requests.push(r.url()));
    await page.goto(pageUrl);

    const charts = input.axes.length * input.metrics.length * 2;
    await page.locator(`body[data-charts-drawn="${charts}"]`).waitFor({ timeout: 15_000 });
    expect(await page.locator("div.chart").count()).toBe(charts);
    expect(await page.locator("div.chart svg").count()).toBeGreaterThanOrEqual(charts);
    // Each chart is drawn: its SVG has the lines, bands and error bars (paths), not just a frame.
    const drawn = await page.evaluate(`[...document.querySelectorAll("div.chart")].map((el) => ({
      id: el.id, svgs: el.querySelectorAll("svg").length, paths: el.querySelectorAll("svg path").length, height: el.getBoundingClientRect().height,
    }))`) as Array<{ id: string; svgs: number; paths: number; height: number }>;
    for (const chart of drawn) {
      expect(chart.svgs, chart.id).toBeGreaterThanOrEqual(1);
      expect(chart.paths, chart.id).toBeGreaterThan(20);
      expect(chart.height, chart.id).toBeGreaterThan(300);
    }
    // The facets of the charts against hiddenShare are titled by placement, markup as text.
    expect(await page.locator("#chart-means-0-0 svg text", { hasText: `placement = ${HOSTILE_VALUE}` }).count()).toBe(1);

    // Tooltips: the page script's formatters, on a mean and on a paired difference.
    const tooltip = async (id: string): Promise<string> =>
      (await page.evaluate(`(() => {
        const el = document.getElementById(${JSON.stringify(id)});
        echarts.getInstanceByDom(el).dispatchAction({ type: "showTip", seriesIndex: 0, dataIndex: 0 });
        return [...el.querySelectorAll("div")].map((d) => d.innerText).join(" ");
      })()`)) as string;
    expect(await tooltip("chart-means-0-0")).toMatch(/hiddenShare=0\.2, placement=spread[\s\S]*market: 95\.0%[\s\S]*95% CI 93\.0% … 97\.0%[\s\S]*n = 5/);
    expect(await tooltip("chart-paired-0-1")).toMatch(/market − centralized: -18 s[\s\S]*95% CI -22\.8 s … -13\.2 s/);

    const text = await page.locator("body").innerText();
    expect(text).toContain(HOSTILE_NAME);
    expect(text).toContain(HOSTILE_VALUE);
    const dom = await page.evaluate(`({
      pwned: window.__pwned,
      handlers: document.querySelectorAll("[onerror], [onload]").length,
      images: document.querySelectorAll("img").length,
      scripts: [...document.scripts].map((s) => s.src),
    })`);
    expect(dom).toEqual({ pwned: undefined, handlers: 0, images: 0, scripts: ["", "", ""] });

    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: `${ARTIFACTS}experiment-report.png`, fullPage: true });
    await page.close();
    expect(requests).toEqual([pageUrl]);
    expect(errors).toEqual([]);
  }, 60_000);
});
