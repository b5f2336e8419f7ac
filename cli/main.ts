// The bidmesh command line. Every command prints a plain message and exits 2 on bad input,
// 1 when a run fails; never a stack trace. Each command's module is loaded when that command
// runs, so `--help` and `scenarios` do not pay for loading ethers, the chain and express.
import { Command, CommanderError, Option } from "commander";
import { parseAllowedHost, parseChainTimeout, parseHost, parsePort, parseSimulationMemoryMb, parseSpeed } from "./serve-options.js";
import { InputError } from "../sim/input-error.js";
import { BIDMESH_VERSION as version } from "../sim/version.js";
import { parseLedgerKind, parseMaxSeeds, parseQueueUrl, parseSeed, parseTargetCi, parseTaskId, parseThreads } from "./options.js";


const program = new Command()
  .name("bidmesh")
  .description("A decentralised compute market on an EVM chain, replaying the 2025 cloud outages against centralised and multi-cloud baselines.")
  .version(version, "-V, --version", "print the version")
  .exitOverride()
  .showHelpAfterError(false);

program
  .command("simulate")
  .description("Run a scenario: the market (on chain or in memory) and both baselines on the same workload and failures.")
  .requiredOption("--scenario <name|file>", "a built-in scenario name (see `bidmesh scenarios`) or a YAML/JSON file")
  .option("--seed <n>", "override the scenario's seed", parseSeed)
  .addOption(new Option("--ledger <kind>", "where the market runs: chain (full fidelity) or memory (large sweeps)").default("chain").argParser(parseLedgerKind))
  .option("--rpc-url <url>", "an external EVM JSON-RPC node for --ledger chain (default: the embedded chain)")
  .option("--out <dir>", "output folder: a new or empty one (default runs/<scenario>-<seed>, where a previous run of the same scenario and seed is replaced)")
  .option("--force", "replace --out if it holds a previous bidmesh run (its run.json and only a run's files); anything else is never replaced")
  .option("--no-progress", "no progress bar")
  .action(async (opts: { scenario: string; seed?: number; ledger: "chain" | "memory"; rpcUrl?: string; out?: string; force?: boolean; progress: boolean }) => {
    const { simulateCommand } = await import("./simulate-command.js");
    await simulateCommand(opts);
  });

program
  .command("experiment")
  .description("Run an experiment: every arm (a combination of the varied axes' values) on every seed, with confidence intervals and paired differences against both baselines.")
  .argument("<file|name>", "an experiment file (YAML or JSON) or a built-in's name (see `bidmesh experiments`)")
  .option("--out <dir>", "output folder: a new or empty one (default experiments/<name>)")
  .option("--jobs <n>", "worker threads on this machine (default: one per core)", parseThreads("jobs"))
  .option("--queue <url>", "put the runs on a BullMQ queue on this Redis (redis://HOST:PORT) for `bidmesh worker` processes anywhere", parseQueueUrl)
  .option("--resume", "continue a stopped experiment in --out: run only what it has no result for")
  .option("--tasks", "also write tasks.parquet: one row per task per system per run")
  .option("--target-ci <width>", "add seeds until every summarised metric's 95% interval half-width is at most this (in the metric's units)", parseTargetCi)
  .option("--max-seeds <n>", "with --target-ci: stop adding seeds here (default 200)", parseMaxSeeds)
  .option("--no-progress", "no progress line")
  .action(async (file: string, opts: { out?: string; jobs?: number; queue?: string; resume?: boolean; tasks?: boolean; targetCi?: number; maxSeeds?: number; progress: boolean }) => {
    const { experimentCommand } = await import("./experiment-command.js");
    await experimentCommand(file, opts);
  });

program
  .command("experiments")
  .description("List the built-in experiments, or print one's YAML (to save, change and run).")
  .option("--show <name>", "print this built-in's YAML")
  .action(async (opts: { show?: string }) => {
    const { experimentsCommand } = await import("./experiments-command.js");
    experimentsCommand(opts);
  });

program
  .command("worker")
  .description("Process experiment runs from a BullMQ queue on Redis, on as many machines as you like, until stopped (Ctrl-C or SIGTERM finishes the runs in hand).")
  .requiredOption("--queue <url>", "the Redis the experiment's coordinator uses (redis://HOST:PORT)", parseQueueUrl)
  .option("--concurrency <n>", "runs at once, each on its own worker thread (default: one per core)", parseThreads("concurrency"))
  .action(async (opts: { queue: string; concurrency?: number }) => {
    const { workerCommand } = await import("./worker-command.js");
    await workerCommand(opts);
  });

program
  .command("ledger")
  .description("Print a task's or a provider's on-chain history.")
  .option("--task <id>", "a task id", parseTaskId)
  .option("--provider <address|node>", "a provider: its address, or with --run its node name (e.g. colo-use1#3, as in run.json)")
  .option("--run <dir>", "a chain run's folder (reads its exported chain log)")
  .option("--rpc-url <url>", "read from this JSON-RPC node instead (with --market)")
  .option("--market <address>", "the market contract on --rpc-url")
  .option("--json", "print one JSON document (every event, with block times and node names; wei as decimal strings) instead of the table")
  .action(async (opts: { task?: number; provider?: string; run?: string; rpcUrl?: string; market?: string; json?: boolean }) => {
    const { ledgerCommand } = await import("./ledger-command.js");
    await ledgerCommand(opts);
  });

program
  .command("audit")
  .description("Recompute the market's metrics of a chain run from chain events alone and compare them with its metrics.json.")
  .argument("<dir>", "the run's --out folder")
  .action(async (dir: string) => {
    const { auditCommand } = await import("./audit-command.js");
    process.exitCode = auditCommand(dir);
  });

program
  .command("serve")
  .description("Serve the HTTP API over a live market (a scenario's providers bidding, executing and failing, paced to the wall clock) on the embedded chain or --rpc-url.")
  .option("--scenario <name|file>", "the live market's scenario: its providers, market parameters, failures and workload", "steady")
  .option("--speed <x>", "virtual seconds per real second", parseSpeed, 1)
  .option("--no-workload", "post only the tasks that come through the API, not the scenario's workload")
  .option("--no-market", "no live market: the API posts into a bare market with no providers")
  .option("--port <n>", "TCP port (0 picks a free one)", parsePort, 3000)
  .option("--host <host>", "address to listen on", parseHost, "127.0.0.1")
  .option("--allowed-host <name>", "a host name the API answers besides the loopback names and --host (repeatable; any other Host header gets 421)", parseAllowedHost)
  .option("--rpc-url <url>", "an external EVM JSON-RPC node (default: the embedded chain)")
  .option("--registry <file>", "with --rpc-url: where deployments are remembered, to reuse the market after a restart", ".bidmesh/deployments.json")
  .addOption(
    new Option("--chain-timeout <duration>", "how long a request waits for the chain before it answers 503 (100ms to 60s)").argParser(parseChainTimeout).default(5_000, "5s"),
  )
  .option("--simulation-memory-mb <n>", "a background simulation's resident-memory limit in MB, its chain included (over it the run is killed and fails)", parseSimulationMemoryMb, 8192)
  .action(
    async (opts: {
      port: number;
      host: string;
      allowedHost?: string[];
      rpcUrl?: string;
      registry: string;
      scenario: string;
      speed: number;
      workload: boolean;
      market: boolean;
      chainTimeout: number;
      simulationMemoryMb: number;
    }) => {
      const { serve } = await import("../server/index.js");
      const { market, scenario, registry, allowedHost, chainTimeout, ...rest } = opts;
      await serve({ ...rest, allowedHosts: allowedHost, registryFile: registry, scenario: market ? scenario : undefined, chainTimeoutMs: chainTimeout });
    },
  );

program
  .command("scenarios")
  .description("List the built-in scenarios, or print one's YAML (to save, change and run with --scenario FILE).")
  .option("--show <name>", "print this built-in's YAML")
  .action(async (opts: { show?: string }) => {
    const { scenariosCommand } = await import("./scenarios-command.js");
    await scenariosCommand(opts);
  });

try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.exitCode = report(error);
}

/** Prints an error for a person and returns the exit code. */
function report(error: unknown): number {
  if (error instanceof CommanderError) {
    // Commander has already printed its message (and help for --help, exit 0).
    return error.exitCode === 0 ? 0 : 2;
  }
  if (error instanceof InputError) {
    console.error(`bidmesh: ${error.message}`);
    return 2;
  }
  console.error(`bidmesh: ${error instanceof Error ? error.message : String(error)}`);
  return 1;
}
