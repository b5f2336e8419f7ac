// Durations in scenario files: "500ms", "90s", "15m", "6h", "1d", or compounds such as "1h30m".
// Every duration carries its unit: a bare number is refused (even 0), because `deadline: 1500`
// reads as 1500 s to one person and 1.5 s to another. Simulation time is integer milliseconds.
// No zod here (the schema is duration-schema.ts): the CLI's option parsers use these at start-up.

const UNIT_MS = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000, ms: 1 } as const;
type Unit = keyof typeof UNIT_MS;

/** Largest first, so formatting picks the biggest unit that fits. */
const UNITS_DESC: readonly Unit[] = ["d", "h", "m", "s", "ms"];

const WHOLE = /^\s*(?:\d+(?:\.\d+)?(?:ms|s|m|h|d)\s*)+$/;
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/g;
const BARE = /^\s*(\d+(?:\.\d+)?)\s*$/;

/** What a duration looks like, for error messages. */
export const DURATION_HINT = "expected a duration like 90s, 15m or 6h (a number with a unit: ms, s, m, h or d)";

/** The message for a number without a unit, showing both readings: "1500 has no unit: write 1500ms or 1500s". */
export function bareNumberProblem(amount: string): string {
  return `${amount} has no unit: write ${amount}ms or ${amount}s`;
}

/**
 * Parses a duration to integer milliseconds, or returns the reason it is not one.
 * @example parseDuration("1h30m") // { ok: true, ms: 5_400_000 }
 */
export function parseDuration(value: unknown): { ok: true; ms: number } | { ok: false; problem: string } {
  if (typeof value === "number") {
    if (Number.isFinite(value) && value >= 0) return { ok: false, problem: bareNumberProblem(String(value)) };
    return { ok: false, problem: `${DURATION_HINT}, got ${value}` };
  }
  if (typeof value !== "string") return { ok: false, problem: `${DURATION_HINT}, got ${describeInput(value)}` };
  const bare = BARE.exec(value);
  if (bare !== null) return { ok: false, problem: bareNumberProblem(bare[1]!) };
  if (!WHOLE.test(value)) return { ok: false, problem: `${DURATION_HINT}, got ${JSON.stringify(value)}` };
  let ms = 0;
  for (const [, amount, unit] of value.matchAll(PART)) ms += Number(amount) * UNIT_MS[unit as Unit];
  // Decimals are fine ("1.5h") as long as they land on a whole millisecond.
  const rounded = Math.round(ms);
  if (Math.abs(ms - rounded) > 1e-6 || !Number.isSafeInteger(rounded)) {
    return { ok: false, problem: `${JSON.stringify(value)} is not a whole number of milliseconds` };
  }
  return { ok: true, ms: rounded };
}

/**
 * Formats milliseconds as the shortest compound duration that parses back to the same value.
 * @example formatDuration(5_400_000) // "1h30m"
 */
export function formatDuration(ms: number): string {
  if (!Number.isSafeInteger(ms)) throw new RangeError(`formatDuration needs whole milliseconds, got ${ms}`);
  if (ms === 0) return "0s";
  const sign = ms < 0 ? "-" : "";
  let rest = Math.abs(ms);
  let text = "";
  for (const unit of UNITS_DESC) {
    const count = Math.floor(rest / UNIT_MS[unit]);
    if (count > 0) {
      text += `${count}${unit}`;
      rest -= count * UNIT_MS[unit];
    }
  }
  return sign + text;
}

/** How a value that is not a duration reads in an error: "null", "a list", "\"abc\"", "boolean true". */
export function describeInput(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "an object";
  if (typeof value === "string") return JSON.stringify(value);
  return `${typeof value} ${String(value)}`;
}
