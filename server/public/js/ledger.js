// The ledger browser: on-chain bids, newest first (GET /api/ledger/bids), filtered by task,
// provider and block range, a page at a time.
import { ApiError, apiGet } from "./api.js";
import { on, providerLabel } from "./store.js";
import { errorText, eth, h, replaceChildren, shortHash, showMessage } from "./util.js";

const PAGE_SIZE = 15;
/** While following, page 1 reloads at most this often as bids arrive. */
const FOLLOW_MS = 1_500;

let page = 1;
let filters = {};

async function load() {
  const message = document.getElementById("ledger-message");
  const body = document.getElementById("ledger-rows");
  try {
    const result = await apiGet("/api/ledger/bids", { ...filters, page, pageSize: PAGE_SIZE });
    showMessage(message, []);
    const pages = Math.max(1, Math.ceil(result.total / result.pageSize));
    document.getElementById("ledger-page").textContent = `page ${result.page} of ${pages} · ${result.total} bid${result.total === 1 ? "" : "s"}`;
    document.getElementById("ledger-prev").disabled = result.page <= 1;
    document.getElementById("ledger-next").disabled = result.page >= pages;
    if (result.items.length === 0) {
      replaceChildren(body, h("tr", {}, h("td", { colspan: 6, class: "empty" }, "No bids match.")));
      return;
    }
    replaceChildren(
      body,
      result.items.map((b) =>
        h(
          "tr",
          { "data-testid": "ledger-row" },
          h("td", { class: "num" }, String(b.blockNumber)),
          h("td", { class: "num" }, h("button", { type: "button", class: "link", onclick: () => setFilter("task", String(b.taskId)) , title: "filter by this task" }, `#${b.taskId}`)),
          h("td", {}, h("button", { type: "button", class: "link", onclick: () => setFilter("provider", b.provider), title: `${b.provider}\nfilter by this provider` }, providerLabel(b.provider))),
          h("td", { class: "num" }, eth(b.price)),
          h("td", { class: "num" }, String(b.round)),
          h("td", { class: "mono", title: b.transactionHash }, shortHash(b.transactionHash)),
        ),
      ),
    );
  } catch (error) {
    showMessage(message, error instanceof ApiError ? error.lines : [errorText(error)], "error");
  }
}

function readFilters() {
  const form = document.getElementById("ledger-form");
  const data = new FormData(form);
  filters = {};
  for (const key of ["task", "provider", "fromBlock", "toBlock"]) {
    const value = String(data.get(key) ?? "").trim();
    if (value) filters[key] = value;
  }
}

let followTimer = null;

/** Reloads page 1 soon after a bid lands (never while a reload is pending, nor on older pages). */
function follow() {
  if (page !== 1 || followTimer !== null || !document.getElementById("ledger-follow").checked) return;
  followTimer = setTimeout(() => {
    followTimer = null;
    if (page === 1) load();
  }, FOLLOW_MS);
}

function setFilter(key, value) {
  document.getElementById(`ledger-${key}`).value = value;
  document.getElementById("ledger-card")?.scrollIntoView({ behavior: "smooth", block: "nearest" });
  readFilters();
  page = 1;
  on("event", (event) => {
    if (event.name === "BidPlaced") follow();
  });
  on("ledger-filter", (filter) => {
    for (const [key, value] of Object.entries(filter)) setFilter(key, value);
  });
  load();
}

export function initLedger() {
  const form = document.getElementById("ledger-form");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    readFilters();
    page = 1;
    load();
  });
  form.addEventListener("reset", () => {
    setTimeout(() => {
      readFilters();
      page = 1;
      load();
    });
  });
  document.getElementById("ledger-prev").addEventListener("click", () => {
    page = Math.max(1, page - 1);
    load();
  });
  document.getElementById("ledger-next").addEventListener("click", () => {
    page += 1;
    load();
  });
  on("event", (event) => {
    if (event.name === "BidPlaced") follow();
  });
  on("ledger-filter", (filter) => {
    for (const [key, value] of Object.entries(filter)) setFilter(key, value);
  });
  load();
}
