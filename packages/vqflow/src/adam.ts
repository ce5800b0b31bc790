/**
 * Adam over many variables as one flat vector. tfjs's `AdamOptimizer` runs about a dozen kernels
 * per variable; a flow has dozens of small variables (a 3-D toy RealNVP: 48), so at toy sizes the
 * optimiser alone cost more engine calls than the flow's forward and backward passes. Here the
 * gradients are concatenated once, the moments are two flat variables, and the update is split back:
 * the same arithmetic as tfjs's Adam (bias-corrected moments, ε outside the square root).
 */
import * as tf from "@tensorflow/tfjs";
import { CorruptFileError, InvalidArgumentError, joinPath, loadState, resolvePath, saveState, STATE_JSON } from "@atlas/core";

export class FlatAdam {
  learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  private readonly vars: tf.Variable[];
  private readonly sizes: number[];
  private readonly m: tf.Variable;
  private readonly v: tf.Variable;
  /** Steps taken; the bias corrections use it. */
  step = 0;

  constructor(vars: readonly tf.Variable[], learningRate: number, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8) {
    this.vars = [...vars];
    this.sizes = this.vars.map((v) => v.size);
    this.learningRate = learningRate;
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.epsilon = epsilon;
    const total = this.sizes.reduce((a, b) => a + b, 0);
    this.m = tf.tidy(() => tf.variable(tf.zeros([total]), false));
    this.v = tf.tidy(() => tf.variable(tf.zeros([total]), false));
  }

  /** One update from gradients aligned with the variables (a missing gradient counts as zero). */
  apply(grads: readonly (tf.Tensor | undefined)[]): void {
    this.step++;
    const t = this.step;
    tf.tidy(() => {
      const g = tf.concat(this.vars.map((v, i) => tf.reshape(grads[i] ?? tf.zerosLike(v), [-1])));
      const m = tf.add(tf.mul(this.m, this.beta1), tf.mul(g, 1 - this.beta1));
      const v = tf.add(tf.mul(this.v, this.beta2), tf.mul(tf.square(g), 1 - this.beta2));
      this.m.assign(m);
      this.v.assign(v);
      const mHat = tf.div(m, 1 - this.beta1 ** t);
      const vHat = tf.div(v, 1 - this.beta2 ** t);
      const update = tf.mul(tf.div(mHat, tf.add(tf.sqrt(vHat), this.epsilon)), this.learningRate);
      const parts = tf.split(update, this.sizes);
      this.vars.forEach((variable, i) => variable.assign(tf.sub(variable, tf.reshape(parts[i] as tf.Tensor, variable.shape))));
    });
  }

  /** Save the moments and the step count (core's atomic `saveState`). */
  async save(dir: string): Promise<void> {
    await saveState(dir, { tensors: { m: this.m, v: this.v }, json: { format: "atlas-flat-adam", step: this.step, learningRate: this.learningRate, sizes: this.sizes } });
  }

  /** Restore what {@link FlatAdam.save} wrote, for the same variables. */
  async load(dir: string): Promise<void> {
    const { tensors, json } = await loadState(dir);
    const file = joinPath(resolvePath(dir), STATE_JSON);
    try {
      const j = json as { format?: unknown; step?: unknown; learningRate?: unknown; sizes?: unknown } | null;
      if (!j || j.format !== "atlas-flat-adam" || !Number.isInteger(j.step) || (j.step as number) < 0 || typeof j.learningRate !== "number") {
        throw new CorruptFileError(file, "not an optimizer state of this package (expected format 'atlas-flat-adam' with a step count)");
      }
      if (JSON.stringify(j.sizes) !== JSON.stringify(this.sizes)) throw new InvalidArgumentError("optimizer", `the saved state is for variables of sizes ${JSON.stringify(j.sizes)}, this one has ${JSON.stringify(this.sizes)}`);
      const m = tensors.m;
      const v = tensors.v;
      if (!m || !v || m.size !== this.m.size || v.size !== this.v.size) throw new CorruptFileError(file, "moments 'm' and 'v' are missing or of the wrong size");
      this.m.assign(m);
      this.v.assign(v);
      this.step = j.step as number;
      this.learningRate = j.learningRate;
    } finally {
      tf.dispose(Object.values(tensors));
    }
  }

  dispose(): void {
    this.m.dispose();
    this.v.dispose();
  }
}
