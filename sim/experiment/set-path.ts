// Sets one field of a scenario's file data by a dotted path, as an experiment's `path:` axis
// does. In a list, a segment names the item whose `group` (provider groups) or `name`
// (outages) it is, or gives its index, so `providers.indie-euc1.dependsOn` keeps meaning the
// same group when groups are added or reordered.
import type { Json } from "./types.js";

/** A path that does not lead to a field: the message says which segment and what was there. */
export class PathError extends Error {}

/**
 * A copy of `data` with the field at `path` set to `value`. A missing last key is added (a
 * field left to its default); a missing key before it is an error.
 * @example setPath({ market: { fallbackDepth: 3 } }, "market.fallbackDepth", 5) // { market: { fallbackDepth: 5 } }
 */
export function setPath(data: Json, path: string, value: Json): Json {
  const segments = path.split(".");
  return setAt(data, segments, 0, value, path);
}

function setAt(node: Json, segments: readonly string[], i: number, value: Json, path: string): Json {
  const segment = segments[i]!;
  const last = i === segments.length - 1;
  const where = segments.slice(0, i).join(".") || "the scenario";
  if (Array.isArray(node)) {
    const index = itemIndex(node, segment);
    if (index === undefined) {
      const names = node.map((item, j) => itemName(item) ?? String(j)).join(", ");
      throw new PathError(`${path}: ${where} has no item "${segment}" (items: ${names || "none"})`);
    }
    const copy = [...node];
    copy[index] = last ? value : setAt(node[index]!, segments, i + 1, value, path);
    return copy;
  }
  if (typeof node !== "object" || node === null) {
    throw new PathError(`${path}: ${where} is ${node === null ? "null" : typeof node}, not a mapping or a list`);
  }
  if (!last && !(segment in node)) {
    throw new PathError(`${path}: ${where} has no field "${segment}" (fields: ${Object.keys(node).join(", ") || "none"})`);
  }
  return { ...node, [segment]: last ? value : setAt(node[segment]!, segments, i + 1, value, path) };
}

/** The item a segment names: by `group` or `name` first, then as a whole-number index. */
function itemIndex(list: readonly Json[], segment: string): number | undefined {
  const named = list.findIndex((item) => itemName(item) === segment);
  if (named >= 0) return named;
  if (/^\d+$/.test(segment) && Number(segment) < list.length) return Number(segment);
  return undefined;
}

function itemName(item: Json): string | undefined {
  if (typeof item !== "object" || item === null || Array.isArray(item)) return undefined;
  const name = item["group"] ?? item["name"];
  return typeof name === "string" ? name : undefined;
}
