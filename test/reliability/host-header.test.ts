// DNS rebinding: a page on evil.example that makes its name resolve to 127.0.0.1 reaches the
// server with `Host: evil.example:PORT`. The server answers only the names it listens on (the
// loopback names, the listen address unless a wildcard, and --allowed-host names) on its own
// port; every other Host gets 421 JSON on the API, the dashboard, the docs and the event stream.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { allowedHostNames } from "../../server/host-allowlist.js";
import { serve, type RunningServer } from "../../server/index.js";
import { ChainMarketService } from "../../server/market-service.js";
import { startServeProcess, type ServeProcess } from "./api-serve-process.js";

const TOKEN = "host-header-token-0a1b2c3d4e5f";
const BIDMESH = new URL("../../cli/bin/bidmesh.mjs", import.meta.url).pathname;

interface Answer {
  status: number;
  contentType: string;
  body: string;
}

/**
 * One request to `url` with this Host header (fetch cannot set Host). A stream's body never
 * ends: the answer is taken at its headers, then the connection is dropped.
 */
function send(url: string, path: string, host: string, options: { method?: string; body?: string; headers?: Record<string, string> } = {}): Promise<Answer> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ hostname, port, path, method: options.method ?? "GET", headers: { ...options.headers, host }, setHost: false }, (res) => {
      const contentType = res.headers["content-type"] ?? "";
      if (contentType.startsWith("text/event-stream")) {
        resolve({ status: res.statusCode!, contentType, body: "" });
        req.destroy();
        return;
      }
      let body = "";
      res.on("data", (chunk: Buffer) => (body += chunk.toString()));
      res.on("end", () => resolve({ status: res.statusCode!, contentType, body }));
    });
    req.on("error", reject);
    req.end(options.body);
  });
}

/** The API, a page, the docs and the stream: everything a rebinding page could read. */
const PATHS = ["/api/health", "/api/tasks", "/", "/js/main.js", "/docs", "/openapi.json", "/api/stream"];

function expectRefused(answer: Answer, host: string): void {
  expect(answer.status, `${host}: ${answer.body}`).toBe(421);
  expect(answer.contentType).toMatch(/^application\/json/);
  const body = JSON.parse(answer.body) as { error: string };
  expect(body.error).toContain(JSON.stringify(host));
  expect(body.error).toContain("--allowed-host");
}

describe("a server on 127.0.0.1 (the default)", () => {
  let running: RunningServer;
  let port: string;

  beforeAll(async () => {
    running = await serve({ port: 0, host: "127.0.0.1", handleSignals: false, token: TOKEN, print: () => undefined, env: {} });
    port = new URL(running.url).port;
  });

  afterAll(async () => {
    await running?.close();
  });

  it.each(PATHS)("refuses Host evil.example on %s with 421 JSON", async (path) => {
    expectRefused(await send(running.url, path, `evil.example:${port}`), `evil.example:${port}`);
  });

  it("refuses a Host that only looks like a loopback name, the wrong port, no port, an empty or a malformed Host", async () => {
    for (const host of [
      "evil.example",
      `127.0.0.1.evil.example:${port}`,
      `localhost.evil.example:${port}`,
      `evil.example:${port}@127.0.0.1`,
      `localhost:${Number(port) === 65_535 ? 1 : Number(port) + 1}`,
      "localhost",
      "127.0.0.1",
      "",
      `localhost:${port}:${port}`,
      `[::1:${port}`,
    ]) {
      expectRefused(await send(running.url, "/api/health", host), host);
    }
  });

  it("a refused post posts nothing, even with the token", async () => {
    const market = running.market as ChainMarketService;
    expect(market).toBeInstanceOf(ChainMarketService);
    const before = await market.chain.provider.getBlockNumber();
    const body = JSON.stringify({ size: 10, maxPrice: "0.01", deadlineBudget: 600, region: "any", mechanism: "first-price" });
    const answer = await send(running.url, "/api/tasks", `evil.example:${port}`, {
      method: "POST",
      body,
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) },
    });
    expectRefused(answer, `evil.example:${port}`);
    expect(await market.chain.provider.getBlockNumber()).toBe(before);
    expect(await market.readEvents({ names: ["TaskPosted"] })).toEqual([]);
  });

  it.each(["127.0.0.1", "localhost", "LocalHost", "[::1]", "localhost."])("answers Host %s on its own port", async (name) => {
    for (const path of PATHS) {
      const answer = await send(running.url, path, `${name}:${port}`);
      expect(answer.status, `${name}:${port} ${path}: ${answer.body.slice(0, 200)}`).toBe(200);
    }
  });
});

describe("the names a server answers", () => {
  it("are the loopback names, the listen address unless it is a wildcard, and the names added", () => {
    expect(allowedHostNames("127.0.0.1").sort()).toEqual(["127.0.0.1", "[::1]", "localhost"]);
    expect(allowedHostNames("0.0.0.0").sort()).toEqual(["127.0.0.1", "[::1]", "localhost"]);
    expect(allowedHostNames("::").sort()).toEqual(["127.0.0.1", "[::1]", "localhost"]);
    expect(allowedHostNames("192.168.1.5")).toContain("192.168.1.5");
    expect(allowedHostNames("fd00::5")).toContain("[fd00::5]");
    expect(allowedHostNames("0.0.0.0", ["Bidmesh.LAN", "10.0.0.7"])).toEqual(expect.arrayContaining(["bidmesh.lan", "10.0.0.7"]));
  });
});

describe("bidmesh serve --allowed-host", () => {
  let cwd: string;
  let server: ServeProcess;
  let port: string;

  beforeAll(async () => {
    cwd = mkdtempSync(join(tmpdir(), "bidmesh-host-"));
    server = await startServeProcess(["--no-market", "--allowed-host", "bidmesh.lan", "--allowed-host", "10.1.2.3"], { cwd, token: TOKEN });
    port = new URL(server.url).port;
  }, 90_000);

  afterAll(async () => {
    await server?.stop();
    rmSync(cwd, { recursive: true, force: true });
  });

  it("answers each added name and the loopback names, and refuses any other", async () => {
    for (const host of [`bidmesh.lan:${port}`, `BIDMESH.lan:${port}`, `10.1.2.3:${port}`, `127.0.0.1:${port}`]) {
      expect((await send(server.url, "/api/health", host)).status, host).toBe(200);
    }
    for (const host of [`evil.example:${port}`, `other.lan:${port}`, `bidmesh.lan.evil.example:${port}`]) {
      expectRefused(await send(server.url, "/api/health", host), host);
      expectRefused(await send(server.url, "/", host), host);
    }
  });

  it.each(["http://bidmesh.lan", "bidmesh.lan:8080", "bid mesh", "", "-x"])("refuses --allowed-host %j with exit 2 and one line", (value) => {
    const result = spawnSync(process.execPath, [BIDMESH, "serve", "--no-market", "--allowed-host", value, "--port", "0"], { encoding: "utf8", timeout: 30_000 });
    expect(result.status, result.stderr).toBe(2);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toMatch(/allowed-host/);
  });
});
