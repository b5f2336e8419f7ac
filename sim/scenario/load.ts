import { readFileSync, statSync } from "node:fs";
import { basename, extname, join } from "node:path";
import { parseDocument } from "yaml";
import { InputError } from "../input-error.js";
import { BUILTIN_DIR, builtinNames } from "./builtins.js";
import { formatScenarioIssues, scenarioErrorMap, toScenarioIssues, type ScenarioIssue } from "./issues.js";
import { ScenarioSchema, type Scenario } from "./schema.js";

export { formatScenarioIssues } from "./issues.js";
export { BUILTIN_DIR } from "./builtins.js";

const FILE_EXTENSIONS = [".yaml", ".yml", ".json"];

/**
 * A scenario that does not validate. Its message has one line per issue, `field: problem`;
 * `field` and `problem` are the first issue's, `issues` holds them all.
 */
export class ScenarioError extends InputError {
  constructor(
    /** The built-in name or the file the scenario came from. */
    readonly source: string,
    readonly issues: readonly ScenarioIssue[],
  ) {
    const [first, ...rest] = issues;
    if (first === undefined) throw new RangeError("a ScenarioError needs at least one issue");
    super(first.field, rest.length === 0 ? first.problem : `${first.problem}\n${formatScenarioIssues(rest)}`);
  }
}

export interface ScenarioOverrides {
  /** Replaces the scenario's seed (e.g. from `--seed`). */
  seed?: number;
}

/**
 * Loads a scenario: a built-in name (see `listBuiltinScenarios`) or a .yaml, .yml or .json file.
 * @throws InputError naming the field and what is allowed; a ScenarioError (an InputError)
 * listing every issue when the content does not validate.
 * @example
 * const scenario = loadScenario("aws-us-east-1-2025-10-20", { seed: 7 });
 * const custom = loadScenario("./my-outage.yaml");
 */
export function loadScenario(nameOrPath: string, overrides: ScenarioOverrides = {}): Scenario {
  const { data, source } = readScenarioData(nameOrPath);
  const scenario = parseScenario(data, source);
  if (overrides.seed === undefined) return scenario;
  if (!Number.isSafeInteger(overrides.seed)) throw new InputError("seed", `must be a whole number, got ${overrides.seed}`);
  return { ...scenario, seed: overrides.seed };
}

/**
 * A scenario's data as its file holds it, not yet validated (units as written): what an
 * experiment varies before each arm is validated.
 * @throws InputError when the name is unknown or the file cannot be read or parsed.
 */
export function readScenarioData(nameOrPath: string): { data: unknown; source: string } {
  return isFilePath(nameOrPath) ? readScenarioFile(nameOrPath) : readBuiltin(nameOrPath);
}

/** Reads a YAML or JSON file's data (for any file in the scenario format's family, e.g. an experiment). */
export { readScenarioFile as readDataFile };

/**
 * Validates already-parsed data (from YAML, JSON or a request body) as a scenario.
 * @throws ScenarioError with every issue.
 */
export function parseScenario(data: unknown, source = "scenario"): Scenario {
  const result = ScenarioSchema.safeParse(data, { error: scenarioErrorMap });
  if (!result.success) throw new ScenarioError(source, toScenarioIssues(result.error.issues));
  return result.data;
}

/** The built-in scenarios, by name, with their descriptions, each validated. */
export function listBuiltinScenarios(): Array<{ name: string; description: string }> {
  return builtinNames().map((name) => ({ name, description: loadScenario(name).description }));
}

function isFilePath(nameOrPath: string): boolean {
  return /[\\/]/.test(nameOrPath) || FILE_EXTENSIONS.includes(extname(nameOrPath).toLowerCase());
}

function readBuiltin(name: string): { data: unknown; source: string } {
  const names = builtinNames();
  if (!names.includes(name)) {
    throw new InputError(
      "scenario",
      `unknown built-in scenario ${JSON.stringify(name)}; built-ins: ${names.join(", ")} (or give the path of a .yaml, .yml or .json file)`,
    );
  }
  const file = join(BUILTIN_DIR, `${name}.yaml`);
  return { data: parseYaml(readFileSync(file, "utf8"), `built-in ${name}`), source: name };
}

function readScenarioFile(path: string, field = "scenario"): { data: unknown; source: string } {
  const extension = extname(path).toLowerCase();
  if (!FILE_EXTENSIONS.includes(extension)) {
    throw new InputError(field, `${path}: expected a .yaml, .yml or .json file`);
  }
  let text: string;
  try {
    if (!statSync(path).isFile()) throw new InputError(field, `${path} is not a file`);
    text = readFileSync(path, "utf8");
  } catch (error) {
    if (error instanceof InputError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new InputError(field, `file ${path} does not exist`);
    throw new InputError(field, `cannot read ${path}: ${(error as Error).message}`);
  }
  if (extension === ".json") {
    try {
      return { data: JSON.parse(text) as unknown, source: path };
    } catch (error) {
      // V8's message carries the position, e.g. "... at position 11 (line 3 column 1)".
      throw new InputError(field, `${basename(path)} is not valid JSON: ${(error as Error).message}`);
    }
  }
  return { data: parseYaml(text, path, field), source: path };
}

function parseYaml(text: string, where: string, field = "scenario"): unknown {
  const doc = parseDocument(text, { prettyErrors: true });
  const error = doc.errors[0];
  if (error !== undefined) {
    const pos = error.linePos?.[0];
    // The message is "<reason> at line L, column C:\n\n<code frame>"; keep the reason and the frame.
    const [parsed = error.message, frame = ""] = error.message.split(/ at line \d+, column \d+:\n/);
    // The parser recurses per level: nesting past the stack shows as its RangeError's message.
    const reason = /Maximum call stack/.test(parsed) ? "it nests too deeply" : parsed;
    const at = pos === undefined ? "" : ` at line ${pos.line}, column ${pos.col}`;
    throw new InputError(field, `YAML syntax error in ${where}${at}: ${reason}${frame.trimEnd() === "" ? "" : `\n${frame.trimEnd()}`}`);
  }
  try {
    // toJS resolves aliases and nesting: a file that abuses them (an alias bomb, nesting past
    // the stack) fails here, and is as much bad input as a syntax error.
    return doc.toJS() as unknown;
  } catch (error) {
    const reason = error instanceof RangeError ? "it nests too deeply" : error instanceof Error ? error.message : String(error);
    throw new InputError(field, `cannot read the YAML in ${where}: ${reason}`);
  }
}
