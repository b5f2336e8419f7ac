// The simulation runner: runs a built-in scenario in the background (POST /api/simulations),
// shows its progress (GET /api/simulations/:id, polled), then its headline numbers and a link
// to its HTML report. Earlier runs of this server are listed (GET /api/simulations).
import { ApiError, apiGet, apiPost } from "./api.js";
import { errorText, eth, formatVirtual, h, replaceChildren, showMessage } from "./util.js";

// The built-in scenarios, shown until GET /api/scenarios answers with the server's own list.
export const BUILTIN_SCENARIOS = ["steady", "aws-us-east-1-2025-10-20", "azure-front-door-2025-10-29", "cloudflare-2025-11-18", "hidden-dependency"];

const POLL_MS = 500;

let current = null;
/** The run shown above the list (left out of it). */
let shown = null;
let timer = null;

const percent = (fraction) => `${Math.round((fraction ?? 0) * 100)}%`;

function rate(x) {
  return typeof x === "number" ? `${(x * 100).toFixed(1)}%` : "–";
}

function summary(metrics) {
  const systems = metrics?.systems;
  if (!systems) return null;
  const row = (name, m) => h("tr", {}, h("th", {}, name), h("td", { class: "num" }, rate(m.completionRate)), h("td", { class: "num" }, rate(m.onTimeRate)), h("td", { class: "num" }, m.pricePerCompletedTaskWei ? eth(m.pricePerCompletedTaskWei, 5) : "–"));
  return h(
    "table",
    { class: "grid compact" },
    h("thead", {}, h("tr", {}, h("th", {}, ""), h("th", { class: "num" }, "completed"), h("th", { class: "num" }, "on time"), h("th", { class: "num" }, "price/task"))),
    h("tbody", {}, row("market", systems.market), row("centralised", systems.centralized), row("multi-cloud", systems.multiCloud)),
  );
}

function renderRun(run) {
  const el = document.getElementById("sim-run");
  el.hidden = false;
  el.dataset.status = run.status;
  const p = run.progress ?? {};
  const bar = h("progress", { max: 1, value: run.status === "done" ? 1 : (p.fraction ?? 0), "data-testid": "sim-progress" });
  const detail =
    run.status === "queued"
      ? "waiting for the worker"
      : `${formatVirtual(p.time)} of ${formatVirtual(p.horizon)} · ${p.blocks ?? 0} blocks · ${p.tasksDone ?? 0}/${p.tasksPosted ?? 0} tasks done`;
  replaceChildren(
    el,
    h("div", { class: "sim-head" }, h("strong", {}, run.scenario), h("span", { class: "muted" }, ` seed ${run.seed} · ${run.ledger}`), h("span", { class: `badge ${run.status}`, "data-testid": "sim-status" }, run.status)),
    bar,
    h("div", { class: "sim-detail" }, `${run.status === "done" ? "100%" : percent(p.fraction)} · ${detail}`),
    run.status === "failed" && h("div", { class: "message error" }, run.error ?? "the run failed"),
    run.status === "done" && summary(run.metrics),
    run.status === "done" &&
      h("a", { href: `/api/simulations/${encodeURIComponent(run.id)}/report`, target: "_blank", rel: "noopener", class: "button", "data-testid": "sim-report" }, "Open the report ↗"),
  );
}

async function poll() {
  if (current === null) return;
  try {
    const run = await apiGet(`/api/simulations/${encodeURIComponent(current)}`);
    renderRun(run);
    if (run.status === "done" || run.status === "failed") {
      current = null;
      document.getElementById("sim-submit").disabled = false;
      loadRecent();
      return;
    }
  } catch (error) {
    showMessage(document.getElementById("sim-message"), error instanceof ApiError ? error.lines : [errorText(error)], "error");
    if (error instanceof ApiError && error.status === 404) {
      current = null;
      document.getElementById("sim-submit").disabled = false;
      return;
    }
  }
  timer = setTimeout(poll, POLL_MS);
}

async function loadRecent() {
  const list = document.getElementById("sim-recent");
  try {
    const page = await apiGet("/api/simulations", { pageSize: 5 });
    const runs = (page.items ?? []).filter((r) => r.id !== shown);
    replaceChildren(
      list,
      runs.map((r) =>
        h(
          "li",
          {},
          h("span", { class: `badge ${r.status}` }, r.status),
          ` ${r.scenario} · seed ${r.seed} · ${r.ledger} `,
          r.status === "done" && h("a", { href: `/api/simulations/${encodeURIComponent(r.id)}/report`, target: "_blank", rel: "noopener" }, "report ↗"),
        ),
      ),
    );
  } catch {
    // 503: this server runs no simulations; the form says so when used.
    replaceChildren(list);
  }
}

export function initSimulations() {
  const form = document.getElementById("sim-form");
  const select = document.getElementById("sim-scenario");
  replaceChildren(select, BUILTIN_SCENARIOS.map((name) => h("option", { value: name }, name)));
  // The server's own list, with descriptions; the names above stand in until it answers.
  apiGet("/api/scenarios")
    .then((scenarios) => replaceChildren(select, scenarios.map((s) => h("option", { value: s.name, title: s.description }, s.name))))
    .catch(() => undefined);
  const message = document.getElementById("sim-message");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const body = { scenario: String(data.get("scenario")), ledger: String(data.get("ledger") ?? "chain") };
    const seed = String(data.get("seed") ?? "").trim();
    if (seed !== "") body.seed = Number.isNaN(Number(seed)) ? seed : Number(seed);
    const button = document.getElementById("sim-submit");
    button.disabled = true;
    try {
      const accepted = await apiPost("/api/simulations", body);
      showMessage(message, []);
      current = accepted.id;
      shown = accepted.id;
      clearTimeout(timer);
      renderRun({ id: accepted.id, status: accepted.status, scenario: body.scenario, seed: body.seed ?? "default", ledger: body.ledger, progress: { fraction: 0 } });
      poll();
    } catch (error) {
      showMessage(message, error instanceof ApiError ? error.lines : [errorText(error)], "error");
      button.disabled = false;
    }
  });
  loadRecent();
}
