/** Progress output of `pnpm reproduce`: timestamped lines on stderr, throttled, with ETAs. */
import { formatDuration, formatProgress, type TrainProgress } from "@atlas/core";
import type { Progress } from "./types.js";

/** Progress printer for one experiment (`prefix` is its id). `write` defaults to stderr. */
export function makeProgress(prefix: string, write: (line: string) => void = (l) => void process.stderr.write(`${l}\n`), now: () => number = () => performance.now()): Progress {
  const stamp = (): string => new Date().toISOString().slice(11, 19);
  const log = (message: string): void => write(`[${stamp()}] ${prefix}: ${message}`);
  return {
    log,
    training(label: string, seconds = 30) {
      let last = -Infinity;
      return (event: TrainProgress) => {
        const t = now();
        if (event.phase !== "epoch" && t - last < seconds * 1000) return;
        last = t;
        log(formatProgress(event, { label, ascii: true }));
      };
    },
    counter(label: string, seconds = 30) {
      let last = -Infinity;
      const t0 = now();
      return (done: number, total: number) => {
        const t = now();
        if (done < total && t - last < seconds * 1000) return;
        last = t;
        const elapsed = (t - t0) / 1000;
        const eta = done > 0 && done < total ? formatDuration((elapsed / done) * (total - done)) : "--";
        log(`${label} ${done}/${total} (${formatDuration(elapsed)} elapsed, ETA ${eta})`);
      };
    },
  };
}
