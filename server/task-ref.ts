// The requirements reference of a task posted through the API. On chain a task carries only a
// bytes32 "hash of its off-chain description"; for API tasks it encodes the task's size, so the
// size can be read back from the chain alone (and by the live market, which must execute it).

const API_TAG = "626d6170"; // "bmap"

/** The requirements reference of an API task of `sizeMs` compute-milliseconds. */
export function apiRequirementsRef(sizeMs: number): string {
  if (!Number.isSafeInteger(sizeMs) || sizeMs <= 0) throw new RangeError(`task size ${sizeMs} ms is not a positive whole number`);
  return `0x${API_TAG}${sizeMs.toString(16).padStart(56, "0")}`;
}

/** The size (compute-milliseconds) in an API requirements reference; undefined if it is not one. */
export function parseApiRequirementsRef(ref: string): number | undefined {
  const hex = ref.toLowerCase();
  if (!/^0x[0-9a-f]{64}$/.test(hex) || hex.slice(2, 10) !== API_TAG) return undefined;
  const size = Number.parseInt(hex.slice(10), 16);
  return Number.isSafeInteger(size) && size > 0 ? size : undefined;
}
