import * as tf from "@tensorflow/tfjs";
import type { AtlasModel } from "@atlas/core";

/** Time spent in the decoder versus the arithmetic around it, accumulated over calls. */
export interface DecodeClock {
  decoderMs: number;
  arithmeticMs: number;
}

/**
 * Decoded curve lengths of straight latent segments in one chart (AGM paper eq. 10):
 * L̂ = Σ_{i<n} ‖G(z(t_i)) − G(z(t_{i+1}))‖₂, z(t) = (1 − t)·a + t·b, t_i = i/n.
 *
 * The points of many segments go through the decoder in one call (`pointsPerCall` points, i.e.
 * ⌊pointsPerCall / (n + 1)⌋ segments); never one segment at a time.
 *
 * @param a segment starts, row-major `[E, d]`
 * @param b segment ends, row-major `[E, d]`
 * @param subLengths when given (length E·n), receives every sub-segment's length
 * @returns the E curve lengths
 */
export async function decodedCurveLengths(
  model: AtlasModel,
  chart: number,
  a: Float32Array,
  b: Float32Array,
  dim: number,
  steps: number,
  pointsPerCall: number,
  clock?: DecodeClock,
  subLengths?: Float32Array,
): Promise<Float64Array> {
  const E = a.length / dim;
  const out = new Float64Array(E);
  const per = steps + 1;
  const chunk = Math.max(1, Math.floor(pointsPerCall / per));
  const buf = new Float32Array(Math.min(chunk, E) * per * dim);
  for (let e0 = 0; e0 < E; e0 += chunk) {
    const ec = Math.min(chunk, E - e0);
    const t0 = performance.now();
    let p = 0;
    for (let e = e0; e < e0 + ec; e++) {
      const o = e * dim;
      for (let i = 0; i <= steps; i++) {
        const t = i / steps;
        const s = 1 - t;
        for (let c = 0; c < dim; c++) buf[p++] = s * (a[o + c] as number) + t * (b[o + c] as number);
      }
    }
    const t1 = performance.now();
    // tidy: the latent batch and the decoder's intermediates go; only the decoded points stay.
    const x = tf.tidy(() => model.decode(tf.tensor2d(buf.subarray(0, ec * per * dim), [ec * per, dim]), chart));
    const t2 = performance.now();
    // Read back and reduce in JS: cheaper here than slicing tensors on the cpu/wasm backends.
    let values: ArrayLike<number>;
    try {
      values = x.dataSync();
    } finally {
      x.dispose();
    }
    const D = values.length / (ec * per);
    const sub = new Float32Array(ec * steps);
    for (let e = 0; e < ec; e++) {
      let sum = 0;
      for (let i = 0; i < steps; i++) {
        const o0 = (e * per + i) * D;
        const o1 = o0 + D;
        let s2 = 0;
        for (let c = 0; c < D; c++) {
          const diff = (values[o1 + c] as number) - (values[o0 + c] as number);
          s2 += diff * diff;
        }
        const len = Math.sqrt(s2);
        sub[e * steps + i] = len;
        sum += len;
      }
      out[e0 + e] = sum;
    }
    if (subLengths) subLengths.set(sub, e0 * steps);
    const t3 = performance.now();
    if (clock) {
      clock.decoderMs += t2 - t1;
      clock.arithmeticMs += t1 - t0 + (t3 - t2);
    }
  }
  return out;
}
