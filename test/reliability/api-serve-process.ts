// `bidmesh serve` as a user starts it, in a child process: the real CLI, its flags, its output
// and its shutdown on a signal. It runs in `cwd`, where its deployment registry
// (.bidmesh/deployments.json) lives.
import { spawn } from "node:child_process";

const BIDMESH = new URL("../../cli/bin/bidmesh.mjs", import.meta.url).pathname;

export interface ServeProcess {
  /** e.g. http://127.0.0.1:41234 */
  url: string;
  /** The market address the server printed. */
  marketAddress: string;
  pid: number;
  /** Everything it printed so far. */
  output(): { stdout: string; stderr: string };
  /** Sends `signal` and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

const LISTENING = /bidmesh API listening on (http:\/\/\S+) \(market (0x[0-9a-fA-F]{40}),/;

/** Starts `bidmesh serve ARGS --port 0` and resolves once it prints where it listens (or rejects after 60 s). */
export function startServeProcess(args: string[], options: { cwd: string; token: string }): Promise<ServeProcess> {
  const child = spawn(process.execPath, [BIDMESH, "serve", ...args, "--port", "0"], {
    cwd: options.cwd,
    env: { ...process.env, BIDMESH_API_TOKEN: options.token },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const stop = async (signal: NodeJS.Signals = "SIGTERM"): Promise<number | null> => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    return exited;
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop("SIGKILL");
      reject(new Error(`bidmesh serve printed no address within 60 s\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, 60_000);
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = LISTENING.exec(stdout);
      if (match === null) return;
      clearTimeout(timer);
      resolve({ url: match[1]!, marketAddress: match[2]!, pid: child.pid!, output: () => ({ stdout, stderr }), stop });
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`bidmesh serve exited (${code}) before listening\nstdout: ${stdout}\nstderr: ${stderr}`));
    });
  });
}
