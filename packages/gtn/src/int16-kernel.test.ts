import { Rng } from "@atlas/core";
import { describe, expect, it } from "vitest";
import { Int16Dots, paddedDim } from "./int16-kernel.js";

const S = 32767;

/** n quantised unit rows of dimension d padded to dp (some axis-aligned, some zero, the rest random). */
function quantisedUnits(rng: Rng, n: number, d: number, dp: number): Int16Array {
  const q = new Int16Array(n * dp);
  for (let i = 0; i < n; i++) {
    if (i % 11 === 5) continue; // zero row
    const v = rng.normalArray(d);
    if (i % 7 === 3) {
      v.fill(0);
      v[i % d] = i % 2 ? -1 : 1; // ±e_k: the extreme ±32767
    }
    const norm = Math.hypot(...v);
    for (let k = 0; k < d; k++) q[i * dp + k] = Math.round(((v[k] as number) / norm) * S);
  }
  return q;
}

function dotQ(a: Int16Array, ao: number, b: Int16Array, bo: number, dp: number): number {
  let s = 0;
  for (let k = 0; k < dp; k++) s += (a[ao + k] as number) * (b[bo + k] as number);
  return s;
}

describe("Int16Dots (WebAssembly SIMD int16 kernel)", () => {
  for (const [d, threads] of [[2, 1], [3, 2], [9, 1], [100, 1], [100, 2], [257, 2], [300, 1]] as const) {
    it(`d=${d}, ${threads} thread(s): every sum equals the plain integer dot product, and exactly the sums ≥ the row's threshold are reported`, () => {
      const rng = new Rng(d);
      const dp = paddedDim(d);
      expect(dp).toBeGreaterThanOrEqual(d);
      const rows = 13;
      const cols = 37;
      const qy = quantisedUnits(rng, rows + 2, d, dp);
      const qx = quantisedUnits(rng, 50, d, dp);
      const positions = Int32Array.from({ length: cols }, () => rng.int(50));
      const dots = Int16Dots.create(d, 16, 64, cols, threads);
      expect(dots).toBeDefined();
      if (!dots) return;
      if (threads > 1) expect(dots.parts).toBeGreaterThan(1);
      dots.setColumns(qx, positions, cols);
      const q0 = 2;
      dots.setRows(qy, q0, rows);
      const expected = (i: number, j: number): number => dotQ(qy, (q0 + i) * dp, qx, (positions[j] as number) * dp, dp);
      const tile = Int16Dots.tileCols;

      /** The entries of the last call as "row,col" → sum, checking each sum against the plain dot product. */
      const read = (): Map<string, number> => {
        const m = new Map<string, number>();
        for (let i = 0; i < rows; i++) {
          let last = -1;
          for (let part = 0; part < dots.parts; part++)
          for (let o = dots.start(i, part); o < dots.end(i, part); o += 2) {
            const j = dots.i32[o] as number;
            const sum = dots.i32[o + 1] as number;
            expect(j).toBeGreaterThan(last); // column order
            last = j;
            expect(j).toBeLessThan(Math.ceil(cols / tile) * tile);
            expect(sum, `row ${i} col ${j}`).toBe(j < cols ? expected(i, j) : 0); // zero padding
            m.set(`${i},${j}`, sum);
          }
        }
        return m;
      };

      // thresholds −2³¹: every (row, column) of every tile is a record, so all sums are compared
      for (let i = 0; i < rows; i++) dots.setThreshold(i, -(2 ** 31));
      dots.run(0, cols, rows);
      const all = read();
      expect(all.size).toBe(rows * Math.ceil(cols / tile) * tile);

      // per-row thresholds (some equal to a sum): records exactly for the sums ≥ the row's threshold,
      // here from the second tile on
      const thr = Array.from({ length: rows }, (_, i) => (i % 3 === 0 ? expected(i, rng.int(cols)) : Math.round(rng.uniform(-0.3, 0.3) * S * S)));
      for (let i = 0; i < rows; i++) dots.setThreshold(i, thr[i] as number);
      dots.run(tile, cols - tile, rows);
      const got = read();
      const want = new Set<string>();
      for (const [key, sum] of all) {
        const [i, j] = key.split(",").map(Number) as [number, number];
        if (j >= tile && sum >= (thr[i] as number)) want.add(key);
      }
      expect(new Set(got.keys())).toEqual(want);
      expect(want.size).toBeGreaterThan(0);
      expect(want.size).toBeLessThan(rows * cols - rows * tile);
    });
  }
});
