import { describe, expect, it } from "vitest";
import { runScript } from "../helpers/run-script.js";

// The contract's end-to-end check (scripts/smoke.ts), run as a user runs it.

describe("npm run smoke", () => {
  it("delivers one task, reroutes the other to a fallback, conserves escrow, and repeats bit for bit", () => {
    const first = runScript("scripts/smoke.ts");
    expect(first.stderr).not.toContain("Error");
    expect(first.status).toBe(0);
    expect(first.stdout).toContain("task 1 (FirstPrice, max 1 ETH): Completed");
    expect(first.stdout).toContain("task 2 (SecondPrice, max 1 ETH): Completed");
    expect(first.stdout).toMatch(/TaskRerouted\s+alpha failed epoch 1 \(DeadlineMissed\), rerouted by keeper/);
    expect(first.stdout).toMatch(/ResultSubmitted\s+result from beta \(epoch 2\)/);
    expect(first.stdout).toContain(": conserved");
    const hash = /final block \d+ (0x[0-9a-f]{64})/.exec(first.stdout)?.[1];
    expect(hash).toBeDefined();

    const second = runScript("scripts/smoke.ts");
    expect(second.stdout).toBe(first.stdout);
  });

  it("exits 2 naming the flag for a malformed --rpc-url, with no stack trace", () => {
    const run = runScript("scripts/smoke.ts", ["--rpc-url", "not a url"]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('bidmesh: rpc-url: "not a url" is not a URL');
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it("exits 2 for an --rpc-url where no node answers", () => {
    const run = runScript("scripts/smoke.ts", ["--rpc-url", "http://127.0.0.1:1"]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("bidmesh: rpc-url: cannot reach the JSON-RPC endpoint at http://127.0.0.1:1");
  });

  it("exits 2 for an unknown flag", () => {
    const run = runScript("scripts/smoke.ts", ["--bogus"]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("bidmesh: Unknown option '--bogus'");
  });
});
