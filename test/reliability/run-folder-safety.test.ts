// `bidmesh simulate --out DIR` never deletes or replaces what it did not create. An existing
// non-empty folder, the current folder, a file: refused with exit 2 and one line, nothing
// touched. `--force` replaces only a previous run's folder, by renames beside it. A parent that
// is a file or cannot be written: exit 2, one line naming the path. Ctrl-C in the middle of a
// run leaves nothing behind: no `.NAME.partial-*` folder, no parent folder the run created.
// Every case runs the real CLI (cli/bin/bidmesh.mjs), in a temporary working folder.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { fixture, removeTempDirs, ROOT, STACK_LINE, tempDir } from "../sim/e2e.js";

const BIDMESH = join(ROOT, "cli/bin/bidmesh.mjs");
/** About 40 tasks on the memory ledger: a run takes a second or two. */
const SMALL = fixture("small-outage.yaml");

afterAll(removeTempDirs);

/** Runs `bidmesh ARGS` in `cwd`, as a user in that folder would. */
function bidmeshIn(cwd: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [BIDMESH, ...args], { cwd, encoding: "utf8", timeout: 120_000 });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** Every path under `dir` with its content (files) or `<dir>`: what "nothing touched" compares. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (path: string) => {
    for (const name of readdirSync(path).sort()) {
      const full = join(path, name);
      const stat = lstatSync(full);
      out[relative(dir, full)] = stat.isDirectory() ? "<dir>" : readFileSync(full, "utf8");
      if (stat.isDirectory()) walk(full);
    }
  };
  walk(dir);
  return out;
}

/** The refusal contract: exit 2, exactly one line `bidmesh: out: …` on stderr, nothing on stdout. */
function expectRefused(run: { status: number | null; stdout: string; stderr: string }): string {
  expect(run.status, `exit code; stderr: ${run.stderr}`).toBe(2);
  expect(run.stderr).toMatch(/^bidmesh: out: [^\n]+\n$/);
  expect(run.stderr).not.toMatch(STACK_LINE);
  expect(run.stdout).toBe("");
  return run.stderr;
}

/** A working folder holding the user's files: `victim/precious.txt`, `victim/sub/notes.md`, `afile.txt`. */
function userFolder(): string {
  const cwd = tempDir("run-folder-safety");
  mkdirSync(join(cwd, "victim/sub"), { recursive: true });
  writeFileSync(join(cwd, "victim/precious.txt"), "years of work\n");
  writeFileSync(join(cwd, "victim/sub/notes.md"), "# notes\n");
  writeFileSync(join(cwd, "afile.txt"), "a file, not a folder\n");
  return cwd;
}

const simulate = (cwd: string, out: string, ...extra: string[]) => bidmeshIn(cwd, ["simulate", "--scenario", SMALL, "--ledger", "memory", "--out", out, ...extra]);

describe("bidmesh simulate --out refuses what it did not create, and touches nothing", () => {
  it("an existing folder with the user's files (precious.txt and a subfolder): exit 2, every file still there", () => {
    const cwd = userFolder();
    const before = snapshot(cwd);
    expect(expectRefused(simulate(cwd, "victim"))).toContain("bidmesh: out: victim exists and is not empty; give a new folder, or --force");
    expect(snapshot(cwd)).toEqual(before);
  });

  it("the same folder with --force: refused too, it is not a previous run (no run.json)", () => {
    const cwd = userFolder();
    const before = snapshot(cwd);
    expect(expectRefused(simulate(cwd, "victim", "--force"))).toContain("victim is not a bidmesh run folder (no readable run.json)");
    expect(snapshot(cwd)).toEqual(before);
  });

  it("--out . (the working folder) and --out .. are refused, with or without --force", () => {
    const cwd = userFolder();
    const before = snapshot(cwd);
    for (const out of [".", "..", cwd]) {
      for (const force of [[], ["--force"]]) {
        expect(expectRefused(simulate(join(cwd, "victim"), out, ...force))).toContain("is the current folder or one of its parents");
      }
    }
    expect(expectRefused(simulate(cwd, "."))).toContain("bidmesh: out: . is the current folder or one of its parents");
    expect(snapshot(cwd)).toEqual(before);
  });

  it("--out . inside a previous run's folder, with --force: refused (the working folder is never renamed)", () => {
    const cwd = tempDir("run-folder-safety");
    expect(simulate(cwd, "run").status).toBe(0);
    const before = snapshot(cwd);
    expect(expectRefused(simulate(join(cwd, "run"), ".", "--force"))).toContain("is the current folder");
    expect(snapshot(cwd)).toEqual(before);
  });

  it("--out afile.txt (a file): exit 2, the file is still a file with its content, with or without --force", () => {
    const cwd = userFolder();
    const before = snapshot(cwd);
    expect(expectRefused(simulate(cwd, "afile.txt"))).toContain("bidmesh: out: afile.txt is a file, not a folder");
    expect(expectRefused(simulate(cwd, "afile.txt", "--force"))).toContain("afile.txt is a file, not a folder");
    expect(snapshot(cwd)).toEqual(before);
  });

  it("--out under a file (afile.txt/run): exit 2, one line naming afile.txt, not a raw ENOTDIR", () => {
    const cwd = userFolder();
    const before = snapshot(cwd);
    const stderr = expectRefused(simulate(cwd, "afile.txt/deeper/run"));
    expect(stderr).toContain(`bidmesh: out: cannot create afile.txt/deeper/run: ${join(cwd, "afile.txt")} is a file, not a folder`);
    expect(stderr).not.toMatch(/ENOTDIR|EEXIST|ENOENT|mkdtemp/);
    expect(snapshot(cwd)).toEqual(before);
  });

  // Root writes anywhere chmod allows nothing: a parent where even root cannot create a folder
  // is a kernel file system. sysfs refuses mkdir (EPERM), as a read-only mount would (EROFS).
  const sysRefusesMkdir = (() => {
    try {
      rmSync(mkdtempSync("/sys/bidmesh-probe-"), { recursive: true });
      return false;
    } catch {
      return existsSync("/sys") && statSync("/sys").isDirectory();
    }
  })();

  it.skipIf(!sysRefusesMkdir)("--out in a folder that cannot be written (/sys): exit 2, one line naming the folder, not a raw errno", () => {
    const cwd = tempDir("run-folder-safety");
    const direct = expectRefused(simulate(cwd, "/sys/bidmesh-run"));
    expect(direct).toMatch(/^bidmesh: out: cannot write in \/sys: /);
    expect(direct).not.toMatch(/EPERM|EROFS|EACCES|mkdtemp/);
    const nested = expectRefused(simulate(cwd, "/sys/bidmesh-a/b/run"));
    expect(nested).toMatch(/^bidmesh: out: cannot create \/sys\/bidmesh-a\/b: /);
    expect(existsSync("/sys/bidmesh-a")).toBe(false);
    expect(readdirSync(cwd)).toEqual([]);
  });

  it.skipIf(process.getuid?.() === 0)("--out in a folder without write permission (chmod 555, as a non-root user): exit 2, one line naming it", () => {
    const cwd = tempDir("run-folder-safety");
    mkdirSync(join(cwd, "locked"), { mode: 0o555 });
    expect(expectRefused(simulate(cwd, "locked/run"))).toMatch(/^bidmesh: out: cannot write in locked: permission denied/);
    expect(readdirSync(join(cwd, "locked"))).toEqual([]);
  });

  it("an empty existing folder is used as is, without --force", () => {
    const cwd = tempDir("run-folder-safety");
    mkdirSync(join(cwd, "empty"));
    const run = simulate(cwd, "empty");
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(readdirSync(join(cwd, "empty")).sort()).toEqual(["metrics.json", "report.html", "run.json", "scenario.yaml", "trace.jsonl"]);
    expect(readdirSync(cwd)).toEqual(["empty"]);
  });
});

describe("bidmesh simulate --force replaces a previous run, and only that", () => {
  const seedOf = (dir: string) => (JSON.parse(readFileSync(join(dir, "run.json"), "utf8")) as { scenario: { seed: number } }).scenario.seed;

  it("over a previous run: refused without --force; replaced with it, nothing else left beside it", () => {
    const cwd = tempDir("run-folder-safety");
    expect(simulate(cwd, "run").status).toBe(0);
    const first = snapshot(cwd);
    expect(seedOf(join(cwd, "run"))).toBe(7);

    expect(expectRefused(simulate(cwd, "run", "--seed", "8"))).toContain("run exists and is not empty; give a new folder, or --force");
    expect(snapshot(cwd)).toEqual(first);

    const forced = simulate(cwd, "run", "--seed", "8", "--force");
    expect(forced.stderr).toBe("");
    expect(forced.status).toBe(0);
    expect(seedOf(join(cwd, "run"))).toBe(8);
    expect(readdirSync(cwd)).toEqual(["run"]); // no .run.partial-* or .run.replaced-* left
    expect(readdirSync(join(cwd, "run")).sort()).toEqual(["metrics.json", "report.html", "run.json", "scenario.yaml", "trace.jsonl"]);
  });

  it("over a previous run to which the user added a file: refused, the file and the run kept", () => {
    const cwd = tempDir("run-folder-safety");
    expect(simulate(cwd, "run").status).toBe(0);
    writeFileSync(join(cwd, "run/my-notes.txt"), "what I saw\n");
    const before = snapshot(cwd);
    expect(expectRefused(simulate(cwd, "run", "--force"))).toContain("run holds what a bidmesh run does not write (my-notes.txt)");
    expect(snapshot(cwd)).toEqual(before);
  });

  it("the default folder (runs/<scenario>-<seed>) replaces a previous run of the same scenario and seed, so a run can be repeated", () => {
    const cwd = tempDir("run-folder-safety");
    for (let i = 0; i < 2; i += 1) {
      const run = bidmeshIn(cwd, ["simulate", "--scenario", SMALL, "--ledger", "memory"]);
      expect(run.stderr).toBe("");
      expect(run.status).toBe(0);
    }
    expect(readdirSync(join(cwd, "runs"))).toEqual(["small-outage-7"]);
    writeFileSync(join(cwd, "runs/small-outage-7/mine.txt"), "kept\n");
    expectRefused(bidmeshIn(cwd, ["simulate", "--scenario", SMALL, "--ledger", "memory"]));
    expect(readFileSync(join(cwd, "runs/small-outage-7/mine.txt"), "utf8")).toBe("kept\n");
  });
});

describe("a run that fails or is interrupted leaves nothing behind", () => {
  /** The small fixture stretched to 10 simulated days: a memory run of several seconds. */
  function longScenario(dir: string): string {
    const path = join(dir, "long.yaml");
    writeFileSync(path, readFileSync(SMALL, "utf8").replace(/^duration: 20m$/m, "duration: 240h"));
    return path;
  }

  /**
   * Starts `bidmesh simulate ARGS --out PARENT/a/b/out` and sends `signal` once `ready(staging)`
   * holds for the run's staging folder `PARENT/a/b/.out.partial-*`; resolves with the exit.
   */
  async function interrupt(cwd: string, args: string[], out: string, ready: (staging: string) => boolean, signal: NodeJS.Signals = "SIGINT"): Promise<{ code: number | null; stderr: string; sawStaging: boolean }> {
    const child = spawn(process.execPath, [BIDMESH, "simulate", ...args, "--out", out], { cwd, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    let sawStaging = false;
    let done = false;
    void exited.then(() => (done = true));
    const parent = join(cwd, out, "..");
    while (!done) {
      const staging = existsSync(parent) ? readdirSync(parent).find((name) => name.startsWith(".out.partial-")) : undefined;
      if (staging !== undefined && ready(join(parent, staging))) {
        sawStaging = true;
        child.kill(signal);
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return { code: await exited, stderr, sawStaging };
  }

  const traceStarted = (staging: string) => {
    try {
      return statSync(join(staging, "trace.jsonl")).size > 0;
    } catch {
      return false;
    }
  };

  it("SIGINT in the middle of a memory run: exit 130, no .out.partial-* folder, no parent folder it created", async () => {
    const cwd = tempDir("run-folder-safety");
    const scenario = longScenario(cwd);
    const run = await interrupt(cwd, ["--scenario", scenario, "--ledger", "memory"], "made/by/run/out", traceStarted);
    expect(run.sawStaging, "the run was interrupted while writing its trace").toBe(true);
    expect(run.code).toBe(130);
    expect(run.stderr).toBe("bidmesh: interrupted (SIGINT); the run was stopped and nothing was written\n");
    expect(readdirSync(cwd)).toEqual(["long.yaml"]);
  });

  it("SIGTERM (kill) in the middle of a run: exit 143, nothing left", async () => {
    const cwd = tempDir("run-folder-safety");
    const scenario = longScenario(cwd);
    const run = await interrupt(cwd, ["--scenario", scenario, "--ledger", "memory"], "made/out", traceStarted, "SIGTERM");
    expect(run.sawStaging).toBe(true);
    expect(run.code).toBe(143);
    expect(run.stderr).toBe("bidmesh: interrupted (SIGTERM); the run was stopped and nothing was written\n");
    expect(readdirSync(cwd)).toEqual(["long.yaml"]);
  });

  it("SIGINT in the middle of a chain run (after its first block): exit 130, nothing left", async () => {
    const cwd = tempDir("run-folder-safety");
    const run = await interrupt(cwd, ["--scenario", "aws-us-east-1-2025-10-20"], "made/out", (staging) => existsSync(join(staging, "chain-log.jsonl")));
    expect(run.sawStaging, "the run was interrupted after its first block").toBe(true);
    expect(run.code).toBe(130);
    expect(run.stderr).not.toMatch(STACK_LINE);
    expect(readdirSync(cwd)).toEqual([]);
  });

  it("SIGINT during a --force run over a previous run: the previous run is kept whole", async () => {
    const cwd = tempDir("run-folder-safety");
    const scenario = longScenario(cwd);
    expect(simulate(cwd, "out").status).toBe(0);
    const before = snapshot(cwd);
    const run = await interrupt(cwd, ["--scenario", scenario, "--ledger", "memory", "--force"], "out", traceStarted);
    expect(run.sawStaging).toBe(true);
    expect(run.code).toBe(130);
    expect(snapshot(cwd)).toEqual(before);
  });

  it("a run that fails (no node at --rpc-url) removes the parent folders it created", () => {
    const cwd = tempDir("run-folder-safety");
    const run = bidmeshIn(cwd, ["simulate", "--scenario", SMALL, "--rpc-url", "http://127.0.0.1:1", "--out", "new/parent/out"]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("cannot reach the JSON-RPC endpoint");
    expect(readdirSync(cwd)).toEqual([]);
  });

  it("a parent folder that existed before the run is kept, with what the user had in it", () => {
    const cwd = userFolder();
    const before = snapshot(cwd);
    const run = bidmeshIn(cwd, ["simulate", "--scenario", SMALL, "--rpc-url", "http://127.0.0.1:1", "--out", "victim/sub/out"]);
    expect(run.status).toBe(2);
    expect(snapshot(cwd)).toEqual(before);
  });
});
