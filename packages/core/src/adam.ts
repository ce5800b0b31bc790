/**
 * Adam whose per-variable update is one Atlas kernel where the active backend has it
 * (`AtlasAdamUpdate`, on webgpu: kernels/webgpu/adam-update.ts, 3 dispatches instead of tfjs's ~14).
 * Elsewhere (wasm, cpu, or webgpu after `restoreStockKernels("webgpu")`) it is tfjs's
 * `AdamOptimizer`, unchanged; the class name, state (`getWeights`/`setWeights`) and serialisation
 * are tfjs's in both cases.
 */
import * as tf from "@tensorflow/tfjs";
import { checkNumber } from "./validate.js";

/** The kernel name of the fused Adam update (inputs value, gradient, m, v, accBeta1, accBeta2). */
export const ADAM_UPDATE_KERNEL = "AtlasAdamUpdate";

/** Whether {@link adam}'s optimizers update through Atlas's kernel on the active backend. */
export function fusedAdamActive(): boolean {
  return tf.getKernel(ADAM_UPDATE_KERNEL, tf.getBackend()) !== undefined;
}

interface Slot {
  originalName: string;
  variable: tf.Variable;
}

/** The private state of tfjs's AdamOptimizer that the fused update reads and writes. */
interface AdamInternals {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: (Slot | undefined)[];
  accumulatedSecondMoment: (Slot | undefined)[];
}

type VariableGradients = Parameters<tf.AdamOptimizer["applyGradients"]>[0];

class AtlasAdamOptimizer extends tf.AdamOptimizer {
  override applyGradients(variableGradients: VariableGradients): void {
    if (!fusedAdamActive()) {
      super.applyGradients(variableGradients);
      return;
    }
    // tfjs's applyGradients (same slots, names and order), with the element-wise chain as one kernel
    const self = this as unknown as AdamInternals;
    const names = Array.isArray(variableGradients) ? variableGradients.map((v) => v.name) : Object.keys(variableGradients);
    tf.tidy(() => {
      names.forEach((name, i) => {
        const value = tf.engine().registeredVariables[name]!;
        const slot = (list: (Slot | undefined)[], suffix: string): tf.Variable => {
          list[i] ??= { originalName: `${name}/${suffix}`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
          return list[i]!.variable;
        };
        const m = slot(self.accumulatedFirstMoment, "m");
        const v = slot(self.accumulatedSecondMoment, "v");
        const gradient = Array.isArray(variableGradients) ? variableGradients[i]?.tensor : variableGradients[name];
        if (gradient == null) return;
        const [newValue, newM, newV] = tf.engine().runKernel(
          ADAM_UPDATE_KERNEL,
          { value, gradient, m, v, accBeta1: self.accBeta1, accBeta2: self.accBeta2 },
          { beta1: self.beta1, beta2: self.beta2, epsilon: self.epsilon, learningRate: self.learningRate },
        ) as unknown as tf.Tensor[];
        m.assign(newM!);
        v.assign(newV!);
        value.assign(newValue!);
      });
      self.accBeta1.assign(tf.mul(self.accBeta1, self.beta1));
      self.accBeta2.assign(tf.mul(self.accBeta2, self.beta2));
    });
    this.incrementIterations();
  }
}

/**
 * `tf.train.adam(learningRate, beta1, beta2, epsilon)`, whose update runs as one Atlas kernel per
 * variable on a backend that has it (webgpu with Atlas's kernels registered); elsewhere exactly
 * tfjs's optimizer.
 *
 * @example
 * const optimizer = adam(1e-3);
 * optimizer.minimize(() => loss());
 */
export function adam(learningRate = 0.001, beta1 = 0.9, beta2 = 0.999, epsilon?: number): tf.AdamOptimizer {
  checkNumber("learningRate", learningRate, { above: 0 });
  checkNumber("beta1", beta1, { min: 0, below: 1 });
  checkNumber("beta2", beta2, { min: 0, below: 1 });
  if (epsilon !== undefined) checkNumber("epsilon", epsilon, { above: 0 });
  return new AtlasAdamOptimizer(learningRate, beta1, beta2, epsilon);
}
