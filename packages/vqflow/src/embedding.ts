/**
 * The conformal dimension-raising map of each chart (VQFLOW-SPEC §3, after Ross & Cresswell's
 * conformal embedding flows): c_k(u) = a_k + s_k·Q_k[u; 0] from R^d to R^D, Q_k orthogonal as a
 * product of d Householder reflections H(w) = I − 2wwᵀ/‖w‖², s_k = exp(log s_k) > 0. Then
 * JᵀJ = s_k²·I_d, so ½·log det(JᵀJ) = d·log s_k, and the pseudo-inverse is
 * c_k†(x) = (Q_kᵀ(x − a_k)/s_k)_{1:d}. Parameters are per chart; a batch of (point, chart) pairs
 * selects them with a one-hot matrix product, which is differentiable on every backend.
 */
import * as tf from "@tensorflow/tfjs";
import type { Rng } from "@atlas/core";
import type { ParamSet } from "./params.js";

/** The parameters of the charts of a batch of pairs. */
export interface EmbeddingSelection {
  offset: tf.Tensor2D;
  logScale: tf.Tensor2D;
  reflectors: tf.Tensor2D[];
}

export class ConformalEmbedding {
  readonly charts: number;
  readonly latentDim: number;
  readonly dataDim: number;
  readonly offset: tf.Variable;
  readonly logScale: tf.Variable;
  /** `[K, d·D]`: row k holds w_{k,1} … w_{k,d}. */
  readonly reflectors: tf.Variable;

  constructor(charts: number, latentDim: number, dataDim: number, params: ParamSet, rng: Rng, prefix = "embedding") {
    this.charts = charts;
    this.latentDim = latentDim;
    this.dataDim = dataDim;
    this.offset = params.add(`${prefix}/offset`, new Float32Array(charts * dataDim), [charts, dataDim]);
    this.logScale = params.add(`${prefix}/logScale`, new Float32Array(charts), [charts, 1]);
    this.reflectors = params.add(`${prefix}/reflectors`, rng.normalArray(charts * latentDim * dataDim), [charts, latentDim * dataDim]);
  }

  /** The chart parameters of each pair: `oneHot` is `[P, K]` (null: every pair in chart 0 of a one-chart model). */
  select(oneHot: tf.Tensor2D | null, pairs: number): EmbeddingSelection {
    // one chart: the parameters' single row broadcasts over the pairs
    const pick = (v: tf.Tensor2D): tf.Tensor2D => (oneHot ? tf.matMul(oneHot, v) : v);
    const rows = oneHot ? pairs : 1;
    const w = pick(this.reflectors as tf.Tensor2D);
    const D = this.dataDim;
    const reflectors = Array.from({ length: this.latentDim }, (_, j) => tf.slice(w, [0, j * D], [rows, D]));
    return { offset: pick(this.offset as tf.Tensor2D), logScale: pick(this.logScale as tf.Tensor2D), reflectors };
  }

  /** c_k†(x) and its log-determinant term −d·log s_k per pair. */
  inverse(x: tf.Tensor2D, sel: EmbeddingSelection): { u: tf.Tensor2D; logDet: tf.Tensor1D } {
    let y = tf.mul(tf.sub(x, sel.offset), tf.exp(tf.neg(sel.logScale))) as tf.Tensor2D;
    for (const w of sel.reflectors) y = reflect(y, w); // Qᵀ = H_d ⋯ H_1: H_1 acts first
    const u = tf.slice(y, [0, 0], [x.shape[0], this.latentDim]);
    const logDet = tf.mul(tf.reshape(sel.logScale, [-1]), -this.latentDim) as tf.Tensor1D;
    return { u, logDet: logDet.shape[0] === x.shape[0] ? logDet : (tf.tile(logDet, [x.shape[0]]) as tf.Tensor1D) };
  }

  /** c_k(u) = a_k + s_k·Q_k[u; 0]. */
  forward(u: tf.Tensor2D, sel: EmbeddingSelection): tf.Tensor2D {
    // (offset and scale broadcast when they are one chart's single row)
    let y = (this.dataDim > this.latentDim ? tf.pad(u, [[0, 0], [0, this.dataDim - this.latentDim]]) : u) as tf.Tensor2D;
    for (let j = sel.reflectors.length - 1; j >= 0; j--) y = reflect(y, sel.reflectors[j] as tf.Tensor2D); // Q = H_1 ⋯ H_d
    return tf.add(sel.offset, tf.mul(y, tf.exp(sel.logScale)));
  }
}

/** H(w)·y row by row: y − 2 (y·w)/(w·w) w. */
function reflect(y: tf.Tensor2D, w: tf.Tensor2D): tf.Tensor2D {
  const coef = tf.div(tf.sum(tf.mul(y, w), 1, true), tf.sum(tf.square(w), 1, true));
  return tf.sub(y, tf.mul(tf.mul(coef, 2), w));
}
