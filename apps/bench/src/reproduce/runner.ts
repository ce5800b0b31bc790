/**
 * Runs experiments resumably: a finished experiment (its `result.json` exists for this scale) is not
 * run again; an interrupted one resumes from its finished parts (see `ExperimentContext.part`) and
 * from its training checkpoints. Every file is written atomically.
 */
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { exists, readJson, settingsHash, writeJsonAtomic } from "./files.js";
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
  for (const exp of options.experiments) {
    const path = resultPath(options.out, options.scale, options.quick, exp.id);
    const progress = makeProgress(exp.id, write);
    if (!options.force && (await exists(path))) {
      progress.log(`finished earlier (${path}); not re-run (--force runs it again)`);
      summary.skipped.push(exp.id);
      continue;
    }
    const dir = join(options.out, "reproductions", label, exp.id);
    const work = join(options.work, label);
    let reusedSeconds = 0;
    const announced = new Set<string>();
    const ctx: ExperimentContext = {
      ...progress,
      scale: options.scale,
      quick: options.quick,
      dir,
      work,
      backend: options.backend,
      async part<T>(key: string, settings: unknown, fn: () => Promise<T>) {
        // keys are paths ("<experiment>/<part>"): experiments that run the same part with the same settings share it
        const file = join(work, "parts", `${key}-${settingsHash(settings)}.json`);
        const saved = await readJson<{ key: string; settings: unknown; value: T; seconds: number }>(file);
        if (saved !== undefined && JSON.stringify(saved.settings) === JSON.stringify(settings)) {
          if (!announced.has(key)) {
            announced.add(key);
            progress.log(`${key}: finished in an earlier run (${saved.seconds.toFixed(0)} s), reused`);
            if ((exp.owns ?? [`${exp.id}/`]).some((prefix) => key.startsWith(prefix))) reusedSeconds += saved.seconds;
          }
          return { value: saved.value, seconds: saved.seconds, reused: true };
        }
        const t0 = performance.now();
        const value = await fn();
        const seconds = (performance.now() - t0) / 1000;
        await writeJsonAtomic(file, { key, settings, value, seconds, date: new Date().toISOString() });
        return { value, seconds, reused: false };
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
        totalSeconds: wallSeconds + reusedSeconds,
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
  }
  return summary;
}
