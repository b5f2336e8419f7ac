// The built-in scenarios as files: where they are, their names, and each one's description read
// straight from its YAML. Kept apart from load.ts (the YAML parser, the zod schema and through it
// ethers) so that `bidmesh scenarios` lists them without loading any of that (about 0.6 s of a
// 0.7 s start): each built-in is validated whenever it is loaded, and
// test/scenario/builtins.test.ts checks that this list says what the validated scenarios say.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The folder of the built-in scenarios: one `<name>.yaml` each. */
export const BUILTIN_DIR = fileURLToPath(new URL("./builtins/", import.meta.url));

/** The built-ins' names (their file names without `.yaml`), sorted. */
export function builtinNames(): string[] {
  return readdirSync(BUILTIN_DIR)
    .filter((file) => file.endsWith(".yaml"))
    .map((file) => file.slice(0, -".yaml".length))
    .sort();
}

/**
 * The top-level `description: "..."` line the built-ins are written with: a double-quoted
 * scalar without escapes, whose text is its value exactly.
 */
const PLAIN_DESCRIPTION = /^description:[ \t]*"([^"\\\n]*)"[ \t]*$/m;

/**
 * The built-ins by name with their descriptions, read from their YAML without validating them.
 * For the listing only; anything that runs a built-in loads it through loadScenario.
 */
export async function describeBuiltins(): Promise<Array<{ name: string; description: string }>> {
  const list: Array<{ name: string; description: string }> = [];
  for (const name of builtinNames()) {
    list.push({ name, description: await readDescription(readFileSync(join(BUILTIN_DIR, `${name}.yaml`), "utf8")) });
  }
  return list;
}

/**
 * The `description` of a scenario's YAML text: straight from its line when written as the
 * built-ins write it, else (any other quoting, a block scalar) through the YAML parser.
 * @example await readDescription('name: x\ndescription: "One day."\n') // "One day."
 */
export async function readDescription(text: string): Promise<string> {
  const plain = PLAIN_DESCRIPTION.exec(text);
  if (plain !== null) return plain[1]!;
  const { parse } = await import("yaml");
  return String((parse(text) as { description?: unknown }).description);
}
