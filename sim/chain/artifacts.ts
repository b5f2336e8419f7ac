import { readFileSync } from "node:fs";

/** What bidmesh needs from a compiled contract's Hardhat artifact. */
export interface ContractArtifact {
  contractName: string;
  abi: unknown[];
  bytecode: string;
  deployedBytecode: string;
  immutableReferences: Record<string, Array<{ start: number; length: number }>>;
}

const cache = new Map<string, ContractArtifact>();

/** Reads `artifacts/contracts/<file>/<name>.json`, written by `npm run build`. */
export function readArtifact(name: string, file = `${name}.sol`): ContractArtifact {
  const key = `${file}:${name}`;
  const cached = cache.get(key);
  if (cached !== undefined) return cached;
  const url = new URL(`../../artifacts/contracts/${file}/${name}.json`, import.meta.url);
  let artifact: ContractArtifact;
  try {
    artifact = JSON.parse(readFileSync(url, "utf8")) as ContractArtifact;
  } catch (cause) {
    throw new Error(`contract artifact ${name} is missing: run \`npm run build\` first`, { cause });
  }
  cache.set(key, artifact);
  return artifact;
}

/**
 * Zeroes the immutable values in runtime bytecode, so that code deployed with any constructor
 * arguments compares equal to the artifact's.
 */
export function maskImmutables(code: string, artifact: ContractArtifact): string {
  const hex = code.startsWith("0x") ? code.slice(2) : code;
  const chars = hex.split("");
  for (const refs of Object.values(artifact.immutableReferences)) {
    for (const { start, length } of refs) {
      for (let i = start * 2; i < (start + length) * 2 && i < chars.length; i += 1) chars[i] = "0";
    }
  }
  return `0x${chars.join("")}`.toLowerCase();
}
