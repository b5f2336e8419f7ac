// The live market's workload does not end at the scenario's duration: its pattern repeats period
// after period, drawn from the seed, so tasks keep arriving and being posted on chain past it;
// and GET /api/health's market status says what is true (running, the period, stopped and why).
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import request from "supertest";
import { createApp, type BidmeshApp } from "../../server/app.js";
import { LiveMarket } from "../../server/live/live-market.js";
import { HealthResponse } from "../../server/schemas.js";
import { WorkloadCycle } from "../../server/live/workload-cycle.js";
import { RandomStream } from "../../sim/engine/rng.js";
import { loadScenario } from "../../sim/scenario/load.js";
import type { Scenario } from "../../sim/scenario/schema.js";
import { TOKEN } from "./server-fixture.js";

const SCENARIO = fileURLToPath(new URL("./fixtures/live-small.yaml", import.meta.url));
/** 20 virtual seconds a period, about one task every 3 s: several tasks in every period. */
const PERIOD_MS = 20_000;
const SPEED = 40;

function shortScenario(): Scenario {
  const base = loadScenario(SCENARIO);
  return { ...base, duration: PERIOD_MS, workload: { ...base.workload, arrivals: { ...base.workload.arrivals, ratePerMinute: 20 } } };
}

describe("WorkloadCycle", () => {
  it("repeats the workload period after period, each period from its own seeded stream", () => {
    const scenario = shortScenario();
    const draw = () => new WorkloadCycle(scenario, RandomStream.root(scenario.seed).fork("workload")).due(4 * PERIOD_MS - 1);
    const tasks = draw();
    expect(draw()).toEqual(tasks); // the seed fixes every period
    for (const period of [1, 2, 3]) {
      const own = tasks.filter((t) => t.period === period);
      expect(own.length, `period ${period}`).toBeGreaterThan(0);
      for (const t of own) expect(t.arrival >= period * PERIOD_MS && t.arrival < (period + 1) * PERIOD_MS).toBe(true);
    }
    expect(tasks.map((t) => t.arrival)).toEqual([...tasks.map((t) => t.arrival)].sort((a, b) => a - b));
    // Not one period copied: the periods are drawn apart.
    const offsets = (p: number) => tasks.filter((t) => t.period === p).map((t) => t.arrival - p * PERIOD_MS);
    expect(offsets(1)).not.toEqual(offsets(2));
    expect(tasks.some((t) => t.period === 0)).toBe(false); // period 0 is the scenario's own
  });

  it("hands each task out once, however time is sliced", () => {
    const scenario = shortScenario();
    const whole = new WorkloadCycle(scenario, RandomStream.root(5).fork("workload")).due(5 * PERIOD_MS);
    const sliced = new WorkloadCycle(scenario, RandomStream.root(5).fork("workload"));
    const pieces = [];
    for (let t = 0; t <= 5 * PERIOD_MS; t += 1_700) pieces.push(...sliced.due(t));
    pieces.push(...sliced.due(5 * PERIOD_MS));
    expect(pieces).toEqual(whole);
  });
});

describe("live market past the scenario's duration", () => {
  let market: LiveMarket;
  let app: BidmeshApp;
  const logged: unknown[] = [];

  beforeAll(async () => {
    market = await LiveMarket.start({ scenario: shortScenario(), speed: SPEED, onError: (e) => logged.push(e) });
    app = createApp({ market, token: TOKEN, logError: (error) => logged.push(error) });
  }, 20_000);

  afterAll(async () => {
    await market?.stop();
    expect(logged).toEqual([]);
  });

  it("keeps posting workload tasks on chain in later periods, and the status says running and which period", async () => {
    const chain = market.service.chain;
    const base = market.system.baseTimestamp;
    const periodOf = async (blockNumber: number): Promise<number> => {
      const block = await chain.provider.getBlock(blockNumber);
      return Math.floor(((block!.timestamp - base) * 1000) / PERIOD_MS);
    };
    const deadline = Date.now() + 20_000;
    let periods = new Set<number>();
    while (Date.now() < deadline) {
      const posted = await market.readEvents({ names: ["TaskPosted"] });
      periods = new Set(await Promise.all(posted.map((e) => periodOf(e.blockNumber))));
      if (periods.has(2)) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect([...periods].sort()).toEqual(expect.arrayContaining([0, 1, 2]));

    const health = HealthResponse.parse((await request(app).get("/api/health")).body);
    expect(health.market).toMatchObject({ live: true, running: true, state: "running", reason: null, reconnects: 0, error: null });
    expect(health.market.workload).toMatchObject({ repeats: true, periodMs: PERIOD_MS });
    expect(health.market.workload!.period).toBeGreaterThanOrEqual(2);
    expect(health.market.workload!.period).toBe(Math.floor(health.market.virtualTime! / PERIOD_MS));
  }, 30_000);

  it("once stopped, the status says stopped and why", async () => {
    await market.stop();
    const status = market.status();
    expect(status).toMatchObject({ running: false, state: "stopped", error: null });
    expect(status.reason).toMatch(/stopped/);
    const health = HealthResponse.parse((await request(app).get("/api/health")).body);
    expect(health.market.state).toBe("stopped");
  });
});
