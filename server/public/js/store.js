// What the dashboard knows about the live market, kept up to date by the event stream
// (stream.js), and a tiny publish/subscribe so each panel redraws when its part changes.

export const store = {
  /** Whether a live market runs (the server was started with a scenario). */
  live: false,
  scenario: null,
  /** Virtual seconds per real second. */
  speed: null,
  /** Chain timestamp (s) of virtual time 0: chain times read as T+…; null without a live market. */
  chainTimeZero: null,
  /** Virtual ms at the last block or snapshot, and when (performance.now()) it was seen. */
  now: null,
  nowSeenAt: 0,
  /** Latest block number seen. */
  block: null,
  /** LiveProvider by address, in the order the snapshot listed them. */
  providers: new Map(),
  /** Outage by id. */
  outages: new Map(),
  /** "connecting" | "open" | "reconnecting" | "unavailable" */
  connection: "connecting",
};

const listeners = new Map();

/** Calls `fn(payload)` on every `emit(topic, payload)`. */
export function on(topic, fn) {
  if (!listeners.has(topic)) listeners.set(topic, new Set());
  listeners.get(topic).add(fn);
}

export function emit(topic, payload) {
  for (const fn of listeners.get(topic) ?? []) {
    try {
      fn(payload);
    } catch (error) {
      // One panel's bug must not stop the others from updating.
      console.warn(`dashboard: a ${topic} listener failed`, error);
    }
  }
}

/** A provider's short name: its node id (group#i) when the live market knows it, else its address abbreviated. */
export function providerLabel(address) {
  const p = store.providers.get(address);
  if (p) return p.nodeId;
  return typeof address === "string" ? `${address.slice(0, 6)}…${address.slice(-4)}` : "?";
}

/** The region of a known provider, or null. */
export function providerRegion(address) {
  return store.providers.get(address)?.region ?? null;
}

/** Virtual time now, extrapolated from the last block at the market's speed. */
export function virtualNow() {
  if (store.now === null) return null;
  if (!store.live || !store.speed) return store.now;
  // Never run more than 5 virtual-seconds-worth of wall time ahead of the last block seen.
  const ahead = Math.min((performance.now() - store.nowSeenAt) * store.speed, 5_000 * store.speed);
  return store.now + ahead;
}
