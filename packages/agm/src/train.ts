import * as tf from "@tensorflow/tfjs";
import {
  adam,
  joinPath,
  InvalidArgumentError,
  checkInteger,
  checkNumber,
  checkFunction,
  checkOneOf,
  checkOptions,
  checkPath,
  checkSignal,
  describeValue,
  loadOptimizer,
  saveOptimizer,
  trainLoop,
  type EpochRecord,
  type TrainHistory,
  type TrainProgress,
  checkCreatableDir,
} from "@atlas/core";
import { AwaeGan } from "./awae-gan.js";
import { AWAE_GAN_SCHEDULES, AwaeGanTrainer, checkStepMemory, resolveSchedule, type AwaeGanLossOptions, type AwaeGanSchedule } from "./awae-gan-trainer.js";
import { AtlasVae } from "./atlas-vae.js";
import { toSampleTable, type AgmData } from "./data.js";
import { reconstructionError } from "./evaluate.js";
import { restoreAtlasVae, restoreAwaeGan, saveAtlasVae, saveAwaeGan } from "./io.js";

/** Options shared by the two training functions. */
export interface AgmTrainCommonOptions {
  /** Seed of the batch order and of all training noise (prior draws, ε). Default 0. */
  seed?: number;
  /** Held-out data: its reconstruction error ({@link reconstructionError}, argmax chart) is each epoch's validation loss. */
  validation?: AgmData;
  /** Checkpoint directory: saved every `checkpointEvery` epochs and resumed from when it exists. */
  checkpointDir?: string;
  /** Epochs between checkpoints. Default 1. */
  checkpointEvery?: number;
  /** Progress events (core's `progressBar()` prints them). */
  onProgress?: (event: TrainProgress) => void;
  /** Called after each epoch with its record. */
  onEpochEnd?: (record: EpochRecord) => void | Promise<void>;
  /** Stop between steps. */
  signal?: AbortSignal;
}

/** Options of {@link trainAwaeGan}. */
export interface TrainAwaeGanOptions extends Partial<AwaeGanSchedule>, Omit<AwaeGanLossOptions, "seed">, AgmTrainCommonOptions {
  /** Base schedule whose fields the options override. Default `"cpu"` ({@link AWAE_GAN_SCHEDULES}). */
  schedule?: "mnist" | "fashionMnist" | "cpu";
}

const COMMON_KEYS = ["seed", "validation", "checkpointDir", "checkpointEvery", "onProgress", "onEpochEnd", "signal"] as const;
const LOSS_KEYS = ["lambda", "chartBalance", "cost", "beta1", "beta2", "tailStatistics"] as const;

/** The options both trainers share, and their keys (strict), checked before any work. */
function checkCommon(options: AgmTrainCommonOptions, keys: readonly string[]): void {
  checkOptions("options", options, [...COMMON_KEYS, ...keys]);
  if (options.seed !== undefined) checkInteger("options.seed", options.seed, { min: 0 });
  if (options.checkpointDir !== undefined) checkPath("options.checkpointDir", options.checkpointDir);
  if (options.checkpointEvery !== undefined) checkInteger("options.checkpointEvery", options.checkpointEvery, { min: 1 });
  if (options.onProgress !== undefined) checkFunction("options.onProgress", options.onProgress);
  if (options.onEpochEnd !== undefined) checkFunction("options.onEpochEnd", options.onEpochEnd);
  if (options.signal !== undefined) checkSignal("options.signal", options.signal);
}


/** Epoch counts after which the learning rate halves: strictly increasing integers ≥ 1. */
function checkHalveAfter(value: unknown): number[] {
  if (!Array.isArray(value)) throw new InvalidArgumentError("options.halveAfter", `expected an array of increasing epoch counts, got ${describeValue(value)}`);
  value.forEach((k: unknown, i: number) => checkInteger(`options.halveAfter[${i}]`, k, { min: i === 0 ? 1 : (value[i - 1] as number) + 1 }));
  return value as number[];
}

/**
 * Train an AWAE-GAN (or the WAE-GAN, m = 1) on eq. (6) of the AGM paper with core's `trainLoop`:
 * per mini-batch an Adam step of the encoders, ψ and decoders on
 * mean_i Σ_y ψ_y(x_i) c(x_i, G_y(F_y(x_i))) + λ · (−mean_i Σ_y ψ_y(x_i) log D_y(F_y(x_i))), then an
 * Adam step of the per-chart latent discriminators on the joint JS-GAN loss against
 * (z, y) ~ N(0, I) × Uniform{1..m} (see `discriminatorLoss`). Both learning rates follow the
 * schedule (`"mnist"`, `"fashionMnist"` as in the paper's Appendix A, or `"cpu"`). Batches smaller
 * than `batchSize` at the end of an epoch are dropped (batch normalisation).
 *
 * @example
 * const history = await trainAwaeGan(model, mnistTrain, { schedule: "mnist", epochs: 5, validation: mnistTest });
 */
export async function trainAwaeGan(model: AwaeGan, data: AgmData, options: TrainAwaeGanOptions = {}): Promise<TrainHistory> {
  if (!(model instanceof AwaeGan)) throw new InvalidArgumentError("model", `expected an AwaeGan, got ${describeValue(model)}`);
  checkCommon(options, ["schedule", "epochs", "batchSize", "learningRate", "discriminatorLearningRate", "halveAfter", ...LOSS_KEYS]);
  if (options.halveAfter !== undefined) checkHalveAfter(options.halveAfter);
  const base = AWAE_GAN_SCHEDULES[checkOneOf("options.schedule", options.schedule ?? "cpu", ["mnist", "fashionMnist", "cpu"])];
  const schedule = resolveSchedule(options, base);
  if (options.checkpointDir !== undefined) await checkCreatableDir("options.checkpointDir", options.checkpointDir);
  const table = await toSampleTable("data", data, model.dataShape, 2);
  if (schedule.batchSize > table.n) throw new InvalidArgumentError("options.batchSize", `must be at most the number of samples (${table.n}), got ${schedule.batchSize}`);
  const validation = options.validation === undefined ? undefined : await toSampleTable("options.validation", options.validation, model.dataShape);
  const loss = Object.fromEntries(LOSS_KEYS.filter((k) => options[k] !== undefined).map((k) => [k, options[k]])) as AwaeGanLossOptions;
  checkStepMemory("options.batchSize", model, schedule.batchSize);
  const trainer = new AwaeGanTrainer(model, { ...loss, ...(options.seed !== undefined ? { seed: options.seed } : {}), learningRate: schedule.learningRate, discriminatorLearningRate: schedule.discriminatorLearningRate });
  const ckDir = options.checkpointDir;
  try {
    return await trainLoop({
      size: table.n,
      batchSize: schedule.batchSize,
      epochs: schedule.epochs,
      seed: options.seed ?? 0,
      dropLast: true,
      learningRate: {
        initial: { model: schedule.learningRate, discriminator: schedule.discriminatorLearningRate },
        halveAtEpochs: schedule.halveAfter,
      },
      optimizers: { model: trainer.optimizer, discriminator: trainer.discriminatorOptimizer },
      // the four losses stay on the device; trainLoop reads them a step later, batched
      step: (batch, ctx) => {
        const x = table.batch(batch);
        try {
          return { ...trainer.stepDeferred(x, ctx.rng) };
        } finally {
          x.dispose();
        }
      },
      ...(validation ? { validate: async () => (await reconstructionError(model, validation)).mse } : {}),
      ...(ckDir
        ? {
            checkpoint: {
              dir: ckDir,
              every: options.checkpointEvery ?? 1,
              save: async (dir: string) => {
                await saveAwaeGan(joinPath(dir, "model"), model);
                await saveOptimizer(joinPath(dir, "adam-model"), trainer.optimizer);
                await saveOptimizer(joinPath(dir, "adam-discriminator"), trainer.discriminatorOptimizer);
              },
              load: async (dir: string) => {
                await restoreAwaeGan(joinPath(dir, "model"), model);
                await loadOptimizer(joinPath(dir, "adam-model"), trainer.optimizer);
                await loadOptimizer(joinPath(dir, "adam-discriminator"), trainer.discriminatorOptimizer);
              },
            },
          }
        : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      ...(options.onEpochEnd ? { onEpochEnd: options.onEpochEnd } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } finally {
    trainer.dispose();
  }
}

/** Options of {@link trainAtlasVae}. */
export interface TrainAtlasVaeOptions extends AgmTrainCommonOptions {
  /** Default 50, at most 100 000. */
  epochs?: number;
  /** Default 64. */
  batchSize?: number;
  /** Adam learning rate. Default 1e-3. */
  learningRate?: number;
  /** Halve the learning rate after these epoch counts. Default none. */
  halveAfter?: readonly number[];
}

/**
 * Train an Atlas VAE by maximising the bound (1)–(2) of the AGM paper with Adam: per mini-batch
 * the exact sum over the m charts of q(y|x)·[KL(q(z|x,y) ‖ N(0,I)) − log p(x|z_y,y)] plus
 * KL(q(y|x) ‖ Uniform), with one reparameterised z_y = μ_y + σ_y ε per chart (ε from the loop's
 * seeded stream, so a resumed run is exact). Returns core's training history (losses per epoch:
 * `loss` = −ELBO, `klChart`, `klLatent`, `reconstruction`).
 *
 * @example
 * const history = await trainAtlasVae(vae, circlePoints, { epochs: 100 });
 */
export async function trainAtlasVae(model: AtlasVae, data: AgmData, options: TrainAtlasVaeOptions = {}): Promise<TrainHistory> {
  if (!(model instanceof AtlasVae)) throw new InvalidArgumentError("model", `expected an AtlasVae, got ${describeValue(model)}`);
  checkCommon(options, ["epochs", "batchSize", "learningRate", "halveAfter"]);
  const epochs = checkInteger("options.epochs", options.epochs ?? 50, { min: 1, max: 100_000 });
  const batchSize = checkInteger("options.batchSize", options.batchSize ?? 64, { min: 1 });
  const learningRate = checkNumber("options.learningRate", options.learningRate ?? 1e-3, { above: 0 });
  const halveAfter = checkHalveAfter(options.halveAfter ?? []);
  if (options.checkpointDir !== undefined) await checkCreatableDir("options.checkpointDir", options.checkpointDir);
  const table = await toSampleTable("data", data, model.dataShape);
  const validation = options.validation === undefined ? undefined : await toSampleTable("options.validation", options.validation, model.dataShape);
  const optimizer = adam(learningRate);
  const vars = model.allModels.flatMap((m) => m.trainableWeights.map((w) => w.read() as tf.Variable));
  const { charts: m, latentDim: d } = model;
  const ckDir = options.checkpointDir;
  try {
    return await trainLoop({
      size: table.n,
      batchSize,
      epochs,
      seed: options.seed ?? 0,
      learningRate: { initial: learningRate, halveAtEpochs: halveAfter },
      optimizers: optimizer,
      step: (batch, ctx) => {
        const n = batch.length;
        const x = table.batch(batch);
        const noise = tf.tidy(() => tf.unstack(tf.tensor3d(ctx.rng.normalArray(m * n * d), [m, n, d])) as tf.Tensor2D[]);
        let terms: Record<string, tf.Scalar> | undefined;
        let vg: { value: tf.Scalar; grads: tf.NamedTensorMap } | undefined;
        let handedOver = false;
        try {
          vg = tf.variableGrads(() => {
            const t = model.negativeBound(x, noise);
            terms = { klChart: tf.keep(t.klChart), klLatent: tf.keep(t.klLatent), reconstruction: tf.keep(t.reconstruction) };
            return t.loss;
          }, vars);
          optimizer.applyGradients(vg.grads as Parameters<tf.AdamOptimizer["applyGradients"]>[0]);
          // the losses stay on the device: trainLoop reads them a step later, batched, and disposes them
          const out: Record<string, tf.Scalar> = { loss: vg.value, ...terms! };
          handedOver = true;
          return out;
        } finally {
          if (vg) tf.dispose(Object.values(vg.grads));
          if (!handedOver) tf.dispose([...(vg ? [vg.value] : []), ...Object.values(terms ?? {})]);
          tf.dispose([x, ...noise]);
        }
      },
      ...(validation ? { validate: async () => (await reconstructionError(model, validation)).mse } : {}),
      ...(ckDir
        ? {
            checkpoint: {
              dir: ckDir,
              every: options.checkpointEvery ?? 1,
              save: async (dir: string) => {
                await saveAtlasVae(joinPath(dir, "model"), model);
                await saveOptimizer(joinPath(dir, "adam"), optimizer);
              },
              load: async (dir: string) => {
                await restoreAtlasVae(joinPath(dir, "model"), model);
                await loadOptimizer(joinPath(dir, "adam"), optimizer);
              },
            },
          }
        : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      ...(options.onEpochEnd ? { onEpochEnd: options.onEpochEnd } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } finally {
    optimizer.dispose();
  }
}
