// "The CLI starts fast": what `bidmesh --help` and `bidmesh scenarios` load before they print.
// Each command's module is imported when it runs (cli/main.ts), so the packages a command pays
// for at start are those its modules import statically. ethers, zod and the YAML parser cost
// about 0.6 s of a 0.7 s `scenarios` (npm run bench, "cli start-up"); listing needs none of them.
import { readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = new URL("../../", import.meta.url).pathname;

/** The static imports of one source file (`import type` is erased, `await import()` is lazy). */
function staticImports(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const specifiers: string[] = [];
  for (const match of text.matchAll(/^(?:import|export)(?!\s+type\b)[^;"]*?\bfrom\s+"([^"]+)"|^import\s+"([^"]+)"/gm)) {
    specifiers.push((match[1] ?? match[2])!);
  }
  return specifiers;
}

/** Every package a module loads at start, following its static imports through the sources. */
function packagesLoadedBy(entry: string): Set<string> {
  const packages = new Set<string>();
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const specifier of staticImports(file)) {
      if (specifier.startsWith(".")) visit(join(dirname(file), specifier.replace(/\.js$/, ".ts")));
      else if (!specifier.startsWith("node:")) packages.add(specifier.startsWith("@") ? specifier.split("/").slice(0, 2).join("/") : specifier.split("/")[0]!);
    }
  };
  visit(join(ROOT, entry));
  expect(seen.size, `followed from ${relative(ROOT, join(ROOT, entry))}`).toBeGreaterThan(1);
  return packages;
}

describe("the CLI starts fast", () => {
  it("bidmesh --help loads commander and nothing else", () => {
    expect([...packagesLoadedBy("cli/main.ts")]).toEqual(["commander"]);
  });

  it("bidmesh scenarios loads no package: not ethers, zod or the YAML parser", () => {
    const loaded = new Set([...packagesLoadedBy("cli/main.ts"), ...packagesLoadedBy("cli/scenarios-command.ts")]);
    expect([...loaded]).toEqual(["commander"]);
  });

  it("loading a scenario still goes through the validator (and so ethers' units)", () => {
    const loaded = packagesLoadedBy("sim/scenario/load.ts");
    for (const name of ["yaml", "zod", "ethers"]) expect(loaded.has(name), name).toBe(true);
  });
});
