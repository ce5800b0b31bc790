/**
 * The chart maps' flows (VQ-Flows poster, "The chart maps"; VQFLOW-SPEC §3): one network shared
 * by all charts and conditioned on the chart centre v_k as a context vector — affine-coupling
 * RealNVP or MAF (MADE with Gaussian autoregressive layers). Convention: `forward` is the
 * normalising direction f: x → z with log|det ∂f/∂x|; `inverse` is the generative g = f⁻¹.
 */
import * as tf from "@tensorflow/tfjs";
import type { Rng } from "@atlas/core";
import { ColumnPermutation, reorderIndices } from "./permute.js";
import { ParamSet, activate, addDense, dense, mlpFused, softClamp, type DenseLayer, type FlowActivation } from "./params.js";

/** The two flow families of the poster's experiments. */
export type FlowKind = "realnvp" | "maf";
/** RealNVP coupling masks: parity masks throughout, or parity for the first pair of layers and a seeded shuffle for each later pair. */
export type CouplingMasks = "alternate" | "shuffled";

/** Everything that fixes a conditional flow's architecture. */
export interface FlowSpec {
  kind: FlowKind;
  /** Dimension d of the flow (the latent dimension). */
  dim: number;
  /** Length of the context vector (the chart centre); 0 for an unconditional flow. */
  contextDim: number;
  /** Number of layers L. */
  layers: number;
  /** Hidden widths of each conditioner (coupling MLP or MADE). */
  hidden: readonly number[];
  activation: FlowActivation;
  /** Scales (RealNVP s, MAF α) pass through c·tanh(·/c). */
  scaleClamp: number;
  /** RealNVP only. */
  masks: CouplingMasks;
}

/** A flow layer's output and its log|det J| per row. */
export interface LayerOutput {
  y: tf.Tensor2D;
  logDet: tf.Tensor1D;
}

/** A conditional normalizing flow on R^d (both families implement it). */
export interface ConditionalFlow {
  readonly spec: Readonly<FlowSpec>;
  /** f: x → z and log|det ∂f/∂x| per row; `context` is `[n, contextDim]` (null when contextDim = 0). */
  forward(x: tf.Tensor2D, context: tf.Tensor2D | null): { z: tf.Tensor2D; logDet: tf.Tensor1D };
  /** g = f⁻¹: z → x. */
  inverse(z: tf.Tensor2D, context: tf.Tensor2D | null): tf.Tensor2D;
  /** Layer `l` alone, as a map on the original coordinates (its permutation included). */
  forwardLayer(l: number, x: tf.Tensor2D, context: tf.Tensor2D | null): LayerOutput;
  /** Inverse of {@link ConditionalFlow.forwardLayer}. */
  inverseLayer(l: number, y: tf.Tensor2D, context: tf.Tensor2D | null): tf.Tensor2D;
  /** Frees the flow's constant tensors (its weights belong to the ParamSet). */
  dispose(): void;
}

/** The conditioner's input: [x_A, context], or a zero column when both are empty. */
function conditionerInput(parts: (tf.Tensor2D | null)[], n: number): tf.Tensor2D {
  const used = parts.filter((p): p is tf.Tensor2D => p !== null && p.shape[1] > 0);
  if (used.length === 0) return tf.zeros([n, 1]);
  return used.length === 1 ? (used[0] as tf.Tensor2D) : tf.concat(used, 1);
}

function checkContext(spec: FlowSpec, n: number, context: tf.Tensor2D | null): void {
  if (spec.contextDim === 0) return;
  if (!context || context.shape[0] !== n || context.shape[1] !== spec.contextDim) {
    throw new Error(`internal: flow expects a context [${n}, ${spec.contextDim}], got ${context ? `[${context.shape.join(", ")}]` : "none"}`);
  }
}

/**
 * Conditional RealNVP (Dinh et al. 2017): layer l splits the coordinates into A_l and B_l (sizes
 * ⌊d/2⌋ and ⌈d/2⌉, swapped on odd layers), z_B = x_B·exp(s) + t with [s, t] = NN([x_A, v_k]) and
 * s soft-clamped; log|det| = Σ s. Layers 2p and 2p+1 use the same split with its halves swapped, so
 * every coordinate is transformed once per pair; the split is the parity mask (odd | even dims)
 * for every pair (`"alternate"`) or for the first pair and a seeded random permutation for each
 * later one (`"shuffled"`). With d = 1 every layer transforms the one coordinate, conditioned on
 * the context alone. The state is kept in the current layer's column order and reordered once per
 * layer by a differentiable column permutation.
 */
export class RealNvpFlow implements ConditionalFlow {
  readonly spec: Readonly<FlowSpec>;
  /** π_l: the column order of layer l, A_l first. */
  readonly orders: readonly (readonly number[])[];
  /** |A_l|. */
  readonly splits: readonly number[];
  private readonly nets: DenseLayer[][];
  private readonly conditioners: ((x: tf.Tensor2D) => tf.Tensor2D)[];
  private readonly toLayer: ColumnPermutation[];
  private readonly fromLayer: ColumnPermutation[];
  private readonly toIdentity: ColumnPermutation;
  private readonly fromIdentity: ColumnPermutation;

  constructor(spec: FlowSpec, params: ParamSet, rng: Rng, prefix: string) {
    this.spec = spec;
    const d = spec.dim;
    const h = Math.floor(d / 2);
    const parity = [...Array.from({ length: d }, (_, i) => i).filter((i) => i % 2 === 1), ...Array.from({ length: d }, (_, i) => i).filter((i) => i % 2 === 0)];
    const orders: number[][] = [];
    const splits: number[] = [];
    let pairOrder = parity;
    for (let l = 0; l < spec.layers; l++) {
      if (d === 1) {
        orders.push([0]);
        splits.push(0);
        continue;
      }
      if (l % 2 === 0) {
        pairOrder = l === 0 || spec.masks === "alternate" ? parity : Array.from(rng.permutation(d));
        orders.push(pairOrder);
        splits.push(h);
      } else {
        orders.push([...pairOrder.slice(h), ...pairOrder.slice(0, h)]);
        splits.push(d - h);
      }
    }
    this.orders = orders;
    this.splits = splits;
    this.nets = orders.map((_, l) => {
      const a = splits[l] as number;
      const inDim = Math.max(1, a + spec.contextDim);
      const widths = [inDim, ...spec.hidden, 2 * (d - a)];
      return widths.slice(1).map((w, j) => addDense(params, rng, `${prefix}/${l}/${j}`, widths[j] as number, w, j === widths.length - 2));
    });
    this.conditioners = this.nets.map((net) => mlpFused(net, spec.activation));
    const identity = Array.from({ length: d }, (_, i) => i);
    this.toLayer = orders.map((o, l) => new ColumnPermutation(reorderIndices(l === 0 ? identity : (orders[l - 1] as number[]), o)));
    this.fromLayer = orders.map((o, l) => new ColumnPermutation(reorderIndices(o, l === 0 ? identity : (orders[l - 1] as number[]))));
    const last = orders[orders.length - 1] ?? identity;
    this.toIdentity = new ColumnPermutation(reorderIndices(last, identity));
    this.fromIdentity = new ColumnPermutation(reorderIndices(identity, last));
  }

  /** The coupling of layer l on a state in the layer's own column order. */
  private couple(l: number, s: tf.Tensor2D, context: tf.Tensor2D | null, inverse: boolean): LayerOutput {
    const n = s.shape[0];
    const d = this.spec.dim;
    const a = this.splits[l] as number;
    const b = d - a;
    const xa = a > 0 ? tf.slice(s, [0, 0], [n, a]) : null;
    const xb = a > 0 ? tf.slice(s, [0, a], [n, b]) : s;
    const out = (this.conditioners[l] as (x: tf.Tensor2D) => tf.Tensor2D)(conditionerInput([xa, context], n));
    const scale = softClamp(tf.slice(out, [0, 0], [n, b]), this.spec.scaleClamp) as tf.Tensor2D;
    const shift = tf.slice(out, [0, b], [n, b]);
    const yb = inverse ? tf.mul(tf.sub(xb, shift), tf.exp(tf.neg(scale))) : tf.add(tf.mul(xb, tf.exp(scale)), shift);
    const y = (xa ? tf.concat([xa, yb], 1) : yb) as tf.Tensor2D;
    const logDet = tf.sum(scale, 1) as tf.Tensor1D;
    return { y, logDet: inverse ? (tf.neg(logDet) as tf.Tensor1D) : logDet };
  }

  forward(x: tf.Tensor2D, context: tf.Tensor2D | null): { z: tf.Tensor2D; logDet: tf.Tensor1D } {
    checkContext(this.spec, x.shape[0], context);
    let s = x;
    let logDet: tf.Tensor1D = tf.zeros([x.shape[0]]);
    for (let l = 0; l < this.spec.layers; l++) {
      s = (this.toLayer[l] as ColumnPermutation).apply(s);
      const out = this.couple(l, s, context, false);
      s = out.y;
      logDet = tf.add(logDet, out.logDet);
    }
    return { z: this.toIdentity.apply(s), logDet };
  }

  inverse(z: tf.Tensor2D, context: tf.Tensor2D | null): tf.Tensor2D {
    checkContext(this.spec, z.shape[0], context);
    let s = this.fromIdentity.apply(z);
    for (let l = this.spec.layers - 1; l >= 0; l--) {
      s = this.couple(l, s, context, true).y;
      s = (this.fromLayer[l] as ColumnPermutation).apply(s);
    }
    return s;
  }

  forwardLayer(l: number, x: tf.Tensor2D, context: tf.Tensor2D | null): LayerOutput {
    const identity = Array.from({ length: this.spec.dim }, (_, i) => i);
    const order = this.orders[l] as number[];
    const there = new ColumnPermutation(reorderIndices(identity, order));
    const back = new ColumnPermutation(reorderIndices(order, identity));
    try {
      const out = this.couple(l, there.apply(x), context, false);
      return { y: back.apply(out.y), logDet: out.logDet };
    } finally {
      there.dispose();
      back.dispose();
    }
  }

  inverseLayer(l: number, y: tf.Tensor2D, context: tf.Tensor2D | null): tf.Tensor2D {
    const identity = Array.from({ length: this.spec.dim }, (_, i) => i);
    const order = this.orders[l] as number[];
    const there = new ColumnPermutation(reorderIndices(identity, order));
    const back = new ColumnPermutation(reorderIndices(order, identity));
    try {
      return back.apply(this.couple(l, there.apply(y), context, true).y);
    } finally {
      there.dispose();
      back.dispose();
    }
  }

  /** The conditioner weights of layer l (tests read them for the float64 reference). */
  layerNet(l: number): readonly DenseLayer[] {
    return this.nets[l] as DenseLayer[];
  }

  dispose(): void {
    for (const p of [...this.toLayer, ...this.fromLayer, this.toIdentity, this.fromIdentity]) p.dispose();
  }
}

/**
 * Conditional MAF (Papamakarios et al. 2017): layer l is a MADE (Germain et al. 2015) giving
 * μ_i, α_i from the coordinates before i in the layer's order (natural on even layers, reversed on
 * odd ones) and the context, which feeds the first hidden layer unmasked; u = (x − μ)·exp(−α),
 * log|det| = −Σ α, α soft-clamped. The density direction is one pass; the generative direction is
 * sequential: d passes of x ← u·exp(α(x)) + μ(x), exact after d because the map is triangular.
 */
export class MafFlow implements ConditionalFlow {
  readonly spec: Readonly<FlowSpec>;
  /** Degree (1-based position in the autoregressive order) of input coordinate i in layer l. */
  readonly degrees: readonly Int32Array[];
  private readonly nets: DenseLayer[][];
  private readonly mades: ((x: tf.Tensor2D) => tf.Tensor2D)[];

  constructor(spec: FlowSpec, params: ParamSet, rng: Rng, prefix: string) {
    this.spec = spec;
    const d = spec.dim;
    const c = spec.contextDim;
    this.degrees = Array.from({ length: spec.layers }, (_, l) => Int32Array.from({ length: d }, (_, i) => (l % 2 === 0 ? i + 1 : d - i)));
    const hiddenDegrees = spec.hidden.map((w) => Int32Array.from({ length: w }, (_, k) => (d >= 2 ? (k % (d - 1)) + 1 : 0)));
    this.nets = this.degrees.map((deg, l) => {
      const widths = [d + c, ...spec.hidden, 2 * d];
      const layers = widths.slice(1).map((w, j) => addDense(params, rng, `${prefix}/${l}/${j}`, widths[j] as number, w, j === widths.length - 2));
      layers.forEach((layer, j) => {
        const inW = widths[j] as number;
        const outW = widths[j + 1] as number;
        const mask = new Float32Array(inW * outW);
        for (let i = 0; i < inW; i++) {
          for (let k = 0; k < outW; k++) {
            let on: boolean;
            const outDeg = j === layers.length - 1 ? (deg[k % d] as number) : ((hiddenDegrees[j] as Int32Array)[k] as number);
            if (j === 0 && i >= d) on = j < layers.length - 1; // context → first hidden layer only
            else {
              const inDeg = j === 0 ? (deg[i] as number) : ((hiddenDegrees[j - 1] as Int32Array)[i] as number);
              on = j === layers.length - 1 ? outDeg > inDeg : outDeg >= inDeg;
            }
            mask[i * outW + k] = on ? 1 : 0;
          }
        }
        layer.mask = tf.tensor2d(mask, [inW, outW]);
      });
      return layers;
    });
    this.mades = this.nets.map((net) => mlpFused(net, spec.activation));
  }

  private made(l: number, x: tf.Tensor2D, context: tf.Tensor2D | null): { mu: tf.Tensor2D; alpha: tf.Tensor2D } {
    const n = x.shape[0];
    const d = this.spec.dim;
    const input = context && this.spec.contextDim > 0 ? tf.concat([x, context], 1) : x;
    const out = (this.mades[l] as (x: tf.Tensor2D) => tf.Tensor2D)(input as tf.Tensor2D);
    return { mu: tf.slice(out, [0, 0], [n, d]), alpha: softClamp(tf.slice(out, [0, d], [n, d]), this.spec.scaleClamp) as tf.Tensor2D };
  }

  forwardLayer(l: number, x: tf.Tensor2D, context: tf.Tensor2D | null): LayerOutput {
    const { mu, alpha } = this.made(l, x, context);
    return { y: tf.mul(tf.sub(x, mu), tf.exp(tf.neg(alpha))), logDet: tf.neg(tf.sum(alpha, 1)) as tf.Tensor1D };
  }

  /**
   * The generative direction of layer l, coordinate by coordinate in the layer's order. The first
   * hidden layer's pre-activation is updated by one rank-1 product per new coordinate, and only
   * the two outputs (μ_i, α_i) of that coordinate are computed, so a step costs O(n·H) for a
   * one-hidden-layer MADE instead of a full pass (d full passes would be ~10³× the work at
   * MNIST size). The same arithmetic as {@link MafFlow.forwardLayer} up to float32 summation order.
   */
  inverseLayer(l: number, u: tf.Tensor2D, context: tf.Tensor2D | null): tf.Tensor2D {
    const d = this.spec.dim;
    const net = this.nets[l] as DenseLayer[];
    const first = net[0] as DenseLayer;
    const last = net[net.length - 1] as DenseLayer;
    const deg = this.degrees[l] as Int32Array;
    const byDegree = Array.from({ length: d }, (_, i) => i).sort((a, b) => (deg[a] as number) - (deg[b] as number));
    return tf.tidy(() => {
      const n = u.shape[0];
      const w1 = tf.mul(first.w, first.mask as tf.Tensor2D) as tf.Tensor2D;
      const wOut = tf.mul(last.w, last.mask as tf.Tensor2D) as tf.Tensor2D;
      const w1x = tf.slice(w1, [0, 0], [d, -1]);
      // x = 0 at the start: the first layer sees only the context and its bias
      let pre: tf.Tensor2D = context && this.spec.contextDim > 0 ? tf.add(tf.matMul(context, tf.slice(w1, [d, 0], [-1, -1])), first.b) : tf.add(tf.zeros([n, w1.shape[1]]), first.b);
      const columns: tf.Tensor2D[] = new Array(d);
      for (const i of byDegree) {
        const next = tf.tidy(() => {
          let h: tf.Tensor2D = activate(pre, this.spec.activation);
          for (let j = 1; j < net.length - 1; j++) h = dense(h, net[j] as DenseLayer, this.spec.activation);
          const cols = tf.concat([tf.slice(wOut, [0, i], [-1, 1]), tf.slice(wOut, [0, d + i], [-1, 1])], 1);
          const bias = tf.concat([tf.slice(last.b, [i], [1]), tf.slice(last.b, [d + i], [1])]);
          const out = tf.add(tf.matMul(h, cols), bias);
          const alpha = softClamp(tf.slice(out, [0, 1], [n, 1]), this.spec.scaleClamp);
          const xi = tf.add(tf.mul(tf.slice(u, [0, i], [n, 1]), tf.exp(alpha)), tf.slice(out, [0, 0], [n, 1])) as tf.Tensor2D;
          return { xi, pre: tf.add(pre, tf.matMul(xi, tf.slice(w1x, [i, 0], [1, -1]))) as tf.Tensor2D };
        });
        columns[i] = next.xi;
        pre.dispose();
        pre = next.pre;
      }
      return tf.concat(columns, 1) as tf.Tensor2D;
    });
  }

  forward(x: tf.Tensor2D, context: tf.Tensor2D | null): { z: tf.Tensor2D; logDet: tf.Tensor1D } {
    checkContext(this.spec, x.shape[0], context);
    let s = x;
    let logDet: tf.Tensor1D = tf.zeros([x.shape[0]]);
    for (let l = 0; l < this.spec.layers; l++) {
      const out = this.forwardLayer(l, s, context);
      s = out.y;
      logDet = tf.add(logDet, out.logDet);
    }
    return { z: s, logDet };
  }

  inverse(z: tf.Tensor2D, context: tf.Tensor2D | null): tf.Tensor2D {
    checkContext(this.spec, z.shape[0], context);
    let s = z;
    for (let l = this.spec.layers - 1; l >= 0; l--) {
      const next = this.inverseLayer(l, s, context);
      if (s !== z) s.dispose();
      s = next;
    }
    return s;
  }

  /** The MADE weights (masks attached) of layer l. */
  layerNet(l: number): readonly DenseLayer[] {
    return this.nets[l] as DenseLayer[];
  }

  dispose(): void {
    for (const net of this.nets) for (const layer of net) layer.mask?.dispose();
  }
}

/** Build the flow of `spec`, its weights registered in `params` under `prefix`. */
export function buildFlow(spec: FlowSpec, params: ParamSet, rng: Rng, prefix = "flow"): ConditionalFlow {
  return spec.kind === "realnvp" ? new RealNvpFlow(spec, params, rng, prefix) : new MafFlow(spec, params, rng, prefix);
}

/** log N(z; 0, I) per row. */
export function standardNormalLogDensity(z: tf.Tensor2D): tf.Tensor1D {
  const d = z.shape[1];
  return tf.sub(tf.mul(tf.sum(tf.square(z), 1), -0.5), 0.5 * d * Math.log(2 * Math.PI)) as tf.Tensor1D;
}
