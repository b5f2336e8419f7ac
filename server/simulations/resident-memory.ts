// A process's resident memory, as the kernel counts it: the embedded chain (EDR) keeps its state
// in native memory, outside the V8 heap that `--max-old-space-size` caps, so the job manager
// watches this figure to stop a run before it takes the machine's memory.
import { readFile } from "node:fs/promises";

/**
 * The resident set size of process `pid` in MB, read from /proc/<pid>/status (VmRSS); undefined
 * where there is no /proc (not Linux) or the process has gone.
 */
export async function residentMb(pid: number): Promise<number | undefined> {
  let status: string;
  try {
    status = await readFile(`/proc/${pid}/status`, "utf8");
  } catch {
    return undefined;
  }
  const kb = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status)?.[1];
  return kb === undefined ? undefined : Number(kb) / 1024;
}
