// The header: the chain's latest block, whether the live market runs, its scenario and virtual
// time (GET /api/health, then the stream's blocks), and the API token, entered once per tab.
import { apiGet, getToken, onTokenChange, setToken } from "./api.js";
import { on, store, virtualNow } from "./store.js";
import { formatVirtual, h, replaceChildren } from "./util.js";

const HEALTH_EVERY_MS = 5_000;

let health = null;

function chip(id, label, value, tone = "", title = "") {
  const attrs = { class: `chip ${tone}`, id, "data-testid": id };
  if (title) attrs.title = title;
  return h("div", attrs, h("span", { class: "chip-label" }, label), h("span", { class: "chip-value" }, value));
}

/**
 * What the market chip says, from the server's status (its `state` and `reason`): running (with
 * the workload's period once it repeats); stalled, reconnecting, ended or stopped with the reason. Until the first
 * health answer, the stream's being open is the best guess.
 */
function marketChip(live, market) {
  if (!live) return chip("health-market", "market", "no live market", "muted");
  const state = market.state ?? (market.running === false ? "stopped" : store.connection === "open" ? "running" : null);
  if (state === null) return chip("health-market", "market", "…", "muted");
  if (state === "running") {
    const period = market.workload?.repeats && market.workload.period > 0 ? ` · period ${market.workload.period + 1}` : "";
    const title = market.workload?.repeats ? "the scenario's workload repeats period after period" : market.workload ? "workload off: API tasks only" : "";
    return chip("health-market", "market", `running${period}`, "ok", title);
  }
  const reason = market.reason ?? market.error ?? "";
  // Stalled and reconnecting markets carry on by themselves once the chain answers.
  const tone = state === "stalled" || state === "reconnecting" ? "warn" : "bad";
  return chip("health-market", "market", reason ? `${state}: ${reason}` : state, tone, reason);
}

function renderStatus() {
  const el = document.getElementById("status");
  const market = health?.market ?? {};
  const reachable = health?.chain?.reachable;
  const block = store.block ?? health?.chain?.blockNumber ?? null;
  const live = store.live || market.live === true;
  const scenario = store.scenario ?? market.scenario ?? null;
  const speed = store.speed ?? market.speed ?? null;
  const now = live ? (virtualNow() ?? market.virtualTime ?? null) : null;
  const stream = { open: "live", connecting: "connecting…", reconnecting: "reconnecting…", unavailable: "unavailable" }[store.connection];
  replaceChildren(
    el,
    chip("health-chain", "chain", health === null ? "…" : reachable ? `${health.chain.kind} · block ${block ?? "–"}` : "unreachable", reachable === false ? "bad" : "ok"),
    marketChip(live, market),
    chip("health-scenario", "scenario", scenario ?? "–"),
    chip("health-time", "virtual time", `${formatVirtual(now)}${speed ? ` · ${speed}×` : ""}`),
    chip("health-stream", "stream", stream, store.connection === "open" ? "ok" : store.connection === "unavailable" ? "bad" : "warn"),
  );
}

async function refreshHealth() {
  try {
    health = await apiGet("/api/health");
  } catch (error) {
    // 503 still carries the health body.
    health = error?.body?.chain ? error.body : { chain: { reachable: false }, market: {} };
  }
  renderStatus();
}

function renderToken() {
  const form = document.getElementById("token-form");
  const token = getToken();
  if (token) {
    replaceChildren(
      form,
      h("span", { class: "token-set", id: "token-state", "data-testid": "token-state" }, "API token set"),
      h("button", { type: "button", class: "ghost small", id: "token-clear", "data-testid": "token-clear", onclick: () => setToken("") }, "Change"),
    );
  } else {
    replaceChildren(
      form,
      h("label", { class: "sr-only", for: "token-input" }, "API token"),
      h("input", { type: "password", id: "token-input", "data-testid": "token-input", placeholder: "API token", autocomplete: "off", size: 22 }),
      h("button", { type: "submit", class: "small", id: "token-save", "data-testid": "token-save" }, "Use token"),
    );
  }
}

export function initHeader() {
  const form = document.getElementById("token-form");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const input = document.getElementById("token-input");
    const value = input?.value.trim() ?? "";
    if (value) setToken(value);
  });
  onTokenChange(renderToken);
  renderToken();
  on("clock", renderStatus);
  on("connection", renderStatus);
  on("snapshot", renderStatus);
  refreshHealth();
  setInterval(refreshHealth, HEALTH_EVERY_MS);
  // The virtual clock moves between blocks too.
  setInterval(renderStatus, 500);
}
