// The live KPIs: the fold itself on a hand-made trace (on time, late, refunded, p95, price,
// reroutes, buckets), and GET /api/kpis over a live market running its scenario's workload.
import { fileURLToPath } from "node:url";
import { parseEther } from "ethers";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp, type BidmeshApp } from "../../server/app.js";
import { KpisResponse } from "../../server/live/kpi-schemas.js";
import { LiveKpis, MAX_BUCKETS } from "../../server/live/live-kpis.js";
import { LiveMarket } from "../../server/live/live-market.js";
import type { TraceRecord } from "../../sim/market/market-system.js";
import { loadScenario } from "../../sim/scenario/load.js";
import { createApiFixture, pollUntil, TOKEN, type ApiFixture } from "./server-fixture.js";

const DEADLINE = 60_000;
const BUCKET = 10_000;

const block = (t: number): TraceRecord => ({ t, type: "block", number: t / 1_000 });
const posted = (t: number, taskId: number): TraceRecord => ({ t, type: "market.TaskPosted", taskId });
const result = (t: number, taskId: number, eth: string): TraceRecord => ({ t, type: "market.ResultSubmitted", taskId, payment: parseEther(eth) });

describe("LiveKpis", () => {
  it("counts on time, late and refunded tasks over decided ones, with p95, price and reroutes", () => {
    const kpis = new LiveKpis(DEADLINE, BUCKET);
    const feed = (records: TraceRecord[]) => records.forEach((r) => kpis.observe(r));
    feed([block(0), posted(0, 1), posted(0, 2), posted(0, 3), posted(0, 4)]);
    expect(kpis.snapshot().market).toMatchObject({ tasksPosted: 4, tasksDecided: 0, onTimeShare: null, completionShare: null, latencyP95Seconds: null });
    feed([block(20_000), result(20_000, 1, "0.01"), { t: 20_000, type: "market.TaskRerouted", taskId: 2 }]);
    feed([block(30_000), result(30_000, 2, "0.03"), { t: 30_000, type: "market.TaskRefunded", taskId: 3 }]);
    // Task 4 passes its deadline unfinished, then completes late: decided late, counted completed.
    feed([block(61_000), block(90_000), result(90_000, 4, "0.02")]);
    const m = kpis.snapshot().market;
    expect(m).toMatchObject({ tasksPosted: 4, tasksCompleted: 3, tasksRefunded: 1, tasksDecided: 4, reroutes: 1 });
    expect(m.onTimeShare).toBe(0.5);
    expect(m.completionShare).toBe(0.75);
    expect(m.pricePerTaskWei).toBe(parseEther("0.02").toString());
    expect(m.pricePerTaskEth).toBeCloseTo(0.02, 12);
    // Latencies 20 s, 30 s, 90 s: the nearest-rank p95 is 90 s, to within the histogram's 1%.
    expect(m.latencyP95Seconds!).toBeGreaterThanOrEqual(90);
    expect(m.latencyP95Seconds!).toBeLessThanOrEqual(90 * 1.01);
  });

  it("keeps a bucketed series of what happened when, bounded to MAX_BUCKETS", () => {
    const kpis = new LiveKpis(DEADLINE, BUCKET);
    kpis.observe(block(0));
    kpis.observe(posted(0, 1));
    kpis.observe(block(15_000));
    kpis.observe(result(15_000, 1, "0.01"));
    const series = kpis.snapshot().series;
    expect(series.map((b) => b.start)).toEqual([0, 10_000]);
    expect(series[0]).toMatchObject({ posted: 1, completed: 0 });
    expect(series[1]).toMatchObject({ completed: 1, onTime: 1, onTimeShare: 1, pricePerTaskEth: 0.01 });
    kpis.observe(block(10_000 * (MAX_BUCKETS * 3)));
    const long = kpis.snapshot().series;
    expect(long.length).toBe(MAX_BUCKETS);
    expect(long.at(-1)!.start).toBe(10_000 * MAX_BUCKETS * 3);
  });

  it("ignores results of tasks it never saw posted (a resumed market's earlier ones)", () => {
    const kpis = new LiveKpis(DEADLINE, BUCKET);
    kpis.observe(result(1_000, 99, "1"));
    kpis.observe({ t: 1_000, type: "market.TaskRefunded", taskId: 98 });
    expect(kpis.snapshot().market).toMatchObject({ tasksCompleted: 0, tasksRefunded: 0, pricePerTaskWei: null });
  });
});

describe("GET /api/kpis", () => {
  const SCENARIO = fileURLToPath(new URL("./fixtures/live-small.yaml", import.meta.url));
  let market: LiveMarket;
  let app: BidmeshApp;
  let fx: ApiFixture;
  const logged: unknown[] = [];

  beforeAll(async () => {
    const base = loadScenario(SCENARIO);
    // About six tasks a minute; at 60x a task is posted, run and paid within a couple of seconds.
    const scenario = { ...base, workload: { ...base.workload, arrivals: { ratePerMinute: 6, bursts: [] } } };
    market = await LiveMarket.start({ scenario, speed: 60, onError: (e) => logged.push(e) });
    app = createApp({ market, token: TOKEN, logError: (error) => logged.push(error) });
    fx = await createApiFixture();
  }, 20_000);

  afterAll(async () => {
    await market?.stop();
    await fx?.market.close();
    expect(logged).toEqual([]);
  });

  it("answers the live figures as tasks complete, and the baselines' for the same workload", async () => {
    const body = KpisResponse.parse(
      await pollUntil<{ market: { tasksCompleted: number; tasksDecided: number } }>(app, "/api/kpis", (k) => k.market.tasksCompleted >= 3 && k.market.tasksDecided >= 3, 25_000),
    );
    expect(body.market.onTimeShare).toBeGreaterThan(0);
    expect(body.market.completionShare).toBeGreaterThan(0);
    expect(body.market.latencyP95Seconds).toBeGreaterThan(0);
    expect(BigInt(body.market.pricePerTaskWei!)).toBeGreaterThan(0n);
    expect(body.deadlineSeconds).toBe(600);
    expect(body.series.length).toBeGreaterThan(0);
    expect(body.series.reduce((s, b) => s + b.completed, 0)).toBe(body.market.tasksCompleted);
    expect(body.baselines).not.toBeNull();
    for (const b of [body.baselines!.centralized, body.baselines!.multiCloud]) {
      expect(b.tasksPosted).toBeGreaterThan(0);
      expect(b.onTimeShare).toBeGreaterThan(0);
      expect(BigInt(b.pricePerTaskWei!)).toBeGreaterThan(0n);
    }
  }, 30_000);

  it("409 without a live market", async () => {
    const res = await request(fx.app).get("/api/kpis");
    expect(res.status).toBe(409);
    expect(res.body).toEqual({ error: expect.stringMatching(/no live market/) });
  });

  it("400 for a query parameter (it takes none)", async () => {
    const res = await request(app).get("/api/kpis").query({ page: 1 });
    expect(res.status).toBe(400);
  });
});
