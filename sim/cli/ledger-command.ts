import { connectChain } from "../chain/connect.js";
import { eth, formatTaskLedger, shortAddress } from "../chain/ledger-format.js";
import { providerHistory, readLedgerEvents, taskHistory, type LedgerEvent } from "../chain/ledger-reader.js";
import { InputError } from "../input-error.js";
import { chainLogEvents, readRunFolder } from "../run/run-files.js";

export interface LedgerCommandOptions {
  task?: bigint;
  provider?: string;
  /** A run folder of a chain run: its exported chain log. */
  run?: string;
  rpcUrl?: string;
  market?: string;
}

/** `bidmesh ledger`: a task's or a provider's on-chain history. */
export async function ledgerCommand(options: LedgerCommandOptions): Promise<void> {
  if ((options.task === undefined) === (options.provider === undefined)) {
    throw new InputError("task", "give exactly one of --task ID or --provider ADDRESS");
  }
  const { events, timestamps, source } = await loadEvents(options);
  if (options.task !== undefined) {
    const taskId = options.task;
    if (!events.some((e) => e.name === "TaskPosted" && e.taskId === taskId)) {
      throw new InputError("task", `task ${taskId} was never posted on this market`);
    }
    const history = taskHistory(events, taskId);
    console.log(`${source}\n`);
    console.log(formatTaskLedger(history, timestamps));
    return;
  }
  const h = providerHistory(events, options.provider!);
  if (h.events.length === 0) throw new InputError("provider", `${options.provider} has no events on this market`);
  console.log(`${source}\n`);
  console.log(`provider ${h.provider} (${h.registered?.region ?? "not registered"}, capacity ${h.registered?.capacity ?? "?"})`);
  console.log(`  bids ${h.bids.length}, wins ${h.wins.length}, delivered ${h.completions.length}, failed ${h.failures.length}, slashed ${eth(h.slashes.reduce((s, x) => s + x.amount, 0n))}, withdrawn ${eth(h.withdrawn)}`);
  for (const e of h.events) {
    const task = e.taskId === undefined ? "" : ` task ${e.taskId}`;
    console.log(`  block ${String(e.blockNumber).padStart(6)}  ${e.name.padEnd(16)}${task}  ${summarize(e)}`);
  }
}

function summarize(e: LedgerEvent): string {
  const a = e.args;
  for (const key of ["price", "payment", "amount", "stake"]) {
    if (typeof a[key] === "bigint") return `${key} ${eth(a[key] as bigint)}`;
  }
  return typeof a["caller"] === "string" ? `by ${shortAddress(a["caller"] as string)}` : "";
}

async function loadEvents(options: LedgerCommandOptions): Promise<{ events: LedgerEvent[]; timestamps: Map<number, number>; source: string }> {
  if (options.run !== undefined) {
    const { info, chainLog } = readRunFolder(options.run);
    if (chainLog === null || info.chain === null) throw new InputError("run", `${options.run} is a --ledger memory run: it has no chain ledger`);
    const events = chainLogEvents(chainLog, info.chain.marketAddress);
    return {
      events,
      timestamps: new Map(chainLog.map((b) => [b.number, b.timestamp])),
      source: `market ${info.chain.marketAddress}, from the chain log exported by the run in ${options.run}`,
    };
  }
  if (options.rpcUrl === undefined || options.market === undefined) {
    throw new InputError("run", "give --run DIR (a chain run's folder), or --rpc-url URL with --market ADDRESS");
  }
  const chain = await connectChain({ rpcUrl: options.rpcUrl });
  try {
    const events = await readLedgerEvents(chain, options.market);
    const timestamps = new Map<number, number>();
    for (const block of new Set(events.map((e) => e.blockNumber))) timestamps.set(block, (await chain.provider.getBlock(block))!.timestamp);
    return { events, timestamps, source: `market ${options.market} on ${options.rpcUrl}` };
  } finally {
    await chain.close();
  }
}
