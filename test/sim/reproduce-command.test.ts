// The report's "command" line reproduces the run: for a scenario file it points at the copy in
// the run folder (the file may have moved or changed since), for a built-in at its name. Each
// case runs the printed command, as a person would paste it, and gets the same metrics.json.
import { spawnSync } from "node:child_process";
import { copyFileSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { fixture, removeTempDirs, ROOT, tempDir } from "./e2e.js";

const BIDMESH = join(ROOT, "cli/bin/bidmesh.mjs");

afterAll(removeTempDirs);

function bidmeshIn(cwd: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [BIDMESH, ...args], { cwd, encoding: "utf8", timeout: 120_000 });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** The command shown in a run's report.html, unescaped. */
function reportCommand(runDir: string): string {
  const html = readFileSync(join(runDir, "report.html"), "utf8");
  const match = /<dt>command<\/dt>\s*<dd><code>([^<]+)<\/code>/.exec(html);
  expect(match, "report.html shows the command").not.toBeNull();
  return match![1]!.replaceAll("&amp;", "&").replaceAll("&lt;", "<").replaceAll("&gt;", ">").replaceAll("&quot;", '"').replaceAll("&#39;", "'");
}

/** Runs a printed `bidmesh …` command through the shell in `cwd`, writing to `out`. */
function runPrinted(cwd: string, command: string, out: string): { status: number | null; stderr: string } {
  expect(command).toMatch(/^bidmesh simulate /);
  const run = spawnSync("sh", ["-c", `"$0" "$1" ${command.slice("bidmesh ".length)} --out "$2"`, process.execPath, BIDMESH, out], { cwd, encoding: "utf8", timeout: 120_000 });
  return { status: run.status, stderr: run.stderr };
}

describe("the report's reproduce command runs", () => {
  it("for a scenario file: it names the copy in the run folder, and still works after the original is gone", () => {
    const cwd = tempDir("reproduce");
    copyFileSync(fixture("small-outage.yaml"), join(cwd, "my outage.yaml"));
    const first = bidmeshIn(cwd, ["simulate", "--scenario", "my outage.yaml", "--ledger", "memory", "--seed", "11", "--out", "runs/first"]);
    expect(first.stderr).toBe("");
    expect(first.status).toBe(0);
    const command = reportCommand(join(cwd, "runs/first"));
    expect(command).toBe("bidmesh simulate --scenario runs/first/scenario.yaml --seed 11 --ledger memory");
    rmSync(join(cwd, "my outage.yaml"));

    const again = runPrinted(cwd, command, "runs/again");
    expect(again.stderr).toBe("");
    expect(again.status).toBe(0);
    expect(readFileSync(join(cwd, "runs/again/metrics.json"), "utf8")).toBe(readFileSync(join(cwd, "runs/first/metrics.json"), "utf8"));
  });

  it("for a run folder whose path needs quoting: the command quotes it", () => {
    const cwd = tempDir("reproduce");
    const first = bidmeshIn(cwd, ["simulate", "--scenario", fixture("small-outage.yaml"), "--ledger", "memory", "--out", "it's here"]);
    expect(first.status).toBe(0);
    const command = reportCommand(join(cwd, "it's here"));
    expect(command).toBe(`bidmesh simulate --scenario 'it'\\''s here/scenario.yaml' --seed 7 --ledger memory`);
    const again = runPrinted(cwd, command, "again");
    expect(again.status).toBe(0);
    expect(readFileSync(join(cwd, "again/metrics.json"), "utf8")).toBe(readFileSync(join(cwd, "it's here/metrics.json"), "utf8"));
  });

  it("for a built-in: it names the built-in", () => {
    const cwd = tempDir("reproduce");
    const first = bidmeshIn(cwd, ["simulate", "--scenario", "steady", "--ledger", "memory", "--seed", "3", "--out", "first"]);
    expect(first.status).toBe(0);
    const command = reportCommand(join(cwd, "first"));
    expect(command).toBe("bidmesh simulate --scenario steady --seed 3 --ledger memory");
    const again = runPrinted(cwd, command, "again");
    expect(again.status).toBe(0);
    expect(readFileSync(join(cwd, "again/metrics.json"), "utf8")).toBe(readFileSync(join(cwd, "first/metrics.json"), "utf8"));
  });
});
