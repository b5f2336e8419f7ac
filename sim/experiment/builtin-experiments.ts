// The built-in experiments as files: where they are, their names and descriptions. Like the
// built-in scenarios (sim/scenario/builtins.ts), listing them reads no schema.
import { readdirSync, readFileSync } from "node:fs";
import { extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { InputError } from "../input-error.js";

/** The folder of the built-in experiments: one `<name>.yaml` each. */
export const EXPERIMENT_DIR = fileURLToPath(new URL("./builtins/", import.meta.url));

/** The built-ins' names, sorted. */
export function builtinExperimentNames(): string[] {
  return readdirSync(EXPERIMENT_DIR)
    .filter((file) => file.endsWith(".yaml"))
    .map((file) => file.slice(0, -".yaml".length))
    .sort();
}

/** Whether `nameOrPath` names a file rather than a built-in. */
export function isExperimentFile(nameOrPath: string): boolean {
  return /[\\/]/.test(nameOrPath) || [".yaml", ".yml", ".json"].includes(extname(nameOrPath).toLowerCase());
}

/** A built-in's data. @throws InputError listing the built-ins when there is no such one. */
export function readBuiltinExperiment(name: string): { data: unknown; source: string } {
  const names = builtinExperimentNames();
  if (!names.includes(name)) {
    throw new InputError("experiment", `unknown built-in experiment ${JSON.stringify(name)}; built-ins: ${names.join(", ")} (or give the path of a .yaml, .yml or .json file)`);
  }
  return { data: parse(readFileSync(join(EXPERIMENT_DIR, `${name}.yaml`), "utf8")) as unknown, source: name };
}

/** The built-ins with their descriptions. */
export function describeBuiltinExperiments(): Array<{ name: string; description: string; text: string }> {
  return builtinExperimentNames().map((name) => {
    const text = readFileSync(join(EXPERIMENT_DIR, `${name}.yaml`), "utf8");
    const data = parse(text) as { description?: unknown };
    return { name, description: String(data.description ?? ""), text };
  });
}
