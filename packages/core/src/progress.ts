import { InvalidArgumentError, describeValue } from "./errors.js";
import type { LearningRate, TrainProgress } from "./train.js";
import { checkBoolean, checkFunction, checkInteger, checkNumber, checkOneOf, checkOptions, checkString } from "./validate.js";

/** Where {@link progressBar} writes: a Node writable such as `process.stderr`, or anything like it. */
export interface ProgressStream {
  write(chunk: string): unknown;
  /** True for a terminal: the bar is redrawn in place. Otherwise lines are printed. */
  isTTY?: boolean;
  /** Terminal width; lines are cut to fit. */
  columns?: number;
}

/** Options of {@link progressBar}. */
export interface ProgressBarOptions {
  /** Default `process.stderr` where there is one (Node), else lines to `console.log` (a browser). */
  stream?: ProgressStream;
  /** Printed before each line (e.g. the model's name). */
  label?: string;
  /** Width of the bar in characters; default 24. */
  barWidth?: number;
  /** On a terminal, redraw at most this often (seconds); default 0.1. Epoch ends always draw. */
  redrawSeconds?: number;
  /** Not a terminal: print a line at most this often (seconds); default 5. Epoch ends always print. */
  intervalSeconds?: number;
  /** Clock in milliseconds (for tests); default `performance.now`. */
  now?: () => number;
}

/** `process.stderr` where the runtime has one; otherwise each line goes to `console.log`. */
function defaultStream(): ProgressStream {
  const stderr = (globalThis as { process?: { stderr?: ProgressStream } }).process?.stderr;
  if (stderr) return stderr;
  return { write: (chunk: string) => console.log(chunk.replace(/\n$/, "")), isTTY: false };
}

/** Check a {@link TrainProgress} event (what trainLoop emits): the fields a progress line prints. */
function checkProgressEvent(event: unknown): asserts event is TrainProgress {
  const e = event as Partial<TrainProgress> | null;
  if (e === null || typeof e !== "object") throw new InvalidArgumentError("event", `expected a TrainProgress event, got ${describeValue(event)}`);
  checkOneOf("event.phase", e.phase, ["step", "epoch"] as const);
  checkInteger("event.epoch", e.epoch, { min: 0 });
  checkInteger("event.epochs", e.epochs, { min: 1 });
  checkInteger("event.stepsPerEpoch", e.stepsPerEpoch, { min: 1 });
  checkInteger("event.step", e.step, { min: 0 });
  checkInteger("event.globalStep", e.globalStep, { min: 0 });
  if (e.losses === null || typeof e.losses !== "object") throw new InvalidArgumentError("event.losses", `expected a record of numbers, got ${describeValue(e.losses)}`);
  for (const [k, v] of Object.entries(e.losses)) if (typeof v !== "number") throw new InvalidArgumentError(`event.losses.${k}`, `expected a number, got ${describeValue(v)}`);
  if (e.validationLoss !== undefined) checkNumber("event.validationLoss", e.validationLoss);
  checkNumber("event.samplesPerSecond", e.samplesPerSecond, { min: 0 });
  if (typeof e.etaSeconds !== "number") throw new InvalidArgumentError("event.etaSeconds", `expected a number (NaN when unknown), got ${describeValue(e.etaSeconds)}`);
  const lr = e.learningRate;
  if (lr !== null && typeof lr !== "number" && (typeof lr !== "object" || Object.values(lr as object).some((v) => typeof v !== "number"))) {
    throw new InvalidArgumentError("event.learningRate", `expected null, a number or a record of numbers, got ${describeValue(lr)}`);
  }
}

/** Seconds as `42s`, `3m05s` or `2h07m`; `--` when unknown. */
export function formatDuration(seconds: number): string {
  if (typeof seconds !== "number") throw new InvalidArgumentError("seconds", `expected a number of seconds, got ${describeValue(seconds)}`);
  if (!Number.isFinite(seconds) || seconds < 0) return "--";
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

/** A loss or rate in 4 significant digits, or exponent form when very small or large. */
export function formatValue(v: number): string {
  if (typeof v !== "number") throw new InvalidArgumentError("v", `expected a number, got ${describeValue(v)}`);
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e-3 && a < 1e5) return String(Number(v.toPrecision(4)));
  return v.toExponential(2);
}

function formatRate(lr: LearningRate | null): string {
  if (lr === null) return "";
  if (typeof lr === "number") return `lr ${formatValue(lr)}`;
  return `lr ${Object.entries(lr)
    .map(([k, v]) => `${k}=${formatValue(v)}`)
    .join(",")}`;
}

/**
 * One line describing a progress event, without control characters:
 * `label epoch 3/10 [██████░░░░] 120/469 loss 0.0123 val 0.0456 lr 0.001 1234 samples/s ETA 1m05s`.
 */
export function formatProgress(event: TrainProgress, options: { label?: string; barWidth?: number; ascii?: boolean } = {}): string {
  checkProgressEvent(event);
  checkOptions("options", options, ["label", "barWidth", "ascii"]);
  if (options.label !== undefined) checkString("options.label", options.label, { allowEmpty: true });
  if (options.ascii !== undefined) checkBoolean("options.ascii", options.ascii);
  const width = checkInteger("options.barWidth", options.barWidth ?? 24, { min: 1, max: 200 });
  const frac = event.stepsPerEpoch > 0 ? Math.min(1, Math.max(0, event.step / event.stepsPerEpoch)) : 0;
  const filled = Math.round(frac * width);
  const [full, empty] = options.ascii ? ["#", "."] : ["█", "░"];
  const parts: string[] = [];
  if (options.label) parts.push(options.label);
  parts.push(`epoch ${event.epoch + 1}/${event.epochs}`);
  parts.push(`[${full.repeat(filled)}${empty.repeat(width - filled)}]`);
  parts.push(`${event.step}/${event.stepsPerEpoch}`);
  for (const [k, v] of Object.entries(event.losses)) parts.push(`${k} ${formatValue(v)}`);
  if (event.validationLoss !== undefined) parts.push(`val ${formatValue(event.validationLoss)}`);
  const lr = formatRate(event.learningRate);
  if (lr) parts.push(lr);
  parts.push(`${event.samplesPerSecond >= 100 ? Math.round(event.samplesPerSecond) : formatValue(event.samplesPerSecond)} samples/s`);
  parts.push(event.phase === "epoch" && event.epoch + 1 >= event.epochs ? "done" : `ETA ${formatDuration(event.etaSeconds)}`);
  return parts.join(" ");
}

/**
 * A terminal progress bar for {@link trainLoop}'s events: returns an `onProgress` function. On a
 * terminal the bar (epoch, step, losses, samples/s, ETA) is redrawn in place and each epoch ends
 * with its own line; on a non-terminal stream (a log file, CI) it prints a plain line every
 * `intervalSeconds` and at every epoch end instead of redrawing.
 *
 * @example
 * await trainLoop({ ...options, onProgress: progressBar({ label: "gtn h" }) });
 */
export function progressBar(options: ProgressBarOptions = {}): (event: TrainProgress) => void {
  checkOptions("options", options, ["stream", "label", "barWidth", "redrawSeconds", "intervalSeconds", "now"]);
  if (options.label !== undefined) checkString("options.label", options.label, { allowEmpty: true });
  if (options.now !== undefined) checkFunction("options.now", options.now);
  const stream = options.stream ?? defaultStream();
  if (typeof (stream as { write?: unknown } | null)?.write !== "function") {
    throw new InvalidArgumentError("options.stream", `expected a writable stream, got ${describeValue(stream)}`);
  }
  const barWidth = checkInteger("options.barWidth", options.barWidth ?? 24, { min: 1, max: 200 });
  const redrawMs = checkNumber("options.redrawSeconds", options.redrawSeconds ?? 0.1, { min: 0 }) * 1000;
  const intervalMs = checkNumber("options.intervalSeconds", options.intervalSeconds ?? 5, { min: 0 }) * 1000;
  const now = options.now ?? (() => performance.now());
  const label = options.label;
  const tty = stream.isTTY === true;
  let last = Number.NEGATIVE_INFINITY;

  return (event: TrainProgress): void => {
    const t = now();
    const isEnd = event.phase === "epoch";
    if (tty) {
      if (!isEnd && t - last < redrawMs) return;
      last = t;
      let line = formatProgress(event, { ...(label !== undefined ? { label } : {}), barWidth });
      const cols = stream.columns;
      if (cols !== undefined && cols > 1 && line.length > cols - 1) line = line.slice(0, cols - 1);
      stream.write(`\r${line}\x1b[K${isEnd ? "\n" : ""}`);
      return;
    }
    // the epoch's last step is followed by its epoch-end event: print only that one
    if (!isEnd && (t - last < intervalMs || event.step >= event.stepsPerEpoch)) return;
    last = t;
    stream.write(`${formatProgress(event, { ...(label !== undefined ? { label } : {}), barWidth, ascii: true })}\n`);
  };
}
