// The server's results folder removes only what it created: its own temp folder and the run
// folders it made in it, never a path built from another id.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ResultsFolder } from "../../server/simulations/results-folder.js";

let parent: string | undefined;
afterEach(() => {
  if (parent !== undefined) rmSync(parent, { recursive: true, force: true });
});

describe("ResultsFolder", () => {
  it("removes a run's folder it created, and nothing for an id it did not create", () => {
    parent = mkdtempSync(join(tmpdir(), "results-folder-test-"));
    const folder = new ResultsFolder(parent);
    const run = folder.createRun("3f2b6c1e-0000-4000-8000-000000000001");
    writeFileSync(join(run, "metrics.json"), "{}");
    // A neighbour of the temp folder, and a folder inside it the server did not make.
    const neighbour = join(parent, "users-own");
    mkdirSync(neighbour);
    const stranger = join(folder.path!, "not-a-run");
    mkdirSync(stranger);

    folder.removeRun("../users-own");
    folder.removeRun("not-a-run");
    expect(existsSync(neighbour)).toBe(true);
    expect(existsSync(stranger)).toBe(true);

    folder.removeRun("3f2b6c1e-0000-4000-8000-000000000001");
    expect(existsSync(run)).toBe(false);
    const root = folder.path!;
    const second = folder.createRun("3f2b6c1e-0000-4000-8000-000000000002");
    writeFileSync(join(second, "report.html"), "<p>");
    folder.removeAll();
    // Its run folders go; the folder it did not make stays, and so does the temp folder holding it.
    expect(existsSync(second)).toBe(false);
    expect(existsSync(stranger)).toBe(true);
    expect(existsSync(root)).toBe(true);
    expect(existsSync(neighbour)).toBe(true);
  });

  it("removes its temp folder once only its own runs were in it", () => {
    parent = mkdtempSync(join(tmpdir(), "results-folder-test-"));
    const folder = new ResultsFolder(parent);
    writeFileSync(join(folder.createRun("run-a"), "metrics.json"), "{}");
    const root = folder.path!;
    folder.removeAll();
    expect(existsSync(root)).toBe(false);
    expect(folder.path).toBeUndefined();
  });

  it("refuses a run id that is not a plain folder name, creating nothing", () => {
    parent = mkdtempSync(join(tmpdir(), "results-folder-test-"));
    const folder = new ResultsFolder(parent);
    for (const id of ["", ".", "..", "../users-own", "a/b"]) expect(() => folder.createRun(id)).toThrow("is not a plain folder name");
    expect(folder.path).toBeUndefined();
  });
});
