// Hostile scenarios that ask for more than a run on this machine can honour: the request of
// issue 9 (an inline scenario with `workload.posters: 1000000000`, once answered 202 and then
// the worker built 10^9 poster addresses until the server died of heap exhaustion), and its
// kin (a billion providers, a million metric buckets, crashes every millisecond, a year of
// 1 s blocks). Through the API each is answered 400 at once, naming the field and the bound,
// and no run is queued; through the CLI each exits 2 with the same line and writes nothing.
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { parse as parseYaml, stringify } from "yaml";
import { createApp, type BidmeshApp } from "../../server/app.js";
import { SimulationJobs } from "../../server/simulations/simulation-jobs.js";
import { BUILTIN_DIR } from "../../sim/scenario/load.js";
import { bidmesh, removeTempDirs, STACK_LINE, tempDir } from "../sim/e2e.js";
import { AUTH, TOKEN, unusedMarket } from "../server/server-fixture.js";

type Data = Record<string, any>;
/** The steady built-in as a request's inline scenario, with `edit` applied. */
function steady(edit: (d: Data) => void): Data {
  const data = parseYaml(readFileSync(join(BUILTIN_DIR, "steady.yaml"), "utf8")) as Data;
  edit(data);
  return data;
}

const HOSTILE: Array<{ name: string; edit: (d: Data) => void; path: string; message: RegExp }> = [
  { name: "a billion posters", edit: (d) => (d["workload"].posters = 1_000_000_000), path: "workload.posters", message: /must be at most 10,000 \(the scenario limit\), got 1,000,000,000/ },
  { name: "a billion providers in one group", edit: (d) => (d["providers"][0].count = 1_000_000_000), path: "providers.0.count", message: /must be at most 5,000 \(the scenario limit\)/ },
  // A million buckets over the 60 m of steady would be 3.6 ms each.
  { name: "a million metric buckets", edit: (d) => (d["metricsBucket"] = "3ms"), path: "metricsBucket", message: /^duration 1h ÷ metricsBucket 3ms is 1,200,000 buckets, over the limit of 10,000/ },
  { name: "a crash every few milliseconds", edit: (d) => Object.assign(d["providers"][3], { mtbf: "1ms", mttr: "1ms" }), path: "providers.3.mtbf", message: /failure intervals.*over the limit of 1,000,000/ },
  { name: "a year of 1 s blocks", edit: (d) => Object.assign(d, { duration: "365d", blockInterval: "1s" }), path: "blockInterval", message: /blocks, over the limit of 500,000/ },
  { name: "a million tasks a minute", edit: (d) => (d["workload"].arrivals.ratePerMinute = 1_000_000), path: "workload.arrivals.ratePerMinute", message: /tasks .*over the limit of 250,000/ },
];

let jobs: SimulationJobs;
let app: BidmeshApp;
beforeAll(() => {
  jobs = new SimulationJobs();
  app = createApp({ market: unusedMarket(), token: TOKEN, simulations: jobs, rateLimit: { windowMs: 60_000, limit: 1_000_000 } });
});
afterAll(async () => {
  await jobs?.close();
  removeTempDirs();
});

describe("POST /api/simulations with a scenario over the limits: 400 at once, naming the field and the bound, no run started", () => {
  it.each(HOSTILE)("$name", async ({ edit, path, message }) => {
    const submit = vi.spyOn(jobs, "submit");
    const body = { scenario: steady(edit), ledger: "memory" };
    const started = performance.now();
    const res = await request(app).post("/api/simulations").set(AUTH).send(body);
    const elapsed = performance.now() - started;
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(elapsed).toBeLessThan(2_000);
    const issues = res.body.issues as Array<{ path: string; message: string }>;
    const mine = issues.filter((i) => i.path === `scenario.${path}`);
    expect(mine, JSON.stringify(issues)).toHaveLength(1);
    expect(mine[0]!.message).toMatch(message);
    expect(JSON.stringify(res.body)).not.toMatch(/\bat [^ ]+ \(|node:internal|\.ts:\d+/);
    expect(submit).not.toHaveBeenCalled();
    submit.mockRestore();
    const list = await request(app).get("/api/simulations");
    expect(list.status).toBe(200);
    expect(list.body.total).toBe(0);
  });

  it("the request of the issue: 2.9 kB of steady with a billion posters", async () => {
    const body = { scenario: steady((d) => (d["workload"].posters = 1_000_000_000)) };
    expect(JSON.stringify(body).length).toBeGreaterThan(2_500);
    const res = await request(app).post("/api/simulations").set(AUTH).send(body);
    expect(res.status).toBe(400);
    expect(res.body.issues).toEqual([{ in: "body", path: "scenario.workload.posters", message: "must be at most 10,000 (the scenario limit), got 1,000,000,000" }]);
    expect(jobs.list()).toEqual([]);
  });
});

describe("bidmesh simulate with a scenario over the limits: exit 2, one line naming the field and the bound, nothing written", () => {
  it.each(HOSTILE.filter((h) => h.name === "a billion posters" || h.name === "a crash every few milliseconds"))("$name", ({ edit, path, message }) => {
    const parent = tempDir("scenario-limits");
    const file = join(parent, "hostile.yaml");
    writeFileSync(file, stringify(steady(edit)));
    const out = join(parent, "out");
    const started = performance.now();
    const run = bidmesh(["simulate", "--scenario", file, "--ledger", "memory", "--out", out]);
    expect(run.status, run.stderr).toBe(2);
    // A Node process with tsx starts in a second or two; the refusal itself is instant.
    expect(performance.now() - started).toBeLessThan(20_000);
    expect(run.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(run.stderr.startsWith(`bidmesh: ${path}: `), run.stderr).toBe(true);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).not.toMatch(STACK_LINE);
    expect(run.stdout).toBe("");
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(parent)).toEqual(["hostile.yaml"]);
  });
});
