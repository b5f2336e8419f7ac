// The API while its chain hangs, dies and comes back: `bidmesh serve --rpc-url` (a child process,
// a live market with its workload) over anvil, which the test stops (SIGSTOP: the node keeps its
// connections open and answers nothing), resumes (SIGCONT), kills (SIGKILL) and restarts on its
// state file (dumped every second). Requests answer 503 within the chain deadline, never 500
// and never after minutes; health says the chain is unreachable within its own short deadline;
// the live market comes back by itself, resumed from the chain, and the event stream says so.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseChainTimeout } from "../../cli/serve-options.js";
import { openSse, type SseEvent, type SseStream } from "../server/sse-client.js";
import { bidmesh } from "../sim/e2e.js";
import { startAnvil, type Anvil } from "./anvil.js";
import { startServeProcess, type ServeProcess } from "./api-serve-process.js";

const TOKEN = "reliability-token-chain-faults-0a1b";
const AUTH = { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/json" };
const SCENARIO = new URL("../server/fixtures/live-regions.yaml", import.meta.url).pathname;
/** `--chain-timeout`: every request's chain work gets this long. */
const DEADLINE_MS = 2_000;
/** What a loaded machine may add to a deadline before the answer is out. */
const SLACK_MS = 1_500;
const TASK = { size: 30, maxPrice: "0.01", deadlineBudget: 300, region: "any", mechanism: "first-price" };

let dir: string;
let anvil: Anvil;
let server: ServeProcess;
let stream: SseStream;
/** Every `chain` event the stream carried, in order. */
const chainEvents: Array<{ state: string; market: string; reconnects: number }> = [];

/** SIGCONT, for a node a failed test may have left stopped; one that has exited is left alone. */
function resume(node: Anvil): void {
  try {
    process.kill(node.pid, "SIGCONT");
  } catch {
    // already gone
  }
}

interface Timed {
  status: number;
  body: unknown;
  text: string;
  ms: number;
}

/** A request, with how long its answer took. */
async function timed(path: string, init: RequestInit = {}): Promise<Timed> {
  const started = performance.now();
  const res = await fetch(`${server.url}${path}`, { ...init, signal: AbortSignal.timeout(60_000) });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text) as unknown;
  } catch {
    // /metrics is text
  }
  return { status: res.status, body, text, ms: performance.now() - started };
}

/** Posts answered 201, and posts answered 503 saying they may still land. */
const posts = { accepted: 0, mayLand: 0 };

async function post(): Promise<Timed> {
  const answer = await timed("/api/tasks", { method: "POST", headers: AUTH, body: JSON.stringify(TASK) });
  if (answer.status === 201) posts.accepted += 1;
  if (answer.status === 503 && /may still be posted/.test((answer.body as { error: string }).error)) posts.mayLand += 1;
  return answer;
}

interface Health {
  status: string;
  chain: { reachable: boolean; timeoutMs: number };
  market: {
    state: string;
    running: boolean;
    reason: string | null;
    reconnects: number;
    error: string | null;
    virtualTime: number;
    workload: { repeats: boolean; period: number | null; periodMs: number };
  };
}

/** Polls health until `ok` holds (every 250 ms, up to `withinMs`); returns the last answer. */
async function healthUntil(ok: (h: Health, status: number) => boolean, withinMs: number): Promise<{ health: Health; status: number; ms: number }> {
  const started = performance.now();
  let last: Timed;
  do {
    last = await timed("/api/health");
    if (ok(last.body as Health, last.status)) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  } while (performance.now() - started < withinMs);
  return { health: last.body as Health, status: last.status, ms: performance.now() - started };
}

/** The next `chain` event matching `state` (recorded in chainEvents as they come). */
function nextChainEvent(state: string, timeoutMs: number): Promise<SseEvent> {
  return stream.next((e) => {
    if (e.event !== "chain") return false;
    chainEvents.push(e.data as (typeof chainEvents)[number]);
    return (e.data as { state: string }).state === state;
  }, timeoutMs);
}

describe("a live market over anvil that hangs, dies and comes back", () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "bidmesh-api-chain-faults-"));
    anvil = await startAnvil({ stateFile: join(dir, "anvil-state.json"), args: ["--state-interval", "1"] });
    server = await startServeProcess(["--rpc-url", anvil.url, "--scenario", SCENARIO, "--speed", "5", "--chain-timeout", `${DEADLINE_MS}ms`], { cwd: dir, token: TOKEN });
    const sse = await openSse(`${server.url}/api/stream`);
    expect(sse.status).toBe(200);
    stream = sse.stream;
    await stream.next((e) => e.event === "snapshot");
  }, 90_000);

  afterAll(async () => {
    stream?.close();
    // A stopped anvil cannot be killed gracefully: let it run again first.
    if (anvil !== undefined) resume(anvil);
    const code = await server?.stop("SIGTERM");
    await anvil?.stop("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
    expect(code, server?.output().stderr).toBe(0);
  }, 30_000);

  describe("serve --rpc-url while the node is stopped (SIGSTOP)", () => {
    it("posts, answers before the fault", async () => {
      const first = await post();
      expect(first.status, first.text).toBe(201);
      const health = await timed("/api/health");
      expect(health.body).toMatchObject({ status: "ok", chain: { reachable: true, timeoutMs: DEADLINE_MS }, market: { state: "running", reason: null, reconnects: 0 } });
      // The scenario's workload is on, and repeats (live-regions: a 2 h period).
      expect((health.body as Health).market.workload).toMatchObject({ repeats: true, period: 0, periodMs: 2 * 3_600_000 });
    });

    it("answers POST and GET /api/tasks 503 within the deadline, /metrics with chain_up 0, health unreachable within its short deadline", async () => {
      process.kill(anvil.pid, "SIGSTOP");
      const [posted, listed, metrics, health] = await Promise.all([post(), timed("/api/tasks"), timed("/metrics"), timed("/api/health")]);

      expect(posted.status, posted.text).toBe(503);
      expect((posted.body as { error: string }).error).toMatch(/^the chain did not answer within 2 s; (nothing was posted|the task was sent and may still be posted)/);
      expect(posted.ms).toBeLessThan(DEADLINE_MS + SLACK_MS);

      expect(listed.status, listed.text).toBe(503);
      expect(listed.body).toEqual({ error: "the chain did not answer within 2 s" });
      expect(listed.ms).toBeLessThan(DEADLINE_MS + SLACK_MS);

      // A scrape still answers (the process's own metrics are there) and says the chain is down.
      expect(metrics.status).toBe(200);
      expect(metrics.text).toMatch(/^bidmesh_chain_up 0$/m);
      expect(metrics.ms).toBeLessThan(DEADLINE_MS + SLACK_MS);

      expect(health.status).toBe(503);
      expect(health.body).toMatchObject({ status: "unavailable", chain: { reachable: false, blockNumber: null } });
      expect(health.ms).toBeLessThan(1_500 + SLACK_MS);
    const ms = (t: Timed): string => `${Math.round(t.ms)} ms`;
    console.log(
      `api chain faults: node stopped, deadline ${DEADLINE_MS} ms: POST /api/tasks 503 in ${ms(posted)}, GET /api/tasks 503 in ${ms(listed)}, /metrics 200 in ${ms(metrics)}, /api/health 503 in ${ms(health)}`,
    );
    }, 30_000);

    it("says so on the stream and in health: the market waits for the chain", async () => {
      const down = await nextChainEvent("down", 10_000);
      expect(down.data).toMatchObject({ state: "down" });
      expect(["stalled", "reconnecting"]).toContain((down.data as { market: string }).market);
      const { health } = await healthUntil((h) => h.market.state !== "running", 5_000);
      expect(["stalled", "reconnecting"]).toContain(health.market.state);
      expect(health.market.running).toBe(false);
      expect(health.market.reason).toMatch(/chain/);
    }, 20_000);
  });

  describe("the node goes on (SIGCONT)", () => {
    it("health recovers, the market runs again, a new post succeeds", async () => {
      process.kill(anvil.pid, "SIGCONT");
      await nextChainEvent("up", 15_000);
      const { health, status } = await healthUntil((h, s) => s === 200 && h.market.state === "running", 40_000);
      expect(status).toBe(200);
      expect(health.market).toMatchObject({ state: "running", running: true, error: null });
      const again = await post();
      expect(again.status, again.text).toBe(201);
      const { taskId } = again.body as { taskId: number };
      const read = await timed(`/api/tasks/${taskId}`);
      expect(read.status, read.text).toBe(200);
    }, 60_000);
  });

  describe("a stop long enough that a block fails on it (SIGSTOP past the ledger's retries, then SIGCONT)", () => {
    it("reconnects, and resumes the market from the chain once the node answers again", async () => {
      process.kill(anvil.pid, "SIGSTOP");
      // Each JSON-RPC call gives up after the deadline, the ledger tries 4 times: the block fails.
      const { health } = await healthUntil((h) => h.market.state === "reconnecting", 30_000);
      expect(health.market).toMatchObject({ state: "reconnecting", running: false });
      expect(health.market.error).toMatch(/^the chain failed \(request timed out\): reconnecting/);
      expect(health.market.reason).toMatch(/reconnecting/);
      process.kill(anvil.pid, "SIGCONT");
      const back = performance.now();
      const resumed = await nextChainEvent("resumed", 30_000);
      console.log(`api chain faults: a block failed on the stopped node; after SIGCONT the live market resumed in ${Math.round(performance.now() - back)} ms`);
      expect(resumed.data).toMatchObject({ state: "resumed", market: "running", reconnects: 1, error: null });
      const again = await post();
      expect(again.status, again.text).toBe(201);
    }, 70_000);
  });

  describe("the node dies (SIGKILL) and comes back on its state file", () => {
    it("answers 503, not 500, while it is gone; health says unreachable and the market reconnecting", async () => {
      // Let a state dump (every second) hold the blocks so far.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      await anvil.stop("SIGKILL");
      const posted = await post();
      expect(posted.status, posted.text).toBe(503);
      expect((posted.body as { error: string }).error).toMatch(/chain/);
      expect((posted.body as { error: string }).error).not.toMatch(/internal error/);
      const listed = await timed("/api/tasks");
      expect(listed.status, listed.text).toBe(503);
      expect((listed.body as { error: string }).error).toMatch(/^the chain cannot be reached \(connection refused\)/);
      expect(listed.ms).toBeLessThan(DEADLINE_MS + SLACK_MS);
      const { health, status } = await healthUntil((h) => h.market.state === "reconnecting", 15_000);
      expect(status).toBe(503);
      expect(health).toMatchObject({ chain: { reachable: false }, market: { state: "reconnecting", running: false } });
      expect(health.market.error).toMatch(/reconnecting/);
      // Reconnecting: a post is refused at once, and says nothing was posted.
      const refused = await post();
      expect(refused.status, refused.text).toBe(503);
      expect((refused.body as { error: string }).error).toMatch(/reconnecting.*nothing was posted$/);
    }, 40_000);

    it("resumes the live market from the chain when the node is back: health, the stream, a new post", async () => {
      anvil = await startAnvil({ stateFile: join(dir, "anvil-state.json"), args: ["--state-interval", "1"], port: anvil.port });
      const back = performance.now();
      const resumed = await nextChainEvent("resumed", 40_000);
      console.log(`api chain faults: node restarted on its state: the live market resumed ${Math.round(performance.now() - back)} ms after it answered`);
      expect(resumed.data).toMatchObject({ state: "resumed", market: "running", reconnects: 2, error: null });
      // The new session starts virtual time, the workload's periods and the KPIs at 0 again: the
      // KPIs reach no further than its clock (the failed session's ran far longer).
      const kpis = await timed("/api/kpis");
      const now = await timed("/api/health");
      expect(kpis.status, kpis.text).toBe(200);
      const session = (now.body as Health).market;
      expect((kpis.body as { now: number }).now).toBeLessThanOrEqual(session.virtualTime);
      expect(session.workload).toMatchObject({ repeats: true, period: 0 });
      const { health, status } = await healthUntil((h, s) => s === 200 && h.market.state === "running", 20_000);
      expect(status).toBe(200);
      expect(health.market).toMatchObject({ state: "running", reason: null, reconnects: 2, error: null });
      const again = await post();
      expect(again.status, again.text).toBe(201);
      const { taskId } = again.body as { taskId: number };
      expect((await timed(`/api/tasks/${taskId}`)).status).toBe(200);
      // The stream told the whole story, in order: the short stop, the long one, the kill.
      const story = ["down", "up", "down", "up", "resumed", "down", "up", "resumed"];
      const states = chainEvents.map((e) => e.state);
      let at = 0;
      for (const state of states) if (state === story[at]) at += 1;
      expect(at, `chain events: ${states.join(", ")}`).toBe(story.length);
      // No post that answered "nothing was posted" landed later; every 201 is on chain.
      const poster = ((await timed(`/api/tasks/${taskId}`)).body as { poster: string }).poster;
      const mine = (await timed(`/api/tasks?poster=${poster}&pageSize=100`)).body as { total: number };
      expect(mine.total).toBeGreaterThanOrEqual(posts.accepted);
      expect(mine.total).toBeLessThanOrEqual(posts.accepted + posts.mayLand);
    }, 90_000);
  });
});

describe("serve --chain-timeout", () => {
  // A child process each (a few seconds): a bare number, one below and one above the bounds.
  it.each(["5", "50ms", "2m"])("refuses %j with exit 2 and one line naming the option and what is allowed", (value) => {
    const result = bidmesh(["serve", "--no-market", "--port", "0", "--chain-timeout", value]);
    expect(result.status).toBe(2);
    expect(result.stderr.trim()).toBe(`bidmesh: chain-timeout: "${value}" is not a chain timeout (a duration with its unit, from 100ms to 60s, e.g. 5s or 2500ms)`);
  });

  it.each([
    ["100ms", 100],
    ["2500ms", 2_500],
    ["5s", 5_000],
    ["1m", 60_000],
  ])("takes %s as %i ms", (value, ms) => {
    expect(parseChainTimeout(value)).toBe(ms);
  });

  it.each(["5000", "0s", "99ms", "61s", "soon", "-1s", "5 s s"])("refuses %j", (value) => {
    expect(() => parseChainTimeout(value)).toThrow(`chain-timeout: "${value}" is not a chain timeout`);
  });
});

describe("a bare market (--no-market) over a node that is stopped, then goes on", () => {
  let node: Anvil;
  let bare: ServeProcess;
  const bareDir = mkdtempSync(join(tmpdir(), "bidmesh-api-chain-faults-bare-"));
  const bodyOf = (answer: Response): Promise<{ error?: string; taskId?: number; poster?: string; total?: number }> => answer.json() as Promise<{ error?: string; taskId?: number; poster?: string; total?: number }>;
  const postBare = (): Promise<Response> => fetch(`${bare.url}/api/tasks`, { method: "POST", headers: AUTH, body: JSON.stringify(TASK) });

  beforeAll(async () => {
    node = await startAnvil();
    bare = await startServeProcess(["--rpc-url", node.url, "--no-market", "--chain-timeout", "1s"], { cwd: bareDir, token: TOKEN });
  }, 90_000);

  afterAll(async () => {
    if (node !== undefined) resume(node);
    await bare?.stop("SIGTERM");
    await node?.stop("SIGKILL");
    rmSync(bareDir, { recursive: true, force: true });
  }, 30_000);

  it("posts that time out answer 503 'nothing was posted', are never sent, and a post after SIGCONT lands alone", async () => {
    const first = await postBare();
    expect(first.status).toBe(201);
    const { taskId } = await bodyOf(first);
    process.kill(node.pid, "SIGSTOP");
    const started = performance.now();
    // Two at once: the second waits behind the first, within the same deadline.
    const stalled = await Promise.all([postBare(), postBare()]);
    expect(performance.now() - started).toBeLessThan(1_000 + SLACK_MS);
    for (const answer of stalled) {
      expect(answer.status).toBe(503);
      expect((await bodyOf(answer)).error).toBe("the chain did not answer within 1 s; nothing was posted");
    }
    const health = await fetch(`${bare.url}/api/health`);
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({ chain: { reachable: false, timeoutMs: 1_000 }, market: { live: false, state: null } });

    process.kill(node.pid, "SIGCONT");
    let again: Response | undefined;
    for (let attempt = 0; attempt < 20 && again?.status !== 201; attempt += 1) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 250));
      again = await postBare();
    }
    expect(again?.status).toBe(201);
    const { poster } = await bodyOf(await fetch(`${bare.url}/api/tasks/${taskId}`));
    const mine = await bodyOf(await fetch(`${bare.url}/api/tasks?poster=${poster}`));
    expect(mine.total).toBe(2);
  }, 40_000);

  it("a dead node (SIGKILL): 503 naming the refused connection, not 500", async () => {
    await node.stop("SIGKILL");
    for (const answer of [await postBare(), await fetch(`${bare.url}/api/tasks`)]) {
      expect(answer.status).toBe(503);
      expect((await bodyOf(answer)).error).toMatch(/^the chain cannot be reached \(connection refused\)/);
    }
  }, 20_000);
});
