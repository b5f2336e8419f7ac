import { getAddress, isAddress } from "ethers";
import { connectChain } from "../sim/chain/connect.js";
import { eth, formatTaskLedger, shortAddress } from "../sim/chain/ledger-format.js";
import { readLedgerEvents } from "../sim/chain/ledger-reader.js";
import { providerHistory, taskHistory } from "../sim/protocol/history.js";
import { flatEvent, type FlatEvent, type LoggedEvent } from "../sim/protocol/logged-event.js";
import { InputError } from "../sim/input-error.js";
import { chainLogEvents, readRunFolder } from "../sim/run/run-files.js";
import type { ProviderDirectory } from "../sim/run/simulate.js";
import { toJson } from "../sim/run/write-run.js";

export interface LedgerCommandOptions {
  task?: number;
  /** An address, or with `run` a node name (`colo-use1#3`) that the run's run.json maps to one. */
  provider?: string;
  /** A run folder of a chain run: its exported chain log. */
  run?: string;
  rpcUrl?: string;
  market?: string;
  /** One JSON document on stdout instead of the tables. */
  json?: boolean;
}

/** A node name as the scenario gives it: `${group}#${index}`. */
const NODE_NAME = /^[^\s#]+#\d+$/;

/** `bidmesh ledger`: a task's or a provider's on-chain history. */
export async function ledgerCommand(options: LedgerCommandOptions): Promise<void> {
  if ((options.task === undefined) === (options.provider === undefined)) {
    throw new InputError("task", "give exactly one of --task ID or --provider ADDRESS|NODE");
  }
  if (options.provider !== undefined && !isAddress(options.provider) && !NODE_NAME.test(options.provider)) {
    throw new InputError("provider", `"${options.provider}" is not an address (0x and 40 hex digits) or a node name (group#index, e.g. colo-use1#3)`);
  }
  if (options.provider !== undefined && !isAddress(options.provider) && options.run === undefined) {
    throw new InputError("provider", `a node name (${options.provider}) needs --run DIR, whose run.json maps node names to addresses; with --rpc-url give the address`);
  }
  const { events, timestamps, source, market, nodes } = await loadEvents(options);
  if (options.task !== undefined) {
    const taskId = options.task;
    if (!events.some(({ event }) => event.name === "TaskPosted" && event.taskId === taskId)) {
      throw new InputError("task", `task ${taskId} was never posted on this market`);
    }
    const history = taskHistory(events, taskId);
    if (options.json === true) {
      // The id as a decimal string, like the amounts: the document's numbers are block numbers and times.
      const task = { ...history, taskId: String(history.taskId), events: withTimes(history.events, timestamps) };
      printJson({ market, source, nodes: nodesIn(history.events, nodes), task });
      return;
    }
    console.log(`${source}\n`);
    console.log(formatTaskLedger(history, timestamps));
    return;
  }
  const address = resolveProvider(options.provider!, nodes, options);
  const h = providerHistory(events, address);
  if (h.events.length === 0) throw new InputError("provider", `${options.provider} has no events on this market`);
  const node = nodes?.[h.address];
  if (options.json === true) {
    printJson({
      market,
      source,
      nodes: nodesIn(h.events, nodes),
      provider: { provider: h.address, ...h, node: node?.node ?? null, group: node?.group ?? null, events: withTimes(h.events, timestamps) },
    });
    return;
  }
  console.log(`${source}\n`);
  const named = node === undefined ? "" : `, node ${node.node} of group ${node.group}`;
  console.log(`provider ${h.address} (${h.registered?.region ?? "not registered"}, capacity ${h.registered?.capacity ?? "?"})${named}`);
  console.log(`  bids ${h.bids.length}, wins ${h.wins.length}, delivered ${h.completions.length}, failed ${h.failures.length}, slashed ${eth(h.slashes.reduce((s, x) => s + x.amount, 0n))}, withdrawn ${eth(h.withdrawn)}`);
  for (const e of h.events.map(flatEvent)) {
    const task = e.taskId === null ? "" : ` task ${e.taskId}`;
    console.log(`  block ${String(e.blockNumber).padStart(6)}  ${e.name.padEnd(16)}${task}  ${summarize(e)}`);
  }
}

/** The address `--provider` names: itself, or the node's from the run's directory. */
function resolveProvider(provider: string, nodes: ProviderDirectory | undefined, options: LedgerCommandOptions): string {
  if (isAddress(provider)) return getAddress(provider.toLowerCase());
  if (nodes === undefined) {
    throw new InputError("provider", `${options.run}/run.json has no provider names (a run of an older bidmesh); give the address`);
  }
  const found = Object.entries(nodes).find(([, n]) => n.node === provider);
  if (found === undefined) {
    const counts = new Map<string, number>();
    for (const n of Object.values(nodes)) counts.set(n.group, (counts.get(n.group) ?? 0) + 1);
    const ranges = [...counts].map(([group, count]) => (count === 1 ? `${group}#0` : `${group}#0…${count - 1}`));
    throw new InputError("provider", `no provider named ${provider} in this run; its providers: ${ranges.join(", ")}`);
  }
  return found[0];
}

/** The directory entries of the accounts that appear in `events`. */
function nodesIn(events: readonly LoggedEvent[], nodes: ProviderDirectory | undefined): ProviderDirectory {
  if (nodes === undefined) return {};
  const seen = new Set(events.flatMap((e) => flatEvent(e).accounts));
  return Object.fromEntries(Object.entries(nodes).filter(([address]) => seen.has(address)));
}

/** Events with their block's timestamp (chain seconds) beside the block number. */
function withTimes(events: readonly LoggedEvent[], timestamps: ReadonlyMap<number, number>): Array<FlatEvent & { timestamp: number | null }> {
  return events.map((e) => ({ ...flatEvent(e), timestamp: timestamps.get(e.blockNumber) ?? null }));
}

/** One JSON document: wei amounts (bigints) as decimal strings. */
function printJson(document: unknown): void {
  console.log(toJson(document, 2));
}

function summarize(e: FlatEvent): string {
  for (const key of ["price", "payment", "amount", "stake"]) {
    const value = e.args[key];
    if (typeof value === "bigint") return `${key} ${eth(value)}`;
  }
  const caller = e.args["caller"];
  return typeof caller === "string" ? `by ${shortAddress(caller)}` : "";
}

interface LoadedEvents {
  events: LoggedEvent[];
  timestamps: Map<number, number>;
  source: string;
  market: string;
  /** The run's provider directory (run.json), when reading a run folder that has one. */
  nodes?: ProviderDirectory;
}

async function loadEvents(options: LedgerCommandOptions): Promise<LoadedEvents> {
  if (options.run !== undefined) {
    const { info, chainLog } = readRunFolder(options.run);
    if (chainLog === null || info.chain === null) throw new InputError("run", `${options.run} is a --ledger memory run: it has no chain ledger`);
    const events = chainLogEvents(chainLog, info.chain.marketAddress);
    return {
      events,
      timestamps: new Map(chainLog.map((b) => [b.number, b.timestamp])),
      source: `market ${info.chain.marketAddress}, from the chain log exported by the run in ${options.run}`,
      market: info.chain.marketAddress,
      nodes: info.providers,
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
    return { events, timestamps, source: `market ${options.market} on ${options.rpcUrl}`, market: options.market };
  } finally {
    await chain.close();
  }
}
