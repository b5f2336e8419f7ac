// The bidmesh command line. Every command prints a plain message and exits 2 on bad input,
// 1 when a run fails; never a stack trace.
import { Command, CommanderError, Option } from "commander";
import { parseHost, parsePort, parseSimulationMemoryMb, parseSpeed } from "../../server/cli-options.js";
import { InputError } from "../input-error.js";
import { listBuiltinScenarios } from "../scenario/load.js";
import { auditCommand } from "./audit-command.js";
import { ledgerCommand } from "./ledger-command.js";
import { parseAddress, parseLedgerKind, parseSeed, parseTaskId } from "./options.js";
import { simulateCommand } from "./simulate-command.js";

const program = new Command()
  .name("bidmesh")
  .description("A decentralised compute market on an EVM chain, replaying the 2025 cloud outages against centralised and multi-cloud baselines.")
  .exitOverride()
  .showHelpAfterError(false);

program
  .command("simulate")
  .description("Run a scenario: the market (on chain or in memory) and both baselines on the same workload and failures.")
  .requiredOption("--scenario <name|file>", "a built-in scenario name (see `bidmesh scenarios`) or a YAML/JSON file")
  .option("--seed <n>", "override the scenario's seed", parseSeed)
  .addOption(new Option("--ledger <kind>", "where the market runs: chain (full fidelity) or memory (large sweeps)").default("chain").argParser(parseLedgerKind))
  .option("--rpc-url <url>", "an external EVM JSON-RPC node for --ledger chain (default: the embedded chain)")
  .option("--out <dir>", "output folder (default runs/<scenario>-<seed>)")
  .option("--no-progress", "no progress bar")
  .action(async (opts: { scenario: string; seed?: number; ledger: "chain" | "memory"; rpcUrl?: string; out?: string; progress: boolean }) => {
    await simulateCommand(opts);
  });

program
  .command("ledger")
  .description("Print a task's or a provider's on-chain history.")
  .option("--task <id>", "a task id", parseTaskId)
  .option("--provider <address>", "a provider address", parseAddress)
  .option("--run <dir>", "a chain run's folder (reads its exported chain log)")
  .option("--rpc-url <url>", "read from this JSON-RPC node instead (with --market)")
  .option("--market <address>", "the market contract on --rpc-url")
  .action(async (opts: { task?: bigint; provider?: string; run?: string; rpcUrl?: string; market?: string }) => {
    await ledgerCommand(opts);
  });

program
  .command("audit")
  .description("Recompute the market's metrics of a chain run from chain events alone and compare them with its metrics.json.")
  .argument("<dir>", "the run's --out folder")
  .action((dir: string) => {
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
  .option("--rpc-url <url>", "an external EVM JSON-RPC node (default: the embedded chain)")
  .option("--registry <file>", "with --rpc-url: where deployments are remembered, to reuse the market after a restart", ".bidmesh/deployments.json")
  .option("--simulation-memory-mb <n>", "a background simulation's resident-memory limit in MB, its chain included (over it the run is killed and fails)", parseSimulationMemoryMb, 8192)
  .action(async (opts: { port: number; host: string; rpcUrl?: string; registry: string; scenario: string; speed: number; workload: boolean; market: boolean; simulationMemoryMb: number }) => {
    // Loaded on demand: the other commands do not need express.
    const { serve } = await import("../../server/index.js");
    const { market, scenario, registry, ...rest } = opts;
    await serve({ ...rest, registryFile: registry, scenario: market ? scenario : undefined });
  });

program
  .command("scenarios")
  .description("List the built-in scenarios.")
  .action(() => {
    for (const s of listBuiltinScenarios()) console.log(`${s.name.padEnd(30)} ${s.description}`);
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
