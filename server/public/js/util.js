// Small helpers shared by the dashboard's modules: building elements, formatting amounts,
// addresses and virtual time. No framework: the page is plain DOM.
import { store } from "./store.js";

/**
 * Creates an element. `attrs`: properties and attributes (`class`, `dataset`, `on*` listeners,
 * anything else as an attribute); `children`: nodes, strings, or null/false (skipped).
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else if (key === "text") el.textContent = value;
    else if (key in el && typeof value !== "string") el[key] = value;
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : String(child));
  }
}

/** Replaces an element's children. */
export function replaceChildren(el, ...children) {
  el.replaceChildren();
  append(el, children);
}

const WEI_PER_ETH = 10n ** 18n;

/** Wei (a decimal string or bigint) as ETH with at most `decimals` decimals, trailing zeros trimmed. */
export function formatEth(wei, decimals = 6) {
  let value;
  try {
    value = BigInt(wei);
  } catch {
    return String(wei);
  }
  const negative = value < 0n;
  if (negative) value = -value;
  const scale = 10n ** BigInt(18 - decimals);
  const rounded = (value + scale / 2n) / scale; // in units of 10^-decimals ETH
  const whole = rounded / 10n ** BigInt(decimals);
  const fraction = (rounded % 10n ** BigInt(decimals)).toString().padStart(decimals, "0").replace(/0+$/, "");
  const text = fraction === "" ? whole.toString() : `${whole}.${fraction}`;
  if (text === "0" && value > 0n) return `${negative ? "-" : ""}<0.${"0".repeat(decimals - 1)}1`;
  return `${negative ? "-" : ""}${text}`;
}

/** `formatEth` with the unit. */
export const eth = (wei, decimals) => `${formatEth(wei, decimals)} ETH`;

/** 0x1234…abcd */
export function shortAddress(address) {
  return typeof address === "string" && address.length > 12 ? `${address.slice(0, 6)}…${address.slice(-4)}` : String(address ?? "");
}

/** 0x12345678…9abc for hashes */
export function shortHash(hash) {
  return typeof hash === "string" && hash.length > 16 ? `${hash.slice(0, 10)}…${hash.slice(-4)}` : String(hash ?? "");
}

/** Virtual milliseconds as "T+h:mm:ss" (or "d days h:mm:ss" past a day). */
export function formatVirtual(ms) {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return "–";
  const total = Math.max(0, Math.floor(ms / 1000));
  const s = total % 60;
  const m = Math.floor(total / 60) % 60;
  const hours = Math.floor(total / 3600);
  const pad = (n) => String(n).padStart(2, "0");
  return `T+${hours}:${pad(m)}:${pad(s)}`;
}

/** Seconds as "1m 30s" / "45s" / "2h 5m". */
export function formatSeconds(seconds) {
  if (!Number.isFinite(seconds)) return "–";
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${s % 60 ? ` ${s % 60}s` : ""}`;
  return `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60) ? ` ${Math.floor((s % 3600) / 60)}m` : ""}`;
}

/** An error's message for display. */
export function errorText(error) {
  return error instanceof Error ? error.message : String(error);
}

/** `fn` at most once per animation frame, however often it is called. */
export function perFrame(fn) {
  let pending = false;
  return () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      fn();
    });
  };
}

/** Shows `lines` (a string or string[]) in a message element; `tone` is "ok", "error" or "". */
export function showMessage(el, lines, tone = "") {
  const list = Array.isArray(lines) ? lines : [lines];
  el.className = `message ${tone}`;
  replaceChildren(el, ...list.map((line, i) => (i === 0 ? h("div", {}, line) : h("div", { class: "issue" }, line))));
  el.hidden = list.length === 0 || (list.length === 1 && list[0] === "");
}

/**
 * A chain timestamp (seconds) in the live market's virtual time ("T+0:04:10") when the stream
 * has said where virtual time 0 is, else as the time of day it names, UTC ("14:36:37 UTC").
 */
export function formatChainTime(seconds) {
  const n = Number(seconds);
  if (!Number.isFinite(n)) return String(seconds);
  if (store.chainTimeZero !== null) return formatVirtual((n - store.chainTimeZero) * 1000);
  return `${new Date(n * 1000).toISOString().slice(11, 19)} UTC`;
}
