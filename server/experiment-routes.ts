// Routes of background experiments: POST /api/experiments validates and plans an experiment (a
// bad one is a 400 naming its field, and nothing is queued), then runs it in a child process
// (server/experiments/experiment-jobs.ts); the reads show its progress, then its headline, and
// serve the files `bidmesh experiment` writes, streamed from disk. A server built without an
// experiment manager (AppDeps.experiments absent) answers these routes 503.
import { HttpError } from "./errors.js";
import {
  builtinExperimentList,
  ExperimentAccepted,
  ExperimentFileBody,
  ExperimentFileParams,
  ExperimentIdParams,
  ExperimentList,
  ExperimentListQuery,
  ExperimentPage,
  ExperimentRequest,
  ExperimentSummary,
  type ExperimentAcceptedJson,
} from "./experiment-schemas.js";
import { ExperimentRefused, type ExperimentFileName, type ExperimentJobs } from "./experiments/experiment-jobs.js";
import type { RouteContext, RouteDef } from "./route-spec.js";
import { json, route } from "./route-spec.js";
import { NoQuery } from "./schemas.js";
import { openResultFile, sendFile } from "./simulations/send-run-files.js";
import { paginate } from "./views.js";

const TAG = "experiments";

const CONTENT_TYPES: Record<string, string> = {
  csv: "text/csv; charset=utf-8",
  parquet: "application/vnd.apache.parquet",
  json: "application/json; charset=utf-8",
  html: "text/html; charset=utf-8",
};

function jobsOf(ctx: RouteContext): ExperimentJobs {
  if (ctx.experiments === undefined) throw new HttpError(503, { error: "background experiments are not enabled on this server" });
  return ctx.experiments;
}

const notFound = (id: string): HttpError => new HttpError(404, { error: `experiment ${id} not found (finished experiments are kept only while they are among the newest)` });

export const experimentRoutes: readonly RouteDef[] = [
  route({
    method: "get",
    path: "/api/experiments/builtins",
    tag: TAG,
    summary: "The built-in experiments an experiment request can name",
    auth: false,
    query: NoQuery,
    responses: { 200: { description: "Every built-in experiment, with its file", schema: ExperimentList } },
    handler: async () => json(200, builtinExperimentList()),
  }),
  route({
    method: "post",
    path: "/api/experiments",
    tag: TAG,
    summary: "Run an experiment (arms × seeds, with confidence intervals) in the background",
    description:
      "Validates and plans the experiment (every problem is a 400 naming its field; nothing is queued), then runs its runs one at a time in a child process with capped memory and a 10-minute limit; the API stays responsive. One experiment runs at a time and two more may wait: a fourth is answered 503. Poll the self link for progress; once done, the files link serves runs.csv, runs.parquet, summary.csv, paired.csv, experiment.json and experiment.html (and tasks.parquet when asked for).",
    auth: true,
    body: ExperimentRequest,
    query: NoQuery,
    responses: {
      202: { description: "The experiment is queued (or already running)", schema: ExperimentAccepted },
      503: { description: "The queue is full (one running and two waiting: retry once one finishes), the server is shutting down, or this server runs no experiments" },
    },
    handler: async ({ body }, ctx) => {
      const jobs = jobsOf(ctx);
      const planned = body.experiment;
      let job;
      try {
        job = jobs.submit({ data: planned.data, source: planned.source, tasks: body.tasks }, { ...planned.meta, tasks: body.tasks });
      } catch (error) {
        if (error instanceof ExperimentRefused) throw new HttpError(503, { error: error.message });
        throw error;
      }
      const self = `/api/experiments/${job.id}`;
      const accepted: ExperimentAcceptedJson = { id: job.id, status: job.status, links: { self, report: `${self}/files/experiment.html`, files: `${self}/files/` } };
      return json(202, accepted);
    },
  }),
  route({
    method: "get",
    path: "/api/experiments",
    tag: TAG,
    summary: "Background experiments, newest first",
    description: "The newest 10 finished experiments are kept.",
    auth: false,
    query: ExperimentListQuery,
    responses: { 200: { description: "A page of experiments", schema: ExperimentPage }, 503: { description: "This server runs no experiments" } },
    handler: async ({ query }, ctx) => {
      const all = jobsOf(ctx)
        .list()
        .filter((e) => query.status === undefined || e.status === query.status);
      return json(200, paginate(all, query.page, query.pageSize));
    },
  }),
  route({
    method: "get",
    path: "/api/experiments/:id",
    tag: TAG,
    summary: "A background experiment: its progress, then its headline",
    auth: false,
    query: NoQuery,
    params: ExperimentIdParams,
    responses: {
      200: { description: "The experiment", schema: ExperimentSummary },
      404: { description: "No experiment has this id (or it was forgotten)" },
      503: { description: "This server runs no experiments" },
    },
    handler: async ({ params }, ctx) => {
      const found = jobsOf(ctx).get(params.id);
      if (found === undefined) throw notFound(params.id);
      return json(200, found);
    },
  }),
  route({
    method: "get",
    path: "/api/experiments/:id/files/:name",
    tag: TAG,
    summary: "One of a done experiment's files",
    description: "experiment.html is served with its own Content-Security-Policy (its inline scripts by hash, sandboxed); tasks.parquet exists only when the request asked for tasks.",
    auth: false,
    query: NoQuery,
    params: ExperimentFileParams,
    responses: {
      200: { description: "The file", schema: ExperimentFileBody, contentType: "application/octet-stream" },
      404: { description: "No experiment has this id (or it was forgotten), or it has no such file" },
      409: { description: "The experiment is queued or running (no files yet), or it failed (no files)" },
      503: { description: "This server runs no experiments" },
    },
    handler: async ({ params }, ctx) => {
      const name = params.name as ExperimentFileName;
      const found = jobsOf(ctx).file(params.id, name);
      if (!found.found) throw notFound(params.id);
      if (found.file === undefined) {
        if (found.status === "done") throw new HttpError(404, { error: `experiment ${params.id} has no ${name}: it was not asked for (send "tasks": true)` });
        const why = found.status === "failed" ? "it failed, so it has no files (GET the experiment for its error)" : `it is ${found.status}: its files are ready once it is done`;
        throw new HttpError(409, { error: `experiment ${params.id} has no ${name}: ${why}` });
      }
      const file = await openResultFile(found.file.path, () => notFound(params.id));
      const extension = name.slice(name.lastIndexOf(".") + 1);
      const headers: Record<string, string> = found.file.csp === undefined ? { "Content-Disposition": `inline; filename="${name}"` } : { "Content-Security-Policy": found.file.csp };
      return { stream: (_req, res) => void sendFile(res, file, CONTENT_TYPES[extension]!, headers).catch(() => res.destroy()) };
    },
  }),
];
