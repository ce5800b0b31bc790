import { dot } from "./sort.js";

/**
 * Candidate list of one y, built from scores against the x remaining at the start of its block.
 * It keeps every x with score ≥ vL − 2δ, where vL is the L-th largest score seen: any x left out
 * scored below vL − 2δ. While some kept x with score ≥ vL is still free, the best free kept score
 * m ≥ vL, so every left-out x has cosine < m − δ ≤ the cosine of that x: it can neither beat nor
 * tie. Among kept free x, those scoring below m − 2δ are excluded the same way; the rest are
 * compared exactly in float64 (ties to the smaller sorted position). With L ≥ block size at most
 * L − 1 of them can be taken before the last y of the block, so a refill (an exact scan of the
 * remaining x) only happens when `candidates` < block size.
 */
export class CandidateList {
  vals: Float64Array;
  ps: Int32Array;
  len = 0;
  /** Entries scoring below thr are not kept: thr = vL − band once L scores were seen. */
  thr: number = -Infinity;
  /** The L-th largest score seen (−∞ before L scores). */
  vL: number = -Infinity;
  /** Set when the scorer could not keep every entry it must: the y is then rescanned (refill). */
  invalid = false;
  /** The L largest scores seen, descending (the first `topLen`). */
  private readonly top: Float64Array;
  private topLen = 0;

  constructor(
    private readonly L: number,
    /** How far below vL entries are kept: 2δ, plus ε and a rounding margin with a tolerance ε > 0. */
    readonly band: number,
  ) {
    const cap = Math.max(4 * L, 64);
    this.vals = new Float64Array(cap);
    this.ps = new Int32Array(cap);
    this.top = new Float64Array(L);
  }

  reset(): void {
    this.len = 0;
    this.topLen = 0;
    this.thr = -Infinity;
    this.vL = -Infinity;
    this.invalid = false;
  }

  /** Offer a score (callers skip scores below thr). */
  push(v: number, p: number): void {
    const top = this.top;
    const L = this.L;
    if (this.topLen < L || v > (top[L - 1] as number)) {
      // insertion into the descending top L (the smallest drops out once full)
      let i = this.topLen < L ? this.topLen++ : L - 1;
      while (i > 0 && (top[i - 1] as number) < v) {
        top[i] = top[i - 1] as number;
        i--;
      }
      top[i] = v;
      if (this.topLen === L) {
        this.vL = top[L - 1] as number;
        this.thr = this.vL - this.band;
      }
    }
    if (v < this.thr) return;
    if (this.len === this.vals.length) {
      this.compact();
      if (this.len * 2 > this.vals.length) this.grow();
    }
    this.vals[this.len] = v;
    this.ps[this.len++] = p;
  }

  private grow(): void {
    const cap = this.vals.length * 2;
    const vals = new Float64Array(cap);
    vals.set(this.vals);
    const ps = new Int32Array(cap);
    ps.set(this.ps);
    this.vals = vals;
    this.ps = ps;
  }

  /** Drops kept entries that fell below the (risen) threshold. */
  private compact(): void {
    const thr = this.thr;
    let w = 0;
    for (let i = 0; i < this.len; i++) {
      const v = this.vals[i] as number;
      if (v >= thr) {
        this.vals[w] = v;
        this.ps[w++] = this.ps[i] as number;
      }
    }
    this.len = w;
  }
}

/**
 * Rounding margin added to the kept band when ε > 0: the scan compares against fl(best − ε), which
 * can lie up to half an ulp below the real best − ε (≤ 2⁻⁵² while |best − ε| < 4; an ε large enough
 * to go beyond keeps every x anyway, since then every cosine ≥ −1 is within it), and the band's own
 * subtractions round by a few ulps of 1. 2⁻⁴⁸ covers both with room.
 */
export const TOLERANCE_MARGIN: number = 2 ** -48;

/** Offers each row's scores to its candidate list (two copies so each loop sees one array type). */
export function collect32(scores: Float32Array, cols: Int32Array, width: number, rows: number, lists: CandidateList[], taken: Uint8Array): void {
  for (let i = 0; i < rows; i++) {
    const list = lists[i] as CandidateList;
    const o = i * width;
    let thr = list.thr;
    for (let j = 0; j < width; j++) {
      const v = scores[o + j] as number;
      if (v >= thr && !taken[cols[j] as number]) {
        list.push(v, cols[j] as number);
        thr = list.thr;
      }
    }
  }
}

export function collect64(scores: Float64Array, cols: Int32Array, width: number, rows: number, lists: CandidateList[], taken: Uint8Array): void {
  for (let i = 0; i < rows; i++) {
    const list = lists[i] as CandidateList;
    const o = i * width;
    let thr = list.thr;
    for (let j = 0; j < width; j++) {
      const v = scores[o + j] as number;
      if (v >= thr && !taken[cols[j] as number]) {
        list.push(v, cols[j] as number);
        thr = list.thr;
      }
    }
  }
}

/**
 * The exact winner from a valid list, or −1 when the list is no longer valid (refill). Let m be the
 * best free kept score (valid: m ≥ vL). Every x not kept, or kept with score < m − 2δ − ε − margin,
 * has cosine < m − δ − ε ≤ (cosine of the x scoring m) − ε ≤ best − ε: it is neither the best nor
 * within the tolerance. The others get their float64 cosine; best = their largest; the winner is
 * the smallest sorted position with cosine ≥ best − ε (ε = 0: the best, ties to the smaller position).
 */
export function pickFromList(list: CandidateList, taken: Uint8Array, uy: Float64Array, yo: number, ux: Float64Array, d: number, twoDelta: number, eps: number): number {
  if (list.invalid) return -1;
  let m = -Infinity;
  for (let i = 0; i < list.len; i++) {
    if (!taken[list.ps[i] as number] && (list.vals[i] as number) > m) m = list.vals[i] as number;
  }
  if (m === -Infinity || m < list.vL) return -1;
  const exact = twoDelta === 0; // float64 GEMM: the score is the cosine, summed as dot() sums it
  if (eps === 0) {
    const cut = m - twoDelta;
    let best = -Infinity;
    let bestP = -1;
    for (let i = 0; i < list.len; i++) {
      const p = list.ps[i] as number;
      if (taken[p] || (list.vals[i] as number) < cut) continue;
      const c = exact ? (list.vals[i] as number) : dot(uy, yo, ux, p * d, d);
      if (c > best || (c === best && p < bestP)) {
        best = c;
        bestP = p;
      }
    }
    return bestP;
  }
  const cut = m - twoDelta - eps - TOLERANCE_MARGIN;
  // first pass: the exact cosines of the survivors (stored over their scores) and the best of them
  let best = -Infinity;
  let w = 0;
  for (let i = 0; i < list.len; i++) {
    const p = list.ps[i] as number;
    const v = list.vals[i] as number;
    if (taken[p] || v < cut) continue;
    const c = exact ? v : dot(uy, yo, ux, p * d, d);
    if (c > best) best = c;
    // the list is rebuilt for the next block, so its entries can be overwritten here
    list.vals[w] = c;
    list.ps[w++] = p;
  }
  list.len = 0;
  const t = best - eps;
  let bestP = -1;
  for (let i = 0; i < w; i++) {
    const p = list.ps[i] as number;
    if ((list.vals[i] as number) >= t && (bestP < 0 || p < bestP)) bestP = p;
  }
  return bestP;
}

/** Refill: the exact argmax over every remaining x, as the scan computes it (then its tolerance pass). */
export function exactArgmax(uy: Float64Array, yo: number, ux: Float64Array, d: number, rem: Int32Array, remCount: number, taken: Uint8Array, eps: number): number {
  let best = -Infinity;
  let bestP = -1;
  let bestJ = -1;
  for (let j = 0; j < remCount; j++) {
    const p = rem[j] as number;
    if (taken[p]) continue;
    const c = dot(uy, yo, ux, p * d, d);
    if (c > best) {
      best = c;
      bestP = p;
      bestJ = j;
    }
  }
  if (eps > 0) {
    const t = best - eps;
    for (let j = 0; j < bestJ; j++) {
      const p = rem[j] as number;
      if (!taken[p] && dot(uy, yo, ux, p * d, d) >= t) return p;
    }
  }
  return bestP;
}
