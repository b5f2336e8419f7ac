// The API from the browser: JSON reads, authenticated writes with the token kept in
// sessionStorage (entered once per tab), and errors as the API words them.

const TOKEN_KEY = "bidmesh.apiToken";
const tokenListeners = new Set();

export function getToken() {
  return sessionStorage.getItem(TOKEN_KEY) ?? "";
}

export function setToken(token) {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
  for (const listener of tokenListeners) listener(getToken());
}

/** Calls `listener(token)` whenever the token changes. */
export function onTokenChange(listener) {
  tokenListeners.add(listener);
}

/** An API answer that is not 2xx: the status, the API's message and its per-field issues. */
export class ApiError extends Error {
  constructor(status, body) {
    const message = typeof body?.error === "string" ? body.error : `HTTP ${status}`;
    super(message);
    this.status = status;
    this.body = body;
    /** `[{in, path, message}]` for a 400. */
    this.issues = Array.isArray(body?.issues) ? body.issues : [];
  }

  /** One line per problem, for display. */
  get lines() {
    const head = this.status === 401 ? `${this.message} (401: enter the API token at the top right)` : `${this.message} (HTTP ${this.status})`;
    return [head, ...this.issues.map((i) => `${i.path ? `${i.path}: ` : ""}${i.message}`)];
  }
}

async function send(method, path, body, auth) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (auth) {
    const token = getToken();
    if (token) headers.Authorization = `Bearer ${token}`;
  }
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const type = res.headers.get("content-type") ?? "";
  const data = type.includes("json") ? await res.json().catch(() => null) : await res.text();
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

/** GET `path` with an optional query object (undefined and "" values are left out). */
export function apiGet(path, query) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null && value !== "") params.set(key, String(value));
  }
  const qs = params.toString();
  return send("GET", qs ? `${path}?${qs}` : path, undefined, false);
}

/** POST `path` with the bearer token and a JSON body. */
export function apiPost(path, body) {
  return send("POST", path, body, true);
}
