import { z } from "zod";
import { describeInput, DURATION_HINT, formatDuration, parseDuration } from "./duration.js";

// The zod schema of a duration field in a scenario or a request: parseDuration's rules, plus
// the field's bounds, each refused with the bound and the value as durations.

export interface DurationOptions {
  /** Smallest allowed value in ms (default 0). */
  min?: number;
  /** Largest allowed value in ms. */
  max?: number;
  /** Must be a whole number of seconds. */
  wholeSeconds?: boolean;
  /** Why the limits exist, appended to their error, e.g. "chain timestamps are seconds". */
  why?: string;
}

/**
 * A zod schema that turns a duration string (with its unit) into integer milliseconds.
 * @example
 * const schema = z.object({ timeout: durationSchema({ min: 1_000 }).prefault("30s") });
 * schema.parse({}).timeout // 30_000
 */
export function durationSchema(options: DurationOptions = {}) {
  const min = options.min ?? 0;
  return z
    .union([z.string(), z.number()], {
      error: (issue) => (issue.input === undefined ? `required: ${DURATION_HINT}` : `${DURATION_HINT}, got ${describeInput(issue.input)}`),
    })
    .transform((value, ctx) => {
      const parsed = parseDuration(value);
      if (!parsed.ok) {
        ctx.addIssue({ code: "custom", message: parsed.problem });
        return z.NEVER;
      }
      const ms = parsed.ms;
      const why = options.why === undefined ? "" : ` (${options.why})`;
      const got = `, got ${formatDuration(ms)}`;
      if (options.wholeSeconds === true && (ms % 1_000 !== 0 || ms < min)) {
        const atLeast = min > 0 ? `, at least ${formatDuration(Math.ceil(min / 1_000) * 1_000)}` : "";
        ctx.addIssue({ code: "custom", message: `must be a whole number of seconds${atLeast}${why}${got}` });
        return z.NEVER;
      }
      if (ms < min) {
        ctx.addIssue({ code: "custom", message: `${min === 1 ? "must be longer than 0" : `must be at least ${formatDuration(min)}`}${why}${got}` });
        return z.NEVER;
      }
      if (options.max !== undefined && ms > options.max) {
        ctx.addIssue({ code: "custom", message: `must be at most ${formatDuration(options.max)}${why}${got}` });
        return z.NEVER;
      }
      return ms;
    });
}
