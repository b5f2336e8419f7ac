// Scenario text in the report a background simulation serves: group names, the description and
// outage names carrying <script> and "onerror= payloads come out as text (HTML-escaped in the
// page, \u-escaped in its JSON data block), the page keeps exactly its own three scripts, and
// the report is served under a sandboxing CSP: an opaque origin of its own, so even a future
// escaping slip could not reach the dashboard's token in sessionStorage on the same origin.
import { readFileSync } from "node:fs";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { createApp, type BidmeshApp } from "../../server/app.js";
import type { SimulationAcceptedJson, SimulationJson } from "../../server/simulation-schemas.js";
import { SimulationJobs } from "../../server/simulations/simulation-jobs.js";
import { DATA_SCRIPT_ID, ECHARTS_SCRIPT_ID } from "../../sim/report/html.js";
import { AUTH, TOKEN, unusedMarket } from "../server/server-fixture.js";

const FIXTURE = new URL("../server/fixtures/sim-small.yaml", import.meta.url);

// Group names may hold no whitespace and no '#': payloads that fit.
const GROUP_QUOTE = 'euw"onerror="alert(1)';
const GROUP_TAG = "<img/src=x/onerror=alert(2)>";
const DESCRIPTION = `<script>alert(3)</script> "onerror="alert(4)" <img src=x onerror=alert(5)> & more`;
const OUTAGE = "<svg/onload=alert(6)>";

/** The fixture scenario with hostile text in its groups, description and outage. */
function hostileScenario(): Record<string, unknown> {
  const s = parseYaml(readFileSync(FIXTURE, "utf8")) as Record<string, any>;
  s["name"] = "hostile-text";
  s["description"] = DESCRIPTION;
  s["providers"][0].group = GROUP_QUOTE;
  s["providers"][1].group = GROUP_TAG;
  // The outage names both groups, so they show in the outage table's scope column.
  s["failures"].outages = [{ name: OUTAGE, scope: { providers: [GROUP_QUOTE, GROUP_TAG] }, start: "2m", duration: "2m" }];
  return s;
}

/**
 * The page as HTML markup: without the inlined echarts library (its minified code is not the
 * page's text) and the JSON data block (checked apart: inside it a quote is JSON, not markup).
 */
function markup(html: string): string {
  let page = html;
  for (const id of [ECHARTS_SCRIPT_ID, DATA_SCRIPT_ID]) {
    const start = page.indexOf(`<script id="${id}"`);
    expect(start, id).toBeGreaterThan(0);
    page = page.slice(0, start) + page.slice(page.indexOf("</script>", start));
  }
  return page;
}

let jobs: SimulationJobs;
let app: BidmeshApp;

beforeAll(() => {
  jobs = new SimulationJobs({ progressIntervalMs: 20 });
  app = createApp({ market: unusedMarket(), simulations: jobs, token: TOKEN, rateLimit: { windowMs: 60_000, limit: 1_000_000 } });
});

afterAll(async () => {
  await jobs?.close();
});

async function finishedRun(id: string): Promise<SimulationJson> {
  const deadline = Date.now() + 45_000;
  for (;;) {
    const run = (await request(app).get(`/api/simulations/${id}`)).body as SimulationJson;
    if (run.status === "done" || run.status === "failed") return run;
    if (Date.now() > deadline) throw new Error(`simulation ${id} still ${run.status}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("a report of a scenario with hostile text", () => {
  let html: string;
  let csp: string;

  beforeAll(async () => {
    const res = await request(app).post("/api/simulations").set(AUTH).send({ scenario: hostileScenario(), ledger: "memory" });
    expect(res.status, res.text).toBe(202);
    const { id, links } = res.body as SimulationAcceptedJson;
    const run = await finishedRun(id);
    expect(run.status, run.error).toBe("done");
    const report = await request(app).get(links.report);
    expect(report.status).toBe(200);
    html = report.text;
    csp = report.headers["content-security-policy"] as string;
  }, 60_000);

  it("shows every payload as text: escaped in the page, never as markup", () => {
    const page = markup(html);
    for (const raw of ["<script>alert", "<img", "<svg", '"onerror=', "onerror=alert(5)>"]) expect(page, raw).not.toContain(raw);
    expect(page).toContain('<p class="description">&lt;script&gt;alert(3)&lt;/script&gt; &quot;onerror=&quot;alert(4)&quot; &lt;img src=x onerror=alert(5)&gt; &amp; more</p>');
    expect(page).toContain("&lt;svg/onload=alert(6)&gt;");
    expect(page).toContain("euw&quot;onerror=&quot;alert(1)");
    expect(page).toContain("&lt;img/src=x/onerror=alert(2)&gt;");
  });

  it("keeps its own three scripts; the data block holds the payloads \\u-escaped and parses back to them", () => {
    const tags = [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(tags.map((m) => m[1]!.trim())).toEqual([`id="${DATA_SCRIPT_ID}" type="application/json"`, `id="${ECHARTS_SCRIPT_ID}"`, ""]);
    const data = tags[0]![2]!;
    expect(data).not.toMatch(/[<>]/);
    const parsed = JSON.parse(data) as { description: string; outages: Array<{ name: string; scope: string }> };
    expect(parsed.description).toBe(DESCRIPTION);
    expect(parsed.outages[0]).toMatchObject({ name: OUTAGE });
    expect(parsed.outages[0]!.scope).toContain(GROUP_QUOTE);
    expect(parsed.outages[0]!.scope).toContain(GROUP_TAG);
  });

  it("is served sandboxed (scripts run, but in an opaque origin), its inline scripts allowed by hash only", () => {
    const directives = new Map(csp.split(";").map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name!, values]));
    expect(directives.get("sandbox")).toEqual(["allow-scripts"]);
    expect(csp).not.toMatch(/allow-same-origin|allow-top-navigation|allow-popups|allow-forms/);
    expect(directives.get("default-src")).toEqual(["'none'"]);
    const scripts = directives.get("script-src")!;
    expect(scripts).toHaveLength(3); // one per <script> element (the JSON block's is never run)
    for (const source of scripts) expect(source).toMatch(/^'sha256-[A-Za-z0-9+/]+=*'$/);
  });
});
