// Loaded with `node --import` into a `bidmesh serve` under test (test/server/shutdown.test.ts):
// every request the express app handles waits BIDMESH_TEST_RESPONSE_DELAY_MS first, so a test
// can send SIGTERM while one is in flight. It patches express's application prototype before the
// server creates its app (an app copies the prototype's methods when it is created), so the
// production code carries no test hook. The server's own request listeners (the in-flight set,
// `Connection: close` on shutdown) run before the app, undelayed, as they do in production.
import { createRequire } from "node:module";

const delay = Number(process.env["BIDMESH_TEST_RESPONSE_DELAY_MS"] ?? 0);
if (!(Number.isInteger(delay) && delay >= 0)) throw new Error(`BIDMESH_TEST_RESPONSE_DELAY_MS must be a whole number of milliseconds, not ${process.env["BIDMESH_TEST_RESPONSE_DELAY_MS"]}`);
if (delay > 0) {
  // Resolved from the project root, as the server resolves it, so both get the same module.
  const express = createRequire(new URL("../../package.json", import.meta.url))("express");
  const handle = express.application.handle;
  express.application.handle = function (req, res, callback) {
    setTimeout(() => handle.call(this, req, res, callback), delay);
  };
}
