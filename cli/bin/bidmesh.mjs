#!/usr/bin/env node
// The `bidmesh` command. It runs the CLI compiled to JavaScript in build/ (`npm run build` makes
// it), which starts in a few hundredths of a second, but only while that build is current: if a
// source file or folder (cli/, sim/, server/, types/, the TypeScript and hardhat configs,
// package.json) has changed since the build began, or no build has finished, it runs the
// TypeScript sources through tsx instead, which compiles them at start (about a second and a
// half) and so always runs the code as it is. A developer who edits a file and runs the tests
// (which spawn this bin) therefore never runs a stale build; `npm run build` makes it fast again.
import { BUILD_DIR, buildIsCurrent } from "../../scripts/build-layout.mjs";

if (buildIsCurrent()) {
  await import(`${BUILD_DIR}/cli/main.js`);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import("../main.ts");
}
