import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import request from "supertest";
import { parse as parseYaml } from "yaml";
import { createApp, type BidmeshApp } from "../../server/app.js";
import type { SimulationAcceptedJson, SimulationJson, SimulationSummaryJson } from "../../server/simulation-schemas.js";
import { SimulationJobs } from "../../server/simulations/simulation-jobs.js";
import { simulate } from "../../sim/run/simulate.js";
import { loadScenario, parseScenario } from "../../sim/scenario/load.js";
import type { Scenario } from "../../sim/scenario/schema.js";
import { alive, simulationChildPids } from "./processes.js";
import { AUTH, createApiFixture, TOKEN, unusedMarket, type ApiFixture } from "./server-fixture.js";

// Background simulations through the API: each run in its own child process (the child's entry is
// a .mjs that registers tsx, so these tests also check it loads under vitest), one at a time.
// The fixture scenario is small: a memory run takes well under a second of simulation, a chain
// run about two (mostly booting the child and its own chain). On a loaded two-core machine a
// run's process alone took 3.4 to 4.4 s to boot (load average 19), hence the long timeouts.

const root = new URL("../../", import.meta.url).pathname;
const FIXTURE = `${root}test/server/fixtures/sim-small.yaml`;
/** The fixture as a request body's inline scenario (the file's own format). */
const fixtureObject = (): Record<string, unknown> => parseYaml(readFileSync(FIXTURE, "utf8")) as Record<string, unknown>;
const BUILTINS = ["aws-us-east-1-2025-10-20", "azure-front-door-2025-10-29", "cloudflare-2025-11-18", "hidden-dependency", "steady"];

let fixture: ApiFixture;
let jobs: SimulationJobs;
const logged: unknown[] = [];

beforeAll(async () => {
  jobs = new SimulationJobs({ progressIntervalMs: 20, logError: (error) => logged.push(error) });
  // The tests poll every few ms: no rate limit in the way.
  fixture = await createApiFixture({ simulations: jobs, rateLimit: { windowMs: 60_000, limit: 1_000_000 } });
});

afterAll(async () => {
  await jobs?.close();
  await fixture?.market.close();
});

const post = (app: BidmeshApp, body: unknown, headers: Record<string, string> = AUTH) => request(app).post("/api/simulations").set(headers).send(body as object);

/** Polls the run until `until` holds (default: finished), calling `each` on every answer. */
async function poll(app: BidmeshApp, id: string, each: (run: SimulationJson) => void = () => undefined, until = (run: SimulationJson) => run.status === "done" || run.status === "failed", timeoutMs = 120_000): Promise<SimulationJson> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await request(app).get(`/api/simulations/${id}`);
    expect(res.status).toBe(200);
    const run = res.body as SimulationJson;
    each(run);
    if (until(run)) return run;
    if (Date.now() > deadline) throw new Error(`simulation ${id} still ${run.status} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 15));
  }
}

/** No answer may carry a stack or a file path of the server. */
function expectNoInternals(body: unknown): void {
  const text = JSON.stringify(body);
  expect(text).not.toMatch(/\bat [^ ]+ \(|node:internal|\.ts:\d+|\/work\//);
}

describe("POST /api/simulations: refusals", () => {
  it("401 without the bearer token or with a wrong one; nothing is queued", async () => {
    const before = jobs.list().length;
    const none = await post(fixture.app, { scenario: "steady" }, {});
    const wrong = await post(fixture.app, { scenario: "steady" }, { Authorization: "Bearer not-the-token-at-all" });
    expect(none.status).toBe(401);
    expect(wrong.status).toBe(401);
    expect(jobs.list().length).toBe(before);
  });

  it("400 for an unknown built-in name, listing the allowed names; a file path is not read", async () => {
    for (const scenario of ["no-such-scenario", "test/server/fixtures/sim-small.yaml", "../../etc/passwd", FIXTURE]) {
      const res = await post(fixture.app, { scenario });
      expect(res.status, scenario).toBe(400);
      expect(res.body.issues).toHaveLength(1);
      expect(res.body.issues[0]).toMatchObject({ in: "body", path: "scenario" });
      expect(res.body.issues[0].message).toMatch(/^unknown built-in scenario /);
      for (const name of BUILTINS) expect(res.body.issues[0].message).toContain(name);
    }
  });

  it("400 for a bad seed, a bad ledger, an unknown field or a missing scenario, each at its path", async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ scenario: "steady", seed: -1 }, "seed"],
      [{ scenario: "steady", seed: 1.5 }, "seed"],
      [{ scenario: "steady", seed: "7" }, "seed"],
      [{ scenario: "steady", seed: 2 ** 60 }, "seed"],
      [{ scenario: "steady", ledger: "paper" }, "ledger"],
      [{ scenario: "steady", speed: 2 }, "speed"],
      [{ seed: 1 }, "scenario"],
      [{ scenario: 42 }, "scenario"],
    ];
    for (const [body, path] of cases) {
      const res = await post(fixture.app, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error).toBe("invalid request");
      expect([...new Set(res.body.issues.map((i: { path: string }) => i.path))], JSON.stringify(body)).toEqual([path]);
      expectNoInternals(res.body);
    }
    const unknown = await post(fixture.app, { scenario: "steady", speed: 2 });
    expect(unknown.body.issues[0]).toEqual({ in: "body", path: "speed", message: "unknown field" });
  });

  it("400 for an invalid inline scenario, naming every bad field inside it", async () => {
    const scenario = fixtureObject();
    const providers = scenario["providers"] as Array<Record<string, unknown>>;
    providers[0]!["count"] = 0;
    providers[1]!["colour"] = "blue";
    (scenario["workload"] as Record<string, unknown>)["deadline"] = "soon";
    const res = await post(fixture.app, { scenario, ledger: "memory" });
    expect(res.status).toBe(400);
    const issues = res.body.issues as Array<{ in: string; path: string; message: string }>;
    expect(issues.map((i) => i.path).sort()).toEqual(["scenario.providers.0.count", "scenario.providers.1.colour", "scenario.workload.deadline"]);
    expect(issues.find((i) => i.path === "scenario.providers.0.count")!.message).toMatch(/at least 1/);
    expect(issues.find((i) => i.path === "scenario.providers.1.colour")!.message).toMatch(/^unknown field; allowed: group, count/);
    expect(issues.every((i) => i.in === "body")).toBe(true);
    expectNoInternals(res.body);
  });

  it("400 for a scenario over the ledger's limits, naming the field to change", async () => {
    // Inside the scenario schema's own limits (sim/scenario/limits.ts: 432,601 blocks, 14,400
    // tasks), over the chain ledger's tighter ones.
    const scenario = { ...fixtureObject(), duration: "5d", blockInterval: "1s" };
    const res = await post(fixture.app, { scenario });
    expect(res.status).toBe(400);
    const paths = (res.body.issues as Array<{ path: string; message: string }>).map((i) => i.path);
    expect(paths).toContain("scenario.blockInterval");
    expect(paths).toContain("scenario.workload.arrivals.ratePerMinute");
    expect(res.body.issues[0].message).toMatch(/over the chain ledger's limit of 20,000/);
  });

  it("415 for a body that is not JSON, 413 for one over 64 kB", async () => {
    const text = await request(fixture.app).post("/api/simulations").set(AUTH).set("Content-Type", "text/plain").send("steady");
    expect(text.status).toBe(415);
    const big = await post(fixture.app, { scenario: { ...fixtureObject(), description: "x".repeat(70_000) } });
    expect(big.status).toBe(413);
  });
});

describe("GET /api/scenarios", () => {
  it("lists every built-in scenario with its description, the names POST accepts", async () => {
    const res = await request(fixture.app).get("/api/scenarios");
    expect(res.status).toBe(200);
    expect(res.body.map((s: { name: string }) => s.name)).toEqual(["aws-us-east-1-2025-10-20", "azure-front-door-2025-10-29", "cloudflare-2025-11-18", "hidden-dependency", "steady"]);
    expect(res.body.every((s: { description: string }) => s.description.length > 0)).toBe(true);
  });
});

describe("reads of unknown runs", () => {
  it("404 for an unknown id, on the run and on its report; 400 for a malformed id", async () => {
    for (const path of ["/api/simulations/no-such-run", "/api/simulations/no-such-run/report"]) {
      const res = await request(fixture.app).get(path);
      expect(res.status, path).toBe(404);
      expect(res.body.error).toMatch(/^simulation no-such-run not found/);
    }
    const bad = await request(fixture.app).get("/api/simulations/bad%20id!");
    expect(bad.status).toBe(400);
    expect(bad.body.issues[0]).toMatchObject({ in: "path", path: "id" });
  });

  it("400 for a bad list query", async () => {
    const res = await request(fixture.app).get("/api/simulations?status=paused&pageSize=1000");
    expect(res.status).toBe(400);
    expect(res.body.issues.map((i: { path: string }) => i.path).sort()).toEqual(["pageSize", "status"]);
  });
});

describe("a run on the memory ledger", { timeout: 240_000 }, () => {
  it("202 with links, then done with the metrics an in-process run of the same scenario and seed gives, and its report", async () => {
    const res = await post(fixture.app, { scenario: "steady", seed: 3, ledger: "memory" });
    expect(res.status).toBe(202);
    const accepted = res.body as SimulationAcceptedJson;
    expect(accepted).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      status: expect.stringMatching(/^(queued|running)$/),
      links: { self: `/api/simulations/${accepted.id}`, report: `/api/simulations/${accepted.id}/report` },
    });

    const run = await poll(fixture.app, accepted.id);
    expect(run.status, run.error).toBe("done");
    const expected = await simulate({ scenario: loadScenario("steady", { seed: 3 }), ledger: "memory", trace: () => undefined, chainLog: () => undefined });
    expect(run.metrics).toEqual(expected.metrics);
    expect(run).toMatchObject({ id: accepted.id, scenario: "steady", seed: 3, ledger: "memory", finalBlockHash: null });
    expect(run.error).toBeUndefined();
    expect(run.progress).toMatchObject({ fraction: 1, tasksPosted: expected.metrics.systems.market.tasksPosted, tasksDone: expected.metrics.systems.market.tasksPosted });
    expect(run.progress.blocks).toBe(expected.metrics.systems.market.blocks);
    expect(Date.parse(run.finishedAt!)).toBeGreaterThanOrEqual(Date.parse(run.submittedAt));

    const report = await request(fixture.app).get(accepted.links.report);
    expect(report.status).toBe(200);
    expect(report.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(report.text).toMatch(/^<!doctype html>/i);
    expect(report.text).toContain("bidmesh simulate --scenario steady --seed 3 --ledger memory");
    // The page's scripts are inline: its own policy allows exactly them, by hash.
    const csp = report.headers["content-security-policy"] as string;
    expect(csp).toMatch(/^default-src 'none'; script-src 'sha256-[A-Za-z0-9+/=]+'/);
    expect(csp).not.toMatch(/script-src[^;]*unsafe/);
  });

  it("GET /api/simulations lists runs newest first without metrics, pages and filters them", async () => {
    const a = (await post(fixture.app, { scenario: fixtureObject(), ledger: "memory" })).body as SimulationAcceptedJson;
    const b = (await post(fixture.app, { scenario: fixtureObject(), seed: 9, ledger: "memory" })).body as SimulationAcceptedJson;
    await poll(fixture.app, b.id);
    const list = await request(fixture.app).get("/api/simulations");
    expect(list.status).toBe(200);
    const items = list.body.items as SimulationSummaryJson[];
    expect(items.slice(0, 2).map((i) => i.id)).toEqual([b.id, a.id]);
    expect(items[0]).toMatchObject({ scenario: "sim-small", seed: 9, ledger: "memory", status: "done" });
    expect(items[1]).toMatchObject({ scenario: "sim-small", seed: 5 });
    for (const item of items) expect(item).not.toHaveProperty("metrics");
    expect(list.body).toMatchObject({ page: 1, pageSize: 20, total: items.length });

    const page2 = await request(fixture.app).get("/api/simulations?pageSize=1&page=2");
    expect(page2.body).toMatchObject({ page: 2, pageSize: 1, total: items.length, items: [{ id: a.id }] });
    const failed = await request(fixture.app).get("/api/simulations?status=failed");
    expect(failed.body).toMatchObject({ total: 0, items: [] });
  });
});

describe("a run on the chain ledger", { timeout: 240_000 }, () => {
  it("shows progress, then the metrics and final block hash an in-process run of the same scenario and seed gives; /api/health answers quickly meanwhile", async () => {
    // A longer inline variant of the fixture, so the run is seen between its first block and its end.
    const body = { scenario: { ...fixtureObject(), name: "sim-small-long", duration: "40m", workload: { ...(fixtureObject()["workload"] as object), deadline: "10m" } }, seed: 11 };
    const res = await post(fixture.app, body);
    expect(res.status).toBe(202);
    const { id } = res.body as SimulationAcceptedJson;

    const seen: SimulationJson[] = [];
    const healthMs: number[] = [];
    let run: SimulationJson;
    for (;;) {
      const started = performance.now();
      const health = await request(fixture.app).get("/api/health");
      const tookMs = performance.now() - started;
      expect(health.status).toBe(200);
      run = (await request(fixture.app).get(`/api/simulations/${id}`)).body as SimulationJson;
      seen.push(run);
      if (run.status === "running") healthMs.push(tookMs);
      if (run.status === "done" || run.status === "failed") break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    // The chain run (its chain's boot included) is in another process: the API's own loop stays
    // free. Generous for a shared two-core machine; a run on the API's thread blocks for seconds.
    expect(healthMs.length).toBeGreaterThan(5);
    expect(Math.max(...healthMs)).toBeLessThan(750);
    expect(run.status, run.error).toBe("done");

    const running = seen.filter((r) => r.status === "running");
    expect(running.length).toBeGreaterThan(0);
    const midway = running.filter((r) => r.progress.blocks > 0);
    expect(midway.length, "progress seen between the first block and the end").toBeGreaterThan(0);
    expect(midway.some((r) => r.progress.fraction > 0)).toBe(true);
    for (const r of midway) {
      expect(r.progress.fraction).toBeLessThan(1);
      expect(r.progress.fraction).toBeCloseTo(r.progress.time / r.progress.horizon, 10);
      expect(r).not.toHaveProperty("metrics");
    }
    const fractions = midway.map((r) => r.progress.fraction);
    expect([...fractions].sort((x, y) => x - y)).toEqual(fractions);

    const scenario: Scenario = { ...parseScenario(body.scenario), seed: 11 };
    const expected = await simulate({ scenario, ledger: "chain", trace: () => undefined, chainLog: () => undefined });
    expect(run.finalBlockHash).toMatch(/^0x[0-9a-f]{64}$/);
    expect(run.finalBlockHash).toBe(expected.finalBlockHash);
    expect(run.metrics).toEqual(expected.metrics);
    expect(run).toMatchObject({ scenario: "sim-small-long", seed: 11, ledger: "chain" });
  });
});

describe("the queue", { timeout: 240_000 }, () => {
  it("503 when full; 409 for the report while queued or running, and once failed; close stops the worker and fails the rest", async () => {
    const small = new SimulationJobs({ maxQueued: 1, logError: (error) => logged.push(error) });
    const app = createApp({ market: unusedMarket(), simulations: small, token: TOKEN });
    try {
      const first = await post(app, { scenario: "steady" });
      const second = await post(app, { scenario: fixtureObject(), ledger: "memory" });
      expect([first.status, second.status]).toEqual([202, 202]);
      expect(first.body.status).toBe("running");
      expect(second.body.status).toBe("queued");
      const full = await post(app, { scenario: fixtureObject(), ledger: "memory" });
      expect(full.status).toBe(503);
      expect(full.body).toEqual({ error: "the simulation queue is full (1 running, 1 waiting): retry once one finishes" });

      const queued = await request(app).get(`/api/simulations/${second.body.id}/report`);
      expect(queued.status).toBe(409);
      expect(queued.body.error).toMatch(/it is queued: the report is ready once it is done$/);
      const queuedRun = (await request(app).get(`/api/simulations/${second.body.id}`)).body as SimulationJson;
      expect(queuedRun).toMatchObject({ status: "queued", progress: { time: 0, fraction: 0, blocks: 0, tasksPosted: 0, tasksDone: 0, horizon: 960_000 } });
      expect(queuedRun).not.toHaveProperty("finishedAt");
      const running = await request(app).get(`/api/simulations/${first.body.id}/report`);
      expect(running.status).toBe(409);
      expect(running.body.error).toMatch(/it is running/);

      await small.close();
      const [a, b] = await Promise.all([first, second].map(async (r) => (await request(app).get(`/api/simulations/${r.body.id}`)).body as SimulationJson));
      expect(a).toMatchObject({ status: "failed", error: "the server shut down while this simulation ran" });
      expect(a!.finishedAt).toEqual(expect.any(String));
      expect(b).toMatchObject({ status: "failed", error: "the server shut down before this simulation ran" });
      const failed = await request(app).get(`/api/simulations/${first.body.id}/report`);
      expect(failed.status).toBe(409);
      expect(failed.body.error).toMatch(/it failed, so it has no report/);
      const closed = await post(app, { scenario: "steady" });
      expect(closed.status).toBe(503);
      expect(closed.body.error).toMatch(/shutting down/);
    } finally {
      await small.close();
    }
  });

  it("accepts five runs (one running, four waiting) and answers the sixth 503, as the README and the OpenAPI document say", async () => {
    const jobs = new SimulationJobs({ logError: (error) => logged.push(error) });
    const app = createApp({ market: unusedMarket(), simulations: jobs, token: TOKEN });
    try {
      const answers = [];
      for (let i = 0; i < 6; i++) answers.push(await post(app, { scenario: fixtureObject(), seed: i, ledger: "memory" }));
      expect(answers.map((a) => a.status)).toEqual([202, 202, 202, 202, 202, 503]);
      expect(answers.slice(0, 5).map((a) => a.body.status)).toEqual(["running", "queued", "queued", "queued", "queued"]);
      expect(answers[5]!.body).toEqual({ error: "the simulation queue is full (1 running, 4 waiting): retry once one finishes" });
      const doc = (await request(app).get("/openapi.json")).body as { paths: Record<string, { post?: { description: string; responses: Record<string, { description: string }> } }> };
      const operation = doc.paths["/api/simulations"]!.post!;
      expect(operation.description).toMatch(/one at a time, and four more may wait: a sixth is answered 503/);
      expect(operation.responses["503"]!.description).toMatch(/one running and four waiting/);
      expect(readFileSync(`${root}README.md`, "utf8")).toMatch(/Runs go one at a time \(four may wait; a full queue answers 503\)/);
    } finally {
      await jobs.close();
    }
  });

  it("a run over the time limit is stopped and fails", async () => {
    const timed = new SimulationJobs({ timeLimitMs: 200 });
    try {
      const { id } = timed.submit(loadScenario("steady"), "chain");
      const deadline = Date.now() + 10_000;
      while (timed.get(id)?.status === "running" && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(timed.get(id)).toMatchObject({ status: "failed", error: "stopped: the simulation ran longer than the limit of 0.2 s" });
    } finally {
      await timed.close();
    }
  });

  it("a run whose process exceeds its JavaScript heap limit fails saying so and keeps no results", async () => {
    // 8 MB: too little for the run's process even to load the simulator, so it dies of heap exhaustion.
    const tiny = new SimulationJobs({ maxHeapMb: 8, logError: (error) => logged.push(error) });
    try {
      const starved = tiny.submit(loadScenario(FIXTURE), "memory");
      const deadline = Date.now() + 120_000;
      while (tiny.get(starved.id)?.status !== "failed" && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(tiny.get(starved.id)).toMatchObject({ status: "failed", error: "the simulation ran out of memory: it exceeded its JavaScript heap limit of 8 MB" });
      expect(tiny.metricsFile(starved.id)).toBeUndefined();
    } finally {
      await tiny.close();
    }
  });

  it("keeps only the newest finished runs", async () => {
    const few = new SimulationJobs({ keepFinished: 1 });
    try {
      const older = few.submit(loadScenario(FIXTURE), "memory");
      const newer = few.submit(loadScenario(FIXTURE, { seed: 6 }), "memory");
      const deadline = Date.now() + 120_000;
      while (few.get(newer.id)?.status !== "done" && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(few.get(newer.id)).toMatchObject({ status: "done", seed: 6 });
      expect(few.get(older.id)).toBeUndefined();
      expect(few.report(older.id)).toEqual({ found: false });
      expect(few.list().map((r) => r.id)).toEqual([newer.id]);
    } finally {
      await few.close();
    }
  });

  it("503 on every simulation route of an app built without a job manager", async () => {
    const app = createApp({ market: unusedMarket(), token: TOKEN });
    const answers = await Promise.all([post(app, { scenario: "steady" }), request(app).get("/api/simulations"), request(app).get("/api/simulations/x"), request(app).get("/api/simulations/x/report")]);
    for (const res of answers) {
      expect(res.status).toBe(503);
      expect(res.body).toEqual({ error: "background simulations are not enabled on this server" });
    }
  });
});

describe("bidmesh serve", { timeout: 240_000 }, () => {
  it("runs simulations in child processes under the CLI; on SIGTERM kills a running one's process and exits 0", async () => {
    const token = "serve-test-token-0123456789";
    const env: NodeJS.ProcessEnv = { ...process.env, BIDMESH_API_TOKEN: token };
    delete env["NODE_OPTIONS"];
    const child = spawn(process.execPath, [`${root}cli/bin/bidmesh.mjs`, "serve", "--port", "0", "--no-market"], { cwd: root, env, stdio: "pipe" });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
    try {
      const deadline = Date.now() + 120_000;
      let url: string | undefined;
      while (url === undefined) {
        url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)?.[1];
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`the server did not start\nstdout: ${stdout}\nstderr: ${stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const headers = { Authorization: `Bearer ${token}`, "Content-Type": "application/json" };
      const submit = async (body: object) => (await (await fetch(`${url}/api/simulations`, { method: "POST", headers, body: JSON.stringify(body) })).json()) as SimulationAcceptedJson;
      const get = async (id: string) => (await (await fetch(`${url}/api/simulations/${id}`)).json()) as SimulationJson;

      const quick = await submit({ scenario: fixtureObject(), ledger: "memory" });
      let run = await get(quick.id);
      while (run.status === "queued" || run.status === "running") {
        await new Promise((resolve) => setTimeout(resolve, 50));
        run = await get(quick.id);
      }
      expect(run.status, run.error).toBe("done");
      const report = await fetch(`${url}${quick.links.report}`);
      expect(report.status).toBe(200);
      expect(await report.text()).toMatch(/^<!doctype html>/i);

      const slow = await submit({ scenario: "steady" });
      while ((await get(slow.id)).status !== "running") await new Promise((resolve) => setTimeout(resolve, 50));
      // The run is a child process of the server's (the quick run's is gone: one child at a time).
      const runs = simulationChildPids(child.pid!);
      expect(runs).toHaveLength(1);
      const signalledAt = Date.now();
      child.kill("SIGTERM");
      expect(await exit).toEqual({ code: 0, signal: null });
      // The run's process and its chain are killed, not waited for.
      expect(Date.now() - signalledAt).toBeLessThan(5_000);
      expect(alive(runs[0]!)).toBe(false);
      expect(stderr).toBe("");
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    }
  });
});
