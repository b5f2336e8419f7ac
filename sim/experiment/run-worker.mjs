// The entry of an experiment's worker thread (piscina loads it once per thread and calls its
// default export for every run, so a thread starts, and compiles, once). A worker thread does
// not go through vitest's or tsx's loaders, so, like cli/bin/bidmesh.mjs, this plain module runs
// the compiled build when it is current and otherwise registers tsx and loads the TypeScript.
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { BUILD_DIR, buildIsCurrent } from "../../scripts/build-layout.mjs";

let module;
if (buildIsCurrent()) {
  module = await import(pathToFileURL(join(BUILD_DIR, "sim", "experiment", "run-one.js")).href);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  module = await import("./run-one.ts");
}

export default module.runExperimentRun;
