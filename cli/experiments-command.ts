import { describeBuiltinExperiments } from "../sim/experiment/builtin-experiments.js";
import { InputError } from "../sim/input-error.js";

/** `bidmesh experiments`: the built-ins and what each varies, or one's YAML. */
export function experimentsCommand(options: { show?: string }): void {
  const builtins = describeBuiltinExperiments();
  if (options.show !== undefined) {
    const found = builtins.find((b) => b.name === options.show);
    if (found === undefined) throw new InputError("show", `unknown built-in experiment ${JSON.stringify(options.show)}; built-ins: ${builtins.map((b) => b.name).join(", ")}`);
    process.stdout.write(found.text);
    return;
  }
  const width = Math.max(...builtins.map((b) => b.name.length));
  for (const b of builtins) console.log(`${b.name.padEnd(width)}  ${b.description}`);
  console.log(`\nrun one: bidmesh experiment ${builtins[0]?.name ?? "NAME"}   ·   its YAML: bidmesh experiments --show NAME`);
}
