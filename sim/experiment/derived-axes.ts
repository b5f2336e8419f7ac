// The derived axes: changes a researcher asks for that are not one field of the scenario. Each
// takes the scenario's file data and one value and returns new file data; exactly what each
// changes is documented in docs/experiments.md, and the arm is validated afterwards like any
// scenario. They work on the data as written (units as strings), before validation.
import { formatDuration, parseDuration } from "../scenario/duration.js";
import type { Json } from "./types.js";

/** A derived axis value that cannot be applied to this scenario; the message says why. */
export class AxisError extends Error {}

type Data = { [key: string]: Json };
type Group = Data & { group: string; count: number; region: string; dependsOn?: Json };

function groupsOf(data: Data): Group[] {
  const providers = data["providers"];
  if (!Array.isArray(providers)) throw new AxisError("the scenario has no providers list");
  return providers.map((p, i) => {
    if (typeof p !== "object" || p === null || Array.isArray(p) || typeof p["group"] !== "string" || typeof p["count"] !== "number" || typeof p["region"] !== "string") {
      throw new AxisError(`providers.${i} needs group, count and region`);
    }
    return p as Group;
  });
}

function dependsOn(group: Group): string[] {
  return Array.isArray(group.dependsOn) ? group.dependsOn.filter((d): d is string => typeof d === "string") : [];
}

/** The dependency of the scenario's first outage scoped to one: what a hidden dependency hides by default. */
export function defaultHiddenDependency(data: Data): string {
  const failures = data["failures"];
  const outages = typeof failures === "object" && failures !== null && !Array.isArray(failures) ? failures["outages"] : undefined;
  for (const outage of Array.isArray(outages) ? outages : []) {
    const scope = typeof outage === "object" && outage !== null && !Array.isArray(outage) ? outage["scope"] : undefined;
    const dependency = typeof scope === "object" && scope !== null && !Array.isArray(scope) ? scope["dependency"] : undefined;
    if (typeof dependency === "string") return dependency;
  }
  throw new AxisError("the base scenario has no outage scoped to a dependency; give the axis a dependency");
}

/**
 * hiddenShare: round(share × N) of the N candidate provider nodes secretly depend on
 * `dependency`, the rest do not. Candidates are the nodes of `groups` (default: every group
 * with no dependency other than this one). The dependency is first taken off every candidate;
 * then the chosen nodes get it. `spread` picks nodes round-robin across regions (in the
 * scenario's region order, each region's groups in file order); `concentrated` fills one
 * region at a time, the region with most candidates first. A group partly chosen is split in
 * two: `<group>` keeps the nodes off the dependency and `<group>-hidden` holds the others (an
 * outage scoped to the group then covers both).
 */
export function applyHiddenShare(data: Data, share: number, placement: "spread" | "concentrated", options: { dependency?: string; groups?: string[] }): Data {
  const dependency = options.dependency ?? defaultHiddenDependency(data);
  const groups = groupsOf(data);
  const names = new Set(groups.map((g) => g.group));
  for (const name of options.groups ?? []) {
    if (!names.has(name)) throw new AxisError(`hiddenShare.groups: no provider group is named "${name}" (groups: ${[...names].join(", ")})`);
  }
  const isCandidate = (g: Group) => (options.groups === undefined ? dependsOn(g).every((d) => d === dependency) : options.groups.includes(g.group));
  const candidates = groups.filter(isCandidate);
  const total = candidates.reduce((sum, g) => sum + g.count, 0);
  if (total === 0) throw new AxisError("hiddenShare: no provider group can be placed on the dependency");
  const hidden = pickHidden(candidates, Math.round(share * total), placement, regionOrder(data));

  const providers: Json[] = [];
  const split = new Map<string, string>();
  for (const g of groups) {
    if (!isCandidate(g)) {
      providers.push(g);
      continue;
    }
    const others = dependsOn(g).filter((d) => d !== dependency);
    const k = hidden.get(g.group) ?? 0;
    if (k < g.count) providers.push({ ...g, count: g.count - k, dependsOn: others });
    if (k > 0) {
      const name = k < g.count ? `${g.group}-hidden` : g.group;
      if (k < g.count) {
        if (names.has(name)) throw new AxisError(`hiddenShare: cannot split group ${g.group}: a group named ${name} exists`);
        split.set(g.group, name);
      }
      providers.push({ ...g, group: name, count: k, dependsOn: [...others, dependency] });
    }
  }
  return withSplitScopes({ ...data, providers }, split);
}

/** How many nodes of each group go on the dependency. */
function pickHidden(candidates: readonly Group[], count: number, placement: "spread" | "concentrated", regions: readonly string[]): Map<string, number> {
  const byRegion = new Map<string, string[]>();
  for (const g of candidates) {
    const nodes = byRegion.get(g.region) ?? [];
    for (let i = 0; i < g.count; i += 1) nodes.push(g.group);
    byRegion.set(g.region, nodes);
  }
  const order = [...byRegion.keys()].sort((a, b) => rank(regions, a) - rank(regions, b));
  const sequence: string[] = [];
  if (placement === "spread") {
    const longest = Math.max(...[...byRegion.values()].map((n) => n.length));
    for (let i = 0; i < longest; i += 1) for (const region of order) if (i < byRegion.get(region)!.length) sequence.push(byRegion.get(region)![i]!);
  } else {
    // Most candidates first; ties keep the scenario's region order (a stable sort).
    const fullest = [...order].sort((a, b) => byRegion.get(b)!.length - byRegion.get(a)!.length);
    for (const region of fullest) sequence.push(...byRegion.get(region)!);
  }
  const chosen = new Map<string, number>();
  for (const group of sequence.slice(0, count)) chosen.set(group, (chosen.get(group) ?? 0) + 1);
  return chosen;
}

function regionOrder(data: Data): string[] {
  const regions = data["regions"];
  return Array.isArray(regions) ? regions.filter((r): r is string => typeof r === "string") : [];
}

function rank(order: readonly string[], region: string): number {
  const i = order.indexOf(region);
  return i < 0 ? order.length : i;
}

/** Outages scoped to a group that was split cover both halves. */
function withSplitScopes(data: Data, split: ReadonlyMap<string, string>): Data {
  if (split.size === 0) return data;
  const failures = data["failures"];
  if (typeof failures !== "object" || failures === null || Array.isArray(failures) || !Array.isArray(failures["outages"])) return data;
  const outages = failures["outages"].map((o) => {
    if (typeof o !== "object" || o === null || Array.isArray(o)) return o;
    const scope = o["scope"];
    if (typeof scope !== "object" || scope === null || Array.isArray(scope) || !Array.isArray(scope["providers"])) return o;
    const providers = scope["providers"].flatMap((g) => (typeof g === "string" && split.has(g) ? [g, split.get(g)!] : [g]));
    return { ...o, scope: { ...scope, providers } };
  });
  return { ...data, failures: { ...failures, outages } };
}

/**
 * providerCount: N providers in all, shared among the groups in proportion to their counts
 * (largest remainder; ties to the earlier group), every group keeping at least one.
 */
export function applyProviderCount(data: Data, total: number): Data {
  const groups = groupsOf(data);
  if (total < groups.length) throw new AxisError(`providerCount ${total} is fewer than the ${groups.length} provider groups (each keeps at least one)`);
  const current = groups.reduce((sum, g) => sum + g.count, 0);
  const spare = total - groups.length;
  const exact = groups.map((g) => (g.count / current) * spare);
  const counts = exact.map((x) => Math.floor(x));
  let left = spare - counts.reduce((a, b) => a + b, 0);
  const byRemainder = exact.map((x, i) => ({ i, r: x - Math.floor(x) })).sort((a, b) => b.r - a.r || a.i - b.i);
  for (const { i } of byRemainder) {
    if (left === 0) break;
    counts[i]! += 1;
    left -= 1;
  }
  return { ...data, providers: groups.map((g, i) => ({ ...g, count: counts[i]! + 1 })) };
}

/** arrivalRate: workload.arrivals.ratePerMinute (the diurnal shape and bursts scale with it). */
export function applyArrivalRate(data: Data, ratePerMinute: number): Data {
  const workload = data["workload"];
  if (typeof workload !== "object" || workload === null || Array.isArray(workload)) throw new AxisError("the scenario has no workload");
  const arrivals = workload["arrivals"];
  if (typeof arrivals !== "object" || arrivals === null || Array.isArray(arrivals)) throw new AxisError("the scenario has no workload.arrivals");
  return { ...data, workload: { ...workload, arrivals: { ...arrivals, ratePerMinute } } };
}

/**
 * blockInterval: the market's block interval. With keep-blocks (the default) the bid window
 * keeps its number of blocks (rounded, at least 2), so an auction takes as many blocks as
 * before; with keep-time it keeps its duration (and must stay longer than the interval).
 */
export function applyBlockInterval(data: Data, interval: string, bidWindow: "keep-blocks" | "keep-time"): Data {
  const next = { ...data, blockInterval: interval };
  if (bidWindow === "keep-time") return next;
  const newMs = parseDuration(interval);
  if (!newMs.ok) throw new AxisError(`blockInterval value ${JSON.stringify(interval)}: ${newMs.problem}`);
  const oldMs = parseDuration(data["blockInterval"] ?? "2s");
  const market = data["market"];
  if (typeof market !== "object" || market === null || Array.isArray(market)) throw new AxisError("the scenario has no market");
  const windowMs = parseDuration(market["bidWindow"]);
  if (!oldMs.ok || !windowMs.ok) return next; // the scenario schema names the field
  const blocks = Math.max(2, Math.round(windowMs.ms / oldMs.ms));
  return { ...next, market: { ...market, bidWindow: formatDuration(blocks * newMs.ms) } };
}
