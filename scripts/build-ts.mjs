// Compiles the CLI, the simulator and the server to JavaScript in build/ (see build-layout.mjs),
// so `bidmesh` starts without compiling TypeScript. Part of `npm run build`.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { BUILD_DIR, BUILD_STAMP, LINKED_AT_TOP, ROOT, SOURCE_DIRS } from "./build-layout.mjs";

// The stamp's time is when compiling began: a source saved during the compile makes the build stale.
const started = new Date();
rmSync(BUILD_DIR, { recursive: true, force: true });

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

/** Links every file of `source` that is not TypeScript into `target` (in place of any copy tsc emitted); a folder with no TypeScript in it is linked whole. */
function linkAssets(source, target) {
  for (const entry of readdirSync(source, { withFileTypes: true })) {
    const from = join(source, entry.name);
    const to = join(target, entry.name);
    if (entry.isDirectory()) {
      if (holdsTypeScript(from)) linkAssets(from, to);
      else link(from, to);
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
