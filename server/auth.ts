import { createHash, timingSafeEqual } from "node:crypto";
import type { RequestHandler } from "express";
import type { ErrorResponse } from "./schemas.js";

const BEARER = /^Bearer +(\S+) *$/i;

/** The token of an `Authorization: Bearer <token>` header, if it is one. */
export function bearerToken(header: string | undefined): string | undefined {
  return BEARER.exec(header ?? "")?.[1];
}

/**
 * Requires `Authorization: Bearer <token>`, else 401. Both tokens are hashed to 32 bytes before
 * timingSafeEqual, so the comparison takes the same time whatever the content and the length of
 * the token given (a length check first would tell an attacker the token's length).
 */
export function requireBearer(token: string): RequestHandler {
  if (token.length === 0) throw new RangeError("the API token must not be empty");
  const expected = digest(token);
  return (req, res, next) => {
    const token = bearerToken(req.get("authorization"));
    // Hash even when the header is missing, so every refusal costs the same.
    const given = digest(token ?? "");
    if (timingSafeEqual(given, expected) && token !== undefined) {
      next();
      return;
    }
    res.set("WWW-Authenticate", 'Bearer realm="bidmesh"');
    res.status(401).json({ error: "unauthorized: send Authorization: Bearer <token>" } satisfies ErrorResponse);
  };
}

function digest(value: string): Buffer {
  return createHash("sha256").update(value, "utf8").digest();
}
