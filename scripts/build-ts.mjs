// Compiles the CLI, the simulator and the server to JavaScript in build/ (see build-layout.mjs),
// so `bidmesh` starts without compiling TypeScript. Part of `npm run build`.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { BUILD_DIR, BUILD_MARKER, BUILD_STAMP, LINKED_AT_TOP, ROOT, SOURCE_DIRS } from "./build-layout.mjs";

// The stamp's time is when compiling began: a source saved during the compile makes the build stale.
const started = new Date();
removeOwnBuild();

// Marked as this script's before anything is written into it, so a failed build is removable too.
mkdirSync(BUILD_DIR, { recursive: true });
writeFileSync(BUILD_MARKER, "made by scripts/build-ts.mjs; removed and made again by each build\n");
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
const compile = spawnSync(process.execPath, [tsc, "-p", join(ROOT, "tsconfig.build.json")], { stdio: "inherit" });
if (compile.status !== 0) {
  console.error("build-ts: tsc failed; bidmesh runs the TypeScript sources through tsx until a build succeeds");
  process.exit(compile.status ?? 1);
}

for (const dir of SOURCE_DIRS) linkAssets(join(ROOT, dir), join(BUILD_DIR, dir));
for (const name of LINKED_AT_TOP) {
  if (existsSync(join(ROOT, name))) link(join(ROOT, name), join(BUILD_DIR, name));
}
writeFileSync(BUILD_STAMP, "");
utimesSync(BUILD_STAMP, started, started);

/**
 * Removes the previous build, and only one: a build/ this script made carries its marker (or a
 * finished build's stamp); any other folder of that name is the user's, and the build stops.
 */
function removeOwnBuild() {
  if (!existsSync(BUILD_DIR)) return;
  if (!existsSync(BUILD_MARKER) && !existsSync(BUILD_STAMP)) {
    console.error(`build-ts: ${BUILD_DIR} exists and was not made by this build (no ${relative(BUILD_DIR, BUILD_MARKER)}); move it away and build again`);
    process.exit(1);
  }
  rmSync(BUILD_DIR, { recursive: true, force: true });
}

/** Links every file of `source` that is not TypeScript into `target` (in place of any copy tsc emitted); a folder with no TypeScript in it is linked whole. */
function linkAssets(source, target) {
  for (const entry of readdirSync(source, { withFileTypes: true })) {
    const from = join(source, entry.name);
    const to = join(target, entry.name);
    if (entry.isDirectory()) {
      if (holdsTypeScript(from)) linkAssets(from, to);
      else {
        // tsc may have emitted this folder's .js files already (allowJs); the link replaces that copy,
        // which lies inside build/, the folder this script owns.
        rmSync(to, { recursive: true, force: true });
        link(from, to);
      }
    } else if (!entry.name.endsWith(".ts")) {
      // A hand-written .js file (the report page's modules, which allowJs lets tsc re-emit) runs
      // and is inlined as written: tsc's copy would change the report's bytes.
      rmSync(to, { force: true });
      link(from, to);
    }
  }
}

function holdsTypeScript(dir) {
  return readdirSync(dir, { withFileTypes: true }).some((entry) => (entry.isDirectory() ? holdsTypeScript(join(dir, entry.name)) : entry.name.endsWith(".ts")));
}

/** A relative link, so the checkout can move. */
function link(from, to) {
  mkdirSync(dirname(to), { recursive: true });
  symlinkSync(relative(dirname(to), from), to);
}
