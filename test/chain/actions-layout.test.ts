// sim/chain/ is ethers and JSON-RPC only, and ChainLedger is a thin class over one action per
// file (viem's shape): the layout the renovation (issue 10) asks for, checked so it stays.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = new URL("../../", import.meta.url).pathname;
const ACTIONS = join(ROOT, "sim/chain/actions");

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, encoding: "utf8" })
    .filter((file) => file.endsWith(".ts"))
    .map((file) => join(ROOT, dir, file));
}

describe("the chain actions", () => {
  it("each action file exports one function (client.ts only the client's types)", () => {
    for (const file of readdirSync(ACTIONS)) {
      const text = readFileSync(join(ACTIONS, file), "utf8");
      const functions = [...text.matchAll(/^export (?:async )?function (\w+)/gm)].map((m) => m[1]);
      if (file === "client.ts") expect(functions, file).toEqual([]);
      else if (file === "with-retries.ts") expect(functions, file).toEqual(["withRetries", "readWithRetries"]);
      else expect(functions, file).toHaveLength(1);
    }
  });

  it("nothing in sim/chain/ or sim/ledger/ casts through `as never`", () => {
    for (const file of [...sources("sim/chain"), ...sources("sim/ledger")]) expect(readFileSync(file, "utf8"), file).not.toMatch(/\bas never\b/);
  });

  it("ChainLedger declares its fields before its constructor and methods", () => {
    const text = readFileSync(join(ROOT, "sim/ledger/chain-ledger.ts"), "utf8");
    const body = text.slice(text.indexOf("export class ChainLedger"));
    const firstMember = body.search(/\n  (?:private |static |async )*(?:constructor|\w+)\(/);
    const afterMembers = body.slice(firstMember);
    expect(afterMembers).not.toMatch(/\n  (?:private |protected )?(?:readonly )?\w+(?:: [^=(\n]+)?(?: = [^\n]+)?;\n/);
  });
});
