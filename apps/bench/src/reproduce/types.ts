/**
 * Types of `pnpm reproduce`: an experiment is a module that runs one of the papers' settings at a
 * chosen scale and returns one report row per number the paper reports, plus its figures.
 */
import type { TrainProgress } from "@atlas/core";

/** `cpu`: sized for a 2-core CPU (about a night per experiment group); `paper`: the papers' exact settings. */
export type Scale = "cpu" | "paper";

/** The papers (and their short names in the report). */
export type PaperName = "AGM" | "GTN" | "VQ-Flows";

/** One reported number: the paper's value beside ours. */
export interface ReportRow {
  /** What is measured, in the paper's words (`"Reconstruction error, MNIST, m = 4"`). */
  quantity: string;
  /** The paper's value (a number, or text for a qualitative claim; null: the paper gives none). */
  paper: number | string | null;
  /** Ours (null: not measured in this run, `note` says why). */
  ours: number | string | null;
  /** Data size, widths, epochs… of what produced `ours`. */
  scale: string;
  /** Seed(s). */
  seeds: string;
  /** Wall seconds of the part that produced this number. */
  seconds: number;
  /** tfjs backend (or the peer's runtime). */
  backend: string;
  /** Anything else to know (e.g. "extrapolated", "paper: CelebA"). */
  note?: string;
}

/** A figure written by an experiment (PNG, path relative to the experiment's directory). */
export interface FigureRef {
  file: string;
  caption: string;
}

/** What an experiment's `run` returns. */
export interface ExperimentOutput {
  rows: ReportRow[];
  figures: FigureRef[];
  /** Free-text observations for the report. */
  notes?: string[];
  /** The settings actually used (data sizes, widths, epochs, seeds), stored with the result. */
  settings: Record<string, unknown>;
}

/** A finished experiment as stored in `<out>/reproductions/<scale>/<id>/result.json`. */
export interface ExperimentResult extends ExperimentOutput {
  id: string;
  title: string;
  paper: PaperName;
  scale: Scale;
  quick: boolean;
  /** Wall seconds of the whole experiment in the run that finished it (parts reused from earlier runs excluded). */
  wallSeconds: number;
  /** Wall seconds of this run plus those of its own parts finished by earlier (interrupted) runs. */
  totalSeconds: number;
  backend: string;
  date: string;
  host: { cpus: number; node: string; platform: string; cpuModel: string; loadAverage: number[] };
  /** Command that reproduces this result. */
  command: string;
}

/** Progress lines and training-loop events. */
export interface Progress {
  /** A timestamped line on stderr. */
  log(message: string): void;
  /** A `trainLoop` `onProgress` callback printing a line at most every `seconds` (default 30) and at each epoch end. */
  training(label: string, seconds?: number): (event: TrainProgress) => void;
  /** A counter for other long work: prints `label done/total` at most every `seconds` (default 30) with an ETA. */
  counter(label: string, seconds?: number): (done: number, total: number) => void;
}

/** What the runner gives an experiment. */
export interface ExperimentContext extends Progress {
  readonly scale: Scale;
  readonly quick: boolean;
  /** Directory for this experiment's figures and JSON (inside the report's output). */
  readonly dir: string;
  /** Working directory for models, checkpoints and finished parts (shared by the experiments of one scale). */
  readonly work: string;
  /** tfjs backend in use. */
  readonly backend: string;
  /**
   * Run `fn` once for `key` + `settings`: its JSON result is stored (atomically) in the work
   * directory, and a later run with the same key and settings returns it without running `fn`
   * again. This is what makes an interrupted experiment resume where it stopped. Keys are paths
   * `"<experiment id>/<part>"`; two experiments that need the same part use the same key.
   */
  part<T>(key: string, settings: unknown, fn: () => Promise<T>): Promise<{ value: T; seconds: number; reused: boolean }>;
  /**
   * The independent units of an experiment (trainings, models) in the order this runner should take
   * them: as given for a single runner; started at a different place by each of `--jobs N` runners,
   * so they compute different parts at once. Report rows keep the given order.
   */
  order<T>(items: readonly T[]): T[];
  /**
   * Run `fn` on each independent unit, in {@link order}'s order; a unit whose (outermost) part
   * another `--jobs` runner is computing is put off and this runner goes on with the others, coming
   * back to it at the end (waiting for it only when nothing else is left). Without this, two
   * runners that meet in the list would go on through the same units in step, one always waiting.
   */
  units<T>(items: readonly T[], fn: (item: T) => Promise<void>): Promise<void>;
}

/** An experiment module. */
export interface Experiment {
  id: string;
  title: string;
  paper: PaperName;
  /** One paragraph: what the paper did and what this runs. */
  description: string;
  /** Documented wall time per scale on the 2-core CPU of this project (the paper scale: "GPU"). */
  estimate: Record<Scale, string> & { quick: string };
  /** Estimated seconds at cpu scale on an idle 2-core machine (sums to the documented cpu-scale total). */
  cpuSeconds: number;
  /**
   * Part-key prefixes whose time counts as this experiment's when the parts are reused from an
   * earlier run (default `["<id>/"]`); parts it shares with others (trained models) count once.
   */
  owns?: readonly string[];
  /**
   * True when the experiment's independent units are parts taken through `ctx.units`: several
   * `--jobs` runners then work on it at once. Otherwise one runner runs it and the others wait.
   */
  parallel?: boolean;
  run(ctx: ExperimentContext): Promise<ExperimentOutput>;
}
