// The entry of a background simulation's child process (see simulation-jobs.ts, which forks it
// with a V8 heap cap). A forked Node process does not go through vitest's or tsx's loaders on
// its own, so this plain module registers tsx, then loads the TypeScript job, as
// cli/bin/bidmesh.mjs does for the CLI.
import { register } from "tsx/esm/api";

register();
await import("./simulation-job.ts");
