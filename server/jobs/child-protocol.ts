// The messages from a background job's child process to its manager (child-jobs.ts), over the
// fork's IPC channel with "advanced" serialization (structured clone, so a parsed scenario's
// bigints cross as they are). The manager's one message to the child, its input, is the kind's
// own (simulation-protocol.ts, experiment-protocol.ts). Types only: the manager never loads a
// job's code.

export type ChildMessage<Progress, Result> =
  /** Sent once the child listens: only then does the manager send its input (a message sent earlier could be lost). */
  | { type: "ready" }
  | { type: "progress"; progress: Progress }
  /** Small: the job's large results are in files of its folder, which the server streams from disk. */
  | { type: "done"; progress: Progress | null; result: Result }
  /**
   * `error` is for clients: an input problem's own message, or a fixed sentence. `detail` (the
   * original error's message and stack) is for the server's log only.
   */
  | { type: "failed"; error: string; detail?: string };
