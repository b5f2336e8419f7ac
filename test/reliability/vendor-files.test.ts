// The vendored packages behind /vendor/ are served file by file: only what the pages load. The
// rest of each package's folder (package.json with its version, source maps, other builds, the
// OAuth redirect page) answers 404, however the path is spelled.
import { readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import request from "supertest";
import { describe, expect, it } from "vitest";
import { createApp } from "../../server/app.js";
import { DOCS_PAGE, VENDOR_FILES } from "../../server/static.js";
import { TOKEN, unusedMarket } from "../server/server-fixture.js";

const require = createRequire(import.meta.url);
const app = createApp({ market: unusedMarket(), token: TOKEN });

const SERVED = Object.entries(VENDOR_FILES).flatMap(([prefix, { files }]) => files.map((file) => `${prefix}/${file}`));

/** Every file of a package folder, relative to it. */
function filesIn(dir: string, under = ""): string[] {
  return readdirSync(join(dir, under), { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesIn(dir, join(under, entry.name)) : [join(under, entry.name)],
  );
}

async function expectNotFound(path: string): Promise<void> {
  const res = await request(app).get(path);
  expect(res.status, path).toBe(404);
  expect(res.body, path).toEqual({ error: "not found" });
}

describe("/vendor/", () => {
  it("serves the files the docs page loads", async () => {
    const loaded = [...DOCS_PAGE.matchAll(/(?:src|href)="(\/vendor\/[^"]+)"/g)].map((m) => m[1]!);
    expect(loaded.sort()).toEqual(["/vendor/swagger-ui/swagger-ui-bundle.js", "/vendor/swagger-ui/swagger-ui.css"]);
    for (const path of SERVED) {
      const res = await request(app).get(path);
      expect(res.status, path).toBe(200);
      expect(res.headers["content-type"], path).toMatch(path.endsWith(".css") ? /^text\/css/ : /^(text|application)\/javascript/);
      expect(res.body.length ?? res.text.length, path).toBeGreaterThan(1_000);
    }
  });

  it("answers 404 for package.json and the other files of swagger-ui-dist and echarts/dist", async () => {
    const swagger = dirname(require.resolve("swagger-ui-dist/package.json"));
    const echarts = join(dirname(require.resolve("echarts/package.json")), "dist");
    const others = [
      ...filesIn(swagger).map((file) => `/vendor/swagger-ui/${file}`),
      ...filesIn(echarts).map((file) => `/vendor/echarts/${file}`),
    ].filter((path) => !SERVED.includes(path));
    expect(others).toEqual(expect.arrayContaining(["/vendor/swagger-ui/package.json", "/vendor/swagger-ui/swagger-ui-bundle.js.map", "/vendor/swagger-ui/oauth2-redirect.html", "/vendor/echarts/package.json"]));
    for (const path of others) await expectNotFound(path);
  });

  it.each([
    "/vendor/swagger-ui/",
    "/vendor/swagger-ui",
    "/vendor/echarts/",
    "/vendor/swagger-ui/%70ackage.json",
    "/vendor/swagger-ui/./package.json",
    "/vendor/swagger-ui/swagger-ui.css/",
    "/vendor/swagger-ui/swagger-ui.css/..%2fpackage.json",
    "/vendor/swagger-ui/%2e%2e/swagger-ui-dist/package.json",
    "/vendor/swagger-ui/..%2f..%2fpackage.json",
    "/vendor/SWAGGER-UI/package.json",
    "/vendor/swagger-ui/SWAGGER-UI.CSS%00",
    "/vendor/package.json",
  ])("answers 404 for %s", async (path) => {
    await expectNotFound(path);
  });
});
