import * as tf from "@tensorflow/tfjs";
import { CorruptFileError, InvalidArgumentError, describeValue } from "./errors.js";
import { findSavedDir, makeDirs, writeDirAtomic } from "./atomic-dir.js";
import { STATE_JSON, loadState, saveState } from "./files.js";
import { statPath } from "./platform/io.js";
import { dirnamePath, joinPath, resolvePath } from "./platform/paths.js";
import { Rng, type RngLike, type RngState, toRng } from "./rng.js";
import { LossQueue, splitStepLosses, type StepLossTensors } from "./train-losses.js";
import { checkAllocation, checkBoolean, checkInteger, checkNumber, checkOptions, checkPath, checkSignal } from "./validate.js";

/** A step's loss: one number, or several named ones (e.g. `{ d, g }` for adversarial training). */
export type StepLosses = number | Record<string, number>;
export type { StepLossTensors } from "./train-losses.js";
/** One learning rate, or one per optimiser by name (keys of `optimizers`). */
export type LearningRate = number | Record<string, number>;
/** Why {@link trainLoop} stopped. */
export type StopReason = "completed" | "early-stopping" | "aborted" | "non-finite-loss";

/** What a training step is told about where it is. */
export interface StepContext {
  /** 0-based epoch. */
  readonly epoch: number;
  /** 0-based step within the epoch. */
  readonly step: number;
  /** Steps taken since the run began (continues across a resume). */
  readonly globalStep: number;
  readonly stepsPerEpoch: number;
  /** The learning rate of this epoch (null without `learningRate`). */
  readonly learningRate: LearningRate | null;
  /**
   * The loop's random stream (it also shuffles the batches). Draw a step's noise from it and a
   * resumed run reproduces it exactly: its state is part of every checkpoint.
   */
  readonly rng: Rng;
}

/** What `validate` is told. */
export interface ValidateContext {
  /** 0-based epoch that just ended. */
  readonly epoch: number;
  readonly learningRate: LearningRate | null;
  readonly rng: Rng;
}

/** One finished epoch in {@link TrainHistory}. */
export interface EpochRecord {
  /** 0-based epoch. */
  epoch: number;
  /** Sample-weighted means of the step losses (a plain-number step loss is stored as `loss`). */
  losses: Record<string, number>;
  validationLoss?: number;
  learningRate: LearningRate | null;
  steps: number;
  samples: number;
  /** Seconds spent in `step` and in reading its losses this epoch (not validation or checkpoints). */
  seconds: number;
}

/** What {@link trainLoop} returns. */
export interface TrainHistory {
  epochs: EpochRecord[];
  stopped: StopReason;
  /** Epoch with the lowest validation loss so far (null without `validate`). */
  bestEpoch: number | null;
  bestValidationLoss: number | null;
  /** Steps taken in all, across resumes. */
  globalStep: number;
  /** Where this call resumed from a checkpoint, or null for a fresh start. */
  resumedFrom: { epoch: number; step: number } | null;
}

/** A progress event: after every step (`phase: "step"`) and after each epoch's validation (`"epoch"`). */
export interface TrainProgress {
  phase: "step" | "epoch";
  /** 0-based epoch. */
  epoch: number;
  epochs: number;
  /** Steps done in this epoch (1…stepsPerEpoch). */
  step: number;
  stepsPerEpoch: number;
  globalStep: number;
  /**
   * Sample-weighted means of the losses over the epoch so far (at phase "epoch": the epoch's
   * losses, as in its {@link EpochRecord}).
   */
  losses: Record<string, number>;
  /** This step's own losses (phase "step" only). */
  stepLosses?: Record<string, number>;
  validationLoss?: number;
  learningRate: LearningRate | null;
  /** Training samples per second in this call so far (time inside `step` only). */
  samplesPerSecond: number;
  /** Estimated seconds until the last epoch ends, at that rate (validation not included). */
  etaSeconds: number;
}

/** A step learning-rate schedule: `initial`, multiplied by `factor` at each of `halveAtEpochs`. */
export interface LearningRateSchedule {
  initial: LearningRate;
  /**
   * Epoch counts after which the rate is multiplied by `factor` (strictly increasing integers ≥ 1):
   * `[5, 25, 50]` (the AGM paper) runs epochs 1–5 at `initial`, 6–25 at half, 26–50 at a quarter…
   * (0-based epoch `e` uses `initial · factor^(number of entries ≤ e)`).
   */
  halveAtEpochs?: readonly number[];
  /** Multiplier at each entry of `halveAtEpochs`; default 0.5. */
  factor?: number;
}

/** Early stopping on the validation loss. */
export interface EarlyStoppingOptions {
  /**
   * Stop after this many epochs in a row without an improvement of more than `minDelta` (as Keras
   * does; 0 and 1 both stop at the first epoch without improvement).
   */
  patience: number;
  /** Smallest decrease that counts as an improvement; default 0. */
  minDelta?: number;
  /** Called when the validation loss improves: keep a copy of the best weights here. */
  onImprovement?: (epoch: number, validationLoss: number) => void | Promise<void>;
  /** Called once when early stopping triggers (before the final checkpoint): restore the best weights. */
  restoreBest?: () => void | Promise<void>;
}

/** Checkpoints: every `every` epochs, the caller's state and the loop's, written atomically to `dir`. */
export interface CheckpointOptions {
  dir: string;
  /** Save after every `every` epochs (and when the run completes or stops early). */
  every: number;
  /**
   * Write the caller's state (model weights, optimizer slots…) into `dir`, which is a fresh
   * temporary directory swapped into place once complete. Use sub-directories, e.g.
   * `saveModel(join(dir, "model"), model)`; the name `trainer` is the loop's own.
   */
  save: (dir: string) => Promise<void> | void;
  /** Restore what `save` wrote (called on resume, before the first step). */
  load: (dir: string) => Promise<void> | void;
  /**
   * Resume from `dir` when it holds a checkpoint; default true. A checkpoint of a finished run
   * (all epochs, or stopped early) resumes to its end at once: `load` is called and the saved
   * history returned without a step. A checkpoint of a run with another `size`, `batchSize` or
   * `dropLast` is refused (InvalidArgumentError on `checkpoint.dir`); a larger `epochs` continues it.
   */
  resume?: boolean;
  /** Save a (mid-epoch) checkpoint when `signal` aborts the run; default true. */
  saveOnAbort?: boolean;
}

/** Options of {@link trainLoop}. */
export interface TrainLoopOptions {
  /** Number of training samples; batches are index arrays into 0…size-1. */
  size: number;
  batchSize: number;
  epochs: number;
  /** Seed or stream for shuffling (and for `ctx.rng`); default 0. */
  seed?: RngLike;
  /** Alias of `seed` for an `Rng`. */
  rng?: Rng;
  /** Drop the last batch when it is smaller than `batchSize`; default false (it is kept). */
  dropLast?: boolean;
  /**
   * One training step on the samples `batch` (indices, in shuffled order): run the optimiser
   * step(s) and return the loss(es). Dispose every tensor it makes (tf.tidy / optimizer.minimize)
   * except the losses it returns.
   *
   * Return the losses as scalar tensors ({@link StepLossTensors}, e.g. the value of
   * `optimizer.minimize(f, true)`) and the loop reads them itself, several steps in one read and
   * one step late, so a GPU is never left idle waiting for the host (see `readLossesEvery`); the
   * loop disposes them. Numbers are accepted too (they cost the step a synchronous wait of its own).
   */
  step: (batch: Int32Array, ctx: StepContext) => StepLosses | StepLossTensors | Promise<StepLosses | StepLossTensors>;
  /**
   * Validation loss after each epoch (for early stopping, best epoch, and the history): a number,
   * or a scalar tensor the loop reads and disposes.
   */
  validate?: (ctx: ValidateContext) => number | tf.Scalar | Promise<number | tf.Scalar>;
  /**
   * When `step` returns tensors: read their values every this many steps (default 1), each read
   * made after the next step was dispatched, so the device always has a step queued while the host
   * waits. Every read is one `await data()` of all the unread losses, and the epoch's are all read
   * before its record, validation and checkpoint. The price of the lag: step progress events and
   * the non-finite-loss stop come up to `readLossesEvery` steps after the step they are about
   * (those later steps have run). Steps returning numbers are accounted at once, as always.
   */
  readLossesEvery?: number;
  learningRate?: LearningRateSchedule;
  /** Optimisers whose learning rate follows the schedule (a record when `initial` is a record). */
  optimizers?: tf.Optimizer | readonly tf.Optimizer[] | Record<string, tf.Optimizer>;
  /** Called at the start and whenever the scheduled learning rate changes. */
  onLearningRate?: (learningRate: LearningRate, epoch: number) => void;
  earlyStopping?: EarlyStoppingOptions;
  checkpoint?: CheckpointOptions;
  onProgress?: (event: TrainProgress) => void;
  /** Called after each epoch (after validation), with its record. */
  onEpochEnd?: (record: EpochRecord) => void | Promise<void>;
  /**
   * Stops the run between steps; the history ends with `stopped: "aborted"`. With a signal, the
   * loop lets the event loop run between steps, so an abort from a timer or an OS signal handler
   * (Ctrl-C) takes effect at the next step, not at the end of the epoch.
   */
  signal?: AbortSignal;
  /**
   * Throw when the number of live tensors grows from one step to the next (checked from the
   * second step on, so optimisers may create their slots in the first); default false.
   */
  leakCheck?: boolean;
}

const TRAINER_DIR = "trainer";

/** Resolve after pending timers and I/O callbacks (signal handlers included) have had their turn. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => (typeof setImmediate === "function" ? setImmediate(resolve) : setTimeout(resolve, 0)));
}
const CHECKPOINT_FORMAT = "atlas-train-checkpoint";

/** Everything the loop needs to continue exactly; saved in each checkpoint. */
interface LoopState {
  epoch: number;
  step: number;
  globalStep: number;
  rng: RngState;
  /** Stream position before this epoch's permutation; null between epochs. */
  epochRng: RngState | null;
  sums: Record<string, number>;
  samples: number;
  seconds: number;
  best: number | null;
  bestEpoch: number | null;
  wait: number;
  history: EpochRecord[];
  stopped: StopReason | null;
}

// ---------------------------------------------------------------------------------------------
// Learning rates
// ---------------------------------------------------------------------------------------------

/**
 * Set an optimiser's learning rate in place. tfjs 4.22 has `setLearningRate` only on SGD (and
 * Momentum, which extends it; they cache `-lr` as a tensor); Adam, Adamax, Adagrad, Adadelta and
 * RMSProp read their protected `learningRate` field at every `applyGradients`, so it is assigned.
 *
 * @example
 * const opt = adam(1e-3); // core's adam(), or any tf.train optimiser
 * setLearningRate(opt, 5e-4);
 */
export function setLearningRate(optimizer: tf.Optimizer, learningRate: number): void {
  checkNumber("learningRate", learningRate, { above: 0 });
  const opt = optimizer as unknown as { setLearningRate?: (lr: number) => void; learningRate?: unknown; applyGradients?: unknown };
  if (typeof opt?.applyGradients !== "function") {
    throw new InvalidArgumentError("optimizer", `expected a tf.Optimizer, got ${describeValue(optimizer)}`);
  }
  if (typeof opt.setLearningRate === "function") opt.setLearningRate(learningRate);
  else if (typeof opt.learningRate === "number") opt.learningRate = learningRate;
  else throw new InvalidArgumentError("optimizer", `${optimizer.getClassName()} has no learning rate to set`);
}

/** An optimiser's current learning rate (tfjs keeps it in a protected field). */
export function getLearningRate(optimizer: tf.Optimizer): number {
  const lr = (optimizer as unknown as { learningRate?: unknown })?.learningRate;
  if (typeof lr !== "number") throw new InvalidArgumentError("optimizer", `expected a tf.Optimizer with a learning rate, got ${describeValue(optimizer)}`);
  return lr;
}

/**
 * The learning rate of 0-based epoch `epoch` under a step schedule:
 * `initial · factor^k`, k = number of entries of `halveAtEpochs` that are ≤ `epoch`.
 *
 * @example
 * learningRateAt({ initial: 1e-3, halveAtEpochs: [5, 25, 50] }, 5); // 5e-4 (the 6th epoch)
 */
export function learningRateAt(schedule: LearningRateSchedule, epoch: number): LearningRate {
  checkSchedule(schedule, "schedule");
  checkInteger("epoch", epoch, { min: 0 });
  const factor = schedule.factor ?? 0.5;
  let k = 0;
  for (const h of schedule.halveAtEpochs ?? []) if (h <= epoch) k++;
  const scale = factor ** k;
  if (typeof schedule.initial === "number") return schedule.initial * scale;
  const out: Record<string, number> = {};
  for (const [key, v] of Object.entries(schedule.initial)) out[key] = v * scale;
  return out;
}

function checkSchedule(schedule: LearningRateSchedule, name = "learningRate"): void {
  if (schedule === undefined) throw new InvalidArgumentError(name, "expected { initial, halveAtEpochs?, factor? }, got undefined");
  checkOptions(name, schedule, ["initial", "halveAtEpochs", "factor"]);
  const init = schedule.initial;
  const plain = (v: unknown): boolean => typeof v === "object" && v !== null && (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null);
  if (typeof init === "number") checkNumber(`${name}.initial`, init, { above: 0 });
  else if (plain(init) && Object.keys(init).length > 0) {
    for (const [k, v] of Object.entries(init)) checkNumber(`${name}.initial.${k}`, v, { above: 0 });
  } else {
    throw new InvalidArgumentError(`${name}.initial`, `expected a positive number or a non-empty record of them, got ${describeValue(init)}`);
  }
  if (schedule.halveAtEpochs !== undefined) {
    if (!Array.isArray(schedule.halveAtEpochs)) {
      throw new InvalidArgumentError(`${name}.halveAtEpochs`, `expected an array of increasing epoch counts, got ${describeValue(schedule.halveAtEpochs)}`);
    }
    let prev = 0;
    for (const [i, h] of schedule.halveAtEpochs.entries()) {
      checkInteger(`${name}.halveAtEpochs[${i}]`, h, { min: 1 });
      if (i > 0 && h <= prev) {
        throw new InvalidArgumentError(`${name}.halveAtEpochs`, `expected strictly increasing epochs, got ${h} after ${prev} at index ${i}`);
      }
      prev = h;
    }
  }
  if (schedule.factor !== undefined) checkNumber(`${name}.factor`, schedule.factor, { above: 0 });
}

function sameRate(a: LearningRate | null, b: LearningRate | null): boolean {
  if (a === null || b === null || typeof a === "number" || typeof b === "number") return a === b;
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}

// ---------------------------------------------------------------------------------------------
// Option checks
// ---------------------------------------------------------------------------------------------

function isFn(v: unknown): v is (...args: never[]) => unknown {
  return typeof v === "function";
}

function isOptimizer(v: unknown): v is tf.Optimizer {
  return typeof (v as { applyGradients?: unknown } | null)?.applyGradients === "function";
}

type OptimizerSet = { kind: "list"; list: tf.Optimizer[] } | { kind: "record"; record: Record<string, tf.Optimizer> };

const LOOP_KEYS = ["size", "batchSize", "epochs", "seed", "rng", "dropLast", "step", "validate", "learningRate", "optimizers", "onLearningRate", "earlyStopping", "checkpoint", "onProgress", "onEpochEnd", "signal", "leakCheck", "readLossesEvery"] as const;

function checkLoopOptions(o: TrainLoopOptions): { rng: Rng; stepsPerEpoch: number; optimizers: OptimizerSet | null } {
  if (o === undefined) throw new InvalidArgumentError("options", "expected { size, batchSize, epochs, step, … }, got undefined");
  checkOptions("options", o, LOOP_KEYS);
  if (o.leakCheck !== undefined) checkBoolean("leakCheck", o.leakCheck);
  const size = checkInteger("size", o.size, { min: 1 });
  // each epoch's order is a permutation of 0…size−1 (an Int32Array)
  checkAllocation("size", size, 4);
  const batchSize = checkInteger("batchSize", o.batchSize, { min: 1 });
  checkInteger("epochs", o.epochs, { min: 1 });
  if (o.dropLast !== undefined && typeof o.dropLast !== "boolean") throw new InvalidArgumentError("dropLast", `expected a boolean, got ${describeValue(o.dropLast)}`);
  const stepsPerEpoch = o.dropLast ? Math.floor(size / batchSize) : Math.ceil(size / batchSize);
  if (stepsPerEpoch === 0) throw new InvalidArgumentError("batchSize", `with dropLast, batchSize (${batchSize}) must be at most size (${size}), or no batch is left`);
  if (!isFn(o.step)) throw new InvalidArgumentError("step", `expected a function (batch, ctx) => loss, got ${describeValue(o.step)}`);
  if (o.validate !== undefined && !isFn(o.validate)) throw new InvalidArgumentError("validate", `expected a function, got ${describeValue(o.validate)}`);
  if (o.seed !== undefined && o.rng !== undefined) throw new InvalidArgumentError("rng", "give either seed or rng, not both");
  if (o.rng !== undefined && !(o.rng instanceof Rng)) throw new InvalidArgumentError("rng", `expected an Rng, got ${describeValue(o.rng)}`);
  const rng = o.rng ?? toRng(o.seed ?? 0, "seed");

  let optimizers: OptimizerSet | null = null;
  if (o.learningRate !== undefined) checkSchedule(o.learningRate);
  if (o.optimizers !== undefined) {
    if (o.learningRate === undefined) throw new InvalidArgumentError("optimizers", "only used to follow a learning-rate schedule: give learningRate too");
    const given = o.optimizers;
    if (isOptimizer(given)) optimizers = { kind: "list", list: [given] };
    else if (Array.isArray(given)) {
      given.forEach((g, i) => {
        if (!isOptimizer(g)) throw new InvalidArgumentError(`optimizers[${i}]`, `expected a tf.Optimizer, got ${describeValue(g)}`);
      });
      optimizers = { kind: "list", list: [...given] };
    } else if (typeof given === "object" && given !== null) {
      for (const [k, g] of Object.entries(given)) {
        if (!isOptimizer(g)) throw new InvalidArgumentError(`optimizers.${k}`, `expected a tf.Optimizer, got ${describeValue(g)}`);
      }
      optimizers = { kind: "record", record: { ...(given as Record<string, tf.Optimizer>) } };
    } else {
      throw new InvalidArgumentError("optimizers", `expected an optimizer, an array or a record of them, got ${describeValue(given)}`);
    }
    const init = o.learningRate.initial;
    if (typeof init !== "number") {
      if (optimizers.kind !== "record") throw new InvalidArgumentError("optimizers", "learningRate.initial is a record: give optimizers as a record with the same keys");
      const a = Object.keys(init).sort().join(",");
      const b = Object.keys(optimizers.record).sort().join(",");
      if (a !== b) throw new InvalidArgumentError("optimizers", `expected the keys of learningRate.initial (${a}), got ${b}`);
    }
  }
  if (o.onLearningRate !== undefined && !isFn(o.onLearningRate)) throw new InvalidArgumentError("onLearningRate", `expected a function, got ${describeValue(o.onLearningRate)}`);

  const es = o.earlyStopping;
  if (es !== undefined) {
    checkOptions("earlyStopping", es, ["patience", "minDelta", "onImprovement", "restoreBest"]);
    checkInteger("earlyStopping.patience", es.patience, { min: 0 });
    if (es.minDelta !== undefined) checkNumber("earlyStopping.minDelta", es.minDelta, { min: 0 });
    if (o.validate === undefined) throw new InvalidArgumentError("earlyStopping", "stops on the validation loss: give validate too");
    if (es.onImprovement !== undefined && !isFn(es.onImprovement)) throw new InvalidArgumentError("earlyStopping.onImprovement", `expected a function, got ${describeValue(es.onImprovement)}`);
    if (es.restoreBest !== undefined && !isFn(es.restoreBest)) throw new InvalidArgumentError("earlyStopping.restoreBest", `expected a function, got ${describeValue(es.restoreBest)}`);
  }
  const ck = o.checkpoint;
  if (ck !== undefined) {
    checkOptions("checkpoint", ck, ["dir", "every", "save", "load", "resume", "saveOnAbort"]);
    checkPath("checkpoint.dir", ck.dir);
    checkInteger("checkpoint.every", ck.every, { min: 1 });
    if (!isFn(ck.save)) throw new InvalidArgumentError("checkpoint.save", `expected a function (dir) => Promise<void>, got ${describeValue(ck.save)}`);
    if (!isFn(ck.load)) throw new InvalidArgumentError("checkpoint.load", `expected a function (dir) => Promise<void>, got ${describeValue(ck.load)}`);
    if (ck.resume !== undefined) checkBoolean("checkpoint.resume", ck.resume);
    if (ck.saveOnAbort !== undefined) checkBoolean("checkpoint.saveOnAbort", ck.saveOnAbort);
  }
  if (o.onProgress !== undefined && !isFn(o.onProgress)) throw new InvalidArgumentError("onProgress", `expected a function, got ${describeValue(o.onProgress)}`);
  if (o.readLossesEvery !== undefined) checkInteger("readLossesEvery", o.readLossesEvery, { min: 1, max: 1_000_000 });
  if (o.onEpochEnd !== undefined && !isFn(o.onEpochEnd)) throw new InvalidArgumentError("onEpochEnd", `expected a function, got ${describeValue(o.onEpochEnd)}`);
  if (o.signal !== undefined) checkSignal("signal", o.signal);
  return { rng, stepsPerEpoch, optimizers };
}

/** A validation loss as a number: a scalar tensor is read (one `await data()`) and disposed. */
async function readValidationLoss(v: unknown): Promise<number> {
  if (v instanceof tf.Tensor) {
    try {
      if (v.size !== 1) throw new InvalidArgumentError("validate", `must return a number or a scalar tensor (the validation loss), got a tensor of shape [${v.shape.join(", ")}]`);
      return (await v.data())[0] as number;
    } finally {
      v.dispose();
    }
  }
  if (typeof v !== "number") throw new InvalidArgumentError("validate", `must return a number (the validation loss), got ${describeValue(v)}`);
  return v;
}

// ---------------------------------------------------------------------------------------------
// Checkpoints
// ---------------------------------------------------------------------------------------------

interface CheckpointJson {
  format: string;
  version: number;
  size: number;
  batchSize: number;
  dropLast: boolean;
  epochs: number;
  state: LoopState;
}

/**
 * Before any training: `checkpoint.dir` must be a directory or creatable as one (its parents are
 * created now, so a bad path fails at once instead of after the first epoch).
 */
async function checkCheckpointDir(dir: string): Promise<void> {
  const st = await statPath(dir).catch(() => undefined);
  if (st && st.kind !== "directory") throw new InvalidArgumentError("checkpoint.dir", `${dir} is a file, not a directory`);
  await makeDirs("checkpoint.dir", dirnamePath(dir));
}

/** The checkpoint in `dir` (found by core's recovery rule for atomic directories), or null. */
async function readCheckpoint(dir: string): Promise<{ root: string; json: CheckpointJson } | null> {
  const root = await findSavedDir(dir);
  if (root === null) return null;
  const trainerDir = joinPath(root, TRAINER_DIR);
  const { tensors, json } = await loadState(trainerDir);
  tf.dispose(Object.values(tensors));
  const j = json as Partial<CheckpointJson> | null;
  if (!j || j.format !== CHECKPOINT_FORMAT || j.version !== 1 || typeof j.state !== "object" || j.state === null) {
    throw new CorruptFileError(joinPath(trainerDir, STATE_JSON), `not a training checkpoint (expected format '${CHECKPOINT_FORMAT}')`);
  }
  return { root, json: j as CheckpointJson };
}

function checkLoopState(file: string, s: LoopState): void {
  const ints: (keyof LoopState)[] = ["epoch", "step", "globalStep", "samples", "wait"];
  for (const k of ints) {
    if (!Number.isInteger(s[k]) || (s[k] as number) < 0) throw new CorruptFileError(file, `state.${k}: expected a non-negative integer, got ${JSON.stringify(s[k])}`);
  }
  if (!Array.isArray(s.history) || typeof s.sums !== "object" || s.sums === null || typeof s.rng !== "object" || s.rng === null) {
    throw new CorruptFileError(file, "state: expected history, sums and rng");
  }
  try {
    Rng.fromState(s.rng);
    if (s.epochRng !== null) Rng.fromState(s.epochRng);
  } catch (error) {
    throw new CorruptFileError(file, `state.rng: ${(error as Error).message}`, { cause: error });
  }
}

// ---------------------------------------------------------------------------------------------
// The loop
// ---------------------------------------------------------------------------------------------

/**
 * The training loop every Atlas package uses: epochs of Rng-shuffled mini-batches (the last,
 * smaller batch kept unless `dropLast`), a step learning-rate schedule (the AGM paper halves after
 * epochs 5, 25 and 50), early stopping on the validation loss with patience, a checkpoint every N
 * epochs with exact resume (model and optimiser state through `checkpoint.save/load`; epoch, step,
 * random stream, learning rate, best validation loss, patience counter and history through
 * {@link saveState}), and progress events for {@link progressBar}. The caller's `step` runs the
 * optimiser step(s) — one or several optimisers — and returns the loss(es).
 *
 * A resumed run (same options and seed) ends with exactly the weights and history of an
 * uninterrupted one, provided `checkpoint.save/load` restore the model and optimiser state and the
 * step draws its randomness from `ctx.rng`.
 *
 * @example
 * const opt = adam(1e-3); // core's adam(): tfjs's Adam, with a fused update on webgpu
 * const history = await trainLoop({
 *   size: x.shape[0], batchSize: 128, epochs: 60, seed: 1,
 *   learningRate: { initial: 1e-3, halveAtEpochs: [5, 25, 50] }, optimizers: opt,
 *   // the loss stays a tensor: the loop reads it a step later, batched, and disposes it
 *   step: (batch) => tf.tidy(() => {
 *     const xb = x.gather(tf.tensor1d(batch, "int32"));
 *     return opt.minimize(() => tf.losses.meanSquaredError(xb, model.predict(xb) as tf.Tensor) as tf.Scalar, true)!;
 *   }),
 *   onProgress: progressBar({ label: "autoencoder" }),
 * });
 */
export async function trainLoop(options: TrainLoopOptions): Promise<TrainHistory> {
  const { rng, stepsPerEpoch, optimizers } = checkLoopOptions(options);
  if (options.checkpoint) await checkCheckpointDir(resolvePath(options.checkpoint.dir));
  const { size, batchSize, epochs, step: stepFn, validate, learningRate: schedule, earlyStopping: es, checkpoint: ck, signal } = options;
  const dropLast = options.dropLast ?? false;
  const samplesPerEpoch = dropLast ? stepsPerEpoch * batchSize : size;

  let st: LoopState = {
    epoch: 0,
    step: 0,
    globalStep: 0,
    rng: rng.getState(),
    epochRng: null,
    sums: {},
    samples: 0,
    seconds: 0,
    best: null,
    bestEpoch: null,
    wait: 0,
    history: [],
    stopped: null,
  };
  let resumedFrom: TrainHistory["resumedFrom"] = null;

  if (ck && ck.resume !== false) {
    const found = await readCheckpoint(resolvePath(ck.dir));
    if (found) {
      const saved = found.json;
      if (saved.size !== size || saved.batchSize !== batchSize || saved.dropLast !== dropLast) {
        throw new InvalidArgumentError(
          "checkpoint.dir",
          `holds a run with size ${saved.size}, batchSize ${saved.batchSize}, dropLast ${saved.dropLast}; this run has size ${size}, batchSize ${batchSize}, dropLast ${dropLast} (use another dir or resume: false)`,
        );
      }
      checkLoopState(joinPath(found.root, TRAINER_DIR, STATE_JSON), saved.state);
      await ck.load(found.root);
      st = saved.state;
      rng.setState(st.rng);
      resumedFrom = { epoch: st.epoch, step: st.step };
    }
  }

  const result = (stopped: StopReason): TrainHistory => ({
    epochs: st.history,
    stopped,
    bestEpoch: st.bestEpoch,
    bestValidationLoss: st.best,
    globalStep: st.globalStep,
    resumedFrom,
  });

  const saveCheckpoint = async (): Promise<void> => {
    if (!ck) return;
    st.rng = rng.getState();
    const json: CheckpointJson = { format: CHECKPOINT_FORMAT, version: 1, size, batchSize, dropLast, epochs, state: st };
    await writeDirAtomic(resolvePath(ck.dir), async (temp) => {
      await ck.save(temp);
      await saveState(joinPath(temp, TRAINER_DIR), { json });
    }, { argument: "checkpoint.dir" });
  };

  if (st.stopped === "early-stopping") return result("early-stopping");

  let appliedRate: LearningRate | null = null;
  const applyRate = (epoch: number): LearningRate | null => {
    if (!schedule) return null;
    const lr = learningRateAt(schedule, epoch);
    if (sameRate(lr, appliedRate)) return appliedRate;
    if (optimizers) {
      if (optimizers.kind === "list") {
        for (const opt of optimizers.list) setLearningRate(opt, lr as number);
      } else {
        for (const [key, opt] of Object.entries(optimizers.record)) {
          setLearningRate(opt, typeof lr === "number" ? lr : (lr[key] as number));
        }
      }
    }
    options.onLearningRate?.(lr, epoch);
    appliedRate = lr;
    return lr;
  };

  let samplesThisCall = 0;
  let secondsThisCall = 0;
  const rate = (): number => (secondsThisCall > 0 ? samplesThisCall / secondsThisCall : 0);
  const eta = (): number => {
    const r = rate();
    // between epochs (after st.epoch++) the finished epoch's samples no longer count
    const remaining = (epochs - st.epoch) * samplesPerEpoch - (st.epochRng === null ? 0 : st.samples);
    return r > 0 ? Math.max(0, remaining) / r : Number.NaN;
  };
  let lastTensorCount: number | null = null;
  const readEvery = options.readLossesEvery ?? 1;
  const queue = new LossQueue();

  /**
   * Read the losses of the oldest `count` unread steps (one read) and account them in order: epoch
   * sums, samples, seconds, a progress event each. Returns "non-finite-loss" at the first step with
   * a non-finite loss (its and later steps' losses are not accounted; globalStep counts the steps
   * before it).
   */
  const readSteps = async (count: number): Promise<StopReason | null> => {
    if (count === 0) return null;
    const t0 = performance.now();
    const read = await queue.take(count);
    const readSeconds = (performance.now() - t0) / 1000;
    st.seconds += readSeconds;
    secondsThisCall += readSeconds;
    for (const { pending: p, losses } of read) {
      if (!Object.values(losses).every(Number.isFinite)) {
        st.step = p.step - 1;
        st.globalStep = p.globalStep - 1;
        return "non-finite-loss";
      }
      for (const [k, v] of Object.entries(losses)) st.sums[k] = (st.sums[k] ?? 0) + v * p.samples;
      st.samples += p.samples;
      st.seconds += p.seconds;
      samplesThisCall += p.samples;
      secondsThisCall += p.seconds;
      options.onProgress?.({
        phase: "step",
        epoch: p.epoch,
        epochs,
        step: p.step,
        stepsPerEpoch,
        globalStep: p.globalStep,
        losses: Object.fromEntries(Object.entries(st.sums).map(([k, v]) => [k, v / st.samples])),
        stepLosses: losses,
        learningRate: appliedRate,
        samplesPerSecond: rate(),
        etaSeconds: eta(),
      });
    }
    return null;
  };

  try {
    while (st.epoch < epochs) {
      const lr = applyRate(st.epoch);
      lastTensorCount = null;
      let permutation: Int32Array;
      if (st.epochRng === null) {
        st.epochRng = rng.getState();
        permutation = rng.permutation(size);
        st.step = 0;
        st.sums = {};
        st.samples = 0;
        st.seconds = 0;
      } else {
        permutation = Rng.fromState(st.epochRng).permutation(size);
      }

      while (st.step < stepsPerEpoch) {
        // Let timers and OS signal handlers run between steps: steps that never wait on I/O would
        // otherwise keep the event loop busy for the whole epoch, and a Ctrl-C handler that aborts
        // `signal` would only run after it (a resolved promise yields to microtasks only).
        if (signal) await yieldToEventLoop();
        if (signal?.aborted) {
          const stop = await readSteps(queue.length);
          if (stop) return result(stop);
          if (ck && ck.saveOnAbort !== false) await saveCheckpoint();
          return result("aborted");
        }
        const start = st.step * batchSize;
        const batch = permutation.slice(start, Math.min(start + batchSize, size));
        const ctx: StepContext = { epoch: st.epoch, step: st.step, globalStep: st.globalStep, stepsPerEpoch, learningRate: lr, rng };
        const t0 = performance.now();
        const losses = splitStepLosses(await stepFn(batch, ctx), "step");
        const dt = (performance.now() - t0) / 1000;
        queue.push({ epoch: st.epoch, step: st.step + 1, globalStep: st.globalStep + 1, samples: batch.length, seconds: dt, ...losses });
        if (options.leakCheck) {
          // the unread losses are the loop's, not a leak
          const n = tf.memory().numTensors - queue.tensorCount;
          if (lastTensorCount !== null && n > lastTensorCount) {
            throw new InvalidArgumentError(
              "step",
              `leaked ${n - lastTensorCount} tensor(s) in epoch ${st.epoch}, step ${st.step}: wrap tensor code in tf.tidy and dispose what escapes`,
            );
          }
          lastTensorCount = n;
        }
        st.step++;
        st.globalStep++;
        // numbers: accounted at once; tensors: read once `readEvery` older steps wait behind this one
        const stop = queue.tensorCount === 0 ? await readSteps(queue.length) : queue.length > readEvery ? await readSteps(queue.length - 1) : null;
        if (stop) return result(stop);
      }
      const stop = await readSteps(queue.length);
      if (stop) return result(stop);

      const record: EpochRecord = {
        epoch: st.epoch,
        losses: Object.fromEntries(Object.entries(st.sums).map(([k, s]) => [k, s / st.samples])),
        learningRate: lr,
        steps: st.step,
        samples: st.samples,
        seconds: st.seconds,
      };
      let stopping: StopReason | null = null;
      if (validate) {
        const v = await readValidationLoss(await validate({ epoch: st.epoch, learningRate: lr, rng }));
        if (!Number.isFinite(v)) {
          st.history.push({ ...record, validationLoss: v });
          return result("non-finite-loss");
        }
        record.validationLoss = v;
        const minDelta = es?.minDelta ?? 0;
        if (st.best === null || v < st.best - minDelta) {
          st.best = v;
          st.bestEpoch = st.epoch;
          st.wait = 0;
          await es?.onImprovement?.(st.epoch, v);
        } else {
          st.wait++;
          if (es && st.wait >= es.patience) stopping = "early-stopping";
        }
      }
      st.history.push(record);
      st.epoch++;
      st.step = 0;
      st.epochRng = null;
      options.onProgress?.({
        phase: "epoch",
        epoch: record.epoch,
        epochs,
        step: stepsPerEpoch,
        stepsPerEpoch,
        globalStep: st.globalStep,
        losses: record.losses,
        ...(record.validationLoss !== undefined ? { validationLoss: record.validationLoss } : {}),
        learningRate: lr,
        samplesPerSecond: rate(),
        etaSeconds: stopping ? 0 : eta(),
      });
      await options.onEpochEnd?.(record);
      if (stopping) {
        await es?.restoreBest?.();
        st.stopped = stopping;
      }
      if (ck && (stopping || st.epoch % ck.every === 0 || st.epoch === epochs)) await saveCheckpoint();
      if (stopping) return result(stopping);
    }
  } finally {
    queue.dispose();
  }
  return result("completed");
}
