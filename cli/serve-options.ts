// Option parsers of `bidmesh serve`. They import nothing of server/, so checking the options does
// not load express and the chain.
import { InputError } from "../sim/input-error.js";
import { parseDuration } from "../sim/scenario/duration.js";

/** Parses `--port`: 0 (any free port) to 65535. */
export function parsePort(value: string): number {
  if (!/^\d{1,5}$/.test(value) || Number(value) > 65_535) {
    throw new InputError("port", `"${value}" is not a TCP port (a whole number from 0 to 65535; 0 picks a free one)`);
  }
  return Number(value);
}

/** Parses `--host`: a host name or an IP address to listen on. */
export function parseHost(value: string): string {
  if (!/^[A-Za-z0-9.:\-[\]]{1,253}$/.test(value)) {
    throw new InputError("host", `"${value}" is not a host name or IP address`);
  }
  return value;
}

/** Parses `--speed`: virtual seconds per real second, above 0 and at most 100,000. */
export function parseSpeed(value: string): number {
  const speed = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || !(speed > 0) || speed > 100_000) {
    throw new InputError("speed", `"${value}" is not a speed (virtual seconds per real second: a number above 0, at most 100000)`);
  }
  return speed;
}

/**
 * Parses one `--allowed-host` (repeatable): a host name or IP address the API answers in the
 * Host header, without a port (the server's own port applies); collected into `previous`.
 */
export function parseAllowedHost(value: string, previous: string[] = []): string[] {
  if (!/^(\[[0-9A-Fa-f:.]+\]|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*|[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9.])?)$/.test(value)) {
    throw new InputError("allowed-host", `"${value}" is not a host name or IP address (give the name without a port or a scheme, e.g. --allowed-host bidmesh.lan)`);
  }
  return [...previous, value];
}

/** Bounds of `--chain-timeout`: long enough for a busy local node, short enough to answer a person. */
export const CHAIN_TIMEOUT_MIN_MS = 100;
export const CHAIN_TIMEOUT_MAX_MS = 60_000;

/** Parses `--chain-timeout`: a duration with its unit (250ms, 5s), from 100ms to 60s. */
export function parseChainTimeout(value: string): number {
  const parsed = parseDuration(value);
  if (!parsed.ok || !/[a-z]\s*$/.test(value) || parsed.ms < CHAIN_TIMEOUT_MIN_MS || parsed.ms > CHAIN_TIMEOUT_MAX_MS) {
    throw new InputError("chain-timeout", `"${value}" is not a chain timeout (a duration with its unit, from 100ms to 60s, e.g. 5s or 2500ms)`);
  }
  return parsed.ms;
}

/** Parses `--simulation-memory-mb`: a background run's resident-memory limit, 128 MB (a run's process and chain need about that to start) to 1 TB. */
export function parseSimulationMemoryMb(value: string): number {
  if (!/^\d{1,7}$/.test(value) || Number(value) < 128 || Number(value) > 1_048_576) {
    throw new InputError("simulation-memory-mb", `"${value}" is not a memory limit (a whole number of MB from 128 to 1048576)`);
  }
  return Number(value);
}
