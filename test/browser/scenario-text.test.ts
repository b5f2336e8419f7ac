// Scenario text with markup in a real browser (Chromium, as dashboard.test.ts): group names,
// dependency and outage names carrying <img onerror> and "onerror= payloads show on the
// dashboard as text and run nothing; the report of the same scenario, served by the API, draws
// its charts under its sandboxing CSP, in an opaque origin that cannot reach the dashboard's
// sessionStorage (where the API token lives).
import { existsSync, readFileSync } from "node:fs";
import { chromium, type Browser, type BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { serve, type RunningServer } from "../../server/index.js";
import { parseScenario } from "../../sim/scenario/load.js";

const CHROMIUM = "/usr/bin/chromium";
const FIXTURE = new URL("./fixtures/live-two-regions.yaml", import.meta.url);
const TOKEN = "browser-text-token-0123456789abcdef";
const skip = !existsSync(CHROMIUM) && !process.env["CI"];

// Group names hold no whitespace and no '#'. Each payload, if it ever ran, would set a flag.
const GROUP_TAG = "<img/src=x/onerror=window.__pwned=1>";
const GROUP_QUOTE = 'eu"onerror="window.__pwned=2';
const DEPENDENCY = '<img src=x onerror="window.__pwned=3">';
const OUTAGE = "<svg/onload=window.__pwned=4>late";
const DESCRIPTION = '<script>window.__pwned=5</script> "onerror="window.__pwned=6"';

function hostileScenario(): Record<string, any> {
  const s = parseYaml(readFileSync(FIXTURE, "utf8")) as Record<string, any>;
  s["name"] = "hostile-text";
  s["description"] = DESCRIPTION;
  s["duration"] = "10m";
  s["providers"][0].group = GROUP_QUOTE;
  s["providers"][0].dependsOn = [DEPENDENCY];
  s["providers"][1].group = GROUP_TAG;
  // Listed on the dashboard from the start, active after 5 virtual minutes.
  s["failures"].outages = [{ name: OUTAGE, scope: { providers: [GROUP_TAG] }, start: "5m", duration: "1m" }];
  return s;
}

describe.skipIf(skip)("scenario text with markup (Chromium)", () => {
  let running: RunningServer;
  let browser: Browser;
  let context: BrowserContext;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    running = await serve({ port: 0, handleSignals: false, scenario: parseScenario(hostileScenario()), speed: 1, workload: false, token: TOKEN, print: () => undefined });
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox", "--disable-background-networking", "--no-first-run"] });
    context = await browser.newContext();
    await context.route("**/*", (route) => (new URL(route.request().url()).hostname === "127.0.0.1" ? route.continue() : route.abort("blockedbyclient")));
  }, 30_000);

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await running?.close();
  });

  it("the dashboard shows group, dependency and outage names as text and runs none of them", async () => {
    const page = await context.newPage();
    page.on("console", (m) => m.type() === "error" && consoleErrors.push(m.text()));
    page.on("pageerror", (e) => consoleErrors.push(`uncaught: ${e.message}`));
    await page.goto(running.url);
    await page.getByText(OUTAGE, { exact: true }).first().waitFor({ timeout: 15_000 });
    await expect.poll(() => page.locator("body").innerText(), { timeout: 15_000 }).toContain(`${GROUP_TAG}#`);
    const text = await page.locator("body").innerText();
    expect(text).toContain(`${GROUP_QUOTE}#`);
    expect(text).toContain(DEPENDENCY);
    // Evaluated as text: this file is compiled without the DOM's types.
    const dom = await page.evaluate(`({
      pwned: window.__pwned,
      handlers: document.querySelectorAll("[onerror], [onload]").length,
      images: document.querySelectorAll("img").length,
      scripts: [...document.scripts].map((s) => s.src),
    })`);
    // The page's own two scripts (the KPI charts' library from /vendor, then the app), no other.
    expect(dom).toEqual({ pwned: undefined, handlers: 0, images: 0, scripts: [`${running.url}/vendor/echarts/echarts.min.js`, `${running.url}/js/main.js`] });
    await page.close();
    expect(consoleErrors).toEqual([]);
  }, 40_000);

  it("the report of that scenario draws its charts, sandboxed: an opaque origin without the dashboard's storage", async () => {
    // The dashboard keeps the token in its origin's sessionStorage.
    const dashboard = await context.newPage();
    await dashboard.goto(running.url);
    await dashboard.evaluate((token) => sessionStorage.setItem("probe", token), TOKEN);

    const posted = await fetch(`${running.url}/api/simulations`, {
      method: "POST",
      headers: { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/json" },
      body: JSON.stringify({ scenario: hostileScenario(), ledger: "memory" }),
    });
    expect(posted.status).toBe(202);
    const { id, links } = (await posted.json()) as { id: string; links: { report: string } };
    for (let i = 0; ; i++) {
      const run = (await (await fetch(`${running.url}/api/simulations/${id}`)).json()) as { status: string; error?: string };
      if (run.status === "done") break;
      expect(run.status, run.error).not.toBe("failed");
      expect(i, "the run takes under 45 s").toBeLessThan(900);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }

    const report = await context.newPage();
    const errors: string[] = [];
    report.on("console", (m) => m.type() === "error" && errors.push(m.text()));
    report.on("pageerror", (e) => errors.push(`uncaught: ${e.message}`));
    await report.goto(`${running.url}${links.report}`);
    await report.locator("p.description").waitFor();
    expect(await report.locator("p.description").textContent()).toBe(DESCRIPTION);
    // The charts are drawn as SVG (echarts.init with the svg renderer): their scripts ran.
    await expect.poll(() => report.locator("#chart-availability svg path").count(), { timeout: 15_000 }).toBeGreaterThan(0);
    expect(await report.locator("#chart-capacity svg path").count()).toBeGreaterThan(0);
    expect(errors).toEqual([]);
    const seen = await report.evaluate(`(() => {
      let storage;
      try {
        storage = String(window.sessionStorage.getItem("probe"));
      } catch (error) {
        storage = error.name;
      }
      return { origin: window.origin, storage, pwned: window.__pwned };
    })()`);
    expect(seen).toEqual({ origin: "null", storage: "SecurityError", pwned: undefined });
    await report.close();
    await dashboard.close();
  }, 90_000);
});
