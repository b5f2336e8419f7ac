import { hexlify, toUtf8Bytes, toUtf8String, zeroPadBytes, getBytes } from "ethers";

/** The on-chain "any region" code. */
export const ANY_REGION = "0x00000000000000000000000000000000";

/** Bytes of a region code: the contract stores regions as bytes16. */
export const REGION_BYTES = 16;

/**
 * Encodes a region name (such as "us-east-1") as the contract's bytes16 code. Empty or "any"
 * means any region.
 * @example encodeRegion("eu-west-1") // 0x65752d776573742d3100000000000000
 */
export function encodeRegion(name: string): string {
  if (name === "" || name === "any") return ANY_REGION;
  const bytes = toUtf8Bytes(name);
  if (bytes.length > REGION_BYTES) {
    throw new RangeError(`region "${name}" is ${bytes.length} bytes long; at most ${REGION_BYTES} are allowed`);
  }
  return zeroPadBytes(hexlify(bytes), REGION_BYTES);
}

/** Decodes a bytes16 region code back to its name; the zero code is "any". */
export function decodeRegion(code: string): string {
  const bytes = getBytes(code);
  let end = bytes.length;
  while (end > 0 && bytes[end - 1] === 0) end -= 1;
  return end === 0 ? "any" : toUtf8String(bytes.subarray(0, end));
}
