// Where finished background runs keep their large results (metrics.json, report.html): a temp
// folder the server creates for itself on first use, one subfolder per run, so a run with a
// quarter-gigabyte of metrics costs the server's heap nothing. The server removes a run's folder
// when it forgets the run and the whole temp folder when it closes (or exits): it only ever
// removes what it created here, never a path from outside.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export class ResultsFolder {
  private root: string | undefined;
  /** The run ids whose folders this instance created: the only ones removeRun removes. */
  private readonly runs = new Set<string>();
  private readonly removeOnExit = (): void => this.removeAll();

  /** @param parent where the temp folder goes (default the OS temp folder). */
  constructor(private readonly parent: string = tmpdir()) {}

  /** The server's temp folder, if it has been created (for tests and logs). */
  get path(): string | undefined {
    return this.root;
  }

  /** Creates and returns the empty folder of run `id` (a UUID the manager chose). */
  createRun(id: string): string {
    if (this.root === undefined) {
      this.root = mkdtempSync(join(this.parent, "bidmesh-simulations-"));
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

  /** Removes the temp folder and everything in it. */
  removeAll(): void {
    if (this.root === undefined) return;
    process.off("exit", this.removeOnExit);
    rmSync(this.root, { recursive: true, force: true });
    this.root = undefined;
    this.runs.clear();
  }
}
