// Background experiments through the API: validated and planned in the route (a bad one is a 400
// naming its field, nothing queued), run in their own child process, and served as the files
// `bidmesh experiment` writes, byte for byte.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp, type BidmeshApp } from "../../server/app.js";
import { ExperimentJobs, type ExperimentSummaryJson } from "../../server/experiments/experiment-jobs.js";
import { tinyData } from "../scenario/tiny-scenario.js";
import { bidmesh, removeTempDirs, tempDir } from "../sim/e2e.js";
import { AUTH, TOKEN, unusedMarket } from "./server-fixture.js";

const logged: unknown[] = [];
let jobs: ExperimentJobs;
let app: BidmeshApp;

/** 2 arms × 3 seeds of the tiny scenario: a second or two of runs. */
function tinyExperiment(name = "api-tiny", seeds = 3): Record<string, unknown> {
  return { name, base: tinyData(), seeds, vary: [{ path: "market.fallbackDepth", values: [1, 2] }], metrics: ["onTimeRate", "reroutes"] };
}

const post = (body: unknown, headers: Record<string, string> = AUTH) => request(app).post("/api/experiments").set(headers).send(body as object);

async function poll(id: string, until = (e: ExperimentSummaryJson) => e.status === "done" || e.status === "failed", timeoutMs = 120_000): Promise<ExperimentSummaryJson> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await request(app).get(`/api/experiments/${id}`);
    expect(res.status).toBe(200);
    const experiment = res.body as ExperimentSummaryJson;
    if (until(experiment)) return experiment;
    if (Date.now() > deadline) throw new Error(`experiment ${id} still ${experiment.status} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The raw bytes of a response (supertest parses only text types by itself). */
const bytes = (req: request.Test) =>
  req.buffer(true).parse((res, done) => {
    const chunks: Buffer[] = [];
    res.on("data", (chunk: Buffer) => chunks.push(chunk));
    res.on("end", () => done(null, Buffer.concat(chunks)));
  });

beforeAll(() => {
  jobs = new ExperimentJobs({ progressIntervalMs: 20, logError: (error) => logged.push(error) });
  app = createApp({ market: unusedMarket(), token: TOKEN, experiments: jobs, rateLimit: { windowMs: 60_000, limit: 1_000_000 } });
});
afterAll(async () => {
  await jobs?.close();
  removeTempDirs();
});

describe("POST /api/experiments: refusals, with nothing queued", () => {
  it("401 without the token", async () => {
    const res = await post({ experiment: tinyExperiment() }, {});
    expect(res.status).toBe(401);
    expect(jobs.list()).toHaveLength(0);
  });

  it("400 at the field: an unknown built-in, a file as base, a bad field, an invalid arm, over the API's limits", async () => {
    const chainSeeds = { ...tinyExperiment(), ledger: "chain", seeds: 31 };
    const cases: Array<[unknown, string, RegExp]> = [
      [{ experiment: "no-such" }, "experiment", /unknown built-in experiment "no-such"; built-ins: aws-block-fallback, gas-price, hidden-share/],
      [{ experiment: { ...tinyExperiment(), base: "../../etc/passwd.yaml" } }, "experiment.base", /the API reads no files/],
      [{ experiment: { ...tinyExperiment(), seeds: 0 } }, "experiment.seeds", /./],
      [{ experiment: { ...tinyExperiment(), vary: [{ path: "market.fallbackDepth", values: [2, 40] }] } }, "experiment.arm-02 (market.fallbackDepth=40): market.fallbackDepth", /at most 8, got 40/],
      [{ experiment: chainSeeds }, "experiment.seeds", /2 arms × 31 seeds is 62 runs, over the chain ledger's limit of 60/],
      [{ experiment: { ...tinyExperiment(), vary: [{ path: "market.fallbackDepth", values: [1, 2, 3, 4, 5, 6, 7, 8] }, { path: "market.bidWindow", values: ["5s", "10s", "15s", "20s", "25s", "30s", "35s"] }] } }, "experiment.vary", /makes 56 arms; a background experiment may have at most 50/],
      [{ experiment: tinyExperiment(), tasks: "yes" }, "tasks", /expected true or false/],
      [{ experiment: "hidden-share", seeds: 0 }, "seeds", /must be at least 1/],
      [{ experiment: "hidden-share", seeds: 200 }, "experiment.seeds", /12 arms × 200 seeds is 2,400 runs, over the memory ledger's limit of 2,000/],
      [{ experiment: tinyExperiment(), jobs: 4 }, "jobs", /unknown field/],
    ];
    for (const [body, path, message] of cases) {
      const res = await post(body);
      expect(res.status, JSON.stringify(body).slice(0, 120)).toBe(400);
      const issue = (res.body.issues as Array<{ path: string; message: string }>).find((i) => i.path === path);
      expect(issue, `${path} in ${JSON.stringify(res.body.issues)}`).toBeDefined();
      expect(issue!.message).toMatch(message);
      expect(JSON.stringify(res.body)).not.toMatch(/\bat [^ ]+ \(|node:internal|\.ts:\d+/);
    }
    expect(jobs.list()).toHaveLength(0);
  });

  it("503 without an experiment manager, and when the queue is full", async () => {
    const bare = createApp({ market: unusedMarket(), token: TOKEN });
    expect((await request(bare).get("/api/experiments")).status).toBe(503);
    const full = new ExperimentJobs({ maxQueued: 1, logError: () => undefined });
    const small = createApp({ market: unusedMarket(), token: TOKEN, experiments: full });
    try {
      const running = await request(small).post("/api/experiments").set(AUTH).send({ experiment: tinyExperiment("first", 30) });
      expect(running.status).toBe(202);
      const waiting = await request(small).post("/api/experiments").set(AUTH).send({ experiment: tinyExperiment("second") });
      expect(waiting.status).toBe(202);
      expect(waiting.body.status).toBe("queued");
      const third = await request(small).post("/api/experiments").set(AUTH).send({ experiment: tinyExperiment("third") });
      expect(third.status).toBe(503);
      expect(third.body.error).toBe("the experiment queue is full (1 running, 1 waiting): retry once one finishes");
      // A waiting experiment has no files yet.
      const early = await request(small).get(`/api/experiments/${waiting.body.id}/files/summary.csv`);
      expect(early.status).toBe(409);
      expect(early.body.error).toMatch(/it is queued: its files are ready once it is done/);
    } finally {
      await full.close();
    }
    // Closing fails what was waiting, saying why.
    expect(full.list().map((e) => e.error)).toEqual(["the server shut down before this experiment ran", "the server shut down while this experiment ran"]);
  });
});

describe("background experiments", () => {
  it("lists the built-ins with their files", async () => {
    const res = await request(app).get("/api/experiments/builtins");
    expect(res.status).toBe(200);
    expect(res.body.map((b: { name: string }) => b.name)).toEqual(["aws-block-fallback", "gas-price", "hidden-share"]);
    expect(res.body[2].text).toMatch(/^name: hidden-share/m);
  });

  it("runs one to the files the CLI writes, byte for byte, with progress, a headline and the report under its own policy", async () => {
    const experiment = tinyExperiment();
    const accepted = await post({ experiment, tasks: true });
    expect(accepted.status).toBe(202);
    const { id, links } = accepted.body as { id: string; links: { self: string; report: string; files: string } };
    expect(links).toEqual({ self: `/api/experiments/${id}`, report: `/api/experiments/${id}/files/experiment.html`, files: `/api/experiments/${id}/files/` });
    const done = await poll(id);
    expect(done.error).toBeUndefined();
    expect(done).toMatchObject({ status: "done", name: "api-tiny", ledger: "memory", arms: 2, seeds: 3, progress: { done: 6, total: 6, failed: 0, fraction: 1 } });
    expect(done.headline).toMatch(/^onTimeRate, mean \[95% interval\] over 3 seeds/);
    expect(done.finishedAt).toBeDefined();

    const list = await request(app).get("/api/experiments?status=done");
    expect(list.body.items.map((e: { id: string }) => e.id)).toContain(id);

    // The CLI, on the same experiment: the same bytes in every file that does not name its origin.
    const dir = tempDir("api-exp");
    const file = join(dir, "experiment.json");
    writeFileSync(file, JSON.stringify(experiment));
    const cli = bidmesh(["experiment", file, "--out", join(dir, "out"), "--jobs", "1", "--tasks", "--no-progress"]);
    expect(cli.status).toBe(0);
    for (const name of ["runs.csv", "summary.csv", "paired.csv", "runs.parquet", "tasks.parquet"]) {
      const res = await bytes(request(app).get(`${links.files}${name}`));
      expect(res.status, name).toBe(200);
      expect(Buffer.compare(res.body as Buffer, readFileSync(join(dir, "out", name))), name).toBe(0);
    }
    const csv = await request(app).get(`${links.files}summary.csv`);
    expect(csv.headers["content-type"]).toBe("text/csv; charset=utf-8");
    const json = await request(app).get(`${links.files}experiment.json`);
    expect(json.body.summary.length).toBeGreaterThan(0);
    expect(json.body.generatedBy).toBe("POST /api/experiments");

    const report = await request(app).get(links.report);
    expect(report.status).toBe(200);
    expect(report.headers["content-type"]).toBe("text/html; charset=utf-8");
    const csp = report.headers["content-security-policy"] as string;
    expect(csp).toMatch(/sandbox allow-scripts/);
    expect(csp).toMatch(/script-src 'sha256-/);
    expect(report.text).toContain("api-tiny");
  }, 180_000);

  it("runs a chain-ledger experiment, each run on its own embedded chain, with gas in its summary", async () => {
    const accepted = await post({ experiment: { name: "api-chain", base: tinyData(), ledger: "chain", seeds: 2, vary: [], metrics: ["onTimeRate", "gasPerCompletedTask"] } });
    expect(accepted.status).toBe(202);
    const done = await poll(accepted.body.id);
    expect(done.error).toBeUndefined();
    expect(done).toMatchObject({ status: "done", ledger: "chain", arms: 1, progress: { done: 2, failed: 0 } });
    const summary = await request(app).get(`/api/experiments/${done.id}/files/summary.csv`);
    const gas = summary.text.split("\n").find((line) => line.includes(",market,gasPerCompletedTask,"));
    expect(gas, summary.text).toMatch(/,market,gasPerCompletedTask,2,[1-9]\d{4,}/);
  }, 180_000);

  it("404 for an unknown id or a file not asked for, 400 for a file name it never writes", async () => {
    expect((await request(app).get("/api/experiments/00000000-0000-0000-0000-000000000000")).status).toBe(404);
    const accepted = await post({ experiment: tinyExperiment("no-tasks", 2) });
    const done = await poll(accepted.body.id);
    expect(done.status).toBe("done");
    const tasks = await request(app).get(`/api/experiments/${done.id}/files/tasks.parquet`);
    expect(tasks.status).toBe(404);
    expect(tasks.body.error).toMatch(/send "tasks": true/);
    const other = await request(app).get(`/api/experiments/${done.id}/files/..%2F..%2Fetc%2Fpasswd`);
    expect(other.status).toBe(400);
    expect(logged).toEqual([]);
  }, 180_000);
});
