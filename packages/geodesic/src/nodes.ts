import * as tf from "@tensorflow/tfjs";
import { AtlasError, type AtlasModel } from "@atlas/core";

/** The nodes one batch of data points gets in one chart. */
export interface ChartNodes {
  readonly chart: number;
  /** Row of each node's point within the batch. */
  readonly rows: Int32Array;
  /** ψ_y(x) of each node's point. */
  readonly psi: Float32Array;
  /** F_y(x), row-major `[rows.length, d]`. */
  readonly z: Float32Array;
  /** G_y(F_y(x)) flattened, row-major `[rows.length, D]`. */
  readonly decoded: Float32Array;
}

/** Clock of the model calls made while encoding. */
export interface ModelClock {
  encoderMs: number;
  decoderMs: number;
}

/**
 * Partition, encode and decode one batch (paper Algorithm 1, first loop): a point gets a node in
 * chart y when ψ_y(x) > ε, at F_y(x). `forceArgmax` gives a point whose ψ exceeds ε nowhere a node
 * in its most likely chart (used for query ends; the graph build leaves such points out).
 */
export async function encodeBatch(
  model: AtlasModel & { encode: NonNullable<AtlasModel["encode"]> },
  x: tf.Tensor,
  epsilon: number,
  firstRow: number,
  clock: ModelClock,
  forceArgmax = false,
): Promise<ChartNodes[]> {
  const n = x.shape[0] as number;
  const m = model.charts;
  const d = model.latentDim;
  let t = performance.now();
  const psiT = tf.tidy(() => model.partition(x));
  clock.encoderMs += performance.now() - t;
  if (psiT.rank !== 2 || psiT.shape[0] !== n || psiT.shape[1] !== m) {
    const shape = psiT.shape.join(", ");
    psiT.dispose();
    throw new AtlasError("SHAPE_MISMATCH", `model.partition returned shape [${shape}], expected [${n}, ${m}] (one ψ_y per chart)`);
  }
  const psi = await psiT.data();
  psiT.dispose();
  for (let i = 0; i < psi.length; i++) {
    if (!Number.isFinite(psi[i] as number)) {
      throw new AtlasError(
        "INVALID_ARGUMENT",
        `model.partition returned ${psi[i]} for data point ${firstRow + Math.floor(i / m)}, chart ${i % m}: ψ must be finite`,
      );
    }
  }
  const out: ChartNodes[] = [];
  for (let y = 0; y < m; y++) {
    const rowsList: number[] = [];
    for (let i = 0; i < n; i++) {
      const p = psi[i * m + y] as number;
      let take = p > epsilon;
      if (!take && forceArgmax) {
        let best = 0;
        for (let c = 1; c < m; c++) if ((psi[i * m + c] as number) > (psi[i * m + best] as number)) best = c;
        take = best === y;
      }
      if (take) rowsList.push(i);
    }
    if (rowsList.length === 0) continue;
    const rows = Int32Array.from(rowsList);
    const sel = rows.length === n ? x : tf.tidy(() => tf.gather(x, tf.tensor1d(rows, "int32")));
    t = performance.now();
    let zT: tf.Tensor2D | undefined;
    try {
      zT = tf.tidy(() => model.encode(sel, y));
    } finally {
      if (sel !== x && (zT as tf.Tensor | undefined) !== sel) sel.dispose(); // (an encoder may return its input)
    }
    clock.encoderMs += performance.now() - t;
    if (zT.rank !== 2 || zT.shape[0] !== rows.length || zT.shape[1] !== d) {
      const shape = zT.shape.join(", ");
      zT.dispose();
      throw new AtlasError("SHAPE_MISMATCH", `model.encode(x, ${y}) returned shape [${shape}], expected [${rows.length}, ${d}]`);
    }
    t = performance.now();
    let xT: tf.Tensor;
    try {
      xT = tf.tidy(() => model.decode(zT, y));
    } catch (err) {
      zT.dispose();
      throw err;
    }
    clock.decoderMs += performance.now() - t;
    const z = (await zT.data()) as Float32Array;
    const decoded = (await xT.data()) as Float32Array;
    const decodedShape = xT.shape.join(", ");
    zT.dispose();
    xT.dispose();
    const D = model.dataShape.reduce((p, q) => p * q, 1);
    if (decoded.length !== rows.length * D) {
      throw new AtlasError("SHAPE_MISMATCH", `model.decode(z, ${y}) returned shape [${decodedShape}] for ${rows.length} latents, expected [${rows.length}, ${model.dataShape.join(", ")}]`);
    }
    for (let i = 0; i < z.length; i++) {
      if (!Number.isFinite(z[i] as number)) {
        throw new AtlasError(
          "INVALID_ARGUMENT",
          `model.encode(x, ${y}) returned ${z[i]} for data point ${firstRow + (rows[Math.floor(i / d)] as number)}: latents must be finite (NaN latents cannot be placed in the graph)`,
        );
      }
    }
    const ps = new Float32Array(rows.length);
    for (let r = 0; r < rows.length; r++) ps[r] = psi[(rows[r] as number) * m + y] as number;
    out.push({ chart: y, rows, psi: ps, z: Float32Array.from(z), decoded: Float32Array.from(decoded) });
  }
  return out;
}

/**
 * An orthonormal basis Q (r × D rows) of the leading principal directions of some decoded points,
 * by a randomized range finder with two power iterations (float64 Gram–Schmidt). Any orthonormal
 * Q makes ‖Q(x − x')‖ ≤ ‖x − x'‖, which is all the A* heuristic needs; PCA makes it tight.
 * With D ≤ r the identity is returned (the exact decoded distance).
 */
export function projectionBasis(samples: Float32Array, count: number, D: number, r: number, normal: () => number): Float64Array {
  if (D <= r) {
    const q = new Float64Array(D * D);
    for (let i = 0; i < D; i++) q[i * D + i] = 1;
    return q;
  }
  const s = count;
  const mean = new Float64Array(D);
  for (let i = 0; i < s; i++) for (let c = 0; c < D; c++) mean[c] = (mean[c] as number) + (samples[i * D + c] as number) / s;
  const X = new Float64Array(s * D);
  for (let i = 0; i < s; i++) for (let c = 0; c < D; c++) X[i * D + c] = (samples[i * D + c] as number) - (mean[c] as number);
  // Q0 (r × D) random; then Q ← orth((XᵀX) Qᵀ) twice.
  let Q = new Float64Array(r * D);
  for (let i = 0; i < Q.length; i++) Q[i] = normal();
  orthonormalize(Q, r, D);
  for (let it = 0; it < 3; it++) {
    const XQ = new Float64Array(s * r); // X Qᵀ
    for (let i = 0; i < s; i++) {
      for (let j = 0; j < r; j++) {
        let acc = 0;
        for (let c = 0; c < D; c++) acc += (X[i * D + c] as number) * (Q[j * D + c] as number);
        XQ[i * r + j] = acc;
      }
    }
    const next = new Float64Array(r * D); // (Xᵀ XQ)ᵀ
    for (let i = 0; i < s; i++) {
      for (let j = 0; j < r; j++) {
        const v = XQ[i * r + j] as number;
        if (v === 0) continue;
        for (let c = 0; c < D; c++) next[j * D + c] = (next[j * D + c] as number) + v * (X[i * D + c] as number);
      }
    }
    for (let i = 0; i < next.length; i++) next[i] = (next[i] as number) + 1e-12 * (Q[i] as number);
    orthonormalize(next, r, D);
    Q = next;
  }
  return Q;
}

/** Modified Gram–Schmidt on the rows; a row that collapses is replaced by zeros (it bounds nothing). */
function orthonormalize(Q: Float64Array, r: number, D: number): void {
  for (let j = 0; j < r; j++) {
    for (let pass = 0; pass < 2; pass++) {
      for (let i = 0; i < j; i++) {
        let dot = 0;
        for (let c = 0; c < D; c++) dot += (Q[j * D + c] as number) * (Q[i * D + c] as number);
        for (let c = 0; c < D; c++) Q[j * D + c] = (Q[j * D + c] as number) - dot * (Q[i * D + c] as number);
      }
    }
    let norm = 0;
    for (let c = 0; c < D; c++) norm += (Q[j * D + c] as number) ** 2;
    norm = Math.sqrt(norm);
    for (let c = 0; c < D; c++) Q[j * D + c] = norm > 1e-150 ? (Q[j * D + c] as number) / norm : 0;
  }
}

/** Project rows (`count × D`) onto the basis rows (`r × D`): out `count × r`. */
export function project(rows: Float32Array, count: number, D: number, Q: Float64Array, r: number, out: Float64Array, outOffset = 0): void {
  for (let i = 0; i < count; i++) {
    for (let j = 0; j < r; j++) {
      let acc = 0;
      for (let c = 0; c < D; c++) acc += (rows[i * D + c] as number) * (Q[j * D + c] as number);
      out[outOffset + i * r + j] = acc;
    }
  }
}
