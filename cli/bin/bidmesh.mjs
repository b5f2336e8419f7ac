#!/usr/bin/env node
// The `bidmesh` command. It runs the CLI compiled to JavaScript in build/ (`npm run build` makes
// it; scripts/build-layout.mjs says how), which starts without compiling anything, but only
// while that build is current: if any file or folder in cli/, sim/, server/ or types/, or the
// TypeScript or hardhat config or package.json, has changed since the build began, or no build
// has finished, it runs the TypeScript sources through tsx instead, which compiles each module
// it loads at start (slower, but always the code as it is now). So a developer who edits a file
// and runs the tests (which spawn this bin) never runs a stale build, and nothing need be
// rebuilt for the tests; `npm run build` makes the bin fast again. The check costs about 10 ms.
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { BUILD_DIR, buildIsCurrent } from "../../scripts/build-layout.mjs";

if (buildIsCurrent()) {
  await import(pathToFileURL(join(BUILD_DIR, "cli", "main.js")).href);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import("../main.ts");
}
