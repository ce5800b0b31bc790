import * as tf from "@tensorflow/tfjs";
import { initBackend } from "@atlas/core";
import { beforeAll, describe, expect, it } from "vitest";
import { chartMembership, pairLayout, segmentLogSumExp } from "./charts.js";
import { testRandom } from "./reference.test.util.js";

beforeAll(async () => {
  await initBackend();
});

/** The membership rule in float64, from the definition: d_k ≤ (1 + ε)·d̃_m. */
function membership64(codes: number[][], centres: number[][], m: number, eps: number): boolean[][] {
  return codes.map((c) => {
    const d = centres.map((v) => Math.sqrt(v.reduce((s, vj, j) => s + (vj - (c[j] as number)) ** 2, 0)));
    const dm = [...d].sort((a, b) => a - b)[m - 1] as number;
    return d.map((dk) => dk <= (1 + eps) * dm);
  });
}

async function member(codes: number[][], centres: number[][], m: number, eps: number): Promise<boolean[][]> {
  const t = chartMembership(tf.tensor2d(codes), tf.tensor2d(centres), m, eps);
  const v = (await t.array()) as unknown as (boolean | number)[][];
  t.dispose();
  return v.map((r) => r.map(Boolean));
}

describe("chart membership U_k = { x : d_k ≤ (1 + ε)·d̃_m }", () => {
  const centres = [
    [0, 0],
    [2, 0],
    [0, 2],
    [2, 2],
  ];

  it("a point exactly on a centre is in that chart (d̃_1 = 0: the poster's strict < would leave it in none)", async () => {
    expect(await member([[2, 0]], centres, 1, 0)).toEqual([[false, true, false, false]]);
    expect(await member([[2, 0]], centres, 1, 0.5)).toEqual([[false, true, false, false]]);
    // on a centre that appears twice: both copies
    expect(await member([[1, 1]], [[1, 1], [5, 5], [1, 1]], 1, 0)).toEqual([[true, false, true]]);
    // m = 2 on a centre: the centre and the nearest others (here two at equal distance 2)
    expect(await member([[0, 0]], centres, 2, 0)).toEqual([[true, true, true, false]]);
  });

  it("equal distances are ties, and ties are all in: a point in at least m charts", async () => {
    // (1, 0) is at distance 1 from centres 0 and 1: both, for m = 1 and ε = 0
    expect(await member([[1, 0]], centres, 1, 0)).toEqual([[true, true, false, false]]);
    // the centre of the square is equidistant from all four
    expect(await member([[1, 1]], centres, 1, 0)).toEqual([[true, true, true, true]]);
    expect(await member([[1, 1]], centres, 3, 0)).toEqual([[true, true, true, true]]);
  });

  it("the boundary d_k = (1 + ε)·d̃_m is inside (≤), just beyond it is outside", async () => {
    // distances 1 and 1.5 (exact in float32), ε = 0.5: 1.5 ≤ 1.5·1
    expect(await member([[0, 0]], [[1, 0], [0, 1.5]], 1, 0.5)).toEqual([[true, true]]);
    expect(await member([[0, 0]], [[1, 0], [0, 1.5]], 1, 0.49)).toEqual([[true, false]]);
  });

  it("matches the float64 definition on random codes with duplicates, and every row has ≥ m charts", async () => {
    const r = testRandom(4);
    const cents = Array.from({ length: 7 }, () => [r() * 4 - 2, r() * 4 - 2, r() * 4 - 2]);
    const codes = Array.from({ length: 300 }, (_, i) => (i % 10 === 0 ? [...(cents[i % 7] as number[])] : [r() * 4 - 2, r() * 4 - 2, r() * 4 - 2]));
    for (const [m, eps] of [
      [1, 0],
      [1, 0.3],
      [2, 0.1],
      [3, 0],
      [7, 0],
    ] as const) {
      const got = await member(codes, cents, m, eps);
      const want = membership64(codes, cents, m, eps);
      // float32 vs float64 distances can disagree only within rounding of the boundary: count them
      let differ = 0;
      got.forEach((row, i) => {
        expect(row.filter(Boolean).length).toBeGreaterThanOrEqual(m);
        row.forEach((v, k) => {
          if (v !== want[i]![k]) differ++;
        });
      });
      expect(differ).toBe(0);
    }
  });
});

describe("pairLayout and segmentLogSumExp: one flow pass for all memberships", () => {
  it("lays the pairs out slot-major over points sorted by their chart count", () => {
    // point 0: charts {1}; point 1: {0, 2, 3}; point 2: {0, 1}; point 3: {3}
    const m = [0, 1, 0, 0, 1, 0, 1, 1, 1, 1, 0, 0, 0, 0, 0, 1];
    const layout = pairLayout(m, 4, 4);
    expect(Array.from(layout.counts)).toEqual([1, 3, 2, 1]);
    expect(Array.from(layout.order)).toEqual([1, 2, 0, 3]); // by count, descending, stable
    expect(Array.from(layout.slotSizes)).toEqual([4, 2, 1]);
    expect(Array.from(layout.pairPoint)).toEqual([1, 2, 0, 3, 1, 2, 1]);
    expect(Array.from(layout.pairChart)).toEqual([0, 0, 1, 3, 2, 1, 3]);
    expect(() => pairLayout([0, 0], 1, 2)).toThrow(/no chart/);
  });

  it("log Σ_k over each point's pairs equals the host logsumexp, gradient included", async () => {
    const r = testRandom(9);
    const n = 40;
    const K = 6;
    const m = Array.from({ length: n * K }, (_, i) => (i % K === Math.floor(i / K) % K || r() < 0.3 ? 1 : 0));
    const layout = pairLayout(m, n, K);
    const values = Float32Array.from({ length: layout.pairPoint.length }, () => r() * 60 - 30);
    const v = tf.tensor1d(values);
    const out = segmentLogSumExp(v, layout);
    const got = await out.data();
    for (let j = 0; j < n; j++) {
      const i = layout.order[j]!;
      const mine = [...values].filter((_, p) => layout.pairPoint[p] === i);
      const max = Math.max(...mine);
      const ref = max + Math.log(mine.reduce((s, x) => s + Math.exp(x - max), 0));
      expect(got[j]).toBeCloseTo(ref, 4);
    }
    // the gradient of Σ lse w.r.t. each pair value is its softmax weight within the point
    const probe = tf.variable(v);
    const g = tf.variableGrads(() => tf.sum(segmentLogSumExp(probe as unknown as tf.Tensor1D, layout)) as tf.Scalar, [probe]);
    const gv = await g.grads[probe.name]!.data();
    for (let p = 0; p < values.length; p++) {
      const i = layout.pairPoint[p]!;
      const mine = [...values].filter((_, q) => layout.pairPoint[q] === i);
      const max = Math.max(...mine);
      const z = mine.reduce((s, x) => s + Math.exp(x - max), 0);
      expect(gv[p]).toBeCloseTo(Math.exp(values[p]! - max) / z, 5);
    }
    tf.dispose([v, out, probe, g.value, ...Object.values(g.grads)]);
  });
});
