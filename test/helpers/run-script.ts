import { spawnSync } from "node:child_process";

const root = new URL("../../", import.meta.url).pathname;

/** Runs a TypeScript entry point of the project under tsx, as `npm run` would. */
export function runScript(script: string, args: string[] = []): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [`${root}node_modules/tsx/dist/cli.mjs`, script, ...args], {
    cwd: root,
    encoding: "utf8",
    timeout: 120_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
