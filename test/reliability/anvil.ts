// anvil (from the npm package @foundry-rs/anvil) on loopback, for tests of a chain that
// outlives the server: with a state file it loads the chain at start and dumps it on exit.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { freePort } from "../helpers/hardhat-node.js";

/**
 * The platform package's binary, not node_modules/.bin/anvil: that is a node wrapper which, on
 * SIGTERM/SIGINT, passes the signal on and exits at once, before anvil has finished writing its
 * state file — a test reading the file after "exit" would find it half written.
 */
const ANVIL = new URL(
  `../../node_modules/@foundry-rs/anvil-${process.platform === "win32" ? "win32" : process.platform}-${process.arch === "x64" ? "amd64" : process.arch}/bin/anvil`,
  import.meta.url,
).pathname;

export interface Anvil {
  url: string;
  port: number;
  /** Its process id (the test stops only the processes it started). */
  pid: number;
  /** Sends `signal` and resolves once it has exited (and written its state): anvil ends by the signal, so no exit code. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export interface AnvilOptions {
  /** `--state FILE`: load it if it exists, dump the chain into it on exit. */
  stateFile?: string;
  /** Default a free loopback port. */
  port?: number;
  /** More anvil arguments (e.g. ["--state-interval", "1"]). */
  args?: string[];
}

/** Starts anvil and resolves once it answers JSON-RPC (or rejects after 20 s). */
export async function startAnvil(options: AnvilOptions = {}): Promise<Anvil> {
  if (!existsSync(ANVIL)) throw new Error(`anvil is not installed at ${ANVIL}: run npm install`);
  const port = options.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const args = ["--host", "127.0.0.1", "--port", String(port), "--silent"];
  if (options.stateFile !== undefined) args.push("--state", options.stateFile);
  args.push(...(options.args ?? []));
  const child: ChildProcess = spawn(ANVIL, args, { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async (signal: NodeJS.Signals = "SIGTERM"): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  for (let attempt = 0; attempt < 100; attempt++) {
    if (child.exitCode !== null) throw new Error(`anvil exited (${child.exitCode}): ${stderr}`);
    if (await answers(url)) return { url, port, pid: child.pid!, stop };
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await stop("SIGKILL");
  throw new Error(`anvil did not answer on ${url} within 20 s: ${stderr}`);
}

async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
    });
    return response.ok;
  } catch {
    return false; // not listening yet
  }
}
