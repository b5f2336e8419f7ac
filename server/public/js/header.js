// The header: the chain's latest block, whether the live market runs, its scenario and virtual
// time (GET /api/health, then the stream's blocks), and the API token, entered once per tab.
import { apiGet, getToken, onTokenChange, setToken } from "./api.js";
import { on, store, virtualNow } from "./store.js";
import { formatVirtual, h, replaceChildren } from "./util.js";

const HEALTH_EVERY_MS = 5_000;

let health = null;

function chip(id, label, value, tone = "") {
  return h("div", { class: `chip ${tone}`, id, "data-testid": id }, h("span", { class: "chip-label" }, label), h("span", { class: "chip-value" }, value));
}

function renderStatus() {
  const el = document.getElementById("status");
  const market = health?.market ?? {};
  const reachable = health?.chain?.reachable;
  const block = store.block ?? health?.chain?.blockNumber ?? null;
  const live = store.live || market.live === true;
  const running = market.running ?? (live ? store.connection === "open" : null);
  const scenario = store.scenario ?? market.scenario ?? null;
  const speed = store.speed ?? market.speed ?? null;
  const now = live ? (virtualNow() ?? market.virtualTime ?? null) : null;
  const stream = { open: "live", connecting: "connecting…", reconnecting: "reconnecting…", unavailable: "unavailable" }[store.connection];
  replaceChildren(
    el,
    chip("health-chain", "chain", health === null ? "…" : reachable ? `${health.chain.kind} · block ${block ?? "–"}` : "unreachable", reachable === false ? "bad" : "ok"),
    chip("health-market", "market", !live ? "no live market" : running ? "running" : "stopped", !live ? "muted" : running ? "ok" : "bad"),
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
