// Slow clients against a real listening server (loopback, port 0, embedded chain), over raw
// sockets: 50 authenticated POSTs that send their body one byte a second, and requests whose
// headers trickle in, are cut within the server's bounds (408, connection closed), nothing is
// posted; an event stream, whose request is complete at once, stays open well past the request
// bound and still delivers.
import { connect, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_HTTP_TIMEOUTS, httpServerOptions } from "../../server/http-timeouts.js";
import { serve, type RunningServer } from "../../server/index.js";
import { InputError } from "../../sim/input-error.js";

const TOKEN = "reliability-token-slow-0a1b2c3d";
/** Bounds of this test's server: short, so the test is quick. */
const REQUEST_MS = 2_000;
const HEADERS_MS = 1_000;
/** What the server may take beyond a bound: its check interval (a tenth of the bound) and scheduling. */
const SLACK_MS = 1_500;
const SLOW_CLIENTS = 50;

let running: RunningServer;
let port: number;

beforeAll(async () => {
  running = await serve({
    port: 0,
    host: "127.0.0.1",
    handleSignals: false,
    token: TOKEN,
    print: () => undefined,
    env: {},
    timeouts: { requestMs: REQUEST_MS, headersMs: HEADERS_MS },
  });
  port = Number(new URL(running.url).port);
}, 30_000);

afterAll(async () => {
  await running?.close();
});

interface RawClient {
  socket: Socket;
  /** Everything the server sent. */
  received(): string;
  /** Resolves with the ms from `start` when the server closes the connection. */
  closed: Promise<number>;
}

function rawClient(start: number): Promise<RawClient> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    let data = "";
    socket.setEncoding("utf8").on("data", (chunk: string) => (data += chunk));
    socket.on("error", () => undefined);
    const closed = new Promise<number>((done) => socket.once("close", () => done(Date.now() - start)));
    socket.once("connect", () => resolve({ socket, received: () => data, closed }));
    socket.once("error", reject);
  });
}

/** Writes `text` one byte every `everyMs` until the socket closes or the text is sent. */
function trickle(socket: Socket, text: string, everyMs: number): NodeJS.Timeout {
  let i = 0;
  const timer = setInterval(() => {
    if (socket.destroyed || i >= text.length) clearInterval(timer);
    else socket.write(text[i++]!);
  }, everyMs);
  socket.once("close", () => clearInterval(timer));
  return timer;
}

async function taskCount(): Promise<number> {
  return (await running.market.readEvents({ names: ["TaskPosted"] })).length;
}

describe("slow clients", () => {
  it(`${SLOW_CLIENTS} POSTs sending their body one byte a second are cut within the request bound, and post nothing`, async () => {
    const body = JSON.stringify({ size: 120, maxPrice: "0.01", deadlineBudget: 600, region: "any", mechanism: "first-price" });
    const head = [
      "POST /api/tasks HTTP/1.1",
      `Host: 127.0.0.1:${port}`,
      `Authorization: Bearer ${TOKEN}`,
      "Content-Type: application/json",
      `Content-Length: ${body.length}`,
      "",
      "",
    ].join("\r\n");
    const start = Date.now();
    const clients = await Promise.all(Array.from({ length: SLOW_CLIENTS }, () => rawClient(start)));
    for (const client of clients) {
      client.socket.write(head);
      trickle(client.socket, body, 1_000);
    }
    const closedAfter = await Promise.all(clients.map((c) => c.closed));
    for (const [i, ms] of closedAfter.entries()) {
      expect(ms, `client ${i}`).toBeLessThan(REQUEST_MS + SLACK_MS);
      expect(clients[i]!.received(), `client ${i}`).toMatch(/^(HTTP\/1\.1 408 |$)/);
    }
    expect(clients.some((c) => c.received().startsWith("HTTP/1.1 408 "))).toBe(true);
    expect(await taskCount()).toBe(0);
  }, 20_000);

  it("headers that trickle in are cut within the headers bound", async () => {
    const start = Date.now();
    const client = await rawClient(start);
    trickle(client.socket, "GET /api/health HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nX-Slow: " + "a".repeat(100) + "\r\n\r\n", 100);
    const ms = await client.closed;
    expect(ms).toBeLessThan(HEADERS_MS + SLACK_MS);
    expect(client.received()).toMatch(/^(HTTP\/1\.1 408 |$)/);
  }, 10_000);

  it("an event stream stays open past the request bound and still delivers", async () => {
    const client = await rawClient(Date.now());
    let closed = false;
    void client.closed.then(() => (closed = true));
    client.socket.write("GET /api/stream HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nAccept: text/event-stream\r\n\r\n");
    await new Promise((resolve) => setTimeout(resolve, 3 * REQUEST_MS));
    expect(closed).toBe(false);
    expect(client.received()).toMatch(/^HTTP\/1\.1 200 /);
    expect(client.received()).toContain("event: snapshot");

    const posted = await fetch(`${running.url}/api/tasks`, {
      method: "POST",
      headers: { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/json" },
      body: JSON.stringify({ size: 30, maxPrice: "0.01", deadlineBudget: 600, region: "any", mechanism: "first-price" }),
    });
    expect(posted.status).toBe(201);
    const deadline = Date.now() + 5_000;
    while (!client.received().includes('"name":"TaskPosted"') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(client.received()).toContain('"name":"TaskPosted"');
    expect(closed).toBe(false);
    client.socket.destroy();
  }, 20_000);
});

describe("the server's bounds", () => {
  it("are seconds by default and reach the listening server", () => {
    expect(httpServerOptions()).toMatchObject({ requestTimeout: 15_000, headersTimeout: 10_000, keepAliveTimeout: 5_000 });
    expect(DEFAULT_HTTP_TIMEOUTS.requestMs).toBeLessThanOrEqual(30_000);
    expect(running.server.requestTimeout).toBe(REQUEST_MS);
    expect(running.server.headersTimeout).toBe(HEADERS_MS);
    expect(running.server.keepAliveTimeout).toBe(DEFAULT_HTTP_TIMEOUTS.keepAliveMs);
  });

  it("refuse a bound that is not a positive whole number of ms, or headers above the request", () => {
    expect(() => httpServerOptions({ requestMs: 0 })).toThrow(InputError);
    expect(() => httpServerOptions({ requestMs: 1.5 })).toThrow(/timeouts\.requestMs/);
    expect(() => httpServerOptions({ requestMs: 1_000, headersMs: 2_000 })).toThrow(/timeouts\.headersMs.*must not be above/);
  });
});
