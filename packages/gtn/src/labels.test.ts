import { readFileSync } from "node:fs";
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { AtlasError, Rng } from "@atlas/core";
import { beforeAll, describe, expect, it } from "vitest";
import { gtnLabels, type GtnLabelOptions } from "./labels.js";

beforeAll(async () => {
  await tf.setBackend("wasm");
  await tf.ready();
});

interface Fixture {
  name: string;
  x: number[][];
  y: number[][];
  assign: number[];
}
const fixtures = (JSON.parse(readFileSync(new URL("./fixtures/labels.json", import.meta.url), "utf8")) as { cases: Fixture[] }).cases;

function normal(rng: Rng, n: number, d: number): Float64Array {
  return Float64Array.from(rng.normalArray(n * d));
}

function isPermutation(a: Int32Array): boolean {
  const seen = new Uint8Array(a.length);
  for (const v of a) {
    if (v < 0 || v >= a.length || seen[v]) return false;
    seen[v] = 1;
  }
  return true;
}

const fastVariants: [string, GtnLabelOptions][] = [
  ["auto", {}],
  ["tree", { strategy: "tree" }],
  ["blocks float64", { strategy: "blocks", gemm: "float64", blockSize: 32 }],
  ["blocks tfjs", { strategy: "blocks", gemm: "tfjs", blockSize: 32 }],
  ["blocks float64 with refills", { strategy: "blocks", gemm: "float64", blockSize: 16, candidates: 2 }],
  ["blocks tfjs with refills", { strategy: "blocks", gemm: "tfjs", blockSize: 16, candidates: 3 }],
];

describe("gtnLabels against an independent NumPy implementation of Algorithm 1", () => {
  // fixtures from packages/gtn/scripts/make-label-fixtures.py (np.argmax over unit-vector cosines)
  for (const f of fixtures) {
    it(`${f.name}: scan and every fast variant reproduce it`, () => {
      expect(Array.from(gtnLabels(f.x, f.y, { method: "scan" }))).toEqual(f.assign);
      for (const [, options] of fastVariants) expect(Array.from(gtnLabels(f.x, f.y, options))).toEqual(f.assign);
    });
  }
});

describe("gtnLabels 'fast' equals 'scan'", () => {
  const cases: [number, number, string][] = [
    [400, 1, "normal"],
    [1500, 1, "integers"],
    [600, 2, "normal"],
    [900, 5, "normal"],
    [300, 5, "duplicates+zeros"],
    [500, 12, "normal"],
    [400, 100, "normal"],
    [200, 100, "duplicates+zeros"],
  ];
  for (const [n, d, kind] of cases) {
    it(`n=${n}, d=${d}, ${kind}`, () => {
      const rng = new Rng(n * 131 + d);
      let x: Float64Array;
      let y: Float64Array;
      if (kind === "integers") {
        x = Float64Array.from({ length: n * d }, () => rng.int(9) - 4);
        y = Float64Array.from({ length: n * d }, () => rng.int(7) - 3);
      } else if (kind === "duplicates+zeros") {
        const base = normal(rng, 20, d);
        x = new Float64Array(n * d);
        y = normal(rng, n, d);
        for (let i = 0; i < n; i++) {
          const r = rng.int(21); // 20 = a zero row
          if (r < 20) x.set(base.subarray(r * d, r * d + d), i * d);
          if (i % 17 === 0) y.fill(0, i * d, i * d + d);
          if (i % 13 === 0) y.set(base.subarray((i % 20) * d, (i % 20) * d + d), i * d);
        }
      } else {
        x = Float64Array.from(rng.uniformArray(n * d, -1, 3));
        y = normal(rng, n, d);
      }
      const ref = gtnLabels({ data: x, dim: d }, { data: y, dim: d }, { method: "scan" });
      expect(isPermutation(ref)).toBe(true);
      for (const [name, options] of fastVariants) {
        const got = gtnLabels({ data: x, dim: d }, { data: y, dim: d }, options);
        expect(Array.from(got), name).toEqual(Array.from(ref));
      }
    });
  }

  it("accepts number[][], { data, dim } and Tensor2D alike", () => {
    const rng = new Rng(3);
    const x = normal(rng, 50, 3);
    const y = normal(rng, 50, 3);
    const rows = (a: Float64Array): number[][] => Array.from({ length: 50 }, (_, i) => Array.from(a.subarray(i * 3, i * 3 + 3)));
    const a = gtnLabels(rows(x), rows(y));
    const xt = tf.tensor2d(rows(x));
    const yt = tf.tensor2d(rows(y));
    // the tensor route rounds to float32; compare it with the same rounding in row-major form
    const b = gtnLabels(xt, yt);
    const c = gtnLabels({ data: Float32Array.from(x), dim: 3 }, { data: Float32Array.from(y), dim: 3 });
    xt.dispose();
    yt.dispose();
    expect(isPermutation(a)).toBe(true);
    expect(Array.from(b)).toEqual(Array.from(c));
    expect(Array.from(gtnLabels({ data: x, dim: 3 }, { data: y, dim: 3 }))).toEqual(Array.from(a));
  });

  it("does not leak tensors on the tfjs path", () => {
    const rng = new Rng(5);
    const x = { data: normal(rng, 300, 20), dim: 20 };
    const y = { data: normal(rng, 300, 20), dim: 20 };
    gtnLabels(x, y, { strategy: "blocks", gemm: "tfjs", blockSize: 64 });
    const before = tf.memory().numTensors;
    gtnLabels(x, y, { strategy: "blocks", gemm: "tfjs", blockSize: 64 });
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe("gtnLabels in 1-D (closed form)", () => {
  /** Rank of each entry among those of the same sign by |v| (stable by index), 0-based. */
  function signRanks(v: number[]): { sign: number; rank: number }[] {
    const out = v.map((a) => ({ sign: Math.sign(a), rank: -1 }));
    for (const s of [1, -1]) {
      const idx = v.map((a, i) => [a, i] as const).filter(([a]) => Math.sign(a) === s);
      idx.sort((p, q) => Math.abs(p[0]) - Math.abs(q[0]) || p[1] - q[1]);
      idx.forEach(([, i], r) => ((out[i] as { rank: number }).rank = r));
    }
    return out;
  }

  it("equal sign counts: each y gets the same-sign x of the same rank", () => {
    const rng = new Rng(11);
    const n = 2000;
    const x = Array.from({ length: n }, (_, i) => (i % 2 ? 1 : -1) * (0.1 + rng.next() * 5));
    const y = Array.from({ length: n }, (_, i) => (i % 2 ? -1 : 1) * Math.abs(rng.normal()) + 0 * i);
    const rx = signRanks(x);
    const ry = signRanks(y);
    for (const method of ["scan", "fast"] as const) {
      const assign = gtnLabels(x.map((v) => [v]), y.map((v) => [v]), { method });
      for (let i = 0; i < n; i++) {
        const got = rx[assign[i] as number] as { sign: number; rank: number };
        expect(got).toEqual(ry[i]);
      }
    }
  });

  it("unequal counts: same-rank pairs up to the smaller count, the surplus y take the other sign's x in norm order", () => {
    const rng = new Rng(12);
    const n = 1000;
    const x = Array.from({ length: n }, (_, i) => (i < 400 ? 1 : -1) * (0.01 + rng.next()));
    const y = Array.from({ length: n }, () => rng.normal());
    const posY = y.filter((v) => v > 0).length;
    expect(posY).toBeGreaterThan(400); // the surplus is on the positive side
    const rx = signRanks(x);
    const ry = signRanks(y);
    const assign = gtnLabels(x.map((v) => [v]), y.map((v) => [v]));
    expect(Array.from(assign)).toEqual(Array.from(gtnLabels(x.map((v) => [v]), y.map((v) => [v]), { method: "scan" })));
    // y that take negative x: the negative y and the positive y of rank ≥ 400, in ascending |y| order
    const rest: number[] = [];
    for (let i = 0; i < n; i++) {
      const r = ry[i] as { sign: number; rank: number };
      if (r.sign > 0 && r.rank < 400) expect(rx[assign[i] as number]).toEqual(r);
      else rest.push(i);
    }
    rest.sort((a, b) => Math.abs(y[a] as number) - Math.abs(y[b] as number) || a - b);
    rest.forEach((i, k) => expect(rx[assign[i] as number]).toEqual({ sign: -1, rank: k }));
  });
});

describe("gtnLabels bad input", () => {
  const ok = [[1, 2], [3, 4]];
  it.each([
    ["n(x) ≠ n(y)", ok, [[1, 2]]],
    ["different dimensions", ok, [[1], [2]]],
    ["NaN in x", [[1, Number.NaN], [3, 4]], ok],
    ["Infinity in y", ok, [[1, 2], [Number.POSITIVE_INFINITY, 4]]],
    ["empty x", [], []],
    ["ragged rows", [[1, 2], [3]], ok],
  ])("%s → AtlasError", (_, x, y) => {
    expect(() => gtnLabels(x as number[][], y as number[][])).toThrow(AtlasError);
  });
  it("names the argument and rejects bad options", () => {
    expect(() => gtnLabels(ok, [[1, 2]])).toThrow(/y/);
    expect(() => gtnLabels(ok, ok, { method: "greedy" as "scan" })).toThrow(AtlasError);
    expect(() => gtnLabels(ok, ok, { blockSize: 0 })).toThrow(AtlasError);
  });
});
