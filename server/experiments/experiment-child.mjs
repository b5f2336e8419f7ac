// The entry of a background experiment's child process (see experiment-jobs.ts): registers tsx,
// then loads the TypeScript job, as simulation-child.mjs does for a simulation.
import { register } from "tsx/esm/api";

register();
await import("./experiment-job.ts");
