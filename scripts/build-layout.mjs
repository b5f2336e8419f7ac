// The compiled CLI: where it lives and what it is made from. Shared by the build
// (scripts/build-ts.mjs) and the bin (cli/bin/bidmesh.mjs), which runs it only while it is current.
//
// build/ mirrors the repository: each .ts of SOURCE_DIRS compiled to .js at the same path, and
// every other file there (built-in scenarios, the dashboard, the child-process entry) and each of
// LINKED_AT_TOP a symbolic link to the original. So code that finds a file relative to its own
// module (new URL("../../artifacts/…", import.meta.url)) finds the same file from build/.
// Plain JavaScript: the bin reads it before anything can compile TypeScript.
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository's root folder. */
export const ROOT = fileURLToPath(new URL("../", import.meta.url));
/** The compiled tree (in .gitignore). */
export const BUILD_DIR = join(ROOT, "build");
/** Written first by every build: a build/ without it (or the stamp) is not ours to remove. */
export const BUILD_MARKER = join(BUILD_DIR, ".made-by-bidmesh");
/** Written last by a build that succeeded; its modification time is the time that build started. */
export const BUILD_STAMP = join(BUILD_DIR, ".complete");
/** The folders compiled into build/ (tsconfig.build.json's include). */
export const SOURCE_DIRS = ["cli", "sim", "server", "types"];
/** Files at the top that are compiled, read at run time, or decide how the rest compiles. */
export const SOURCE_FILES = ["hardhat.config.ts", "package.json", "tsconfig.json", "tsconfig.build.json"];
/** What the compiled code reaches by relative path outside SOURCE_DIRS (hardhat's project root is build/). */
export const LINKED_AT_TOP = ["artifacts", "cache", "contracts", "package.json"];

/**
 * Whether build/ was compiled from the sources as they are now: a build finished, and no source
 * file or folder has changed since it started (a folder's time changes when a file is added,
 * removed or renamed in it). `root` is the repository's (another only in tests).
 */
export function buildIsCurrent(root = ROOT) {
  let built;
  try {
    built = statSync(root === ROOT ? BUILD_STAMP : join(root, "build", ".complete")).mtimeMs;
  } catch {
    return false;
  }
  for (const file of SOURCE_FILES) {
    if (changedSince(join(root, file), built)) return false;
  }
  return SOURCE_DIRS.every((dir) => !treeChangedSince(join(root, dir), built));
}

function changedSince(path, time) {
  try {
    return statSync(path).mtimeMs > time;
  } catch {
    return true;
  }
}

function treeChangedSince(dir, time) {
  if (changedSince(dir, time)) return true;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory() ? treeChangedSince(path, time) : changedSince(path, time)) return true;
  }
  return false;
}
