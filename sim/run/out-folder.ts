import { existsSync, lstatSync, readdirSync, readFileSync } from "node:fs";
import { dirname, resolve, sep } from "node:path";
import { InputError } from "../input-error.js";

/**
 * The files a run writes into its folder. A folder holding its run.json and nothing but these
 * is a previous run, the only kind of folder `--force` may replace: anything else in it (a
 * note the user added, a subfolder) would be lost with it.
 */
export const RUN_FILES = ["metrics.json", "trace.jsonl", "run.json", "report.html", "chain-log.jsonl", "scenario.yaml", "scenario.yml", "scenario.json"] as const;

/** What is at an `--out` path now. */
export type OutFolderState = "absent" | "empty" | "previous-run";

/**
 * Checks that a run may be written to `outDir`, before anything is created, and says what is
 * there. A run never deletes or replaces what it did not create: it refuses an existing file,
 * the current folder or one of its parents, and a non-empty folder, except, with `replaceRun`,
 * a folder holding only a previous run's files.
 * @throws InputError (field `out`) with one line naming the path and what to do instead.
 */
export function checkOutFolder(outDir: string, replaceRun: boolean): OutFolderState {
  const path = resolve(outDir);
  const cwd = process.cwd();
  if (path === cwd || cwd.startsWith(path.endsWith(sep) ? path : `${path}${sep}`)) {
    throw new InputError("out", `${outDir} is the current folder or one of its parents; give a new folder for the run`);
  }
  const stat = lstatOrUndefined(path);
  if (stat === undefined) {
    checkParent(outDir, path);
    return "absent";
  }
  if (stat.isSymbolicLink()) throw new InputError("out", `${outDir} is a symbolic link; give a new folder for the run (nothing was changed)`);
  if (!stat.isDirectory()) throw new InputError("out", `${outDir} is a file, not a folder; give a new folder for the run (nothing was changed)`);
  const entries = readdirSync(path);
  if (entries.length === 0) return "empty";
  if (!replaceRun) {
    throw new InputError("out", `${outDir} exists and is not empty; give a new folder, or --force to replace a previous bidmesh run there (nothing was changed)`);
  }
  if (!isRunInfo(resolve(path, "run.json"))) {
    throw new InputError("out", `${outDir} is not a bidmesh run folder (no readable run.json); --force replaces only a previous run's folder (nothing was changed)`);
  }
  const foreign = entries.filter((name) => !(RUN_FILES as readonly string[]).includes(name) || !lstatSync(resolve(path, name)).isFile());
  if (foreign.length > 0) {
    const shown = foreign.slice(0, 3).join(", ") + (foreign.length > 3 ? `, … (${foreign.length} in all)` : "");
    throw new InputError("out", `${outDir} holds what a bidmesh run does not write (${shown}); --force replaces only a previous run's folder as the run left it (nothing was changed)`);
  }
  return "previous-run";
}

/**
 * The message for a failed file-system call on `path`, for a person: what was being done, the
 * path, and the reason in words rather than an errno code.
 */
export function fileSystemProblem(doing: string, path: string, error: unknown): InputError {
  const code = (error as NodeJS.ErrnoException).code ?? "";
  const reason =
    {
      EACCES: "permission denied",
      EPERM: "operation not permitted",
      EROFS: "read-only file system",
      ENOSPC: "no space left on the device",
      EDQUOT: "disk quota exceeded",
      ENOTDIR: "a part of the path is a file, not a folder",
      EEXIST: "something is already there",
      ENOTEMPTY: "a folder is already there and is not empty",
      ENOENT: "the folder cannot be created there",
      ENAMETOOLONG: "the name is too long",
    }[code] ?? (error instanceof Error ? error.message : String(error));
  return new InputError("out", `cannot ${doing} ${path}: ${reason}`);
}

/** The parent of a new run folder must be a folder, or be creatable: nothing on the way may be a file. */
function checkParent(outDir: string, path: string): void {
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    const stat = lstatOrUndefined(dir);
    if (stat !== undefined) {
      if (!stat.isDirectory() && !(stat.isSymbolicLink() && existsSync(`${dir}${sep}.`))) {
        throw new InputError("out", `cannot create ${outDir}: ${dir} is a file, not a folder`);
      }
      return;
    }
    if (dirname(dir) === dir) return;
  }
}

function isRunInfo(path: string): boolean {
  try {
    const info = JSON.parse(readFileSync(path, "utf8")) as { scenario?: { ref?: unknown } } | null;
    return typeof info?.scenario?.ref === "string";
  } catch {
    return false;
  }
}

function lstatOrUndefined(path: string): ReturnType<typeof lstatSync> | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}
