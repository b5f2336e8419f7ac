import { parseEther } from "ethers";
import { z } from "zod";

// Money in scenario files is ETH, as a decimal string ("0.002") or a number (0.002); the
// simulation works in wei (bigint).

const DECIMAL = /^\d+(?:\.\d{1,18})?$/;
const HINT = 'expected an amount in ETH like "0.002" (at most 18 decimals)';

/** Parses an ETH amount to wei, or returns the reason it is not one. */
export function parseEth(value: unknown): { ok: true; wei: bigint } | { ok: false; problem: string } {
  let text: string;
  if (typeof value === "number") {
    if (!Number.isFinite(value) || value < 0) return { ok: false, problem: `${HINT}, got ${value}` };
    text = String(value);
    // Numbers below 1e-6 print in exponent form; write them out in full.
    if (/e/i.test(text)) text = value.toFixed(18).replace(/\.?0+$/, "");
  } else if (typeof value === "string") {
    text = value.trim();
  } else {
    return { ok: false, problem: `${HINT}, got ${value === undefined ? "nothing" : typeof value}` };
  }
  if (!DECIMAL.test(text)) return { ok: false, problem: `${HINT}, got ${JSON.stringify(value)}` };
  return { ok: true, wei: parseEther(text) };
}

/**
 * A zod schema that turns an ETH amount into wei. `positive` refuses zero.
 * @example ethSchema({ positive: true }).parse("0.002") // 2_000_000_000_000_000n
 */
export function ethSchema(options: { positive?: boolean } = {}) {
  return z
    .union([z.string(), z.number()], {
      error: (issue) => (issue.input === undefined ? `required: ${HINT}` : `${HINT}, got ${Array.isArray(issue.input) ? "a list" : typeof issue.input}`),
    })
    .transform((value, ctx) => {
      const parsed = parseEth(value);
      if (!parsed.ok) {
        ctx.addIssue({ code: "custom", message: parsed.problem });
        return z.NEVER;
      }
      if (options.positive === true && parsed.wei === 0n) {
        ctx.addIssue({ code: "custom", message: "must be more than 0 ETH" });
        return z.NEVER;
      }
      return parsed.wei;
    });
}
