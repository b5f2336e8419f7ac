// A live market on `anvil --state FILE`, stopped and restarted with its node: the second start
// finds the market in the deployment registry and carries on with it. The providers do not
// register again, a completed task stays completed, the task that was running when the process
// stopped is abandoned by its provider (its work is gone with the process) and completed by the
// next one, and a new task gets the next id and completes. At 200x, so a real second is 200
// virtual ones: the margins below are hundreds of virtual seconds.
import { flatEvent } from "../../sim/protocol/logged-event.js";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp, type BidmeshApp } from "../../server/app.js";
import { serve } from "../../server/index.js";
import { LiveMarket } from "../../server/live/live-market.js";
import { PostTaskResponse, TaskDetail, type TaskDetailJson } from "../../server/schemas.js";
import type { TraceRecord } from "../../sim/market/market-system.js";
import { loadScenario } from "../../sim/scenario/load.js";
import { startAnvil, type Anvil } from "../reliability/anvil.js";
import { AUTH, pollUntil as until, TOKEN, taskBody } from "./server-fixture.js";

const SCENARIO_FILE = fileURLToPath(new URL("./fixtures/live-small.yaml", import.meta.url));
const SPEED = 200;

let dir: string;
let stateFile: string;
let registryFile: string;
const logged: unknown[] = [];

/** One life of the node and the market over it. */
interface Life {
  anvil: Anvil;
  market: LiveMarket;
  app: BidmeshApp;
  trace: TraceRecord[];
}
let current: Partial<Life> = {};

async function startLife(): Promise<Life> {
  const anvil = (current.anvil = await startAnvil({ stateFile }));
  const trace: TraceRecord[] = [];
  const market = (current.market = await LiveMarket.start({
    scenario: loadScenario(SCENARIO_FILE),
    rpcUrl: anvil.url,
    registryFile,
    speed: SPEED,
    workload: false,
    trace: (record) => trace.push(record),
    onError: (e) => logged.push(e),
  }));
  const app = createApp({ market, token: TOKEN, logError: (error) => logged.push(error) });
  return { anvil, market, app, trace };
}

/** The market first (it lets its block finish and closes the chain), then anvil, which writes its state on SIGTERM. */
async function stopLife(): Promise<void> {
  await current.market?.stop();
  await current.anvil?.stop("SIGTERM");
  current = {};
}

async function post(app: BidmeshApp, body: Record<string, unknown>): Promise<number> {
  const res = await request(app).post("/api/tasks").set(AUTH).send(body);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return PostTaskResponse.parse(res.body).taskId;
}

const refusals = (trace: readonly TraceRecord[]): TraceRecord[] => trace.filter((r) => r.type === "refused");

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "bidmesh-live-resume-"));
  stateFile = join(dir, "anvil-state.json");
  registryFile = join(dir, "deployments.json");
});

afterAll(async () => {
  await stopLife();
  rmSync(dir, { recursive: true, force: true });
  expect(logged).toEqual([]);
});

describe("a live market on anvil --state, stopped and restarted", () => {
  it("is found again and carries on: no second registration, the lost task goes to its fallback, new tasks complete", async () => {
    // ---- first life: a fresh chain, the market is deployed and remembered
    let { market, app, trace } = await startLife();
    expect(market.reused).toBe(false);
    const address = market.marketAddress;
    await until<{ total: number }>(app, "/api/providers", (page) => page.total === 4);
    const quick = await post(app, taskBody({ size: 60, maxPrice: "0.01", deadlineBudget: 300, region: "any" }));
    // 900 compute-seconds: 4.5 s of real time at 200x, still running when the market stops.
    const long = await post(app, taskBody({ size: 900, maxPrice: "0.05", deadlineBudget: 1_800, region: "eu-west-1" }));
    const completed = await until<TaskDetailJson>(app, `/api/tasks/${quick}`, (t) => t.status === "completed");
    const awarded = TaskDetail.parse(await until<TaskDetailJson>(app, `/api/tasks/${long}`, (t) => t.status === "awarded"));
    const winner = awarded.awards[0]!.provider;
    expect(refusals(trace)).toEqual([]);
    await stopLife();

    // ---- second life: the same state; the market is reused and resumed
    ({ market, app, trace } = await startLife());
    expect(market.reused).toBe(true);
    expect(market.marketAddress).toBe(address);
    expect(trace.find((r) => r.type === "resume")).toMatchObject({ registered: 4, open: 0, awarded: 1, lost: 1 });
    expect(trace.filter((r) => r.type === "resume.lost")).toEqual([expect.objectContaining({ task: long, epoch: 1 })]);

    const done = TaskDetail.parse(await until<TaskDetailJson>(app, `/api/tasks/${long}`, (t) => t.status === "completed", 20_000));
    // Its provider abandoned it (the deadline had not passed): slashed, and the next one ran it.
    expect(done.reroutes).toEqual([expect.objectContaining({ provider: winner, reason: "Abandoned" })]);
    expect(done.result!.provider).not.toBe(winner);
    expect((await request(app).get(`/api/tasks/${quick}`)).body).toEqual(completed);

    const next = await post(app, taskBody({ size: 30, maxPrice: "0.01", deadlineBudget: 300, region: "any" }));
    expect(next).toBe(long + 1);
    await until<TaskDetailJson>(app, `/api/tasks/${next}`, (t) => t.status === "completed");

    // Registered once each, in the first life; nothing refused in the second either.
    const registrations = await market.readEvents({ names: ["ProviderRegistered"] });
    expect(registrations.map((e) => flatEvent(e).args["provider"])).toEqual(market.system.agents.map((a) => a.address));
    expect(refusals(trace)).toEqual([]);
    // The feed's stake of the provider that abandoned counts its slash.
    const slashed = (await market.readEvents({ names: ["ProviderSlashed"] })).filter((e) => flatEvent(e).args["provider"] === winner);
    expect(slashed).toHaveLength(1);
    const agent = market.system.agentAt(winner)!;
    expect(market.snapshot().providers.find((p) => p.address === winner)!.stake).toBe((agent.stake - (flatEvent(slashed[0]!).args["amount"] as bigint)).toString());
    await stopLife();

    // ---- third start, through `serve`: it says the market was reused
    const anvil = (current.anvil = await startAnvil({ stateFile }));
    const lines: string[] = [];
    const running = await serve({
      port: 0,
      handleSignals: false,
      rpcUrl: anvil.url,
      registryFile,
      scenario: SCENARIO_FILE,
      speed: SPEED,
      workload: false,
      token: TOKEN,
      print: (line) => lines.push(line),
    });
    await running.close();
    expect(lines.join("\n")).toContain(`(market ${address}, reused from the registry, ${anvil.url})`);
  }, 60_000);
});
