// Units in the API: every time and money field of the OpenAPI document names its unit (in its
// name, its description, or a parent's name such as latencyMs), and what a request sends in
// one unit comes back in that unit too: POST /api/tasks takes maxPrice in ETH and the task
// answers maxPriceEth beside the chain's wei; POST /api/outages takes a duration in seconds and
// the outage answers startSeconds, endSeconds and durationSeconds beside its virtual ms.
import { fileURLToPath } from "node:url";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp, type BidmeshApp } from "../../server/app.js";
import { LiveMarket } from "../../server/live/live-market.js";
import { Outage, OutageList } from "../../server/live/live-schemas.js";
import { buildOpenApiDocument } from "../../server/openapi.js";
import { routes } from "../../server/routes.js";
import { TaskDetail, TaskPage } from "../../server/schemas.js";
import { loadScenario } from "../../sim/scenario/load.js";
import { AUTH, TOKEN, taskBody } from "./server-fixture.js";

/** A unit, in a field's name or description. */
const UNIT = /\b(ms|milliseconds?|seconds?|compute-seconds|wei|ETH|gas units|unix seconds|USD|gwei)\b|(Ms|Wei|Eth|Seconds|Usd|Gwei)$/;
/** Fields that count or identify things: no unit to state. */
const UNITLESS = new Set([
  "taskId", "id", "task", "page", "pageSize", "total", "bidCount", "rerouteCount", "round", "epoch", "logIndex",
  "blockNumber", "postedBlock", "registeredBlock", "deployBlock", "fromBlock", "toBlock", "blocks",
  "count", "capacity", "running", "bids", "won", "completed", "failed", "seed", "fraction", "share", "onTime", "tasks",
  "tasksPosted", "tasksDone", "tasksCompleted", "tasksRefunded", "tasksUnfinished", "completionRate", "onTimeRate",
  "reroutes", "reauctions", "slashes", "reconnects",
  // The live status's workload period (an index) and the live KPIs' counts and shares (0 to 1).
  "period", "tasksDecided", "posted", "late", "onTimeShare", "completionShare",
  // Reroutes by reason, and an experiment's arms, seeds and runs done.
  "deadlineMissed", "abandoned", "failover", "arms", "seeds", "done",
  // Transactions sent by a party (its gas is in gas units, said in the description).
  "transactions",
]);

interface Field {
  path: string[];
  description: string;
}

/** Every number, and every wei-shaped or ETH-shaped string, of the document, with the names above it. */
function quantityFields(doc: Record<string, any>): Field[] {
  const out: Field[] = [];
  const walk = (schema: any, path: string[], description?: string): void => {
    if (schema === null || typeof schema !== "object" || schema.$ref !== undefined) return;
    const text = schema.description ?? description ?? "";
    const types: unknown[] = Array.isArray(schema.type) ? schema.type : [schema.type];
    // An amount is a string of digits (wei) or a decimal (ETH): its pattern is made of digits.
    const pattern = typeof schema.pattern === "string" ? schema.pattern : "";
    const money = types.includes("string") && ((pattern.includes("\\d") && !/0x|A-Z|a-z/.test(pattern)) || /wei|eth/i.test(path.at(-1) ?? ""));
    if (types.includes("number") || types.includes("integer") || money) out.push({ path, description: text });
    for (const [key, value] of Object.entries(schema.properties ?? {})) walk(value, [...path, key]);
    if (schema.items !== undefined) walk(schema.items, path, text);
    for (const key of ["anyOf", "oneOf", "allOf"]) for (const s of schema[key] ?? []) walk(s, path, text);
  };
  for (const [name, schema] of Object.entries<any>(doc["components"].schemas)) walk(schema, [name]);
  for (const [path, operations] of Object.entries<any>(doc["paths"])) {
    for (const [method, operation] of Object.entries<any>(operations)) {
      for (const parameter of operation.parameters ?? []) walk(parameter.schema, [`${method.toUpperCase()} ${path}`, parameter.name], parameter.description);
    }
  }
  return out;
}

describe("the OpenAPI document states the unit of every time and money field", () => {
  const doc = buildOpenApiDocument(routes) as unknown as Record<string, any>;
  const fields = quantityFields(doc);

  it("finds the fields it checks (numbers and amounts in requests, responses and queries)", () => {
    const names = fields.map((f) => f.path.join("."));
    for (const name of ["PostTaskRequest.size", "PostTaskRequest.maxPrice", "PostTaskRequest.deadlineBudget", "PostOutageRequest.duration", "TaskSummary.maxPrice", "Outage.start", "SystemMetrics.latencyMs.p95"]) {
      expect(names).toContain(name);
    }
  });

  it("each names its unit, or is a count or an id", () => {
    const missing = fields
      .filter((f) => !UNITLESS.has(f.path.at(-1)!))
      .filter((f) => !f.path.some((name) => UNIT.test(name)) && !UNIT.test(f.description))
      .map((f) => `${f.path.join(".")}: ${f.description || "(no description)"}`);
    expect(missing, missing.join("\n")).toEqual([]);
  });

  it("says in its description which units requests and responses use", () => {
    const text = doc["info"].description as string;
    expect(text).toMatch(/ETH/);
    expect(text).toMatch(/wei/);
    expect(text).toMatch(/seconds/);
  });
});

describe("the same unit comes back as went in", () => {
  let market: LiveMarket;
  let app: BidmeshApp;
  const logged: unknown[] = [];

  beforeAll(async () => {
    const scenario = loadScenario(fileURLToPath(new URL("./fixtures/live-regions.yaml", import.meta.url)));
    market = await LiveMarket.start({ scenario, speed: 200, workload: false, onError: (e) => logged.push(e) });
    app = createApp({ market, token: TOKEN, logError: (error) => logged.push(error) });
  }, 20_000);

  afterAll(async () => {
    market?.feed.close();
    await market?.stop();
    expect(logged).toEqual([]);
  });

  it("POST /api/tasks: maxPrice in ETH, size and deadlineBudget in seconds, answered in those units beside the wei", async () => {
    const posted = await request(app).post("/api/tasks").set(AUTH).send(taskBody({ maxPrice: "0.0125", size: 42.5, deadlineBudget: 300 }));
    expect(posted.status).toBe(201);
    const task = TaskDetail.parse((await request(app).get(`/api/tasks/${posted.body.taskId}`)).body);
    expect(task).toMatchObject({ maxPrice: "12500000000000000", maxPriceEth: "0.0125", size: 42.5, deadlineBudget: 300 });
    const listed = TaskPage.parse((await request(app).get("/api/tasks")).body).items.find((t) => t.taskId === posted.body.taskId);
    expect(listed).toMatchObject({ maxPrice: "12500000000000000", maxPriceEth: "0.0125" });
  });

  it("POST /api/outages: duration in seconds, answered as durationSeconds with start and end in seconds beside the ms", async () => {
    const res = await request(app).post("/api/outages").set(AUTH).send({ region: "us-east-1", duration: 90 });
    expect(res.status).toBe(201);
    const outage = Outage.parse(res.body);
    expect(outage.durationSeconds).toBe(90);
    // Seconds are ms / 1000: a start such as 12.345 s makes the difference a float, exact to µs.
    expect(outage.endSeconds - outage.startSeconds).toBeCloseTo(90, 6);
    // Compare seconds to ms / 1000, not seconds × 1000 to ms: 129.2 × 1000 is 129199.99999999999.
    expect(outage.startSeconds).toBe(outage.start / 1_000);
    expect(outage.endSeconds).toBe(outage.end / 1_000);
    expect(outage.end - outage.start).toBe(90_000);
    const listed = OutageList.parse((await request(app).get("/api/outages")).body).outages.find((o) => o.id === outage.id);
    expect(listed).toMatchObject({ durationSeconds: 90, startSeconds: outage.startSeconds, endSeconds: outage.endSeconds });
  });
});
