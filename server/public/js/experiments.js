// The experiment runner: runs a built-in experiment (arms × seeds) in the background
// (POST /api/experiments), shows its runs done (GET /api/experiments/:id, polled), then its
// headline table and links to its report and files. Earlier experiments are listed.
import { ApiError, apiGet, apiPost } from "./api.js";
import { errorText, h, replaceChildren, showMessage } from "./util.js";

const POLL_MS = 500;
/** The files offered beside the report, as `bidmesh experiment` writes them. */
const FILES = ["summary.csv", "paired.csv", "runs.csv", "experiment.json"];

let current = null;
let shown = null;
let timer = null;

const fileUrl = (id, name) => `/api/experiments/${encodeURIComponent(id)}/files/${name}`;

function renderExperiment(experiment) {
  const el = document.getElementById("exp-run");
  el.hidden = false;
  el.dataset.status = experiment.status;
  const p = experiment.progress ?? { done: 0, total: 0, failed: 0 };
  const detail = experiment.status === "queued" ? "waiting for the worker" : `${p.done} of ${p.total} runs${p.failed > 0 ? ` (${p.failed} failed)` : ""} · ${experiment.arms} arms × ${experiment.seeds} seeds`;
  const done = experiment.status === "done";
  replaceChildren(
    el,
    h("div", { class: "sim-head" }, h("strong", {}, experiment.name), h("span", { class: "muted" }, ` ${experiment.ledger}`), h("span", { class: `badge ${experiment.status}`, "data-testid": "exp-status" }, experiment.status)),
    h("progress", { max: 1, value: done ? 1 : (p.fraction ?? 0), "data-testid": "exp-progress" }),
    h("div", { class: "sim-detail" }, detail),
    experiment.status === "failed" && h("div", { class: "message error" }, experiment.error ?? "the experiment failed"),
    done && experiment.headline && h("pre", { class: "exp-headline", "data-testid": "exp-headline" }, experiment.headline),
    done &&
      h(
        "div",
        { class: "exp-links" },
        h("a", { href: fileUrl(experiment.id, "experiment.html"), target: "_blank", rel: "noopener", class: "button", "data-testid": "exp-report" }, "Open the report ↗"),
        ...FILES.map((name) => h("a", { href: fileUrl(experiment.id, name), target: "_blank", rel: "noopener" }, name)),
      ),
  );
}

function stopPolling() {
  current = null;
  document.getElementById("exp-submit").disabled = false;
}

async function poll() {
  if (current === null) return;
  try {
    const experiment = await apiGet(`/api/experiments/${encodeURIComponent(current)}`);
    renderExperiment(experiment);
    if (experiment.status === "done" || experiment.status === "failed") {
      stopPolling();
      loadRecent();
      return;
    }
  } catch (error) {
    showMessage(document.getElementById("exp-message"), error instanceof ApiError ? error.lines : [errorText(error)], "error");
    if (error instanceof ApiError && error.status === 404) return stopPolling();
  }
  timer = setTimeout(poll, POLL_MS);
}

async function loadRecent() {
  const list = document.getElementById("exp-recent");
  try {
    const page = await apiGet("/api/experiments", { pageSize: 5 });
    const items = (page.items ?? []).filter((e) => e.id !== shown);
    replaceChildren(
      list,
      items.map((e) =>
        h(
          "li",
          {},
          h("span", { class: `badge ${e.status}` }, e.status),
          ` ${e.name} · ${e.arms} arms × ${e.seeds} seeds `,
          e.status === "done" && h("a", { href: fileUrl(e.id, "experiment.html"), target: "_blank", rel: "noopener" }, "report ↗"),
        ),
      ),
    );
  } catch {
    // 503: this server runs no experiments; the form says so when used.
    replaceChildren(list);
  }
}

export function initExperiments() {
  const form = document.getElementById("exp-form");
  const select = document.getElementById("exp-name");
  apiGet("/api/experiments/builtins")
    .then((builtins) => replaceChildren(select, builtins.map((b) => h("option", { value: b.name, title: b.description }, b.name))))
    .catch(() => undefined);
  const message = document.getElementById("exp-message");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const body = { experiment: String(data.get("experiment") ?? "") };
    const seeds = String(data.get("seeds") ?? "").trim();
    // Sent as typed: the API says what is wrong with it.
    if (seeds !== "") body.seeds = Number.isNaN(Number(seeds)) ? seeds : Number(seeds);
    const button = document.getElementById("exp-submit");
    button.disabled = true;
    try {
      const accepted = await apiPost("/api/experiments", body);
      showMessage(message, []);
      current = accepted.id;
      shown = accepted.id;
      clearTimeout(timer);
      poll();
    } catch (error) {
      showMessage(message, error instanceof ApiError ? error.lines : [errorText(error)], "error");
      button.disabled = false;
    }
  });
  loadRecent();
}
