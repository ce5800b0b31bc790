import { dot } from "./sort.js";

/* Low dimension: exact branch and bound over a k-d tree of the unit x. */

/**
 * Each node of the tree is bounded by a cone: a unit centre c and the largest angle θ between c and
 * a member. For a unit u at angle α from c, no member's cosine with u exceeds cos(max(0, α − θ)) =
 * cos α cos θ + sin α sin θ (α > θ), else 1. The computed dot of a member can exceed the real value
 * by rounding (< d·2⁻⁵² for unit vectors), and the bound itself is rounded, so a node is skipped
 * only when its bound plus this slack is strictly below the best cosine so far: then no member can
 * beat or tie it. A zero x (cosine 0) lies in a cone of θ ≥ 90°, whose bound is ≥ 0.
 */
const TREE_SLACK = 1e-9;
/** Bădoiu–Clarkson steps per node towards the smallest enclosing cone. */
const CONE_STEPS = 4;
const LEAF = 16;

class DirectionTree {
  private centre!: Float64Array;
  private cosT!: Float64Array;
  private sinT!: Float64Array;
  private start!: Int32Array;
  private end!: Int32Array;
  private left!: Int32Array;
  private parent!: Int32Array;
  private count!: Int32Array;
  private perm!: Int32Array;
  /** The remaining unit x in tree order (row i is x at sorted position perm[i]): leaves are contiguous. */
  private xs!: Float64Array;
  private leafOf: Int32Array;
  private readonly trial: Float64Array;
  /** Smallest sorted position of a remaining member per node (n when none); kept only with ε > 0. */
  private minPos!: Int32Array;
  private nodes = 0;
  builtSize = 0;
  remaining: number;
  /** The best cosine found by the last {@link DirectionTree.query}. */
  lastBest = -Infinity;

  constructor(
    private readonly ux: Float64Array,
    private readonly d: number,
    private readonly taken: Uint8Array,
    n: number,
    private readonly trackMinPos = false,
  ) {
    this.leafOf = new Int32Array(n);
    this.trial = new Float64Array(d);
    this.remaining = n;
    this.build();
  }

  /** (Re)build over the x not yet taken. */
  build(): void {
    const { ux, d, taken } = this;
    const ids: number[] = [];
    for (let p = 0; p < taken.length; p++) if (!taken[p]) ids.push(p);
    const m = ids.length;
    this.perm = Int32Array.from(ids);
    const xs = new Float64Array(m * d);
    for (let i = 0; i < m; i++) {
      const p = ids[i] as number;
      for (let k = 0; k < d; k++) xs[i * d + k] = ux[p * d + k] as number;
    }
    this.xs = xs;
    const maxNodes = 2 * Math.ceil(m / LEAF) * 2 + 4;
    this.centre = new Float64Array(maxNodes * d);
    this.cosT = new Float64Array(maxNodes);
    this.sinT = new Float64Array(maxNodes);
    this.start = new Int32Array(maxNodes);
    this.end = new Int32Array(maxNodes);
    this.left = new Int32Array(maxNodes).fill(-1);
    this.parent = new Int32Array(maxNodes).fill(-1);
    this.count = new Int32Array(maxNodes);
    this.nodes = 0;
    this.builtSize = m;
    const perm = this.perm;
    const key = new Float64Array(m);
    const mean = new Float64Array(d);
    const vBuf = new Float64Array(d);
    const wBuf = new Float64Array(d);
    const stack: number[] = [this.newNode(0, m, -1)];
    while (stack.length > 0) {
      const node = stack.pop() as number;
      const s = this.start[node] as number;
      const e = this.end[node] as number;
      let widest = 0;
      let width = -1;
      const co = node * d;
      for (let k = 0; k < d; k++) {
        let lo = Infinity;
        let hi = -Infinity;
        let sum = 0;
        for (let i = s; i < e; i++) {
          const v = xs[i * d + k] as number;
          sum += v;
          if (v < lo) lo = v;
          if (v > hi) hi = v;
        }
        this.centre[co + k] = sum;
        if (hi - lo > width) {
          width = hi - lo;
          widest = k;
        }
      }
      this.setCone(node, s, e);
      if (e - s <= LEAF || width <= 0) {
        for (let i = s; i < e; i++) this.leafOf[perm[i] as number] = node;
        continue;
      }
      // split at the median along the principal direction of the node's points (a few power
      // iterations from the widest axis, on at most ~256 evenly spaced members): rounder cells,
      // tighter cones than axis-aligned splits
      const stride = Math.max(1, Math.floor((e - s) / 256));
      mean.fill(0);
      let used = 0;
      for (let i = s; i < e; i += stride, used++) for (let k = 0; k < d; k++) mean[k] = (mean[k] as number) + (xs[i * d + k] as number);
      for (let k = 0; k < d; k++) mean[k] = (mean[k] as number) / used;
      let v = vBuf;
      v.fill(0);
      v[widest] = 1;
      for (let iter = 0; iter < 3; iter++) {
        const w = v === vBuf ? wBuf : vBuf;
        w.fill(0);
        for (let i = s; i < e; i += stride) {
          const o = i * d;
          let proj = 0;
          for (let k = 0; k < d; k++) proj += ((xs[o + k] as number) - (mean[k] as number)) * (v[k] as number);
          for (let k = 0; k < d; k++) w[k] = (w[k] as number) + proj * ((xs[o + k] as number) - (mean[k] as number));
        }
        let norm = 0;
        for (let k = 0; k < d; k++) norm += (w[k] as number) ** 2;
        if (!(norm > 0)) break;
        norm = Math.sqrt(norm);
        for (let k = 0; k < d; k++) w[k] = (w[k] as number) / norm;
        v = w;
      }
      for (let i = s; i < e; i++) {
        let proj = 0;
        for (let k = 0; k < d; k++) proj += (xs[i * d + k] as number) * (v[k] as number);
        key[i] = proj;
      }
      const mid = (s + e) >> 1;
      this.select(key, s, e, mid);
      const l = this.newNode(s, mid, node);
      this.newNode(mid, e, node);
      this.left[node] = l;
      stack.push(l, l + 1);
    }
    if (this.trackMinPos) {
      // children have larger ids than their parent: fill from the last node back
      this.minPos = new Int32Array(this.nodes);
      for (let node = this.nodes - 1; node >= 0; node--) {
        const l = this.left[node] as number;
        if (l < 0) this.minPos[node] = this.leafMin(node);
        else this.minPos[node] = Math.min(this.minPos[l] as number, this.minPos[l + 1] as number);
      }
    }
  }

  /** Quickselect: rows [s, e) reordered (keys, perm and xs together) so that key[mid] has its sorted rank. */
  private select(key: Float64Array, s: number, e: number, mid: number): void {
    const { perm, xs, d } = this;
    const swap = (a: number, b: number): void => {
      const kv = key[a] as number;
      key[a] = key[b] as number;
      key[b] = kv;
      const pv = perm[a] as number;
      perm[a] = perm[b] as number;
      perm[b] = pv;
      const ao = a * d;
      const bo = b * d;
      for (let k = 0; k < d; k++) {
        const t = xs[ao + k] as number;
        xs[ao + k] = xs[bo + k] as number;
        xs[bo + k] = t;
      }
    };
    let lo = s;
    let hi = e; // exclusive
    while (hi - lo > 1) {
      // three-way partition around the median of three (equal keys cannot make it quadratic)
      const a = key[lo] as number;
      const b = key[(lo + hi) >> 1] as number;
      const c = key[hi - 1] as number;
      const pivot = a < b ? (b < c ? b : a < c ? c : a) : a < c ? a : b < c ? c : b;
      let lt = lo; // [lo, lt) < pivot
      let i = lo; // [lt, i) == pivot
      let gt = hi; // [gt, hi) > pivot
      while (i < gt) {
        const v = key[i] as number;
        if (v < pivot) swap(lt++, i++);
        else if (v > pivot) swap(i, --gt);
        else i++;
      }
      if (mid < lt) hi = lt;
      else if (mid >= gt) lo = gt;
      else return;
    }
  }

  private leafMin(node: number): number {
    const { perm, taken } = this;
    let m = taken.length;
    const e = this.end[node] as number;
    for (let i = this.start[node] as number; i < e; i++) {
      const p = perm[i] as number;
      if (!taken[p] && p < m) m = p;
    }
    return m;
  }

  /** Normalise the summed centre (any member's direction if it vanishes) and find the cone angle. */
  private setCone(node: number, s: number, e: number): void {
    const { xs, d, centre } = this;
    const co = node * d;
    let norm = 0;
    for (let k = 0; k < d; k++) norm += (centre[co + k] as number) ** 2;
    norm = Math.sqrt(norm);
    if (norm > 1e-6) for (let k = 0; k < d; k++) centre[co + k] = (centre[co + k] as number) / norm;
    else {
      centre.fill(0, co, co + d);
      centre[co] = 1;
    }
    // the cone angle: the largest angle between the centre and a member; then a few Bădoiu–Clarkson
    // steps (move the centre towards the farthest member) shrink it towards the smallest cone
    let minCos = 1;
    let far = s;
    for (let i = s; i < e; i++) {
      const c = dot(centre, co, xs, i * d, d);
      if (c < minCos) {
        minCos = c;
        far = i;
      }
    }
    if (minCos > 0 && e - s > 1) {
      const trial = this.trial;
      for (let step = 1; step <= CONE_STEPS; step++) {
        const f = 1 / (step + 1);
        let nrm = 0;
        for (let k = 0; k < d; k++) {
          const v = (centre[co + k] as number) + f * ((xs[far * d + k] as number) - (centre[co + k] as number));
          trial[k] = v;
          nrm += v * v;
        }
        nrm = Math.sqrt(nrm);
        if (!(nrm > 1e-6)) break;
        for (let k = 0; k < d; k++) trial[k] = (trial[k] as number) / nrm;
        let tMin = 1;
        let tFar = s;
        for (let i = s; i < e; i++) {
          const c = dot(trial, 0, xs, i * d, d);
          if (c < tMin) {
            tMin = c;
            tFar = i;
          }
        }
        if (tMin <= minCos) break;
        for (let k = 0; k < d; k++) centre[co + k] = trial[k] as number;
        minCos = tMin;
        far = tFar;
      }
    }
    minCos = Math.max(-1, minCos - 1e-12);
    this.cosT[node] = minCos;
    this.sinT[node] = Math.sqrt(Math.max(0, 1 - minCos * minCos));
  }

  private newNode(s: number, e: number, parent: number): number {
    const id = this.nodes++;
    this.start[id] = s;
    this.end[id] = e;
    this.count[id] = e - s;
    this.parent[id] = parent;
    return id;
  }

  remove(p: number): void {
    this.taken[p] = 1;
    this.remaining--;
    const leaf = this.leafOf[p] as number;
    for (let node = leaf; node >= 0; node = this.parent[node] as number) this.count[node] = (this.count[node] as number) - 1;
    if (this.trackMinPos && this.minPos[leaf] === p) {
      const minPos = this.minPos;
      minPos[leaf] = this.leafMin(leaf);
      for (let node = this.parent[leaf] as number; node >= 0; node = this.parent[node] as number) {
        const l = this.left[node] as number;
        const m = Math.min(minPos[l] as number, minPos[l + 1] as number);
        if (m === minPos[node]) break;
        minPos[node] = m;
      }
    }
  }

  /**
   * The tolerance step: the remaining x of smallest sorted position whose cosine with uy[yo..] is
   * ≥ t (t = best − ε; `bestP`, the query's winner, qualifies). Best-first by each node's smallest
   * remaining position; a node is skipped when that position is not below the current answer or
   * when its cone bound (with the rounding slack) is below t, so no member could qualify.
   */
  tieSearch(uy: Float64Array, yo: number, t: number, bestP: number, heapNodes: Int32Array, heapKeys: Float64Array): number {
    const { xs, d, taken, perm, minPos } = this;
    let answer = bestP;
    let size = 1;
    heapNodes[0] = 0;
    heapKeys[0] = minPos[0] as number;
    while (size > 0) {
      const node = heapNodes[0] as number;
      if ((heapKeys[0] as number) >= answer) break;
      size--;
      if (size > 0) {
        const lastN = heapNodes[size] as number;
        const lastK = heapKeys[size] as number;
        let i = 0;
        for (;;) {
          const l = 2 * i + 1;
          if (l >= size) break;
          const r = l + 1;
          const c = r < size && (heapKeys[r] as number) < (heapKeys[l] as number) ? r : l;
          if ((heapKeys[c] as number) >= lastK) break;
          heapNodes[i] = heapNodes[c] as number;
          heapKeys[i] = heapKeys[c] as number;
          i = c;
        }
        heapNodes[i] = lastN;
        heapKeys[i] = lastK;
      }
      const l = this.left[node] as number;
      if (l < 0) {
        const e = this.end[node] as number;
        for (let i = this.start[node] as number; i < e; i++) {
          const p = perm[i] as number;
          if (taken[p] || p >= answer) continue;
          if (dot(uy, yo, xs, i * d, d) >= t) answer = p;
        }
        continue;
      }
      for (let child = l; child <= l + 1; child++) {
        const key = minPos[child] as number;
        if (key >= answer || this.bound(uy, yo, child) < t) continue;
        let i = size++;
        while (i > 0) {
          const parent = (i - 1) >> 1;
          if ((heapKeys[parent] as number) <= key) break;
          heapNodes[i] = heapNodes[parent] as number;
          heapKeys[i] = heapKeys[parent] as number;
          i = parent;
        }
        heapNodes[i] = child;
        heapKeys[i] = key;
      }
    }
    return answer;
  }

  private bound(uy: Float64Array, yo: number, node: number): number {
    const cosA = dot(uy, yo, this.centre, node * this.d, this.d);
    const cosT = this.cosT[node] as number;
    if (cosA >= cosT) return 1 + TREE_SLACK;
    const sinA = Math.sqrt(Math.max(0, 1 - cosA * cosA));
    return cosA * cosT + sinA * (this.sinT[node] as number) + TREE_SLACK;
  }

  /**
   * The remaining x of largest cosine with uy[yo..], ties to the smaller sorted position. Best-first:
   * nodes come off a max-heap by bound, and the search ends when the largest bound left is below
   * the best cosine found.
   */
  query(uy: Float64Array, yo: number, heapNodes: Int32Array, heapBounds: Float64Array): number {
    const { xs, d, taken, perm } = this;
    let best = -Infinity;
    let bestP = -1;
    let size = 1;
    heapNodes[0] = 0;
    heapBounds[0] = Infinity;
    while (size > 0) {
      const node = heapNodes[0] as number;
      if ((heapBounds[0] as number) < best) break;
      // pop the top
      size--;
      if (size > 0) {
        const lastN = heapNodes[size] as number;
        const lastB = heapBounds[size] as number;
        let i = 0;
        for (;;) {
          const l = 2 * i + 1;
          if (l >= size) break;
          const r = l + 1;
          const c = r < size && (heapBounds[r] as number) > (heapBounds[l] as number) ? r : l;
          if ((heapBounds[c] as number) <= lastB) break;
          heapNodes[i] = heapNodes[c] as number;
          heapBounds[i] = heapBounds[c] as number;
          i = c;
        }
        heapNodes[i] = lastN;
        heapBounds[i] = lastB;
      }
      // descend to a leaf through the child of larger bound, pushing the other one
      let at = node;
      for (;;) {
        const l = this.left[at] as number;
        if (l < 0) break;
        const bl = (this.count[l] as number) === 0 ? -Infinity : this.bound(uy, yo, l);
        const br = (this.count[l + 1] as number) === 0 ? -Infinity : this.bound(uy, yo, l + 1);
        const near = bl >= br ? l : l + 1;
        const far = bl >= br ? l + 1 : l;
        const bNear = bl >= br ? bl : br;
        const bFar = bl >= br ? br : bl;
        if (bFar >= best) {
          // push, sift up
          let i = size++;
          while (i > 0) {
            const parent = (i - 1) >> 1;
            if ((heapBounds[parent] as number) >= bFar) break;
            heapNodes[i] = heapNodes[parent] as number;
            heapBounds[i] = heapBounds[parent] as number;
            i = parent;
          }
          heapNodes[i] = far;
          heapBounds[i] = bFar;
        }
        if (bNear < best) {
          at = -1;
          break;
        }
        at = near;
      }
      if (at < 0) continue;
      const e = this.end[at] as number;
      for (let i = this.start[at] as number; i < e; i++) {
        const p = perm[i] as number;
        if (taken[p]) continue;
        const c = dot(uy, yo, xs, i * d, d);
        if (c > best || (c === best && p < bestP)) {
          best = c;
          bestP = p;
        }
      }
    }
    this.lastBest = best;
    return bestP;
  }
}

/**
 * Rebuild the tree over the remaining x once they are fewer than this fraction of those it was built
 * on: taken x leave loose cones behind, and a rebuild (three-way quickselect, ~n·d·depth) is cheap.
 */
const REBUILD_AT = 0.75;

export function treeGreedy(ux: Float64Array, uy: Float64Array, n: number, d: number, eps: number): Int32Array {
  const taken = new Uint8Array(n);
  const tree = new DirectionTree(ux, d, taken, n, eps > 0);
  const heapNodes = new Int32Array(2 * n + 2);
  const heapBounds = new Float64Array(2 * n + 2);
  const labelP = new Int32Array(n);
  for (let q = 0; q < n; q++) {
    if (tree.remaining >= 64 && tree.remaining < tree.builtSize * REBUILD_AT) tree.build();
    let p = tree.query(uy, q * d, heapNodes, heapBounds);
    if (eps > 0) p = tree.tieSearch(uy, q * d, tree.lastBest - eps, p, heapNodes, heapBounds);
    labelP[q] = p;
    tree.remove(p);
  }
  return labelP;
}
