/**
 * Training-mode batch normalisation whose backward pass is one Atlas kernel where a backend has it
 * (`AtlasBatchNormGrad`, on webgpu: kernels/webgpu/batch-norm-grad.ts), and the batch-norm layer
 * of core's network blocks that uses it.
 *
 * tfjs-layers' `BatchNormalization` in training runs `tf.moments` and `tf.batchNorm`, and tfjs
 * differentiates both (~40 small kernels per layer, most over the whole activation). The op here
 * runs the same forward kernels, but as one `tf.customGrad` node whose gradient is the closed form
 * (dβ = Σ dy, dγ = r·Σ dy·(x − μ), dx = γ·r·(dy − dβ/M − (x − μ)·r·dγ/M)) computed by the kernel.
 * Where the kernel is not registered for the active backend (wasm, cpu, or webgpu after
 * `restoreStockKernels('webgpu')`), everything is tfjs's own path, unchanged.
 */
import * as tf from "@tensorflow/tfjs";
import { InvalidArgumentError, describeValue } from "./errors.js";
import { checkBoolean, checkInteger, checkNumber, checkOptions, checkString, checkTensor } from "./validate.js";

/** The kernel name of the one-dispatch moving-statistic update (inputs moving, value; attribute momentum). */
export const MOVING_AVERAGE_KERNEL = "AtlasMovingAverage";

/** The kernel name of the fused batch-norm gradient (inputs x, dy, mean, variance, scale). */
export const BATCH_NORM_GRAD_KERNEL = "AtlasBatchNormGrad";

/** What {@link batchNormTraining} returns: the output and the batch moments (for moving averages). */
export interface BatchNormTrainingResult {
  y: tf.Tensor;
  mean: tf.Tensor1D;
  variance: tf.Tensor1D;
}

/** Whether {@link batchNormTraining} differentiates through Atlas's kernel on the active backend. */
export function fusedBatchNormGradActive(): boolean {
  return tf.getKernel(BATCH_NORM_GRAD_KERNEL, tf.getBackend()) !== undefined;
}

/**
 * Batch normalisation of `x` with its own batch statistics over every axis but the last (as a
 * Keras/tfjs `BatchNormalization` layer in training): y = γ·(x − μ)/√(σ² + ε) + β, μ and σ² the
 * mean and population variance. Same forward kernels as tfjs-layers; the gradient is Atlas's fused
 * kernel where the active backend has it (webgpu with Atlas's kernels registered), else tfjs's.
 *
 * @param x float32, rank ≥ 2, channels last
 * @param gamma scale, shape [C]
 * @param beta offset, shape [C]
 * @param epsilon ε > 0
 * @returns y (x's shape) and the batch mean and variance ([C]); the caller disposes all three
 * @example
 * const { y, mean, variance } = batchNormTraining(x, gamma, beta, 1e-3);
 */
export function batchNormTraining(x: tf.Tensor, gamma: tf.Tensor1D, beta: tf.Tensor1D, epsilon: number): BatchNormTrainingResult {
  checkTensor("x", x, { dtypes: ["float32"] });
  checkTensor("gamma", gamma, { rank: 1, dtypes: ["float32"] });
  checkTensor("beta", beta, { dtypes: ["float32"] });
  const channels = gamma.shape[0]!;
  if (beta.rank !== 1 || beta.shape[0] !== channels) throw new InvalidArgumentError("beta", `expected shape [${channels}] (gamma's), got [${beta.shape.join(", ")}]`);
  if (x.rank < 2) throw new InvalidArgumentError("x", `expected rank ≥ 2 (channels last), got shape [${x.shape.join(", ")}]`);
  if (x.shape[x.rank - 1] !== channels) throw new InvalidArgumentError("x", `expected ${channels} channels in its last axis (gamma's and beta's length), got shape [${x.shape.join(", ")}]`);
  if (typeof epsilon !== "number" || !(epsilon > 0) || !Number.isFinite(epsilon)) throw new InvalidArgumentError("epsilon", `expected a positive finite number, got ${describeValue(epsilon)}`);
  const axes = Array.from({ length: x.rank - 1 }, (_, i) => i);
  const forward = (input: tf.Tensor, g: tf.Tensor1D, b: tf.Tensor1D): BatchNormTrainingResult => {
    const { mean, variance } = tf.moments(input, axes);
    const y = tf.batchNorm(input, mean, variance, b, g, epsilon);
    return { y, mean: mean as tf.Tensor1D, variance: variance as tf.Tensor1D };
  };
  if (!fusedBatchNormGradActive() || x.dtype !== "float32") {
    const [y, mean, variance] = tf.tidy(() => {
      const r = forward(x, gamma, beta);
      return [r.y, r.mean, r.variance];
    });
    return { y: y!, mean: mean as tf.Tensor1D, variance: variance as tf.Tensor1D };
  }
  let stats: [tf.Tensor1D, tf.Tensor1D] | undefined;
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, g, b, save] = args as [tf.Tensor, tf.Tensor1D, tf.Tensor1D, tf.GradSaveFunc];
    const r = forward(input, g, b);
    save([input, r.mean, r.variance, g]);
    // the moments leave the customGrad's tidy for the caller's moving averages
    stats = [tf.keep(r.mean), tf.keep(r.variance)];
    return {
      value: r.y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, smean, svariance, sgamma] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
        const [dx, dgamma, dbeta] = tf.engine().runKernel(BATCH_NORM_GRAD_KERNEL, { x: sx, dy, mean: smean, variance: svariance, scale: sgamma }, { varianceEpsilon: epsilon }) as unknown as tf.Tensor[];
        return [dx!, dgamma!, dbeta!];
      },
    };
  });
  const y = op(x, gamma, beta);
  return { y, mean: stats![0], variance: stats![1] };
}

/** The layer variables and settings of tfjs-layers' BatchNormalization that the training path reads. */
interface BatchNormInternals {
  axis: number;
  momentum: number;
  epsilon: number;
  center: boolean;
  scale: boolean;
  gamma: tf.LayerVariable;
  beta: tf.LayerVariable;
  movingMean: tf.LayerVariable;
  movingVariance: tf.LayerVariable;
}

type BatchNormArgs = NonNullable<Parameters<typeof tf.layers.batchNormalization>[0]>;
type LayerKwargs = Parameters<tf.layers.Layer["call"]>[1];

/** tfjs-layers' BatchNormalization class (not exported by name; registered for deserialisation). */
function batchNormalizationClass(): new (args?: BatchNormArgs) => tf.layers.Layer {
  const entry = tf.serialization.SerializationMap.getMap().classNameMap.BatchNormalization;
  if (entry === undefined) throw new Error("tfjs-layers' BatchNormalization class is not registered (is @tensorflow/tfjs-layers loaded?)");
  return entry[0] as unknown as new (args?: BatchNormArgs) => tf.layers.Layer;
}

let layerClass: (new (args?: BatchNormArgs) => tf.layers.Layer) | undefined;

/**
 * tfjs-layers' BatchNormalization, with the training path through {@link batchNormTraining} when
 * the fused gradient applies (channels-last axis, scale and centre on, float32, the kernel
 * registered for the active backend); otherwise exactly the stock layer. It keeps the class name
 * `BatchNormalization`, so saved models are unchanged and load as the stock layer.
 */
function atlasBatchNormalizationClass(): new (args?: BatchNormArgs) => tf.layers.Layer {
  if (layerClass !== undefined) return layerClass;
  const Base = batchNormalizationClass();
  class AtlasBatchNormalization extends Base {
    override call(inputs: tf.Tensor | tf.Tensor[], kwargs: LayerKwargs): tf.Tensor | tf.Tensor[] {
      const input = Array.isArray(inputs) ? inputs[0] : inputs;
      const self = this as unknown as BatchNormInternals;
      const training = (kwargs as { training?: unknown } | undefined)?.training === true;
      const lastAxis = input !== undefined && (self.axis === -1 || self.axis === input.rank - 1);
      if (!training || input === undefined || !lastAxis || input.rank < 2 || !self.center || !self.scale || input.dtype !== "float32" || !fusedBatchNormGradActive()) {
        return super.call(inputs, kwargs);
      }
      return tf.tidy(() => {
        const { y, mean, variance } = batchNormTraining(input, self.gamma.read() as tf.Tensor1D, self.beta.read() as tf.Tensor1D, self.epsilon);
        try {
          // as tfjs-layers: moving ← moving − (moving − batch)·(1 − momentum); one kernel where the
          // backend has Atlas's (webgpu: the same float32 operations, one dispatch instead of three)
          const fusedAverage = tf.getKernel(MOVING_AVERAGE_KERNEL, tf.getBackend()) !== undefined;
          for (const [v, value] of [[self.movingMean, mean], [self.movingVariance, variance]] as const) {
            tf.tidy(() => {
              const orig = v.read();
              v.write(fusedAverage ? (tf.engine().runKernel(MOVING_AVERAGE_KERNEL, { moving: orig, value }, { momentum: self.momentum }) as tf.Tensor) : tf.sub(orig, tf.mul(tf.sub(orig, value), 1 - self.momentum)));
            });
          }
        } finally {
          mean.dispose();
          variance.dispose();
        }
        return y;
      });
    }
  }
  layerClass = AtlasBatchNormalization;
  return layerClass;
}

/** The options tfjs-layers' BatchNormalization takes (its own and every layer's). */
const BATCH_NORM_ARGS = [
  "axis", "momentum", "epsilon", "center", "scale", "betaInitializer", "gammaInitializer", "movingMeanInitializer", "movingVarianceInitializer",
  "betaConstraint", "gammaConstraint", "betaRegularizer", "gammaRegularizer",
  "inputShape", "batchInputShape", "batchSize", "dtype", "name", "trainable", "weights", "inputDType",
] as const;

/**
 * A batch-normalisation layer: `tf.layers.batchNormalization(args)` whose training step, on a
 * backend with Atlas's fused batch-norm gradient (webgpu), differentiates in one kernel instead of
 * ~40. Same weights, names, serialisation and numbers (to float32 rounding) as the stock layer.
 *
 * @example
 * model.add(batchNormalization({ momentum: 0.9, epsilon: 1e-5 }));
 */
export function batchNormalization(args: BatchNormArgs = {}): tf.layers.Layer {
  checkOptions("args", args, BATCH_NORM_ARGS);
  if (args.axis !== undefined) checkInteger("args.axis", args.axis);
  if (args.momentum !== undefined) checkNumber("args.momentum", args.momentum, { min: 0, max: 1 });
  if (args.epsilon !== undefined) checkNumber("args.epsilon", args.epsilon, { above: 0 });
  if (args.center !== undefined) checkBoolean("args.center", args.center);
  if (args.scale !== undefined) checkBoolean("args.scale", args.scale);
  if (args.name !== undefined) checkString("args.name", args.name);
  const Layer = atlasBatchNormalizationClass();
  return new Layer(args);
}
