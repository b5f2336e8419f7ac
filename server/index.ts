// `bidmesh serve`: the API on a port, over a market on the embedded chain or --rpc-url, with a
// graceful shutdown on SIGTERM/SIGINT (stop accepting, finish in-flight requests, close the
// market and the chain, exit 0).
import { randomBytes } from "node:crypto";
import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { z } from "zod";
import { InputError } from "../sim/input-error.js";
import { loadScenario } from "../sim/scenario/load.js";
import type { Scenario } from "../sim/scenario/schema.js";
import { createApp } from "./app.js";
import { allowedHostNames } from "./host-allowlist.js";
import { httpServerOptions, type HttpTimeouts } from "./http-timeouts.js";
import type { IdempotencyOptions } from "./idempotency.js";
import { LiveMarket } from "./live/live-market.js";
import { createMarketService, type MarketService } from "./market-service.js";
import type { OutageBookLimits } from "./live/outage-book.js";
import { ExperimentJobs } from "./experiments/experiment-jobs.js";
import { SimulationJobs } from "./simulations/simulation-jobs.js";
import type { StreamLimits } from "./live/stream-slots.js";

export interface ServeOptions {
  /** Default 3000; 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1: reachable from this machine only. */
  host?: string;
  /** Host names the API answers besides the loopback names and `host` (DNS-rebinding guard; `serve --allowed-host`). */
  allowedHosts?: readonly string[];
  /** A JSON-RPC node; omit for the embedded chain. */
  rpcUrl?: string;
  /**
   * `rpcUrl` only: the deployment registry, which remembers the market per chain and market
   * config so a restart finds it again (default DEFAULT_REGISTRY_FILE, relative to the working directory).
   */
  registryFile?: string;
  /**
   * Run a live market from this scenario (a built-in name, a file, or a parsed scenario): its
   * providers bid on every task, API tasks included. Without it the API posts tasks into a bare
   * market (no providers). The CLI defaults to "steady".
   */
  scenario?: string | Scenario;
  /** Live market: virtual seconds per real second (default 1). */
  speed?: number;
  /** Live market: also post the scenario's workload (default true); false runs only API tasks. */
  workload?: boolean;
  /** The API token; default BIDMESH_API_TOKEN, else one is generated and printed once. */
  token?: string;
  /** The environment to read (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Where messages for the operator go (default stdout). */
  print?: (line: string) => void;
  /** Install SIGTERM/SIGINT handlers that shut down and exit (default true). */
  handleSignals?: boolean;
  /** Milliseconds in-flight requests get after a signal before the process exits 1 (default 10,000). */
  shutdownTimeoutMs?: number;
  /**
   * A background simulation's resident-memory limit in MB, its chain's native memory included
   * (default 8192): over it, its child process is killed and the run fails saying so.
   */
  simulationMemoryMb?: number;
  /** A background simulation's JavaScript heap limit in MB (default 2048). */
  simulationHeapMb?: number;
  /** How long a client may take to send a request (default DEFAULT_HTTP_TIMEOUTS: 15 s, headers 10 s, keep-alive 5 s). */
  timeouts?: Partial<HttpTimeouts>;
  /**
   * Milliseconds the chain work of one request (a post, a ledger read) and each JSON-RPC call may
   * take; past it the request answers 503 (default DEFAULT_CHAIN_TIMEOUT_MS, 5 s).
   */
  chainTimeoutMs?: number;
  /** Event streams at once, in all and per client address, and the backlog that ends one (default DEFAULT_STREAM_LIMITS: 64, 8, 1 MiB). */
  streams?: Partial<StreamLimits>;
  /** Idempotency-Key: how long answers are kept, how many, the wait for one in flight (default DEFAULT_IDEMPOTENCY: 24 h, 10,000, 30 s). */
  idempotency?: Partial<IdempotencyOptions>;
  /** Live market: posted outages active or pending at once, and ended ones kept (default DEFAULT_OUTAGE_LIMITS: 256, 1,000). */
  outageLimits?: Partial<OutageBookLimits>;
}

export interface RunningServer {
  /** e.g. http://127.0.0.1:3000 */
  url: string;
  server: Server;
  market: MarketService;
  /** Stops accepting, lets in-flight requests finish, closes the market and its chain. */
  close(): Promise<void>;
}

/** The environment the server reads, parsed at the edge. */
const ServeEnv = z.object({
  BIDMESH_API_TOKEN: z
    .string()
    .optional()
    .transform((value) => (value === undefined || value === "" ? undefined : value))
    .refine((value) => value === undefined || (value.length >= 16 && /^[\x21-\x7e]+$/.test(value)), {
      message: "must be at least 16 printable ASCII characters with no spaces (or unset, to have one generated)",
    }),
});

function parseEnv(env: NodeJS.ProcessEnv): z.output<typeof ServeEnv> {
  const parsed = ServeEnv.safeParse({
    BIDMESH_API_TOKEN: env["BIDMESH_API_TOKEN"],
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new InputError(String(issue.path[0] ?? "environment"), issue.message);
  }
  return parsed.data;
}

/**
 * Connects the chain, deploys the market, and listens.
 * @example
 * const running = await serve({ port: 0, handleSignals: false });
 * await fetch(`${running.url}/api/health`);
 * await running.close();
 */
export async function serve(options: ServeOptions = {}): Promise<RunningServer> {
  const env = parseEnv(options.env ?? process.env);
  const print = options.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  const port = options.port ?? 3000;
  const host = options.host ?? "127.0.0.1";
  let token = options.token ?? env.BIDMESH_API_TOKEN;
  const generated = token === undefined;
  token ??= randomBytes(32).toString("base64url");

  // Checked before the chain starts, so a bad bound costs nothing.
  const serverOptions = httpServerOptions(options.timeouts);
  const scenario = typeof options.scenario === "string" ? loadScenario(options.scenario) : options.scenario;
  // Both kinds say whether the market came from the deployment registry (`reused`).
  const market =
    scenario === undefined
      ? await createMarketService({ rpcUrl: options.rpcUrl, registryFile: options.registryFile, chainTimeoutMs: options.chainTimeoutMs })
      : await LiveMarket.start({
          scenario,
          rpcUrl: options.rpcUrl,
          registryFile: options.registryFile,
          speed: options.speed,
          workload: options.workload,
          chainTimeoutMs: options.chainTimeoutMs,
          outageLimits: options.outageLimits,
        });
  // Background simulation runs (a child process each); closed before the market on shutdown.
  const simulations = new SimulationJobs({ maxResidentMb: options.simulationMemoryMb, maxHeapMb: options.simulationHeapMb });
  // Background experiments: their own slot (an experiment is minutes of runs and must not hold
  // up a single simulation), with the same memory caps.
  const experiments = new ExperimentJobs({ maxResidentMb: options.simulationMemoryMb, maxHeapMb: options.simulationHeapMb });
  let server: Server;
  // Responses in flight, so a shutdown can tell their clients not to reuse the connection.
  const inFlight = new Set<ServerResponse>();
  let closing: Promise<void> | undefined;
  try {
    const allowedHosts = allowedHostNames(host, options.allowedHosts);
    const app = createApp({
      market,
      simulations,
      experiments,
      token,
      allowedHosts,
      streams: options.streams,
      idempotency: options.idempotency,
    });
    server = createServer(serverOptions);
    // Before the app, so the header is set before any response can start.
    server.on("request", (_req, res: ServerResponse) => {
      if (closing !== undefined) res.setHeader("Connection", "close");
      inFlight.add(res);
      res.once("close", () => inFlight.delete(res));
    });
    server.on("request", app);
    await listen(server, port, host);
    // Fill the event cache now, so the first reader does not wait for the whole history; a
    // failure here is the first request's to report.
    market.readEvents({ names: [] }).catch(() => undefined);
  } catch (error) {
    await Promise.all([simulations.close(), experiments.close()]);
    await market.close();
    throw error;
  }

  const address = server.address() as AddressInfo;
  const url = `http://${address.family === "IPv6" ? `[${address.address}]` : address.address}:${address.port}`;
  if (generated) print(`API token (generated: set BIDMESH_API_TOKEN to choose one): ${token}`);
  // On an RPC node the market comes from the deployment registry, or is deployed and remembered
  // there. (test/reliability/api-serve-process.ts reads the address up to the comma after it.)
  const origin = options.rpcUrl === undefined ? "" : market.reused ? "reused from the registry, " : "deployed and remembered in the registry, ";
  print(`bidmesh API listening on ${url} (market ${market.marketAddress}, ${origin}${options.rpcUrl === undefined ? "embedded chain" : options.rpcUrl})`);
  if (scenario !== undefined) {
    print(`live market: scenario ${scenario.name} at ${options.speed ?? 1}x, ${options.workload === false ? "API tasks only" : "with its workload"}`);
  }

  const close = (): Promise<void> =>
    (closing ??= (async () => {
      // Event streams never finish by themselves: end them first, or the server waits on them.
      market.feed.close();
      // The simulations close alongside the server, not after it: a request that takes its time
      // must not keep a run's child (and its chain's memory) alive.
      const simulationsClosed = Promise.all([simulations.close(), experiments.close()]);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const res of inFlight) if (!res.headersSent) res.setHeader("Connection", "close");
        server.closeIdleConnections();
      });
      await simulationsClosed;
      await market.close();
    })());

  if (options.handleSignals ?? true) {
    const timeoutMs = options.shutdownTimeoutMs ?? 10_000;
    const onSignal = (signal: NodeJS.Signals): void => {
      process.off("SIGTERM", onSignal);
      process.off("SIGINT", onSignal);
      print(`${signal}: finishing requests in flight, then stopping`);
      // If requests do not finish in time, give up on them; unref: never the reason to stay up.
      setTimeout(() => {
        process.stderr.write(`bidmesh: requests still in flight after ${timeoutMs} ms; exiting\n`);
        process.exit(1);
      }, timeoutMs).unref();
      close().then(
        () => process.exit(0),
        (error: unknown) => {
          process.stderr.write(`bidmesh: shutdown failed: ${error instanceof Error ? error.message : String(error)}\n`);
          process.exit(1);
        },
      );
    };
    process.on("SIGTERM", onSignal);
    process.on("SIGINT", onSignal);
  }

  return { url, server, market, close };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      if (error.code === "EADDRINUSE") reject(new InputError("port", `port ${port} on ${host} is already in use; choose another, or 0 for any free port`));
      else if (error.code === "EADDRNOTAVAIL" || error.code === "ENOTFOUND" || error.code === "EAI_AGAIN") {
        reject(new InputError("host", `cannot listen on ${host}: no such address on this machine`));
      } else if (error.code === "EACCES") reject(new InputError("port", `not allowed to listen on port ${port}; use one above 1023`));
      else reject(error);
    };
    server.once("error", onError);
    server.listen(port, host, () => {
      server.off("error", onError);
      resolve();
    });
  });
}
