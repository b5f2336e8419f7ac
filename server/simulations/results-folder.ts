// Where finished background runs keep their large results (metrics.json, report.html): a temp
// folder the server creates for itself on first use, one subfolder per run, so a run with a
// quarter-gigabyte of metrics costs the server's heap nothing. The server removes a run's folder
// when it forgets the run, and every run folder it made then the temp folder (if nothing else is
// in it) when it closes (or exits): it only ever removes what it created here, never a path
// from outside and never a file someone else put in its folder.
import { mkdirSync, mkdtempSync, rmdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";

export class ResultsFolder {
  private root: string | undefined;
  /** The run ids whose folders this instance created: the only ones removeRun removes. */
  private readonly runs = new Set<string>();
  private readonly removeOnExit = (): void => this.removeAll();

  /** @param parent where the temp folder goes (default the OS temp folder); @param prefix its name's start. */
  constructor(
    private readonly parent: string = tmpdir(),
    private readonly prefix = "bidmesh-simulations-",
  ) {}

  /** The server's temp folder, if it has been created (for tests and logs). */
  get path(): string | undefined {
    return this.root;
  }

  /** Creates and returns the empty folder of run `id` (a UUID the manager chose). */
  createRun(id: string): string {
    // One plain folder name: an id with a separator or ".." would put the run outside its place.
    if (id === "" || id === "." || id === ".." || basename(id) !== id) throw new RangeError(`run id ${JSON.stringify(id)} is not a plain folder name`);
    if (this.root === undefined) {
      this.root = mkdtempSync(join(this.parent, this.prefix));
      // A forced exit (the shutdown timer's process.exit) skips close(): clean up then too.
      process.once("exit", this.removeOnExit);
    }
    const dir = join(this.root, id);
    mkdirSync(dir);
    this.runs.add(id);
    return dir;
  }

  /** Removes run `id`'s folder (a reader that has the file open keeps reading it). */
  removeRun(id: string): void {
    if (this.root === undefined || !this.runs.delete(id)) return;
    rmSync(join(this.root, id), { recursive: true, force: true });
  }

  /** Removes every run folder it made, then the temp folder unless something else is in it. */
  removeAll(): void {
    if (this.root === undefined) return;
    process.off("exit", this.removeOnExit);
    for (const id of this.runs) rmSync(join(this.root, id), { recursive: true, force: true });
    try {
      rmdirSync(this.root);
    } catch {
      // Not empty (a file the server did not put there) or already gone: leave it.
    }
    this.root = undefined;
    this.runs.clear();
  }
}
