import { describe, expect, it } from "vitest";
import { ANY_REGION, decodeRegion, encodeRegion } from "../../sim/protocol/region.js";

describe("region codes", () => {
  it.each(["us-east-1", "eu-west-1", "ap-southeast-1", "sa-east-1", "16-bytes-exactly"])("round-trips %s", (name) => {
    expect(decodeRegion(encodeRegion(name))).toBe(name);
    expect(encodeRegion(name)).toMatch(/^0x[0-9a-f]{32}$/);
  });

  it("encodes 'any' and the empty name as the zero code, which decodes to 'any'", () => {
    expect(encodeRegion("any")).toBe(ANY_REGION);
    expect(encodeRegion("")).toBe(ANY_REGION);
    expect(decodeRegion(ANY_REGION)).toBe("any");
  });

  it("refuses a name longer than 16 bytes, saying how long it is", () => {
    expect(() => encodeRegion("europe-southwest-1")).toThrow('region "europe-southwest-1" is 18 bytes long; at most 16 are allowed');
  });
});
