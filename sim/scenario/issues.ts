import { z } from "zod";

// Error messages for scenario files: each names the field by its dotted path and says what is
// allowed, in the words a person editing YAML uses ("a list", "a whole number"), not zod's.

/** One problem in a scenario: the dotted field path and what is wrong with it. */
export interface ScenarioIssue {
  field: string;
  problem: string;
}

/**
 * A strict object: unknown keys are errors whose message lists the keys that are allowed.
 * @example strictObject({ name: z.string() }).parse({ nmae: "x" }) // nmae: unknown field; allowed: name
 */
export function strictObject<Shape extends z.ZodRawShape>(shape: Shape) {
  const allowed = Object.keys(shape).join(", ");
  return z.strictObject(shape, {
    error: (issue) => (issue.code === "unrecognized_keys" ? `unknown field; allowed: ${allowed}` : undefined),
  });
}

const TYPE_NAMES: Record<string, string> = {
  number: "a number",
  int: "a whole number",
  string: "a string",
  boolean: "true or false",
  array: "a list",
  object: "a mapping (key: value)",
  record: "a mapping (key: value)",
  bigint: "a whole number",
};

/**
 * The error map used when a scenario is parsed: schema-level messages (durations, amounts,
 * cross-field checks) take precedence; this covers zod's built-in checks.
 */
export const scenarioErrorMap: z.core.$ZodErrorMap = (raw) => {
  const issue = raw as unknown as Record<string, unknown> & { code: string; input?: unknown };
  const got = issue.input === undefined ? "" : `, got ${describeValue(issue.input)}`;
  switch (issue.code) {
    case "invalid_type": {
      // z.int() reports a string as "expected number"; its format says it wants a whole one.
      const format = (issue["inst"] as { _zod?: { def?: { format?: unknown } } } | undefined)?._zod?.def?.format;
      const kind = typeof format === "string" && /int/.test(format) ? "int" : String(issue["expected"]);
      const expected = TYPE_NAMES[kind] ?? kind;
      return issue.input === undefined ? `required: ${expected}` : `expected ${expected}${got}`;
    }
    case "too_small": {
      const min = String(issue["minimum"]);
      const origin = String(issue["origin"]);
      if (origin === "array") return `must have at least ${min} item${min === "1" ? "" : "s"}`;
      if (origin === "string") return min === "1" ? "must not be empty" : `must be at least ${min} characters long`;
      return `${issue["inclusive"] === false ? "must be more than" : "must be at least"} ${min}${got}`;
    }
    case "too_big": {
      const max = String(issue["maximum"]);
      const origin = String(issue["origin"]);
      if (origin === "array") return `must have at most ${max} items`;
      if (origin === "string") return `must be at most ${max} characters long`;
      return `${issue["inclusive"] === false ? "must be less than" : "must be at most"} ${max}${got}`;
    }
    case "invalid_value": {
      const values = (issue["values"] as unknown[]).map((v) => JSON.stringify(v)).join(", ");
      return `expected one of ${values}${got}`;
    }
    case "invalid_union": {
      if (issue["note"] !== "No matching discriminator") return undefined;
      const key = String(issue["discriminator"]);
      const options = (issue["options"] as unknown[]).map((v) => String(v)).join(", ");
      const value = typeof issue.input === "object" && issue.input !== null ? (issue.input as Record<string, unknown>)[key] : undefined;
      return value === undefined ? `required: one of ${options}` : `unknown ${key} ${JSON.stringify(value)}; allowed: ${options}`;
    }
    case "not_multiple_of":
      return `must be a multiple of ${String(issue["divisor"])}${got}`;
    default:
      return undefined;
  }
};

/** A zod path as a dotted field name; the whole document is "scenario". */
export function fieldPath(path: readonly PropertyKey[]): string {
  return path.length === 0 ? "scenario" : path.map((p) => String(p)).join(".");
}

/** Zod's issues as scenario issues: one per problem, an unknown key each on its own. */
export function toScenarioIssues(issues: readonly z.core.$ZodIssue[]): ScenarioIssue[] {
  const out: ScenarioIssue[] = [];
  for (const issue of issues) {
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) out.push({ field: fieldPath([...issue.path, key]), problem: issue.message });
    } else {
      out.push({ field: fieldPath(issue.path), problem: issue.message });
    }
  }
  return out;
}

/**
 * Every issue of a failed parse, one line each: `field.path: what is wrong and what is allowed`.
 * @example
 * const result = ScenarioSchema.safeParse(data, { error: scenarioErrorMap });
 * if (!result.success) console.error(formatScenarioIssues(result.error.issues));
 */
export function formatScenarioIssues(issues: readonly z.core.$ZodIssue[] | readonly ScenarioIssue[]): string {
  const list = issues.length > 0 && "field" in issues[0]! ? (issues as readonly ScenarioIssue[]) : toScenarioIssues(issues as readonly z.core.$ZodIssue[]);
  // A file wrong in a thousand places needs its first screenful, not all of it.
  const shown = list.slice(0, MAX_ISSUES_SHOWN).map((i) => `${i.field}: ${i.problem}`);
  if (list.length > MAX_ISSUES_SHOWN) shown.push(`… and ${list.length - MAX_ISSUES_SHOWN} more problems`);
  return shown.join("\n");
}

/** Issues printed at most, per message. */
export const MAX_ISSUES_SHOWN = 20;

function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "string") return JSON.stringify(value);
  return String(value);
}
