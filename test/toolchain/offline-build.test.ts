import { describe, expect, it } from "vitest";
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

// Proves that Solidity compiles with no network and an empty Hardhat cache: the compiler is the
// solc npm package, never a download. Builds a copy of the project inside a network namespace
// that has no interfaces but loopback (`unshare -n`, which needs root, as in CI).

const root = new URL("../../", import.meta.url).pathname;

function canCutNetwork(): boolean {
  return spawnSync("unshare", ["-n", "true"]).status === 0;
}

describe("offline build", () => {
  const cut = canCutNetwork();
  if (!cut && process.env["CI"] !== undefined) {
    it("can cut the network in CI", () => {
      expect.fail("`unshare -n` is not permitted here; CI must run as root so the offline build is proven");
    });
    return;
  }

  it.skipIf(!cut)("compiles every contract with the network cut and an empty cache", () => {
    const project = mkdtempSync(join(tmpdir(), "bidmesh-offline-"));
    const cache = mkdtempSync(join(tmpdir(), "bidmesh-cache-"));
    cpSync(join(root, "contracts"), join(project, "contracts"), { recursive: true });
    for (const file of ["hardhat.config.ts", "package.json", "tsconfig.json"]) cpSync(join(root, file), join(project, file));
    symlinkSync(join(root, "node_modules"), join(project, "node_modules"));

    // The namespace really has no route out: a fetch of a public address fails at once.
    const probe = spawnSync("unshare", ["-n", process.execPath, "-e", "fetch('http://1.1.1.1').then(()=>process.exit(0),()=>process.exit(3))"]);
    expect(probe.status).toBe(3);

    const output = execFileSync("unshare", ["-n", process.execPath, join(root, "node_modules/hardhat/dist/src/cli.js"), "build"], {
      cwd: project,
      env: { ...process.env, XDG_CACHE_HOME: cache, HOME: cache },
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
    expect(output).toMatch(/Compiled \d+ Solidity files? with solc 0\.8\.30/);
    expect(existsSync(join(project, "artifacts/contracts/ComputeMarket.sol/ComputeMarket.json"))).toBe(true);
    expect(existsSync(join(project, "types/ethers-contracts/factories/ComputeMarket__factory.ts"))).toBe(true);
    // Nothing was downloaded into the (empty) global cache: no compiler list, no compiler.
    const cached = readdirSync(cache, { recursive: true }).map(String);
    expect(cached.filter((p) => /compilers|list\.json|soljson|solc-/.test(p))).toEqual([]);
  });
});
