// The built-ins as `bidmesh scenarios` lists them (read from their YAML without the validator)
// say exactly what the validated built-ins say.
import { describe, expect, it } from "vitest";
import { builtinNames, describeBuiltins, readDescription } from "../../sim/scenario/builtins.js";
import { listBuiltinScenarios, loadScenario } from "../../sim/scenario/load.js";

describe("the built-ins' listing, read without validating", () => {
  it("names and describes every built-in exactly as loading and validating it does", async () => {
    const listed = await describeBuiltins();
    expect(listed.map((s) => s.name)).toEqual(builtinNames());
    expect(listed).toEqual(listBuiltinScenarios());
    for (const s of listed) expect(s.description).toBe(loadScenario(s.name).description);
  });

  it("reads a description written any other way through the YAML parser", async () => {
    expect(await readDescription('name: x\ndescription: "One day, no outage."\nseed: 1\n')).toBe("One day, no outage.");
    expect(await readDescription('name: x\ndescription: "say \\"hi\\"\\tthere"\n')).toBe('say "hi"\tthere');
    expect(await readDescription("name: x\ndescription: 'single # quoted'\n")).toBe("single # quoted");
    expect(await readDescription("name: x\ndescription: plain words # a comment\n")).toBe("plain words");
    expect(await readDescription("name: x\ndescription: >\n  folded\n  over lines\n")).toBe("folded over lines\n");
    expect(await readDescription('workload:\n  description: "nested"\ndescription: "top"\n')).toBe("top");
  });
});
