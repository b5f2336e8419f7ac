// The entry of a background simulation's worker thread (see simulation-jobs.ts). Worker threads
// are not transformed by vitest or tsx on their own, so this plain module registers tsx in the
// thread, then loads the TypeScript job, as sim/bin/bidmesh.mjs does for the CLI.
import { register } from "tsx/esm/api";

register();
await import("./simulation-job.ts");
