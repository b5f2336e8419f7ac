import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { InputError } from "../../sim/input-error.js";
import { formatScenarioIssues, loadScenario, ScenarioError } from "../../sim/scenario/load.js";
import { tinyData } from "./tiny-scenario.js";

const dir = mkdtempSync(join(tmpdir(), "bidmesh-scenario-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** The InputError a call throws. */
function inputError(call: () => unknown): InputError {
  try {
    call();
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return error as InputError;
  }
  throw new Error("expected an InputError");
}

describe("loadScenario", () => {
  it("names the built-ins when the name is unknown", () => {
    const error = inputError(() => loadScenario("aws-2025"));
    expect(error.field).toBe("scenario");
    expect(error.message).toBe(
      'scenario: unknown built-in scenario "aws-2025"; built-ins: aws-us-east-1-2025-10-20, azure-front-door-2025-10-29, cloudflare-2025-11-18, hidden-dependency, steady (or give the path of a .yaml, .yml or .json file)',
    );
  });

  it("says when a file does not exist", () => {
    const path = join(dir, "nope.yaml");
    expect(inputError(() => loadScenario(path)).message).toBe(`scenario: file ${path} does not exist`);
  });

  it("refuses files of other kinds", () => {
    const path = write("scenario.toml", "name = 1");
    expect(inputError(() => loadScenario(path)).message).toBe(`scenario: ${path}: expected a .yaml, .yml or .json file`);
    expect(inputError(() => loadScenario(dir)).message).toBe(`scenario: ${dir}: expected a .yaml, .yml or .json file`);
  });

  it("gives the line and column of a YAML syntax error", () => {
    const path = write("broken.yaml", "name: broken\nregions: [r1, r2\nduration: 1h\n");
    const error = inputError(() => loadScenario(path));
    expect(error.field).toBe("scenario");
    expect(error.message).toMatch(new RegExp(`^scenario: YAML syntax error in ${path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} at line 3, column 1: `));
    expect(error.message).toContain("duration: 1h"); // the code frame
  });

  it("reports a duplicate key in YAML with its line", () => {
    const path = write("dup.yaml", "name: a\nname: b\n");
    expect(inputError(() => loadScenario(path)).message).toMatch(/YAML syntax error in .* at line 2, column 1: Map keys must be unique/);
  });

  it("loads a YAML file (.yaml and .yml)", () => {
    for (const ext of ["yaml", "yml"]) {
      const path = write(`tiny.${ext}`, stringify(tinyData()));
      const s = loadScenario(path);
      expect(s.name).toBe("tiny");
      expect(s.duration).toBe(7_200_000);
    }
  });

  it("loads a JSON file, and reports a JSON syntax error with its position", () => {
    const path = write("tiny.json", JSON.stringify(tinyData(), null, 2));
    expect(loadScenario(path, { seed: 9 })).toMatchObject({ name: "tiny", seed: 9, blockInterval: 2_000 });
    const bad = write("bad.json", '{\n  "name": "x",\n}\n');
    expect(inputError(() => loadScenario(bad)).message).toMatch(/^scenario: bad\.json is not valid JSON: .*line 3 column 1/);
  });

  it("reports every issue of a file that does not validate, with the file as source", () => {
    const data = tinyData();
    data["seed"] = "one";
    data["providers"][0].speed = 0;
    const path = write("invalid.yaml", stringify(data));
    const error = inputError(() => loadScenario(path));
    expect(error).toBeInstanceOf(ScenarioError);
    expect((error as ScenarioError).source).toBe(path);
    expect(error.message).toBe(['seed: expected a whole number, got "one"', "providers.0.speed: must be more than 0, got 0"].join("\n"));
  });

  it("refuses an empty file", () => {
    const path = write("empty.yaml", "");
    expect(inputError(() => loadScenario(path)).message).toBe("scenario: expected a mapping (key: value), got null");
  });
});

describe("formatScenarioIssues", () => {
  it("writes one line per issue, an unknown key each on its own", () => {
    expect(
      formatScenarioIssues([
        { code: "unrecognized_keys", keys: ["a", "b"], path: ["market"], message: "unknown field; allowed: bidWindow" },
        { code: "custom", path: ["providers", 2, "strategy", "kind"], message: "unknown kind" },
        { code: "custom", path: [], message: "empty" },
      ]),
    ).toBe(["market.a: unknown field; allowed: bidWindow", "market.b: unknown field; allowed: bidWindow", "providers.2.strategy.kind: unknown kind", "scenario: empty"].join("\n"));
  });

  it("shows the first 20 problems of a file wrong in many places, then how many more", () => {
    const issues = Array.from({ length: 1_000 }, (_, i) => ({ field: `providers.${i}.group`, problem: "duplicate group name" }));
    const lines = formatScenarioIssues(issues).split("\n");
    expect(lines).toHaveLength(21);
    expect(lines[19]).toBe("providers.19.group: duplicate group name");
    expect(lines[20]).toBe("… and 980 more problems");
  });
});
