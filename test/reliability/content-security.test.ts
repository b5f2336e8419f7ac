// The Content-Security-Policy of the dashboard, the docs page and the API: nothing the pages use
// comes from the internet, so no directive allows another origin (helmet's defaults allowed
// `https:` for fonts and styles) and none allows inline code or styles. The pages still work
// under it: test/browser/dashboard.test.ts loads both in Chromium and fails on any CSP report.
import request from "supertest";
import { describe, expect, it } from "vitest";
import { createApp } from "../../server/app.js";
import { TOKEN, unusedMarket } from "../server/server-fixture.js";

const app = createApp({ market: unusedMarket(), token: TOKEN });

/** A policy as directive → sources. */
function directives(policy: string): Map<string, string[]> {
  return new Map(
    policy
      .split(";")
      .map((part) => part.trim().split(/\s+/))
      .filter((words) => words[0] !== "")
      .map(([name, ...sources]) => [name!.toLowerCase(), sources]),
  );
}

describe.each(["/", "/docs", "/js/main.js", "/openapi.json", "/api/nothing-here"])("the policy on %s", (path) => {
  it("allows 'self' at most in every directive (and data: images), nothing inline, nothing from elsewhere", async () => {
    const res = await request(app).get(path);
    const policy = res.headers["content-security-policy"] as string | undefined;
    expect(policy, path).toBeDefined();
    const parsed = directives(policy!);
    expect([...parsed.keys()].sort()).toEqual([
      "base-uri",
      "connect-src",
      "default-src",
      "font-src",
      "form-action",
      "frame-ancestors",
      "img-src",
      "object-src",
      "script-src",
      "script-src-attr",
      "style-src",
    ]);
    for (const [name, sources] of parsed) {
      const allowed = name === "img-src" ? ["'self'", "data:"] : ["'self'", "'none'"];
      expect(sources.length, `${name}: ${sources.join(" ")}`).toBeGreaterThan(0);
      for (const source of sources) expect(allowed, `${name} allows ${source}`).toContain(source);
    }
    expect(parsed.get("font-src")).toEqual(["'self'"]);
    expect(parsed.get("style-src")).toEqual(["'self'"]);
    expect(parsed.get("script-src")).toEqual(["'self'"]);
    expect(parsed.get("object-src")).toEqual(["'none'"]);
    expect(policy).not.toMatch(/https?:|\*|unsafe|upgrade-insecure-requests/);
  });
});
