import * as tf from "@tensorflow/tfjs";
import { InvalidArgumentError, Rng, adam, backendCapacityBytes, checkInteger, checkNumber, checkOneOf, checkOptions, checkTensor, describeValue, toRng, type RngLike } from "@atlas/core";
import { AwaeGan, type TailStatistics } from "./awae-gan.js";
import { chartBalanceDivergence, discriminatorLoss, encoderAdversarial, weightedReconstruction, type ReconstructionCost } from "./awae-gan-loss.js";
import { checkBatch, checkFiniteTensor } from "./check.js";
import { awaeGanStepBytes } from "./awae-gan-size.js";

/** A learning-rate schedule of the AGM paper (Appendix A). */
export interface AwaeGanSchedule {
  /** Epochs to train (at most 100 000). */
  readonly epochs: number;
  /** Mini-batch size. */
  readonly batchSize: number;
  /** Initial learning rate of the encoders (with ψ) and decoders. */
  readonly learningRate: number;
  /** Initial learning rate of the latent discriminators. */
  readonly discriminatorLearningRate: number;
  /** Both learning rates are halved after each of these epochs (1-based counts of finished epochs). */
  readonly halveAfter: readonly number[];
}

/**
 * The paper's schedules (Appendix A) and a CPU-sized one: `mnist` (batch 100, lr 2e-4 / 1e-4 for
 * the discriminators, halved after 5, 25, 50; 80 epochs), `fashionMnist` (batch 128, 1e-4 / 5e-5,
 * halved after 15, 30, 50, 70; 80 epochs), `cpu` (the MNIST rates, 5 epochs, halved after 3).
 */
export const AWAE_GAN_SCHEDULES: Readonly<Record<"mnist" | "fashionMnist" | "cpu", AwaeGanSchedule>> = Object.freeze({
  mnist: Object.freeze({ epochs: 80, batchSize: 100, learningRate: 2e-4, discriminatorLearningRate: 1e-4, halveAfter: Object.freeze([5, 25, 50]) }),
  fashionMnist: Object.freeze({ epochs: 80, batchSize: 128, learningRate: 1e-4, discriminatorLearningRate: 5e-5, halveAfter: Object.freeze([15, 30, 50, 70]) }),
  cpu: Object.freeze({ epochs: 5, batchSize: 100, learningRate: 2e-4, discriminatorLearningRate: 1e-4, halveAfter: Object.freeze([3]) }),
});

/**
 * The learning rate in epoch `epoch` (0-based) of a schedule that starts at `initial` and halves
 * after each epoch count in `halveAfter`: initial · 2^(−#{k ∈ halveAfter : k ≤ epoch}).
 *
 * @example
 * scheduledRate(2e-4, [5, 25, 50], 5); // 1e-4 (epochs 0–4 use 2e-4)
 */
export function scheduledRate(initial: number, halveAfter: readonly number[], epoch: number): number {
  checkNumber("initial", initial, { above: 0 });
  if (!Array.isArray(halveAfter)) throw new InvalidArgumentError("halveAfter", `expected an array of increasing epoch counts, got ${typeof halveAfter}`);
  halveAfter.forEach((k: unknown, i: number) => checkInteger(`halveAfter[${i}]`, k, { min: i === 0 ? 1 : (halveAfter[i - 1] as number) + 1 }));
  checkInteger("epoch", epoch, { min: 0 });
  let rate = initial;
  for (const k of halveAfter) if (epoch >= k) rate /= 2;
  return rate;
}

/** Loss options of eq. (6). */
export interface AwaeGanLossOptions {
  /** λ of eq. (6). Default 10 (the paper). */
  lambda?: number;
  /**
   * λ_y: weight of the exact chart-balance term KL(mean_batch ψ ‖ Uniform{1..m}) added to the
   * encoder/ψ loss ({@link chartBalanceDivergence}). Default: λ (the weight eq. (6) gives the whole
   * latent divergence, of which this is the chart part), which keeps every chart in use; 0 gives the
   * literal eq. (6), where Q(Y) meets the uniform prior only through the discriminators (at the CPU
   * widths a chart can then lose all its points). No effect for m = 1.
   */
  chartBalance?: number;
  /** The cost c. Default `"l2"` (Euclidean, as the paper writes it). */
  cost?: ReconstructionCost;
  /** Adam β₁. Default 0.5. */
  beta1?: number;
  /** Adam β₂. Default 0.999. */
  beta2?: number;
  /** Seed of the prior samples. Default 0. */
  seed?: RngLike;
  /**
   * How the decoders' shared tail normalises a training batch ({@link TailStatistics}): `"pooled"`
   * (default; one pass over all m·n codes, batch-norm statistics pooled across charts) or
   * `"per-chart"` (one pass per chart, each with its own statistics).
   */
  tailStatistics?: TailStatistics;
}

/** The losses of one training step, as scalar tensors left on the device (the caller disposes them). */
export interface AwaeGanStepLosses {
  readonly reconstruction: tf.Scalar;
  readonly adversarial: tf.Scalar;
  readonly discriminator: tf.Scalar;
  readonly chartBalance: tf.Scalar;
}

/** Numbers of one training step. */
export interface AwaeGanStepStats {
  /** mean_i Σ_y ψ_y(x_i) c(x_i, G_y(F_y(x_i))) on the batch (training-mode BN). */
  reconstruction: number;
  /** The encoder's adversarial term (before the λ factor). */
  adversarial: number;
  /** The discriminators' loss. */
  discriminator: number;
  /** KL(mean_batch ψ ‖ Uniform) on the batch (before the λ_y factor; 0 for m = 1). */
  chartBalance: number;
}

function variablesOf(models: readonly tf.LayersModel[]): tf.Variable[] {
  // LayerVariable.read() is the tf.Variable that holds the weight.
  return models.flatMap((m) => m.trainableWeights.map((w) => w.read() as tf.Variable));
}

/**
 * One optimisation step of eq. (6) at a time: an Adam step of the encoders, ψ and decoders on
 * reconstruction + λ · adversarial, then an Adam step of the latent discriminators on the codes of
 * the same forward pass (as the WAE-GAN does). Adam β = (0.5, 0.999) by default.
 *
 * @example
 * const trainer = new AwaeGanTrainer(model, { learningRate: 2e-4, discriminatorLearningRate: 1e-4 });
 * const stats = await trainer.step(batch); // checks the batch, steps, reads the four losses at once
 * const losses = trainer.stepDeferred(batch2); // no checks, no read: tensors (dispose them)
 */
export class AwaeGanTrainer {
  readonly model: AwaeGan;
  readonly lambda: number;
  /** λ_y of the chart-balance term (see {@link AwaeGanLossOptions.chartBalance}). */
  readonly chartBalance: number;
  readonly cost: ReconstructionCost;
  /** How the shared decoder tail sees a training batch. */
  readonly tailStatistics: TailStatistics;
  /** Adam of the encoders, ψ and decoders. */
  readonly optimizer: tf.AdamOptimizer;
  /** Adam of the discriminators. */
  readonly discriminatorOptimizer: tf.AdamOptimizer;
  readonly rng: Rng;
  private readonly aeVars: tf.Variable[];
  private readonly discVars: tf.Variable[];

  private disposed = false;

  constructor(model: AwaeGan, options: AwaeGanLossOptions & { learningRate?: number; discriminatorLearningRate?: number } = {}) {
    if (!(model instanceof AwaeGan)) throw new InvalidArgumentError("model", `expected an AwaeGan, got ${describeValue(model)}`);
    checkOptions("options", options, ["lambda", "chartBalance", "cost", "beta1", "beta2", "seed", "tailStatistics", "learningRate", "discriminatorLearningRate"]);
    this.model = model;
    this.lambda = checkNumber("options.lambda", options.lambda ?? 10, { min: 0 });
    this.chartBalance = checkNumber("options.chartBalance", options.chartBalance ?? this.lambda, { min: 0 });
    this.cost = checkOneOf<ReconstructionCost>("options.cost", options.cost ?? "l2", ["l2", "l2sq"]);
    this.tailStatistics = checkOneOf<TailStatistics>("options.tailStatistics", options.tailStatistics ?? "pooled", ["pooled", "per-chart"]);
    const beta1 = checkNumber("options.beta1", options.beta1 ?? 0.5, { min: 0, below: 1 });
    const beta2 = checkNumber("options.beta2", options.beta2 ?? 0.999, { min: 0, below: 1 });
    const lr = checkNumber("options.learningRate", options.learningRate ?? 2e-4, { above: 0 });
    const dlr = checkNumber("options.discriminatorLearningRate", options.discriminatorLearningRate ?? 1e-4, { above: 0 });
    this.rng = toRng(options.seed ?? 0, "options.seed");
    this.optimizer = adam(lr, beta1, beta2);
    this.discriminatorOptimizer = adam(dlr, beta1, beta2);
    this.aeVars = variablesOf(model.encoderDecoderModels);
    this.discVars = variablesOf(model.nets.discriminators);
  }

  /** Set both learning rates (used by the schedules). */
  setLearningRates(learningRate: number, discriminatorLearningRate: number): void {
    checkNumber("learningRate", learningRate, { above: 0 });
    checkNumber("discriminatorLearningRate", discriminatorLearningRate, { above: 0 });
    (this.optimizer as unknown as { learningRate: number }).learningRate = learningRate;
    (this.discriminatorOptimizer as unknown as { learningRate: number }).learningRate = discriminatorLearningRate;
  }

  /** Current learning rates `[encoders/decoders, discriminators]`. */
  get learningRates(): [number, number] {
    return [
      (this.optimizer as unknown as { learningRate: number }).learningRate,
      (this.discriminatorOptimizer as unknown as { learningRate: number }).learningRate,
    ];
  }

  /**
   * One step on the batch `x` `[n, ...dataShape]` (n ≥ 2 for batch normalisation); the prior
   * samples come from `rng` (default: the trainer's own stream). Checks the batch (its values with
   * one read), then reads the step's four losses with one more: two waits on the device per step.
   * A loop that steps many times should use {@link stepDeferred} and read the losses later
   * (as `trainAwaeGan` does through core's `trainLoop`).
   */
  async step(x: tf.Tensor, rng?: Rng): Promise<AwaeGanStepStats> {
    this.checkStep(x, rng);
    checkBatch("x", x, this.model.dataShape);
    if ((x.shape[0] ?? 0) < 2) throw new InvalidArgumentError("x", `a training batch needs at least 2 samples (batch normalisation), got ${x.shape[0]}`);
    await checkFiniteTensor("x", x);
    const losses = this.stepDeferred(x, rng);
    const all = tf.tidy(() => tf.stack([losses.reconstruction, losses.adversarial, losses.discriminator, losses.chartBalance]));
    try {
      const [reconstruction, adversarial, discriminator, chartBalance] = await all.data();
      return { reconstruction: reconstruction!, adversarial: adversarial!, discriminator: discriminator!, chartBalance: chartBalance! };
    } finally {
      tf.dispose([all, ...Object.values(losses)]);
    }
  }

  /**
   * {@link step} without the input checks (the caller has validated the data set once) and without
   * reading anything back: the step is dispatched and its losses returned as scalar tensors, which
   * the caller reads when it likes and disposes. Nothing here waits for the device.
   */
  stepDeferred(x: tf.Tensor, rng: Rng = this.rng): AwaeGanStepLosses {
    this.checkStep(x, rng);
    const model = this.model;
    const n = x.shape[0]!;
    const m = model.charts;
    const d = model.latentDim;
    let kept: { psi: tf.Tensor2D; codes: tf.Tensor2D[] } | undefined;
    let recValue: tf.Scalar | undefined;
    let advValue: tf.Scalar | undefined;
    let balValue: tf.Scalar | undefined;
    try {
      // 1) encoders, ψ, decoders: reconstruction + λ · adversarial.
      const { value, grads } = tf.variableGrads(() => {
        const fwd = model.forward(x, true, this.tailStatistics);
        const rec = weightedReconstruction(x, fwd, this.cost);
        const adv = encoderAdversarial(model, fwd.psi, fwd.codes, true);
        kept = { psi: tf.keep(tf.clone(fwd.psi)), codes: fwd.codes.map((c) => tf.keep(tf.clone(c))) };
        recValue = tf.keep(tf.clone(rec));
        advValue = tf.keep(tf.clone(adv));
        const loss = tf.add(rec, tf.mul(adv, this.lambda)) as tf.Scalar;
        if (m === 1 || this.chartBalance === 0) return loss;
        const bal = chartBalanceDivergence(fwd.psi);
        balValue = tf.keep(tf.clone(bal));
        return tf.add(loss, tf.mul(bal, this.chartBalance)) as tf.Scalar;
      }, this.aeVars);
      this.optimizer.applyGradients(grads as Parameters<tf.AdamOptimizer["applyGradients"]>[0]);
      tf.dispose([value, ...Object.values(grads)]);

      // 2) discriminators on the same codes against fresh prior draws (n per chart).
      const prior = tf.tidy(() => tf.unstack(tf.tensor3d(rng.normalArray(m * n * d), [m, n, d])) as tf.Tensor2D[]);
      const { psi, codes } = kept!;
      const disc = tf.variableGrads(() => discriminatorLoss(model, psi, codes, prior, true), this.discVars);
      this.discriminatorOptimizer.applyGradients(disc.grads as Parameters<tf.AdamOptimizer["applyGradients"]>[0]);
      tf.dispose([...Object.values(disc.grads), ...prior]);
      const chartBalance = balValue ?? (m === 1 ? tf.scalar(0) : tf.tidy(() => chartBalanceDivergence(kept!.psi)));
      const losses: AwaeGanStepLosses = { reconstruction: recValue!, adversarial: advValue!, discriminator: disc.value, chartBalance };
      // handed over to the caller: not disposed below
      recValue = advValue = balValue = undefined;
      return losses;
    } finally {
      if (kept) tf.dispose([kept.psi, ...kept.codes]);
      tf.dispose([recValue, advValue, balValue].filter((t): t is tf.Scalar => t !== undefined));
    }
  }

  /** The receiver, the batch's shape and dtype (no read) and the prior's generator. */
  private checkStep(x: unknown, rng: unknown): void {
    if (this.disposed) throw new InvalidArgumentError("this", "this AwaeGanTrainer has been disposed");
    const t = checkTensor("x", x, { inner: this.model.dataShape });
    if ((t.shape[0] ?? 0) < 2) throw new InvalidArgumentError("x", `a training batch needs at least 2 samples (batch normalisation), got ${t.shape[0]}`);
    if (rng !== undefined && !(rng instanceof Rng)) throw new InvalidArgumentError("rng", `expected an Rng, got ${describeValue(rng)}`);
    checkStepMemory("x", this.model, t.shape[0] ?? 0);
  }

  /** Free the optimizers' slots (not the model); a second call does nothing. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.optimizer.dispose();
    this.discriminatorOptimizer.dispose();
  }
}

/** Check a schedule-like object's fields (partial; defaults from `base`). */
export function resolveSchedule(options: Partial<AwaeGanSchedule>, base: AwaeGanSchedule): AwaeGanSchedule {
  // an upper bound: 1e9 epochs would train for ever (100 000 is far beyond any schedule of the paper)
  const epochs = checkInteger("options.epochs", options.epochs ?? base.epochs, { min: 1, max: 100_000 });
  const batchSize = checkInteger("options.batchSize", options.batchSize ?? base.batchSize, { min: 2 });
  const learningRate = checkNumber("options.learningRate", options.learningRate ?? base.learningRate, { above: 0 });
  const discriminatorLearningRate = checkNumber("options.discriminatorLearningRate", options.discriminatorLearningRate ?? base.discriminatorLearningRate, { above: 0 });
  const halveAfter = options.halveAfter ?? base.halveAfter;
  if (!Array.isArray(halveAfter)) throw new InvalidArgumentError("options.halveAfter", "expected an array of epoch counts");
  halveAfter.forEach((k, i) => checkInteger(`options.halveAfter[${i}]`, k, { min: 1 }));
  return { epochs, batchSize, learningRate, discriminatorLearningRate, halveAfter: [...halveAfter] };
}

/**
 * On the wasm backend (one 4 GiB heap), refuse a training step on `n` samples that cannot fit:
 * {@link awaeGanStepBytes}, an estimate from below, more than the heap can still hold. Without it,
 * such a step allocated until the heap was full and then died inside tfjs-wasm (which writes a
 * tensor it could not allocate at address 0: "memory access out of bounds"); core's guardWasmHeap
 * turns any later failure into an OutOfMemoryError. Other backends have no such fixed limit here.
 */
export function checkStepMemory(name: string, model: AwaeGan, n: number): void {
  if (tf.getBackend() !== "wasm") return;
  const need = awaeGanStepBytes(model.config, n);
  const room = backendCapacityBytes();
  if (need <= room) return;
  const perSample = awaeGanStepBytes(model.config, 1) - awaeGanStepBytes(model.config, 0);
  const fits = Math.max(0, Math.floor((room - awaeGanStepBytes(model.config, 0)) / perSample));
  const mib = (b: number): string => `${(b / 2 ** 20).toFixed(0)} MiB`;
  const { charts, h } = model.config;
  throw new InvalidArgumentError(
    name,
    `a training step of this AWAE-GAN (charts ${charts}, h ${h}) on ${n} samples needs at least ~${mib(need)} of the wasm backend's memory (~${mib(perSample)} a sample), ` +
      `more than its 4 GiB heap can still hold (${mib(room)}); use a batch of at most ${fits}, fewer charts or a smaller h, or a backend with more memory (webgpu, tensorflow)`,
  );
}
