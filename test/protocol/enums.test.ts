import { readFileSync } from "node:fs";
import { describe, expect, expectTypeOf, it } from "vitest";
import { CONFIG_FIELD, enumNumbers, enumValues, FAILURE_REASON, MECHANISM, REFUND_REASON, SKIP_REASON, TASK_STATUS } from "../../sim/protocol/enums.js";
import { encodeRegion, REGION_BYTES } from "../../sim/protocol/region.js";

// The protocol's enum lists and region width are the compiled contract's, read at test time from
// what `npm run build` wrote: the AST of IComputeMarket.sol (every enum, member for member) and
// the ABI (every region field). Changing an enum or the region type in Solidity fails here until
// sim/protocol follows.

const TS_ENUMS: Record<string, readonly string[]> = {
  TaskStatus: TASK_STATUS,
  Mechanism: MECHANISM,
  FailureReason: FAILURE_REASON,
  SkipReason: SKIP_REASON,
  RefundReason: REFUND_REASON,
  ConfigField: CONFIG_FIELD,
};

const artifactsDir = new URL("../../artifacts/", import.meta.url);
const artifact = JSON.parse(readFileSync(new URL("contracts/IComputeMarket.sol/IComputeMarket.json", artifactsDir), "utf8")) as {
  abi: AbiEntry[];
  buildInfoId: string;
  inputSourceName: string;
};

interface AbiParam {
  name: string;
  type: string;
  internalType?: string;
  components?: AbiParam[];
}
interface AbiEntry {
  type: string;
  name?: string;
  inputs?: AbiParam[];
  outputs?: AbiParam[];
}
interface AstNode {
  nodeType?: string;
  name?: string;
  members?: Array<{ name: string }>;
  [key: string]: unknown;
}

/** Every EnumDefinition in the compiled IComputeMarket.sol, by name, with its members in order. */
function solidityEnums(): Record<string, string[]> {
  const output = JSON.parse(readFileSync(new URL(`build-info/${artifact.buildInfoId}.output.json`, artifactsDir), "utf8")) as {
    output: { sources: Record<string, { ast: AstNode }> };
  };
  const source = output.output.sources[artifact.inputSourceName];
  if (source === undefined) throw new Error(`${artifact.inputSourceName} is not in build info ${artifact.buildInfoId}: run npm run build`);
  const found: Record<string, string[]> = {};
  const walk = (node: unknown): void => {
    if (node === null || typeof node !== "object") return;
    const n = node as AstNode;
    if (n.nodeType === "EnumDefinition") found[n.name!] = n.members!.map((m) => m.name);
    for (const value of Object.values(n)) walk(value);
  };
  walk(source.ast);
  return found;
}

/** Every ABI parameter (components included) with its function or event name. */
function abiParams(): Array<{ where: string; param: AbiParam }> {
  const out: Array<{ where: string; param: AbiParam }> = [];
  const walk = (where: string, p: AbiParam) => {
    out.push({ where, param: p });
    for (const c of p.components ?? []) walk(`${where}.${p.name}`, c);
  };
  for (const entry of artifact.abi) for (const p of [...(entry.inputs ?? []), ...(entry.outputs ?? [])]) walk(entry.name ?? entry.type, p);
  return out;
}

describe("protocol enums are the contract's", () => {
  const sol = solidityEnums();

  it("list every enum IComputeMarket.sol declares, and no other", () => {
    expect(Object.keys(sol).sort()).toEqual(Object.keys(TS_ENUMS).sort());
  });

  it.each(Object.keys(TS_ENUMS))("%s has the Solidity members, in declaration order", (name) => {
    expect([...TS_ENUMS[name]!]).toEqual(sol[name]);
  });

  it("name every enum the ABI carries (as uint8) by its IComputeMarket type", () => {
    const enumTypes = new Set(
      abiParams()
        .map(({ param }) => param.internalType)
        .filter((t): t is string => t !== undefined && t.startsWith("enum "))
        .map((t) => t.replace(/^enum IComputeMarket\./, "")),
    );
    expect(enumTypes.size).toBeGreaterThan(0);
    for (const t of enumTypes) expect(Object.keys(TS_ENUMS)).toContain(t);
  });
});

describe("enumNumbers and enumValues", () => {
  it.each(Object.keys(TS_ENUMS))("give every member of %s its index, in declaration order", (name) => {
    const names = TS_ENUMS[name]!;
    expect(Object.entries(enumNumbers(names))).toEqual(names.map((member, i) => [member, i]));
    expect(Object.entries(enumValues(names))).toEqual(names.map((member, i) => [member, BigInt(i)]));
  });

  it("type each member as its own index", () => {
    expectTypeOf(enumNumbers(TASK_STATUS)).toEqualTypeOf<{ readonly None: 0; readonly Open: 1; readonly Awarded: 2; readonly Completed: 3; readonly Refunded: 4 }>();
    expectTypeOf(enumValues(MECHANISM)).toEqualTypeOf<{ readonly FirstPrice: 0n; readonly SecondPrice: 1n }>();
  });
});

describe("protocol regions are the contract's", () => {
  it(`encode to the bytes${REGION_BYTES} every region field of the ABI has`, () => {
    const regions = abiParams().filter(({ param }) => /region/i.test(param.name));
    expect(regions.map(({ where }) => where).sort()).toEqual(
      ["ProviderRegistered", "TaskPosted", "getProvider.", "getTask.", "postTask", "registerProvider"].sort(),
    );
    for (const { param } of regions) expect(param.type).toBe(`bytes${REGION_BYTES}`);
    expect(encodeRegion("x".repeat(REGION_BYTES))).toHaveLength(2 + 2 * REGION_BYTES);
  });
});
