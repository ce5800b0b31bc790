import { Rng } from "@atlas/core";
import { describe, expect, it } from "vitest";
import { Int16Dots, paddedDim } from "./int16-kernel.js";

const S = 32767;

/** n quantised unit rows of dimension d padded to dp (some axis-aligned ±S, some zero, some repeated, the rest random). */
function quantisedUnits(rng: Rng, n: number, d: number, dp: number): Int16Array {
  const q = new Int16Array(n * dp);
  for (let i = 0; i < n; i++) {
    if (i % 11 === 5) continue; // zero row
    if (i % 13 === 12) {
      q.copyWithin(i * dp, (i - 1) * dp, i * dp); // a repeat: equal sums
      continue;
    }
    const v = rng.normalArray(d);
    if (i % 7 === 3) {
      v.fill(0);
      v[i % d] = i % 2 ? -1 : 1; // ±e_k: the extreme ±32767
    }
    const norm = Math.hypot(...v);
    for (let k = 0; k < d; k++) q[i * dp + k] = Math.floor(((v[k] as number) / norm) * S + 0.5);
  }
  return q;
}

function dotQ(a: Int16Array, ao: number, b: Int16Array, bo: number, dp: number): number {
  let s = 0;
  for (let k = 0; k < dp; k++) s += (a[ao + k] as number) * (b[bo + k] as number);
  return s;
}

describe("Int16Dots (WebAssembly SIMD int16 kernel with the candidate rule fused in)", () => {
  const cases: [d: number, threads: number, L: number, bandScale: number][] = [
    [2, 1, 1, 0],
    [3, 2, 4, 0.01],
    [9, 1, 4, 0.2],
    [100, 1, 16, 0.001],
    [100, 2, 3, 0.05],
    [257, 2, 4, 0],
    [300, 1, 8, 0.02],
  ];
  for (const [d, threads, L, bandScale] of cases) {
    it(`d=${d}, ${threads} thread(s), L=${L}, band ${bandScale}·S²: exact sums; keeps every valid column ≥ (L-th largest) − band, and its threshold never exceeds that`, () => {
      const rng = new Rng(d * 7 + L);
      const dp = paddedDim(d);
      expect(dp % 2).toBe(0);
      expect(dp).toBeGreaterThanOrEqual(d);
      const rows = 13;
      const cols = 77;
      const qy = quantisedUnits(rng, rows + 2, d, dp);
      const qx = quantisedUnits(rng, 90, d, dp);
      const positions = Int32Array.from({ length: cols }, () => rng.int(90));
      const dots = Int16Dots.create(d, 16, cols, L, threads);
      expect(dots).toBeDefined();
      if (!dots) return;
      if (threads > 1) expect(dots.parts).toBeGreaterThan(1);
      dots.setColumns(qx, positions, cols);
      const invalid = new Set([0, 5, 6, 40, cols - 1]);
      for (const j of invalid) dots.invalidate(j);
      const q0 = 2;
      const band = Math.round(bandScale * S * S);
      const expected = (i: number, j: number): number => dotQ(qy, (q0 + i) * dp, qx, (positions[j] as number) * dp, dp);
      for (let round = 0; round < 2; round++) {
        // the second round re-uses the packed columns with fresh row states
        dots.setRows(qy, q0, rows, band);
        dots.run(rows);
        let keptTotal = 0;
        let validTotal = 0;
        for (let i = 0; i < rows; i++) {
          expect(dots.overflowed(i)).toBe(false);
          const kept = new Map<number, number>();
          let last = -1;
          for (let o = dots.start(i); o < dots.end(i); o += 2) {
            const j = dots.i32[o] as number;
            const sum = dots.i32[o + 1] as number;
            expect(j, "column order").toBeGreaterThan(last);
            last = j;
            expect(invalid.has(j) || j >= cols, `column ${j} must not be offered`).toBe(false);
            expect(sum, `row ${i} col ${j}`).toBe(expected(i, j));
            kept.set(j, sum);
          }
          const valid = Array.from({ length: cols }, (_, j) => j).filter((j) => !invalid.has(j));
          const sums = valid.map((j) => expected(i, j)).sort((a, b) => b - a);
          const vL = sums[L - 1] as number;
          const t = dots.threshold(i);
          expect(t).toBeLessThanOrEqual(Math.max(-(2 ** 31), vL - band));
          if (valid.length >= L) expect(t).toBe(Math.max(-(2 ** 31), vL - band)); // one part per row: exactly its L-th largest − band
          for (const j of valid) if (expected(i, j) >= vL - band) expect(kept.has(j), `row ${i}: column ${j} (sum ${expected(i, j)}, vL ${vL}) must be kept`).toBe(true);
          keptTotal += kept.size;
          validTotal += valid.length;
        }
        // and the rule does filter: with a small band most columns are not kept (a zero y row ties them all)
        if (bandScale <= 0.01 && L <= 4) expect(keptTotal).toBeLessThan(validTotal / 2);
      }
    });
  }

  it("a row whose buffer cannot hold every sum within the band overflows (and stops), the others do not", () => {
    const rng = new Rng(5);
    const d = 12;
    const dp = paddedDim(d);
    const cols = 700;
    const qy = quantisedUnits(rng, 8, d, dp);
    const qx = quantisedUnits(rng, cols, d, dp);
    const dots = Int16Dots.create(d, 8, cols, 4, 1);
    if (!dots) throw new Error("no SIMD");
    expect(dots.capacity).toBeLessThan(cols);
    dots.setColumns(qx, Int32Array.from({ length: cols }, (_, j) => j), cols);
    dots.setRows(qy, 0, 8, 2 ** 31 - 1); // band: everything is within it
    dots.run(8);
    for (let i = 0; i < 8; i++) {
      if (i === 5) continue; // a zero y row: every sum is 0, all within the band too
      expect(dots.overflowed(i)).toBe(true);
    }
    dots.setRows(qy, 0, 8, 0);
    dots.run(8);
    for (let i = 0; i < 8; i++) expect(dots.overflowed(i)).toBe(i === 5); // band 0: only the zero row's 700 ties overflow
  });
});
