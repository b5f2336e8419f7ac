// The Content-Security-Policy of every answer but the reports (which carry their own, see
// server/simulations/simulation-jobs.ts). Written out in full rather than taken from helmet's
// defaults, which allow `https:` for fonts and styles and inline styles: the dashboard and the
// docs load every file from this server, so each directive allows 'self' at most.
export const CONTENT_SECURITY_DIRECTIVES = {
  "default-src": ["'self'"],
  "base-uri": ["'self'"],
  "connect-src": ["'self'"],
  "font-src": ["'self'"],
  "form-action": ["'self'"],
  "frame-ancestors": ["'self'"],
  // Swagger UI's stylesheet draws its icons as data: SVGs.
  "img-src": ["'self'", "data:"],
  "object-src": ["'none'"],
  "script-src": ["'self'"],
  "script-src-attr": ["'none'"],
  "style-src": ["'self'"],
} as const satisfies Record<string, readonly string[]>;
