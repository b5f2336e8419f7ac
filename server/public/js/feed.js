// The live task feed, newest first: each task with its bids as they arrive, the award, skipped
// fallbacks, reroutes, reopened rounds, and the result with the payment, or the refund. It is
// seeded from GET /api/tasks (and the newest tasks' histories), then follows the stream's market
// events. A click opens the task's full history (GET /api/tasks/:id).
import { apiGet } from "./api.js";
import { emit, on, providerLabel, providerRegion } from "./store.js";
import { eth, formatChainTime, formatEth, formatSeconds, h, perFrame, replaceChildren, shortAddress, shortHash } from "./util.js";

const MAX_TASKS = 40;
const SEED_HISTORIES = 10;
const TASK_EVENTS = new Set(["TaskPosted", "BidPlaced", "TaskAwarded", "FallbackSkipped", "TaskRerouted", "ProviderSlashed", "TaskReopened", "ResultSubmitted", "TaskRefunded"]);
const MECHANISMS = { FirstPrice: "first-price", SecondPrice: "second-price" };

/** taskId → task model */
const tasks = new Map();
/** Task ids posted from this page. */
const mine = new Set();
const cards = new Map();
let onlyMine = false;
let openTaskId = null;

function sizeFromRef(ref) {
  if (typeof ref !== "string" || !/^0x626d6170[0-9a-f]{56}$/i.test(ref)) return null;
  return Number.parseInt(ref.slice(10), 16) / 1000;
}

function model(taskId) {
  let task = tasks.get(taskId);
  if (!task) {
    task = { taskId, status: "open", region: null, size: null, maxPrice: null, mechanism: null, deadlineBudget: null, events: new Map(), changed: true };
    tasks.set(taskId, task);
  }
  return task;
}

/** Folds one market event into its task. */
function applyEvent(event) {
  if (!TASK_EVENTS.has(event.name) || event.taskId === null || event.taskId === undefined) return false;
  const task = model(Number(event.taskId));
  const key = `${event.transactionHash}:${event.logIndex}`;
  if (task.events.has(key)) return false;
  task.events.set(key, event);
  task.changed = true;
  const a = event.args ?? {};
  switch (event.name) {
    case "TaskPosted":
      task.region = a.region ?? null;
      task.maxPrice = a.maxPrice ?? null;
      task.mechanism = MECHANISMS[a.mechanism] ?? a.mechanism ?? null;
      task.deadlineBudget = a.executionBudget !== undefined ? Number(a.executionBudget) : null;
      task.size ??= sizeFromRef(a.requirementsHash);
      break;
    case "TaskAwarded":
      if (task.status !== "completed" && task.status !== "refunded") task.status = "awarded";
      break;
    case "TaskRerouted":
      if (task.status === "awarded") task.status = "rerouting";
      break;
    case "TaskReopened":
      if (task.status !== "completed" && task.status !== "refunded") task.status = "open";
      break;
    case "ResultSubmitted":
      task.status = "completed";
      break;
    case "TaskRefunded":
      task.status = "refunded";
      break;
    default:
      break;
  }
  return true;
}

function order(a, b) {
  return a.blockNumber - b.blockNumber || a.logIndex - b.logIndex;
}

function who(address) {
  const region = providerRegion(address);
  return `${providerLabel(address)}${region ? ` (${region})` : ""}`;
}

/** The task's timeline: bids grouped per round, one line per other event. */
function timeline(task) {
  const lines = [];
  let bids = null;
  for (const e of [...task.events.values()].sort(order)) {
    const a = e.args ?? {};
    if (e.name === "BidPlaced") {
      const round = Number(a.round ?? 0);
      if (!bids || bids.round !== round) {
        bids = { round, chips: h("span", { class: "bid-chips" }) };
        lines.push(h("li", { class: "ev bids", "data-kind": "bids" }, h("span", { class: "ev-label", title: "prices in ETH" }, round > 0 ? `bids r${round}` : "bids"), bids.chips));
      }
      bids.chips.append(h("span", { class: "bid", title: `${a.provider}\nblock ${e.blockNumber}` }, `${providerLabel(a.provider)} ${formatEth(a.price, 6)}`));
      continue;
    }
    bids = e.name === "TaskReopened" ? null : bids;
    const line = (kind, label, text, attrs = {}) =>
      h("li", { class: `ev ${kind}`, "data-kind": kind, title: `block ${e.blockNumber} · tx ${e.transactionHash}`, ...attrs }, h("span", { class: "ev-label" }, label), text);
    switch (e.name) {
      case "TaskPosted":
        lines.push(line("posted", "posted", `block ${e.blockNumber} by ${shortAddress(a.poster)} · bids close ${formatChainTime(a.bidWindowEnd)}`));
        break;
      case "TaskAwarded":
        lines.push(
          line("award", "awarded", `${who(a.provider)} · bid ${eth(a.bidPrice)} · pays ${eth(a.payment)}${Number(a.epoch) > 1 ? ` · epoch ${a.epoch}` : ""}`, {
            "data-provider": a.provider,
            "data-region": providerRegion(a.provider) ?? "",
          }),
        );
        break;
      case "FallbackSkipped":
        lines.push(line("skip", "skipped", `${who(a.provider)}: ${a.reason}`));
        break;
      case "TaskRerouted":
        lines.push(line("reroute", "rerouted", `from ${who(a.provider)}: ${a.reason}`, { "data-provider": a.provider }));
        break;
      case "ProviderSlashed":
        lines.push(line("slash", "slashed", `${who(a.provider)} loses ${eth(a.amount)} to the poster`));
        break;
      case "TaskReopened":
        lines.push(line("reopen", "reopened", `round ${a.round}: bids again until ${formatChainTime(a.bidWindowEnd)}`));
        break;
      case "ResultSubmitted":
        lines.push(line("result", "completed", `by ${who(a.provider)} · paid ${eth(a.payment)} · refund ${eth(a.posterRefund)}`, { "data-provider": a.provider }));
        break;
      case "TaskRefunded":
        lines.push(line("refund", "refunded", `${eth(a.amount)} to the poster: ${a.reason}`));
        break;
      default:
        break;
    }
  }
  return lines;
}

function card(task) {
  let entry = cards.get(task.taskId);
  if (!entry) {
    const el = h("li", { class: "task", "data-task-id": task.taskId, "data-testid": `task-${task.taskId}` });
    entry = { el };
    cards.set(task.taskId, entry);
  }
  if (!task.changed) return entry.el;
  task.changed = false;
  const el = entry.el;
  el.className = `task status-${task.status}${mine.has(task.taskId) ? " mine" : ""}`;
  el.dataset.status = task.status;
  const meta = [
    task.region ?? "?",
    task.size !== null ? formatSeconds(task.size) : null,
    task.maxPrice !== null ? `max ${eth(task.maxPrice)}` : null,
    task.mechanism,
    task.deadlineBudget !== null ? `budget ${formatSeconds(task.deadlineBudget)}` : null,
  ].filter(Boolean);
  replaceChildren(
    el,
    h(
      "div",
      { class: "task-head" },
      h("button", { type: "button", class: "task-link", "data-testid": `task-open-${task.taskId}`, onclick: () => openDetail(task.taskId) }, `Task #${task.taskId}`),
      mine.has(task.taskId) && h("span", { class: "badge mine" }, "posted here"),
      h("span", { class: `badge ${task.status}`, "data-testid": `task-status-${task.taskId}` }, task.status),
      h("span", { class: "task-meta" }, meta.join(" · ")),
    ),
    h("ol", { class: "timeline" }, timeline(task)),
  );
  return el;
}

function render() {
  const list = document.getElementById("feed");
  // Keep the newest tasks only.
  const ids = [...tasks.keys()].sort((a, b) => b - a);
  for (const id of ids.slice(MAX_TASKS)) {
    if (mine.has(id)) continue;
    tasks.delete(id);
    cards.get(id)?.el.remove();
    cards.delete(id);
  }
  const shown = ids.slice(0, MAX_TASKS).filter((id) => tasks.has(id) && (!onlyMine || mine.has(id)));
  document.getElementById("feed-count").textContent = `${tasks.size} task${tasks.size === 1 ? "" : "s"}`;
  if (shown.length === 0) {
    replaceChildren(list, h("li", { class: "empty" }, onlyMine ? "No task posted from this page yet." : "No task yet: post one with the form."));
    return;
  }
  list.querySelector(".empty")?.remove();
  shown.forEach((id, i) => {
    const el = card(tasks.get(id));
    if (list.children[i] !== el) list.insertBefore(el, list.children[i] ?? null);
  });
  while (list.children.length > shown.length) list.lastElementChild.remove();
}

const draw = perFrame(render);

/** Marks a task as posted from this page (post-task.js). */
export function trackPosted(taskId) {
  mine.add(taskId);
  model(taskId).changed = true;
  draw();
}

async function seed() {
  try {
    const page = await apiGet("/api/tasks", { pageSize: MAX_TASKS });
    for (const t of page.items) {
      const task = model(t.taskId);
      // The stream's events, if any arrived already, are newer than this page.
      if (task.events.size === 0) task.status = t.status;
      task.region = t.region;
      task.size = t.size;
      task.maxPrice = t.maxPrice;
      task.mechanism = t.mechanism;
      task.deadlineBudget = t.deadlineBudget;
      task.changed = true;
    }
    draw();
    // The newest tasks' histories, so their timelines are complete.
    const newest = page.items.slice(0, SEED_HISTORIES);
    await Promise.all(
      newest.map(async (t) => {
        const detail = await apiGet(`/api/tasks/${t.taskId}`);
        for (const e of detail.events) applyEvent(e);
        model(t.taskId).changed = true;
      }),
    );
    draw();
  } catch (error) {
    console.warn("dashboard: could not load the tasks", error);
  }
}

// ---------------------------------------------------------------- detail dialog

function table(headers, rows) {
  if (rows.length === 0) return h("p", { class: "empty" }, "none");
  return h("table", { class: "grid" }, h("thead", {}, h("tr", {}, headers.map((x) => h("th", {}, x)))), h("tbody", {}, rows.map((r) => h("tr", {}, r.map((c) => h("td", {}, c))))));
}

function renderDetail(t) {
  const body = document.getElementById("task-detail-body");
  const fields = [
    ["status", h("span", { class: `badge ${t.status}`, "data-testid": "task-detail-status" }, t.status)],
    ["poster", h("span", { class: "mono", title: t.poster }, shortAddress(t.poster))],
    ["region", t.region],
    ["size", t.size === null ? "–" : `${t.size} compute-s`],
    ["max price", eth(t.maxPrice)],
    ["mechanism", t.mechanism],
    ["deadline budget", `${t.deadlineBudget} s`],
    ["posted in block", String(t.postedBlock)],
    ["provider", t.provider ? who(t.provider) : "–"],
  ];
  replaceChildren(
    body,
    h("dl", { class: "fields" }, fields.map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)])),
    h("h4", {}, `Bids (${t.bids.length})`),
    table(["provider", "price", "round", "block"], t.bids.map((b) => [who(b.provider), eth(b.price), String(b.round), String(b.blockNumber)])),
    h("h4", {}, "Awards"),
    table(["provider", "bid", "payment", "epoch", "deadline", "block"], t.awards.map((a) => [who(a.provider), eth(a.bidPrice), eth(a.payment), String(a.epoch), formatChainTime(a.deadline), String(a.blockNumber)])),
    t.skipped.length > 0 && [h("h4", {}, "Skipped fallbacks"), table(["provider", "reason", "block"], t.skipped.map((s) => [who(s.provider), s.reason, String(s.blockNumber)]))],
    h("h4", {}, "Reroutes"),
    table(["provider", "reason", "slashed", "block"], t.reroutes.map((r) => [who(r.provider), r.reason, eth(r.slashed), String(r.blockNumber)])),
    t.reopens.length > 0 && [h("h4", {}, "Reopened"), table(["round", "bid window end", "block"], t.reopens.map((r) => [String(r.round), formatChainTime(r.bidWindowEnd), String(r.blockNumber)]))],
    h("h4", {}, "Outcome"),
    t.result
      ? h("p", { "data-testid": "task-detail-result" }, `Completed by ${who(t.result.provider)} in block ${t.result.blockNumber}: paid ${eth(t.result.payment)}, ${eth(t.result.posterRefund)} back to the poster.`)
      : t.refund
        ? h("p", {}, `Refunded ${eth(t.refund.amount)} (${t.refund.reason}) in block ${t.refund.blockNumber}.`)
        : h("p", { class: "muted" }, "Not settled yet."),
    h("details", {}, h("summary", {}, `Events (${t.events.length})`), table(["block", "event", "tx"], t.events.map((e) => [String(e.blockNumber), e.name, h("span", { class: "mono", title: e.transactionHash }, shortHash(e.transactionHash))]))),
  );
}

async function loadDetail(taskId) {
  try {
    const detail = await apiGet(`/api/tasks/${taskId}`);
    if (openTaskId === taskId) renderDetail(detail);
  } catch (error) {
    if (openTaskId === taskId) replaceChildren(document.getElementById("task-detail-body"), h("p", { class: "message error" }, error.message));
  }
}

export function openDetail(taskId) {
  const dialog = document.getElementById("task-detail");
  openTaskId = taskId;
  document.getElementById("task-detail-title").textContent = `Task #${taskId}`;
  replaceChildren(document.getElementById("task-detail-body"), h("p", { class: "muted" }, "Loading…"));
  if (!dialog.open) dialog.showModal();
  loadDetail(taskId);
}

let detailRefresh = null;

export function initFeed() {
  const filter = document.getElementById("feed-only-mine");
  filter.addEventListener("change", () => {
    onlyMine = filter.checked;
    render();
  });
  const dialog = document.getElementById("task-detail");
  document.getElementById("task-detail-close").addEventListener("click", () => dialog.close());
  dialog.addEventListener("close", () => {
    openTaskId = null;
  });
  on("event", (event) => {
    if (applyEvent(event)) {
      draw();
      emit("task", Number(event.taskId));
      // Keep an open detail current, at most every 300 ms.
      if (openTaskId !== null && Number(event.taskId) === openTaskId && detailRefresh === null) {
        detailRefresh = setTimeout(() => {
          detailRefresh = null;
          if (openTaskId !== null) loadDetail(openTaskId);
        }, 300);
      }
    }
  });
  // Provider names (node ids) arrive with the snapshot: redraw the cards that show addresses.
  // A snapshot after the first means the stream reconnected: catch up on what was missed.
  let snapshots = 0;
  on("snapshot", () => {
    for (const task of tasks.values()) task.changed = true;
    draw();
    snapshots += 1;
    if (snapshots > 1) seed();
  });
  render();
  seed();
}
