import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Chain tests boot an in-process EVM per file; two cores run two files at a time (vitest's
    // default, cores − 1, ran them one by one: most files wait on child processes and sockets).
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    maxWorkers: 2,
  },
});
