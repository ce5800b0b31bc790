import { readFileSync } from "node:fs";
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { AtlasError, Rng } from "@atlas/core";
import { beforeAll, describe, expect, it } from "vitest";
import { Int16Dots } from "./int16-kernel.js";
import { gtnLabels, type GtnLabelOptions } from "./labels/index.js";

beforeAll(async () => {
  await tf.setBackend("wasm");
  await tf.ready();
});

interface Fixture {
  name: string;
  x: number[][];
  y: number[][];
  assign: number[];
  /** Tie tolerance the case was labelled with (absent: 0). */
  cosineTolerance?: number;
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
  ["blocks int16", { strategy: "blocks", gemm: "int16", blockSize: 32 }],
  ["blocks int16 with refills", { strategy: "blocks", gemm: "int16", blockSize: 16, candidates: 2 }],
  ["blocks float64 with refills", { strategy: "blocks", gemm: "float64", blockSize: 16, candidates: 2 }],
  ["blocks tfjs with refills", { strategy: "blocks", gemm: "tfjs", blockSize: 16, candidates: 3 }],
];

describe("gtnLabels against an independent NumPy implementation of Algorithm 1", () => {
  // fixtures from packages/gtn/scripts/make-label-fixtures.py (np.argmax over unit-vector cosines)
  for (const f of fixtures) {
    it(`${f.name}: scan and every fast variant reproduce it`, async () => {
      const cosineTolerance = f.cosineTolerance ?? 0;
      expect(Array.from(await gtnLabels(f.x, f.y, { method: "scan", cosineTolerance }))).toEqual(f.assign);
      for (const [, options] of fastVariants) expect(Array.from(await gtnLabels(f.x, f.y, { ...options, cosineTolerance }))).toEqual(f.assign);
      // a tolerance case must exercise the tolerance: its labels differ from ε = 0 (in 1-D, ε < 1 changes
      // nothing, and with ε = 1 the zero y take the zero x first either way)
      if (cosineTolerance > 0 && (f.x[0]?.length !== 1 || cosineTolerance >= 2)) {
        expect(Array.from(await gtnLabels(f.x, f.y, { method: "scan" }))).not.toEqual(f.assign);
      }
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
    for (const eps of d === 1 ? [0, 0.5, 1, 2] : [0, 1e-3, 0.05])
    it(`n=${n}, d=${d}, ${kind}, cosineTolerance ${eps}`, async () => {
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
      const ref = await gtnLabels({ data: x, dim: d }, { data: y, dim: d }, { method: "scan", cosineTolerance: eps });
      expect(isPermutation(ref)).toBe(true);
      for (const [name, options] of fastVariants) {
        const got = await gtnLabels({ data: x, dim: d }, { data: y, dim: d }, { ...options, cosineTolerance: eps });
        expect(Array.from(got), name).toEqual(Array.from(ref));
      }
    });
  }

  it("accepts number[][], { data, dim } and Tensor2D alike", async () => {
    const rng = new Rng(3);
    const x = normal(rng, 50, 3);
    const y = normal(rng, 50, 3);
    const rows = (a: Float64Array): number[][] => Array.from({ length: 50 }, (_, i) => Array.from(a.subarray(i * 3, i * 3 + 3)));
    const a = await gtnLabels(rows(x), rows(y));
    const xt = tf.tensor2d(rows(x));
    const yt = tf.tensor2d(rows(y));
    // the tensor route rounds to float32; compare it with the same rounding in row-major form
    const b = await gtnLabels(xt, yt);
    const c = await gtnLabels({ data: Float32Array.from(x), dim: 3 }, { data: Float32Array.from(y), dim: 3 });
    xt.dispose();
    yt.dispose();
    expect(isPermutation(a)).toBe(true);
    expect(Array.from(b)).toEqual(Array.from(c));
    expect(Array.from(await gtnLabels({ data: x, dim: 3 }, { data: y, dim: 3 }))).toEqual(Array.from(a));
  });

  it("does not leak tensors on the tfjs path", async () => {
    const rng = new Rng(5);
    const x = { data: normal(rng, 300, 20), dim: 20 };
    const y = { data: normal(rng, 300, 20), dim: 20 };
    await gtnLabels(x, y, { strategy: "blocks", gemm: "tfjs", blockSize: 64 });
    const before = tf.memory().numTensors;
    await gtnLabels(x, y, { strategy: "blocks", gemm: "tfjs", blockSize: 64 });
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe("gtnLabels 'blocks' with the int16 kernel equals 'scan' and the other products", () => {
  /** x: a mixture of k tight clusters (many near-ties in direction) with duplicated rows and zero rows. */
  function clustered(rng: Rng, n: number, d: number, k: number): Float64Array {
    const centres = normal(rng, k, d);
    const x = new Float64Array(n * d);
    for (let i = 0; i < n; i++) {
      if (i % 29 === 7) continue; // zero row
      if (i % 11 === 3 && i > 11) {
        x.copyWithin(i * d, (i - 11) * d, (i - 10) * d); // exact duplicate of an earlier row
        continue;
      }
      const c = rng.int(k);
      for (let j = 0; j < d; j++) x[i * d + j] = (centres[c * d + j] as number) + 0.05 * rng.normal();
    }
    return x;
  }
  const cases: [number, number, "normal" | "clustered"][] = [
    [500, 9, "normal"],
    [400, 37, "clustered"],
    [600, 50, "normal"],
    [400, 100, "clustered"],
    [300, 300, "normal"],
  ];
  for (const [n, d, kind] of cases) {
    it(`n=${n}, d=${d}, ${kind}: int16 == scan == float64 == tfjs for ε = 0, 10⁻³, 0.05`, async () => {
      const rng = new Rng(7 * n + d);
      const x = kind === "clustered" ? clustered(rng, n, d, 6) : Float64Array.from(rng.uniformArray(n * d, -1, 3));
      const y = normal(rng, n, d);
      for (let i = 0; i < n; i += 37) y.fill(0, i * d, i * d + d); // zero y
      for (const eps of [0, 1e-3, 0.05]) {
        const X = { data: x, dim: d };
        const Y = { data: y, dim: d };
        const ref = Array.from(await gtnLabels(X, Y, { method: "scan", cosineTolerance: eps }));
        for (const options of [
          { gemm: "int16", threads: 2 },
          { gemm: "int16", threads: 1 },
          { gemm: "int16", blockSize: 64, candidates: 4 },
          { gemm: "int16", blockSize: 8, candidates: 1 },
          { gemm: "float64" },
          { gemm: "tfjs" },
        ] as GtnLabelOptions[]) {
          expect(Array.from(await gtnLabels(X, Y, { strategy: "blocks", cosineTolerance: eps, ...options })), `${JSON.stringify(options)} ε=${eps}`).toEqual(ref);
        }
      }
    });
  }

  it("tiny inputs (n = 1 … 17, d = 9 … 64, L and blocks larger than n, huge ε): int16 == scan on one and two threads", async () => {
    const rng = new Rng(79);
    for (const [n, d] of [[1, 9], [2, 9], [3, 20], [5, 12], [17, 64]] as const) {
      const x = normal(rng, n, d);
      const y = normal(rng, n, d);
      for (const eps of [0, 0.05, 2.5]) {
        const ref = Array.from(await gtnLabels({ data: x, dim: d }, { data: y, dim: d }, { method: "scan", cosineTolerance: eps }));
        for (const threads of [1, 2]) {
          for (const extra of [{}, { blockSize: 2, candidates: 1 }]) {
            const got = await gtnLabels({ data: x, dim: d }, { data: y, dim: d }, { strategy: "blocks", gemm: "int16", threads, cosineTolerance: eps, ...extra });
            expect(Array.from(got), `n=${n} d=${d} ε=${eps} threads=${threads} ${JSON.stringify(extra)}`).toEqual(ref);
          }
        }
      }
    }
  });

  it("exact ties: x made of a few repeated directions (many equal cosines), duplicated y", async () => {
    const rng = new Rng(77);
    const n = 400;
    const d = 20;
    const dirs = normal(rng, 5, d);
    const x = new Float64Array(n * d);
    for (let i = 0; i < n; i++) {
      const s = 0.5 + rng.int(4); // same direction, a few norms: exact cosine ties
      const c = rng.int(5);
      for (let j = 0; j < d; j++) x[i * d + j] = s * (dirs[c * d + j] as number);
    }
    const y = normal(rng, n, d);
    y.copyWithin(0, d, 40 * d);
    for (const eps of [0, 1e-3]) {
      const ref = Array.from(await gtnLabels({ data: x, dim: d }, { data: y, dim: d }, { method: "scan", cosineTolerance: eps }));
      expect(Array.from(await gtnLabels({ data: x, dim: d }, { data: y, dim: d }, { strategy: "blocks", gemm: "int16", blockSize: 32, cosineTolerance: eps }))).toEqual(ref);
    }
  });

  it("falls back to the other products without WebAssembly SIMD (ATLAS_NO_SIMD=1), same labels", async () => {
    const rng = new Rng(78);
    const x = { data: normal(rng, 300, 30), dim: 30 };
    const y = { data: normal(rng, 300, 30), dim: 30 };
    const withSimd = Array.from(await gtnLabels(x, y, { strategy: "blocks", gemm: "int16" }));
    const saved = process.env.ATLAS_NO_SIMD;
    process.env.ATLAS_NO_SIMD = "1";
    try {
      expect(Int16Dots.create(30, 256, 300, 16)).toBeUndefined();
      expect(Array.from(await gtnLabels(x, y, { strategy: "blocks", gemm: "int16" }))).toEqual(withSimd);
    } finally {
      if (saved === undefined) delete process.env.ATLAS_NO_SIMD;
      else process.env.ATLAS_NO_SIMD = saved;
    }
    expect(Int16Dots.create(30, 256, 300, 16)).toBeDefined();
    expect(Array.from(await gtnLabels(x, y, { method: "scan" }))).toEqual(withSimd);
  });
});

describe("gtnLabels cosineTolerance (ties within ε go to the smallest norm)", () => {
  /** Brute force, written from the definition: plain arrays, Math.hypot norms, splice removal. */
  function bruteForce(x: number[][], y: number[][], eps: number): number[] {
    const unit = (v: number[]): number[] => {
      const r = Math.hypot(...v);
      return r === 0 ? v.map(() => 0) : v.map((a) => a / r);
    };
    const byNorm = (a: number[][]): number[] => a.map((_, i) => i).sort((i, j) => Math.hypot(...(a[i] as number[])) - Math.hypot(...(a[j] as number[])) || i - j);
    const remaining = byNorm(x);
    const assign = new Array<number>(y.length).fill(-1);
    for (const i of byNorm(y)) {
      const u = unit(y[i] as number[]);
      const cos = remaining.map((j) => unit(x[j] as number[]).reduce((s, a, k) => s + a * (u[k] as number), 0));
      const best = Math.max(...cos);
      const k = cos.findIndex((c) => c >= best - eps); // first in norm order among the tied
      assign[i] = remaining[k] as number;
      remaining.splice(k, 1);
    }
    return assign;
  }

  for (const [d, eps] of [[1, 1], [2, 1e-3], [2, 0.02], [2, 0.3], [3, 0.01]] as const) {
    it(`d=${d}, ε=${eps}: scan and every fast variant equal the brute force, which differs from ε = 0`, async () => {
      const rng = new Rng(40 + d);
      const n = 300;
      const x = Array.from({ length: n }, () => Array.from({ length: d }, () => (d === 1 ? rng.int(7) - 3 : rng.uniform(-1, 2))));
      const y = Array.from({ length: n }, () => Array.from({ length: d }, () => rng.normal()));
      const ref = bruteForce(x, y, eps);
      expect(Array.from(await gtnLabels(x, y, { method: "scan", cosineTolerance: eps }))).toEqual(ref);
      for (const [name, options] of fastVariants) expect(Array.from(await gtnLabels(x, y, { ...options, cosineTolerance: eps })), name).toEqual(ref);
      expect(Array.from(await gtnLabels(x, y))).not.toEqual(ref);
    });
  }

  it("ε ≥ 2 ties everything: the q-th smallest y gets the q-th smallest x (norm-rank matching), any d", async () => {
    const rng = new Rng(9);
    for (const d of [1, 2, 5, 20]) {
      const n = 200;
      const x = Float64Array.from(rng.uniformArray(n * d, -1, 3));
      const y = Float64Array.from(rng.normalArray(n * d));
      const norm = (a: Float64Array, i: number): number => Math.hypot(...a.subarray(i * d, i * d + d));
      const rank = (a: Float64Array): number[] => Array.from({ length: n }, (_, i) => i).sort((i, j) => norm(a, i) - norm(a, j) || i - j);
      const rx = rank(x);
      const ry = rank(y);
      const expected = new Array<number>(n);
      ry.forEach((i, q) => (expected[i] = rx[q] as number));
      for (const [name, options] of fastVariants) {
        expect(Array.from(await gtnLabels({ data: x, dim: d }, { data: y, dim: d }, { ...options, cosineTolerance: 2.5 })), `${name} d=${d}`).toEqual(expected);
      }
    }
  });

  it("rejects a negative or non-finite tolerance", async () => {
    await expect(gtnLabels([[1]], [[1]], { cosineTolerance: -1e-9 })).rejects.toThrow(AtlasError);
    await expect(gtnLabels([[1]], [[1]], { cosineTolerance: Number.NaN })).rejects.toThrow(/cosineTolerance/);
  });
});

describe("gtnLabels without sorting (sortByNorm: false, the ablation of Figure 11)", () => {
  /** Brute force from the definition: y walked in given order, the remaining x of largest cosine, ties to the x given first. */
  function unsortedGreedy(x: number[][], y: number[][], eps: number): number[] {
    const unit = (v: number[]): number[] => {
      const r = Math.hypot(...v);
      return r === 0 ? v.map(() => 0) : v.map((a) => a / r);
    };
    const remaining = x.map((_, i) => i);
    return y.map((v) => {
      const u = unit(v);
      const cos = remaining.map((j) => unit(x[j] as number[]).reduce((s, a, k) => s + a * (u[k] as number), 0));
      const best = Math.max(...cos);
      const k = cos.findIndex((c) => c >= best - eps);
      const pick = remaining[k] as number;
      remaining.splice(k, 1);
      return pick;
    });
  }

  for (const [d, eps] of [[1, 0], [2, 0], [2, 1e-3], [5, 0], [12, 0], [12, 0.01]] as const) {
    it(`d=${d}, ε=${eps}: scan and every fast variant equal the unsorted greedy, which differs from Algorithm 1`, async () => {
      const rng = new Rng(70 + d);
      const n = 240;
      const x = Array.from({ length: n }, () => Array.from({ length: d }, () => (d === 1 ? rng.int(7) - 3 : rng.uniform(-1, 2))));
      const y = Array.from({ length: n }, () => Array.from({ length: d }, () => rng.normal()));
      const ref = unsortedGreedy(x, y, eps);
      const options = { sortByNorm: false, cosineTolerance: eps };
      expect(Array.from(await gtnLabels(x, y, { ...options, method: "scan" }))).toEqual(ref);
      for (const [name, variant] of fastVariants) expect(Array.from(await gtnLabels(x, y, { ...variant, ...options })), name).toEqual(ref);
      expect(Array.from(await gtnLabels(x, y, { cosineTolerance: eps }))).not.toEqual(ref);
    });
  }

  it("rejects a non-boolean sortByNorm", async () => {
    await expect(gtnLabels([[1]], [[1]], { sortByNorm: "no" as never })).rejects.toThrow(/options\.sortByNorm/);
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

  it("equal sign counts: each y gets the same-sign x of the same rank", async () => {
    const rng = new Rng(11);
    const n = 2000;
    const x = Array.from({ length: n }, (_, i) => (i % 2 ? 1 : -1) * (0.1 + rng.next() * 5));
    const y = Array.from({ length: n }, (_, i) => (i % 2 ? -1 : 1) * Math.abs(rng.normal()) + 0 * i);
    const rx = signRanks(x);
    const ry = signRanks(y);
    for (const method of ["scan", "fast"] as const) {
      const assign = await gtnLabels(x.map((v) => [v]), y.map((v) => [v]), { method });
      for (let i = 0; i < n; i++) {
        const got = rx[assign[i] as number] as { sign: number; rank: number };
        expect(got).toEqual(ry[i]);
      }
    }
  });

  it("unequal counts: same-rank pairs up to the smaller count, the surplus y take the other sign's x in norm order", async () => {
    const rng = new Rng(12);
    const n = 1000;
    const x = Array.from({ length: n }, (_, i) => (i < 400 ? 1 : -1) * (0.01 + rng.next()));
    const y = Array.from({ length: n }, () => rng.normal());
    const posY = y.filter((v) => v > 0).length;
    expect(posY).toBeGreaterThan(400); // the surplus is on the positive side
    const rx = signRanks(x);
    const ry = signRanks(y);
    const assign = await gtnLabels(x.map((v) => [v]), y.map((v) => [v]));
    expect(Array.from(assign)).toEqual(Array.from(await gtnLabels(x.map((v) => [v]), y.map((v) => [v]), { method: "scan" })));
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
  ])("%s → AtlasError", async (_, x, y) => {
    await expect(gtnLabels(x as number[][], y as number[][])).rejects.toThrow(AtlasError);
  });
  it("names the argument and rejects bad options", async () => {
    await expect(gtnLabels(ok, [[1, 2]])).rejects.toThrow(/y/);
    await expect(gtnLabels(ok, ok, { method: "greedy" as "scan" })).rejects.toThrow(AtlasError);
    await expect(gtnLabels(ok, ok, { blockSize: 0 })).rejects.toThrow(AtlasError);
    await expect(gtnLabels(ok, ok, { threads: 0 })).rejects.toThrow(/threads/);
    await expect(gtnLabels(ok, ok, { threads: 1.5 })).rejects.toThrow(AtlasError);
  });
});
