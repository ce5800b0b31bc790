/**
 * An independent float64 implementation of the flows, the embedding and the Jacobian arithmetic,
 * written from the definitions (VQFLOW-SPEC §3–4) for the tests: plain JavaScript numbers, no
 * tfjs. Weights are read from the model once (`await data()`); everything else is recomputed here.
 */
import type { DenseLayer, FlowActivation } from "./params.js";

export interface RefDense {
  w: Float64Array;
  b: Float64Array;
  inDim: number;
  outDim: number;
}

/** Read a network's weights (masks applied) into float64. */
export async function readNet(layers: readonly DenseLayer[]): Promise<RefDense[]> {
  const out: RefDense[] = [];
  for (const l of layers) {
    const [inDim, outDim] = l.w.shape as [number, number];
    const w = Float64Array.from(await l.w.data());
    if (l.mask) {
      const m = await l.mask.data();
      for (let i = 0; i < w.length; i++) w[i] = (w[i] as number) * (m[i] as number);
    }
    out.push({ w, b: Float64Array.from(await l.b.data()), inDim, outDim });
  }
  return out;
}

function act(a: FlowActivation | "linear", v: number): number {
  if (a === "relu") return Math.max(0, v);
  if (a === "tanh") return Math.tanh(v);
  if (a === "elu") return v > 0 ? v : Math.exp(v) - 1;
  if (a === "leakyRelu") return v > 0 ? v : 0.2 * v;
  return v;
}

/** Dense layers, the last one linear. */
export function mlp64(x: readonly number[], net: readonly RefDense[], activation: FlowActivation): number[] {
  let h = [...x];
  net.forEach((l, li) => {
    const out = new Array<number>(l.outDim).fill(0);
    for (let k = 0; k < l.outDim; k++) {
      let s = l.b[k] as number;
      for (let i = 0; i < l.inDim; i++) s += (h[i] as number) * (l.w[i * l.outDim + k] as number);
      out[k] = li === net.length - 1 ? s : act(activation, s);
    }
    h = out;
  });
  return h;
}

const clampOf = (c: number, v: number): number => c * Math.tanh(v / c);

/** One RealNVP coupling on original coordinates: A = order[0:split] conditions B = order[split:]. */
export function realNvpLayer64(
  x: readonly number[],
  ctx: readonly number[],
  net: readonly RefDense[],
  order: readonly number[],
  split: number,
  clamp: number,
  activation: FlowActivation,
  inverse = false,
): { y: number[]; logDet: number } {
  const a = order.slice(0, split).map((i) => x[i] as number);
  let input = [...a, ...ctx];
  if (input.length === 0) input = [0];
  const out = mlp64(input, net, activation);
  const bIdx = order.slice(split);
  const y = [...x];
  let logDet = 0;
  bIdx.forEach((dim, j) => {
    const s = clampOf(clamp, out[j] as number);
    const t = out[bIdx.length + j] as number;
    y[dim] = inverse ? ((x[dim] as number) - t) * Math.exp(-s) : (x[dim] as number) * Math.exp(s) + t;
    logDet += inverse ? -s : s;
  });
  return { y, logDet };
}

/** One MAF layer: u = (x − μ(x)) e^{−α(x)}; inverse by the sequential recursion in the order. */
export function mafLayer64(
  x: readonly number[],
  ctx: readonly number[],
  net: readonly RefDense[],
  degrees: ArrayLike<number>,
  clamp: number,
  activation: FlowActivation,
  inverse = false,
): { y: number[]; logDet: number } {
  const d = x.length;
  const params = (v: readonly number[]): { mu: number[]; alpha: number[] } => {
    const out = mlp64([...v, ...ctx], net, activation);
    return { mu: out.slice(0, d), alpha: out.slice(d, 2 * d).map((a) => clampOf(clamp, a)) };
  };
  if (!inverse) {
    const { mu, alpha } = params(x);
    return { y: x.map((v, i) => (v - (mu[i] as number)) * Math.exp(-(alpha[i] as number))), logDet: -alpha.reduce((s, v) => s + v, 0) };
  }
  // x_i needs only the coordinates of lower degree: fill them in order of degree
  const byDegree = Array.from({ length: d }, (_, i) => i).sort((i, j) => (degrees[i] as number) - (degrees[j] as number));
  const out = new Array<number>(d).fill(0);
  for (const i of byDegree) {
    const { mu, alpha } = params(out);
    out[i] = (x[i] as number) * Math.exp(alpha[i] as number) + (mu[i] as number);
  }
  return { y: out, logDet: Number.NaN };
}

/** Central finite differences in float64: J[i][j] = ∂f_i/∂x_j. */
export function jacobianFD(f: (x: number[]) => number[], x: readonly number[], h = 1e-6): number[][] {
  const f0 = f([...x]);
  const J = f0.map(() => new Array<number>(x.length).fill(0));
  for (let j = 0; j < x.length; j++) {
    const xp = [...x];
    const xm = [...x];
    xp[j] = (xp[j] as number) + h;
    xm[j] = (xm[j] as number) - h;
    const fp = f(xp);
    const fm = f(xm);
    for (let i = 0; i < f0.length; i++) (J[i] as number[])[j] = ((fp[i] as number) - (fm[i] as number)) / (2 * h);
  }
  return J;
}

/** log|det A| by LU with partial pivoting. */
export function logAbsDet(A: readonly (readonly number[])[]): number {
  const n = A.length;
  const M = A.map((r) => [...r]);
  let s = 0;
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs((M[r] as number[])[c] as number) > Math.abs((M[p] as number[])[c] as number)) p = r;
    [M[c], M[p]] = [M[p] as number[], M[c] as number[]];
    const piv = (M[c] as number[])[c] as number;
    s += Math.log(Math.abs(piv));
    for (let r = c + 1; r < n; r++) {
      const f = ((M[r] as number[])[c] as number) / piv;
      for (let k = c; k < n; k++) (M[r] as number[])[k] = ((M[r] as number[])[k] as number) - f * ((M[c] as number[])[k] as number);
    }
  }
  return s;
}

/** ½·log det(JᵀJ) of a D×d Jacobian. */
export function halfLogDetGram(J: readonly (readonly number[])[]): number {
  const d = (J[0] as readonly number[]).length;
  const G = Array.from({ length: d }, (_, a) => Array.from({ length: d }, (_, b) => J.reduce((s, row) => s + (row[a] as number) * (row[b] as number), 0)));
  return 0.5 * logAbsDet(G);
}

/** c(u) = a + e^{logS}·H_1⋯H_d [u; 0] (Householder H(w) = I − 2wwᵀ/‖w‖²). */
export function embed64(u: readonly number[], offset: readonly number[], logScale: number, reflectors: readonly (readonly number[])[]): number[] {
  const D = offset.length;
  let y = [...u, ...new Array<number>(D - u.length).fill(0)];
  for (let j = reflectors.length - 1; j >= 0; j--) {
    const w = reflectors[j] as readonly number[];
    const yw = y.reduce((s, v, i) => s + v * (w[i] as number), 0);
    const ww = w.reduce((s, v) => s + v * v, 0);
    y = y.map((v, i) => v - (2 * yw * (w[i] as number)) / ww);
  }
  return y.map((v, i) => (offset[i] as number) + Math.exp(logScale) * v);
}

/** log N(z; 0, I). */
export function logNormal64(z: readonly number[]): number {
  return -0.5 * z.reduce((s, v) => s + v * v, 0) - 0.5 * z.length * Math.log(2 * Math.PI);
}

/** A small seeded stream for test values (mulberry32). */
export function testRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
