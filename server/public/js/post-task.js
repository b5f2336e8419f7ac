// The form that posts a task (POST /api/tasks) with the token from the header; the API's 401
// and 400 messages are shown as they come, per field.
import { ApiError, apiPost } from "./api.js";
import { trackPosted } from "./feed.js";
import { on, store } from "./store.js";
import { errorText, h, replaceChildren, showMessage } from "./util.js";

function renderRegions() {
  const select = document.getElementById("task-region");
  const current = select.value || "any";
  const regions = [...new Set([...store.providers.values()].map((p) => p.region))];
  replaceChildren(select, h("option", { value: "any" }, "any region"), regions.map((r) => h("option", { value: r }, r)));
  select.value = regions.includes(current) ? current : "any";
}

export function initPostTask() {
  const form = document.getElementById("task-form");
  const message = document.getElementById("task-message");
  on("snapshot", renderRegions);
  renderRegions();
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    // Numbers go as numbers and the price as the string typed: the API validates both.
    const number = (key) => {
      const text = String(data.get(key) ?? "").trim();
      return text === "" || Number.isNaN(Number(text)) ? text : Number(text);
    };
    const body = {
      size: number("size"),
      maxPrice: String(data.get("maxPrice") ?? "").trim(),
      deadlineBudget: number("deadlineBudget"),
      region: String(data.get("region") ?? "any"),
      mechanism: String(data.get("mechanism") ?? "first-price"),
    };
    const button = document.getElementById("task-submit");
    button.disabled = true;
    try {
      const posted = await apiPost("/api/tasks", body);
      trackPosted(posted.taskId);
      showMessage(message, `Task #${posted.taskId} posted in block ${posted.blockNumber}`, "ok");
      message.dataset.taskId = String(posted.taskId);
    } catch (error) {
      showMessage(message, error instanceof ApiError ? error.lines : [errorText(error)], "error");
    } finally {
      button.disabled = false;
    }
  });
}
