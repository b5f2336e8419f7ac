import type { Interface } from "ethers";
import { ComputeMarket__factory } from "../../../types/ethers-contracts/index.js";
import type { Chain } from "../connect.js";
import { decodeChainError } from "../errors.js";
import { readWithRetries } from "./with-retries.js";

const iface: Interface = ComputeMarket__factory.createInterface();

/** The custom error a mined, failed transaction reverted with, read from its trace. */
export async function revertReason(chain: Chain, hash: string): Promise<{ error: string; args: Record<string, unknown> }> {
  const trace = await readWithRetries<{ returnValue?: string }>(chain, "debug_traceTransaction", [
    hash,
    { disableStorage: true, disableMemory: true, disableStack: true },
  ]);
  const data = trace.returnValue === undefined || trace.returnValue === "" ? "0x" : `0x${trace.returnValue.replace(/^0x/, "")}`;
  const decoded = decodeChainError({ data }, iface);
  return { error: decoded.errorName ?? "UnknownRevert", args: decoded.errorArgs ?? {} };
}
