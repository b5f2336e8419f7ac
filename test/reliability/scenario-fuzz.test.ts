// Fuzzed scenario files, made by mutating the built-in scenarios (wrong types, missing fields,
// out-of-range numbers, unknown keys, garbage bytes, cut-off files, huge files, deep nesting,
// YAML alias bombs), in YAML and JSON. Every one either loads or is refused with a clear
// message that names the field, exit code 2 and no stack trace or source path. Most cases go
// through the loader in process with the CLI's own formatting; a sample of the refused ones
// goes through the real `bidmesh simulate`, which must print exactly the same.
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { InputError } from "../../sim/input-error.js";
import { BUILTIN_DIR, loadScenario, ScenarioError } from "../../sim/scenario/load.js";

const SEED = Number(process.env["BIDMESH_FUZZ_SEED"] ?? 20_251_120);
const RUNS = Number(process.env["BIDMESH_FUZZ_RUNS"] ?? 100);
/** Refused cases also run through the real CLI (each is a Node process: about a second). */
const CLI_CASES = 10;

const ROOT = new URL("../../", import.meta.url).pathname;
const BIDMESH = join(ROOT, "cli/bin/bidmesh.mjs");
const dir = mkdtempSync(join(tmpdir(), "bidmesh-scenario-fuzz-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// ---------------------------------------------------------------- mutations

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Path = Array<string | number>;

const builtins = readdirSync(BUILTIN_DIR)
  .filter((file) => file.endsWith(".yaml"))
  .map((file) => ({ name: file, data: parse(readFileSync(join(BUILTIN_DIR, file), "utf8")) as Json }));

/** Every node below the root, with its path. */
function nodes(value: Json, path: Path = []): Array<{ path: Path; value: Json }> {
  const children: Array<[string | number, Json]> = Array.isArray(value)
    ? value.map((v, i) => [i, v])
    : value !== null && typeof value === "object"
      ? Object.entries(value)
      : [];
  return children.flatMap(([key, child]) => [{ path: [...path, key], value: child }, ...nodes(child, [...path, key])]);
}

function setAt(root: Json, path: Path, update: (parent: any, key: string | number) => void): Json {
  const copy = structuredClone(root);
  let parent: any = copy;
  for (const key of path.slice(0, -1)) parent = parent[key];
  update(parent, path.at(-1)!);
  return copy;
}

const DEEP = "<deeply nested list>";

/**
 * A mutated scenario file. `names` is the field the refusal must name when the mutation is
 * invalid whatever the context (else undefined: the case may load, or be refused elsewhere).
 */
interface Case {
  kind: string;
  format: "yaml" | "yml" | "json";
  text: string;
  names?: Path;
}

function serialize(data: Json, format: Case["format"]): string {
  return format === "json" ? JSON.stringify(data, null, 1) : stringify(data, { aliasDuplicateObjects: false });
}

/** A billion-laughs document: 9^5 nodes from a few lines (has a test of its own below). */
const ALIAS_BOMB = ["a: &a [x, x, x, x, x, x, x, x, x]", "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]", "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]", "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]", "e: [*d, *d, *d, *d, *d, *d, *d, *d, *d]"].join("\n");

const format = fc.constantFrom<Case["format"]>("yaml", "yml", "json");

const mutatedCase: fc.Arbitrary<Case> = fc.constantFrom(...builtins).chain(({ data }) => {
  const all = nodes(data);
  const objects = all.filter((n) => n.value !== null && typeof n.value === "object" && !Array.isArray(n.value));
  const numbers = all.filter((n) => typeof n.value === "number");
  const keyed = all.filter((n) => typeof n.path.at(-1) === "string");
  const node = fc.constantFrom(...all);
  return fc.oneof(
    // A type no field of that kind accepts: a mapping for a scalar, a number for a list or mapping.
    fc.tuple(node, format).map(([n, f]): Case => {
      const wrong: Json = n.value !== null && typeof n.value === "object" ? 42 : { unexpected: [1] };
      return { kind: "wrong type", format: f, text: serialize(setAt(data, n.path, (p, k) => (p[k] = wrong)), f), names: n.path };
    }),
    fc.tuple(fc.constantFrom(...keyed), format).map(([n, f]): Case => ({
      kind: "missing field",
      format: f,
      text: serialize(setAt(data, n.path, (p, k) => delete p[k]), f),
    })),
    fc.tuple(fc.constantFrom(...numbers), fc.constantFrom(-1, 0, 0.5, -1e308, 1e308, 2 ** 53 + 1, 4_294_967_296), format).map(([n, v, f]): Case => ({
      kind: "out of range",
      format: f,
      text: serialize(setAt(data, n.path, (p, k) => (p[k] = v)), f),
    })),
    fc.tuple(fc.constantFrom(...objects), fc.constantFrom("zzUnknown", "Name", "providers ", "ünïcödé", "0"), format).map(([n, key, f]): Case => ({
      kind: "unknown key",
      format: f,
      text: serialize(setAt(data, [...n.path, key], (p, k) => (p[k] = 1)), f),
      names: [...n.path, key],
    })),
    fc.tuple(node, fc.integer({ min: 500, max: 5_000 }), format).map(([n, depth, f]): Case => ({
      kind: "deep nesting",
      format: f,
      // Spliced in as text (JSON.stringify would recurse that deep); JSON text is YAML too, so
      // the YAML parser gets the deep flow collection as it is.
      text: JSON.stringify(setAt(data, n.path, (p, k) => (p[k] = DEEP))).replace(`"${DEEP}"`, "[".repeat(depth) + "]".repeat(depth)),
    })),
    fc.tuple(format, fc.double({ min: 0, max: 1, noNaN: true })).map(([f, at]): Case => {
      const text = serialize(data, f);
      return { kind: "cut off", format: f, text: text.slice(0, Math.floor(text.length * at)) };
    }),
  );
});

const otherCase: fc.Arbitrary<Case> = fc.oneof(
  fc.tuple(fc.uint8Array({ maxLength: 2_000 }), format).map(([bytes, f]): Case => ({ kind: "garbage bytes", format: f, text: Buffer.from(bytes).toString("latin1") })),
  fc.tuple(fc.string({ unit: "binary", maxLength: 500 }), format).map(([text, f]): Case => ({ kind: "garbage text", format: f, text })),
  fc.tuple(fc.constantFrom(...builtins), format).map(([{ data }, f]): Case => {
    const providers = (data as { providers: Json[] }).providers;
    const huge = { ...(data as object), providers: Array.from({ length: 1_000 }, (_, i) => providers[i % providers.length]!) };
    return { kind: "huge file (1,000 providers)", format: f, text: serialize(huge as Json, f) };
  }),
  fc.tuple(fc.constantFrom(...builtins), format).map(([{ data }, f]): Case => ({
    kind: "huge file (2 MB description)",
    format: f,
    text: serialize({ ...(data as object), description: "x".repeat(2_000_000) } as Json, f),
  })),
);

const scenarioCase = fc.oneof({ weight: 6, arbitrary: mutatedCase }, { weight: 1, arbitrary: otherCase });

// ---------------------------------------------------------------- checks

let written = 0;
function writeCase(c: Case): string {
  const file = join(dir, `case-${written++}.${c.format}`);
  // Garbage bytes are written byte for byte; everything else as UTF-8.
  writeFileSync(file, c.text, c.kind === "garbage bytes" ? "latin1" : "utf8");
  return file;
}

/** What `bidmesh simulate` prints and exits with for a scenario the loader refuses (cli/main.ts's report()). */
function cliOutcome(error: unknown): { status: number; stderr: string } {
  if (error instanceof InputError) return { status: 2, stderr: `bidmesh: ${error.message}\n` };
  return { status: 1, stderr: `bidmesh: ${error instanceof Error ? error.message : String(error)}\n` };
}

/** Loads the file in process: undefined when it loads, else the refusal. */
function refusal(file: string): unknown {
  try {
    loadScenario(file);
    return undefined;
  } catch (error) {
    return error;
  }
}

/** A person's message: exit 2, `bidmesh: field: problem`, no stack frame, no source path. */
function expectClearRefusal(error: unknown, c: Case): void {
  const { status, stderr } = cliOutcome(error);
  const context = `${c.kind} (${c.format}): ${stderr.slice(0, 500)}`;
  expect(error, context).toBeInstanceOf(InputError);
  expect(status).toBe(2);
  const { field } = error as InputError;
  expect(field, context).toMatch(/\S/);
  expect(stderr.startsWith(`bidmesh: ${field}: `), context).toBe(true);
  expect(stderr, context).not.toMatch(/\n\s+at /);
  expect(stderr, context).not.toContain(ROOT);
  expect(stderr, context).not.toContain("node_modules");
  if (c.names !== undefined) {
    // The field itself, or its parent (e.g. a discriminated union named by its object), or a child.
    const target = c.names.join(".");
    const fields = error instanceof ScenarioError ? error.issues.map((i) => i.field) : [field];
    const related = fields.some((f) => f === target || target.startsWith(`${f}.`) || f.startsWith(`${target}.`));
    expect(related, `${context}\nexpected a field related to ${target}, got ${fields.join(", ")}`).toBe(true);
  }
}

function runCli(file: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIDMESH, "simulate", "--scenario", file, "--ledger", "memory", "--no-progress", "--out", join(dir, "out")], {
      cwd: dir,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.once("close", (status) => resolve({ status, stdout, stderr }));
  });
}

describe("fuzzed scenario files", () => {
  it("load, or are refused with a message naming the field (in process, the CLI's formatting)", () => {
    console.log(`scenario fuzz: seed ${SEED}, ${RUNS} runs (BIDMESH_FUZZ_SEED, BIDMESH_FUZZ_RUNS)`);
    const kinds = new Map<string, { loaded: number; refused: number }>();
    fc.assert(
      fc.property(scenarioCase, (c) => {
        const error = refusal(writeCase(c));
        const count = kinds.get(c.kind) ?? { loaded: 0, refused: 0 };
        kinds.set(c.kind, count);
        if (error === undefined) {
          count.loaded++;
          expect(c.names, `${c.kind} must be refused`).toBeUndefined();
          return;
        }
        count.refused++;
        expectClearRefusal(error, c);
      }),
      { seed: SEED, numRuns: RUNS },
    );
    for (const [kind, { loaded, refused }] of kinds) console.log(`scenario fuzz: ${kind}: ${refused} refused, ${loaded} loaded`);
  });

  it("a YAML alias bomb is refused like any other bad file", () => {
    const c: Case = { kind: "alias bomb", format: "yaml", text: ALIAS_BOMB };
    const error = refusal(writeCase(c));
    expect(error).toBeDefined();
    expectClearRefusal(error, c);
  });

  it(`the real CLI: bidmesh simulate --ledger memory on ${CLI_CASES} refused files exits 2 and prints the same message`, async () => {
    // One case of each kind first, then more of the same, all refused in process.
    const refused = fc
      .sample(scenarioCase, { seed: SEED + 1, numRuns: 60 })
      .filter((c) => c.kind !== "huge file (2 MB description)")
      .map((c) => ({ c, file: writeCase(c) }))
      .map((x) => ({ ...x, error: refusal(x.file) }))
      .filter((x) => x.error !== undefined);
    const byKind = [...new Map(refused.map((x) => [x.c.kind, x])).values()];
    const chosen = [...byKind, ...refused.filter((x) => !byKind.includes(x))].slice(0, CLI_CASES);
    // Two at a time: the machine has two cores.
    const runs: Array<Awaited<ReturnType<typeof runCli>>> = [];
    for (let i = 0; i < chosen.length; i += 2) runs.push(...(await Promise.all(chosen.slice(i, i + 2).map((x) => runCli(x.file)))));
    chosen.forEach(({ c, error }, i) => {
      const run = runs[i]!;
      const expected = cliOutcome(error);
      expect(run.status, `${c.kind}: ${run.stderr}`).toBe(2);
      // A stack overflow in the YAML parser is reported at a column that depends on the stack.
      const comparable = (text: string) => (/Maximum call stack/.test(text) ? text.split("\n")[0]!.replace(/\d+/g, "N") : text);
      expect(comparable(run.stderr), c.kind).toBe(comparable(expected.stderr));
      expect(run.stdout).toBe("");
      expectClearRefusal(error, c);
    });
    console.log(`scenario fuzz: CLI cases: ${chosen.map((x) => x.c.kind).join(", ")}`);
  }, 120_000);
});
