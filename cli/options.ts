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
