import cliProgress from "cli-progress";
import type { MarketProgress } from "../sim/market/market-system.js";
import { formatDuration } from "../sim/report/comparison-table.js";

/**
 * A progress bar on stderr when it is a terminal (virtual time, tasks, blocks); nothing
 * otherwise, so logs and CI output stay clean.
 */
export function progressReporter(label: string): { update: (p: MarketProgress) => void; stop: () => void } {
  if (process.stderr.isTTY !== true) return { update: () => undefined, stop: () => undefined };
  const bar = new cliProgress.SingleBar(
    {
      format: `${label} [{bar}] {percentage}% | sim {time} | tasks {done}/{posted} | blocks {blocks}`,
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update: (p) => {
      const payload = { time: formatDuration(p.time), done: p.tasksDone, posted: p.tasksPosted, blocks: p.blocks };
      if (!started) {
        bar.start(p.horizon, p.time, payload);
        started = true;
      } else {
        bar.update(p.time, payload);
      }
    },
    stop: () => {
      if (started) bar.stop();
    },
  };
}
