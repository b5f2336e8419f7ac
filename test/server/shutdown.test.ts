import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { alive, simulationChildPids } from "./processes.js";

// `bidmesh serve` as a person runs it, in a child process on a free loopback port: the token it
// prints, then SIGTERM while a request is in flight.

const root = new URL("../../", import.meta.url).pathname;
const CLI = `${root}cli/bin/bidmesh.mjs`;
/** With this set, test/helpers/slow-requests.mjs (loaded into the child) makes every request wait. */
const DELAY_MS = 1_500;
const SLOW_REQUESTS = new URL("../helpers/slow-requests.mjs", import.meta.url).href;

const children: ChildProcessWithoutNullStreams[] = [];

afterAll(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
});

/** Starts the server and resolves once it printed its address. */
async function startServer(env: NodeJS.ProcessEnv): Promise<{ child: ChildProcessWithoutNullStreams; url: string; stdout: () => string; stderr: () => string; exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }> }> {
  const child = spawn(process.execPath, ["--import", SLOW_REQUESTS, CLI, "serve", "--port", "0", "--host", "127.0.0.1"], { cwd: root, env, stdio: "pipe" });
  children.push(child);
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not start in 30 s\nstdout: ${stdout}\nstderr: ${stderr}`)), 30_000);
    const check = () => {
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout);
      if (match !== null) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout.on("data", check);
    void exit.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`the server exited with ${code} before listening\nstdout: ${stdout}\nstderr: ${stderr}`));
    });
  });
  return { child, url, stdout: () => stdout, stderr: () => stderr, exit };
}

describe("bidmesh serve", () => {
  it("prints a generated token once; on SIGTERM finishes the request in flight, then exits 0", async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, BIDMESH_TEST_RESPONSE_DELAY_MS: String(DELAY_MS) };
    delete env["BIDMESH_API_TOKEN"];
    delete env["NODE_OPTIONS"]; // vitest's own hooks have no place in the child
    const server = await startServer(env);

    const token = /API token \(generated[^)]*\): (\S+)/.exec(server.stdout())?.[1];
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(server.stdout().split(token!).length - 1).toBe(1);

    // The printed token works; another does not.
    const body = JSON.stringify({ size: 10, maxPrice: "0.001", deadlineBudget: 60, region: "any", mechanism: "first-price" });
    const post = (auth: string) => fetch(`${server.url}/api/tasks`, { method: "POST", headers: { Authorization: auth, "Content-Type": "application/json" }, body });
    const [ok, refused] = await Promise.all([post(`Bearer ${token}`), post("Bearer not-the-token")]);
    expect(ok.status).toBe(201);
    expect(refused.status).toBe(401);

    // A slow request in flight, then SIGTERM.
    const sentAt = Date.now();
    const inFlight = fetch(`${server.url}/api/tasks/1`);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(server.child.kill("SIGTERM")).toBe(true);
    let exitedAt = 0;
    void server.exit.then(() => (exitedAt = Date.now()));

    const res = await inFlight;
    const answeredAt = Date.now();
    expect(res.status).toBe(200);
    expect(((await res.json()) as { taskId: number }).taskId).toBe(1);
    expect(answeredAt - sentAt).toBeGreaterThanOrEqual(DELAY_MS - 50);

    const { code, signal } = await server.exit;
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(exitedAt).toBeGreaterThanOrEqual(answeredAt - 50);
    expect(server.stdout()).toMatch(/SIGTERM: finishing requests in flight/);
    // Nothing listens any more.
    await expect(fetch(`${server.url}/api/health`)).rejects.toThrow();
  });

  it.skipIf(!existsSync("/proc/self/status"))(
    "SIGTERM with a chain simulation running and a request that never ends: the run's process is killed at once, its temp folder removed, and the server exits within its 10 s bound",
    { timeout: 120_000 },
    async () => {
      const token = "shutdown-test-token-0123456789";
      const env: NodeJS.ProcessEnv = { ...process.env, BIDMESH_API_TOKEN: token };
      delete env["NODE_OPTIONS"];
      delete env["BIDMESH_TEST_RESPONSE_DELAY_MS"];
      const server = await startServer(env);
      const headers = { Authorization: `Bearer ${token}`, "Content-Type": "application/json" };
      const { id } = (await (await fetch(`${server.url}/api/simulations`, { method: "POST", headers, body: JSON.stringify({ scenario: "steady" }) })).json()) as { id: string };
      let runs: number[] = [];
      const deadline = Date.now() + 60_000;
      while (runs.length === 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        runs = simulationChildPids(server.child.pid!);
      }
      expect(runs).toHaveLength(1);
      const folder = readdirSync(tmpdir())
        .map((name) => join(tmpdir(), name))
        .find((dir) => dir.includes("bidmesh-simulations-") && existsSync(join(dir, id)));
      expect(folder).toBeDefined();

      // A request whose body never comes: server.close() waits for it.
      const { port } = new URL(server.url);
      const socket = connect(Number(port), "127.0.0.1");
      await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
      socket.on("error", () => undefined);
      socket.write(`POST /api/tasks HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{`);
      await new Promise((resolve) => setTimeout(resolve, 300));

      const signalledAt = Date.now();
      server.child.kill("SIGTERM");
      // The run is killed alongside server.close(), not after it: the hung request does not keep its chain alive.
      while (alive(runs[0]!) && Date.now() - signalledAt < 5_000) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(alive(runs[0]!), "the run's process 5 s after SIGTERM").toBe(false);
      while (existsSync(folder!) && Date.now() - signalledAt < 5_000) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(existsSync(folder!), "the results folder 5 s after SIGTERM").toBe(false);
      const { code } = await server.exit;
      const tookMs = Date.now() - signalledAt;
      socket.destroy();
      // 0 if the request was ended (a request timeout), else 1 from the forced exit at 10 s.
      expect([0, 1]).toContain(code);
      if (code === 1) expect(server.stderr()).toMatch(/requests still in flight after 10000 ms; exiting/);
      expect(tookMs).toBeLessThan(13_000);
    },
  );

  it("bad options exit 2 with a message, and no server starts", () => {
    for (const [args, field] of [
      [["--port", "70000"], "port"],
      [["--port", "http"], "port"],
      [["--host", "bad host!"], "host"],
      // Port 1 on loopback: nothing answers there, and the refusal is immediate.
      [["--port", "0", "--rpc-url", "http://127.0.0.1:1"], "rpc-url"],
    ] as const) {
      const result = spawnSync(process.execPath, [CLI, "serve", ...args], { cwd: root, encoding: "utf8", timeout: 30_000 });
      expect(result.status, result.stderr).toBe(2);
      expect(result.stderr).toMatch(new RegExp(`^bidmesh: ${field}: `));
      expect(result.stderr).not.toMatch(/\bat .+\(/);
    }
  });

  it("a weak BIDMESH_API_TOKEN exits 2 naming the variable", () => {
    const result = spawnSync(process.execPath, [CLI, "serve", "--port", "0"], {
      cwd: root,
      encoding: "utf8",
      timeout: 30_000,
      env: { ...process.env, BIDMESH_API_TOKEN: "short" },
    });
    expect(result.status, result.stderr).toBe(2);
    expect(result.stderr).toMatch(/^bidmesh: BIDMESH_API_TOKEN: must be at least 16/);
  });
});
