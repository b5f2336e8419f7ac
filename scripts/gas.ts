// Prints the gas each market operation costs on the embedded chain (cancun), as a table.
//
//   npm run gas                 # plain table
//   npm run gas -- --markdown   # the table the README shows
import { parseArgs } from "node:util";
import { id, parseEther, type ContractTransactionResponse, type JsonRpcSigner } from "ethers";
import { connectChain, type Chain } from "../sim/chain/connect.js";
import { deployMarket } from "../sim/chain/deploy.js";
import { withChainErrors } from "../sim/chain/errors.js";
import { encodeRegion } from "../sim/protocol/region.js";
import { latestTimestamp, setNextBlockTimestamp } from "../sim/chain/time.js";
import type { ComputeMarket } from "../types/ethers-contracts/index.js";

const BATCH = 50;
const WINDOW_S = 600;
const BUDGET_S = 300;

interface Row {
  operation: string;
  gas: bigint;
  note: string;
}

async function measure(chain: Chain): Promise<Row[]> {
  const signers = await Promise.all(Array.from({ length: 8 }, (_, i) => chain.signer(i)));
  const [deployer, poster, keeper, p1, p2, p3, p4, p5] = signers as [JsonRpcSigner, ...JsonRpcSigner[]];
  const { market, config } = await deployMarket(chain, deployer);
  const iface = market.interface;
  let clock = await latestTimestamp(chain);
  const gasOf = async (send: () => Promise<ContractTransactionResponse>, seconds = 1): Promise<bigint> => {
    clock += seconds;
    await setNextBlockTimestamp(chain, clock);
    const receipt = await (await withChainErrors(iface, send)).wait();
    return receipt!.gasUsed;
  };
  const as = (s: JsonRpcSigner): ComputeMarket => market.connect(s);
  const post = (mechanism = 0) =>
    as(poster!).postTask(id("job"), encodeRegion("any"), clock + 1 + WINDOW_S, BUDGET_S, mechanism, { value: parseEther("1") });
  const rows: Row[] = [];
  const row = (operation: string, gas: bigint, note = "") => rows.push({ operation, gas, note });

  row("registerProvider", await gasOf(() => as(p1!).registerProvider(encodeRegion("us-east-1"), 8, { value: parseEther("4") })), "new provider, 4 ETH stake");
  for (const p of [p2, p3, p4, p5]) await gasOf(() => as(p!).registerProvider(encodeRegion("eu-west-1"), 8, { value: parseEther("4") }));

  row("postTask", await gasOf(() => post()), "escrow 1 ETH");
  const task = await market.taskCount();
  row("placeBid (first bid)", await gasOf(() => as(p1!).placeBid(task, parseEther("0.5"))), "into an empty fallback list");
  row("placeBid (2nd, sorted in)", await gasOf(() => as(p2!).placeBid(task, parseEther("0.4"))), "shifts one entry");
  await gasOf(() => as(p3!).placeBid(task, parseEther("0.45")));
  row("placeBid (list full, new best)", await gasOf(() => as(p4!).placeBid(task, parseEther("0.1"))), `shifts ${config.fallbackDepth - 1}, drops the last`);
  row("placeBid (not kept)", await gasOf(() => as(p5!).placeBid(task, parseEther("0.9"))), "event only");

  // A provider bidding on BATCH tasks in one transaction, as the simulator sends them.
  const batchTasks: bigint[] = [];
  for (let i = 0; i < BATCH; i += 1) {
    await gasOf(() => post());
    batchTasks.push(await market.taskCount());
  }
  const batchGas = await gasOf(() => as(p2!).placeBids(batchTasks, batchTasks.map(() => parseEther("0.3"))));
  row(`placeBids (batch of ${BATCH})`, batchGas, "whole transaction");
  row("  per bid inside the batch", batchGas / BigInt(BATCH), "first bid on each task");
  for (const t of batchTasks.slice(0, 2)) await gasOf(() => as(p3!).placeBid(t, parseEther("0.35")));

  clock += WINDOW_S;
  row("closeAuction", await gasOf(() => as(keeper!).closeAuction(task)), "award to the best of 3 kept bids");
  row("submitResult", await gasOf(() => as(p4!).submitResult(task, 1, id("done")), 60), "credits provider and poster");
  row("withdraw", await gasOf(() => as(p4!).withdraw()), "pull payment");

  const [t1, t2] = batchTasks as [bigint, bigint];
  await gasOf(() => as(keeper!).closeAuction(t1));
  await gasOf(() => as(keeper!).closeAuction(t2));
  clock += BUDGET_S;
  row("reroute", await gasOf(() => as(keeper!).reroute(t1)), "slash + award to the next fallback");
  row("abandonTask", await gasOf(() => as(p3!).abandonTask(t1)), "slash + next fallback, or re-auction");
  await gasOf(() => post());
  const unbid = await market.taskCount();
  row("cancelTask", await gasOf(() => as(poster!).cancelTask(unbid)), "open task with no bids");
  row("requestStakeWithdrawal", await gasOf(() => as(p5!).requestStakeWithdrawal(parseEther("1"))), "");
  clock += config.unbondingDelay;
  row("withdrawStake", await gasOf(() => as(p5!).withdrawStake()), "after the unbonding delay");

  // The same calls on a market that pays keepers: postTask escrows the reserve on top, each close
  // and each reroute after a missed deadline credits the caller the fee.
  const fee = parseEther("0.001");
  const paid = await deployMarket(chain, deployer, { keeperFee: fee });
  const feeMarket = (s: JsonRpcSigner): ComputeMarket => paid.market.connect(s);
  const reserve = await paid.market.keeperReserve();
  const postPaid = () =>
    feeMarket(poster!).postTask(id("job"), encodeRegion("any"), clock + 1 + WINDOW_S, BUDGET_S, 0, { value: parseEther("1") + reserve });
  for (const p of [p1, p2, p3]) await gasOf(() => feeMarket(p!).registerProvider(encodeRegion("eu-west-1"), 8, { value: parseEther("4") }));
  row("postTask (keeper fee)", await gasOf(() => postPaid()), `escrow 1 ETH + keeper reserve (${paid.config.maxRounds} rounds × ${paid.config.fallbackDepth + 1} calls × 0.001 ETH)`);
  const paidTasks: bigint[] = [];
  for (let i = 0; i < 3; i += 1) {
    if (i > 0) await gasOf(() => postPaid());
    paidTasks.push(await paid.market.taskCount());
  }
  for (const t of paidTasks) for (const [i, p] of [p1, p2, p3].entries()) await gasOf(() => feeMarket(p!).placeBid(t, parseEther(String(0.1 * (i + 1)))));
  clock += WINDOW_S;
  const [f1, f2, f3] = paidTasks as [bigint, bigint, bigint];
  row("closeAuction (keeper fee)", await gasOf(() => feeMarket(keeper!).closeAuction(f1)), "award + KeeperPaid, the keeper's first credit");
  row("closeAuction (keeper fee, credited)", await gasOf(() => feeMarket(keeper!).closeAuction(f2)), "award + KeeperPaid, keeper already holds a credit");
  await gasOf(() => feeMarket(keeper!).closeAuction(f3));
  clock += BUDGET_S;
  row("reroute (keeper fee)", await gasOf(() => feeMarket(keeper!).reroute(f1)), "slash + next fallback + KeeperPaid");
  const rerouteTwo = await gasOf(() => feeMarket(keeper!).rerouteTasks([f2, f3]));
  row("rerouteTasks (keeper fee, 2 tasks)", rerouteTwo, "one credit for the batch, a KeeperPaid per task");
  return rows;
}

function render(rows: Row[], markdown: boolean): string {
  if (markdown) {
    return ["| operation | gas | note |", "| --- | ---: | --- |", ...rows.map((r) => `| ${r.operation.trim()} | ${r.gas.toLocaleString("en-US")} | ${r.note} |`)].join("\n");
  }
  const width = Math.max(...rows.map((r) => r.operation.length));
  return rows.map((r) => `${r.operation.padEnd(width)}  ${r.gas.toLocaleString("en-US").padStart(9)}  ${r.note}`).join("\n");
}

try {
  const { values } = parseArgs({ args: process.argv.slice(2), options: { markdown: { type: "boolean" } }, strict: true });
  const chain = await connectChain();
  try {
    console.log(render(await measure(chain), values.markdown === true));
  } finally {
    await chain.close();
  }
} catch (error) {
  console.error(`bidmesh gas: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = error instanceof TypeError ? 2 : 1;
}
