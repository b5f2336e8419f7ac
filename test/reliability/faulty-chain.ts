// A Chain that loses JSON-RPC traffic on purpose: it wraps a real chain and, for chosen calls,
// either drops the request before it reaches the node or lets the node act and drops the
// answer. It also counts what reached the node, so a test can tell a resend from a recovery.
import type { Chain } from "../../sim/chain/connect.js";

/** Which call to lose: the `nth` call (from 1) of `method` after `arm()`, `times` calls in a row. */
export interface Fault {
  method: string;
  nth: number;
  /** "request": the node never sees it; "answer": the node acts, the caller gets an error. */
  lose: "request" | "answer";
  /** Consecutive calls lost from the nth on (default 1; Infinity: the node never answers again). */
  times?: number;
}

export interface FaultyChain extends Chain {
  /** Starts counting calls for the faults (calls before this, e.g. a deployment, are never lost). */
  arm(): void;
  /** Calls of `method` that reached the node since `arm()`. */
  reached(method: string): number;
  /** Calls of `method` the fault lost since `arm()`. */
  lost(method: string): number;
}

/** `inner` with `faults`; closing it leaves `inner` open, so one chain serves many cases. */
export function faultyChain(inner: Chain, faults: readonly Fault[]): FaultyChain {
  let armed = false;
  const calls = new Map<string, number>();
  const reached = new Map<string, number>();
  const lost = new Map<string, number>();
  const bump = (m: Map<string, number>, key: string) => m.set(key, (m.get(key) ?? 0) + 1);
  return {
    kind: inner.kind,
    url: inner.url,
    chainId: inner.chainId,
    provider: inner.provider,
    signer: (index) => inner.signer(index),
    close: async () => undefined,
    arm: () => void (armed = true),
    reached: (method) => reached.get(method) ?? 0,
    lost: (method) => lost.get(method) ?? 0,
    async rpc(method, params) {
      if (!armed) return inner.rpc(method, params);
      bump(calls, method);
      const n = calls.get(method)!;
      const fault = faults.find((f) => f.method === method && n >= f.nth && n < f.nth + (f.times ?? 1));
      if (fault === undefined) {
        bump(reached, method);
        return inner.rpc(method, params);
      }
      bump(lost, method);
      if (fault.lose === "answer") {
        bump(reached, method);
        await inner.rpc(method, params);
      }
      // What a dropped HTTP connection looks like to ethers' JsonRpcProvider.
      throw Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
    },
  };
}
