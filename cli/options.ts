import { InputError } from "../sim/input-error.js";

/** Parses `--seed`: a non-negative safe integer. */
export function parseSeed(value: string): number {
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw new InputError("seed", `"${value}" is not a whole number from 0 to ${Number.MAX_SAFE_INTEGER}`);
  }
  return Number(value);
}

/** Parses `--ledger`. */
export function parseLedgerKind(value: string): "chain" | "memory" {
  if (value !== "chain" && value !== "memory") throw new InputError("ledger", `"${value}" is not one of: chain, memory`);
  return value;
}

/** Parses a positive task id (the contract numbers tasks from 1; ids past 2^53 are never reached). */
export function parseTaskId(value: string): number {
  if (!/^\d+$/.test(value) || BigInt(value) === 0n) throw new InputError("task", `"${value}" is not a task id (a whole number from 1)`);
  if (BigInt(value) > BigInt(Number.MAX_SAFE_INTEGER)) throw new InputError("task", `task ${value} was never posted on this market (ids stop well below ${Number.MAX_SAFE_INTEGER})`);
  return Number(value);
}

/** Parses `--jobs` / `--concurrency`: a whole number of threads from 1 to 256. */
export function parseThreads(field: string): (value: string) => number {
  return (value) => {
    if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 256) throw new InputError(field, `"${value}" is not a whole number of threads from 1 to 256`);
    return Number(value);
  };
}

/** Parses `--queue`: a redis:// (or rediss://) URL with a host. */
export function parseQueueUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InputError("queue", `"${value}" is not a URL; expected redis://HOST:PORT`);
  }
  if ((url.protocol !== "redis:" && url.protocol !== "rediss:") || url.hostname === "") throw new InputError("queue", `"${value}" is not a redis:// URL; expected redis://HOST:PORT`);
  return value;
}

/** Parses `--target-ci`: a positive half-width (in the metric's units; a rate's 0.01 is one point). */
export function parseTargetCi(value: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n <= 0) throw new InputError("target-ci", `"${value}" is not a positive number (the largest 95% interval half-width to accept, in the metric's units)`);
  return n;
}

/** Parses `--max-seeds`: how many seeds sequential stopping may reach, 2 to 1,000. */
export function parseMaxSeeds(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 2 || Number(value) > 1_000) throw new InputError("max-seeds", `"${value}" is not a whole number from 2 to 1000`);
  return Number(value);
}
