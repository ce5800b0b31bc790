/**
 * Runs experiments resumably: a finished experiment (its `result.json` exists for this scale) is not
 * run again; an interrupted one resumes from its finished parts (see `ExperimentContext.part`) and
 * from its training checkpoints. Every file is written atomically.
 *
 * Several runners (processes: `pnpm reproduce --jobs N`) can share one work directory: a part is
 * computed under a lock by whichever runner reaches it first, and another runner that needs it
 * waits for its result instead of computing it again. Each runner takes the experiments, and the
 * independent units inside an experiment (`ctx.order`), starting at a different place, so they
 * meet only at the end.
 */
import { stat } from "node:fs/promises";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { acquireLock, readJson, releaseLock, settingsHash, writeJsonAtomic } from "./files.js";
import { makeProgress } from "./progress.js";
import type { Experiment, ExperimentContext, ExperimentResult, Scale } from "./types.js";

/** Options of {@link runExperiments}. */
export interface RunOptions {
  experiments: readonly Experiment[];
  scale: Scale;
  quick: boolean;
  /** Report directory: results go to `<out>/reproductions/<scale>[-quick]/<id>/`. */
  out: string;
  /** Working directory: models, checkpoints and finished parts go to `<work>/<scale>[-quick]/`. */
  work: string;
  /** Run even experiments that already have a result. */
  force?: boolean;
  backend: string;
  /** The command line, stored with each result. */
  command: string;
  write?: (line: string) => void;
  /** Called after each experiment that finished (e.g. to rebuild the report as results arrive). */
  onFinished?: (id: string) => Promise<void>;
  /** This runner's place among `count` runners sharing the work directory (default: the only one). */
  job?: { index: number; count: number };
  /** How often a runner waiting for another's part or experiment looks for its result (ms; default 2000). */
  pollMs?: number;
  /** When this run began (ms since the epoch; default now): with `force`, results written since are this run's. */
  since?: number;
}

/** `items` starting at runner `index`'s share of `count` (rotated), so that parallel runners start on different items. */
export function rotate<T>(items: readonly T[], index: number, count: number): T[] {
  const start = count > 1 ? Math.floor((index * items.length) / count) : 0;
  return [...items.slice(start), ...items.slice(0, start)];
}

/** Thrown by `ctx.part` inside `ctx.units` when another runner is computing the part: the unit is put off. */
class PartBusy extends Error {
  constructor(readonly key: string) {
    super(`${key}: being computed by another job`);
  }
}

/** What {@link runExperiments} did. */
export interface RunSummary {
  ran: string[];
  skipped: string[];
  failed: { id: string; error: string }[];
}

/** `cpu`, `paper`, `cpu-quick`…: the directory name of a scale. */
export function scaleLabel(scale: Scale, quick: boolean): string {
  return quick ? `${scale}-quick` : scale;
}

/** Where the result of experiment `id` lives. */
export function resultPath(out: string, scale: Scale, quick: boolean, id: string): string {
  return join(out, "reproductions", scaleLabel(scale, quick), id, "result.json");
}

/** Run the experiments one after another; failures are reported and the others still run. */
export async function runExperiments(options: RunOptions): Promise<RunSummary> {
  const summary: RunSummary = { ran: [], skipped: [], failed: [] };
  const label = scaleLabel(options.scale, options.quick);
  const write = options.write ?? ((line: string) => void process.stderr.write(`${line}\n`));
  const job = options.job ?? { index: 0, count: 1 };
  const pollMs = options.pollMs ?? 2000;
  const since = options.since ?? Date.now();
  // a result counts as finished when it exists, or with --force when this run (any of its jobs) wrote it
  const finished = async (path: string): Promise<boolean> => {
    try {
      const written = (await stat(path)).mtimeMs;
      return !options.force || written >= since;
    } catch {
      return false;
    }
  };
  const deferred: Experiment[] = [];
  const runOne = async (exp: Experiment, mayDefer: boolean): Promise<void> => {
    const path = resultPath(options.out, options.scale, options.quick, exp.id);
    const progress = makeProgress(exp.id, write);
    if (await finished(path)) {
      progress.log(options.force ? `finished by another job → ${path}` : `finished earlier (${path}); not re-run (--force runs it again)`);
      summary.skipped.push(exp.id);
      return;
    }
    // one runner per experiment, unless its units are parts that runners can share (`parallel`)
    const lockPath = join(options.work, label, "experiments", exp.id);
    let locked = await acquireLock(lockPath);
    if (!locked && !exp.parallel) {
      if (mayDefer) {
        progress.log("being run by another job; coming back to it at the end");
        deferred.push(exp);
        return;
      }
      progress.log("being run by another job; waiting for it");
      while (!locked) {
        await new Promise((r) => setTimeout(r, pollMs));
        if (await finished(path)) {
          progress.log(`finished by another job → ${path}`);
          summary.skipped.push(exp.id);
          return;
        }
        // the other job stopped without a result (failed, killed): run it here
        locked = await acquireLock(lockPath);
      }
    }
    try {
      if (locked && (await finished(path))) {
        progress.log(`finished by another job → ${path}`);
        summary.skipped.push(exp.id);
        return;
      }
      await runExperiment(exp, path, progress);
    } finally {
      if (locked) await releaseLock(lockPath);
    }
  };
  const runExperiment = async (exp: Experiment, path: string, progress: ReturnType<typeof makeProgress>): Promise<void> => {
    const dir = join(options.out, "reproductions", label, exp.id);
    const work = join(options.work, label);
    let reusedSeconds = 0;
    // time spent waiting for parts that another runner was computing (their time counts in reusedSeconds)
    let waitedSeconds = 0;
    const announced = new Set<string>();
    // inside ctx.units' first passes, an outermost part that another runner holds is put off, not waited for
    let skipBusy = false;
    let depth = 0;
    const ctx: ExperimentContext = {
      ...progress,
      scale: options.scale,
      quick: options.quick,
      dir,
      work,
      backend: options.backend,
      order: <T>(items: readonly T[]) => rotate(items, job.index, job.count),
      async units<T>(items: readonly T[], fn: (item: T) => Promise<void>) {
        let pending = rotate(items, job.index, job.count);
        while (pending.length > 0) {
          const busy: T[] = [];
          for (const item of pending) {
            skipBusy = true;
            try {
              await fn(item);
            } catch (error) {
              if (!(error instanceof PartBusy)) throw error;
              progress.log(`${error.key}: being computed by another job; doing the others first`);
              busy.push(item);
            } finally {
              skipBusy = false;
            }
          }
          if (busy.length === 0) return;
          if (busy.length === pending.length) {
            // everything left is being computed elsewhere: wait for the first, then go round again
            await fn(busy[0] as T);
            pending = busy.slice(1);
          } else {
            pending = busy;
          }
        }
      },
      async part<T>(key: string, settings: unknown, fn: () => Promise<T>) {
        // keys are paths ("<experiment>/<part>"): experiments that run the same part with the same settings share it
        const file = join(work, "parts", `${key}-${settingsHash(settings)}.json`);
        const waitStart = performance.now();
        let waited = false;
        for (;;) {
          const saved = await readJson<{ key: string; settings: unknown; value: T; seconds: number; date?: string }>(file);
          if (saved !== undefined && JSON.stringify(saved.settings) === JSON.stringify(settings)) {
            if (waited) waitedSeconds += (performance.now() - waitStart) / 1000;
            if (waited || !announced.has(key)) {
              const byThisRun = saved.date !== undefined && Date.parse(saved.date) >= since;
              progress.log(`${key}: ${byThisRun ? "finished by another job" : "finished in an earlier run"} (${saved.seconds.toFixed(0)} s), reused`);
            }
            if (!announced.has(key)) {
              announced.add(key);
              if ((exp.owns ?? [`${exp.id}/`]).some((prefix) => key.startsWith(prefix))) reusedSeconds += saved.seconds;
            }
            return { value: saved.value, seconds: saved.seconds, reused: true };
          }
          if (await acquireLock(file)) {
            // another runner may have finished it between the read above and the lock
            const again = await readJson<{ settings: unknown }>(file);
            if (again === undefined || JSON.stringify(again.settings) !== JSON.stringify(settings)) break;
            await releaseLock(file);
            continue;
          }
          // only an outermost part is put off: a nested one would throw away its caller's work
          if (skipBusy && depth === 0) throw new PartBusy(key);
          if (!waited) progress.log(`${key}: being computed by another job; waiting for it`);
          waited = true;
          await new Promise((r) => setTimeout(r, pollMs));
        }
        try {
          if (waited) waitedSeconds += (performance.now() - waitStart) / 1000;
          const t0 = performance.now();
          depth++;
          let value: T;
          try {
            value = await fn();
          } finally {
            depth--;
          }
          const seconds = (performance.now() - t0) / 1000;
          await writeJsonAtomic(file, { key, settings, value, seconds, date: new Date().toISOString() });
          return { value, seconds, reused: false };
        } finally {
          await releaseLock(file);
        }
      },
    };
    progress.log(`starting (${label}; estimated ${options.quick ? exp.estimate.quick : exp.estimate[options.scale]})`);
    const t0 = performance.now();
    try {
      const output = await exp.run(ctx);
      const wallSeconds = (performance.now() - t0) / 1000;
      const result: ExperimentResult = {
        id: exp.id,
        title: exp.title,
        paper: exp.paper,
        scale: options.scale,
        quick: options.quick,
        wallSeconds,
        totalSeconds: wallSeconds - waitedSeconds + reusedSeconds,
        backend: options.backend,
        date: new Date().toISOString(),
        host: { cpus: cpus().length, node: process.version, platform: `${process.platform}-${process.arch}`, cpuModel: cpus()[0]?.model ?? "unknown", loadAverage: loadavg().map((v) => Math.round(v * 100) / 100) },
        command: options.command,
        ...output,
      };
      await writeJsonAtomic(path, result);
      progress.log(`done in ${wallSeconds.toFixed(0)} s → ${path}`);
      summary.ran.push(exp.id);
      await options.onFinished?.(exp.id);
    } catch (error) {
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      progress.log(`FAILED after ${((performance.now() - t0) / 1000).toFixed(0)} s: ${message}`);
      if (error instanceof Error && error.stack) write(error.stack);
      summary.failed.push({ id: exp.id, error: message });
    }
  };
  for (const exp of rotate(options.experiments, job.index, job.count)) await runOne(exp, true);
  for (const exp of deferred) await runOne(exp, false);
  return summary;
}
