/** The signals that end a command early, with the exit code a shell gives for each (128 + n). */
const SIGNALS = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const;

/**
 * When the process is interrupted (Ctrl-C, `kill`, a closed terminal): runs `cleanUp`, prints
 * one line ending with `afterCleanUp`, and exits with the shell's code for the signal, instead
 * of Node's default of dying on the spot with half-written files left behind. Returns the
 * function that removes the handlers again, once there is nothing left to clean up.
 */
export function onInterrupt(afterCleanUp: string, cleanUp: () => void): () => void {
  const handlers = Object.entries(SIGNALS).map(([signal, code]) => {
    const handler = () => {
      try {
        cleanUp();
      } finally {
        try {
          console.error(`bidmesh: interrupted (${signal}); ${afterCleanUp}`);
        } catch {
          // the terminal may be gone (SIGHUP): exit all the same
        }
        process.exit(code);
      }
    };
    process.once(signal, handler);
    return () => process.off(signal, handler);
  });
  return () => {
    for (const off of handlers) off();
  };
}
