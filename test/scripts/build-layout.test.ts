import { mkdirSync, mkdtempSync, rmSync, unlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { buildIsCurrent, SOURCE_DIRS, SOURCE_FILES } from "../../scripts/build-layout.mjs";

// The bin runs build/ only while buildIsCurrent(); otherwise the sources through tsx. So a
// developer who edits a source and runs the tests (which spawn the bin) never runs a stale build.

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const LONG_AGO = new Date("2025-01-01T00:00:00Z");
const BUILT_AT = new Date("2025-06-01T00:00:00Z");

/** A repository-shaped folder whose every source predates a build stamped BUILT_AT. */
function builtTree(): string {
  const root = mkdtempSync(join(tmpdir(), "bidmesh-build-layout-"));
  made.push(root);
  for (const dir of SOURCE_DIRS) {
    mkdirSync(join(root, dir, "inner"), { recursive: true });
    writeFileSync(join(root, dir, "inner", "a.ts"), "export {};\n");
    utimesSync(join(root, dir, "inner", "a.ts"), LONG_AGO, LONG_AGO);
    utimesSync(join(root, dir, "inner"), LONG_AGO, LONG_AGO);
    utimesSync(join(root, dir), LONG_AGO, LONG_AGO);
  }
  for (const file of SOURCE_FILES) {
    writeFileSync(join(root, file), "{}\n");
    utimesSync(join(root, file), LONG_AGO, LONG_AGO);
  }
  mkdirSync(join(root, "build"));
  writeFileSync(join(root, "build", ".complete"), "");
  utimesSync(join(root, "build", ".complete"), BUILT_AT, BUILT_AT);
  return root;
}

describe("buildIsCurrent: whether the bin may run build/", () => {
  it("is true when no source changed since the build began", () => {
    expect(buildIsCurrent(builtTree())).toBe(true);
  });

  it("is false when no build finished (no stamp)", () => {
    const root = builtTree();
    unlinkSync(join(root, "build", ".complete"));
    expect(buildIsCurrent(root)).toBe(false);
  });

  it.each(SOURCE_DIRS)("is false when a file deep in %s/ was edited after the build began", (dir) => {
    const root = builtTree();
    utimesSync(join(root, dir, "inner", "a.ts"), new Date(), new Date());
    expect(buildIsCurrent(root)).toBe(false);
  });

  it("is false when a file was added or removed (its folder's time changes)", () => {
    const added = builtTree();
    writeFileSync(join(added, "sim", "inner", "b.ts"), "export {};\n");
    utimesSync(join(added, "sim", "inner", "b.ts"), LONG_AGO, LONG_AGO);
    expect(buildIsCurrent(added)).toBe(false);
    const removed = builtTree();
    unlinkSync(join(removed, "server", "inner", "a.ts"));
    expect(buildIsCurrent(removed)).toBe(false);
  });

  it.each(SOURCE_FILES)("is false when %s changed after the build began, or is missing", (file) => {
    const edited = builtTree();
    utimesSync(join(edited, file), new Date(), new Date());
    expect(buildIsCurrent(edited)).toBe(false);
    const missing = builtTree();
    unlinkSync(join(missing, file));
    expect(buildIsCurrent(missing)).toBe(false);
  });
});
