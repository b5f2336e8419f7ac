// DNS rebinding guard: a page on evil.example can make its own name resolve to 127.0.0.1 and then
// read this API from the user's browser as if it were same-origin. The browser still sends
// `Host: evil.example:PORT`, so the server answers only the names it is meant to be reached by:
// the loopback names, the address it listens on (when that is not a wildcard) and names the
// operator adds (`serve --allowed-host NAME`), each on the port the connection came in on.
import type { RequestHandler } from "express";
import type { ErrorResponse } from "./schemas.js";

/** The names of this machine's loopback interface, as they appear in a Host header. */
export const LOOPBACK_HOSTS: readonly string[] = ["localhost", "127.0.0.1", "[::1]"];

/** Listen addresses that mean "every interface": they name no host a client would send. */
const WILDCARDS = new Set(["", "0.0.0.0", "::", "[::]"]);

/**
 * A host name as a Host header carries it: lowercased, IPv6 literals in brackets, no trailing dot.
 * @example hostName("::1") // "[::1]"
 */
export function hostName(name: string): string {
  const lower = name.trim().toLowerCase().replace(/\.$/, "");
  return lower.includes(":") && !lower.startsWith("[") ? `[${lower}]` : lower;
}

/** The names a server listening on `listenHost` answers: the loopback names, the listen address unless it is a wildcard, and `extra`. */
export function allowedHostNames(listenHost: string | undefined, extra: readonly string[] = []): string[] {
  const names = new Set(LOOPBACK_HOSTS);
  if (listenHost !== undefined && !WILDCARDS.has(hostName(listenHost))) names.add(hostName(listenHost));
  for (const name of extra) names.add(hostName(name));
  return [...names];
}

/** Splits a Host header into its name and port; undefined when it is not `name[:port]`. */
function parseHostHeader(value: string): { name: string; port: number | undefined } | undefined {
  const match = /^(\[[0-9a-fA-F:.]+\]|[^\s:[\]/@]+)(?::(\d{1,5}))?$/.exec(value);
  if (match === null) return undefined;
  return { name: hostName(match[1]!), port: match[2] === undefined ? undefined : Number(match[2]) };
}

/**
 * Answers 421 to a request whose Host header is not one of `names` on the port the connection
 * arrived on (a Host without a port means port 80), before any route, page or stream sees it.
 */
export function requireAllowedHost(names: readonly string[]): RequestHandler {
  const allowed = new Set(names.map(hostName));
  const listed = [...allowed].join(", ");
  return (req, res, next) => {
    const header = req.headers.host ?? "";
    const host = parseHostHeader(header);
    const port = req.socket.localPort;
    if (host !== undefined && allowed.has(host.name) && (host.port ?? 80) === port) {
      next();
      return;
    }
    const shown = JSON.stringify(header.slice(0, 100));
    res
      .status(421)
      .json({
        error: `this server does not answer for Host ${shown}: it answers ${listed} on port ${port}; start it with --allowed-host NAME to add a name it is reached by`,
      } satisfies ErrorResponse);
  };
}
