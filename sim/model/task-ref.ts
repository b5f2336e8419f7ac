/**
 * The bytes32 a simulated task carries on chain as its requirements reference, and the result
 * reference its provider submits. They stand for the hashes of real documents; here they encode
 * the workload index (and epoch), so `audit` can tie chain tasks back to the workload without
 * hashing, which cost 14% of a large memory run.
 */
const REQUIREMENTS_TAG = "626d7271"; // "bmrq"
const RESULT_TAG = "626d7273"; // "bmrs"

/** The requirements reference of workload task `id`. */
export function requirementsRef(id: number): string {
  return `0x${REQUIREMENTS_TAG}${id.toString(16).padStart(56, "0")}`;
}

/** The workload task id in a requirements reference, or undefined if it is not one of ours. */
export function parseRequirementsRef(ref: string): number | undefined {
  const hex = ref.toLowerCase();
  if (!/^0x[0-9a-f]{64}$/.test(hex) || hex.slice(2, 10) !== REQUIREMENTS_TAG) return undefined;
  return Number.parseInt(hex.slice(10), 16);
}

/** The result reference a provider submits for chain task `taskId` at `epoch`. */
export function resultRef(taskId: number, epoch: number): string {
  return `0x${RESULT_TAG}${epoch.toString(16).padStart(8, "0")}${taskId.toString(16).padStart(48, "0")}`;
}
