import * as tf from "@tensorflow/tfjs";
import { writeDirAtomic } from "./atomic-dir.js";
import { InvalidArgumentError } from "./errors.js";
import { STATE_JSON, saveState } from "./files.js";
import { joinPath, resolvePath } from "./platform/paths.js";
import { eventLoopYielder } from "./platform/event-loop.js";
import { Rng, type RngLike } from "./rng.js";
import { CHECKPOINT_FORMAT, TRAINER_DIR, checkCheckpointDir, checkLoopState, readCheckpoint, type CheckpointJson, type LoopState } from "./train-checkpoint.js";
import { LossQueue, splitStepLosses, type StepLossTensors } from "./train-losses.js";
import { checkLoopOptions, readValidationLoss } from "./train-options.js";
import { learningRateAt, sameRate, setLearningRate } from "./train-rates.js";

export { getLearningRate, learningRateAt, setLearningRate } from "./train-rates.js";

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
  // with a signal, a turn of the event loop before every step (an abort lands at the next step); else every 100 ms
  const breathe = eventLoopYielder(signal ? 0 : 100);
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
        // otherwise keep the event loop busy for the whole run, and a Ctrl-C handler that aborts
        // `signal` would only run after it (a resolved promise yields to microtasks only). With a
        // signal every step; without, at least every 100 ms (progress timers, a parent process
        // reading this one's output, a browser's rendering).
        await breathe();
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
