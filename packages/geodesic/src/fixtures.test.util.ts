/**
 * Hand-built atlas models with known geodesics, for tests (not exported from the package).
 */
import * as tf from "@tensorflow/tfjs";
import { Rng, type AtlasModel } from "@atlas/core";

/**
 * One chart onto the unit sphere S² ⊂ R³ by the inverse stereographic projection from the north
 * pole: G(u, v) = (2u, 2v, u² + v² − 1) / (1 + u² + v²); F(x) = (x₁, x₂) / (1 − x₃); ψ ≡ 1.
 * G∘F is the identity on S² minus the north pole, so graph lengths compare with great circles.
 */
export function sphereModel(): AtlasModel {
  return {
    charts: 1,
    latentDim: 2,
    dataShape: [3],
    partition: (x) => tf.ones([x.shape[0] as number, 1]),
    encode: (x) =>
      tf.tidy(() => {
        const p = tf.reshape(x, [-1, 3]);
        const xy = tf.slice(p, [0, 0], [-1, 2]);
        const z = tf.slice(p, [0, 2], [-1, 1]);
        return tf.div(xy, tf.sub(1, z)) as tf.Tensor2D;
      }),
    decode: (z) =>
      tf.tidy(() => {
        const s = tf.sum(tf.square(z), 1, true);
        const den = tf.add(1, s);
        return tf.concat([tf.div(tf.mul(2, z), den), tf.div(tf.sub(s, 1), den)], 1);
      }),
  };
}

/** N points uniform on the sphere with x₃ ≤ zMax, row-major [N, 3]. */
export function spherePoints(n: number, zMax: number, seed: number): number[][] {
  const rng = new Rng(seed);
  const out: number[][] = [];
  while (out.length < n) {
    const a = rng.normal();
    const b = rng.normal();
    const c = rng.normal();
    const r = Math.hypot(a, b, c);
    if (r === 0 || c / r > zMax) continue;
    out.push([a / r, b / r, c / r]);
  }
  return out;
}

/** Great-circle distance between unit vectors. */
export function greatCircle(p: readonly number[], q: readonly number[]): number {
  const dot = (p[0] as number) * (q[0] as number) + (p[1] as number) * (q[1] as number) + (p[2] as number) * (q[2] as number);
  return Math.acos(Math.min(1, Math.max(-1, dot)));
}

/**
 * A two-chart atlas of the unit circle S¹ ⊂ R² (explicit F_y, G_y, ψ):
 * chart 0: z = θ ∈ (−π, π), G_0(z) = (cos z, sin z), F_0(x) = atan2(x₂, x₁);
 * chart 1: z = θ − π, G_1(z) = (−cos z, −sin z), F_1(x) = atan2(−x₂, −x₁);
 * ψ_0(x) = (1 + x₁)/2, ψ_1(x) = (1 − x₁)/2. With ε = 0.15, U_0 = {cos θ > −0.7} (|θ| < 134.4°)
 * and U_1 = {cos θ < 0.7} (|θ| > 45.6°): each chart is an arc on which its F is continuous,
 * and they overlap in two arcs. A route from θ ≈ 0 to θ ≈ π must change chart.
 */
export function circleAtlas(): AtlasModel {
  return {
    charts: 2,
    latentDim: 1,
    dataShape: [2],
    partition: (x) =>
      tf.tidy(() => {
        const c = tf.slice(tf.reshape(x, [-1, 2]), [0, 0], [-1, 1]);
        return tf.concat([tf.div(tf.add(1, c), 2), tf.div(tf.sub(1, c), 2)], 1) as tf.Tensor2D;
      }),
    encode: (x, chart) =>
      tf.tidy(() => {
        const p = tf.reshape(x, [-1, 2]);
        const s = chart === 0 ? 1 : -1;
        const c = tf.mul(s, tf.slice(p, [0, 0], [-1, 1]));
        const sn = tf.mul(s, tf.slice(p, [0, 1], [-1, 1]));
        return tf.atan2(sn, c) as tf.Tensor2D;
      }),
    decode: (z, chart) =>
      tf.tidy(() => {
        const s = chart === 0 ? 1 : -1;
        return tf.mul(s, tf.concat([tf.cos(z), tf.sin(z)], 1));
      }),
  };
}

/** Points at the given angles on the unit circle. */
export function circlePoints(angles: readonly number[]): number[][] {
  return angles.map((t) => [Math.cos(t), Math.sin(t)]);
}

/** One chart, linear decoder G(z) = A z + b (A: D × d), F(x) = A⁺(x − b) by least squares. */
export function linearModel(A: number[][], b: number[]): AtlasModel {
  const D = A.length;
  const d = (A[0] as number[]).length;
  const At = tf.tensor2d(A); // [D, d]
  // AᵀA [d, d] in JS (d ≤ 3 in tests), inverted by Gauss–Jordan
  const AtA = Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => A.reduce((s, row) => s + row[i]! * row[j]!, 0)));
  const pinv = tf.tidy(() => tf.matMul(tf.tensor2d(invert(AtA)), At, false, true)); // [d, D]
  const bias = tf.tensor1d(b);
  return {
    charts: 1,
    latentDim: d,
    dataShape: [D],
    partition: (x) => tf.ones([x.shape[0] as number, 1]),
    encode: (x) => tf.tidy(() => tf.matMul(tf.sub(tf.reshape(x, [-1, D]), bias), pinv, false, true) as tf.Tensor2D),
    decode: (z) => tf.tidy(() => tf.add(tf.matMul(z, At, false, true), bias)),
  };
}

function invert(m: number[][]): number[][] {
  const n = m.length;
  const a = m.map((row, i) => [...row, ...Array.from({ length: n }, (_, j) => (i === j ? 1 : 0))]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r]![c]!) > Math.abs(a[p]![c]!)) p = r;
    [a[c], a[p]] = [a[p]!, a[c]!];
    const pv = a[c]![c]!;
    for (let j = 0; j < 2 * n; j++) a[c]![j]! /= pv;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = a[r]![c]!;
      for (let j = 0; j < 2 * n; j++) a[r]![j]! -= f * a[c]![j]!;
    }
  }
  return a.map((row) => row.slice(n));
}
