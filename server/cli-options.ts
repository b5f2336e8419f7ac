// Option parsers of `bidmesh serve`, kept apart from index.ts so the CLI can load them without
// loading express and the chain.
import { InputError } from "../sim/input-error.js";

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

/** Parses `--simulation-memory-mb`: a background run's resident-memory limit, 128 MB (a run's process and chain need about that to start) to 1 TB. */
export function parseSimulationMemoryMb(value: string): number {
  if (!/^\d{1,7}$/.test(value) || Number(value) < 128 || Number(value) > 1_048_576) {
    throw new InputError("simulation-memory-mb", `"${value}" is not a memory limit (a whole number of MB from 128 to 1048576)`);
  }
  return Number(value);
}
