// The Content-Security-Policy a run's HTML report is served with (computed in the run's child
// process, beside the report it writes, so the server never scans the page itself).
import { createHash } from "node:crypto";

/**
 * The report page's own policy: its scripts are inline (the CLI's report is one self-contained
 * file), so the API's default policy would block them. This one allows exactly those scripts,
 * by hash, and nothing from anywhere else.
 */
export function reportContentSecurityPolicy(html: string): string {
  const hashes = [...html.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/gi)].map((m) => `'sha256-${createHash("sha256").update(m[1]!, "utf8").digest("base64")}'`);
  return [
    "default-src 'none'",
    `script-src ${hashes.join(" ")}`,
    "style-src 'unsafe-inline'",
    "img-src data: blob:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'self'",
    // The report is served on the dashboard's origin, where the API token lives in
    // sessionStorage: sandboxed without allow-same-origin, the page (its charts run) has an
    // opaque origin of its own, so a slip in its escaping could not read the token or call the
    // API as the dashboard.
    "sandbox allow-scripts",
  ].join("; ");
}
