// A check of the contract end to end, without the simulator: one market, three providers, two
// tasks, on a real chain. Task 1 is bid on, awarded and delivered; task 2's winner goes offline, misses its
// deadline, is slashed, and the task is rerouted to the next bid and delivered. Prints the
// ledger of both tasks, rebuilt from on-chain events alone.
//
//   npm run smoke                      # embedded chain
//   npm run smoke -- --rpc-url URL     # any dev JSON-RPC node (hardhat node, anvil)
import { parseArgs } from "node:util";
import { id, parseEther, type ContractTransactionResponse, type JsonRpcSigner } from "ethers";
import { connectChain, type Chain } from "../sim/chain/connect.js";
import { deployMarket } from "../sim/chain/deploy.js";
import { ChainError, withChainErrors } from "../sim/chain/errors.js";
import { InputError } from "../sim/input-error.js";
import { eth, formatTaskLedger, shortAddress } from "../sim/chain/ledger-format.js";
import { readLedgerEvents } from "../sim/chain/ledger-reader.js";
import { providerHistory, taskHistory } from "../sim/protocol/history.js";
import { encodeRegion } from "../sim/protocol/region.js";
import { latestTimestamp, setNextBlockTimestamp } from "../sim/chain/time.js";
import type { ComputeMarket } from "../types/ethers-contracts/index.js";

const FIRST_PRICE = 0;
const SECOND_PRICE = 1;
const BID_WINDOW_S = 60;
const BUDGET_S = 300;

interface Options {
  rpcUrl?: string;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: { "rpc-url": { type: "string" }, help: { type: "boolean", short: "h" } },
    strict: true,
  });
  if (values.help === true) {
    console.log("usage: npm run smoke [-- --rpc-url URL]\n\nRuns the bidmesh smoke scenario on the embedded chain, or on the JSON-RPC node at URL.");
    process.exit(0);
  }
  return { rpcUrl: values["rpc-url"] };
}

async function run(options: Options): Promise<void> {
  const chain = await connectChain({ rpcUrl: options.rpcUrl });
  try {
    await smoke(chain);
  } finally {
    await chain.close();
  }
}

async function smoke(chain: Chain): Promise<void> {
  const [deployer, poster, keeper, alpha, beta, gamma] = await Promise.all([0, 1, 2, 3, 4, 5].map((i) => chain.signer(i)));
  const names = new Map<string, string>();
  const label = async (signer: JsonRpcSigner, name: string) => names.set(await signer.getAddress(), name);
  await Promise.all([label(poster!, "poster"), label(keeper!, "keeper"), label(alpha!, "alpha"), label(beta!, "beta"), label(gamma!, "gamma")]);

  // Every block gets an explicit timestamp, so on the embedded chain (fixed genesis date) the
  // whole run, block hashes included, is the same each time.
  let clock = await latestTimestamp(chain);
  const at = async (seconds: number, send: () => Promise<ContractTransactionResponse>) => {
    clock += seconds;
    await setNextBlockTimestamp(chain, clock);
    const tx = await withChainErrors(deployment.market.interface, send);
    const receipt = await tx.wait();
    if (receipt === null || receipt.status !== 1) throw new ChainError(`transaction ${tx.hash} failed`);
    return receipt;
  };

  clock += 1;
  await setNextBlockTimestamp(chain, clock);
  const deployment = await deployMarket(chain, deployer!);
  const m = (signer: JsonRpcSigner): ComputeMarket => deployment.market.connect(signer);
  const { config } = deployment;
  console.log(`bidmesh smoke run on the ${chain.kind} chain ${chain.url ?? ""}(chain id ${chain.chainId})`);
  console.log(
    `market ${deployment.address} at block ${deployment.blockNumber}: min stake ${eth(config.minStake)}, ` +
      `slash ${config.slashBps / 100}% (abandon ${config.abandonSlashBps / 100}%), ${config.fallbackDepth} bids kept, ${config.maxRounds} rounds\n`,
  );

  for (const [signer, region] of [[alpha!, "us-east-1"], [beta!, "eu-west-1"], [gamma!, "ap-southeast-1"]] as const) {
    await at(1, () => m(signer).registerProvider(encodeRegion(region), 4, { value: parseEther("2") }));
  }

  // Task 1: three bids, the cheapest wins and delivers.
  const post = async (mechanism: number) => {
    const receipt = await at(1, () =>
      m(poster!).postTask(id("render 1,000 frames"), encodeRegion("any"), clock + 1 + BID_WINDOW_S, BUDGET_S, mechanism, {
        value: parseEther("1"),
      }),
    );
    const parsed = receipt.logs.map((log) => deployment.market.interface.parseLog(log)).find((e) => e?.name === "TaskPosted");
    return parsed!.args[0] as bigint;
  };
  const task1 = await post(FIRST_PRICE);
  await at(5, () => m(alpha!).placeBid(task1, parseEther("0.42")));
  await at(2, () => m(beta!).placeBid(task1, parseEther("0.35")));
  await at(3, () => m(gamma!).placeBid(task1, parseEther("0.50")));
  await at(BID_WINDOW_S, () => m(keeper!).closeAuction(task1));
  await at(120, () => m(beta!).submitResult(task1, 1, id("frames rendered")));

  // Task 2: second price; the winner goes offline and never delivers.
  const task2 = await post(SECOND_PRICE);
  await at(4, () => m(alpha!).placeBid(task2, parseEther("0.30")));
  await at(1, () => m(beta!).placeBid(task2, parseEther("0.33")));
  await at(1, () => m(gamma!).placeBid(task2, parseEther("0.45")));
  await at(BID_WINDOW_S, () => m(keeper!).closeAuction(task2));
  console.log("alpha wins task 2 and goes offline; after its deadline the keeper reroutes the task\n");
  await at(BUDGET_S + 1, () => m(keeper!).reroute(task2));
  await at(90, () => m(beta!).submitResult(task2, 2, id("frames rendered")));

  for (const signer of [beta!, poster!]) await at(1, () => m(signer).withdraw());

  // The ledger, read back from events alone.
  const events = await readLedgerEvents(chain, deployment.address, { fromBlock: deployment.blockNumber });
  const timestamps = new Map<number, number>();
  for (const block of new Set(events.map((e) => e.blockNumber))) {
    timestamps.set(block, (await chain.provider.getBlock(block))!.timestamp);
  }
  for (const taskId of [task1, task2]) {
    console.log(formatTaskLedger(taskHistory(events, Number(taskId)), timestamps, names));
    console.log();
  }
  console.log("providers");
  for (const signer of [alpha!, beta!, gamma!]) {
    const address = await signer.getAddress();
    const h = providerHistory(events, address);
    const p = await deployment.market.getProvider(address);
    console.log(
      `  ${names.get(address)!.padEnd(6)} ${shortAddress(address)}  ${h.registered!.region.padEnd(15)} bids ${h.bids.length}, wins ${h.wins.length}, ` +
        `delivered ${h.completions.length}, failed ${h.failures.length}, slashed ${eth(p.slashedTotal)}, stake ${eth(p.stake)}`,
    );
  }

  const [balance, escrow, credits, staked] = await Promise.all([
    chain.provider.getBalance(deployment.address),
    deployment.market.totalEscrow(),
    deployment.market.totalCredits(),
    deployment.market.totalStaked(),
  ]);
  const conserved = balance === escrow + credits + staked;
  console.log(
    `\ncontract balance ${eth(balance)} = escrow ${eth(escrow)} + credits ${eth(credits)} + stakes ${eth(staked)}: ${conserved ? "conserved" : "NOT CONSERVED"}`,
  );
  const head = await chain.provider.getBlock("latest");
  console.log(`final block ${head!.number} ${head!.hash}`);
  if (!conserved) process.exitCode = 1;
}

try {
  await run(parseOptions(process.argv.slice(2)));
} catch (error) {
  // A person gets the message, never a stack trace; exit 2 for bad input, 1 for a failed run.
  const usage =
    error instanceof InputError ||
    (error instanceof TypeError && (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS") === true);
  console.error(`bidmesh: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = usage ? 2 : 1;
}
