// Providers by region (online dot, stake, assignments held, switch per provider), a button per
// region and per dependency that starts an outage window (POST /api/outages), and the
// dependencies the providers declare (dependsOn). Sections are keyed and updated in place, so
// a duration being typed survives the stream's updates.
import { ApiError, apiGet, apiPost } from "./api.js";
import { emit, on, store } from "./store.js";
import { errorText, eth, h, perFrame, replaceChildren, shortAddress, showMessage } from "./util.js";

const DEFAULT_DURATION_S = 600;

let messageEl;
let regionsEl;
let dependenciesEl;
const regionSections = new Map();
const providerRows = new Map();
const dependencyRows = new Map();

function report(error) {
  showMessage(messageEl, error instanceof ApiError ? error.lines : [errorText(error)], "error");
}

async function switchProvider(address, online) {
  try {
    const res = await apiPost(`/api/providers/${address}/${online ? "online" : "offline"}`);
    const p = store.providers.get(address);
    if (p) p.online = res.online;
    showMessage(messageEl, `${p?.nodeId ?? shortAddress(address)} is ${res.online ? "online" : "offline"}`, "ok");
    emit("providers");
  } catch (error) {
    report(error);
  }
}

async function startOutage(scope, durationInput) {
  const duration = Number(durationInput.value);
  if (!Number.isInteger(duration) || duration < 1) {
    showMessage(messageEl, "duration: a whole number of virtual seconds, at least 1", "error");
    durationInput.focus();
    return;
  }
  try {
    const outage = await apiPost("/api/outages", { ...scope, duration });
    store.outages.set(outage.id, outage);
    const what = scope.region !== undefined ? `region ${scope.region}` : `dependency ${scope.dependency}`;
    const down = outage.affected?.length ?? 0;
    showMessage(messageEl, `${what} offline for ${duration} s (${down} provider${down === 1 ? "" : "s"})`, "ok");
    emit("outages");
  } catch (error) {
    report(error);
  }
}

/** "[duration] s [button]": starts an outage of `scope`. */
function outageControl(key, label, scope) {
  const input = h("input", {
    type: "number",
    min: 1,
    step: 1,
    value: DEFAULT_DURATION_S,
    class: "duration",
    title: "duration, virtual seconds",
    "aria-label": `${label}: duration in virtual seconds`,
    "data-testid": `${key}-duration`,
  });
  const button = h("button", { type: "submit", class: "danger small", "data-testid": `${key}-offline` }, label);
  return h(
    "form",
    {
      class: "outage-control",
      onsubmit: (event) => {
        event.preventDefault();
        startOutage(scope, input);
      },
    },
    input,
    h("span", { class: "unit" }, "s"),
    button,
  );
}

function regionSection(region) {
  let section = regionSections.get(region);
  if (section) return section;
  const count = h("span", { class: "count" });
  const body = h("tbody");
  const el = h(
    "section",
    { class: "region", "data-region": region, "data-testid": `region-${region}` },
    h("header", {}, h("h3", {}, region), count, outageControl(`region-${region}`, "Take region offline", { region })),
    h(
      "table",
      { class: "providers" },
      h("thead", {}, h("tr", {}, h("th", {}, ""), h("th", {}, "node"), h("th", { class: "num" }, "stake"), h("th", { class: "num", title: "assignments held / capacity" }, "tasks"), h("th", {}, ""))),
      body,
    ),
  );
  section = { el, count, body };
  regionSections.set(region, section);
  return section;
}

function providerRow(p) {
  let row = providerRows.get(p.address);
  if (!row) {
    const dot = h("span", { class: "dot" });
    const stake = h("td", { class: "num" });
    const tasks = h("td", { class: "num" });
    const button = h("button", { type: "button", class: "small ghost", "data-testid": `provider-toggle-${p.address}` });
    button.addEventListener("click", () => {
      const current = store.providers.get(p.address);
      switchProvider(p.address, !(current?.online ?? true));
    });
    const name = h("button", { type: "button", class: "link node-link", title: `${p.address}\nshow this provider's bids in the ledger` }, p.nodeId);
    name.addEventListener("click", () => emit("ledger-filter", { provider: p.address }));
    const tr = h(
      "tr",
      { "data-address": p.address, "data-testid": `provider-${p.address}` },
      h("td", {}, dot),
      h("td", { class: "node" }, name, h("span", { class: "addr mono" }, shortAddress(p.address))),
      stake,
      tasks,
      h("td", { class: "actions" }, button),
    );
    row = { tr, dot, stake, tasks, button };
    providerRows.set(p.address, row);
  }
  row.tr.classList.toggle("offline", !p.online);
  row.tr.dataset.online = String(p.online);
  row.dot.className = `dot ${p.online ? "on" : "off"}`;
  row.dot.title = p.online ? "online" : "offline";
  row.stake.textContent = eth(p.stake, 3);
  row.tasks.textContent = `${p.running} / ${p.capacity}`;
  row.tasks.title = `${p.running} assignments held, capacity ${p.capacity}`;
  row.button.textContent = p.online ? "Take offline" : "Bring online";
  row.button.disabled = !store.live;
  return row.tr;
}

function renderRegions() {
  const byRegion = new Map();
  for (const p of store.providers.values()) {
    if (!byRegion.has(p.region)) byRegion.set(p.region, []);
    byRegion.get(p.region).push(p);
  }
  for (const [region, section] of regionSections) {
    if (!byRegion.has(region)) {
      section.el.remove();
      regionSections.delete(region);
    }
  }
  for (const [address, row] of providerRows) {
    if (!store.providers.has(address)) {
      row.tr.remove();
      providerRows.delete(address);
    }
  }
  if (byRegion.size === 0) {
    replaceChildren(regionsEl, h("p", { class: "empty" }, store.live ? "No providers yet." : "No live market runs: start the server with --scenario to see providers bid."));
    return;
  }
  regionsEl.querySelector(".empty")?.remove();
  for (const [region, providers] of byRegion) {
    const section = regionSection(region);
    const online = providers.filter((p) => p.online).length;
    section.count.textContent = `${online}/${providers.length} online`;
    section.count.className = `count ${online === 0 ? "bad" : online < providers.length ? "warn" : "ok"}`;
    section.el.querySelector("button[type=submit]").disabled = !store.live;
    providers.forEach((p, i) => {
      const tr = providerRow(p);
      if (section.body.children[i] !== tr) section.body.insertBefore(tr, section.body.children[i] ?? null);
    });
    regionsEl.append(section.el); // keeps snapshot order
  }
}

function renderDependencies() {
  const deps = new Map();
  for (const p of store.providers.values()) {
    for (const name of p.dependsOn ?? []) {
      if (!deps.has(name)) deps.set(name, []);
      deps.get(name).push(p);
    }
  }
  for (const [name, row] of dependencyRows) {
    if (!deps.has(name)) {
      row.el.remove();
      dependencyRows.delete(name);
    }
  }
  if (deps.size === 0) {
    replaceChildren(dependenciesEl, h("p", { class: "empty" }, "No provider declares a dependency."));
    return;
  }
  dependenciesEl.querySelector(".empty")?.remove();
  for (const [name, providers] of deps) {
    let row = dependencyRows.get(name);
    if (!row) {
      const info = h("span", { class: "dep-info" });
      const el = h(
        "div",
        { class: "dependency", "data-dependency": name, "data-testid": `dependency-${name}` },
        h("span", { class: "dep-name" }, name),
        info,
        outageControl(`dependency-${name}`, "Take dependency offline", { dependency: name }),
      );
      row = { el, info };
      dependencyRows.set(name, row);
    }
    const online = providers.filter((p) => p.online).length;
    const regions = [...new Set(providers.map((p) => p.region))].join(", ");
    row.info.textContent = `${online}/${providers.length} online · ${regions}`;
    row.el.querySelector("button[type=submit]").disabled = !store.live;
    dependenciesEl.append(row.el);
  }
}

/** Without a live market the stream has no providers: list the chain's registered ones, read-only. */
async function showRegisteredProviders() {
  if (store.live || store.providers.size > 0) return;
  try {
    const page = await apiGet("/api/providers", { pageSize: 100 });
    if (store.live || store.providers.size > 0 || page.items.length === 0) return;
    replaceChildren(
      regionsEl,
      h("p", { class: "empty" }, "No live market runs; providers registered on chain:"),
      h(
        "table",
        { class: "providers" },
        h("tbody", {}, page.items.map((p) => h("tr", {}, h("td", { class: "mono", title: p.address }, shortAddress(p.address)), h("td", {}, p.region), h("td", { class: "num" }, eth(p.stake, 3))))),
      ),
    );
  } catch (error) {
    report(error);
  }
}

export function initProviders() {
  messageEl = document.getElementById("providers-message");
  regionsEl = document.getElementById("regions");
  dependenciesEl = document.getElementById("dependencies");
  const render = perFrame(() => {
    renderRegions();
    renderDependencies();
  });
  on("providers", render);
  on("snapshot", () => {
    render();
    if (!store.live) showRegisteredProviders();
  });
}
