/**
 * Float64 evaluation of a whole VQ-Flow from its weights, written from eq. (2) and VQFLOW-SPEC
 * §2–4 for the tests (independent of the tfjs pipeline; only E(x), the autoencoder's encoder — a
 * feature map, not part of the density arithmetic — is taken from tfjs).
 */
import * as tf from "@tensorflow/tfjs";
import { MafFlow, RealNvpFlow } from "./flows.js";
import type { VqFlow } from "./model.js";
import { embed64, logNormal64, mafLayer64, readNet, realNvpLayer64, testRandom } from "./reference.test.util.js";

type Layer64 = (x: number[], c: number[], inverse?: boolean) => { y: number[]; logDet: number };

export interface Model64 {
  /** Forward f of the flow (x → z) with context c. */
  flow(x: number[], c: number[]): { z: number[]; logDet: number };
  /** Inverse g of the flow. */
  flowInverse(z: number[], c: number[]): number[];
  shift: number[];
  logScale: number[];
  centres: number[][];
  logWeights: number[];
  embedding: { offset: number[][]; logScale: number[]; reflectors: number[][][] } | null;
  /** Chart centre of chart k as context (empty for one chart). */
  context(k: number): number[];
}

export async function readModel(model: VqFlow): Promise<Model64> {
  const f = model.flow;
  const layers: Layer64[] = [];
  for (let l = 0; l < f.spec.layers; l++) {
    if (f instanceof RealNvpFlow) {
      const net = await readNet(f.layerNet(l));
      layers.push((x, c, inv = false) => realNvpLayer64(x, c, net, f.orders[l] as number[], f.splits[l] as number, f.spec.scaleClamp, f.spec.activation, inv));
    } else {
      const maf = f as MafFlow;
      const net = await readNet(maf.layerNet(l));
      layers.push((x, c, inv = false) => mafLayer64(x, c, net, maf.degrees[l] as Int32Array, f.spec.scaleClamp, f.spec.activation, inv));
    }
  }
  const K = model.charts;
  const centres = model.autoencoder ? ((await model.autoencoder.codebook.array()) as number[][]) : [[]];
  const logits = model.chartLogits ? Array.from(await model.chartLogits.data()) : [0];
  const max = Math.max(...logits);
  const lse = max + Math.log(logits.reduce((s, v) => s + Math.exp(v - max), 0));
  let embedding: Model64["embedding"] = null;
  if (model.embedding) {
    const e = model.embedding;
    const refl = (await e.reflectors.array()) as number[][];
    const D = e.dataDim;
    embedding = {
      offset: (await e.offset.array()) as number[][],
      logScale: ((await e.logScale.array()) as number[][]).map((r) => r[0] as number),
      reflectors: refl.map((row) => Array.from({ length: e.latentDim }, (_, j) => row.slice(j * D, (j + 1) * D))),
    };
  }
  return {
    flow: (x, c) => {
      let s = x;
      let logDet = 0;
      for (const layer of layers) {
        const o = layer(s, c);
        s = o.y;
        logDet += o.logDet;
      }
      return { z: s, logDet };
    },
    flowInverse: (z, c) => {
      let s = z;
      for (let l = layers.length - 1; l >= 0; l--) s = (layers[l] as Layer64)(s, c, true).y;
      return s;
    },
    shift: Array.from(await model.dataShift.data()),
    logScale: Array.from(await model.dataLogScale.data()),
    centres,
    logWeights: logits.map((v) => v - lse),
    embedding,
    context: (k) => (K > 1 ? (centres[k] as number[]) : []),
  };
}

/** Pseudo-inverse of the chart's embedding: (Qᵀ(y − a)/s)_{1:d}. */
export function embedInverse64(y: readonly number[], offset: readonly number[], logScale: number, reflectors: readonly (readonly number[])[]): number[] {
  let v = y.map((t, i) => (t - (offset[i] as number)) * Math.exp(-logScale));
  for (const w of reflectors) {
    const vw = v.reduce((s, t, i) => s + t * (w[i] as number), 0);
    const ww = w.reduce((s, t) => s + t * t, 0);
    v = v.map((t, i) => t - (2 * vw * (w[i] as number)) / ww);
  }
  return v.slice(0, reflectors.length);
}

/** The summand of eq. (2) in logs for chart k at a standardised point y (vector models, no logit). */
export function chartLogDensity64(m: Model64, y: readonly number[], k: number): number {
  let u = [...y];
  let ld = 0;
  if (m.embedding) {
    const e = m.embedding;
    u = embedInverse64(y, e.offset[k] as number[], e.logScale[k] as number, e.reflectors[k] as number[][]);
    ld -= u.length * (e.logScale[k] as number);
  }
  const { z, logDet } = m.flow(u, m.context(k));
  return (m.logWeights[k] as number) + logNormal64(z) + logDet + ld;
}

/** y = (x − shift)·e^{−logScale} and its log-determinant. */
export function standardize64(m: Model64, x: readonly number[]): { y: number[]; logDet: number } {
  return { y: x.map((v, i) => (v - (m.shift[i] as number)) * Math.exp(-(m.logScale[i] as number))), logDet: -m.logScale.reduce((s, v) => s + v, 0) };
}

/** g_k(u) as data (vector models): flow inverse, embedding, un-standardisation. */
export function generate64(m: Model64, u: readonly number[], k: number): number[] {
  let y = m.flowInverse([...u], m.context(k));
  if (m.embedding) {
    const e = m.embedding;
    y = embed64(y, e.offset[k] as number[], e.logScale[k] as number, e.reflectors[k] as number[][]);
  }
  return y.map((v, i) => v * Math.exp(m.logScale[i] as number) + (m.shift[i] as number));
}

/** Set every variable whose name starts with one of `prefixes` to U(±scale·√3) values from `seed`. */
export function randomize(model: VqFlow, prefixes: readonly string[], seed: number, scale = 0.3): void {
  const r = testRandom(seed);
  for (const [name, v] of model.params.entries()) {
    if (!prefixes.some((p) => name.startsWith(p))) continue;
    v.assign(tf.tensor(Float32Array.from({ length: v.size }, () => (r() * 2 - 1) * scale * Math.sqrt(3)), v.shape));
  }
}
