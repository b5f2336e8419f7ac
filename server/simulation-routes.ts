// Routes of background simulation runs: POST /api/simulations queues a run of a scenario on its
// own ledger in a child process (server/simulations/simulation-jobs.ts); the reads show its
// progress, then its metrics and its HTML report, streamed from the files the run wrote. A
// server built without a job manager (AppDeps.simulations absent) answers these routes 503.
import { HttpError } from "./errors.js";
import type { RouteContext, RouteDef } from "./route-spec.js";
import { json, route } from "./route-spec.js";
import { NoQuery } from "./schemas.js";
import {
  ScenarioList,
  Simulation,
  SimulationAccepted,
  SimulationIdParams,
  SimulationListQuery,
  SimulationPage,
  SimulationReportHtml,
  SimulationRequest,
  type SimulationAcceptedJson,
} from "./simulation-schemas.js";
import { openResultFile, sendReport, sendRunWithMetrics } from "./simulations/send-run-files.js";
import { SimulationRefused, type SimulationJobs } from "./simulations/simulation-jobs.js";
import { paginate } from "./views.js";
import { listBuiltinScenarios } from "../sim/scenario/load.js";

const TAG = "simulations";

function jobsOf(ctx: RouteContext): SimulationJobs {
  if (ctx.simulations === undefined) throw new HttpError(503, { error: "background simulations are not enabled on this server" });
  return ctx.simulations;
}

const notFound = (id: string): HttpError => new HttpError(404, { error: `simulation ${id} not found (finished runs are kept only while they are among the newest)` });

export const simulationRoutes: readonly RouteDef[] = [
  route({
    method: "get",
    path: "/api/scenarios",
    tag: TAG,
    summary: "The built-in scenarios a simulation can run by name",
    auth: false,
    query: NoQuery,
    responses: { 200: { description: "Every built-in scenario, by name", schema: ScenarioList } },
    handler: async () => json(200, listBuiltinScenarios()),
  }),
  route({
    method: "post",
    path: "/api/simulations",
    tag: TAG,
    summary: "Run a scenario in the background",
    description:
      "Queues a run of a built-in scenario (by name) or of an inline scenario object, on its own ledger (a fresh embedded chain by default) in a child process with capped memory; the API stays responsive. Runs go one at a time, and four more may wait: a sixth is answered 503. Poll the self link for progress, then metrics; the report link serves the HTML report once done.",
    auth: true,
    body: SimulationRequest,
    query: NoQuery,
    responses: {
      202: { description: "The run is queued (or already running)", schema: SimulationAccepted },
      503: { description: "The queue is full (one running and four waiting: retry once a run finishes), the server is shutting down, or this server runs no simulations" },
    },
    handler: async ({ body }, ctx) => {
      const jobs = jobsOf(ctx);
      const scenario = body.seed === undefined ? body.scenario : { ...body.scenario, seed: body.seed };
      let job;
      try {
        job = jobs.submit(scenario, body.ledger);
      } catch (error) {
        if (error instanceof SimulationRefused) throw new HttpError(503, { error: error.message });
        throw error;
      }
      const self = `/api/simulations/${job.id}`;
      const accepted: SimulationAcceptedJson = { id: job.id, status: job.status, links: { self, report: `${self}/report` } };
      return json(202, accepted);
    },
  }),
  route({
    method: "get",
    path: "/api/simulations",
    tag: TAG,
    summary: "Background runs, newest first",
    description: "Without their metrics (GET one for them). The newest 20 finished runs are kept.",
    auth: false,
    query: SimulationListQuery,
    responses: { 200: { description: "A page of runs", schema: SimulationPage }, 503: { description: "This server runs no simulations" } },
    handler: async ({ query }, ctx) => {
      const runs = jobsOf(ctx)
        .list()
        .filter((run) => query.status === undefined || run.status === query.status);
      return json(200, paginate(runs, query.page, query.pageSize));
    },
  }),
  route({
    method: "get",
    path: "/api/simulations/:id",
    tag: TAG,
    summary: "A background run: its progress, then its metrics",
    auth: false,
    query: NoQuery,
    params: SimulationIdParams,
    responses: {
      200: { description: "The run", schema: Simulation },
      404: { description: "No run has this id (or it was forgotten)" },
      503: { description: "This server runs no simulations" },
    },
    handler: async ({ params }, ctx) => {
      const jobs = jobsOf(ctx);
      const run = jobs.get(params.id);
      if (run === undefined) throw notFound(params.id);
      const metricsFile = jobs.metricsFile(params.id);
      if (metricsFile === undefined) return json(200, run);
      const metrics = await openResultFile(metricsFile, () => notFound(params.id));
      return { stream: (_req, res) => void sendRunWithMetrics(res, run, metrics).catch(() => res.destroy()) };
    },
  }),
  route({
    method: "get",
    path: "/api/simulations/:id/report",
    tag: TAG,
    summary: "A finished run's HTML report",
    auth: false,
    query: NoQuery,
    params: SimulationIdParams,
    responses: {
      200: { description: "The report, as `bidmesh simulate` writes it", schema: SimulationReportHtml, contentType: "text/html" },
      404: { description: "No run has this id (or it was forgotten)" },
      409: { description: "The run is queued or running (no report yet), or it failed (no report)" },
      503: { description: "This server runs no simulations" },
    },
    handler: async ({ params }, ctx) => {
      const found = jobsOf(ctx).report(params.id);
      if (!found.found) throw notFound(params.id);
      const report = found.report;
      if (report === undefined) {
        const why = found.status === "failed" ? "it failed, so it has no report (GET the run for its error)" : `it is ${found.status}: the report is ready once it is done`;
        throw new HttpError(409, { error: `simulation ${params.id} has no report: ${why}` });
      }
      // Streamed from its file, with the page's own CSP: its inline scripts, by hash.
      const file = await openResultFile(report.file, () => notFound(params.id));
      return { stream: (_req, res) => void sendReport(res, file, report.csp).catch(() => res.destroy()) };
    },
  }),
];
