import { readFileSync } from "node:fs";
import * as tf from "@tensorflow/tfjs";
import { AtlasError, InvalidArgumentError, ShapeMismatchError } from "@atlas/core";
import { describe, expect, it } from "vitest";
import { fid, frechetDistance, gaussianStats, GaussianAccumulator, inceptionScore, kid, precisionRecall } from "./index.js";
import { makeLogits, makePair } from "./fixtures/data.js";

// Reference values from scripts/make_fixtures.py (numpy/scipy; pytorch-fid, improved-gan IS,
// Bińkowski KID, Kynkäänniemi PR), regenerated data bit-exact on both sides.
const ref = JSON.parse(readFileSync(new URL("./fixtures/reference.json", import.meta.url), "utf8")) as {
  fid: { name: string; seed: number; nA: number; nB: number; dim: number; offset: number; shiftDiv: number; fidSqrtm: number; fidEigh: number; sqrtmVsEigh: number; meanA: number[]; traceA: number; traceB: number; covA?: number[] }[];
  inceptionScore: { seed: number; n: number; classes: number; splits: number; mean: number; std: number }[];
  kid: { dataSeed: number; nA: number; nB: number; dim: number; shiftDiv: number; subsets: number; subsetSize: number; seed: number; mean: number; std: number; mmd: number[] }[];
  precisionRecall: { seed: number; nA: number; nB: number; dim: number; shiftDiv: number; k: number; precision: number; recall: number }[];
};

const rel = (a: number, b: number): number => Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);

describe("FID against numpy/scipy", () => {
  for (const c of ref.fid) {
    it(`${c.name}: d=${c.dim}, n=${c.nA}/${c.nB} matches the eigh reference to 1e-9 (sqrtm to its own accuracy)`, () => {
      const { a, b } = makePair(c.seed, c.nA, c.nB, c.dim, c.offset, c.shiftDiv);
      const r = fid(a, b);
      expect(rel(r.fid, c.fidEigh)).toBeLessThanOrEqual(1e-9);
      // scipy's sqrtm (pytorch-fid's route) agrees with the eigh route only to c.sqrtmVsEigh
      expect(rel(r.fid, c.fidSqrtm)).toBeLessThanOrEqual(Math.max(1e-9, 2 * c.sqrtmVsEigh));
      expect(rel(r.terms.traceA, c.traceA)).toBeLessThanOrEqual(1e-12);
      expect(rel(r.terms.traceB, c.traceB)).toBeLessThanOrEqual(1e-12);
      expect(r.samples).toEqual([c.nA, c.nB]);
      expect(r.dim).toBe(c.dim);
      const s = gaussianStats(a);
      const meanScale = Math.max(...c.meanA.map(Math.abs));
      for (let j = 0; j < c.dim; j++) expect(Math.abs((s.mean[j] as number) - (c.meanA[j] as number))).toBeLessThanOrEqual(1e-14 * meanScale);
      if (c.covA) {
        let maxErr = 0;
        let maxAbs = 0;
        for (let i = 0; i < c.covA.length; i++) {
          maxErr = Math.max(maxErr, Math.abs((s.cov[i] as number) - (c.covA[i] as number)));
          maxAbs = Math.max(maxAbs, Math.abs(c.covA[i] as number));
        }
        expect(maxErr / maxAbs).toBeLessThanOrEqual(1e-12);
      }
    });
  }

  it("covariance of features offset by 1e4 is exact (a float32 one-pass formula would be visibly wrong)", () => {
    const c = ref.fid.find((x) => x.name === "offset1e4");
    expect(c?.covA).toBeDefined();
    expect(c?.offset).toBe(1e4);
  });
});

describe("FID analytic cases", () => {
  it("Σ = I, means 0 and 1 in d = 256 gives 256 (d = 2048 in metrics.slow.test.ts)", () => {
    const d = 256;
    const eye = new Float64Array(d * d);
    for (let i = 0; i < d; i++) eye[i * d + i] = 1;
    const r = frechetDistance({ mean: new Float64Array(d), cov: eye, n: 10, dim: d }, { mean: new Float64Array(d).fill(1), cov: eye, n: 10, dim: d });
    expect(Math.abs(r.fid - d)).toBeLessThanOrEqual(1e-12 * d);
  });
  it("Σ₁ = [[2,1],[1,2]] against I with equal means gives 4 − 2√3", () => {
    const r = frechetDistance({ mean: [0, 0] as unknown as Float64Array, cov: new Float64Array([2, 1, 1, 2]), n: 3, dim: 2 }, { mean: new Float64Array(2), cov: new Float64Array([1, 0, 0, 1]), n: 3, dim: 2 });
    // tr Σ₁ + tr I − 2 tr Σ₁^½ = 4 + 2 − 2(√3 + 1) = 4 − 2√3
    expect(Math.abs(r.fid - (4 - 2 * Math.sqrt(3)))).toBeLessThanOrEqual(1e-14);
  });
  it("FID(X, X) = 0 and FID is symmetric", () => {
    const { a, b } = makePair(3, 300, 200, 32);
    const self = fid(a, a);
    expect(Math.abs(self.fid)).toBeLessThanOrEqual(1e-9 * self.terms.traceA);
    const ab = fid(a, b).fid;
    const ba = fid(b, a).fid;
    expect(rel(ab, ba)).toBeLessThanOrEqual(1e-10);
  });
  it("rank-deficient covariances (n < d) stay finite and non-negative, X vs X gives 0", () => {
    const { a, b } = makePair(9, 10, 12, 40);
    const r = fid(a, b);
    expect(Number.isFinite(r.fid)).toBe(true);
    expect(r.fid).toBeGreaterThan(0);
    expect(Math.abs(fid(a, a).fid)).toBeLessThanOrEqual(1e-9 * fid(a, a).terms.traceA);
  });
  it("accepts number[][] and records the extractor id", () => {
    const X = [[0, 1], [2, 3], [4, 7]];
    const s = gaussianStats(X);
    expect(Array.from(s.mean)).toEqual([2, 11 / 3]);
    expect(s.cov[0]).toBeCloseTo(4, 14);
    const r = fid({ data: new Float64Array([0, 1, 2, 3, 4, 7]), dim: 2, extractor: "x" }, { data: new Float64Array([1, 1, 2, 5, 3, 2]), dim: 2, extractor: "x" });
    expect(r.extractor).toBe("x");
  });
});

describe("GaussianAccumulator", () => {
  it("batched (uneven batches, merged accumulators) equals one-shot to 1e-12", () => {
    const { a } = makePair(5, 1000, 0, 24, 1e4, 16);
    const one = gaussianStats(a);
    const d = a.dim;
    const acc1 = new GaussianAccumulator();
    const acc2 = new GaussianAccumulator(d);
    const cuts = [0, 1, 7, 300, 301, 650, 1000];
    for (let c = 0; c + 1 < cuts.length; c++) {
      const part = { data: a.data.subarray((cuts[c] as number) * d, (cuts[c + 1] as number) * d), dim: d };
      (c % 2 ? acc1 : acc2).add(part);
    }
    const merged = acc1.merge(acc2).stats();
    expect(merged.n).toBe(1000);
    let covErr = 0;
    let covMax = 0;
    for (let i = 0; i < d * d; i++) {
      covErr = Math.max(covErr, Math.abs((merged.cov[i] as number) - (one.cov[i] as number)));
      covMax = Math.max(covMax, Math.abs(one.cov[i] as number));
    }
    expect(covErr / covMax).toBeLessThanOrEqual(1e-12);
    for (let j = 0; j < d; j++) expect(rel(merged.mean[j] as number, one.mean[j] as number)).toBeLessThanOrEqual(1e-14);
  });
  it("rejects a batch of another dimension and too few samples", () => {
    const acc = new GaussianAccumulator();
    acc.add([[1, 2]]);
    expect(() => acc.stats()).toThrow(InvalidArgumentError);
    expect(() => acc.add([[1, 2, 3]])).toThrow(ShapeMismatchError);
  });
});

describe("Inception Score against the original", () => {
  for (const c of ref.inceptionScore) {
    it(`n=${c.n}, C=${c.classes}, splits=${c.splits}`, () => {
      const r = inceptionScore(makeLogits(c.seed, c.n, c.classes), { splits: c.splits });
      expect(rel(r.mean, c.mean)).toBeLessThanOrEqual(1e-12);
      expect(rel(r.std, c.std)).toBeLessThanOrEqual(1e-9);
      expect(r.samples).toBe(c.n);
    });
  }
  it("all-equal logits give (1, 0)", () => {
    const r = inceptionScore(Array.from({ length: 50 }, () => [0.3, 0.3, 0.3, 0.3]), { splits: 5 });
    expect(r.mean).toBeCloseTo(1, 14);
    expect(r.std).toBeCloseTo(0, 14);
  });
  it("confident one-hot logits spread over 10 classes give (10, 0)", () => {
    const logits = Array.from({ length: 100 }, (_, i) => Array.from({ length: 10 }, (_, c) => (c === i % 10 ? 1000 : 0)));
    const r = inceptionScore(logits, { splits: 10 });
    expect(r.mean).toBeCloseTo(10, 12);
    expect(r.std).toBeCloseTo(0, 12);
  });
});

describe("KID against the reference polynomial_mmd", () => {
  for (const c of ref.kid) {
    it(`d=${c.dim}, ${c.subsets} subsets of ${c.subsetSize}`, () => {
      const { a, b } = makePair(c.dataSeed, c.nA, c.nB, c.dim, 0, c.shiftDiv);
      const r = kid(a, b, { subsets: c.subsets, subsetSize: c.subsetSize, seed: c.seed });
      // the kernel sums are large and MMD² is their difference: compare on the scale of the sums
      const scale = Math.max(...c.mmd.map(Math.abs), 1);
      expect(Math.abs(r.mean - c.mean) / scale).toBeLessThanOrEqual(1e-9);
      expect(Math.abs(r.std - c.std) / scale).toBeLessThanOrEqual(1e-9);
      expect(r.subsetSize).toBe(c.subsetSize);
    });
  }
  it("KID of a set against itself on the same subsets is tiny, against a shifted copy clearly positive", () => {
    const { a } = makePair(4, 200, 0, 8);
    const shifted = { data: a.data.map((v) => v + 10), dim: 8 };
    const same = kid(a, a, { subsets: 3, subsetSize: 200, seed: 1 });
    const moved = kid(a, shifted, { subsets: 3, subsetSize: 200, seed: 1 });
    expect(moved.mean).toBeGreaterThan(100 * Math.abs(same.mean));
    expect(moved.mean).toBeGreaterThan(0);
  });
});

describe("precision/recall against Kynkäänniemi et al.", () => {
  for (const c of ref.precisionRecall) {
    it(`d=${c.dim}, k=${c.k}`, () => {
      const { a, b } = makePair(c.seed, c.nA, c.nB, c.dim, 0, c.shiftDiv);
      const r = precisionRecall(a, b, { k: c.k });
      expect(r.precision).toBe(c.precision);
      expect(r.recall).toBe(c.recall);
      expect(r.samples).toEqual([c.nA, c.nB]);
    });
  }
  it("PR(X, X) = (1, 1); sets far apart give (0, 0)", () => {
    const { a } = makePair(2, 100, 0, 5);
    expect(precisionRecall(a, a, { k: 3 })).toMatchObject({ precision: 1, recall: 1 });
    const far = { data: a.data.map((v) => v + 1e3), dim: 5 };
    expect(precisionRecall(a, far, { k: 3 })).toMatchObject({ precision: 0, recall: 0 });
  });
  it("a point exactly on a radius counts as inside (≤)", () => {
    // real: 0, 1, 3 on a line, k = 1 → radii 1, 1, 2; fake 5 is exactly 2 from 3
    const r = precisionRecall([[0], [1], [3]], [[5], [5.5], [6]], { k: 1 });
    expect(r.precision).toBeCloseTo(1 / 3, 15);
  });
});

describe("bad input → AtlasError naming the argument", () => {
  const good = [[1, 2], [3, 4], [5, 7]];
  const cases: [string, () => unknown, string][] = [
    ["NaN in features", () => fid([[1, NaN], [2, 3]], good), "featuresA"],
    ["Inf in features", () => fid(good, [[1, 2], [Infinity, 3]]), "featuresB"],
    ["mismatched dimensions", () => fid(good, [[1, 2, 3], [4, 5, 6]]), "featuresB"],
    ["fewer than 2 samples", () => fid([[1, 2]], good), "featuresA"],
    ["stats of one sample", () => gaussianStats([[1, 2]]), "features"],
    ["k ≥ n", () => precisionRecall(good, good, { k: 3 }), "k"],
    ["k = 0", () => precisionRecall(good, good, { k: 0 }), "k"],
    ["subsetSize > n", () => kid(good, good, { subsetSize: 4 }), "subsetSize"],
    ["subsets = 0", () => kid(good, good, { subsets: 0, subsetSize: 2 }), "subsets"],
    ["splits > n", () => inceptionScore(good, { splits: 4 }), "splits"],
    ["NaN logits", () => inceptionScore([[1, NaN]], { splits: 1 }), "logits"],
    ["stats of different dims", () => frechetDistance(gaussianStats(good), gaussianStats([[1, 2, 3], [3, 4, 4]])), "statsB"],
    ["cov of the wrong size", () => frechetDistance({ mean: new Float64Array(2), cov: new Float64Array(3), n: 2, dim: 2 }, gaussianStats(good)), "statsA.cov"],
    ["different extractors", () => fid({ data: new Float64Array(4), dim: 2, extractor: "a" }, { data: new Float64Array(4), dim: 2, extractor: "b" }), "featuresB"],
    // a tensor may live on a GPU: the synchronous metrics refuse it instead of reading it synchronously
    [
      "a tensor",
      () => {
        const t = tf.tensor2d(good);
        try {
          return fid(good, t as never);
        } finally {
          t.dispose();
        }
      },
      "featuresB",
    ],
  ];
  for (const [what, call, argument] of cases) {
    it(what, () => {
      let error: unknown;
      try {
        call();
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(AtlasError);
      expect((error as { argument?: string }).argument).toBe(argument);
    });
  }
});
