// A chain that outlives its server: anvil with --state, `bidmesh serve --rpc-url` over it.
// Tasks go in through the API; providers (anvil's funded dev accounts, as independent parties
// would) register, bid, get awarded and deliver with their own transactions. Then both stop
// (anvil dumps its state on the signal) and restart on the same state file: every task, bid and
// result reads back the same, the server attaches to the market it deployed (no new deployment)
// and keeps writing (its accounts' nonces resume where the chain left them).
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeBytes32String, parseEther, type ContractTransactionResponse, type JsonRpcSigner } from "ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectChain, type Chain } from "../../sim/chain/connect.js";
import { encodeRegion } from "../../sim/protocol/region.js";
import { latestTimestamp, mineBlockAt } from "../../sim/chain/time.js";
import { ComputeMarket__factory, type ComputeMarket } from "../../types/ethers-contracts/index.js";
import { startAnvil, type Anvil } from "./anvil.js";
import { startServeProcess, type ServeProcess } from "./api-serve-process.js";

const TOKEN = "reliability-token-0a1b2c3d4e5f";
const AUTH = { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/json" };

let dir: string;
let stateFile: string;
/** Whatever is running now, so afterAll can stop it if a test fails midway. */
const running: { anvil?: Anvil; server?: ServeProcess; chain?: Chain } = {};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "bidmesh-anvil-persistence-"));
  stateFile = join(dir, "anvil-state.json");
});

afterAll(async () => {
  await stopAll();
  rmSync(dir, { recursive: true, force: true });
});

async function startAll(): Promise<{ anvil: Anvil; server: ServeProcess }> {
  const anvil = (running.anvil = await startAnvil({ stateFile }));
  const server = (running.server = await startServeProcess(["--rpc-url", anvil.url, "--no-market"], { cwd: dir, token: TOKEN }));
  return { anvil, server };
}

/**
 * Server first (it finishes its requests and lets go of the chain), then anvil, which dumps its
 * state on the signal. Resolves with the server's exit code.
 */
async function stopAll(anvilSignal: NodeJS.Signals = "SIGTERM"): Promise<number | null> {
  await running.chain?.close();
  const server = (await running.server?.stop("SIGTERM")) ?? null;
  await running.anvil?.stop(anvilSignal);
  delete running.chain;
  delete running.server;
  delete running.anvil;
  return server;
}

/** The latest block anvil dumped into the state file. */
function dumpedBlock(): number {
  const dumped = JSON.parse(readFileSync(stateFile, "utf8")) as { best_block_number?: string | number; block: { number: string | number } };
  return Number(dumped.best_block_number ?? dumped.block.number);
}

async function api(server: ServeProcess, path: string, init: RequestInit = {}): Promise<{ status: number; body: any }> {
  const response = await fetch(`${server.url}${path}`, init);
  return { status: response.status, body: await response.json() };
}

async function postTask(server: ServeProcess, maxPrice: string): Promise<number> {
  const body = { size: 60, maxPrice, deadlineBudget: 600, region: "any", mechanism: "first-price" };
  const res = await api(server, "/api/tasks", { method: "POST", headers: AUTH, body: JSON.stringify(body) });
  expect(res.status, `${JSON.stringify(res.body)}; server stderr: ${server.output().stderr}`).toBe(201);
  return res.body.taskId as number;
}

/**
 * A fixed gas limit: ethers would otherwise estimate against the latest block, whose timestamp
 * is before the one the transaction is mined at (closing an auction would "revert").
 */
const GAS = { gasLimit: 1_000_000n };

/**
 * Sends one transaction and mines it in its own block `dt` seconds on. The server turned the
 * node's automine off (it mines its own blocks at chosen timestamps), so every sender mines.
 */
async function mined(chain: Chain, dt: number, send: () => Promise<ContractTransactionResponse>): Promise<ContractTransactionResponse> {
  const tx = await send();
  await mineBlockAt(chain, (await latestTimestamp(chain)) + dt);
  const receipt = await tx.wait();
  expect(receipt?.status).toBe(1);
  return tx;
}

/** What the API says about the market: compared before the restart and after it. */
async function snapshot(server: ServeProcess, taskIds: number[]): Promise<Record<string, unknown>> {
  const reads: Record<string, unknown> = {};
  for (const path of [
    ...taskIds.map((id) => `/api/tasks/${id}`),
    "/api/tasks?pageSize=100",
    "/api/ledger/bids?pageSize=100",
    "/api/ledger/events?pageSize=100",
    "/api/providers?pageSize=100",
  ]) {
    const res = await api(server, path);
    expect(res.status, path).toBe(200);
    reads[path] = res.body;
  }
  return reads;
}

describe("anvil --state and bidmesh serve --rpc-url, stopped and restarted", () => {
  it("keep every task, bid and result, and the same market, and go on working", async () => {
    // ---- first life: a fresh chain, the server deploys the market
    let { anvil, server } = await startAll();
    const chain = (running.chain = await connectChain({ rpcUrl: anvil.url }));
    const [p1, p2, keeper] = await Promise.all([chain.signer(1), chain.signer(2), chain.signer(3)]);
    const market = ComputeMarket__factory.connect(server.marketAddress, chain.provider);
    const as = (signer: JsonRpcSigner): ComputeMarket => market.connect(signer);

    const completed = await postTask(server, "0.01");
    const awarded = await postTask(server, "0.02");
    const open = await postTask(server, "0.03");
    for (const provider of [p1, p2]) await mined(chain, 1, () => as(provider).registerProvider(encodeRegion("eu-west-1"), 4, { ...GAS, value: parseEther("2") }));
    await mined(chain, 1, () => as(p1).placeBid(completed, parseEther("0.005"), GAS));
    await mined(chain, 1, () => as(p2).placeBid(completed, parseEther("0.006"), GAS));
    await mined(chain, 1, () => as(p2).placeBid(awarded, parseEther("0.01"), GAS));
    await mined(chain, 1, () => as(p1).placeBid(open, parseEther("0.02"), GAS));
    // Past the bid windows (30 s): the keeper closes two auctions; the third task stays open.
    const close = await mined(chain, 60, () => as(keeper).closeAuctions([completed, awarded], GAS));
    const award = (await close.wait())!.logs
      .map((log) => market.interface.parseLog(log))
      .find((event) => event?.name === "TaskAwarded" && event.args["taskId"] === BigInt(completed));
    await mined(chain, 1, () => as(p1).submitResult(completed, award!.args["epoch"] as bigint, encodeBytes32String("result"), GAS));

    const before = await snapshot(server, [completed, awarded, open]);
    expect((before[`/api/tasks/${completed}`] as { status: string }).status).toBe("completed");
    expect((before[`/api/tasks/${awarded}`] as { status: string }).status).toBe("awarded");
    expect((before[`/api/tasks/${open}`] as { status: string }).status).toBe("open");
    expect((before["/api/ledger/bids?pageSize=100"] as { items: unknown[] }).items).toHaveLength(4);
    const lastBlock = await chain.provider.getBlockNumber();
    const firstMarket = server.marketAddress;
    expect(server.output().stdout).toContain(`market ${firstMarket}, deployed and remembered in the registry,`);

    // ---- stop: the server exits 0, anvil dumps the chain into the (new) state file on SIGINT
    expect(existsSync(stateFile)).toBe(false);
    expect(await stopAll("SIGINT")).toBe(0);
    expect(dumpedBlock()).toBe(lastBlock);

    // ---- second life: the same state file
    ({ anvil, server } = await startAll());
    expect(server.marketAddress).toBe(firstMarket);
    expect(server.output().stdout).toContain(`market ${firstMarket}, reused from the registry,`);
    // Attaching mines nothing: a new deployment would have added a block.
    const health = await api(server, "/api/health");
    expect(health.status).toBe(200);
    expect(health.body.chain.blockNumber).toBe(lastBlock);
    expect(health.body.market.address).toBe(firstMarket);
    const registry = JSON.parse(readFileSync(join(dir, ".bidmesh/deployments.json"), "utf8")) as Record<string, { address: string }>;
    expect(Object.values(registry).map((entry) => entry.address)).toEqual([firstMarket]);

    expect(await snapshot(server, [completed, awarded, open])).toEqual(before);

    // The poster (the server's ledger) and a provider (a dev account) already have nonces on
    // this chain: both must resume from them.
    const again = (running.chain = await connectChain({ rpcUrl: anvil.url }));
    const next = await postTask(server, "0.04");
    expect(next).toBe(open + 1);
    const provider1 = await again.signer(1);
    await mined(again, 1, () => ComputeMarket__factory.connect(firstMarket, provider1).placeBid(next, parseEther("0.03"), GAS));
    const bids = await api(server, `/api/ledger/bids?task=${next}`);
    expect(bids.body.items).toHaveLength(1);
    const finalBlock = await again.provider.getBlockNumber();

    // ---- and on SIGTERM too
    expect(await stopAll("SIGTERM")).toBe(0);
    expect(dumpedBlock()).toBe(finalBlock);
  });
});
