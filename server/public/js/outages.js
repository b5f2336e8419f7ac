// Outage windows, active first, then past ones (newest first): the scenario's failure timeline
// and those started from this page, as the stream announces them.
import { on, providerLabel, store, virtualNow } from "./store.js";
import { formatSeconds, formatVirtual, h, perFrame, replaceChildren } from "./util.js";

function scopeText(scope) {
  if (scope?.region !== undefined) return `region ${scope.region}`;
  if (scope?.dependency !== undefined) return `dependency ${scope.dependency}`;
  if (Array.isArray(scope?.providers)) return `groups ${scope.providers.join(", ")}`;
  return "?";
}

function outageItem(o, now) {
  const upcoming = !o.active && now !== null && now < o.start;
  const state = o.active ? "active" : upcoming ? "scheduled" : "ended";
  const remaining = o.active && now !== null ? ` · ${formatSeconds((o.end - now) / 1000)} left` : "";
  const affected = o.affected ?? [];
  return h(
    "li",
    { class: `outage ${state}`, "data-outage": o.id, "data-testid": `outage-${o.id}`, "data-active": String(o.active) },
    h("div", { class: "outage-head" }, h("span", { class: `badge ${state}` }, state), h("strong", {}, o.name), h("span", { class: "muted" }, ` ${o.source}`)),
    h("div", { class: "outage-meta" }, `${scopeText(o.scope)} · ${formatVirtual(o.start)} → ${formatVirtual(o.end)}${remaining}`),
    affected.length > 0 && h("div", { class: "outage-affected", title: affected.join("\n") }, `${affected.length} down: ${affected.map(providerLabel).slice(0, 6).join(", ")}${affected.length > 6 ? ", …" : ""}`),
  );
}

function render() {
  const list = document.getElementById("outages");
  const now = virtualNow();
  const all = [...store.outages.values()];
  // The scenario's future windows are known from the start; show only those that have begun,
  // plus the next one coming.
  const begun = all.filter((o) => o.active || (now !== null && o.start <= now));
  const next = all.filter((o) => !o.active && now !== null && o.start > now).sort((a, b) => a.start - b.start)[0];
  const shown = [...begun.filter((o) => o.active).sort((a, b) => b.start - a.start), ...(next ? [next] : []), ...begun.filter((o) => !o.active).sort((a, b) => b.start - a.start)];
  const count = document.getElementById("outages-count");
  const active = all.filter((o) => o.active).length;
  count.textContent = active > 0 ? `${active} active` : "";
  if (shown.length === 0) {
    replaceChildren(list, h("li", { class: "empty" }, "No outage so far."));
    return;
  }
  replaceChildren(list, shown.map((o) => outageItem(o, now)));
}

export function initOutages() {
  const draw = perFrame(render);
  on("outages", draw);
  on("providers", draw);
  // Remaining time counts down between messages.
  setInterval(draw, 1_000);
}
