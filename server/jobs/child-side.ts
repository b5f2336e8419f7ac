// The child's end of a background job (see child-jobs.ts): says `ready`, waits for its one input
// message, runs the job, and says `done` or `failed`. A job's code gives only the work itself.
import { InputError } from "../../sim/input-error.js";
import type { ChildMessage } from "./child-protocol.js";

/** Sends a message to the manager; resolves once it is sent (at once if the manager is gone). */
export type SendToManager<Progress, Result> = (message: ChildMessage<Progress, Result>) => Promise<void>;

/**
 * Serves one job in this process: `work` gets the input and a way to report progress, and
 * returns the small result the manager keeps (its large results go into files). Progress is sent
 * at most once per `input.progressIntervalMs` (the latest goes with `done`).
 */
export function serveChildJob<Input extends { progressIntervalMs: number }, Progress, Result>(name: string, work: (input: Input, progress: (progress: Progress) => void) => Promise<Result>): void {
  if (process.send === undefined) throw new Error(`${name} runs only in a process forked with an IPC channel`);
  const send: SendToManager<Progress, Result> = (message) =>
    new Promise((resolve) => {
      // A manager that has gone cannot be told; the disconnect handler below ends this process.
      if (!process.connected) return resolve();
      process.send!(message, undefined, {}, () => resolve());
    });
  // The server went away (it exited, or was killed): nobody wants this job any more.
  process.once("disconnect", () => process.exit(1));
  process.once("message", (input: Input) => void run(input));
  void send({ type: "ready" });

  async function run(input: Input): Promise<void> {
    let latest: Progress | null = null;
    // Wall-clock time only paces the messages; it never reaches the simulation.
    let lastSent = -Infinity;
    try {
      const result = await work(input, (progress) => {
        latest = progress;
        const now = performance.now();
        if (now - lastSent < input.progressIntervalMs) return;
        lastSent = now;
        void send({ type: "progress", progress });
      });
      await send({ type: "done", progress: latest, result });
    } catch (error) {
      // An input the simulator refuses at run time says why in its own words (field: problem);
      // anything else is internal, and its message stays in the server's log.
      await send(
        error instanceof InputError
          ? { type: "failed", error: error.message }
          : { type: "failed", error: `the ${name} failed unexpectedly (details are in the server's log)`, detail: error instanceof Error ? (error.stack ?? error.message) : String(error) },
      );
    }
  }
}
