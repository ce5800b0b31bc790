/** Shared by every labelling strategy: the norm sort and the one float64 dot product they all use. */

/** Points sorted ascending by norm (stable: ties by original index) and their unit vectors. */
export interface Sorted {
  /** order[p] = original index of the p-th smallest norm. */
  readonly order: Int32Array;
  /** Unit vectors in sorted order, row-major [n, d]; a zero vector stays zero. */
  readonly unit: Float64Array;
}

/**
 * Euclidean norm computed with scaling by the largest magnitude (no overflow or underflow), so that
 * in 1-D it is exactly |v| and v / ‖v‖ is exactly ±1.
 */
function rowNorm(data: Float64Array, offset: number, d: number): number {
  let scale = 0;
  for (let k = 0; k < d; k++) {
    const a = Math.abs(data[offset + k] as number);
    if (a > scale) scale = a;
  }
  if (scale === 0) return 0;
  let s = 0;
  for (let k = 0; k < d; k++) {
    const v = (data[offset + k] as number) / scale;
    s += v * v;
  }
  return scale * Math.sqrt(s);
}

/** The points in their given order (identity `order`) and their unit vectors: the no-sorting ablation. */
export function givenOrder(data: Float64Array, n: number, d: number): Sorted {
  const order = new Int32Array(n);
  const unit = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    order[i] = i;
    const norm = rowNorm(data, i * d, d);
    if (norm === 0) continue;
    for (let k = 0; k < d; k++) unit[i * d + k] = (data[i * d + k] as number) / norm;
  }
  return { order, unit };
}

export function sortByNorm(data: Float64Array, n: number, d: number): Sorted {
  const norms = new Float64Array(n);
  for (let i = 0; i < n; i++) norms[i] = rowNorm(data, i * d, d);
  // stable order by norm: sort the norms natively (no comparator), then place each index at the
  // first sorted position of its norm plus the count of earlier indices with the same norm
  const sorted = norms.slice().sort();
  const order = new Int32Array(n);
  const fill = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = norms[i] as number;
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((sorted[mid] as number) < v) lo = mid + 1;
      else hi = mid;
    }
    order[lo + (fill[lo] as number)] = i;
    fill[lo] = (fill[lo] as number) + 1;
  }
  const unit = new Float64Array(n * d);
  for (let p = 0; p < n; p++) {
    const i = order[p] as number;
    const norm = norms[i] as number;
    if (norm === 0) continue; // zero vector: unit vector 0, cosine 0 with everything
    for (let k = 0; k < d; k++) unit[p * d + k] = (data[i * d + k] as number) / norm;
  }
  return { order, unit };
}

/** The cosine of two unit rows: a plain left-to-right sum, the one summation order every path uses. */
export function dot(a: Float64Array, ao: number, b: Float64Array, bo: number, d: number): number {
  let s = 0;
  for (let k = 0; k < d; k++) s += (a[ao + k] as number) * (b[bo + k] as number);
  return s;
}
