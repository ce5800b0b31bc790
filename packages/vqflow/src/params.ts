/**
 * Named, seeded parameters and the small dense networks the flows are built from. Weights are
 * plain `tf.Variable`s drawn on the host from core's `Rng` (the same seed gives the same weights on
 * every backend), registered under stable names so that files and checkpoints can name them.
 */
import * as tf from "@tensorflow/tfjs";
import { InvalidArgumentError, type Rng } from "@atlas/core";

/** Hidden activations of the conditioner networks. */
export type FlowActivation = "relu" | "tanh" | "elu" | "leakyRelu";

/** A registry of named variables; owns them (dispose() frees all). */
export class ParamSet {
  private readonly vars = new Map<string, tf.Variable>();

  /** A new variable `name` with the given values; `trainable: false` for fixed statistics. */
  add(name: string, values: Float32Array, shape: readonly number[], trainable = true): tf.Variable {
    if (this.vars.has(name)) throw new InvalidArgumentError("name", `parameter '${name}' is already registered`);
    const v = tf.tidy(() => tf.variable(tf.tensor(values, [...shape], "float32"), trainable));
    this.vars.set(name, v);
    return v;
  }

  get(name: string): tf.Variable {
    const v = this.vars.get(name);
    if (!v) throw new InvalidArgumentError("name", `no parameter '${name}'`);
    return v;
  }

  /** Every variable by name, in registration order. */
  entries(): [string, tf.Variable][] {
    return [...this.vars.entries()];
  }

  /** Variables whose names start with `prefix` (all with ""). */
  list(prefix = ""): tf.Variable[] {
    return [...this.vars.entries()].filter(([k]) => k.startsWith(prefix)).map(([, v]) => v);
  }

  dispose(): void {
    for (const v of this.vars.values()) v.dispose();
    this.vars.clear();
  }
}

/** U(−bound, bound) values (PyTorch's default Linear initialisation uses bound = 1/√fan_in). */
export function uniformValues(rng: Rng, n: number, bound: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (2 * rng.next() - 1) * bound;
  return out;
}

/** One dense layer: `x W + b`, W `[in, out]`; an optional constant 0/1 mask on W (MADE). */
export interface DenseLayer {
  w: tf.Variable;
  b: tf.Variable;
  mask?: tf.Tensor2D;
}

/**
 * Register a dense layer: PyTorch-style U(±1/√in) weights and biases, or zeros (`zero: true`, the
 * last layer of a conditioner, so that every flow layer starts as the identity).
 */
export function addDense(params: ParamSet, rng: Rng, name: string, inDim: number, outDim: number, zero = false): DenseLayer {
  const bound = 1 / Math.sqrt(Math.max(1, inDim));
  const w = params.add(`${name}/w`, zero ? new Float32Array(inDim * outDim) : uniformValues(rng, inDim * outDim, bound), [inDim, outDim]);
  const b = params.add(`${name}/b`, zero ? new Float32Array(outDim) : uniformValues(rng, outDim, bound), [outDim]);
  return { w, b };
}

const FUSED: Partial<Record<FlowActivation, "relu" | "elu" | "leakyrelu">> = { relu: "relu", elu: "elu", leakyRelu: "leakyrelu" };

/** Apply one dense layer with an activation (`"linear"` for none). */
export function dense(x: tf.Tensor2D, layer: DenseLayer, activation: FlowActivation | "linear"): tf.Tensor2D {
  const w = (layer.mask ? tf.mul(layer.w, layer.mask) : layer.w) as tf.Tensor2D;
  if (activation === "linear") return tf.fused.matMul({ a: x, b: w, bias: layer.b }) as tf.Tensor2D;
  const fused = FUSED[activation];
  if (fused) return tf.fused.matMul({ a: x, b: w, bias: layer.b, activation: fused, ...(fused === "leakyrelu" ? { leakyreluAlpha: 0.2 } : {}) }) as tf.Tensor2D;
  return tf.tanh(tf.fused.matMul({ a: x, b: w, bias: layer.b })) as tf.Tensor2D;
}

/** The hidden activation alone. */
export function activate(x: tf.Tensor2D, activation: FlowActivation): tf.Tensor2D {
  switch (activation) {
    case "relu":
      return tf.relu(x);
    case "tanh":
      return tf.tanh(x);
    case "elu":
      return tf.elu(x);
    default:
      return tf.leakyRelu(x, 0.2);
  }
}

/** A stack of dense layers: hidden ones with `activation`, the last one linear. */
export function mlpApply(x: tf.Tensor2D, layers: readonly DenseLayer[], activation: FlowActivation): tf.Tensor2D {
  let h = x;
  layers.forEach((layer, i) => {
    h = dense(h, layer, i === layers.length - 1 ? "linear" : activation);
  });
  return h;
}

/** d act(z)/dz from the activation's output h (every activation here is monotone, so h decides it). */
function activationGrad(h: tf.Tensor2D, activation: FlowActivation): tf.Tensor2D {
  switch (activation) {
    case "relu":
      return tf.step(h) as tf.Tensor2D;
    case "tanh":
      return tf.sub(1, tf.square(h)) as tf.Tensor2D;
    case "elu":
      return tf.where(tf.greater(h, 0), tf.onesLike(h), tf.add(h, 1)) as tf.Tensor2D;
    default:
      return tf.where(tf.greater(h, 0), tf.onesLike(h), tf.fill(h.shape, 0.2));
  }
}

/**
 * {@link mlpApply} as one custom-gradient op: the forward pass as usual, the backward pass written
 * out (per layer dW = hᵀ·dz (masked), db = Σ dz, dh = dz·Wᵀ, dz = dh ⊙ act′). tfjs's automatic
 * gradient of the same stack records every kernel with copies of its inputs and runs ~3× the
 * kernels; the flows are small-kernel-bound at toy sizes, so this is most of a training step.
 * Same values; gradients equal to float32 rounding (tested against the automatic ones).
 */
export function mlpFused(layers: readonly DenseLayer[], activation: FlowActivation): (x: tf.Tensor2D) => tf.Tensor2D {
  const L = layers.length;
  const op = tf.customGrad(((...args: unknown[]) => {
    const save = args.pop() as tf.GradSaveFunc;
    const [x, ...params] = args as tf.Tensor2D[];
    const weights = layers.map((layer, i) => (layer.mask ? tf.mul(params[2 * i] as tf.Tensor2D, layer.mask) : (params[2 * i] as tf.Tensor2D)) as tf.Tensor2D);
    const hs: tf.Tensor2D[] = [x as tf.Tensor2D];
    let h = x as tf.Tensor2D;
    for (let i = 0; i < L; i++) {
      h = dense(h, { w: weights[i] as unknown as tf.Variable, b: params[2 * i + 1] as unknown as tf.Variable }, i === L - 1 ? "linear" : activation);
      if (i < L - 1) hs.push(h);
    }
    save([...hs, ...weights]);
    return {
      value: h,
      gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
        const inputs = saved.slice(0, L) as tf.Tensor2D[];
        const ws = saved.slice(L) as tf.Tensor2D[];
        const grads: tf.Tensor[] = new Array(1 + 2 * L);
        let dz: tf.Tensor2D = dy;
        for (let i = L - 1; i >= 0; i--) {
          const hin = inputs[i] as tf.Tensor2D;
          const dw = tf.matMul(hin, dz, true, false);
          const mask = layers[i]?.mask;
          grads[1 + 2 * i] = mask ? tf.mul(dw, mask) : dw;
          grads[2 + 2 * i] = tf.sum(dz, 0);
          const dh = tf.matMul(dz, ws[i] as tf.Tensor2D, false, true) as tf.Tensor2D;
          dz = i > 0 ? (tf.mul(dh, activationGrad(hin, activation)) as tf.Tensor2D) : dh;
        }
        grads[0] = dz;
        return grads;
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (...t: tf.Tensor[]) => tf.Tensor2D;
  const params = layers.flatMap((l) => [l.w, l.b]);
  return (x) => op(x, ...params);
}

/** Float64 reference of {@link mlpApply} for one input row (tests and the independent checks). */
export function activationValue(activation: FlowActivation | "linear", v: number): number {
  switch (activation) {
    case "relu":
      return v > 0 ? v : 0;
    case "tanh":
      return Math.tanh(v);
    case "elu":
      return v > 0 ? v : Math.expm1(v);
    case "leakyRelu":
      return v > 0 ? v : 0.2 * v;
    default:
      return v;
  }
}

/** Soft clamp c·tanh(v/c): the scales of the affine layers stay within (−c, c), smoothly. */
export function softClamp(v: tf.Tensor, clamp: number): tf.Tensor {
  return tf.mul(tf.tanh(tf.div(v, clamp)), clamp);
}

/**
 * A stop-gradient (tfjs has none): the value passes through, the gradient is zero. Used for the
 * VQ-VAE codebook and commitment terms and the straight-through estimator.
 */
export const stopGradient: (x: tf.Tensor) => tf.Tensor = tf.customGrad(((x: tf.Tensor) => ({
  value: tf.clone(x),
  gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
})) as unknown as Parameters<typeof tf.customGrad>[0]) as (x: tf.Tensor) => tf.Tensor;
