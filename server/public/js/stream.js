// GET /api/stream (server-sent events): a snapshot of the providers and outages, then blocks,
// market events, provider state changes, outage windows and the live KPIs as they happen. The browser's
// EventSource reconnects by itself; every (re)connection starts with a fresh snapshot.
import { emit, store } from "./store.js";

/** After the server refused the stream, the wait before asking again. */
const RETRY_MS = 5_000;

function parse(message) {
  try {
    return JSON.parse(message.data);
  } catch {
    console.warn("dashboard: an unreadable stream message", message.data);
    return null;
  }
}

function setConnection(state) {
  if (store.connection === state) return;
  store.connection = state;
  emit("connection", state);
}

function setClock(now) {
  if (typeof now !== "number") return;
  store.now = now;
  store.nowSeenAt = performance.now();
}

/** Assignments held and stake follow the chain's events between provider messages. */
function applyToProviders(event) {
  const address = event.args?.provider;
  const p = typeof address === "string" ? store.providers.get(address) : undefined;
  if (!p) return false;
  switch (event.name) {
    case "TaskAwarded":
      p.running += 1;
      return true;
    case "ResultSubmitted":
    case "TaskRerouted":
      p.running = Math.max(0, p.running - 1);
      return true;
    case "ProviderSlashed":
      p.stake = (BigInt(p.stake) - BigInt(event.args.amount ?? 0)).toString();
      return true;
    case "StakeAdded":
      if (event.args.stake !== undefined) p.stake = String(event.args.stake);
      return true;
    default:
      return false;
  }
}

export function connectStream() {
  const source = new EventSource("/api/stream");
  source.addEventListener("open", () => setConnection("open"));
  source.addEventListener("error", () => {
    if (source.readyState !== EventSource.CLOSED) {
      setConnection("reconnecting");
      return;
    }
    // The browser gives up on an error answer (e.g. 503: too many streams); try again later.
    setConnection("unavailable");
    setTimeout(connectStream, RETRY_MS);
  });

  source.addEventListener("snapshot", (message) => {
    const snap = parse(message);
    if (!snap) return;
    setConnection("open");
    store.live = Boolean(snap.live);
    store.scenario = snap.scenario ?? null;
    store.speed = snap.speed ?? null;
    store.chainTimeZero = snap.chainTimeZero ?? null;
    setClock(snap.now);
    store.providers = new Map((snap.providers ?? []).map((p) => [p.address, { ...p }]));
    store.outages = new Map((snap.outages ?? []).map((o) => [o.id, o]));
    emit("snapshot", snap);
    emit("providers");
    emit("outages");
    emit("clock");
  });

  source.addEventListener("block", (message) => {
    const block = parse(message);
    if (!block) return;
    store.block = block.number;
    setClock(block.now);
    emit("clock");
  });

  source.addEventListener("event", (message) => {
    const event = parse(message);
    if (!event) return;
    if (typeof event.blockNumber === "number" && (store.block === null || event.blockNumber > store.block)) store.block = event.blockNumber;
    if (applyToProviders(event)) emit("providers");
    emit("event", event);
  });

  source.addEventListener("provider", (message) => {
    const p = parse(message);
    if (!p?.address) return;
    store.providers.set(p.address, { ...store.providers.get(p.address), ...p });
    emit("providers");
  });

  source.addEventListener("kpis", (message) => {
    const kpis = parse(message);
    if (kpis) emit("kpis", kpis);
  });

  source.addEventListener("outage", (message) => {
    const outage = parse(message);
    if (!outage?.id) return;
    store.outages.set(outage.id, outage);
    emit("outages");
  });

  return source;
}
