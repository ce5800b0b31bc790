const EPS = 2 ** -52;
/** Sums of squares inside (SQ_MIN, SQ_MAX) lost nothing to underflow or overflow. */
const SQ_MIN = 2 ** -960;
const SQ_MAX = 2 ** 960;

/**
 * Implicit QL iterations with Wilkinson-type shifts on a symmetric tridiagonal matrix
 * (diagonal `d`, off-diagonal `e`, e[i] = T[i, i+1]); both are overwritten, `d` with the
 * (unsorted) eigenvalues. With `zt` (n×n row-major), each rotation is applied to rows i, i+1, so a
 * `zt` that starts as the identity ends with the eigenvectors of T as rows.
 *
 * @example
 * const d = new Float64Array([2, 2]), e = new Float64Array([1, 0]);
 * tridiagonalQL(d, e, 2); // d holds 1 and 3 (in some order)
 */
export function tridiagonalQL(d: Float64Array, e: Float64Array, n: number, zt?: Float64Array): void {
  e[n - 1] = 0;
  // deflation: |e_m| ≤ ε·(|d_m| + |d_{m+1}|), or |e_m| ≤ ε‖T‖ with ‖T‖ = max_j(|d_j| + |e_j|) over
  // the WHOLE matrix — a perturbation at the level of the tridiagonalisation's own backward error.
  // (EISPACK tql2 takes the max only over j ≤ l; when the leading rows are zero, as they are for a
  // rank-deficient matrix, a cluster of numerically zero eigenvalues then never meets that test.)
  let tst1 = 0;
  for (let j = 0; j < n; j++) tst1 = Math.max(tst1, Math.abs(d[j] as number) + Math.abs(e[j] as number));
  for (let l = 0; l < n; l++) {
    let iter = 0;
    let m: number;
    for (;;) {
      for (m = l; m < n - 1; m++) {
        const dd = Math.abs(d[m] as number) + Math.abs(d[m + 1] as number);
        const em = Math.abs(e[m] as number);
        if (em <= EPS * dd || em <= EPS * tst1) break;
      }
      if (m === l) break;
      if (++iter > 100) throw new Error(`tridiagonalQL: no convergence for eigenvalue ${l} after 100 iterations`);
      // shift from the leading 2×2 block (the eigenvalue nearer d[l])
      let g = ((d[l + 1] as number) - (d[l] as number)) / (2 * (e[l] as number));
      let r = Math.hypot(g, 1);
      g = (d[m] as number) - (d[l] as number) + (e[l] as number) / (g + (g >= 0 ? r : -r));
      let s = 1;
      let c = 1;
      let p = 0;
      let i: number;
      let underflow = false;
      for (i = m - 1; i >= l; i--) {
        const f = s * (e[i] as number);
        const bb = c * (e[i] as number);
        // √(f² + g²) unless the squares could under- or overflow (Math.hypot is several times slower)
        const ss = f * f + g * g;
        r = ss > SQ_MIN && ss < SQ_MAX ? Math.sqrt(ss) : Math.hypot(f, g);
        e[i + 1] = r;
        if (r === 0) {
          d[i + 1] = (d[i + 1] as number) - p;
          e[m] = 0;
          underflow = true;
          break;
        }
        s = f / r;
        c = g / r;
        g = (d[i + 1] as number) - p;
        r = ((d[i] as number) - g) * s + 2 * c * bb;
        p = s * r;
        d[i + 1] = g + p;
        g = c * r - bb;
        if (zt) {
          // rows i and i+1 of zt (contiguous): row_{i+1} ← s·row_i + c·row_{i+1}, row_i ← c·row_i − s·row_{i+1}
          const r0 = i * n;
          const r1 = r0 + n;
          for (let k = 0; k < n; k++) {
            const z1 = zt[r1 + k] as number;
            const z0 = zt[r0 + k] as number;
            zt[r1 + k] = s * z0 + c * z1;
            zt[r0 + k] = c * z0 - s * z1;
          }
        }
      }
      if (underflow) continue;
      d[l] = (d[l] as number) - p;
      e[l] = g;
      e[m] = 0;
    }
  }
}
