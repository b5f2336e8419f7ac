// One process of the machine's parallel ceiling (experiment.bench.ts starts one per core at
// once): the bench's floor loop, the AWS replay on the memory ledger back to back in this
// process, over `count` seeds from `first`. Prints the loop's milliseconds (start-up and a
// warm-up run excluded), so the parent compares the loops alone.
import { planExperiment } from "../../sim/experiment/plan.js";
import { runExperimentRun } from "../../sim/experiment/run-one.js";

const [count, first] = process.argv.slice(2).map(Number);
const scenario = planExperiment({ name: "ceiling", base: "aws-us-east-1-2025-10-20", ledger: "memory", seeds: 1, metrics: ["onTimeRate"] }, "ceiling").arms[0]!.scenario;
await runExperimentRun({ arm: 0, seed: 9_999, ledger: "memory", scenario, tasks: false });
const start = performance.now();
for (let seed = first!; seed < first! + count!; seed++) await runExperimentRun({ arm: 0, seed, ledger: "memory", scenario, tasks: false });
console.log(JSON.stringify({ ms: performance.now() - start }));
