import { readFileSync } from "node:fs";
import { join } from "node:path";
import { InputError } from "../sim/input-error.js";
import { BUILTIN_DIR, builtinNames, describeBuiltins } from "../sim/scenario/builtins.js";

/**
 * `bidmesh scenarios`: the built-ins with their descriptions; with `--show NAME`, that
 * built-in's YAML as it ships (comments included), a starting point for one's own file:
 * saved and passed back with `--scenario FILE`, it runs exactly as the built-in does.
 * The listing reads each file's description without the validator (sim/scenario/builtins.ts),
 * so it starts without the YAML parser, zod and ethers; `--show` validates the built-in it prints.
 */
export async function scenariosCommand(options: { show?: string }): Promise<void> {
  if (options.show === undefined) {
    for (const s of await describeBuiltins()) console.log(`${s.name.padEnd(30)} ${s.description}`);
    return;
  }
  const name = options.show;
  const names = builtinNames();
  if (!names.includes(name)) {
    throw new InputError("show", `unknown built-in scenario ${JSON.stringify(name)}; built-ins: ${names.join(", ")}`);
  }
  const { loadScenario } = await import("../sim/scenario/load.js");
  loadScenario(name);
  process.stdout.write(readFileSync(join(BUILTIN_DIR, `${name}.yaml`), "utf8"));
}
