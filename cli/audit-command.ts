import { auditRun } from "../sim/audit/audit.js";

/**
 * `bidmesh audit DIR`: exit 0 when metrics.json matches the chain, 1 naming each field that
 * does not, or in one line the blocks missing from the chain log.
 */
export function auditCommand(dir: string): number {
  const result = auditRun(dir);
  if (result.chainLogGap !== undefined) {
    console.error(`audit FAILED: ${dir}/chain-log.jsonl is not the whole chain of the run: ${result.chainLogGap}`);
    return 1;
  }
  if (result.differences.length === 0) {
    console.log(`audit passed: ${result.fieldsChecked} fields of the market's metrics match the chain's events (not auditable from the chain: ${result.notAuditable.join(", ")})`);
    return 0;
  }
  console.error(`audit FAILED: ${result.differences.length} of ${result.fieldsChecked} fields differ from the chain's events`);
  for (const d of result.differences.slice(0, 50)) {
    console.error(`  ${d.field}: metrics.json says ${JSON.stringify(d.reported)}, the chain says ${JSON.stringify(d.fromChain)}`);
  }
  if (result.differences.length > 50) console.error(`  … and ${result.differences.length - 50} more`);
  return 1;
}
