// One background experiment, inside its own child process (forked by experiment-jobs.ts through
// experiment-child.mjs): plans it again from the data the request validated (planning is
// deterministic, so these are the arms the route checked), runs its runs one at a time on one
// worker thread (the job's process is the unit of isolation and of CPU the server grants), and
// writes the files `bidmesh experiment` writes into the job's folder.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { executeExperiment } from "../../sim/experiment/execute.js";
import { ExperimentFolder } from "../../sim/experiment/experiment-folder.js";
import { formatHeadline } from "../../sim/experiment/headline.js";
import { planExperiment } from "../../sim/experiment/plan.js";
import { PoolExecutor } from "../../sim/experiment/pool-executor.js";
import { serveChildJob } from "../jobs/child-side.js";
import { reportContentSecurityPolicy } from "../simulations/report-csp.js";
import { OUTPUT_FOLDER, type ExperimentInput, type ExperimentJobProgress, type ExperimentJobResult } from "./experiment-protocol.js";

serveChildJob<ExperimentInput, ExperimentJobProgress, ExperimentJobResult>("experiment", async (input, progress) => {
  const plan = planExperiment(input.data, input.source);
  const out = join(input.dir, OUTPUT_FOLDER);
  const folder = ExperimentFolder.open(out, plan.fingerprint, false);
  const executor = new PoolExecutor(1);
  try {
    const summary = await executeExperiment({
      plan,
      folder,
      executor,
      tasks: input.tasks,
      onProgress: ({ done, total, failed, seeds }) => progress({ done, total, failed, seeds }),
      generatedBy: "POST /api/experiments",
    });
    const html = await readFile(join(out, "experiment.html"), "utf8");
    return { headline: formatHeadline(summary), reportCsp: reportContentSecurityPolicy(html) };
  } finally {
    await executor.close();
  }
});
