// The report page's script and styles are real files (sim/report/page/) inlined when a report is
// written: the script must come out as one classic script, its imported modules ahead of it.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { pageScript, pageStyle } from "../../sim/report/page-assets.js";
import { SYSTEM_COLORS } from "../../sim/report/page/colors.js";

const pageFile = (name: string): string => readFileSync(new URL(`../../sim/report/page/${name}`, import.meta.url), "utf8");

describe("the inlined page script", () => {
  const script = pageScript();

  it("is a classic script (no import or export left) that parses", () => {
    expect(script).not.toMatch(/^\s*(import|export)\b/m);
    expect(() => new Function(script)).not.toThrow();
  });

  it("holds page.js and each module it imports once, the modules first", () => {
    const order = ["// page/colors.js", "// page/escape-html.js", "// page/page.js"].map((marker) => script.indexOf(marker));
    expect(order.every((at) => at >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(script.match(/function escapeHtml\(/g)).toHaveLength(1);
    expect(script).toContain(pageFile("escape-html.js").split("export function escapeHtml")[1]);
  });
});

describe("the inlined styles", () => {
  it("are page.css after the system colour variables from colors.js", () => {
    const style = pageStyle();
    expect(style).toContain(`--market: ${SYSTEM_COLORS.market}; --centralized: ${SYSTEM_COLORS.centralized}; --multiCloud: ${SYSTEM_COLORS.multiCloud};`);
    expect(style.endsWith(pageFile("page.css"))).toBe(true);
  });
});
