/**
 * d = 1: unit values are exactly -1, 0 or +1, so cosines are exactly ±1 or 0 and the greedy
 * reduces to three queues (positive, zero, negative x, each in sorted order). A y of sign s has
 * cosine s·v with the queue of sign v (0 for a zero y); the best is the largest cosine of a
 * non-empty queue, every queue whose cosine is ≥ best − ε is tied, and the smallest head among the
 * tied queues wins. With ε < 1 (and ε = 0 in particular): a positive y takes the smallest remaining
 * positive x, else the smallest zero x, else the smallest negative x; a zero y the smallest of all.
 */
export function oneDimensional(ux: Float64Array, uy: Float64Array, n: number, eps: number): Int32Array {
  const queues: number[][] = [[], [], []]; // x of sign +1, 0, -1
  const signOf = [1, 0, -1] as const;
  for (let p = 0; p < n; p++) {
    const v = ux[p] as number;
    (queues[v > 0 ? 0 : v < 0 ? 2 : 1] as number[]).push(p);
  }
  const taken = new Uint8Array(n);
  const heads = new Int32Array(3);
  const head = (k: number): number => {
    const list = queues[k] as number[];
    let h = heads[k] as number;
    while (h < list.length && taken[list[h] as number]) h++;
    heads[k] = h;
    return h < list.length ? (list[h] as number) : -1;
  };
  const labelP = new Int32Array(n);
  const cos = new Float64Array(3);
  const first = new Int32Array(3);
  for (let q = 0; q < n; q++) {
    const s = uy[q] as number; // exactly -1, 0 or 1
    let best = -Infinity;
    for (let k = 0; k < 3; k++) {
      first[k] = head(k);
      cos[k] = s * (signOf[k] as number) + 0; // + 0: no negative zero
      if ((first[k] as number) >= 0 && (cos[k] as number) > best) best = cos[k] as number;
    }
    const t = best - eps;
    let p = -1;
    for (let k = 0; k < 3; k++) {
      const h = first[k] as number;
      if (h >= 0 && (cos[k] as number) >= t && (p < 0 || h < p)) p = h;
    }
    taken[p] = 1;
    labelP[q] = p;
  }
  return labelP;
}
