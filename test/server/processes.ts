// What the kernel says about a server's processes (Linux /proc), for the tests of background
// simulations: which run processes a server has started, whether one still runs, how much
// memory it holds.
import { readdirSync, readFileSync } from "node:fs";

function readProc(pid: number, file: string): string {
  try {
    return readFileSync(`/proc/${pid}/${file}`, "utf8");
  } catch {
    return "";
  }
}

/** Whether process `pid` still runs (a zombie waiting to be reaped does not: its memory is freed). */
export function alive(pid: number): boolean {
  const status = readProc(pid, "status");
  return status !== "" && !/^State:\s+[ZX]/m.test(status);
}

/** The simulation processes `pid` has started that still run (tsx's esbuild service is another child). */
export function simulationChildPids(pid: number): number[] {
  return readdirSync(`/proc/${pid}/task`)
    .flatMap((tid) => readProc(pid, `task/${tid}/children`).split(" "))
    .filter((p) => p.trim() !== "")
    .map(Number)
    .filter((child) => alive(child) && readProc(child, "cmdline").includes("simulation-child.mjs"));
}

/** Process `pid`'s resident memory in MB (VmRSS), or undefined once it is gone. */
export function residentMbOf(pid: number): number | undefined {
  const kb = /^VmRSS:\s+(\d+)\s+kB$/m.exec(readProc(pid, "status"))?.[1];
  return kb === undefined ? undefined : Number(kb) / 1024;
}
