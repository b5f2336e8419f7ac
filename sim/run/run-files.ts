import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { decodeLog } from "../chain/decode-event.js";
import type { LoggedEvent } from "../protocol/logged-event.js";
import { InputError } from "../input-error.js";
import type { ChainBlockRecord } from "../protocol/ledger.js";
import type { RunMetrics } from "../report/types.js";
import type { ProviderDirectory } from "./simulate.js";

/** run.json: what a run needs to be audited or inspected later. */
export interface RunInfo {
  /** The --scenario argument as given (a built-in name or an absolute file path) and the seed. */
  scenario: { ref: string; seed: number };
  /** Chain timestamp (s) of simulated time 0. */
  baseTimestamp: number;
  finalBlockHash: string | null;
  chain: { rpcUrl: string | null; marketAddress: string; deployBlock: number } | null;
  /** Every provider's address, with its node name (`colo-use1#3`), group and region; absent in runs of older versions. */
  providers?: ProviderDirectory;
}

/** Reads a run folder's files, with a clear error naming what is missing. */
export function readRunFolder(dir: string): { metrics: RunMetrics; info: RunInfo; chainLog: ChainBlockRecord[] | null } {
  if (!existsSync(dir)) throw new InputError("dir", `${dir} does not exist`);
  const read = (file: string) => {
    const path = join(dir, file);
    if (!existsSync(path)) throw new InputError("dir", `${dir} has no ${file}: is it the --out folder of a bidmesh simulate run?`);
    try {
      return readFileSync(path, "utf8");
    } catch (cause) {
      throw new InputError("dir", `cannot read ${path}: ${(cause as Error).message}`);
    }
  };
  const parse = <T>(file: string, text: string): T => {
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new InputError("dir", `${join(dir, file)} is not valid JSON`);
    }
  };
  const metrics = parse<RunMetrics>("metrics.json", read("metrics.json"));
  const info = parse<RunInfo>("run.json", read("run.json"));
  const logPath = join(dir, "chain-log.jsonl");
  const chainLog = existsSync(logPath)
    ? readFileSync(logPath, "utf8")
        .split("\n")
        .filter((line) => line.trim() !== "")
        .map((line, i) => {
          try {
            return JSON.parse(line) as ChainBlockRecord;
          } catch {
            throw new InputError("dir", `${logPath} line ${i + 1} is not valid JSON`);
          }
        })
    : null;
  return { metrics, info, chainLog };
}

/** The market's events in an exported chain log, decoded from the raw logs with the contract ABI. */
export function chainLogEvents(chainLog: readonly ChainBlockRecord[], marketAddress: string): Array<LoggedEvent & { timestamp: number }> {
  const events: Array<LoggedEvent & { timestamp: number }> = [];
  for (const block of chainLog) {
    for (const tx of block.transactions) {
      if (tx.status !== 1) continue;
      for (const log of tx.logs) {
        if (log.address.toLowerCase() !== marketAddress.toLowerCase()) continue;
        const decoded = decodeLog({ topics: log.topics, data: log.data, blockNumber: block.number, transactionHash: tx.hash, index: log.logIndex });
        if (decoded !== undefined) events.push({ ...decoded, timestamp: block.timestamp });
      }
    }
  }
  return events;
}
