// Bad input to `bidmesh simulate`: exit 2, a plain message on stderr, no stack trace, and no
// output at all (no --out folder, no staging folder left beside it). Also: help and scenarios.
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadScenario } from "../../sim/scenario/load.js";
import { bidmesh, fixture, removeTempDirs, ROOT, STACK_LINE, tempDir } from "./e2e.js";

const BUILTINS = ["aws-us-east-1-2025-10-20", "azure-front-door-2025-10-29", "cloudflare-2025-11-18", "hidden-dependency", "steady"];

afterAll(removeTempDirs);

/**
 * Runs `bidmesh simulate ARGS --out PARENT/out` in a fresh, empty PARENT and checks the
 * common contract of bad input; returns stderr for the case's own checks.
 */
function rejects(args: string[]): string {
  const parent = tempDir("bad-input");
  const out = join(parent, "out");
  const run = bidmesh(["simulate", ...args, "--out", out]);
  expect(run.status, `exit code; stderr: ${run.stderr}`).toBe(2);
  expect(run.stderr).toMatch(/^bidmesh: \S/);
  expect(run.stderr).not.toMatch(STACK_LINE);
  expect(run.stdout).toBe("");
  expect(existsSync(out)).toBe(false);
  expect(readdirSync(parent).filter((name) => name.startsWith(".out.partial-"))).toEqual([]);
  expect(readdirSync(parent)).toEqual([]);
  return run.stderr;
}

describe("bidmesh simulate with bad input exits 2, says why, and writes nothing", () => {
  it("an unknown scenario name: the message lists the built-ins", () => {
    const stderr = rejects(["--scenario", "no-such-outage", "--ledger", "memory"]);
    expect(stderr).toContain('bidmesh: scenario: unknown built-in scenario "no-such-outage"');
    for (const name of BUILTINS) expect(stderr).toContain(name);
  });

  it("an invalid scenario file: the message names the field path (providers.0.capacity)", () => {
    const stderr = rejects(["--scenario", fixture("invalid-capacity.yaml"), "--ledger", "memory"]);
    expect(stderr).toContain("bidmesh: providers.0.capacity: must be at least 1, got 0");
  });

  it("a YAML syntax error: the message says so, with the file and the line", () => {
    const file = fixture("yaml-syntax-error.yaml");
    const stderr = rejects(["--scenario", file, "--ledger", "memory"]);
    expect(stderr).toContain(`bidmesh: scenario: YAML syntax error in ${file} at line 8, column 1:`);
  });

  it("--seed -1", () => {
    const stderr = rejects(["--scenario", "steady", "--ledger", "memory", "--seed", "-1"]);
    expect(stderr).toContain('bidmesh: seed: "-1" is not a whole number from 0 to 9007199254740991');
  });

  it("--ledger foo", () => {
    const stderr = rejects(["--scenario", "steady", "--ledger", "foo"]);
    expect(stderr).toContain('bidmesh: ledger: "foo" is not one of: chain, memory');
  });

  it("--rpc-url where no node answers (the run starts, then nothing is left behind)", () => {
    const stderr = rejects(["--scenario", fixture("small-outage.yaml"), "--rpc-url", "http://127.0.0.1:1"]);
    expect(stderr).toContain("bidmesh: rpc-url: cannot reach the JSON-RPC endpoint at http://127.0.0.1:1");
  });

  it("--rpc-url with --ledger memory", () => {
    const stderr = rejects(["--scenario", "steady", "--ledger", "memory", "--rpc-url", "http://127.0.0.1:8545"]);
    expect(stderr).toContain("bidmesh: rpc-url: only applies to --ledger chain");
  });
});

describe("bidmesh help and scenarios", () => {
  it("bidmesh --help exits 0 and lists the commands", () => {
    const run = bidmesh(["--help"]);
    expect(run.status).toBe(0);
    expect(run.stderr).toBe("");
    expect(run.stdout).toContain("Usage: bidmesh");
    for (const command of ["simulate", "ledger", "audit", "scenarios"]) expect(run.stdout).toMatch(new RegExp(`^\\s+${command}\\b`, "m"));
  });

  it("bidmesh simulate --help exits 0 and lists its options", () => {
    const run = bidmesh(["simulate", "--help"]);
    expect(run.status).toBe(0);
    expect(run.stderr).toBe("");
    expect(run.stdout).toContain("Usage: bidmesh simulate");
    for (const option of ["--scenario <name|file>", "--seed <n>", "--ledger <kind>", "--rpc-url <url>", "--out <dir>", "--force", "--no-progress", "-h, --help"]) {
      expect(run.stdout).toContain(option);
    }
    expect(run.stdout).toContain('(default: "chain")');
  });

  it("bidmesh scenarios lists the five built-ins with their descriptions", () => {
    const run = bidmesh(["scenarios"]);
    expect(run.status).toBe(0);
    expect(run.stderr).toBe("");
    const lines = run.stdout.trimEnd().split("\n");
    expect(lines.map((line) => line.split(/\s+/)[0])).toEqual(BUILTINS);
    for (const line of lines) expect(line.slice(30).trim().length).toBeGreaterThan(20);
  });
});

describe("bidmesh --version, scenarios --show, and the help of the newer options", () => {
  it("bidmesh --version (and -V) prints package.json's version and exits 0", () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string };
    for (const flag of ["--version", "-V"]) {
      const run = bidmesh([flag]);
      expect(run.status).toBe(0);
      expect(run.stderr).toBe("");
      expect(run.stdout).toBe(`${version}\n`);
    }
    expect(bidmesh(["--help"]).stdout).toContain("-V, --version");
  });

  it("bidmesh ledger --help lists --json and a node name for --provider; scenarios --help lists --show", () => {
    const ledger = bidmesh(["ledger", "--help"]);
    expect(ledger.status).toBe(0);
    expect(ledger.stdout).toContain("--json");
    expect(ledger.stdout).toContain("--provider <address|node>");
    const scenarios = bidmesh(["help", "scenarios"]);
    expect(scenarios.status).toBe(0);
    expect(scenarios.stdout).toContain("--show <name>");
  });

  it("bidmesh scenarios --show NAME prints each built-in's YAML, which validates when saved", () => {
    const dir = tempDir("show");
    for (const name of BUILTINS) {
      const run = bidmesh(["scenarios", "--show", name]);
      expect(run.status).toBe(0);
      expect(run.stderr).toBe("");
      const file = join(dir, `${name}.yaml`);
      writeFileSync(file, run.stdout);
      expect(loadScenario(file)).toEqual(loadScenario(name));
    }
  });

  it("a built-in's YAML saved from --show runs with --scenario FILE (memory ledger) exactly as the built-in does", () => {
    const dir = tempDir("show-run");
    const file = join(dir, "mine.yaml");
    writeFileSync(file, bidmesh(["scenarios", "--show", "aws-us-east-1-2025-10-20"]).stdout);
    const fromFile = bidmesh(["simulate", "--scenario", file, "--ledger", "memory", "--out", join(dir, "file")]);
    expect(fromFile.stderr).toBe("");
    expect(fromFile.status).toBe(0);
    const builtin = bidmesh(["simulate", "--scenario", "aws-us-east-1-2025-10-20", "--ledger", "memory", "--out", join(dir, "builtin")]);
    expect(builtin.status).toBe(0);
    expect(readFileSync(join(dir, "file/metrics.json"), "utf8")).toBe(readFileSync(join(dir, "builtin/metrics.json"), "utf8"));
  });

  it("bidmesh scenarios --show with an unknown name: exit 2, listing the built-ins", () => {
    const run = bidmesh(["scenarios", "--show", "no-such-outage"]);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toBe(`bidmesh: show: unknown built-in scenario "no-such-outage"; built-ins: ${BUILTINS.join(", ")}\n`);
  });
});
