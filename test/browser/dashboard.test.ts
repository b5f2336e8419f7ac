// The dashboard in a real browser: Debian's Chromium (installed by scripts/install-system-packages.sh),
// driven by playwright-core, against `serve` with a live market of two regions at high speed.
// The page posts a task through its form, takes the winner's region offline, and shows the task
// rerouted and completed. Every request must stay on loopback (anything else is aborted and
// fails the test), the console must stay free of errors, and a screenshot is saved as a test
// artifact (test-artifacts/dashboard.png).
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serve, type RunningServer } from "../../server/index.js";

const CHROMIUM = "/usr/bin/chromium";
const SCENARIO = fileURLToPath(new URL("./fixtures/live-two-regions.yaml", import.meta.url));
const ARTIFACTS = fileURLToPath(new URL("../../test-artifacts/", import.meta.url));
const TOKEN = "browser-test-token-0123456789abcdef";
/** Virtual seconds per real second: the task below takes about 11 s of real time, reroute included. */
const SPEED = 30;

/** Chromium without its background traffic (updates, sync, safe browsing, …): the page's requests only. */
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-background-networking",
  "--disable-component-update",
  "--no-first-run",
  "--disable-sync",
  "--disable-default-apps",
  "--disable-extensions",
  "--disable-domain-reliability",
  "--disable-client-side-phishing-detection",
  "--metrics-recording-only",
  "--no-default-browser-check",
  "--no-pings",
  "--disable-features=Translate,OptimizationHints,MediaRouter,DialMediaRouteProvider,AutofillServerCommunication,CertificateTransparencyComponentUpdater",
];

/** expect.poll with room for a live market on two shared cores. */
const poll = <T>(read: () => Promise<T> | T, timeout = 10_000) => expect.poll(read, { timeout, interval: 100 });

// Locally the test needs Chromium from `npm run setup`; in CI a missing browser is a failure.
const skip = !existsSync(CHROMIUM) && !process.env["CI"];

describe.skipIf(skip)("dashboard (Chromium)", () => {
  let running: RunningServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const consoleErrors: string[] = [];
  const offLoopback: string[] = [];
  const failedRequests: string[] = [];

  beforeAll(async () => {
    expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: run npm run setup (scripts/install-system-packages.sh installs it)`).toBe(true);
    running = await serve({ port: 0, handleSignals: false, scenario: SCENARIO, speed: SPEED, workload: false, token: TOKEN, print: () => undefined });
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    await context.route("**/*", async (route) => {
      const url = new URL(route.request().url());
      if (url.hostname === "127.0.0.1") return route.continue();
      offLoopback.push(url.href);
      return route.abort("blockedbyclient");
    });
    page = await context.newPage();
    page.on("console", (message) => {
      if (message.type() === "error") consoleErrors.push(`${message.text()} (${message.location().url})`);
    });
    page.on("pageerror", (error) => consoleErrors.push(`uncaught: ${error.message}`));
    page.on("requestfailed", (request) => failedRequests.push(`${request.method()} ${request.url()}: ${request.failure()?.errorText}`));
  }, 30_000);

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await running?.close();
  });

  it("posts a task, takes the winner's region offline, and shows the task rerouted and completed", async () => {
    await page.goto(running.url);
    // The stream's snapshot has arrived: the providers are listed by region.
    await poll(() => page.getByTestId("health-stream").textContent()).toContain("live");
    await page.getByTestId("region-eu-west-1").waitFor();
    await page.getByTestId("region-us-east-1").waitFor();
    expect(await page.locator('tr[data-online="true"]').count()).toBe(3);
    await poll(() => page.getByTestId("health-scenario").textContent()).toContain("live-two-regions");
    await page.getByTestId("dependency-dns:acme").waitFor();

    // Without the token the API answers 401, and the form says so.
    await page.getByTestId("task-submit").click();
    await poll(() => page.getByTestId("task-message").textContent()).toMatch(/401/);

    await page.getByTestId("token-input").fill(TOKEN);
    await page.getByTestId("token-save").click();
    await page.getByTestId("token-state").waitFor();

    // A 400 shows the API's message for the field.
    await page.getByTestId("task-max-price").fill("lots");
    await page.getByTestId("task-submit").click();
    await poll(() => page.getByTestId("task-message").textContent()).toMatch(/maxPrice: expected an amount in ETH/);

    // 150 compute-seconds (5 s at 30x) leave time to act after the award, before the winner
    // would deliver; the deadline budget (180 s) is what the keeper waits before it reroutes.
    await page.getByTestId("task-size").fill("150");
    await page.getByTestId("task-max-price").fill("0.01");
    await page.getByTestId("task-deadline").fill("180");
    await page.getByTestId("task-region").selectOption("any");
    await page.getByTestId("task-mechanism").selectOption("first-price");
    await page.getByTestId("task-submit").click();
    await poll(() => page.getByTestId("task-message").textContent()).toMatch(/Task #\d+ posted in block \d+/);
    const taskId = Number((await page.getByTestId("task-message").getAttribute("data-task-id")) ?? NaN);
    expect(Number.isInteger(taskId)).toBe(true);

    // The award arrives over the stream, with the winner's region.
    const card = page.getByTestId(`task-${taskId}`);
    const award = card.locator("li.ev.award").first();
    await award.waitFor({ timeout: 15_000 });
    expect(await card.locator(".bid").count()).toBe(3);
    const winner = await award.getAttribute("data-provider");
    const region = await award.getAttribute("data-region");
    expect(region).toBe("eu-west-1"); // the cheap provider wins: the fixture's design

    // Take that region offline through its button (600 virtual seconds).
    await page.getByTestId(`region-${region}-duration`).fill("600");
    await page.getByTestId(`region-${region}-offline`).click();
    await poll(() => page.getByTestId("providers-message").textContent()).toContain(`region ${region} offline for 600 s`);
    await poll(() => page.locator(`[data-testid="provider-${winner}"]`).getAttribute("data-online")).toBe("false");
    await page.locator('[data-testid="outages"] li[data-active="true"]').first().waitFor();
    expect(await page.getByTestId(`task-status-${taskId}`).textContent()).not.toBe("completed");

    // The keeper reroutes once the deadline passes; a provider in the other region completes it.
    await poll(() => page.getByTestId(`task-status-${taskId}`).textContent(), 30_000).toBe("completed");
    expect(await card.locator("li.ev.reroute").getAttribute("data-provider")).toBe(winner);
    const deliverer = await card.locator("li.ev.result").getAttribute("data-provider");
    expect(deliverer).not.toBe(winner);
    expect(await card.locator("li.ev.result").textContent()).toMatch(/\(us-east-1\).*paid/);

    // The live KPI panel counts the completed task (from the stream's kpis events) and draws
    // its charts with echarts from /vendor/echarts; the header says the market runs, and why not.
    await page.getByTestId("kpi-card").waitFor();
    await poll(() => page.getByTestId("kpi-completionShare-value").textContent(), 15_000).toMatch(/^\d+(\.\d)?%$/);
    expect(await page.getByTestId("kpi-onTimeShare-value").textContent()).toMatch(/^\d+(\.\d)?%$/);
    expect(await page.getByTestId("kpi-latencyP95Seconds-value").textContent()).toMatch(/^\d+(\.\d+)? s$/);
    expect(await page.getByTestId("kpi-pricePerTaskEth-value").textContent()).toMatch(/\d.* ETH$/);
    expect(Number(await page.getByTestId("kpi-reroutes-value").textContent())).toBeGreaterThanOrEqual(1);
    for (const chart of ["kpi-chart-ontime", "kpi-chart-latency", "kpi-chart-throughput"]) {
      expect(await page.locator(`[data-testid="${chart}"] canvas`).count(), chart).toBeGreaterThanOrEqual(1);
    }
    expect(await page.getByTestId("health-market").textContent()).toContain("running");

    // The ledger browser, filtered by the task: its three bids.
    await page.getByTestId("ledger-task").fill(String(taskId));
    await page.getByTestId("ledger-apply").click();
    await poll(() => page.getByTestId("ledger-row").count()).toBe(3);

    await mkdir(ARTIFACTS, { recursive: true });
    await page.evaluate("window.scrollTo(0, 0)");
    await page.screenshot({ path: `${ARTIFACTS}dashboard.png` });

    // The task's detail (GET /api/tasks/:id) agrees.
    await page.getByTestId(`task-open-${taskId}`).click();
    await poll(() => page.getByTestId("task-detail-status").textContent()).toBe("completed");
    await page.getByTestId("task-detail-result").waitFor();
    await page.screenshot({ path: `${ARTIFACTS}dashboard-task.png` });
    await page.getByTestId("task-detail-close").click();

    expect(offLoopback).toEqual([]);
    expect(failedRequests).toEqual([]);
    // Chromium logs every 4xx answer; the two the test provoked (401, then 400) are expected.
    const provoked = /^Failed to load resource: the server responded with a status of (401|400) .*\/api\/tasks\)$/;
    expect(consoleErrors.filter((line) => provoked.test(line))).toHaveLength(2);
    expect(consoleErrors.filter((line) => !provoked.test(line))).toEqual([]);
  }, 60_000);

  it("/docs renders the API reference from node_modules under the server's CSP", async () => {
    consoleErrors.length = 0;
    const docs = await context.newPage();
    docs.on("console", (message) => {
      if (message.type() === "error") consoleErrors.push(message.text());
    });
    await docs.goto(`${running.url}/docs`);
    await poll(() => docs.locator(".swagger-ui .info .title").textContent()).toContain("bidmesh API");
    await docs.locator('.opblock-summary-path[data-path="/api/outages"]').first().waitFor();
    await docs.screenshot({ path: `${ARTIFACTS}docs.png` });
    await docs.close();
    expect(offLoopback).toEqual([]);
    expect(consoleErrors).toEqual([]);
  }, 30_000);

  it("runs a built-in experiment from the runner, shows its headline and opens its report", async () => {
    consoleErrors.length = 0;
    const runner = await context.newPage();
    runner.on("console", (message) => {
      if (message.type() === "error") consoleErrors.push(message.text());
    });
    await runner.goto(running.url);
    await runner.getByTestId("token-input").fill(TOKEN);
    await runner.getByTestId("token-save").click();
    await runner.getByTestId("token-state").waitFor();
    // The server's built-ins fill the list.
    await poll(() => runner.locator('[data-testid="exp-name"] option').allTextContents()).toEqual(["aws-block-fallback", "gas-price", "hidden-share"]);
    await runner.getByTestId("exp-name").selectOption("hidden-share");
    // 12 arms × 2 seeds: seconds, not the built-in's 30 seeds.
    await runner.getByTestId("exp-seeds").fill("2");
    await runner.getByTestId("exp-submit").click();
    await poll(() => runner.getByTestId("exp-status").textContent(), 120_000).toBe("done");
    expect(await runner.getByTestId("exp-headline").textContent()).toMatch(/^onTimeRate, mean \[95% interval\] over 2 seeds/);
    const href = await runner.getByTestId("exp-report").getAttribute("href");
    expect(href).toMatch(/^\/api\/experiments\/[0-9a-f-]+\/files\/experiment\.html$/);
    await runner.screenshot({ path: `${ARTIFACTS}experiment-runner.png`, fullPage: true });

    const report = await context.newPage();
    report.on("console", (message) => {
      if (message.type() === "error") consoleErrors.push(message.text());
    });
    await report.goto(`${running.url}${href}`);
    await report.locator("body[data-charts-drawn]").waitFor({ timeout: 15_000 });
    expect(await report.locator("div.chart svg").count()).toBeGreaterThan(0);
    await report.close();
    await runner.close();
    expect(offLoopback).toEqual([]);
    expect(consoleErrors).toEqual([]);
  }, 150_000);
});
