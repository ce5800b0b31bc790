/**
 * Eigenvectors of a symmetric tridiagonal matrix by Cuppen's divide and conquer, with the
 * stabilisations of Gu & Eisenstat (1995): deflation of small z-components and of close poles
 * (Givens), secular roots found relative to their nearest pole, and the rank-one vector z
 * recomputed from the computed roots so the eigenvectors come out orthogonal to working precision.
 * The eigenvector update is a blocked matrix product that skips the zero blocks of diag(Q₁, Q₂).
 */
import { gemmNT } from "./gemm.js";
import { tridiagonalQL } from "./eigen-ql.js";
import { parallelMergeVectors, parallelSecular, scratch, scratchMark, scratchRelease } from "./parallel.js";

const EPS = 2 ** -52;
const BASE = 32;

/** Eigen-decomposition of a tridiagonal: `values` ascending, `Q` n×n row-major with eigenvector j in column j. */
export interface TridiagonalEigen {
  readonly values: Float64Array;
  readonly Q: Float64Array;
}

/**
 * Eigenvalues and eigenvectors of the symmetric tridiagonal matrix with diagonal `d` and
 * off-diagonal `e` (e[i] = T[i, i+1]); the inputs are not modified.
 */
export function tridiagonalEigenDC(d: Float64Array, e: Float64Array, n: number): TridiagonalEigen {
  const mark = scratchMark();
  try {
    return solve(Float64Array.from(d.subarray(0, n)), Float64Array.from(e.subarray(0, n)), n, newWorkspace(n));
  } finally {
    scratchRelease(mark);
  }
}

function solve(d: Float64Array, e: Float64Array, n: number, ws: Workspace): TridiagonalEigen {
  if (n <= BASE) return solveSmall(d, e, n);
  const m = n >> 1;
  const rho = e[m - 1] as number;
  const beta = Math.abs(rho);
  const sgn = rho < 0 ? -1 : 1;
  const d1 = d.slice(0, m);
  const e1 = e.slice(0, m);
  e1[m - 1] = 0;
  d1[m - 1] = (d1[m - 1] as number) - beta;
  const d2 = d.slice(m, n);
  const e2 = e.slice(m, n);
  d2[0] = (d2[0] as number) - beta;
  const left = solve(d1, e1, m, ws);
  const right = solve(d2, e2, n - m, ws);
  return merge(left, right, m, n, beta, sgn, ws);
}

function solveSmall(d: Float64Array, e: Float64Array, n: number): TridiagonalEigen {
  const zt = new Float64Array(n * n);
  for (let i = 0; i < n; i++) zt[i * n + i] = 1;
  const dd = Float64Array.from(d);
  const ee = Float64Array.from(e);
  tridiagonalQL(dd, ee, n, zt);
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => (dd[i] as number) - (dd[j] as number));
  const values = new Float64Array(n);
  const Q = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    const src = order[j] as number;
    values[j] = dd[src] as number;
    for (let i = 0; i < n; i++) Q[i * n + j] = zt[src * n + i] as number;
  }
  return { values, Q };
}

/**
 * Scratch reused by every merge of one solve (merges run one after another): the gathered basis
 * rows `Qc`, the product `W`, the small eigenvectors `Ut` and one basis row. Reusing them saves the
 * zero-fill and page faults of fresh n×n arrays at every level; with worker threads the three
 * matrices live in their shared memory, where the merge's product reads and writes them in place
 * (no copies in and out).
 */
interface Workspace {
  Qc: Float64Array;
  W: Float64Array;
  Ut: Float64Array;
  row: Float64Array;
}

function newWorkspace(n: number): Workspace {
  const big = n > BASE ? n * n : 0;
  const at = (): Float64Array => (big > 0 ? scratch(big) : undefined) ?? new Float64Array(0);
  return { Qc: at(), W: at(), Ut: at(), row: new Float64Array(0) };
}

/** A view of `length` values of the workspace array `name`, grown when too short. */
function take(ws: Workspace, name: keyof Workspace, length: number): Float64Array {
  if (ws[name].length < length) ws[name] = new Float64Array(length);
  return ws[name].subarray(0, length);
}

/**
 * Merge: T = diag(T₁', T₂') + β u uᵀ with T₁' = Q₁Λ₁Q₁ᵀ, T₂' = Q₂Λ₂Q₂ᵀ, so in the basis
 * diag(Q₁, Q₂) the problem is D + ρ z zᵀ with z = [last row of Q₁, ±first row of Q₂]/√2, ρ = 2β.
 *
 * Everything stays row-major: the deflating Givens rotations are recorded first and then applied
 * row by row to the basis (each entry sees the same operations in the same order as rotating whole
 * columns), so the basis in pole order, the product's left operand and the output are all built
 * from contiguous rows, one row at a time.
 */
function merge(left: TridiagonalEigen, right: TridiagonalEigen, m: number, n: number, beta: number, sgn: number, ws: Workspace): TridiagonalEigen {
  const n2 = n - m;
  const Q1 = left.Q;
  const Q2 = right.Q;
  // pole order: merge the two ascending lists
  const D = new Float64Array(n);
  const z = new Float64Array(n);
  const src = new Int32Array(n); // < m: column of Q1; ≥ m: m + column of Q2
  {
    let a = 0;
    let b = 0;
    for (let t = 0; t < n; t++) {
      const takeLeft = b >= n2 || (a < m && (left.values[a] as number) <= (right.values[b] as number));
      if (takeLeft) {
        D[t] = left.values[a] as number;
        z[t] = (Q1[(m - 1) * m + a] as number) * Math.SQRT1_2;
        src[t] = a++;
      } else {
        D[t] = right.values[b] as number;
        z[t] = sgn * (Q2[b] as number) * Math.SQRT1_2;
        src[t] = m + b++;
      }
    }
  }
  const rho = 2 * beta;
  // the basis vectors (columns of diag(Q1, Q2)) in pole order: column t is column src[t] of Q1
  // (rows < m) or of Q2 (rows ≥ m), zero elsewhere
  const kind = new Uint8Array(n); // 1: rows < m only, 2: rows ≥ m only, 3: both
  for (let t = 0; t < n; t++) kind[t] = (src[t] as number) < m ? 1 : 2;
  // deflation; the rotations of basis columns (prev, t) are recorded and applied row by row below
  let dmax = 0;
  for (let t = 0; t < n; t++) dmax = Math.max(dmax, Math.abs(D[t] as number));
  const tol = 8 * EPS * Math.max(dmax, rho);
  const deflated = new Uint8Array(n);
  const rotFrom: number[] = [];
  const rotTo: number[] = [];
  const rotC: number[] = [];
  const rotS: number[] = [];
  let prev = -1;
  for (let t = 0; t < n; t++) {
    if (rho * Math.abs(z[t] as number) <= tol) {
      deflated[t] = 1;
      continue;
    }
    if (prev >= 0) {
      const zp = z[prev] as number;
      const zt = z[t] as number;
      const r = Math.hypot(zp, zt);
      const c = zt / r;
      const s = zp / r;
      if (Math.abs(((D[t] as number) - (D[prev] as number)) * c * s) <= tol) {
        // rotate so that z[prev] = 0: columns prev, t of the basis; D becomes the rotated diagonal
        z[t] = r;
        z[prev] = 0;
        const dp = D[prev] as number;
        const dt = D[t] as number;
        D[prev] = dp * c * c + dt * s * s;
        D[t] = dp * s * s + dt * c * c;
        rotFrom.push(prev);
        rotTo.push(t);
        rotC.push(c);
        rotS.push(s);
        if (kind[prev] !== kind[t]) kind[prev] = kind[t] = 3;
        deflated[prev] = 1;
      }
    }
    prev = t;
  }
  // non-deflated poles, ascending (the rotations keep them ordered up to tol)
  const K: number[] = [];
  for (let t = 0; t < n; t++) if (!deflated[t]) K.push(t);
  K.sort((a, b) => (D[a] as number) - (D[b] as number));
  const k = K.length;
  const values = new Float64Array(n);
  const Q = new Float64Array(n * n);
  const outCols: { value: number; from: number }[] = [];
  let Ut: Float64Array = new Float64Array(0);
  const perm: number[] = [];
  let k1 = 0;
  let k3 = 0;
  if (k > 0) {
    const dk = new Float64Array(k);
    const zk = new Float64Array(k);
    for (let j = 0; j < k; j++) {
      dk[j] = D[K[j] as number] as number;
      zk[j] = z[K[j] as number] as number;
    }
    let znorm2 = 0;
    for (let j = 0; j < k; j++) znorm2 += (zk[j] as number) * (zk[j] as number);
    // secular roots: λ_j = dk[origin_j] + tau_j
    // (buffer: d, w = ρ z², then the (origin, τ) pairs; the roots run on the threads when there are some)
    const sec = new Float64Array(4 * k);
    sec.set(dk, 0);
    for (let i = 0; i < k; i++) sec[k + i] = rho * (zk[i] as number) * (zk[i] as number);
    if (!parallelSecular(sec, k, rho * znorm2)) secularRoots(sec, 0, k, k, rho * znorm2, 0, k, 2 * k);
    const origin = new Int32Array(k);
    const tau = new Float64Array(k);
    for (let j = 0; j < k; j++) {
      origin[j] = sec[2 * k + 2 * j] as number;
      tau[j] = sec[2 * k + 2 * j + 1] as number;
    }
    // Gu–Eisenstat: recompute z from the roots (secularZhat), on the threads when there are some;
    // then each eigenvector of D + ρzzᵀ (secularVectors). Buffer: dk, dko (d_origin of each root),
    // τ, z, ẑ, then (in perm order) ẑ and dk.
    const vb = new Float64Array(7 * k);
    vb.set(dk, 0);
    for (let j = 0; j < k; j++) vb[k + j] = dk[origin[j] as number] as number;
    vb.set(tau, 2 * k);
    vb.set(zk, 3 * k);
    if (!parallelMergeVectors(vb, k, rho, undefined)) secularZhat(vb, k, rho, 0, k);
    const zhat = vb.subarray(4 * k, 5 * k);
    const dko = vb.subarray(k, 2 * k);
    // column order for the product: kind 1, then 3, then 2 (zero blocks skipped)
    for (const want of [1, 3, 2]) for (let p = 0; p < k; p++) if (kind[K[p] as number] === want) perm.push(p);
    for (let p = 0; p < k; p++) {
      const kd = kind[K[p] as number];
      if (kd === 1) k1++;
      else if (kd === 3) k3++;
    }
    // Ut: row j = eigenvector j of D + ρzzᵀ (components in perm order)
    Ut = take(ws, "Ut", k * k);
    for (let q = 0; q < k; q++) {
      vb[5 * k + q] = zhat[perm[q] as number] as number;
      vb[6 * k + q] = dk[perm[q] as number] as number;
    }
    if (!parallelMergeVectors(vb, k, rho, Ut)) secularVectors(vb, k, Ut, 0, 0, k);
    for (let j = 0; j < k; j++) outCols.push({ value: (dko[j] as number) + (tau[j] as number), from: -(j + 1) });
  }
  for (let t = 0; t < n; t++) if (deflated[t]) outCols.push({ value: D[t] as number, from: t });
  outCols.sort((a, b) => a.value - b.value);
  // output column of each product column (fromW); output columns of the deflated poles and their
  // basis columns (defCol, defFrom), copied from the basis rows below
  const fromW = new Int32Array(k);
  const defCol: number[] = [];
  const defFrom: number[] = [];
  for (let j = 0; j < n; j++) {
    const c = outCols[j] as { value: number; from: number };
    values[j] = c.value;
    if (c.from >= 0) {
      defCol.push(j);
      defFrom.push(c.from);
    } else fromW[-c.from - 1] = j;
  }
  // basis row by row: gather from Q1 / Q2, rotate, scatter to Qc (perm order) and to the deflated
  // output columns
  const Qc = take(ws, "Qc", n * k);
  const g = take(ws, "row", n);
  const pc = new Int32Array(k);
  for (let q = 0; q < k; q++) pc[q] = K[perm[q] as number] as number;
  const nrot = rotFrom.length;
  const nd = defCol.length;
  // the row buffer holds basis row i in source order (Q1's columns, then Q2's): a copy of the
  // row of Q1 or Q2 and zeros; the rotations and the gathers address it through src
  const rotA = new Int32Array(nrot);
  const rotB = new Int32Array(nrot);
  for (let r = 0; r < nrot; r++) {
    rotA[r] = src[rotFrom[r] as number] as number;
    rotB[r] = src[rotTo[r] as number] as number;
  }
  const qsrc = new Int32Array(k);
  for (let q = 0; q < k; q++) qsrc[q] = src[pc[q] as number] as number;
  const dsrc = new Int32Array(nd);
  for (let p = 0; p < nd; p++) dsrc[p] = src[defFrom[p] as number] as number;
  for (let i = 0; i < n; i++) {
    if (i < m) {
      g.set(Q1.subarray(i * m, i * m + m), 0);
      g.fill(0, m, n);
    } else {
      g.fill(0, 0, m);
      g.set(Q2.subarray((i - m) * n2, (i - m) * n2 + n2), m);
    }
    for (let r = 0; r < nrot; r++) {
      const a = rotA[r] as number;
      const b = rotB[r] as number;
      const c = rotC[r] as number;
      const s = rotS[r] as number;
      const x = g[a] as number;
      const y = g[b] as number;
      g[a] = c * x - s * y;
      g[b] = s * x + c * y;
    }
    const qrow = i * k;
    for (let q = 0; q < k; q++) Qc[qrow + q] = g[qsrc[q] as number] as number;
    const orow = i * n;
    for (let p = 0; p < nd; p++) Q[orow + (defCol[p] as number)] = g[dsrc[p] as number] as number;
  }
  if (k > 0) {
    const W = take(ws, "W", n * k);
    // rows < m: columns of kind 1 and 3; rows ≥ m: kinds 3 and 2
    if (k1 + k3 > 0) gemmNT(m, k, k1 + k3, Qc, 0, k, Ut, 0, k, W, 0, k);
    else W.fill(0, 0, m * k);
    if (k - k1 > 0) gemmNT(n2, k, k - k1, Qc, m * k + k1, k, Ut, k1, k, W, m * k, k);
    else W.fill(0, m * k, n * k);
    for (let i = 0; i < n; i++) {
      const wrow = i * k;
      const orow = i * n;
      for (let j = 0; j < k; j++) Q[orow + (fromW[j] as number)] = W[wrow + j] as number;
    }
  }
  return { values, Q };
}

/**
 * ẑ_i for i0 ≤ i < i1 (Gu–Eisenstat: z recomputed from the computed roots so that the eigenvectors
 * come out orthogonal): ẑ_i² = Π_j (λ_j − d_i) / (ρ Π_{j≠i} (d_j − d_i)), the sign of z_i. `F` holds,
 * from 0, k values each of d (poles), d_origin of each root, τ of each root (λ_j = d_origin + τ), z;
 * ẑ goes to `F[4k + i]`. Self-contained (worker threads run its source text); every ẑ_i is the same
 * computation on any thread.
 */
export function secularZhat(F: Float64Array, k: number, rho: number, i0: number, i1: number): void {
  const dko = k;
  const tau = 2 * k;
  const z = 3 * k;
  const out = 4 * k;
  for (let i = i0; i < i1; i++) {
    const di = F[i] as number;
    let prod = ((F[dko + k - 1] as number) - di + (F[tau + k - 1] as number)) / rho;
    // j < i pairs root j with pole j, j ≥ i with pole j + 1 (the loop split at i, same order)
    const split = Math.min(i, k - 1);
    for (let j = 0; j < split; j++) prod *= ((F[dko + j] as number) - di + (F[tau + j] as number)) / ((F[j] as number) - di);
    for (let j = split; j < k - 1; j++) prod *= ((F[dko + j] as number) - di + (F[tau + j] as number)) / ((F[j + 1] as number) - di);
    F[out + i] = Math.sqrt(Math.max(prod, 0)) * ((F[z + i] as number) < 0 ? -1 : 1);
  }
}

/**
 * Rows j0 ≤ j < j1 of Ut, the unit eigenvectors of D + ρzzᵀ: component q of row j is
 * ẑ_q / (d_q − λ_j), normalised (d and ẑ in the product's column order, at `F[6k …]` and
 * `F[5k …]`; λ_j = d_origin + τ from `F[k + j]`, `F[2k + j]`, subtracted one after the other as
 * the roots were found). Row j goes to `U[uAt + jk …]`. Self-contained (worker threads run its
 * source text).
 */
export function secularVectors(F: Float64Array, k: number, U: Float64Array, uAt: number, j0: number, j1: number): void {
  const zp = 5 * k;
  const dq = 6 * k;
  for (let j = j0; j < j1; j++) {
    const dorig = F[k + j] as number;
    const tj = F[2 * k + j] as number;
    const row = uAt + j * k;
    let s = 0;
    for (let q = 0; q < k; q++) {
      const v = (F[zp + q] as number) / ((F[dq + q] as number) - dorig - tj);
      U[row + q] = v;
      s += v * v;
    }
    const inv = 1 / Math.sqrt(s);
    for (let q = 0; q < k; q++) U[row + q] = (U[row + q] as number) * inv;
  }
}

/**
 * Roots j0 ≤ j < j1 of the secular equation f(λ) = 1 + Σ_i w_i / (d_i − λ) (w_i = ρ z_i² > 0,
 * d ascending, λ_j in (d_j, d_{j+1}), or (d_{k−1}, d_{k−1} + ρ‖z‖²) for the last, ρ‖z‖² = `span`),
 * each as λ = d_origin + τ with the origin the nearer pole, so τ keeps full relative accuracy. The
 * interval half is chosen from the sign of f at the midpoint; then a bracketed iteration on the
 * two-pole model c + b₁/(δ_j − τ) + b₂/(δ_{j+1} − τ), fitted to the value and slope of the left and
 * right sums at the current τ (quadratic convergence), falls back to bisection whenever a step
 * leaves the bracket, and ends by bisecting a few-ulp bracket to the last bit.
 *
 * d is read from `F[dOff …]`, w from `F[wOff …]`; root j's origin and τ go to `F[outOff + 2j]`,
 * `F[outOff + 2j + 1]`. Self-contained (no names from outside its body), so the worker threads run
 * this same source on the shared memory; every root is the same computation on any thread.
 */
export function secularRoots(F: Float64Array, dOff: number, wOff: number, k: number, span: number, j0: number, j1: number, outOff: number): void {
  const eps = 2 ** -52;
  // f(τ) = 1 + Σ w_i / (δ_i − τ) with δ_i = d_i − dorig, summed in index order
  function secular(F: Float64Array, dOff: number, wOff: number, k: number, dorig: number, t: number): number {
    let f = 1;
    for (let i = 0; i < k; i++) f += (F[wOff + i] as number) / ((F[dOff + i] as number) - dorig - t);
    return f;
  }
  // the half-sums ψ = Σ_{i≤j} w_i/(δ_i − τ), φ = Σ_{i>j} … and their slopes at τ = t into
  // out[0..3] (ψ, ψ', φ, φ'); returns f = 1 + ψ + φ
  function halfSums(F: Float64Array, dOff: number, wOff: number, j: number, k: number, dorig: number, t: number, out: Float64Array): number {
    let s1 = 0, s2 = 0, s3 = 0, s4 = 0;
    for (let i = 0; i <= j; i++) {
      const r = 1 / ((F[dOff + i] as number) - dorig - t);
      const q = (F[wOff + i] as number) * r;
      s1 += q;
      s2 += q * r;
    }
    for (let i = j + 1; i < k; i++) {
      const r = 1 / ((F[dOff + i] as number) - dorig - t);
      const q = (F[wOff + i] as number) * r;
      s3 += q;
      s4 += q * r;
    }
    out[0] = s1;
    out[1] = s2;
    out[2] = s3;
    out[3] = s4;
    return 1 + s1 + s3;
  }
  const sums = new Float64Array(4);
  for (let j = j0; j < j1; j++) {
    const last = j + 1 >= k;
    const dj = F[dOff + j] as number;
    const upper = last ? dj + span : (F[dOff + j + 1] as number);
    const mid = 0.5 * (upper - dj);
    // poles relative to the origin, δ_i = d_i − d_origin, are formed inside the sums
    const fmid = secular(F, dOff, wOff, k, dj, mid);
    let lo: number;
    let hi: number;
    let o: number;
    let dorig = dj;
    if (fmid >= 0 || last) {
      o = j; // root in (d_j, d_j + mid]
      lo = 0;
      hi = last ? upper - dj : mid;
    } else {
      o = j + 1; // root in [d_{j+1} − mid, d_{j+1})
      const dn = F[dOff + j + 1] as number;
      dorig = dn;
      lo = -(dn - dj - mid);
      hi = 0;
      if (lo >= hi) lo = dj - dn;
    }
    const dl = dj - dorig; // the poles around the root, relative to the origin
    const dr = last ? Number.POSITIVE_INFINITY : (F[dOff + j + 1] as number) - dorig;
    let t = 0.5 * (lo + hi);
    let evals = 0;
    let exact = false;
    while (evals < 100) {
      // f and the half-sums at t; the bracket shrinks to the side of the root
      const f = halfSums(F, dOff, wOff, j, k, dorig, t, sums);
      if (f > 0) hi = t;
      else lo = t;
      evals++;
      if (f === 0) {
        exact = true;
        break;
      }
      // two-pole model: ψ ≈ a₁ + b₁/(dl − τ), φ ≈ a₂ + b₂/(dr − τ), matching value and slope at t
      const psi = sums[0] as number;
      const dpsi = sums[1] as number;
      const phi = sums[2] as number;
      const dphi = sums[3] as number;
      const b1 = dpsi * (dl - t) * (dl - t);
      const a1 = psi - b1 / (dl - t);
      let next: number;
      if (last) {
        const c = 1 + a1 + phi;
        next = c > 0 ? dl + b1 / c : Number.NaN;
      } else {
        const b2 = dphi * (dr - t) * (dr - t);
        const a2 = phi - b2 / (dr - t);
        const c = 1 + a1 + a2;
        // c u² − (c(dl + dr) + b1 + b2) u + (c dl dr + b1 dr + b2 dl) = 0, root in (dl, dr)
        const B = -(c * (dl + dr) + b1 + b2);
        const C = c * dl * dr + b1 * dr + b2 * dl;
        if (c === 0) next = -C / B;
        else {
          const disc = B * B - 4 * c * C;
          if (disc < 0) next = Number.NaN;
          else {
            const q = -0.5 * (B + (B >= 0 ? Math.sqrt(disc) : -Math.sqrt(disc)));
            const u1 = q / c;
            const u2 = q !== 0 ? C / q : Number.NaN;
            next = u1 > lo && u1 < hi ? u1 : u2;
          }
        }
      }
      if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
      if (next === lo || next === hi) break;
      if (Math.abs(next - t) <= 4 * eps * Math.abs(next)) {
        // converged to a few ulps: probe both sides to shrink the bracket, then bisect
        const eta = 8 * eps * Math.abs(next) + Number.MIN_VALUE;
        if (next + eta < hi) {
          if (halfSums(F, dOff, wOff, j, k, dorig, next + eta, sums) > 0) hi = next + eta;
          else lo = next + eta;
        }
        if (next - eta > lo) {
          if (halfSums(F, dOff, wOff, j, k, dorig, next - eta, sums) > 0) hi = next - eta;
          else lo = next - eta;
        }
        evals += 2;
        break;
      }
      t = next;
    }
    if (!exact) {
      // bisection on tau (f increasing in λ): exact to the last bit of tau
      for (let it = 0; it < 200; it++) {
        const m = 0.5 * (lo + hi);
        if (m === lo || m === hi) break;
        if (secular(F, dOff, wOff, k, dorig, m) > 0) hi = m;
        else lo = m;
      }
      t = 0.5 * (lo + hi);
    }
    F[outOff + 2 * j] = o;
    F[outOff + 2 * j + 1] = t;
  }
}
