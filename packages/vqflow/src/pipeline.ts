/**
 * The tensor pipeline of a VQ-Flow, kept out of the class so that the class carries only the public
 * API: the data transform and standardisation, the pair log-densities of eq. (2), the chart maps,
 * membership and the batched evaluation. Internal to the package.
 */
import * as tf from "@tensorflow/tfjs";
import { AtlasError, InvalidArgumentError, checkInteger } from "@atlas/core";
import { pairLayout, segmentLogSumExp, singleChartLayout, type PairLayout } from "./charts.js";
import { readRows, rowsTensor, type Rows } from "./data.js";
import { standardNormalLogDensity } from "./flows.js";
import type { VqFlow } from "./model.js";

/** Largest batch of the evaluation methods. */
export const MAX_BATCH = 65_536;

/** Every trainable variable of stage 2: the flow, the embedding, learned chart logits. */
export function flowVariables(m: VqFlow): tf.Variable[] {
  const vars = [...m.params.list("flow/"), ...m.params.list("embedding/")];
  if (m.chartLogits && m.config.chartWeights === "learned") vars.push(m.chartLogits);
  return vars;
}

/** Throws when the model is disposed or stage 2 has not run. */
export function requireTrained(m: VqFlow, what: string): void {
  requireAlive(m);
  if (m.state.stage2Epochs === 0) {
    throw new AtlasError("NOT_TRAINED", `model: ${what} needs a trained VQ-Flow, and this one's flows are untrained (stage 2 has not run); call trainVqFlow(model, data) first`);
  }
}

/** */
export function requireAlive(m: VqFlow): void {
  if (m.isDisposed) throw new InvalidArgumentError("model", "the VqFlow is disposed");
}

/** Throws unless the charts exist (stage 1 has run, or K = 1). */
export function requireCharts(m: VqFlow, what: string): void {
  requireAlive(m);
  if (m.charts > 1 && m.state.stage1Epochs === 0) {
    throw new AtlasError("NOT_TRAINED", `model: ${what} needs the chart centres, and stage 1 (the VQ autoencoder) has not run; call trainVqFlow(model, data) first`);
  }
}

export function batchSizeOf(m: VqFlow, name: string, value: unknown): number {
  const fallback = m.dataShape.length === 3 ? 256 : 4096;
  return value === undefined ? fallback : checkInteger(name, value, { min: 1, max: MAX_BATCH });
}

/** Read and check data for this model (shape, finiteness, [0, 1] for the logit transform). */
export function readData(m: VqFlow, name: string, data: unknown, minRows = 1): Promise<Rows> {
  return readRows(name, data, m.dataShape, { unit: m.config.transform === "logit" }, minRows);
}

/** The data transform t and the standardisation: y and log|det ∂y/∂x| per row. */
export function preprocess(m: VqFlow, x: tf.Tensor2D): { y: tf.Tensor2D; logDet: tf.Tensor1D } {
  let y = x;
  let logDet: tf.Tensor1D = tf.zeros([x.shape[0]]);
  if (m.config.transform === "logit") {
    const a = m.config.logitAlpha;
    const s = tf.add(tf.mul(x, 1 - 2 * a), a);
    y = tf.sub(tf.log(s), tf.log1p(tf.neg(s)));
    // dy/dx = (1 − 2α) / (s (1 − s))
    logDet = tf.sub(tf.mul(tf.onesLike(logDet), m.dataDim * Math.log(1 - 2 * a)), tf.sum(tf.add(tf.log(s), tf.log1p(tf.neg(s))), 1));
  }
  y = tf.mul(tf.sub(y, m.dataShift), tf.exp(tf.neg(m.dataLogScale)));
  // with an embedding (d < D) the scale is one number σ (a similarity keeps the charts conformal)
  // and the density on the d-dimensional manifold changes by σ^−d, not σ^−D
  const volume = m.embedding ? m.latentDim / m.dataDim : 1;
  logDet = tf.sub(logDet, tf.mul(tf.sum(m.dataLogScale), volume));
  return { y, logDet };
}

/** Inverse of {@link preprocess}. */
export function postprocess(m: VqFlow, y: tf.Tensor2D): tf.Tensor2D {
  let x = tf.add(tf.mul(y, tf.exp(m.dataLogScale)), m.dataShift) as tf.Tensor2D;
  if (m.config.transform === "logit") {
    const a = m.config.logitAlpha;
    x = tf.div(tf.sub(tf.sigmoid(x), a), 1 - 2 * a);
  }
  return x;
}

/** log p_k, `[K]` (zero for one chart). */
export function logChartWeights(m: VqFlow): tf.Tensor1D {
  return m.chartLogits ? (tf.logSoftmax(m.chartLogits) as tf.Tensor1D) : tf.zeros([1]);
}

/** Context vectors (the chart centres v_k) of the pairs; null for one chart. */
export function contexts(m: VqFlow, charts: tf.Tensor1D): tf.Tensor2D | null {
  return m.autoencoder ? (tf.gather(m.autoencoder.codebook, charts) as tf.Tensor2D) : null;
}

/**
 * @internal Per (point, chart) pair with preprocessed point y: log p_k + log q(f_k(y)) +
 * log|det ∂f_k/∂y| (flow and embedding terms), the summand of eq. (2) in logs. Chart-dependent
 * trainable parameters are selected by one-hot products, so gradients need no gather gradient.
 */
export function pairLogDensity(m: VqFlow, y: tf.Tensor2D, charts: Int32Array, logMassCorrection: tf.Tensor1D | null = null): tf.Tensor1D {
  const P = charts.length;
  const chartT = tf.tensor1d(charts, "int32");
  const oneHot = m.charts > 1 ? (tf.oneHot(chartT, m.charts).toFloat() as tf.Tensor2D) : null;
  let u = y;
  let logDet: tf.Tensor1D = tf.zeros([P]);
  if (m.embedding) {
    const out = m.embedding.inverse(y, m.embedding.select(oneHot, P));
    u = out.u;
    logDet = out.logDet;
  }
  const flow = m.flow.forward(u, contexts(m, chartT));
  let lp = tf.add(tf.add(standardNormalLogDensity(flow.z), flow.logDet), logDet) as tf.Tensor1D;
  if (oneHot) lp = tf.add(lp, tf.reshape(tf.matMul(oneHot, tf.reshape(logChartWeights(m), [m.charts, 1])), [P]));
  if (logMassCorrection) lp = tf.sub(lp, tf.gather(logMassCorrection, chartT));
  return lp;
}

/** f_k of preprocessed pairs: the latent z. */
export function pairLatent(m: VqFlow, y: tf.Tensor2D, charts: Int32Array): tf.Tensor2D {
  const chartT = tf.tensor1d(charts, "int32");
  const oneHot = m.charts > 1 ? (tf.oneHot(chartT, m.charts).toFloat() as tf.Tensor2D) : null;
  const u = m.embedding ? m.embedding.inverse(y, m.embedding.select(oneHot, charts.length)).u : y;
  return m.flow.forward(u, contexts(m, chartT)).z;
}

/** g_k of latents, as flat data rows `[P, D]`. */
export function generate(m: VqFlow, z: tf.Tensor2D, charts: Int32Array): tf.Tensor2D {
  const chartT = tf.tensor1d(charts, "int32");
  const oneHot = m.charts > 1 ? (tf.oneHot(chartT, m.charts).toFloat() as tf.Tensor2D) : null;
  const u = m.flow.inverse(z, contexts(m, chartT));
  const y = m.embedding ? m.embedding.forward(u, m.embedding.select(oneHot, charts.length)) : u;
  return postprocess(m, y);
}

/** Chart membership `[n, K]` of flat rows (all true for one chart). */
export function membership(m: VqFlow, x: tf.Tensor2D): tf.Tensor2D {
  if (!m.autoencoder) return tf.tidy(() => tf.ones([x.shape[0], 1], "bool") as tf.Tensor2D);
  return m.autoencoder.membership(x, m.config.overlap, m.config.epsilon);
}

/** The pair layout of a batch (one read of its membership). */
export async function layoutOf(m: VqFlow, x: tf.Tensor2D): Promise<PairLayout> {
  if (!m.autoencoder) return singleChartLayout(x.shape[0]);
  const member = membership(m, x);
  try {
    return pairLayout(await member.data(), x.shape[0], m.charts);
  } finally {
    member.dispose();
  }
}

export function logMass(m: VqFlow, normalized: boolean): tf.Tensor1D | null {
  if (!normalized) return null;
  const mass = m.state.chartMass;
  if (!mass) throw new InvalidArgumentError("options.normalized", "the normalised density needs the chart masses M_k: call model.measureChartMass() first");
  return tf.tensor1d(mass.map((m) => Math.log(Math.max(m, 1e-30))));
}

/** `VqFlow.logProb` of validated rows. */
export async function logProbRows(m: VqFlow, rows: Rows, batchSize: number, normalized = false): Promise<Float32Array> {
  const out = new Float32Array(rows.n);
  const correction = logMass(m, normalized);
  try {
    for (let start = 0; start < rows.n; start += batchSize) {
      const end = Math.min(rows.n, start + batchSize);
      const xb = rowsTensor(rows, start, end);
      try {
        const layout = await layoutOf(m, xb);
        const result = tf.tidy(() => {
          const { y, logDet } = preprocess(m, xb);
          const yPairs = tf.gather(y, tf.tensor1d(layout.pairPoint, "int32"));
          const lse = segmentLogSumExp(pairLogDensity(m, yPairs, layout.pairChart, correction), layout);
          return tf.add(lse, tf.gather(logDet, tf.tensor1d(layout.order, "int32")));
        });
        const values = await result.data();
        result.dispose();
        for (let j = 0; j < layout.n; j++) out[start + (layout.order[j] as number)] = values[j] as number;
      } finally {
        xb.dispose();
      }
    }
  } finally {
    correction?.dispose();
  }
  return out;
}

/** g_k(z) for host latents and charts, batched; flat rows. */
export async function generateRows(m: VqFlow, z: Float32Array, charts: Int32Array, batchSize: number): Promise<Float32Array> {
  const d = m.latentDim;
  const D = m.dataDim;
  const out = new Float32Array(charts.length * D);
  for (let start = 0; start < charts.length; start += batchSize) {
    const end = Math.min(charts.length, start + batchSize);
    const x = tf.tidy(() => generate(m, tf.tensor2d(z.subarray(start * d, end * d), [end - start, d]), charts.subarray(start, end)));
    out.set(await x.data(), start * D);
    x.dispose();
  }
  return out;
}

/** Whether each row lies in its own chart (membership read in batches). */
export async function inOwnChart(m: VqFlow, x: Float32Array, charts: Int32Array, batchSize: number): Promise<Uint8Array> {
  const inside = new Uint8Array(charts.length).fill(1);
  if (!m.autoencoder) return inside;
  const D = m.dataDim;
  const K = m.charts;
  for (let start = 0; start < charts.length; start += batchSize) {
    const end = Math.min(charts.length, start + batchSize);
    const member = tf.tidy(() => membership(m, tf.tensor2d(x.subarray(start * D, end * D), [end - start, D])));
    const values = await member.data();
    member.dispose();
    for (let i = start; i < end; i++) inside[i] = values[(i - start) * K + (charts[i] as number)] ? 1 : 0;
  }
  return inside;
}
