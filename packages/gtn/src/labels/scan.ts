import { dot } from "./sort.js";

/**
 * The reference: for each y in sorted order, a scan over the remaining x (ascending sorted position).
 * With a tolerance ε > 0, a second pass takes the first remaining x (smallest sorted position) whose
 * cosine is ≥ best − ε (float64 `best - eps`, the one threshold every strategy uses).
 */
export function scan(ux: Float64Array, uy: Float64Array, n: number, d: number, eps: number): Int32Array {
  const remaining = Int32Array.from({ length: n }, (_, p) => p);
  let count = n;
  const labelP = new Int32Array(n);
  for (let q = 0; q < n; q++) {
    let best = -Infinity;
    let bestJ = -1;
    for (let j = 0; j < count; j++) {
      const c = dot(uy, q * d, ux, (remaining[j] as number) * d, d);
      if (c > best) {
        best = c;
        bestJ = j; // strict >: an equal cosine later in the (ascending) list never wins
      }
    }
    if (eps > 0) {
      const t = best - eps;
      for (let j = 0; j < bestJ; j++) {
        if (dot(uy, q * d, ux, (remaining[j] as number) * d, d) >= t) {
          bestJ = j;
          break;
        }
      }
    }
    labelP[q] = remaining[bestJ] as number;
    remaining.copyWithin(bestJ, bestJ + 1, count);
    count--;
  }
  return labelP;
}
