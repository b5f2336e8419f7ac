import { describe, expect, it } from "vitest";
import { z } from "zod";
import { durationSchema } from "../../sim/scenario/duration-schema.js";
import { formatDuration, parseDuration } from "../../sim/scenario/duration.js";

describe("durations", () => {
  it.each([
    ["500ms", 500],
    ["90s", 90_000],
    ["15m", 900_000],
    ["6h", 21_600_000],
    ["1d", 86_400_000],
    ["1h30m", 5_400_000],
    ["1.5h", 5_400_000],
    ["2m 30s", 150_000],
    [" 45s ", 45_000],
    ["250ms", 250],
    ["0s", 0],
    ["0ms", 0],
  ])("%j is %d ms", (text, ms) => {
    expect(parseDuration(text)).toEqual({ ok: true, ms });
  });

  it.each(["", "5 minutes", "-5s", "1h-30m", "s", "1y"])("refuses %j with the expected form", (text) => {
    const parsed = parseDuration(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.problem).toContain("expected a duration like 90s, 15m or 6h");
  });

  it("refuses a bare number, even 0, showing both readings", () => {
    expect(parseDuration(1500)).toEqual({ ok: false, problem: "1500 has no unit: write 1500ms or 1500s" });
    expect(parseDuration(0)).toEqual({ ok: false, problem: "0 has no unit: write 0ms or 0s" });
    expect(parseDuration("90")).toEqual({ ok: false, problem: "90 has no unit: write 90ms or 90s" });
    expect(parseDuration("1.5")).toEqual({ ok: false, problem: "1.5 has no unit: write 1.5ms or 1.5s" });
    for (const n of [-1, Number.NaN, Number.POSITIVE_INFINITY]) expect(parseDuration(n).ok).toBe(false);
  });

  it("formats as the shortest compound that parses back", () => {
    expect(formatDuration(5_400_000)).toBe("1h30m");
    expect(formatDuration(2_500)).toBe("2s500ms");
    expect(formatDuration(0)).toBe("0s");
    expect(formatDuration(90_061_001)).toBe("1d1h1m1s1ms");
    for (const ms of [1, 999, 1_000, 61_000, 3_600_000, 86_400_001, 123_456_789]) {
      expect(parseDuration(formatDuration(ms))).toEqual({ ok: true, ms });
    }
  });

  it("as a zod schema: min, max, whole seconds, defaults by prefault", () => {
    const schema = z.object({
      a: durationSchema({ min: 1_000, wholeSeconds: true, why: "chain time" }).prefault("2s"),
      b: durationSchema({ max: 60_000 }).optional(),
    });
    expect(schema.parse({})).toEqual({ a: 2_000 });
    const messages = (input: unknown) => schema.safeParse(input).error?.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    expect(messages({ a: "1500ms" })).toEqual(["a: must be a whole number of seconds, at least 1s (chain time), got 1s500ms"]);
    expect(messages({ b: "2m" })).toEqual(["b: must be at most 1m, got 2m"]);
    expect(messages({ b: null })).toEqual(["b: expected a duration like 90s, 15m or 6h (a number with a unit: ms, s, m, h or d), got null"]);
  });
});
