// CLI start-up: `bidmesh --help` and `bidmesh scenarios` through the bin (which runs the compiled
// build/), next to a bare `node -e 0` and to the same commands through tsx (the bin before the
// build, and its fallback while build/ is stale), measured in one run, interleaved.
import { spawnSync } from "node:child_process";
import { buildIsCurrent } from "../../scripts/build-layout.mjs";

const ROOT = new URL("../../", import.meta.url).pathname;
const BIN = `${ROOT}cli/bin/bidmesh.mjs`;
const TSX_BIN = `${ROOT}test/bench/cli-start-tsx.mjs`;
const RUNS = 9;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Wall ms of one `node ARGS`, from spawn to exit; the output, to check both paths print the same. */
function timeNode(args: string[]): { ms: number; stdout: string } {
  const start = performance.now();
  const run = spawnSync(process.execPath, args, { cwd: ROOT, encoding: "utf8", timeout: 60_000 });
  const ms = performance.now() - start;
  if (run.status !== 0) throw new Error(`node ${args.join(" ")} exited ${run.status}: ${run.stderr}`);
  return { ms, stdout: run.stdout };
}

/** Median start-up ms of each command (of RUNS runs, interleaved so that load on the machine hits all alike). */
export async function benchCliStart(): Promise<Record<string, number>> {
  let built = 0;
  if (!buildIsCurrent()) {
    // The compiled path needs a build of the sources as they are; the bin would fall back to tsx.
    const build = spawnSync(process.execPath, [`${ROOT}scripts/build-ts.mjs`], { cwd: ROOT, stdio: "inherit" });
    if (build.status !== 0 || !buildIsCurrent()) throw new Error("cli start-up: the build failed");
    built = 1;
  }
  const commands = {
    node: ["-e", "0"],
    help: [BIN, "--help"],
    scenarios: [BIN, "scenarios"],
    tsxHelp: [TSX_BIN, "--help"],
    tsxScenarios: [TSX_BIN, "scenarios"],
  };
  const times: Record<keyof typeof commands, number[]> = { node: [], help: [], scenarios: [], tsxHelp: [], tsxScenarios: [] };
  const outputs: Partial<Record<keyof typeof commands, string>> = {};
  for (let i = 0; i < RUNS; i += 1) {
    for (const [name, args] of Object.entries(commands) as Array<[keyof typeof commands, string[]]>) {
      const { ms, stdout } = timeNode(args);
      times[name].push(ms);
      outputs[name] = stdout;
    }
  }
  if (outputs.help !== outputs.tsxHelp || outputs.scenarios !== outputs.tsxScenarios) {
    throw new Error("cli start-up: the compiled CLI and the TypeScript sources print different output");
  }
  return {
    cliStartRuns: RUNS,
    cliStartBuilt: built,
    cliStartNodeMs: median(times.node),
    cliStartHelpMs: median(times.help),
    cliStartScenariosMs: median(times.scenarios),
    cliStartTsxHelpMs: median(times.tsxHelp),
    cliStartTsxScenariosMs: median(times.tsxScenarios),
  };
}
