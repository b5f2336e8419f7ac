import type { ChainBlockRecord } from "../protocol/ledger.js";

/** Most gaps named in one line; past that the line says how many more. */
const SHOWN = 3;

/**
 * Whether an exported chain log holds every block of its run, in order: the run mines one block
 * after another from the block after the market's deployment, and the last one is the run's
 * final block. Checked before any metric is recomputed, since a missing or repeated line would
 * otherwise show up as dozens of field differences with no hint of the cause.
 * @returns undefined when the log is whole; else one line naming the first problems, e.g.
 * `block 57 missing` or `blocks 57–60 missing`.
 * @example chainLogGap(chainLog, info.chain.deployBlock, info.finalBlockHash)
 */
export function chainLogGap(chainLog: readonly ChainBlockRecord[], deployBlock: number, finalBlockHash: string | null): string | undefined {
  const problems: string[] = [];
  let expected = deployBlock + 1;
  for (const block of chainLog) {
    if (block.number === expected) {
      expected += 1;
    } else if (block.number > expected) {
      problems.push(block.number === expected + 1 ? `block ${expected} missing` : `blocks ${expected}–${block.number - 1} missing`);
      expected = block.number + 1;
    } else {
      problems.push(`block ${block.number} appears again after block ${expected - 1}`);
    }
  }
  const last = chainLog.at(-1);
  if (last === undefined) {
    problems.push(`no blocks at all (expected block ${deployBlock + 1} onwards)`);
  } else if (finalBlockHash !== null && last.hash !== finalBlockHash && !chainLog.some((b) => b.hash === finalBlockHash)) {
    problems.push(`blocks from ${last.number + 1} on missing (the log ends before the run's final block ${finalBlockHash})`);
  }
  if (problems.length === 0) return undefined;
  const more = problems.length > SHOWN ? `, and ${problems.length - SHOWN} more` : "";
  return `${problems.slice(0, SHOWN).join(", ")}${more}`;
}
