// The files the browser loads, all from this project or node_modules (nothing from the internet):
// the dashboard (server/public, at /) and Swagger UI's assets for /docs (swagger-ui-dist).
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import express, { type Express } from "express";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

/** server/public: the dashboard's HTML, scripts and styles. */
export const PUBLIC_DIR = join(here, "public");
/** swagger-ui-dist's folder, found the way Node resolves the package. */
const SWAGGER_UI_DIR = dirname(require.resolve("swagger-ui-dist/package.json"));
/** echarts' browser build, for the dashboard's charts. */
const ECHARTS_DIST_DIR = join(dirname(require.resolve("echarts/package.json")), "dist");

/**
 * The files of each vendored package that a page loads, and only those: the rest of a package's
 * folder (its package.json, source maps, other builds) is not the server's to publish.
 */
export const VENDOR_FILES = {
  "/vendor/swagger-ui": { dir: SWAGGER_UI_DIR, files: ["swagger-ui.css", "swagger-ui-bundle.js"] },
  "/vendor/echarts": { dir: ECHARTS_DIST_DIR, files: ["echarts.min.js"] },
} as const satisfies Record<string, { dir: string; files: readonly string[] }>;

/** Static middleware only (no routes): the route table, and so the OpenAPI document, stays the API. */
export function serveStatic(app: Express): void {
  const options = { index: "index.html", fallthrough: true, maxAge: 0, redirect: false } as const;
  app.use(express.static(PUBLIC_DIR, options));
  for (const [prefix, { dir, files }] of Object.entries(VENDOR_FILES)) {
    const listed = new Set(files.map((file) => `/${file}`));
    const serve = express.static(dir, { index: false, fallthrough: true, redirect: false });
    // Any other path under the prefix falls through to the 404.
    app.use(prefix, (req, res, next) => (listed.has(req.path) ? serve(req, res, next) : next()));
  }
}

/** The /docs page: Swagger UI over /openapi.json; its scripts are files, so the CSP needs no inline script. */
export const DOCS_PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>bidmesh API</title>
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <link rel="stylesheet" href="/vendor/swagger-ui/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/vendor/swagger-ui/swagger-ui-bundle.js"></script>
  <script src="/docs.js"></script>
</body>
</html>
`;
