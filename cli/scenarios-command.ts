import { readFileSync } from "node:fs";
import { join } from "node:path";
import { InputError } from "../sim/input-error.js";
import { BUILTIN_DIR, listBuiltinScenarios } from "../sim/scenario/load.js";

/**
 * `bidmesh scenarios`: the built-ins with their descriptions; with `--show NAME`, that
 * built-in's YAML as it ships (comments included), a starting point for one's own file:
 * saved and passed back with `--scenario FILE`, it runs exactly as the built-in does.
 */
export function scenariosCommand(options: { show?: string }): void {
  const builtins = listBuiltinScenarios();
  if (options.show === undefined) {
    for (const s of builtins) console.log(`${s.name.padEnd(30)} ${s.description}`);
    return;
  }
  const name = options.show;
  if (!builtins.some((s) => s.name === name)) {
    throw new InputError("show", `unknown built-in scenario ${JSON.stringify(name)}; built-ins: ${builtins.map((s) => s.name).join(", ")}`);
  }
  process.stdout.write(readFileSync(join(BUILTIN_DIR, `${name}.yaml`), "utf8"));
}
