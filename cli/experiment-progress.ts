// Progress of an experiment on stderr: on a terminal one line rewritten in place (runs done of
// all, failures, the least advanced arm, runs per second, ETA); otherwise a line every few
// seconds, so a log shows the experiment moving without a line per run.
import type { ExperimentProgress } from "../sim/experiment/run-experiment.js";

const LOG_EVERY_MS = 5_000;

export function experimentProgress(label: string, enabled: boolean): { update: (p: ExperimentProgress) => void; stop: () => void } {
  if (!enabled) return { update: () => undefined, stop: () => undefined };
  const tty = process.stderr.isTTY === true;
  const started = performance.now();
  let startDone: number | undefined;
  let lastLog = started;
  let last: ExperimentProgress | undefined;
  const line = (p: ExperimentProgress) => {
    const elapsed = (performance.now() - started) / 1_000;
    const ran = p.done - (startDone ?? p.done);
    const rate = elapsed > 0 ? ran / elapsed : 0;
    const eta = rate > 0 ? `${Math.ceil((p.total - p.done) / rate)} s` : "…";
    const slowest = p.perArm.reduce((min, n, i) => (n < p.perArm[min]! ? i : min), 0);
    const armsDone = p.perArm.filter((n) => n >= p.seeds).length;
    const failed = p.failed > 0 ? `, ${p.failed} failed` : "";
    return `${label}: runs ${p.done}/${p.total}${failed} | arms done ${armsDone}/${p.perArm.length}, slowest arm ${slowest + 1} at ${p.perArm[slowest]}/${p.seeds} | ${rate.toFixed(1)} runs/s | ETA ${eta}`;
  };
  return {
    update: (p) => {
      startDone ??= p.done;
      last = p;
      if (tty) process.stderr.write(`\r\x1b[2K${line(p)}`);
      else if (performance.now() - lastLog >= LOG_EVERY_MS) {
        lastLog = performance.now();
        process.stderr.write(`${line(p)}\n`);
      }
    },
    stop: () => {
      if (tty && last !== undefined) process.stderr.write("\r\x1b[2K");
    },
  };
}
